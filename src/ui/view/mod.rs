//! Drawing: a pure function of the model. Nothing here changes state or touches disk.

pub(super) mod detail;
pub(super) mod escalations;
pub(super) mod export;
mod gate;
pub(super) mod help;
mod list;
pub(super) mod partners;
pub(super) mod plan;
pub(super) mod wizard;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use unicode_width::UnicodeWidthStr;

use super::action::Action;
use super::model::{MIN_HEIGHT, MIN_WIDTH, Model, Popup};
use crate::strings;

pub fn draw(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    if model.too_small() {
        too_small(model, frame, area);
        return;
    }
    let bar_height = status_lines(model, area.width);
    let [title, body, bar] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(bar_height)]).areas(area);
    title_line(model, frame, title);
    let cursor = match (model.active_gate(), model.screens.last()) {
        (Some(g), _) => gate::draw(model, g, frame, body),
        (None, None) => list::draw(model, frame, body),
        (None, Some(screen)) => screen.page().draw(model, frame, body),
    };
    key_bar(model, frame, bar);
    match &model.popup {
        Some(Popup::Help { context, scroll }) => help::draw(model, *context, *scroll, frame, area),
        Some(Popup::ConfirmDiscard) => confirm(model, frame, area, strings::CONFIRM_TITLE, strings::CONFIRM_DISCARD),
        Some(Popup::ConfirmDelete(_)) => {
            confirm(model, frame, area, strings::CONFIRM_DELETE_TITLE, strings::CONFIRM_DELETE)
        }
        Some(Popup::ConfirmQuit) => {
            // Under the unlock screen the input can still be kept by unlocking.
            let text =
                if model.active_gate().is_some() { strings::CONFIRM_QUIT } else { strings::CONFIRM_QUIT_UNSAVED };
            confirm(model, frame, area, strings::CONFIRM_QUIT_TITLE, text)
        }
        Some(Popup::ConfirmEscalate(_, _, question)) => {
            confirm(model, frame, area, strings::CONFIRM_ESCALATE_TITLE, question)
        }
        Some(Popup::Settle(id)) => {
            if let Some(clash) = model.cases.get(id).and_then(|c| c.copy.clashes.first()) {
                confirm(model, frame, area, strings::SETTLE_TITLE, &settle_text(clash));
            }
        }
        Some(Popup::ConfirmRetention(ids)) => {
            let text = strings::confirm_retention(ids.len(), model.config.privacy.retention_years);
            confirm(model, frame, area, strings::CONFIRM_RETENTION_TITLE, &text)
        }
        None => {
            if let Some(pos) = cursor {
                frame.set_cursor_position(pos);
            }
        }
    }
}

/// The values of a clash, numbered to pick one (a signed plan version: only keeping it).
fn settle_text(clash: &crate::domain::share::Clash) -> String {
    let field = strings::clash_field(&clash.path);
    let options: Vec<String> = if strings::frozen_clash(clash) {
        vec![format!("1  {}", strings::KEEP_SIGNED)]
    } else {
        clash.values.iter().enumerate().map(|(i, v)| format!("{}  {}", i + 1, strings::clash_value(v))).collect()
    };
    format!("{field}:\n\n{}\n\n{}", options.join("\n"), strings::SETTLE_HINT)
}

