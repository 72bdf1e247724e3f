//! The export screen: where the bundle goes, what goes in it, and the bundle written last.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::strings;
use crate::ui::model::Model;

/// What the export to the SWV sends (from the cases on screen), and the bundle written last.
pub fn draw(
    model: &Model,
    last: Option<&Result<Option<crate::exports::LastBundle>, String>>,
    frame: &mut Frame,
    area: Rect,
) {
    use crate::domain::{escalation, export};
    let t = model.theme;
    let today = model.now.date();
    let block = Block::new().borders(Borders::TOP).title(Span::styled(strings::EXPORT_TITLE, t.label()));
    let settings = model.config.export.as_ref();
    let shared = model.cases.values().filter(|c| export::may_share(c, today)).count();
    let withheld = model
        .cases
        .values()
        .filter(|c| escalation::open_one(c, today).and_then(|e| escalation::swv_consent(c, e, today)) == Some(false))
        .count();
    let mut lines = vec![
        Line::raw(format!(
            "  {}",
            strings::export_folder_line(
                &settings.map_or(strings::EXPORT_NOT_SET.into(), |s| s.folder.display().to_string())
            )
        )),
        Line::raw(format!(
            "  {}",
            strings::export_recipient_line(settings.map_or(strings::EXPORT_NOT_SET, |s| s.recipient.as_str()))
        )),
    ];
    match last {
        Some(Ok(Some(b))) => {
            let file = b.file.file_name().map(|f| f.to_string_lossy()).unwrap_or_default();
            lines.push(Line::raw(format!("  {}", strings::last_bundle(b.sequence, &file, b.written))));
        }
        Some(Ok(None)) => lines.push(Line::raw(format!("  {}", strings::NO_BUNDLE_YET))),
        Some(Err(e)) => lines.push(Line::styled(format!("  ⚠ {e}"), t.error())),
        None => {}
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw(format!("  {}", strings::export_what(model.cases.len(), shared))));
    if withheld > 0 {
        lines.push(Line::styled(format!("  {}", strings::export_withheld(withheld)), t.warn()));
    }
    if settings.is_none() {
        lines.push(Line::raw(""));
        lines.extend(strings::NO_EXPORT_SETTINGS.lines().map(|l| Line::styled(format!("  {l}"), t.warn())));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
}
