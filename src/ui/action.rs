//! Everything a key can ask for, named as in `config/keymap.toml`. One list of
//! commands feeds the key lookup, the hint bar and the help screen.

use serde::{Deserialize, Serialize};

use crate::ui::text;

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
    /// The partner screen: this member's card and the trusted partners.
    Partners,
    /// Sync with the partners now (it also runs by itself every few minutes).
    Sync,
    /// Save this member's card as a file to send to a partner.
    SaveCard,
    /// Pick one of two values two copies gave one field (a clash after a sync).
    Settle,
    /// The SWV dashboard: the half-year before, and the one after (up to the current).
    PreviousPeriod,
    NextPeriod,
}

/// Defines `Context`, its `ALL` list and each context's actions together: a new
/// context is one entry here (the keymap checks every context in `ALL` for clashes).
macro_rules! contexts {
    ($($(#[$doc:meta])* $name:ident => [$($action:ident),* $(,)?] bar $bar:literal,)*) => {
        /// Where keys are interpreted. A key may mean one action per context.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Context {
            $($(#[$doc])* $name,)*
        }

        impl Context {
            pub const ALL: &'static [Context] = &[$(Context::$name,)*];

            /// The actions of a context, in the order the help lists them; the first `bar`
            /// of them also appear in the hint bar.
            pub fn actions(self) -> (&'static [Action], usize) {
                match self {
                    $(Context::$name => (&[$(Action::$action),*], $bar),)*
                }
            }
        }
    };
}

// Each context: its actions in the order the help lists them, and how many of them
// (from the first) the hint bar shows.
contexts! {
    List => [
        Open, NewCase, Filter, Escalations, Export, Help, Quit, Up, Down, PageUp, PageDown, First, Last,
        Partners, Back, Interrupt,
    ] bar 7,
    /// Typing in the list's filter line.
    Filter => [Open, Back, Up, Down, Help, Interrupt] bar 4,
    Form => [NextField, Save, Back, Help, PrevField, Submit, Interrupt] bar 4,
    /// A routekaart step in the wizard: a form that can also open the consent screen.
    Step => [NextField, Save, Consent, Back, Help, PrevField, Submit, Interrupt] bar 5,
    /// Unlocking, setting or recovering the passphrase.
    Gate => [Submit, NextField, Recover, Back, Help, PrevField, Interrupt] bar 3,
    Detail => [
        Wizard, Plan, Escalate, Edit, Back, Help, Decide, Dismiss, Absence, EditQuestion, Consent,
        ExportAccess, Delete, Settle, Quit, Up, Down, Interrupt,
    ] bar 6,
    Help => [Back, Help, Up, Down, Interrupt] bar 1,
    /// The terminal is too small: only quitting works.
    TooSmall => [Quit, Interrupt] bar 1,
    /// A message to read and confirm (recovery key, damaged store).
    Notice => [Submit, Quit, Help, Interrupt] bar 2,
    /// The plan editor's section list.
    PlanSections => [Open, Missing, Print, Versions, Back, Help, Up, Down, NextPart, Interrupt] bar 6,
    /// Typing in a free-text part of the plan.
    PlanText => [Back, NextPart, Undo, Missing, Print, Help, Redo, PrevPart, Save, Versions, Interrupt] bar 6,
    /// A list part of the plan (goals, actions, ...).
    PlanList => [
        Open, NewItem, Delete, Back, Missing, Help, Print, Versions, NextPart, PrevPart, Up, Down, Interrupt,
    ] bar 6,
    /// What the plan still lacks.
    PlanMissing => [Open, Back, Help, Up, Down, Interrupt] bar 3,
    PlanVersions => [Open, Compare, NewItem, Back, Help, Up, Down, Interrupt] bar 5,
    /// Reading a plan version or the changes between two.
    PlanRead => [Back, Help, Up, Down, PageUp, PageDown, Interrupt] bar 2,
    /// All open escalations.
    Overview => [Open, Filter, Agenda, Back, Help, Quit, Up, Down, Interrupt] bar 5,
    /// Typing in the overview's filter line.
    OverviewFilter => [Open, Back, Up, Down, Help, Interrupt] bar 4,
    /// The export to the SWV: what goes, and doing it.
    ExportScreen => [Submit, Back, Help, Quit, Interrupt] bar 3,
    /// This member's card and the trusted partners.
    PartnerScreen => [SaveCard, NewItem, Delete, Edit, Sync, Back, Help, Quit, Up, Down, Interrupt] bar 7,
    /// The SWV's dashboard (`tandem swv`).
    Dashboard => [PreviousPeriod, NextPeriod, Up, Down, Help, Quit, Back, Interrupt] bar 6,
}

impl Context {
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
        text::action(self, context)
    }
}
