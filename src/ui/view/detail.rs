//! One case: everything recorded, then its history (who, when, which fields).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::domain::case::{Case, Field};
use crate::domain::date;
use crate::domain::history::ChangeKind;
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
        labelled(&mut lines, Span::styled(format!("  {:<22}", f.label()), t.label()), &value(model, case, f), width);
    }
    let flags = Flags::of(case, &model.config.route, model.now.date());
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
                let what = match &ch.kind {
                    ChangeKind::Created => strings::CREATED.to_string(),
                    ChangeKind::Edited { fields } => format!(
                        "{}: {}",
                        strings::EDITED,
                        fields.iter().map(|f| f.label().to_lowercase()).collect::<Vec<_>>().join(", ")
                    ),
                };
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

fn value(model: &Model, case: &Case, field: Field) -> String {
    let i = &case.intake;
    let list = |items: Vec<&str>| items.join(", ");
    match field {
        Field::FirstName => i.first_name.clone(),
        Field::LastName => i.last_name.clone(),
        Field::BirthDate => {
            let age = date::age_on(i.birth_date, model.now.date()).unwrap_or(0);
            format!("{} ({age} {})", date::format(i.birth_date), strings::YEARS)
        }
        Field::Groep => i.groep.to_string(),
        Field::Gezag => i.gezag.label().to_string(),
        Field::SignalDate => date::format(i.signal_date),
        Field::Source => i.source.label().to_string(),
        Field::Domains => list(i.domains.iter().map(|d| d.label()).collect()),
        Field::Note => i.note.clone(),
        Field::Holder => model.config.team.name_of(&i.holder).to_string(),
        Field::Step => model.config.route.label(&case.step),
        Field::Due => case.due.map(date::format).unwrap_or_else(|| "—".into()),
    }
}
