//! The help popup, generated from the live keymap: what you see is what the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::centered;
use crate::strings;
use crate::ui::action::Context;
use crate::ui::model::Model;
use crate::ui::text;

pub fn draw(model: &Model, context: Context, scroll: u16, frame: &mut Frame, area: Rect) {
    let t = model.theme;
    let mut lines = vec![Line::from(Span::styled(text::context_title(context), t.label())), Line::raw("")];
    for &action in context.actions().0 {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<16}", model.keymap.keys_label(context, action)), t.key()),
            Span::raw(action.describe(context)),
        ]));
    }
    for (keys, what) in text::fixed_keys(context) {
        lines.push(Line::from(vec![Span::styled(format!("  {keys:<16}"), t.key()), Span::raw(*what)]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(strings::HELP_REMAP, t.muted())));
    let popup = centered(area, 64, lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(Span::styled(strings::HELP_TITLE, t.label()));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), popup);
}
