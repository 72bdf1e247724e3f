//! The help popup, generated from the live keymap: what you see is what the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::centered;
use crate::strings;
use crate::ui::action::Context;
use crate::ui::keymap::Keymap;
use crate::ui::model::Model;
use crate::ui::text;
use crate::ui::theme::Theme;

pub fn draw(model: &Model, context: Context, scroll: u16, frame: &mut Frame, area: Rect) {
    popup(&model.keymap, model.theme, (context, scroll), strings::HELP_REMAP, frame, area);
}

/// The help of `context` (scrolled by `at.1`), with `footer` under the keys.
pub fn popup(keymap: &Keymap, t: Theme, at: (Context, u16), footer: &str, frame: &mut Frame, area: Rect) {
    let (context, scroll) = at;
    let mut lines = vec![Line::from(Span::styled(text::context_title(context), t.label())), Line::raw("")];
    for &action in context.actions().0 {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<16}", keymap.keys_label(context, action)), t.key()),
            Span::raw(action.describe(context)),
        ]));
    }
    for (keys, what) in text::fixed_keys(context) {
        lines.push(Line::from(vec![Span::styled(format!("  {keys:<16}"), t.key()), Span::raw(*what)]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(footer.to_string(), t.muted())));
    // At least 64 wide; wider where a line needs it (borders take two).
    let width = lines.iter().map(Line::width).max().unwrap_or(0).saturating_add(2).max(64);
    let popup = centered(area, u16::try_from(width).unwrap_or(u16::MAX), lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(Span::styled(strings::HELP_TITLE, t.label()));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), popup);
}
