//! All open escalations, most urgent first, with a filter line and the E3 agenda. Its
//! view is `view/escalations.rs`.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::edit_text;
use super::keymap::Key;
use super::list::{FILTER_MAX, ListView};
use super::model::{Model, Screen, step};
use super::screen::{Nav, Page};
use super::worker::Job;
use crate::domain::escalation;
use crate::domain::listing::{Query, fold};
use crate::strings::{self, Label};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    pub view: ListView,
}

impl Overview {
    /// The open escalations as shown: filtered by the filter line.
    pub fn rows(&self, m: &Model) -> Vec<escalation::OpenRow> {
        filtered(m, Query::new(&self.view.filter))
    }

    fn agenda(m: &mut Model) {
        match crate::print::agenda::markdown(m.cases.values(), &m.config.school.name, m.now.date()) {
            Ok(text) => m.job(Job::WriteAgenda { text, at: m.now }),
            Err(named) => {
                let reasons: Vec<String> = named.iter().map(ToString::to_string).collect();
                let key = m.keymap.first_key_label(Context::Detail, Action::EditQuestion);
                m.error(strings::agenda_refused(&reasons, " · ", &key));
            }
        }
    }
}

fn filtered(m: &Model, filter: Query) -> Vec<escalation::OpenRow> {
    escalation::overview(m.cases.values(), m.now.date())
        .into_iter()
        .filter(|r| {
            if filter.is_empty() {
                return true;
            }
            let deciders = strings::decider_names(&r.deciders);
            let text = format!("{} {} {} {} {}", r.pupil, r.level.label(), r.reason.label(), deciders, r.question);
            filter.found_in(&fold(&text))
        })
        .collect()
}

impl Model {
    /// The open escalations as the overview on top shows them (all, when it is not open).
    pub fn overview_rows(&self) -> Vec<escalation::OpenRow> {
        match self.screens.last() {
            Some(Screen::Escalations(o)) => o.rows(self),
            _ => filtered(self, Query::default()),
        }
    }
}

impl Page for Overview {
    fn context(&self) -> Context {
        if self.view.filtering { Context::OverviewFilter } else { Context::Overview }
    }

    fn on_action(&mut self, m: &mut Model, _: Context, action: Action) -> Nav {
        use Action::*;
        let rows = self.rows(m);
        let v = &mut self.view;
        match action {
            Up => v.selected = step(v.selected, false, rows.len()),
            Down => v.selected = step(v.selected, true, rows.len()),
            Filter => v.filtering = true,
            Back if v.filtering => v.clear_filter(),
            Back => return Nav::Pop,
            Open => {
                v.filtering = false;
                if let Some(id) = rows.get(v.selected).map(|r| r.case) {
                    return Nav::Push(super::detail::open(m, id));
                }
            }
            Agenda => Overview::agenda(m),
            _ => {}
        }
        Nav::Stay
    }

    fn on_typing(&mut self, _: &mut Model, context: Context, key: &Key, _: &crossterm::event::KeyEvent) -> Nav {
        let v = &mut self.view;
        if context == Context::OverviewFilter && edit_text(&mut v.filter, &mut v.cursor, FILTER_MAX, key) {
            v.selected = 0;
        }
        Nav::Stay
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        super::view::escalations::draw(m, self, frame, area)
    }
}
