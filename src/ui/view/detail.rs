//! One case: everything recorded, then its history (who, when, which fields).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::domain::case::{Case, Field};
use crate::domain::date;
use crate::domain::history::ChangeKind;
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

    let mut lines: Vec<Line> = Field::ALL
        .iter()
        .map(|&f| {
            Line::from(vec![Span::styled(format!("  {:<22}", f.label()), t.label()), Span::raw(value(model, case, f))])
        })
        .collect();
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
                lines.push(Line::from(vec![
                    Span::styled(format!("  {}  ", ch.at.format("%d-%m-%Y %H:%M")), t.muted()),
                    Span::styled(format!("{:<20} ", model.config.team.name_of(&ch.who)), t.label()),
                    Span::raw(what),
                ]));
            }
        }
    }
    let max_scroll = (lines.len() as u16).saturating_sub(area.height.saturating_sub(1));
    let para = Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((detail.scroll.min(max_scroll), 0));
    frame.render_widget(para, area);
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
