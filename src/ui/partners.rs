//! This member's own card (name, role, school, id, fingerprint), saved as a file to share
//! (`partner_form`), the shared folder and the last sync, and the partners it trusts:
//! added from their card (`partner_form`), removed after a j/n question. Its view is
//! `view/partners.rs`.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::keymap::Key;
use super::model::{Model, step};
use super::partner_form::PartnerForm;
use super::screen::{Nav, Page, Screen};
use super::worker::{Job, Reply};
use crate::partners::Overview;
use crate::store::Partner;
use crate::strings::partners as text;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerScreen {
    /// The card and partners (None while the worker loads them).
    pub data: Option<Result<Overview, String>>,
    pub selected: usize,
    /// The j/n question about removing the selected partner is open.
    pub confirming: bool,
}

impl PartnerScreen {
    fn partners(&self) -> &[Partner] {
        match &self.data {
            Some(Ok(o)) => &o.partners,
            _ => &[],
        }
    }

    /// The partner the cursor is on.
    pub fn selected_partner(&self) -> Option<&Partner> {
        self.partners().get(self.selected)
    }
}

impl Page for PartnerScreen {
    fn context(&self) -> Context {
        Context::PartnerScreen
    }

    fn on_action(&mut self, m: &mut Model, _: Context, action: Action) -> Nav {
        let len = self.partners().len();
        match action {
            Action::Up => self.selected = step(self.selected, false, len),
            Action::Down => self.selected = step(self.selected, true, len),
            Action::Delete => self.confirming = self.selected_partner().is_some(),
            Action::SaveCard => return Nav::Push(Screen::PartnerForm(Box::new(PartnerForm::save_card()))),
            Action::NewItem => return Nav::Push(Screen::PartnerForm(Box::new(PartnerForm::add_partner()))),
            Action::Edit => {
                return Nav::Push(Screen::PartnerForm(Box::new(PartnerForm::sync_folder(m.config.sync.as_ref()))));
            }
            Action::Sync => m.sync_now(),
            Action::Back => return Nav::Pop,
            _ => {}
        }
        Nav::Stay
    }

    fn on_question(&mut self, m: &mut Model, key: &Key) -> Option<Nav> {
        if !self.confirming {
            return None;
        }
        match key.code {
            KeyCode::Char('j' | 'J') => {
                self.confirming = false;
                if let Some(p) = self.selected_partner() {
                    m.job(Job::RemovePartner { id: p.id.clone(), who: m.config.user.clone(), at: m.now });
                }
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => self.confirming = false,
            _ => {}
        }
        Some(Nav::Stay)
    }

    fn on_reply(&mut self, m: &mut Model, reply: Reply) -> Nav {
        match reply {
            Reply::Partners(data) => self.data = Some(data.map(|o| *o)),
            Reply::PartnerRemoved(Ok(gone)) => {
                m.note(text::removed(&gone.name, &gone.id));
                if let Some(Ok(o)) = &mut self.data {
                    o.partners.retain(|p| p.id != gone.id);
                }
                self.selected = self.selected.min(self.partners().len().saturating_sub(1));
            }
            Reply::PartnerRemoved(Err(e)) => m.error(e),
            _ => {}
        }
        Nav::Stay
    }

    /// The partners' names are decrypted data: the screen closes on locking.
    fn lock(&mut self) -> bool {
        false
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        super::view::partners::draw(m, self, frame, area);
        None
    }
}
