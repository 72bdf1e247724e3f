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

/// The columns; the last one (Signalen) is as wide as the widest flags on screen (24
/// columns at 80, half of every column beyond), and the text columns share what is left.
fn widths(signals: u16) -> [Constraint; 6] {
    [
        Constraint::Fill(4),
        Constraint::Length(2),
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Length(10),
        Constraint::Length(signals),
    ]
}

pub fn draw(model: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
    let t = model.theme;
    let [filter, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let hint = strings::filter_hint(&model.keymap.first_key_label(Context::List, Action::Filter));
    let cursor = filter_line(model, &model.list, &hint, model.visible.len(), frame, filter);

    let header = TableRow::new(strings::LIST_COLUMNS.iter().map(|h| Cell::from(*h))).style(t.label());
    let height = model.list_height();
    let start = model.list.offset.min(model.visible.len());
    let end = (start + height).min(model.visible.len());
    let on_screen = &model.visible[start..end];
    let header_width = strings::LIST_COLUMNS.last().map_or(0, |h| h.width());
    let widest = on_screen.iter().map(|&i| flags_width(&model.rows[i].flags, t)).fold(header_width, usize::max);
    let signals = widest.min(SIGNALS_MIN + usize::from(area.width).saturating_sub(80) / 2);
    let rows = on_screen.iter().enumerate().map(|(k, &i)| {
        let selected = start + k == model.list.selected;
        row(&model.rows[i], t, selected)
    });
    let widths = widths(u16::try_from(signals).unwrap_or(u16::MAX));
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), table);

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

fn row(r: &Row, t: Theme, selected: bool) -> TableRow<'static> {
    let marker = if selected { "▶ " } else { "  " };
    let due = r.due.map(date::format).unwrap_or_default();
    let due_style = if r.flags.overdue {
        t.error()
    } else if r.flags.due_soon {
        t.warn()
    } else {
        Default::default()
    };
    let cells = vec![
        Cell::from(format!("{marker}{}", r.pupil)),
        Cell::from(r.groep.to_string()),
        Cell::from(r.step.clone()),
        Cell::from(r.holder.clone()),
        Cell::from(Span::styled(due, due_style)),
        Cell::from(flags(&r.flags, t)),
    ];
    let row = TableRow::new(cells);
    if selected { row.style(t.selected()) } else { row }
}

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
