//! All open escalations, the most urgent deadline first: level, pupil, reason, age,
//! who must decide, the deadline, and whether the dossier may go to the SWV.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::domain::date;
use crate::domain::escalation::State;
use crate::strings::{self, Label};
use crate::ui::action::{Action, Context};
use crate::ui::escalations::Overview;
use crate::ui::model::Model;

/// The pupil's name gets the most of what is left at 80 columns.
const WIDTHS: [Constraint; 7] = [
    Constraint::Length(4),
    Constraint::Fill(4),
    Constraint::Fill(3),
    Constraint::Length(8),
    Constraint::Fill(3),
    Constraint::Length(15),
    Constraint::Length(18),
];

pub fn draw(model: &Model, overview: &Overview, frame: &mut Frame, area: Rect) -> Option<Position> {
    let view = &overview.view;
    let t = model.theme;
    let today = model.now.date();
    let rows = overview.rows(model);
    let block = Block::new().borders(Borders::TOP).title(Span::styled(strings::overview_title(rows.len()), t.label()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [filter, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let hint = strings::overview_hint(
        &model.keymap.first_key_label(Context::Overview, Action::Filter),
        &model.keymap.first_key_label(Context::Overview, Action::Agenda),
    );
    let cursor = super::list::filter_line(model, view, &hint, rows.len(), frame, filter);

    // Each text is cut to its column with "…", so a cut never passes for the whole text.
    let columns = Layout::horizontal(WIDTHS).spacing(1).split(table);
    let fit = |text: &str, col: usize| strings::fit(text, columns.get(col).map_or(0, |c| usize::from(c.width)));
    let header =
        Row::new(strings::OVERVIEW_COLUMNS.iter().enumerate().map(|(i, h)| Cell::from(fit(h, i)))).style(t.label());
    let height = table.height.saturating_sub(1) as usize;
    let offset = view.selected.saturating_sub(height.saturating_sub(1));
    let lines = rows.iter().enumerate().skip(offset).take(height).map(|(i, r)| {
        let (deadline, style) = match (r.state, r.due) {
            (State::Unresolved, _) => (strings::OVERVIEW_UNRESOLVED.to_string(), t.error()),
            (State::Waiting { overdue: true }, Some(d)) => (strings::track_due(d, true), t.error()),
            (_, Some(d)) => (date::format(d), t.warn()),
            (_, None) => (strings::OVERVIEW_NEXT_OGGO.to_string(), t.muted()),
        };
        let swv = match r.swv_consent {
            None => Span::raw(""),
            Some(true) => Span::styled(fit(strings::SWV_CONSENT_OK, 6), t.ok()),
            Some(false) => Span::styled(fit(strings::SWV_CONSENT_MISSING, 6), t.error()),
        };
        let cells = vec![
            Cell::from(r.level.code()),
            Cell::from(fit(&r.pupil, 1)),
            Cell::from(fit(r.reason.label(), 2)),
            Cell::from(fit(&strings::days_ago((today - r.opened).num_days()), 3)),
            Cell::from(fit(&strings::decider_names(&r.deciders), 4)),
            Cell::from(Span::styled(fit(&deadline, 5), style)),
            Cell::from(Line::from(swv)),
        ];
        let row = Row::new(cells);
        if i == view.selected { row.style(t.selected()) } else { row }
    });
    frame.render_widget(Table::new(lines, WIDTHS).header(header).column_spacing(1), table);
    if rows.is_empty() {
        let [_, line] = Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(table);
        frame.render_widget(Paragraph::new(Span::styled(strings::OVERVIEW_EMPTY, t.muted())), line);
    }
    cursor
}
