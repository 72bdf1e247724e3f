//! The forms the partner screen opens: saving this member's card as a file, adding a
//! partner from their card file (the fingerprint is shown for a j/n check, as `tandem
//! partner add` asks), and choosing the folder shared with the partners (`[sync] folder`).
//! The worker writes and reads the cards and checks the folder, so typing never waits on
//! the disk.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::{Field, Form};
use super::keymap::Key;
use super::model::{Model, Notice};
use super::screen::{Nav, Page, form_action, form_page};
use super::worker::{Job, Reply};
use crate::config::SyncSettings;
use crate::partners::{self, Card};
use crate::paths;
use crate::strings::{self, partners as text};

const PATH_MAX: usize = 500;
const NAME_MAX: usize = 200;

/// The fields' names.
mod id {
    pub const CARD: &str = "card";
    pub const NAME: &str = "name";
    pub const FOLDER: &str = "folder";
    pub const SAVE_AS: &str = "save_as";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SaveCard,
    AddPartner,
    SyncFolder,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerForm {
    pub purpose: Purpose,
    pub form: Form,
    /// The card read from the file, waiting for the j/n on its fingerprint.
    pub card: Option<Box<Card>>,
}

impl PartnerForm {
    /// Where to write the own card (`tandem partner key` does the same on the command
    /// line, but not while this copy is open).
    pub fn save_card() -> PartnerForm {
        let form = Form::with_button(
            vec![
                Field::text(
                    text::FORM_SAVE_CARD,
                    true,
                    PATH_MAX,
                    text::FORM_SAVE_CARD_HINT,
                    text::FORM_SAVE_CARD_DEFAULT,
                )
                .named(id::SAVE_AS),
            ],
            text::FORM_SAVE_CARD_BUTTON,
        );
        PartnerForm { purpose: Purpose::SaveCard, form, card: None }
    }

    pub fn add_partner() -> PartnerForm {
        let form = Form::with_button(
            vec![
                Field::text(text::FORM_CARD, true, PATH_MAX, text::FORM_CARD_HINT, "").named(id::CARD),
                Field::text(text::FORM_NAME, true, NAME_MAX, text::FORM_NAME_HINT, "").named(id::NAME),
            ],
            text::FORM_ADD_BUTTON,
        );
        PartnerForm { purpose: Purpose::AddPartner, form, card: None }
    }

    /// Pre-filled with the folder in use, if any; emptied, it stops the syncing.
    pub fn sync_folder(current: Option<&SyncSettings>) -> PartnerForm {
        let now = current.map(|s| s.folder.display().to_string()).unwrap_or_default();
        let form = Form::with_button(
            vec![Field::text(text::FORM_FOLDER, false, PATH_MAX, text::FORM_FOLDER_HINT, &now).named(id::FOLDER)],
            strings::SAVE_BUTTON,
        );
        PartnerForm { purpose: Purpose::SyncFolder, form, card: None }
    }

    fn title(&self) -> &'static str {
        match self.purpose {
            Purpose::SaveCard => text::FORM_SAVE_CARD_TITLE,
            Purpose::AddPartner => text::FORM_ADD_TITLE,
            Purpose::SyncFolder => text::FORM_FOLDER_TITLE,
        }
    }
}

impl Page for PartnerForm {
    form_page!();

    fn save(&mut self, m: &mut Model, _: bool) -> Nav {
        match self.purpose {
            Purpose::SaveCard => {
                let file = self.form.text(id::SAVE_AS);
                if file.trim().is_empty() {
                    self.form.show_problems(vec![(id::SAVE_AS, strings::REQUIRED.to_string())]);
                    return Nav::Stay;
                }
                let file = paths::expand_home(file.trim());
                m.job(Job::SaveCard { file, config: Box::new(m.config.clone()), at: m.now });
            }
            Purpose::AddPartner => {
                let (file, name) = (self.form.text(id::CARD), self.form.text(id::NAME));
                let mut problems = Vec::new();
                for (at, value) in [(id::CARD, &file), (id::NAME, &name)] {
                    if value.trim().is_empty() {
                        problems.push((at, strings::REQUIRED.to_string()));
                    }
                }
                if !problems.is_empty() {
                    self.form.show_problems(problems);
                    return Nav::Stay;
                }
                let file = paths::expand_home(file.trim());
                m.job(Job::ReadCard { file, config: Box::new(m.config.clone()), at: m.now });
            }
            Purpose::SyncFolder => {
                let mut config = m.config.clone();
                config.sync = SyncSettings::from_typed(&self.form.text(id::FOLDER));
                m.job(Job::SaveConfig(Box::new(config)));
            }
        }
        self.form.saving = true;
        Nav::Stay
    }

    fn on_question(&mut self, m: &mut Model, key: &Key) -> Option<Nav> {
        let card = self.card.as_ref()?;
        match key.code {
            KeyCode::Char('j' | 'J') => {
                let name = self.form.text(id::NAME).trim().to_string();
                m.job(Job::TrustPartner { card: card.clone(), name, who: m.config.user.clone(), at: m.now });
                self.form.saving = true;
                self.card = None;
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                self.card = None;
                m.note(text::DECLINED.to_string());
            }
            _ => {}
        }
        Some(Nav::Stay)
    }

    fn on_reply(&mut self, m: &mut Model, reply: Reply) -> Nav {
        match reply {
            Reply::CardSaved(Ok((file, fingerprint))) => {
                m.note(text::card_saved(&file, &fingerprint));
                return Nav::Pop;
            }
            Reply::CardSaved(Err(e)) => self.form.show_problems(vec![(id::SAVE_AS, e)]),
            Reply::CardRead(Ok(card)) => self.card = Some(card),
            Reply::CardRead(Err(e)) => self.form.show_problems(vec![(id::CARD, e)]),
            Reply::PartnerAdded(Ok(added)) => {
                let fingerprint = partners::fingerprint(&added.signing_key, &added.recipient);
                m.note(text::added(&added.name, &added.id, &fingerprint));
                m.partners_changed();
                return Nav::Pop;
            }
            Reply::PartnerAdded(Err(e)) => m.error(e),
            _ => return Nav::Stay,
        }
        self.form.saving = false;
        Nav::Stay
    }

    fn on_notice(&mut self, m: &mut Model, notice: Notice) -> Nav {
        if notice != Notice::ConfigSaved {
            return Nav::Stay;
        }
        match &m.config.sync {
            Some(s) => m.note(text::folder_set(&s.folder)),
            None => m.note(text::FOLDER_CLEARED.to_string()),
        }
        m.partners_changed();
        Nav::Pop
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        let cursor = super::view::form_screen(m, self.title(), &self.form, frame, area);
        match &self.card {
            Some(card) => {
                let question = text::confirm(&card.fingerprint(), &card.name, &card.role, &card.school);
                super::view::confirm(m, frame, area, text::CONFIRM_ADD_TITLE, &question);
                None
            }
            None => cursor,
        }
    }
}
