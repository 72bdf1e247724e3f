//! What every screen on the stack can do, and the list of screens. A screen owns its
//! state, the actions of its contexts and the replies it asked for; the model only
//! routes keys and replies to the screen on top and applies what it says (`Nav`).
//!
//! A new screen: its file in `ui/` with a type that implements [`Page`], its view in
//! `ui/view/`, its keys in `config/keymap.toml` (and its context in `action.rs` when it
//! has keys of its own), and one line in [`screens!`] below.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::Form;
use super::keymap::Key;
use super::model::{Model, Notice, Popup};
use super::worker::{Job, Reply};
use crate::domain::case::Case;
use crate::domain::history::Change;

/// What the model does with the screen after it handled something.
#[derive(Debug)]
pub enum Nav {
    Stay,
    /// Close this screen.
    Pop,
    /// Open another screen on top of this one.
    Push(Screen),
    Quit,
}

/// A screen on the stack. Jobs for the worker go to `Model::job`; the screen itself is
/// off the stack while it handles something, so `m.screens` holds the ones below it.
pub trait Page {
    /// Where keys go while this screen is on top.
    fn context(&self) -> Context;

    /// What an action of `context` does here (help, quit and popups are the model's).
    fn on_action(&mut self, m: &mut Model, context: Context, action: Action) -> Nav;

    /// A key that is no action in `context`: in a form it edits the focused field.
    fn on_typing(&mut self, m: &mut Model, context: Context, key: &Key, ev: &KeyEvent) -> Nav {
        let _ = ev;
        if context.is_form() {
            self.on_form_typing(m, key);
        }
        Nav::Stay
    }

    /// A key while a question of this screen is open (answered with j or n), if one is.
    fn on_question(&mut self, m: &mut Model, key: &Key) -> Option<Nav> {
        let _ = (m, key);
        None
    }

    /// A worker reply this screen asked for.
    fn on_reply(&mut self, m: &mut Model, reply: Reply) -> Nav {
        let _ = (m, reply);
        Nav::Stay
    }

    /// The model's data changed (see `Notice`).
    fn on_notice(&mut self, m: &mut Model, notice: Notice) -> Nav {
        let _ = (m, notice);
        Nav::Stay
    }

    /// The store locked: the screen forgets what it decrypted; false closes it.
    fn lock(&mut self) -> bool {
        true
    }

    /// Pasted text, normalised already.
    fn on_paste(&mut self, m: &mut Model, text: &str) {
        let _ = m;
        if let Some(form) = self.form_mut() {
            form.paste(&text.replace('\n', " "));
        }
    }

    /// The form being typed in, if any.
    fn form(&self) -> Option<&Form> {
        None
    }

    fn form_mut(&mut self) -> Option<&mut Form> {
        None
    }

    /// Input that would be lost on quitting.
    fn unsaved(&self) -> bool {
        self.form().is_some_and(Form::is_dirty)
    }

    /// Discarding its form was confirmed.
    fn discard(&mut self) -> Nav {
        Nav::Pop
    }

    /// Saves the form: `complete` is the button (Enter), else Ctrl-S. Not called while
    /// a save is under way.
    fn save(&mut self, m: &mut Model, complete: bool) -> Nav {
        let _ = (m, complete);
        Nav::Stay
    }

    /// Moves the form's focus; screens that check a field when it is left override it.
    fn move_focus(&mut self, m: &mut Model, forward: bool) {
        let _ = m;
        if let Some(f) = self.form_mut() {
            f.step_focus(forward);
        }
    }

    /// A key was typed into field `index` of the form; `changed` if it changed it.
    fn typed(&mut self, m: &mut Model, index: usize, changed: bool) {
        let _ = (m, index, changed);
    }

    /// Typing into the form.
    fn on_form_typing(&mut self, m: &mut Model, key: &Key) {
        let Some(form) = self.form_mut() else { return };
        let index = form.focus;
        let changed = form.edit(key);
        self.typed(m, index, changed);
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position>;
}

/// The actions every form screen shares: moving between fields, Enter moving on until
/// the button, saving, and leaving (asking first when something was typed).
pub fn form_action(page: &mut (impl Page + ?Sized), m: &mut Model, action: Action) -> Nav {
    match action {
        Action::NextField | Action::PrevField => page.move_focus(m, action == Action::NextField),
        Action::Submit if page.form().is_some_and(|f| !f.on_button()) => page.move_focus(m, true),
        // A save under way answers first.
        Action::Submit | Action::Save if page.form().is_some_and(|f| f.saving) => {}
        Action::Submit => return page.save(m, true),
        Action::Save => return page.save(m, false),
        Action::Back => match page.form() {
            Some(f) if f.saving => {}
            Some(f) if f.is_dirty() => m.popup = Some(Popup::ConfirmDiscard),
            _ => return page.discard(),
        },
        _ => {}
    }
    Nav::Stay
}

/// Sends a form's case to be saved; the form waits for the reply.
pub fn save_case(form: &mut Form, m: &mut Model, case: Box<Case>, change: Change) {
    form.saving = true;
    m.job(Job::Save { case, change, clear_draft: false });
}

/// Form screens that save a case close once it is stored.
pub fn close_when_saved(notice: Notice) -> Nav {
    if matches!(notice, Notice::Saved { on_top: true, .. }) { Nav::Pop } else { Nav::Stay }
}

/// The `Page` methods of a screen that is one form, kept in its field `form`, with the
/// shared form actions (`form_action`).
macro_rules! form_page {
    () => {
        fn context(&self) -> Context {
            Context::Form
        }

        fn on_action(&mut self, m: &mut Model, _: Context, action: Action) -> Nav {
            form_action(self, m, action)
        }

        $crate::ui::screen::form_access!();
    };
}

/// `Page::form` and `Page::form_mut` for a screen whose form is its field `form`.
macro_rules! form_access {
    () => {
        fn form(&self) -> Option<&Form> {
            Some(&self.form)
        }

        fn form_mut(&mut self) -> Option<&mut Form> {
            Some(&mut self.form)
        }
    };
}

pub(super) use {form_access, form_page};

/// Defines `Screen`, one variant per screen type, and hands each `Page` call to it.
macro_rules! screens {
    ($($(#[$doc:meta])* $name:ident($ty:ty),)*) => {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Screen {
            $($(#[$doc])* $name($ty),)*
        }

        impl Screen {
            /// The screen's behaviour.
            pub fn page(&self) -> &dyn Page {
                match self {
                    $(Screen::$name(s) => &**s,)*
                }
            }

            pub fn page_mut(&mut self) -> &mut dyn Page {
                match self {
                    $(Screen::$name(s) => &mut **s,)*
                }
            }
        }
    };
}

screens! {
    Setup(Box<super::setup::SetupScreen>),
    Case(Box<super::case_form::CaseForm>),
    Wizard(Box<super::wizard::Wizard>),
    Consent(Box<super::consent_form::ConsentScreen>),
    Detail(Box<super::detail::Detail>),
    Plan(Box<super::plan_editor::PlanEditor>),
    Escalate(Box<super::escalation_form::EscalationScreen>),
    /// All open escalations, most urgent first.
    Escalations(Box<super::escalations::Overview>),
    /// What the export to the SWV sends, and the bundle written last.
    Export(Box<super::export::ExportScreen>),
    /// This member's card and the partners it trusts.
    Partners(Box<super::partners::PartnerScreen>),
    /// Adding a partner from their card, or choosing the shared folder.
    PartnerForm(Box<super::partner_form::PartnerForm>),
}
