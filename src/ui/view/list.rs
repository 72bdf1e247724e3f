//! The case list: only the rows on screen are built, so 10,000 cases draw as fast as 30.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};
use unicode_width::UnicodeWidthStr;

use crate::domain::date;
use crate::domain::listing::{Flags, Row};
use crate::strings;
use crate::ui::action::{Action, Context};
use crate::ui::model::{ListView, Model};
use crate::ui::theme::Theme;

/// The room a typical name ("Youssef El Idrissi") takes with the row's marker.
const NAME_MIN: u16 = 20;
/// A step's code ("S4", "M") and the header "Stap".
const STEP_CODE: u16 = 4;
/// The fixed columns (Gr, Volgende) and the spaces between the six columns.
const FIXED: u16 = 2 + 10 + 5;

/// The widths of the columns in `width`, and whether the step shows only its code. The
/// last one (Signalen) is `signals` wide; pupil, step and holder share what is left 4:3:2
/// (what rounding leaves goes to the name). Where that leaves the name too little room,
/// the step shows only its code and name and holder share the rest 3:2.
fn columns(width: u16, signals: u16, school: u16) -> (Vec<u16>, bool) {
    let split = |step_code: bool| -> Vec<u16> {
        let code = if step_code { STEP_CODE } else { 0 };
        let extra = if school > 0 { school + 1 } else { 0 };
        let rest = u32::from(width.saturating_sub(FIXED + signals + code + extra));
        let shares: [u32; 3] = if step_code { [3, 0, 2] } else { [4, 3, 2] };
        let [_, step, holder] = shares.map(|s| rest * s / shares.iter().sum::<u32>());
        let name = rest - step - holder;
        let narrow = |w: u32| u16::try_from(w).unwrap_or(u16::MAX);
        let mut widths =
            vec![narrow(name), 2, if step_code { code } else { narrow(step) }, narrow(holder), 10, signals];
        if school > 0 {
            widths.push(school);
        }
        widths
    };
    let full = split(false);
    if full[0] >= NAME_MIN { (full, false) } else { (split(true), true) }
}

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
    let t = model.theme;
    let [filter, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let hint = strings::filter_hint(&model.keymap.first_key_label(Context::List, Action::Filter));
    let cursor = filter_line(model, &model.list, &hint, model.visible.len(), frame, filter);

    let height = model.list_height();
    let start = model.list.offset.min(model.visible.len());
    let end = (start + height).min(model.visible.len());
    let on_screen = &model.visible[start..end];
    let header_width = strings::LIST_COLUMNS.last().map_or(0, |h| h.width());
    let widest = on_screen.iter().map(|&i| flags_width(&model.rows[i].flags, t)).fold(header_width, usize::max);
    let signals = widest.min(SIGNALS_MIN + usize::from(area.width).saturating_sub(80) / 2);
    // A copy with the cases of several schools (a wijkteam member's) shows whose they are.
    let several = model.rows.first().is_some_and(|first| model.rows.iter().any(|r| r.school != first.school));
    let school = if several { SCHOOL_WIDTH } else { 0 };
    let (columns, step_code) = columns(table.width, u16::try_from(signals).unwrap_or(u16::MAX), school);
    // Each text is cut to its column with "…", so a cut never passes for the whole text.
    let fit = |text: &str, col: usize| strings::fit(text, columns.get(col).map_or(0, |&w| usize::from(w)));
    let headers = strings::LIST_COLUMNS.iter().chain(several.then_some(&strings::SCHOOL_COLUMN));
    let header = TableRow::new(headers.enumerate().map(|(i, h)| Cell::from(fit(h, i))));
    let rows = on_screen.iter().enumerate().map(|(k, &i)| {
        let r = &model.rows[i];
        let marker = if start + k == model.list.selected { "▶ " } else { "  " };
        let step = match model.cases.get(&r.id) {
            Some(case) if step_code => case.step.as_str(),
            _ => r.step.as_str(),
        };
        let pupil = if r.anonymous { strings::ANONYMOUS_PUPIL } else { r.pupil.as_str() };
        let cells = [fit(&format!("{marker}{pupil}"), 0), fit(step, 2), fit(&r.holder, 3)];
        let signals = fit_line(flags(&r.flags, t), columns.get(5).map_or(0, |&w| usize::from(w)));
        let school = several.then(|| fit(&r.school, 6));
        row(r, t, start + k == model.list.selected, cells, signals, school)
    });
    let widths = columns.iter().map(|&w| Constraint::Length(w));
    frame.render_widget(Table::new(rows, widths).header(header.style(t.label())).column_spacing(1), table);

    if model.loaded && model.visible.is_empty() {
        let msg = if model.rows.is_empty() { strings::LIST_EMPTY } else { strings::LIST_NO_MATCH };
        let [_, line] = Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(table);
        frame.render_widget(Paragraph::new(Span::styled(msg, t.muted())), line);
    }
    cursor
}

