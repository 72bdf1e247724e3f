//! The export to the SWV: what goes, the bundle written last, and writing the next.
//! Its view is `view/export.rs`.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::model::Model;
use super::screen::{Nav, Page};
use super::worker::{Job, Reply};
use crate::exports::LastBundle;
use crate::strings;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportScreen {
    /// The bundle written last (None while the worker looks it up).
    pub last: Option<Result<Option<LastBundle>, String>>,
}

impl Page for ExportScreen {
    fn context(&self) -> Context {
        Context::ExportScreen
    }

    fn on_action(&mut self, m: &mut Model, _: Context, action: Action) -> Nav {
        match action {
            Action::Submit => {
                m.note(strings::EXPORTING.into());
                m.job(Job::ExportBundle { config: Box::new(m.config.clone()), at: m.now });
                Nav::Stay
            }
            Action::Back => Nav::Pop,
            _ => Nav::Stay,
        }
    }

    fn on_reply(&mut self, m: &mut Model, reply: Reply) -> Nav {
        match reply {
            Reply::LastBundle(last) => self.last = Some(last),
            Reply::BundleWritten(Ok(w)) => {
                self.last = Some(Ok(Some(LastBundle { file: w.file, sequence: w.sequence, written: Some(m.now) })))
            }
            _ => {}
        }
        Nav::Stay
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        super::view::export::draw(m, self.last.as_ref(), frame, area);
        None
    }
}
