//! Everything a key can ask for, named as in `config/keymap.toml`. One list of
//! commands feeds the key lookup, the hint bar and the help screen.

use serde::{Deserialize, Serialize};

use crate::strings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    /// Ctrl-C: quit from any screen, also where `q` is text (asking about unsaved input).
    Interrupt,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    Filter,
    Open,
    NewCase,
    Edit,
    Back,
    NextField,
    PrevField,
    Submit,
    Save,
    ExportAccess,
    Delete,
    Recover,
    Wizard,
    Consent,
    Plan,
    Missing,
    Print,
    Versions,
    NewItem,
    Undo,
    Redo,
    NextPart,
    PrevPart,
    Compare,
    Escalate,
    Decide,
    Dismiss,
    Absence,
    /// Correct the question of the open escalation's current level.
    EditQuestion,
    Escalations,
    Agenda,
    Export,
    /// The SWV dashboard: the half-year before, and the one after (up to the current).
    PreviousPeriod,
    NextPeriod,
}

/// Defines `Context` and its `ALL` list together, so a new context is never missing
/// from the list (the keymap checks every context in it for clashes).
macro_rules! contexts {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Where keys are interpreted. A key may mean one action per context.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Context {
            $($(#[$doc])* $name,)*
        }

        impl Context {
            pub const ALL: &'static [Context] = &[$(Context::$name,)*];
        }
    };
}

contexts! {
    List,
    /// Typing in the list's filter line.
    Filter,
    Form,
    /// A routekaart step in the wizard: a form that can also open the consent screen.
    Step,
    /// Unlocking, setting or recovering the passphrase.
    Gate,
    Detail,
    Help,
    /// The terminal is too small: only quitting works.
    TooSmall,
    /// A message to read and confirm (recovery key, damaged store).
    Notice,
    /// The plan editor's section list.
    PlanSections,
    /// Typing in a free-text part of the plan.
    PlanText,
    /// A list part of the plan (goals, actions, ...).
    PlanList,
    /// What the plan still lacks.
    PlanMissing,
    PlanVersions,
    /// Reading a plan version or the changes between two.
    PlanRead,
    /// All open escalations.
    Overview,
    /// Typing in the overview's filter line.
    OverviewFilter,
    /// The export to the SWV: what goes, and doing it.
    ExportScreen,
    /// The SWV's dashboard (`tandem swv`).
    Dashboard,
}

impl Context {
    /// The actions of a context, in the order the help lists them; the first `bar`
    /// of them also appear in the hint bar.
    pub fn actions(self) -> (&'static [Action], usize) {
        use Action::*;
        match self {
            Context::List => (
                &[
                    Open,
                    NewCase,
                    Filter,
                    Escalations,
                    Export,
                    Help,
                    Quit,
                    Up,
                    Down,
                    PageUp,
                    PageDown,
                    First,
                    Last,
                    Back,
                    Interrupt,
                ],
                7,
            ),
            Context::Filter => (&[Open, Back, Up, Down, Help, Interrupt], 4),
            Context::Form => (&[NextField, Save, Back, Help, PrevField, Submit, Interrupt], 4),
            Context::Step => (&[NextField, Save, Consent, Back, Help, PrevField, Submit, Interrupt], 5),
            Context::Gate => (&[Submit, NextField, Recover, Back, Help, PrevField, Interrupt], 3),
            Context::Detail => (
                &[
                    Wizard,
                    Plan,
                    Escalate,
                    Edit,
                    Back,
                    Help,
                    Decide,
                    Dismiss,
                    Absence,
                    EditQuestion,
                    Consent,
                    ExportAccess,
                    Delete,
                    Quit,
                    Up,
                    Down,
                    Interrupt,
                ],
                6,
            ),
            Context::Overview => (&[Open, Filter, Agenda, Back, Help, Quit, Up, Down, Interrupt], 5),
            Context::OverviewFilter => (&[Open, Back, Up, Down, Help, Interrupt], 4),
            Context::ExportScreen => (&[Submit, Back, Help, Quit, Interrupt], 3),
            Context::Dashboard => (&[PreviousPeriod, NextPeriod, Up, Down, Help, Quit, Back, Interrupt], 6),
            Context::PlanSections => (&[Open, Missing, Print, Versions, Back, Help, Up, Down, NextPart, Interrupt], 6),
            Context::PlanText => {
                (&[Back, NextPart, Undo, Missing, Print, Help, Redo, PrevPart, Save, Versions, Interrupt], 6)
            }
            Context::PlanList => (
                &[Open, NewItem, Delete, Back, Missing, Help, Print, Versions, NextPart, PrevPart, Up, Down, Interrupt],
                6,
            ),
            Context::PlanMissing => (&[Open, Back, Help, Up, Down, Interrupt], 3),
            Context::PlanVersions => (&[Open, Compare, NewItem, Back, Help, Up, Down, Interrupt], 5),
            Context::PlanRead => (&[Back, Help, Up, Down, PageUp, PageDown, Interrupt], 2),
            Context::Help => (&[Back, Help, Up, Down, Interrupt], 1),
            Context::TooSmall => (&[Quit, Interrupt], 1),
            Context::Notice => (&[Submit, Quit, Help, Interrupt], 2),
        }
    }

    /// A form of some kind: typing edits its focused field.
    pub fn is_form(self) -> bool {
        matches!(self, Context::Form | Context::Step | Context::Gate)
    }

    /// Contexts where plain characters are typed text, so they never trigger actions.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Context::Filter
                | Context::Form
                | Context::Step
                | Context::Gate
                | Context::PlanText
                | Context::OverviewFilter
        )
    }
}

impl Action {
    /// The name used in the keymap file.
    pub fn name(self) -> String {
        // Serialising a fieldless enum to a string cannot fail; fall back to Debug anyway.
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("{self:?}"))
    }

    /// What the action does, for help and hint bar (Dutch), in a given context.
    pub fn describe(self, context: Context) -> &'static str {
        strings::action(self, context)
    }
}
