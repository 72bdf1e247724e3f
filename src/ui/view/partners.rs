//! The partner screen: this member's own card and how to share it, then the trusted
//! partners (name, role, school, fingerprint, added on), and the j/n question on removing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::domain::date;
use crate::partners::{Overview, fingerprint};
use crate::strings::{self, partners as text};
use crate::ui::action::{Action, Context};
use crate::ui::model::Model;
use crate::ui::partners::PartnerScreen;

/// Name, role, school, fingerprint (19 characters), added on.
const WIDTHS: [Constraint; 5] =
    [Constraint::Fill(3), Constraint::Fill(2), Constraint::Fill(3), Constraint::Length(19), Constraint::Length(10)];

pub fn draw(model: &Model, screen: &PartnerScreen, frame: &mut Frame, area: Rect) {
    let t = model.theme;
    let block = Block::new().borders(Borders::TOP).title(Span::styled(text::SCREEN_TITLE, t.label()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Indented like the other screens' text.
    let inner = Rect { x: inner.x + 2, width: inner.width.saturating_sub(2), ..inner };
    let overview = match &screen.data {
        None => return frame.render_widget(Paragraph::new(Span::styled(text::SCREEN_LOADING, t.muted())), inner),
        Some(Err(e)) => return frame.render_widget(Paragraph::new(Span::styled(format!("⚠ {e}"), t.error())), inner),
        Some(Ok(o)) => o,
    };
    let [own, table] = Layout::vertical([Constraint::Length(8), Constraint::Min(1)]).areas(inner);
    own_card(model, overview, frame, own);
    partners(model, screen, overview, frame, table);
    if let (true, Some(p)) = (screen.confirming, screen.selected_partner()) {
        super::confirm(model, frame, area, text::CONFIRM_REMOVE_TITLE, &text::confirm_remove(&p.name, &p.id));
    }
}

fn own_card(model: &Model, overview: &Overview, frame: &mut Frame, area: Rect) {
    let t = model.theme;
    let card = &overview.own;
    let width = usize::from(area.width);
    let key = |action| model.keymap.first_key_label(Context::PartnerScreen, action);
    let (folder, sync) = match &model.config.sync {
        Some(s) => {
            let state =
                strings::sync_state(model.sync.last, model.sync.running, &model.sync.came_in, model.sync.trouble);
            let style = if model.sync.trouble { t.warn() } else { t.muted() };
            (
                text::folder_line(&s.folder, &key(Action::Edit)),
                Line::styled(strings::fit(&text::sync_line(&state, &key(Action::Sync)), width), style),
            )
        }
        None => (text::no_folder_line(&key(Action::Edit)), Line::raw("")),
    };
    let lines = vec![
        Line::raw(strings::fit(&text::own_card_line(&card.name, &card.role, &card.school), width)),
        Line::styled(strings::fit(&text::own_id_line(&card.member, &card.fingerprint()), width), t.label()),
        Line::raw(strings::fit(&text::share_card(&key(Action::SaveCard)), width)),
        Line::raw(strings::fit(&text::add_partner(&key(Action::NewItem)), width)),
        Line::raw(strings::fit(&folder, width)),
        sync,
        Line::raw(""),
        Line::styled(text::TRUSTED_HEADING, t.label()),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}

fn partners(model: &Model, screen: &PartnerScreen, overview: &Overview, frame: &mut Frame, area: Rect) {
    let t = model.theme;
    if overview.partners.is_empty() {
        let key = model.keymap.first_key_label(Context::PartnerScreen, Action::NewItem);
        let none = strings::fit(&text::no_partners_screen(&key), usize::from(area.width));
        return frame.render_widget(Paragraph::new(Span::styled(none, t.muted())), area);
    }
    let columns = Layout::horizontal(WIDTHS).spacing(1).split(area);
    let fit = |s: &str, col: usize| strings::fit(s, columns.get(col).map_or(0, |c| usize::from(c.width)));
    let header = Row::new(text::COLUMNS.iter().enumerate().map(|(i, h)| Cell::from(fit(h, i)))).style(t.label());
    let height = area.height.saturating_sub(1) as usize;
    let offset = screen.selected.saturating_sub(height.saturating_sub(1));
    let rows = overview.partners.iter().enumerate().skip(offset).take(height).map(|(i, p)| {
        let row = Row::new([
            Cell::from(fit(&p.name, 0)),
            Cell::from(fit(&p.role, 1)),
            Cell::from(fit(&p.school, 2)),
            Cell::from(fingerprint(&p.signing_key, &p.recipient)),
            Cell::from(date::format(p.added.date())),
        ]);
        if i == screen.selected { row.style(t.selected()) } else { row }
    });
    frame.render_widget(Table::new(rows, WIDTHS).header(header).column_spacing(1), area);
}