/// The filter line of a list (`hint` while there is no filter); returns the cursor.
pub fn filter_line(
    model: &Model,
    l: &ListView,
    hint: &str,
    matches: usize,
    frame: &mut Frame,
    area: Rect,
) -> Option<Position> {
    let t = model.theme;
    if !l.filtering && l.filter.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled(hint.to_string(), t.muted())), area);
        return None;
    }
    let prefix = format!(" {} ", strings::FILTER_LABEL);
    let count = strings::case_count(matches);
    let line = Line::from(vec![
        Span::styled(prefix.clone(), t.key()),
        Span::raw(l.filter.clone()),
        Span::styled(format!("   {count}"), t.muted()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    l.filtering.then(|| {
        let before: String = l.filter.chars().take(l.cursor).collect();
        Position::new(area.x + (prefix.width() + before.width()) as u16, area.y)
    })
}

/// A row from its cut texts (name with its marker, step, holder), its flags and, where
/// it shows, its school.
fn row(
    r: &Row,
    t: Theme,
    selected: bool,
    texts: [String; 3],
    signals: Line<'static>,
    school: Option<String>,
) -> TableRow<'static> {
    let due = r.due.map(date::format).unwrap_or_default();
    let due_style = if r.flags.overdue {
        t.error()
    } else if r.flags.due_soon {
        t.warn()
    } else {
        Default::default()
    };
    let [name, step, holder] = texts;
    let mut cells = vec![
        Cell::from(name),
        Cell::from(r.groep.to_string()),
        Cell::from(step),
        Cell::from(holder),
        Cell::from(Span::styled(due, due_style)),
        Cell::from(signals),
    ];
    cells.extend(school.map(Cell::from));
    let row = TableRow::new(cells);
    if selected { row.style(t.selected()) } else { row }
}

/// `line` cut to `width` columns, its last span ending in "…" when cut; a trailing separator space does not count.
fn fit_line(mut line: Line<'static>, width: usize) -> Line<'static> {
    if let Some(last) = line.spans.last_mut() {
        last.content = last.content.trim_end().to_string().into();
    }
    if line.width() <= width {
        return line;
    }
    let mut left = width;
    let mut spans = Vec::new();
    for span in line.spans {
        let w = span.width();
        if w < left {
            left -= w;
            spans.push(span);
        } else {
            // Always cut here (more follows), even when this span alone would just fit.
            spans.push(Span::styled(strings::fit(&format!("{}…", span.content), left), span.style));
            break;
        }
    }
    Line::from(spans)
}

/// The School column, where it shows.
const SCHOOL_WIDTH: u16 = 16;

/// The Signalen column never takes less than this (the width that fits 80 columns).
const SIGNALS_MIN: usize = 24;

/// Columns the flags take, without their trailing separator space.
fn flags_width(f: &Flags, t: Theme) -> usize {
    let line = flags(f, t);
    line.width() - line.spans.last().map_or(0, |s| s.content.len() - s.content.trim_end().len())
}

/// Flags as symbol + word, so they read without colour.
pub fn flags(f: &Flags, t: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    if f.overdue {
        spans.push(Span::styled(strings::FLAG_OVERDUE, t.error()));
    } else if f.due_soon {
        spans.push(Span::styled(strings::FLAG_SOON, t.warn()));
    }
    if f.safety {
        spans.push(Span::styled(strings::FLAG_SAFETY, t.error()));
    }
    if f.clash {
        spans.push(Span::styled(strings::FLAG_CLASH, t.warn()));
    }
    if let Some(day) = f.duo {
        spans.push(Span::styled(strings::flag_duo(day), t.error()));
    }
    if let Some(level) = f.escalated {
        spans.push(Span::styled(strings::flag_escalated(level), t.warn()));
    } else if f.suggested {
        spans.push(Span::styled(strings::FLAG_SUGGESTED, t.warn()));
    }
    match (f.closed, f.deletion) {
        (_, Some(day)) => spans.push(Span::styled(strings::flag_deletion(day), t.warn())),
        (true, None) => spans.push(Span::styled(strings::FLAG_CLOSED, t.muted())),
        (false, None) => {}
    }
    Line::from(spans)
}
