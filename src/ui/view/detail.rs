//! One case: everything recorded, then its history (who, when, which fields).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::domain::access;
use crate::domain::case::Field;
use crate::domain::listing::Flags;
use crate::strings;
use crate::ui::model::{Detail, Model};

pub fn draw(model: &Model, detail: &Detail, frame: &mut Frame, area: Rect) {
    let t = model.theme;
    let Some(case) = model.cases.get(&detail.id) else {
        frame.render_widget(Paragraph::new(strings::CASE_GONE), area);
        return;
    };
    let title = format!(" {} · {} ", case.pupil_name(), model.config.route.label(&case.step));
    let block = Block::new().borders(Borders::TOP).title(Span::styled(title, t.label()));

    let width = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    for &f in &Field::ALL {
        labelled(
            &mut lines,
            Span::styled(format!("  {:<22}", f.label()), t.label()),
            &access::field_value(case, f, &model.config.team, &model.config.route, model.now.date()),
            width,
        );
    }
    let flags = Flags::of(case, &model.config.route, model.config.privacy.retention_years, model.now.date());
    if flags != Flags::default() {
        let mut line = super::list::flags(&flags, t);
        line.spans.insert(0, Span::styled(format!("  {:<22}", strings::LIST_COLUMNS[5]), t.label()));
        lines.push(line);
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(format!("  {}", strings::HISTORY), t.label())));
    match &detail.history {
        None => lines.push(Line::from(Span::styled(format!("  {}", strings::LOADING), t.muted()))),
        Some(Err(e)) => lines.push(Line::from(Span::styled(format!("  ⚠ {e}"), t.error()))),
        Some(Ok(changes)) => {
            for ch in changes.iter().rev() {
                let what = strings::change_kind(&ch.kind);
                let who = format!("  {}  {:<20} ", ch.at.format("%d-%m-%Y %H:%M"), model.config.team.name_of(&ch.who));
                labelled(&mut lines, Span::styled(who, t.muted()), &what, width);
            }
        }
    }
    let max_scroll = (lines.len() as u16).saturating_sub(area.height.saturating_sub(1));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((detail.scroll.min(max_scroll), 0)), area);
}

/// A label followed by `text` wrapped to the rest of the line, continuation lines
/// indented under the text so the label column stays clean.
fn labelled(lines: &mut Vec<Line<'static>>, label: Span<'static>, text: &str, width: usize) {
    let indent = label.width();
    let wrapped = textwrap::wrap(text, width.saturating_sub(indent).max(10));
    let mut label = Some(label);
    // textwrap yields at least one (possibly empty) line, so the label is always shown.
    for part in wrapped {
        let lead = label.take().unwrap_or_else(|| Span::raw(" ".repeat(indent)));
        lines.push(Line::from(vec![lead, Span::raw(part.into_owned())]));
    }
}