/// A screen that is one form under a title.
pub(super) fn form_screen(
    model: &Model,
    title: &str,
    form: &super::form::Form,
    frame: &mut Frame,
    area: Rect,
) -> Option<ratatui::layout::Position> {
    let block = Block::new().borders(Borders::TOP).title(Span::styled(format!(" {title} "), model.theme.label()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [note, fields] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let help_key = model.keymap.first_key_label(super::action::Context::Form, super::action::Action::Help);
    frame.render_widget(Paragraph::new(Span::styled(strings::form_note(&help_key), model.theme.muted())), note);
    form.draw(frame, fields, model.theme)
}

fn title_line(model: &Model, frame: &mut Frame, area: Rect) {
    let t = model.theme;
    let mut spans = vec![Span::styled(" tandem ", t.header())];
    if model.demo {
        spans.push(Span::styled(strings::DEMO_BADGE, t.badge()));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(strings::DEMO_NOTE, t.warn()));
    } else if !model.config.school.name.is_empty() {
        spans.push(Span::raw(format!("· {}", model.config.school.name)));
    }
    let count = match (model.loaded, model.unlocked) {
        (true, _) => strings::case_count(model.cases.len()),
        (false, true) => strings::LOADING.to_string(),
        (false, false) => String::new(),
    };
    let used: usize = spans.iter().map(|s| s.width()).sum();
    // The sync state goes before the count where the line has room for it.
    let count = match &model.config.sync {
        Some(_) if model.unlocked => {
            let s = &model.sync;
            let with = format!("{}  {count}", strings::sync_state(s.last, s.running, &s.came_in, s.trouble));
            if used + with.chars().count() < area.width as usize { with } else { count }
        }
        _ => count,
    };
    let pad = (area.width as usize).saturating_sub(used + count.chars().count() + 1).max(1);
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(count, t.muted()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The status message as it is shown: with its mark, so wrapping counts it.
fn status_text(model: &Model) -> Option<String> {
    model.status.as_ref().map(|s| format!(" {} {}", if s.error { "⚠" } else { "✓" }, s.text))
}

/// Lines of the bar: a long message (a file's folder, what could not be printed) wraps
/// over up to four lines rather than being cut; the key hints take one.
fn status_lines(model: &Model, width: u16) -> u16 {
    let lines = status_text(model).map_or(1, |text| textwrap::wrap(&text, usize::from(width.max(1))).len());
    lines.clamp(1, 4) as u16
}

/// The status message if there is one, else the main keys of the current screen: as
/// many as fit, dropped from the end, but help (which lists them all) always stays.
fn key_bar(model: &Model, frame: &mut Frame, area: Rect) {
    let t = model.theme;
    if let (Some(text), Some(s)) = (status_text(model), &model.status) {
        let style = if s.error { t.error() } else { t.ok() };
        frame.render_widget(Paragraph::new(text).style(style).wrap(Wrap { trim: false }), area);
        return;
    }
    let context = model.context();
    let (actions, bar) = context.actions();
    let mut entries: Vec<(Action, String, String)> = actions[..bar]
        .iter()
        .map(|&a| (a, format!(" {}", model.keymap.first_key_label(context, a)), format!(" {} ", a.describe(context))))
        .collect();
    let width = |e: &[(Action, String, String)]| e.iter().map(|(_, k, d)| k.width() + d.width()).sum::<usize>();
    while width(&entries) > usize::from(area.width)
        && let Some(last) = entries.iter().rposition(|(a, ..)| *a != Action::Help)
    {
        entries.remove(last);
    }
    let spans = entries.into_iter().flat_map(|(_, k, d)| [Span::styled(k, t.key()), Span::raw(d)]);
    frame.render_widget(Paragraph::new(Line::from(spans.collect::<Vec<_>>())), area);
}

fn too_small(model: &Model, frame: &mut Frame, area: Rect) {
    let text = strings::too_small(
        MIN_WIDTH,
        MIN_HEIGHT,
        area.width,
        area.height,
        &model.keymap.first_key_label(super::action::Context::TooSmall, super::action::Action::Quit),
    );
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).style(model.theme.warn()), area);
}

pub(super) fn confirm(model: &Model, frame: &mut Frame, area: Rect, title: &str, text: &str) {
    let lines = textwrap::wrap(text, 56).len() as u16;
    let popup = centered(area, 60, lines + 2);
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(Span::styled(title.to_string(), model.theme.label()));
    frame.render_widget(Paragraph::new(text.to_string()).wrap(Wrap { trim: true }).block(block), popup);
}

/// A rectangle of at most `width`×`height` in the middle of `area`.
pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

/// Wrapping to `width` columns (at least 10), counted as the terminal draws them; dates
/// like 21-12-2026 stay whole: lines break at spaces only.
pub(crate) fn wrap_options(width: usize) -> textwrap::Options<'static> {
    textwrap::Options::new(width.max(10))
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
}
