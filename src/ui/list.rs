//! The case list, under every other screen: its selection, its filter and the rows it
//! shows. Its view is `view/list.rs`.

use super::action::{Action, Context};
use super::case_form::CaseForm;
use super::form::edit_text;
use super::keymap::Key;
use super::model::{Model, Screen};
use super::worker::Job;
use crate::domain::case::CaseId;
use crate::domain::listing::{Query, Row, urgency};

/// Lines of the list screen that are not case rows: title, filter, column heads, key bar.
const LIST_CHROME: u16 = 4;
pub(super) const FILTER_MAX: usize = 60;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListView {
    /// Index into `Model::visible`.
    pub selected: usize,
    /// First visible row, kept so scrolling is smooth rather than jumping.
    pub offset: usize,
    pub filter: String,
    pub cursor: usize,
    pub filtering: bool,
}

impl ListView {
    /// Leaves the filter line and empties it.
    pub(super) fn clear_filter(&mut self) {
        self.filtering = false;
        self.filter.clear();
        self.cursor = 0;
    }
}

impl Model {
    pub fn selected_row(&self) -> Option<&Row> {
        self.visible.get(self.list.selected).map(|&i| &self.rows[i])
    }

    pub fn list_height(&self) -> usize {
        self.size.1.saturating_sub(LIST_CHROME) as usize
    }

    pub(super) fn list_context(&self) -> Context {
        if self.list.filtering { Context::Filter } else { Context::List }
    }

    pub(super) fn on_list_action(&mut self, context: Context, action: Action) {
        use Action::*;
        let page = self.list_height().max(1) as isize;
        match (context, action) {
            (_, Up) => self.move_selection(-1),
            (_, Down) => self.move_selection(1),
            (Context::List, PageUp) => self.move_selection(-page),
            (Context::List, PageDown) => self.move_selection(page),
            (Context::List, First) => self.move_selection(isize::MIN / 2),
            (Context::List, Last) => self.move_selection(isize::MAX / 2),
            (Context::List, Filter) => self.list.filtering = true,
            (_, Open) => {
                self.list.filtering = false;
                if let Some(id) = self.selected_row().map(|r| r.id) {
                    let detail = super::detail::open(self, id);
                    self.screens.push(detail);
                }
            }
            (_, Back) => {
                self.list.clear_filter();
                self.refilter();
            }
            (Context::List, Escalations) => self.screens.push(Screen::Escalations(Box::default())),
            (Context::List, Export) => {
                self.screens.push(Screen::Export(Box::default()));
                self.job(Job::LastBundle(Box::new(self.config.clone())));
            }
            (Context::List, Partners) => {
                self.screens.push(Screen::Partners(Box::default()));
                self.job(Job::Partners { config: Box::new(self.config.clone()), at: self.now });
            }
            (Context::List, NewCase) => {
                let form = CaseForm::new_case(&self.config, self.now.date());
                self.screens.push(Screen::Case(Box::new(form)));
            }
            _ => {}
        }
    }

    pub(super) fn on_list_typing(&mut self, context: Context, key: &Key) {
        if context == Context::Filter && edit_text(&mut self.list.filter, &mut self.list.cursor, FILTER_MAX, key) {
            self.refilter()
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let last = self.visible.len().saturating_sub(1) as isize;
        self.list.selected = (self.list.selected as isize).saturating_add(delta).clamp(0, last.max(0)) as usize;
        self.scroll_to_selected();
    }

    pub(super) fn scroll_to_selected(&mut self) {
        let height = self.list_height().max(1);
        let l = &mut self.list;
        if l.selected < l.offset {
            l.offset = l.selected;
        } else if l.selected >= l.offset + height {
            l.offset = l.selected + 1 - height;
        }
        l.offset = l.offset.min(self.visible.len().saturating_sub(height));
    }

    /// Rebuilds the rows after the cases changed, keeping the selection on the same case.
    pub(super) fn rebuild_rows(&mut self, select: Option<CaseId>) {
        let today = self.now.date();
        let keep = select.or_else(|| self.selected_row().map(|r| r.id));
        self.rows = self
            .cases
            .values()
            .map(|c| Row::new(c, &self.config.route, &self.config.team, self.config.privacy.retention_years, today))
            .collect();
        self.rows.sort_by(urgency);
        self.refilter_keeping(keep);
    }

    fn refilter(&mut self) {
        // While typing a filter the best match is what you want: start at the top.
        self.refilter_keeping(None);
    }

    fn refilter_keeping(&mut self, keep: Option<CaseId>) {
        let query = Query::new(&self.list.filter);
        self.visible = (0..self.rows.len()).filter(|&i| self.rows[i].matches(&query)).collect();
        self.list.selected = keep.and_then(|id| self.visible.iter().position(|&i| self.rows[i].id == id)).unwrap_or(0);
        self.list.offset = 0;
        self.scroll_to_selected();
    }
}
