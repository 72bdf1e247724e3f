//! The plan editor: the 14 sections with what each still lacks on the left, the focused
//! section on the right, and the editor's own popups (item form, what is missing,
//! versions, reading and comparing).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::{centered, confirm};
use crate::domain::case::Field;
use crate::domain::date;
use crate::domain::plan::{Plan, Section};
use crate::print::plan::DiffLine;
use crate::strings::{self, Label};
use crate::ui::action::{Action, Context};
use crate::ui::model::Model;
use crate::ui::plan_editor::{self, Focus, Overlay, Part, PlanEditor};
use crate::ui::text;

const SECTION_WIDTH: u16 = 44;

pub fn draw(model: &Model, e: &PlanEditor, frame: &mut Frame, area: Rect) -> Option<Position> {
    let t = model.theme;
    let (Some(plan), Some(case)) = (e.plan(), model.cases.get(&e.case)) else { return None };
    let block = Block::new().borders(Borders::TOP).title(Span::styled(plan_editor::title(case, plan), t.label()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Narrow terminals give the text more room.
    let width = SECTION_WIDTH.min(inner.width * 2 / 5);
    let [left, right] = Layout::horizontal([Constraint::Length(width), Constraint::Min(20)]).spacing(1).areas(inner);

    // Sections, each with the number of things it still lacks.
    let missing = plan.missing();
    let lines: Vec<Line> = Section::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let open = missing.iter().filter(|m| m.place.section == *s).count();
            let mark = if open > 0 { format!(" !{open}") } else { String::new() };
            let here = i == e.section;
            let text = format!("{} {}", if here { "▸" } else { " " }, strings::section_title(*s));
            let width = (width as usize).saturating_sub(mark.chars().count() + 1);
            // Padded by columns, not characters, so a wide character leaves nothing behind.
            let text = strings::fit(&text, width);
            let text = format!("{text}{}", " ".repeat(width.saturating_sub(text.width())));
            let style = match (here, e.focus) {
                (true, Focus::Sections) => t.selected(),
                (true, _) => t.label(),
                _ => ratatui::style::Style::new(),
            };
            Line::from(vec![Span::styled(text, style), Span::styled(mark, t.warn())])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), left);
    let [body, message] = Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(right);
    draw_section(model, e, plan, frame, body);
    if let Some((text, error)) = &e.message {
        let style = if *error { t.error() } else { t.ok() };
        frame.render_widget(Paragraph::new(Span::styled(text.clone(), style)).wrap(Wrap { trim: true }), message);
    } else if plan.is_frozen() {
        let key = model.keymap.first_key_label(Context::PlanSections, Action::Versions);
        let hint = Paragraph::new(Span::styled(strings::plan_frozen_hint(&key), t.muted())).wrap(Wrap { trim: true });
        frame.render_widget(hint, message);
    }
    draw_overlay(model, e, frame, area)
}

