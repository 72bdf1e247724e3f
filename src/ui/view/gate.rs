//! The screens before the cases: unlock, first passphrase, recovery, the recovery key
//! shown once, and a store that failed its integrity check.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::strings;
use crate::ui::gate::Gate;
use crate::ui::model::Model;

pub fn draw(model: &Model, gate: &Gate, frame: &mut Frame, area: Rect) -> Option<Position> {
    let t = model.theme;
    let (title, text) = match gate {
        // The wait after wrong attempts counts down where it can be seen.
        Gate::Unlock(_) => match gate.wait_left(model.now) {
            Some(secs) => {
                (strings::UNLOCK_TITLE, format!("{}\n\n{}", strings::UNLOCK_TEXT, strings::wait_seconds(secs)))
            }
            None => (strings::UNLOCK_TITLE, strings::UNLOCK_TEXT.to_string()),
        },
        Gate::Create(_) => (strings::CREATE_TITLE, strings::CREATE_TEXT.to_string()),
        Gate::Recover(_) => (strings::RECOVER_TITLE, strings::RECOVER_TEXT.to_string()),
        Gate::ShowRecovery(_) => (strings::SHOW_RECOVERY_TITLE, strings::SHOW_RECOVERY_TEXT.to_string()),
        Gate::Damaged { problem, backup } => {
            let hint = backup.as_ref().map_or(strings::NO_BACKUPS.to_string(), |b| {
                strings::restore_hint(&b.path, &b.created.format("%d-%m-%Y %H:%M").to_string())
            });
            (strings::DAMAGED_TITLE, format!("{problem}\n\n{hint}"))
        }
    };
    let block = Block::new().borders(Borders::TOP).title(Span::styled(format!(" {title} "), t.label()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text_height = (text.len() as u16 / inner.width.max(1)) + text.lines().count() as u16 + 2;
    let [intro, rest] = Layout::vertical([Constraint::Length(text_height), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), intro);
    match gate {
        Gate::Unlock(u) => {
            if u.form.saving {
                frame.render_widget(Paragraph::new(Span::styled(strings::UNLOCKING, t.muted())), rest);
                return None;
            }
            u.form.draw(frame, rest, t)
        }
        Gate::Create(f) | Gate::Recover(f) => {
            if f.saving {
                frame.render_widget(Paragraph::new(Span::styled(strings::UNLOCKING, t.muted())), rest);
                return None;
            }
            f.draw(frame, rest, t)
        }
        Gate::ShowRecovery(code) => {
            let line = Line::from(Span::styled(format!("  {code}"), t.badge()));
            frame.render_widget(Paragraph::new(line), rest);
            None
        }
        Gate::Damaged { .. } => None,
    }
}
