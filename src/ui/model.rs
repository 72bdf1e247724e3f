//! The one model of the TUI and its update function: a key or a worker reply comes in,
//! the model changes, and the work to do (store jobs, quitting) goes out as effects.
//! Nothing here draws or touches the disk.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::action::{Action, Context};
use super::case_form::{CaseForm, Submitted};
use super::form::{Form, edit_text};
use super::keymap::{Key, Keymap};
use super::setup;
use super::theme::Theme;
use super::worker::{Job, Reply};
use crate::config::Config;
use crate::domain::case::{Case, CaseId};
use crate::domain::history::Change;
use crate::domain::listing::{Query, Row, urgency};
use crate::strings;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Lines of the list screen that are not case rows: title, filter, column heads, key bar.
const LIST_CHROME: u16 = 4;
const FILTER_MAX: usize = 60;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Reply(Reply),
}

#[derive(Debug)]
pub enum Effect {
    Job(Job),
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Setup(Form),
    Case(CaseForm),
    Detail(Detail),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub id: CaseId,
    /// None while the worker is still reading it.
    pub history: Option<Result<Vec<Change>, String>>,
    pub scroll: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popup {
    Help { context: Context, scroll: u16 },
    ConfirmDiscard,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

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

pub struct Model {
    pub config: Config,
    pub keymap: Keymap,
    pub theme: Theme,
    pub demo: bool,
    pub now: NaiveDateTime,
    pub size: (u16, u16),
    pub cases: HashMap<CaseId, Case>,
    /// Every case as a list row, most urgent first.
    pub rows: Vec<Row>,
    /// Indices into `rows` that match the filter.
    pub visible: Vec<usize>,
    pub list: ListView,
    /// Screens on top of the case list; the last one is active.
    pub screens: Vec<Screen>,
    pub popup: Option<Popup>,
    pub status: Option<Status>,
    pub loaded: bool,
}

impl Model {
    /// `first_start` opens the set-up screen before anything else.
    pub fn new(
        config: Config,
        keymap: Keymap,
        theme: Theme,
        demo: bool,
        first_start: bool,
        now: NaiveDateTime,
    ) -> Model {
        let screens = if first_start { vec![Screen::Setup(setup::form(&config.roles))] } else { Vec::new() };
        Model {
            config,
            keymap,
            theme,
            demo,
            now,
            size: (MIN_WIDTH, MIN_HEIGHT),
            cases: HashMap::new(),
            rows: Vec::new(),
            visible: Vec::new(),
            list: ListView::default(),
            screens,
            popup: None,
            status: None,
            loaded: false,
        }
    }

    /// Where keys go now.
    pub fn context(&self) -> Context {
        if self.too_small() {
            return Context::TooSmall;
        }
        if let Some(Popup::Help { .. }) = self.popup {
            return Context::Help;
        }
        match self.screens.last() {
            Some(Screen::Setup(_) | Screen::Case(_)) => Context::Form,
            Some(Screen::Detail(_)) => Context::Detail,
            None if self.list.filtering => Context::Filter,
            None => Context::List,
        }
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.visible.get(self.list.selected).map(|&i| &self.rows[i])
    }

    pub fn list_height(&self) -> usize {
        self.size.1.saturating_sub(LIST_CHROME) as usize
    }

    pub fn update(&mut self, msg: Msg, now: NaiveDateTime) -> Vec<Effect> {
        self.now = now;
        match msg {
            Msg::Key(ev) if ev.kind == KeyEventKind::Press => self.on_key(&ev),
            Msg::Key(_) => Vec::new(),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.scroll_to_selected();
                Vec::new()
            }
            Msg::Reply(reply) => self.on_reply(reply),
        }
    }

    fn on_key(&mut self, ev: &KeyEvent) -> Vec<Effect> {
        self.status = None;
        let key = Key::from_event(ev);
        if self.popup == Some(Popup::ConfirmDiscard) {
            return self.on_confirm(&key);
        }
        let context = self.context();
        let action =
            if context.takes_text() && key.typed_char().is_some() { None } else { self.keymap.action(context, &key) };
        match action {
            Some(action) => self.on_action(context, action),
            None => {
                self.on_typing(context, &key);
                Vec::new()
            }
        }
    }

    fn on_confirm(&mut self, key: &Key) -> Vec<Effect> {
        match key.code {
            KeyCode::Char('j' | 'J') | KeyCode::Enter => {
                self.popup = None;
                if let Some(Screen::Setup(_)) = self.screens.pop() {
                    return vec![Effect::Quit];
                }
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => self.popup = None,
            _ => {}
        }
        Vec::new()
    }

    fn on_typing(&mut self, context: Context, key: &Key) {
        match context {
            Context::Filter if edit_text(&mut self.list.filter, &mut self.list.cursor, FILTER_MAX, key) => {
                self.refilter()
            }
            Context::Form => {
                let index = self.form().map(|f| f.focus);
                if let Some(form) = self.form_mut() {
                    form.edit(key);
                }
                // Choice fields are complete as soon as they change: check them right away.
                if let (Some(i), Some(Screen::Case(cf))) = (index, self.screens.last_mut())
                    && !matches!(cf.form.fields.get(i).map(|f| &f.kind), Some(super::form::Kind::Text { .. }))
                {
                    cf.check_field(i, &self.config, self.now.date());
                }
            }
            _ => {}
        }
    }

    fn on_action(&mut self, context: Context, action: Action) -> Vec<Effect> {
        use Action::*;
        match (context, action) {
            (Context::Help, Back | Help) => self.popup = None,
            (Context::Help, Up | Down) => {
                if let Some(Popup::Help { scroll, .. }) = &mut self.popup {
                    *scroll = if action == Up { scroll.saturating_sub(1) } else { scroll.saturating_add(1) };
                }
            }
            (_, Help) => self.popup = Some(Popup::Help { context, scroll: 0 }),
            (_, Quit) => return vec![Effect::Quit],

            (Context::List | Context::Filter, Up) => self.move_selection(-1),
            (Context::List | Context::Filter, Down) => self.move_selection(1),
            (Context::List, PageUp) => self.move_selection(-(self.list_height().max(1) as isize)),
            (Context::List, PageDown) => self.move_selection(self.list_height().max(1) as isize),
            (Context::List, First) => self.move_selection(isize::MIN / 2),
            (Context::List, Last) => self.move_selection(isize::MAX / 2),
            (Context::List, Filter) => self.list.filtering = true,
            (Context::List | Context::Filter, Open) => {
                self.list.filtering = false;
                return self.open_selected();
            }
            (Context::List | Context::Filter, Back) => {
                self.list.filtering = false;
                self.list.filter.clear();
                self.list.cursor = 0;
                self.refilter();
            }
            (Context::List, NewCase) => {
                self.screens.push(Screen::Case(CaseForm::new_case(&self.config, self.now.date())));
            }

            (Context::Detail, Edit) => {
                if let Some(Screen::Detail(d)) = self.screens.last()
                    && let Some(case) = self.cases.get(&d.id)
                {
                    let form = CaseForm::edit(case, &self.config);
                    self.screens.push(Screen::Case(form));
                }
            }
            (Context::Detail, Back) => {
                self.screens.pop();
            }
            (Context::Detail, Up | Down) => {
                if let Some(Screen::Detail(d)) = self.screens.last_mut() {
                    d.scroll = if action == Up { d.scroll.saturating_sub(1) } else { d.scroll.saturating_add(1) };
                }
            }

            (Context::Form, NextField | PrevField) => self.move_focus(action == NextField),
            (Context::Form, Submit) if self.form().is_some_and(|f| !f.on_button()) => self.move_focus(true),
            (Context::Form, Submit | Save) => return self.save_form(),
            (Context::Form, Back) => match self.form() {
                Some(f) if f.saving => {}
                Some(f) if f.is_dirty() => self.popup = Some(Popup::ConfirmDiscard),
                _ => {
                    if let Some(Screen::Setup(_)) = self.screens.pop() {
                        return vec![Effect::Quit];
                    }
                }
            },
            _ => {}
        }
        Vec::new()
    }

    fn form(&self) -> Option<&Form> {
        match self.screens.last() {
            Some(Screen::Setup(f)) => Some(f),
            Some(Screen::Case(cf)) => Some(&cf.form),
            _ => None,
        }
    }

    fn form_mut(&mut self) -> Option<&mut Form> {
        match self.screens.last_mut() {
            Some(Screen::Setup(f)) => Some(f),
            Some(Screen::Case(cf)) => Some(&mut cf.form),
            _ => None,
        }
    }

    /// Moves focus and checks the field just left, so mistakes show while typing on.
    fn move_focus(&mut self, forward: bool) {
        let today = self.now.date();
        match self.screens.last_mut() {
            Some(Screen::Case(cf)) => {
                let left = cf.form.focus;
                if forward {
                    cf.form.next()
                } else {
                    cf.form.prev()
                }
                cf.check_field(left, &self.config, today);
            }
            Some(Screen::Setup(f)) => {
                if forward {
                    f.next()
                } else {
                    f.prev()
                }
            }
            _ => {}
        }
    }

    fn save_form(&mut self) -> Vec<Effect> {
        let (config, now) = (&self.config, self.now);
        let effect = match self.screens.last_mut() {
            Some(Screen::Case(cf)) if !cf.form.saving => match cf.submit(config, now) {
                Submitted::Invalid => None,
                Submitted::Unchanged => {
                    self.screens.pop();
                    self.status = Some(Status { text: strings::NO_CHANGES.into(), error: false });
                    return Vec::new();
                }
                Submitted::Save(case, change) => {
                    cf.form.saving = true;
                    Some(Job::Save { case, change })
                }
            },
            Some(Screen::Setup(form)) if !form.saving => setup::submit(form, &config.roles, &config.route).map(|c| {
                form.saving = true;
                Job::SaveConfig(Box::new(c))
            }),
            _ => return Vec::new(),
        };
        match effect {
            Some(job) => vec![Effect::Job(job)],
            None => {
                self.status = Some(Status { text: strings::FIX_FIELDS.into(), error: true });
                Vec::new()
            }
        }
    }

    fn open_selected(&mut self) -> Vec<Effect> {
        let Some(id) = self.selected_row().map(|r| r.id) else {
            return Vec::new();
        };
        self.screens.push(Screen::Detail(Detail { id, history: None, scroll: 0 }));
        vec![Effect::Job(Job::History(id))]
    }

    fn move_selection(&mut self, delta: isize) {
        let last = self.visible.len().saturating_sub(1) as isize;
        self.list.selected = (self.list.selected as isize).saturating_add(delta).clamp(0, last.max(0)) as usize;
        self.scroll_to_selected();
    }

    fn scroll_to_selected(&mut self) {
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
    fn rebuild_rows(&mut self, select: Option<CaseId>) {
        let today = self.now.date();
        let keep = select.or_else(|| self.selected_row().map(|r| r.id));
        self.rows = self.cases.values().map(|c| Row::new(c, &self.config.route, &self.config.team, today)).collect();
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

    fn error(&mut self, text: String) {
        self.status = Some(Status { text, error: true });
    }

    fn on_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Loaded(Ok(loaded)) => {
                self.cases = loaded.cases.into_iter().map(|c| (c.id, c)).collect();
                self.loaded = true;
                self.rebuild_rows(None);
                if !loaded.damaged.is_empty() {
                    self.error(strings::damaged_records(loaded.damaged.len()));
                }
            }
            Reply::Loaded(Err(e)) => self.error(e),
            Reply::Saved(Ok(case)) => {
                let (id, name) = (case.id, case.pupil_name());
                self.cases.insert(id, *case);
                self.rebuild_rows(Some(id));
                if let Some(Screen::Case(_)) = self.screens.last() {
                    self.screens.pop();
                }
                self.status = Some(Status { text: strings::saved(&name), error: false });
                if let Some(Screen::Detail(d)) = self.screens.last_mut()
                    && d.id == id
                {
                    return vec![Effect::Job(Job::History(id))];
                }
            }
            Reply::Saved(Err(e)) => {
                if let Some(form) = self.form_mut() {
                    form.saving = false;
                }
                self.error(e);
            }
            Reply::History(id, history) => {
                if let Some(Screen::Detail(d)) = self.screens.last_mut()
                    && d.id == id
                {
                    d.history = Some(history);
                }
            }
            Reply::ConfigSaved(Ok(config)) => {
                self.config = *config;
                if let Some(Screen::Setup(_)) = self.screens.last() {
                    self.screens.pop();
                }
                self.rebuild_rows(None);
                self.status = Some(Status { text: strings::welcome(&self.config.school.name), error: false });
            }
            Reply::ConfigSaved(Err(e)) => {
                if let Some(form) = self.form_mut() {
                    form.saving = false;
                }
                self.error(e);
            }
        }
        Vec::new()
    }
}