/// Read-only facts a section shows above its parts: the pupil, the consents.
fn info(model: &Model, e: &PlanEditor, section: Section) -> Vec<String> {
    let Some(case) = model.cases.get(&e.case) else { return Vec::new() };
    match section {
        Section::Family => vec![
            format!("{}: {}", strings::PRINT_NAME, strings::pupil(case)),
            format!(
                "{}: {} · {}: {} · {}: {}",
                Field::BirthDate.label(),
                date::format(case.intake.birth_date),
                Field::Groep.label(),
                case.intake.groep,
                Field::Gezag.label(),
                case.intake.gezag.label()
            ),
        ],
        Section::Sharing if case.consents.is_empty() => vec![strings::ACCESS_NO_CONSENT.to_string()],
        Section::Sharing => case
            .consents
            .iter()
            .map(|c| {
                format!(
                    "{}: {}",
                    model.config.route.purpose_name(&c.purpose),
                    strings::consent_record(c, case.intake.gezag)
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn draw_section(model: &Model, e: &PlanEditor, plan: &Plan, frame: &mut Frame, area: Rect) {
    let t = model.theme;
    let section = e.current_section();
    let mut head = vec![Line::from(Span::styled(strings::section_title(section), t.header()))];
    head.extend(info(model, e, section).into_iter().map(|l| Line::from(Span::styled(l, t.muted()))));
    let parts = plan_editor::parts(section);
    let mut constraints = vec![Constraint::Length(head.len() as u16)];
    constraints.extend(parts.iter().map(|_| Constraint::Fill(1)));
    let areas = Layout::vertical(constraints).split(area);
    frame.render_widget(Paragraph::new(head), areas[0]);
    for (i, part) in parts.iter().enumerate() {
        let focused = e.focus == Focus::Part(i);
        let style = if focused { t.label() } else { t.muted() };
        // A part named as its section is not named again; its rule still shows the focus.
        let label = text::part_label(*part);
        let title = if label.eq_ignore_ascii_case(section.label()) { String::new() } else { format!(" {label} ") };
        let block = Block::new().borders(Borders::TOP).border_style(style).title(Span::styled(title, style));
        let inner = block.inner(areas[i + 1]);
        frame.render_widget(block, areas[i + 1]);
        match part {
            Part::Text(_) if focused => {
                if let Some(text) = &e.text {
                    frame.render_widget(text, inner);
                }
            }
            Part::Text(tp) => {
                let text = plan.text(*tp);
                let p = if text.trim().is_empty() {
                    Paragraph::new(Span::styled(strings::PLAN_EMPTY_TEXT, t.muted()))
                } else {
                    Paragraph::new(text.to_string()).wrap(Wrap { trim: false })
                };
                frame.render_widget(p, inner);
            }
            Part::List(lp) => {
                let rows = plan_editor::rows(plan, *lp);
                // Each row wrapped, its further lines indented under its text.
                let options = super::wrap_options(inner.width as usize).initial_indent(" ").subsequent_indent("   ");
                let mut lines: Vec<Line> = Vec::new();
                let mut selected = 0..0;
                for (r, row) in rows.iter().enumerate() {
                    let here = focused && r == e.item;
                    let start = lines.len();
                    lines.extend(textwrap::wrap(row, &options).into_iter().map(|l| {
                        if here { Line::styled(l.into_owned(), t.selected()) } else { Line::raw(l.into_owned()) }
                    }));
                    if here {
                        selected = start..lines.len();
                    }
                }
                // Scrolled so that the selected row shows (from its first line when it is taller than the part).
                let offset = selected.end.saturating_sub(inner.height as usize).min(selected.start);
                if rows.is_empty() {
                    let key = model.keymap.first_key_label(Context::PlanList, Action::NewItem);
                    lines.push(Line::from(Span::styled(strings::plan_empty_list(&key), t.muted())));
                }
                let scroll = u16::try_from(offset).unwrap_or(u16::MAX);
                frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
            }
        }
    }
}

fn draw_overlay(model: &Model, e: &PlanEditor, frame: &mut Frame, area: Rect) -> Option<Position> {
    let t = model.theme;
    if let Some(f) = &e.item_form {
        // A row per field and per error, the button, borders.
        let errors = f.form.fields.iter().filter(|x| x.error.is_some()).count();
        let height = (f.form.fields.len() + errors) as u16 + 4;
        let popup = centered(area, 96, height);
        frame.render_widget(Clear, popup);
        let title = format!(" {} ", text::part_label(Part::List(f.part)));
        let block = Block::bordered().title(Span::styled(title, t.label()));
        let inner = block.inner(popup);
        frame.render_widget(block, popup);
        return f.form.draw(frame, inner, t);
    }
    match &e.overlay {
        None => {}
        Some(Overlay::ConfirmRemove) => {
            confirm(model, frame, area, strings::CONFIRM_REMOVE_ITEM_TITLE, strings::CONFIRM_REMOVE_ITEM);
        }
        Some(Overlay::ConfirmNewVersion) => {
            let v = e.plan().map_or(1, |p| p.version + 1);
            confirm(model, frame, area, strings::CONFIRM_NEW_VERSION_TITLE, &strings::confirm_new_version(v));
        }
        Some(Overlay::Missing { items, selected }) => {
            let lines = items
                .iter()
                .map(|m| format!("{} · {}", strings::section_title(m.place.section), strings::plan_gap(&m.gap)))
                .collect();
            pick_list(model, frame, area, strings::MISSING_TITLE, lines, *selected);
        }
        Some(Overlay::Versions { selected }) => {
            let lines = e
                .book
                .versions
                .iter()
                .map(|p| {
                    let state = match p.signed_on() {
                        Some(on) => strings::plan_signed_on(&date::format(on)),
                        None => strings::PLAN_DRAFT.to_string(),
                    };
                    strings::version_line(p.version, &date::format(p.started), &state)
                })
                .collect();
            pick_list(model, frame, area, strings::VERSIONS_TITLE, lines, *selected);
        }
        Some(Overlay::Read { title, lines, scroll }) => {
            let popup = centered(area, area.width.saturating_sub(4), area.height.saturating_sub(2));
            frame.render_widget(Clear, popup);
            let block = Block::bordered().title(Span::styled(format!(" {title} "), t.label()));
            let text: Vec<Line> = lines
                .iter()
                .map(|l| match l {
                    DiffLine::Same(s) => Line::raw(format!("  {s}")),
                    DiffLine::Added(s) => Line::styled(format!("+ {s}"), t.ok()),
                    DiffLine::Removed(s) => Line::styled(format!("- {s}"), t.error()),
                })
                .collect();
            frame.render_widget(
                Paragraph::new(text).wrap(Wrap { trim: false }).scroll((*scroll, 0)).block(block),
                popup,
            );
        }
    }
    None
}

fn pick_list(model: &Model, frame: &mut Frame, area: Rect, title: &str, lines: Vec<String>, selected: usize) {
    let t = model.theme;
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let popup = centered(area, 90, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(Span::styled(format!(" {title} "), t.label()));
    let inner = block.inner(popup);
    let visible = inner.height as usize;
    let offset = selected.saturating_sub(visible.saturating_sub(1));
    let text: Vec<Line> = lines
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, l)| {
            let l = strings::fit(&format!(" {l}"), inner.width as usize);
            if i == selected { Line::styled(l, t.selected()) } else { Line::raw(l) }
        })
        .collect();
    frame.render_widget(Paragraph::new(text).block(block), popup);
}
