//! The one model of the TUI and its update function: a key or a worker reply comes in,
//! the model changes, and the work to do (store jobs, quitting) goes out as effects.
//! Nothing here draws or touches the disk.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::action::{Action, Context};
use super::case_form::{CaseForm, Submitted};
use super::consent_form::ConsentScreen;
use super::escalation_form::{self, EscalationScreen};
use super::form::{Form, Kind, edit_text};
use super::gate::Gate;
use super::keymap::{Key, Keymap};
use super::plan_editor::{self, Overlay, Part, PlanEditor, Request};
use super::setup;
use super::theme::Theme;
use super::wizard::{self, Wizard};
use super::worker::{Job, Reply};
use crate::config::Config;
use crate::domain::case::{Case, CaseId};
use crate::domain::escalation;
use crate::domain::history::{Change, ChangeKind, DeleteReason};
use crate::domain::listing::{Query, Row, fold, urgency};
use crate::domain::plan::Goal;
use crate::domain::retention;
use crate::domain::route::{Draft, FieldKind};
use crate::strings::{self, Label};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// A plan being typed in is saved this long after the last keystroke at the latest.
const PLAN_AUTOSAVE_SECONDS: i64 = 3;
/// Lines of the list screen that are not case rows: title, filter, column heads, key bar.
const LIST_CHROME: u16 = 4;
const FILTER_MAX: usize = 60;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Reply(Reply),
    /// Text pasted into the terminal (bracketed paste): inserted whole, never read as keys.
    Paste(String),
    /// Time passed without input (for the auto-lock).
    Tick,
}

#[derive(Debug)]
pub enum Effect {
    Job(Job),
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Setup(Form),
    Case(Box<CaseForm>),
    Wizard(Box<Wizard>),
    Consent(Box<ConsentScreen>),
    Detail(Detail),
    Plan(Box<PlanEditor>),
    Escalate(Box<EscalationScreen>),
    /// All open escalations, most urgent first.
    Escalations(ListView),
    /// What the export to the SWV sends, and the bundle written last (None while the
    /// worker looks it up).
    Export(Option<Result<Option<crate::exports::LastBundle>, String>>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub id: CaseId,
    /// None while the worker is still reading it.
    pub history: Option<Result<Vec<Change>, String>>,
    pub scroll: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    Help {
        context: Context,
        scroll: u16,
    },
    ConfirmDiscard,
    /// Delete this case on request (right to erasure).
    ConfirmDelete(CaseId),
    /// These closed cases are past their retention term.
    ConfirmRetention(Vec<CaseId>),
    /// Quit while unsaved input waits (in a form, or underneath the unlock screen).
    ConfirmQuit,
    /// Escalate: the case as it will be saved, its change, and the question shown.
    ConfirmEscalate(Box<Case>, Change, String),
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
    /// Unlocking, recovering, or a damaged store: stands before everything else (after
    /// the set-up screen, which needs no key).
    pub gate: Option<Gate>,
    /// The data key is open in the worker.
    pub unlocked: bool,
    /// The store passed its integrity check this session (so a backup of it is good).
    pub verified: bool,
    pub last_input: NaiveDateTime,
    /// Steps being typed in, per case, as last saved to the store.
    pub drafts: HashMap<CaseId, Draft>,
    /// Jobs raised while handling a key, sent with its effects.
    pending: Vec<Job>,
    /// The retention question is asked once per start, not after every unlock.
    retention_asked: bool,
    /// When the open plan was last sent to be saved.
    plan_saved_at: NaiveDateTime,
}

/// Moves a selection one up or down within `len` rows.
fn step(selected: usize, down: bool, len: usize) -> usize {
    if down { (selected + 1).min(len.saturating_sub(1)) } else { selected.saturating_sub(1) }
}

impl Model {
    /// `first_start` opens the set-up screen before anything else; `gate` is what must
    /// happen before the cases can be read (None when the store is already unlocked).
    pub fn new(
        config: Config,
        keymap: Keymap,
        theme: Theme,
        demo: bool,
        first_start: bool,
        gate: Option<Gate>,
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
            unlocked: gate.is_none(),
            gate,
            verified: false,
            last_input: now,
            drafts: HashMap::new(),
            pending: Vec::new(),
            retention_asked: false,
            plan_saved_at: now,
        }
    }

    /// The jobs to start with: reading the cases, or unlocking with a passphrase given
    /// by the environment.
    pub fn start(&mut self, passphrase: Option<zeroize::Zeroizing<String>>) -> Vec<Effect> {
        match (&mut self.gate, passphrase) {
            (None, _) => {
                vec![Effect::Job(Job::LoadCases), Effect::Job(Job::Verify)]
            }
            (Some(Gate::Unlock(u)), Some(p)) => {
                u.form.saving = true;
                vec![Effect::Job(Job::Unlock(p))]
            }
            _ => Vec::new(),
        }
    }

    /// The gate in force: the set-up screen comes first, it needs no key.
    pub fn active_gate(&self) -> Option<&Gate> {
        match self.screens.last() {
            Some(Screen::Setup(_)) => None,
            _ => self.gate.as_ref(),
        }
    }

    /// When the app should wake up without input: the auto-lock moment.
    pub fn deadline(&self) -> Option<NaiveDateTime> {
        let lock = (self.unlocked && self.gate.is_none())
            .then(|| self.last_input + chrono::Duration::minutes(i64::from(self.config.privacy.lock_minutes)));
        let autosave = self.plan_dirty().then(|| self.last_input + chrono::Duration::seconds(PLAN_AUTOSAVE_SECONDS));
        lock.into_iter().chain(autosave).min()
    }

    fn plan_dirty(&self) -> bool {
        self.screens.iter().any(|s| matches!(s, Screen::Plan(e) if e.dirty))
    }

    fn plan_editor(&mut self) -> Option<&mut PlanEditor> {
        match self.screens.last_mut() {
            Some(Screen::Plan(e)) => Some(e),
            _ => None,
        }
    }

    /// The job that writes the open plan; `signed`/`started` add a history entry.
    fn save_plan(&mut self, signed: Option<u32>, started: Option<u32>) -> Option<Job> {
        let (who, at) = (self.config.user.clone(), self.now);
        let e = self.screens.iter_mut().rev().find_map(|s| match s {
            Screen::Plan(e) => Some(e),
            _ => None,
        })?;
        e.dirty = false;
        // A plan that holds a BSN is not stored; what was typed stays on screen to fix.
        if e.refuse_bsn(false) {
            return None;
        }
        let kind = match (signed, started) {
            (Some(version), _) => Some(ChangeKind::PlanSigned { version }),
            (_, Some(version)) => Some(ChangeKind::PlanStarted { version }),
            _ => None,
        };
        let change = kind.map(|kind| Change { case: Some(e.case), at, who, kind });
        Some(Job::SavePlan { id: e.case, book: Box::new(e.book.clone()), change })
    }

    /// Where keys go now.
    pub fn context(&self) -> Context {
        if self.too_small() {
            return Context::TooSmall;
        }
        if let Some(Popup::Help { .. }) = self.popup {
            return Context::Help;
        }
        if let Some(gate) = self.active_gate() {
            return if gate.form().is_some() { Context::Gate } else { Context::Notice };
        }
        match self.screens.last() {
            Some(Screen::Wizard(_)) => Context::Step,
            Some(Screen::Setup(_) | Screen::Case(_) | Screen::Consent(_) | Screen::Escalate(_)) => Context::Form,
            Some(Screen::Escalations(v)) if v.filtering => Context::OverviewFilter,
            Some(Screen::Escalations(_)) => Context::Overview,
            Some(Screen::Export(_)) => Context::ExportScreen,
            Some(Screen::Detail(_)) => Context::Detail,
            Some(Screen::Plan(e)) => match (&e.item_form, &e.overlay, e.focused_part()) {
                (Some(_), _, _) => Context::Form,
                (_, Some(Overlay::Missing { .. }), _) => Context::PlanMissing,
                (_, Some(Overlay::Versions { .. }), _) => Context::PlanVersions,
                (_, Some(Overlay::Read { .. }), _) => Context::PlanRead,
                (_, _, Some(Part::Text(_))) => Context::PlanText,
                (_, _, Some(Part::List(_))) => Context::PlanList,
                _ => Context::PlanSections,
            },
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
            Msg::Paste(text) => {
                self.last_input = now;
                self.on_paste(&text);
                self.pending.drain(..).map(Effect::Job).collect()
            }
            Msg::Tick => {
                let lock_at = self.last_input + chrono::Duration::minutes(i64::from(self.config.privacy.lock_minutes));
                if self.unlocked && self.gate.is_none() && now >= lock_at {
                    return self.lock();
                }
                if self.plan_dirty() && now >= self.last_input + chrono::Duration::seconds(PLAN_AUTOSAVE_SECONDS) {
                    return self.save_plan(None, None).map(Effect::Job).into_iter().collect();
                }
                Vec::new()
            }
        }
    }

    /// Auto-lock: the key goes, and so does every decrypted case; forms being typed in
    /// stay, so nothing unsaved is lost.
    fn lock(&mut self) -> Vec<Effect> {
        // The plan is saved before the key goes; its decrypted text leaves the screen.
        let save = if self.plan_dirty() { self.save_plan(None, None) } else { None };
        self.screens.retain(|s| !matches!(s, Screen::Plan(_)));
        self.cases.clear();
        self.drafts.clear();
        self.rows.clear();
        self.visible.clear();
        self.loaded = false;
        self.unlocked = false;
        self.popup = None;
        for screen in &mut self.screens {
            if let Screen::Detail(d) = screen {
                d.history = None;
            }
        }
        self.gate = Some(Gate::unlock());
        self.status = Some(Status { text: strings::LOCKED_NOTE.into(), error: false });
        save.into_iter().chain([Job::Lock]).map(Effect::Job).collect()
    }

    fn on_key(&mut self, ev: &KeyEvent) -> Vec<Effect> {
        let mut effects = self.on_key_inner(ev);
        effects.extend(self.pending.drain(..).map(Effect::Job));
        effects
    }

    fn on_key_inner(&mut self, ev: &KeyEvent) -> Vec<Effect> {
        self.status = None;
        self.last_input = self.now;
        let key = Key::from_event(ev);
        if matches!(
            self.popup,
            Some(
                Popup::ConfirmDiscard
                    | Popup::ConfirmDelete(_)
                    | Popup::ConfirmRetention(_)
                    | Popup::ConfirmQuit
                    | Popup::ConfirmEscalate(..)
            )
        ) {
            return self.on_confirm(&key);
        }
        if let Some(e) = self.plan_editor()
            && matches!(e.overlay, Some(Overlay::ConfirmRemove | Overlay::ConfirmNewVersion))
        {
            return self.on_plan_confirm(&key);
        }
        let context = self.context();
        let action =
            if context.takes_text() && key.typed_char().is_some() { None } else { self.keymap.action(context, &key) };
        match action {
            Some(action) => self.on_action(context, action),
            None if context == Context::PlanText => {
                let changed = self.plan_editor().is_some_and(|e| e.type_key(ev));
                self.after_plan_text_change(changed).map(Effect::Job).into_iter().collect()
            }
            None => {
                self.on_typing(context, &key);
                Vec::new()
            }
        }
    }

    /// Typing saves now and then on its own (besides the save after a pause, on Tick).
    fn after_plan_text_change(&mut self, changed: bool) -> Option<Job> {
        let due = self.now >= self.plan_saved_at + chrono::Duration::seconds(PLAN_AUTOSAVE_SECONDS);
        if !(changed && due) {
            return None;
        }
        self.plan_saved_at = self.now;
        self.save_plan(None, None)
    }

    /// Text pasted from Word or mail, normalised once (NFC, one kind of line break): into
    /// the focused form field on one line, or whole into the plan's text area.
    fn on_paste(&mut self, text: &str) {
        if self.popup.is_some() {
            return;
        }
        let text: String =
            unicode_normalization::UnicodeNormalization::nfc(text.replace("\r\n", "\n").replace('\r', "\n").as_str())
                .collect();
        if let Some(form) = self.form_mut() {
            form.paste(&text.replace('\n', " "));
        } else if let Some(e) = self.plan_editor() {
            let changed = e.paste(&text);
            let save = self.after_plan_text_change(changed);
            self.pending.extend(save);
        }
    }

    fn on_plan_confirm(&mut self, key: &Key) -> Vec<Effect> {
        let today = self.now.date();
        let Some(e) = self.plan_editor() else { return Vec::new() };
        match key.code {
            KeyCode::Char('j' | 'J') => {
                let request = match e.overlay.take() {
                    Some(Overlay::ConfirmRemove) => e.remove_item(),
                    Some(Overlay::ConfirmNewVersion) => e.new_version(today),
                    _ => Request::None,
                };
                return self.plan_request(request);
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => e.overlay = None,
            _ => {}
        }
        Vec::new()
    }

    fn plan_request(&mut self, request: Request) -> Vec<Effect> {
        match request {
            Request::None => Vec::new(),
            Request::Save { signed, started } => {
                self.plan_saved_at = self.now;
                self.save_plan(signed, started).map(Effect::Job).into_iter().collect()
            }
            Request::Print => {
                let save = if self.plan_dirty() { self.save_plan(None, None) } else { None };
                let Some(id) = self.plan_editor().map(|e| e.case) else { return Vec::new() };
                let version = self.plan_editor().and_then(|e| e.plan().map(|p| p.version)).unwrap_or(1);
                let change = Change {
                    case: Some(id),
                    at: self.now,
                    who: self.config.user.clone(),
                    kind: ChangeKind::PlanPrinted { version },
                };
                let print = Job::PrintPlan { id, config: Box::new(self.config.clone()), change };
                self.status = Some(Status { text: strings::PRINTING.into(), error: false });
                save.into_iter().chain([print]).map(Effect::Job).collect()
            }
            Request::Close if self.plan_editor().is_some_and(|e| e.refuse_bsn(true)) => Vec::new(),
            Request::Close => {
                let save = if self.plan_dirty() { self.save_plan(None, None) } else { None };
                self.screens.pop();
                save.map(Effect::Job).into_iter().collect()
            }
        }
    }

    fn on_confirm(&mut self, key: &Key) -> Vec<Effect> {
        // Only discarding a form may be confirmed with Enter; deleting needs a deliberate j.
        let discard = self.popup == Some(Popup::ConfirmDiscard);
        match key.code {
            KeyCode::Char('j' | 'J') | KeyCode::Enter if discard || key.code != KeyCode::Enter => {
                match self.popup.take() {
                    Some(Popup::ConfirmDiscard) => {
                        if let Some(e) = self.plan_editor() {
                            e.item_form = None;
                        } else if let Some(Screen::Setup(_)) = self.screens.pop() {
                            return vec![Effect::Quit];
                        }
                    }
                    Some(Popup::ConfirmDelete(id)) => return vec![self.delete(id, DeleteReason::Request)],
                    Some(Popup::ConfirmRetention(ids)) => {
                        return ids.into_iter().map(|id| self.delete(id, DeleteReason::Retention)).collect();
                    }
                    Some(Popup::ConfirmQuit) => return vec![Effect::Quit],
                    Some(Popup::ConfirmEscalate(case, change, _)) => {
                        if let Some(Screen::Escalate(e)) = self.screens.last_mut() {
                            e.form.saving = true;
                        }
                        return vec![Effect::Job(Job::Save { case, change, clear_draft: false })];
                    }
                    _ => {}
                }
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => self.popup = None,
            _ => {}
        }
        Vec::new()
    }

    fn delete(&self, id: CaseId, reason: DeleteReason) -> Effect {
        let change = Change {
            case: Some(id),
            at: self.now,
            who: self.config.user.clone(),
            kind: ChangeKind::Deleted { reason },
        };
        Effect::Job(Job::Delete { id, change })
    }

    fn on_typing(&mut self, context: Context, key: &Key) {
        match context {
            Context::Filter if edit_text(&mut self.list.filter, &mut self.list.cursor, FILTER_MAX, key) => {
                self.refilter()
            }
            Context::OverviewFilter => {
                if let Some(Screen::Escalations(v)) = self.screens.last_mut()
                    && edit_text(&mut v.filter, &mut v.cursor, FILTER_MAX, key)
                {
                    v.selected = 0;
                }
            }
            c if c.is_form() => {
                let index = self.form().map(|f| f.focus);
                let changed = self.form_mut().is_some_and(|form| form.edit(key));
                // Every change in a step is kept as a draft at once: a crash loses nothing.
                let gated = self.active_gate().is_some();
                if let (true, false, Some(Screen::Wizard(w))) = (changed, gated, self.screens.last_mut()) {
                    w.refresh(&self.config, self.now.date());
                    let draft = w.draft(&self.config);
                    self.drafts.insert(w.case.id, draft.clone());
                    self.pending.push(Job::SaveDraft { id: w.case.id, draft });
                }
                // Choice fields are complete as soon as they change: check them right away.
                if let (Some(i), Some(Screen::Case(cf)), false) = (index, self.screens.last_mut(), gated)
                    && !matches!(cf.form.fields.get(i).map(|f| &f.kind), Some(Kind::Text { .. }))
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
            // The too-small screen cannot show a question; it has no form in view either.
            (Context::TooSmall, Quit | Interrupt) => return vec![Effect::Quit],
            (_, Quit | Interrupt) => return self.quit(),

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
            (Context::List, Escalations) => self.screens.push(Screen::Escalations(ListView::default())),
            (Context::List, Export) => {
                self.screens.push(Screen::Export(None));
                return vec![Effect::Job(Job::LastBundle(Box::new(self.config.clone())))];
            }
            (Context::ExportScreen, Submit) => {
                self.status = Some(Status { text: strings::EXPORTING.into(), error: false });
                return vec![Effect::Job(Job::ExportBundle { config: Box::new(self.config.clone()), at: self.now })];
            }
            (Context::ExportScreen, Back) => {
                self.screens.pop();
            }
            (Context::Overview | Context::OverviewFilter, _) => return self.on_overview_action(action),
            (Context::Detail, Escalate | Decide | Dismiss | Absence | EditQuestion) => {
                self.open_escalation_form(action)
            }
            (Context::List, NewCase) => {
                self.screens.push(Screen::Case(Box::new(CaseForm::new_case(&self.config, self.now.date()))));
            }

            (Context::Detail, Edit) => {
                if let Some(Screen::Detail(d)) = self.screens.last()
                    && let Some(case) = self.cases.get(&d.id)
                {
                    let form = CaseForm::edit(case, &self.config);
                    self.screens.push(Screen::Case(Box::new(form)));
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

            (Context::Notice, Submit) => match &self.gate {
                Some(Gate::ShowRecovery(_)) => self.gate = None,
                Some(Gate::Damaged { backup: Some(b), .. }) => {
                    return vec![Effect::Job(Job::Restore { file: b.path.clone(), at: self.now })];
                }
                _ => {}
            },
            (Context::Gate, _) => return self.on_gate_action(action),
            (Context::Detail, Plan) => {
                if let Some(Screen::Detail(d)) = self.screens.last() {
                    let (id, config, who, at) =
                        (d.id, Box::new(self.config.clone()), self.config.user.clone(), self.now);
                    self.status = Some(Status { text: strings::PLAN_OPENING.into(), error: false });
                    return vec![Effect::Job(Job::OpenPlan { id, config, who, at })];
                }
            }
            (
                Context::PlanSections
                | Context::PlanText
                | Context::PlanList
                | Context::PlanMissing
                | Context::PlanVersions
                | Context::PlanRead,
                _,
            ) => return self.on_plan_action(context, action),
            (Context::Detail, ExportAccess) => return self.export_access(),
            (Context::Detail, Delete) => {
                if let Some(Screen::Detail(d)) = self.screens.last() {
                    self.popup = Some(Popup::ConfirmDelete(d.id));
                }
            }

            (Context::Form | Context::Step, NextField | PrevField) => self.move_focus(action == NextField),
            (Context::Form | Context::Step, Submit) if self.form().is_some_and(|f| !f.on_button()) => {
                self.move_focus(true)
            }
            (Context::Form | Context::Step, Submit) => return self.save_form(true),
            (Context::Form | Context::Step, Save) => return self.save_form(false),
            (Context::Detail | Context::Step, Consent) => {
                let id = match self.screens.last() {
                    Some(Screen::Detail(d)) => Some(d.id),
                    Some(Screen::Wizard(w)) if !w.form.saving => Some(w.case.id),
                    _ => None,
                };
                if let Some(case) = id.and_then(|id| self.cases.get(&id)) {
                    let screen = ConsentScreen::new(case, &self.config, self.now);
                    self.screens.push(Screen::Consent(Box::new(screen)));
                }
            }
            (Context::Detail, Wizard) => {
                if let Some(Screen::Detail(d)) = self.screens.last() {
                    let id = d.id;
                    // An evaluation per goal needs the plan in force first.
                    let per_goal = self
                        .cases
                        .get(&id)
                        .and_then(|c| self.config.route.step(&c.step))
                        .is_some_and(|s| s.fields.iter().any(|f| f.kind == FieldKind::Goals));
                    if per_goal {
                        return vec![Effect::Job(Job::PlanGoals(id))];
                    }
                    self.open_wizard(id, &[]);
                }
            }
            // The wizard keeps a draft of everything typed: leaving it loses nothing.
            (Context::Step, Back) if matches!(self.screens.last(), Some(Screen::Wizard(w)) if !w.form.saving) => {
                self.screens.pop();
            }
            (Context::Form, Back) => match self.form() {
                Some(f) if f.saving => {}
                Some(f) if f.is_dirty() => self.popup = Some(Popup::ConfirmDiscard),
                _ if matches!(self.screens.last(), Some(Screen::Plan(_))) => {
                    if let Some(e) = self.plan_editor() {
                        e.item_form = None;
                    }
                }
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

    fn on_plan_action(&mut self, context: Context, action: Action) -> Vec<Effect> {
        use Action::*;
        let today = self.now.date();
        let page = self.size.1.saturating_sub(6).max(1);
        let Some(Screen::Plan(e)) = self.screens.last_mut() else { return Vec::new() };
        e.message = None;
        let leaving_text = matches!(context, Context::PlanText) && matches!(action, Back | NextPart | PrevPart);
        let request = match (context, action) {
            (Context::PlanSections, Up) => {
                e.move_section(-1);
                Request::None
            }
            (Context::PlanSections, Down) => {
                e.move_section(1);
                Request::None
            }
            (Context::PlanSections, Open | NextPart) | (Context::PlanText | Context::PlanList, NextPart) => {
                e.next_part();
                Request::None
            }
            (Context::PlanText | Context::PlanList, PrevPart) => {
                e.prev_part();
                Request::None
            }
            (Context::PlanSections, Back) => Request::Close,
            (Context::PlanText | Context::PlanList, Back) => {
                e.back_to_sections();
                Request::None
            }
            (Context::PlanText, Undo | Redo) => {
                let changed = e.undo(action == Redo);
                return self.after_plan_text_change(changed).map(Effect::Job).into_iter().collect();
            }
            (Context::PlanText, Save) => Request::Save { signed: None, started: None },
            (Context::PlanList, Up) => {
                e.move_item(-1);
                Request::None
            }
            (Context::PlanList, Down) => {
                e.move_item(1);
                Request::None
            }
            (Context::PlanList, Open) => {
                e.open_item(false, today);
                Request::None
            }
            (Context::PlanList, NewItem) => {
                e.open_item(true, today);
                Request::None
            }
            (Context::PlanList, Delete) => {
                e.ask_remove();
                Request::None
            }
            (_, Missing) => {
                e.show_missing();
                Request::None
            }
            (_, Print) => Request::Print,
            (_, Versions) => {
                let selected = e.book.versions.len().saturating_sub(1);
                e.overlay = Some(Overlay::Versions { selected });
                Request::None
            }
            (Context::PlanMissing, Up | Down) => {
                if let Some(Overlay::Missing { items, selected }) = &mut e.overlay {
                    *selected = step(*selected, action == Down, items.len());
                }
                Request::None
            }
            (Context::PlanMissing, Open) => {
                if let Some(Overlay::Missing { items, selected }) = &e.overlay
                    && let Some(place) = items.get(*selected).map(|m| m.place)
                {
                    e.jump(place);
                }
                Request::None
            }
            (Context::PlanVersions, Up | Down) => {
                let n = e.book.versions.len();
                if let Some(Overlay::Versions { selected }) = &mut e.overlay {
                    *selected = step(*selected, action == Down, n);
                }
                Request::None
            }
            (Context::PlanVersions, Open | Compare) => {
                let Some(Overlay::Versions { selected }) = e.overlay else { return Vec::new() };
                let id = e.case;
                let overlay = self.cases.get(&id).map(|case| {
                    plan_editor::read_overlay(case, &self.config, &e.book, selected, action == Compare, today)
                });
                match overlay {
                    Some(Ok(o)) => e.overlay = Some(o),
                    Some(Err(message)) => e.message = Some((message, true)),
                    None => {}
                }
                Request::None
            }
            (Context::PlanVersions, NewItem) => {
                if e.frozen() {
                    e.overlay = Some(Overlay::ConfirmNewVersion);
                } else {
                    e.message = Some((strings::PLAN_NOT_FROZEN.into(), true));
                }
                Request::None
            }
            (Context::PlanRead, Up | Down | PageUp | PageDown) => {
                if let Some(Overlay::Read { scroll, .. }) = &mut e.overlay {
                    *scroll = match action {
                        Up => scroll.saturating_sub(1),
                        Down => scroll.saturating_add(1),
                        PageUp => scroll.saturating_sub(page),
                        _ => scroll.saturating_add(page),
                    };
                }
                Request::None
            }
            (Context::PlanMissing | Context::PlanVersions | Context::PlanRead, Back) => {
                e.overlay = None;
                Request::None
            }
            _ => Request::None,
        };
        if leaving_text && self.plan_dirty() && request == Request::None {
            return self.plan_request(Request::Save { signed: None, started: None });
        }
        self.plan_request(request)
    }

    /// The escalation form that `action` asks for on the open case, or why it cannot be.
    fn open_escalation_form(&mut self, action: Action) {
        use escalation_form::Kind;
        let today = self.now.date();
        let Some(Screen::Detail(d)) = self.screens.last() else { return };
        let Some(case) = self.cases.get(&d.id) else { return };
        let open = escalation::open_one(case, today);
        let kind = match (action, open) {
            (Action::Escalate, None) => Ok(Kind::Open),
            (Action::Escalate, Some(e)) => e.next_level(today).map(Kind::Up).ok_or_else(|| match e.state(today) {
                escalation::State::Waiting { .. } => strings::escalation_waiting(
                    &e.current().and_then(|r| r.due).map(crate::domain::date::format).unwrap_or_default(),
                    &self.keymap.first_key_label(Context::Detail, Action::Decide),
                ),
                _ => strings::ESCALATION_NOT_UP.to_string(),
            }),
            (Action::Decide, Some(e)) if matches!(e.state(today), escalation::State::Waiting { .. }) => {
                Ok(Kind::Decide)
            }
            (Action::EditQuestion, Some(_)) => Ok(Kind::Question),
            (Action::Decide | Action::EditQuestion, _) => Err(strings::ESCALATION_NONE.to_string()),
            (Action::Dismiss, _) => {
                let triggers = escalation::triggers(case, &self.config.route, today);
                if triggers.is_empty() { Err(strings::NO_SUGGESTION.to_string()) } else { Ok(Kind::Dismiss(triggers)) }
            }
            _ => Ok(Kind::Absence),
        };
        match kind {
            Ok(kind) => {
                let screen = EscalationScreen::new(case, kind, &self.config, self.now);
                self.screens.push(Screen::Escalate(Box::new(screen)));
            }
            Err(message) => self.error(message),
        }
    }

    /// The open escalations as shown: filtered by the overview's filter line.
    pub fn overview_rows(&self) -> Vec<escalation::OpenRow> {
        let filter = match self.screens.last() {
            Some(Screen::Escalations(v)) => Query::new(&v.filter),
            _ => Query::default(),
        };
        escalation::overview(self.cases.values(), self.now.date())
            .into_iter()
            .filter(|r| {
                let text = format!(
                    "{} {} {} {} {}",
                    r.pupil,
                    r.level.label(),
                    r.reason.label(),
                    strings::decider_names(&r.deciders),
                    r.question
                );
                filter.found_in(&fold(&text))
            })
            .collect()
    }

    fn on_overview_action(&mut self, action: Action) -> Vec<Effect> {
        use Action::*;
        let rows = self.overview_rows();
        let Some(Screen::Escalations(v)) = self.screens.last_mut() else { return Vec::new() };
        match action {
            Up => v.selected = step(v.selected, false, rows.len()),
            Down => v.selected = step(v.selected, true, rows.len()),
            Filter => v.filtering = true,
            Back if v.filtering => {
                v.filtering = false;
                v.filter.clear();
                v.cursor = 0;
            }
            Back => {
                self.screens.pop();
            }
            Open => {
                v.filtering = false;
                if let Some(id) = rows.get(v.selected).map(|r| r.case) {
                    self.screens.push(Screen::Detail(Detail { id, history: None, scroll: 0 }));
                    return vec![Effect::Job(Job::History(id))];
                }
            }
            Agenda => {
                match crate::print::agenda::markdown(self.cases.values(), &self.config.school.name, self.now.date()) {
                    Ok(text) => return vec![Effect::Job(Job::WriteAgenda { text, at: self.now })],
                    Err(named) => {
                        let reasons: Vec<String> = named.iter().map(ToString::to_string).collect();
                        let key = self.keymap.first_key_label(Context::Detail, EditQuestion);
                        self.error(strings::agenda_refused(&reasons, " · ", &key));
                    }
                }
            }
            Help => self.popup = Some(Popup::Help { context: self.context(), scroll: 0 }),
            _ => {}
        }
        Vec::new()
    }

    fn on_gate_action(&mut self, action: Action) -> Vec<Effect> {
        use Action::*;
        let (who, now) = (self.config.user.clone(), self.now);
        let Some(gate) = self.gate.as_mut() else { return Vec::new() };
        let busy = gate.form().is_some_and(|f| f.saving);
        match action {
            NextField | PrevField => {
                if let Some(f) = gate.form_mut() {
                    if action == NextField { f.next() } else { f.prev() }
                }
            }
            // Enter moves on until the last field, then submits: no need to reach the button.
            Submit if gate.form().is_some_and(|f| f.focus + 1 < f.fields.len()) => {
                if let Some(f) = gate.form_mut() {
                    f.next();
                }
            }
            Submit | Save if !busy => match gate.submit(&who, now) {
                Ok(job) => return vec![Effect::Job(job)],
                Err(msg) if !msg.is_empty() => self.error(msg),
                Err(_) => {}
            },
            Recover if matches!(gate, Gate::Unlock(_)) && !busy => self.gate = Some(Gate::recover()),
            Back if matches!(gate, Gate::Recover(_)) && !busy => self.gate = Some(Gate::unlock()),
            Back if !busy && self.unsaved_input() => self.popup = Some(Popup::ConfirmQuit),
            Back if !busy => return vec![Effect::Quit],
            _ => {}
        }
        Vec::new()
    }

    /// Opens the wizard on the case's current step, with the goals of its plan in force.
    fn open_wizard(&mut self, id: CaseId, goals: &[Goal]) {
        let Some(case) = self.cases.get(&id) else { return };
        match wizard::Wizard::open(case, self.drafts.get(&id), &self.config, self.now.date(), goals) {
            Some(w) => self.screens.push(Screen::Wizard(Box::new(w))),
            None => self.error(strings::unknown_step(&case.step)),
        }
    }

    /// Quitting: the open plan is saved first (the app waits for queued saves); a form
    /// with unsaved changes is asked about.
    fn quit(&mut self) -> Vec<Effect> {
        if self.unsaved_input() {
            self.popup = Some(Popup::ConfirmQuit);
            return Vec::new();
        }
        let save = if self.plan_dirty() { self.save_plan(None, None) } else { None };
        save.map(Effect::Job).into_iter().chain([Effect::Quit]).collect()
    }

    /// What the export screen shows of the bundle written last.
    fn set_last_bundle(&mut self, last: Result<Option<crate::exports::LastBundle>, String>) {
        if let Some(Screen::Export(shown)) = self.screens.last_mut() {
            *shown = Some(last);
        }
    }

    /// A form with changes that are not saved (the wizard keeps drafts, so it does not count).
    fn unsaved_input(&self) -> bool {
        self.screens.iter().any(|s| match s {
            Screen::Setup(f) => f.is_dirty(),
            Screen::Case(cf) => cf.form.is_dirty(),
            Screen::Consent(c) => c.form.is_dirty(),
            Screen::Plan(e) => e.item_form.as_ref().is_some_and(|f| f.form.is_dirty()),
            Screen::Escalate(e) => e.form.is_dirty(),
            Screen::Escalations(_) | Screen::Export(_) => false,
            Screen::Wizard(_) | Screen::Detail(_) => false,
        })
    }

    /// The parents' copy of everything kept about the child (right of access), made by
    /// the worker from the stored case.
    fn export_access(&mut self) -> Vec<Effect> {
        let Some(Screen::Detail(d)) = self.screens.last() else { return Vec::new() };
        let change =
            Change { case: Some(d.id), at: self.now, who: self.config.user.clone(), kind: ChangeKind::AccessExport };
        vec![Effect::Job(Job::ExportAccess { id: d.id, config: Box::new(self.config.clone()), change })]
    }

    fn form(&self) -> Option<&Form> {
        if let Some(g) = self.active_gate() {
            return g.form();
        }
        match self.screens.last() {
            Some(Screen::Setup(f)) => Some(f),
            Some(Screen::Case(cf)) => Some(&cf.form),
            Some(Screen::Wizard(w)) => Some(&w.form),
            Some(Screen::Consent(c)) => Some(&c.form),
            Some(Screen::Plan(e)) => e.item_form.as_ref().map(|f| &f.form),
            Some(Screen::Escalate(e)) => Some(&e.form),
            _ => None,
        }
    }

    fn form_mut(&mut self) -> Option<&mut Form> {
        if self.active_gate().is_some() {
            return self.gate.as_mut().and_then(Gate::form_mut);
        }
        match self.screens.last_mut() {
            Some(Screen::Setup(f)) => Some(f),
            Some(Screen::Case(cf)) => Some(&mut cf.form),
            Some(Screen::Wizard(w)) => Some(&mut w.form),
            Some(Screen::Consent(c)) => Some(&mut c.form),
            Some(Screen::Plan(e)) => e.item_form.as_mut().map(|f| &mut f.form),
            Some(Screen::Escalate(e)) => Some(&mut e.form),
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
            Some(Screen::Wizard(w)) => {
                let left = w.form.focus;
                if forward {
                    w.form.next()
                } else {
                    w.form.prev()
                }
                w.check_field(left, &self.config, today);
            }
            Some(Screen::Consent(c)) => {
                if forward {
                    c.form.next()
                } else {
                    c.form.prev()
                }
            }
            Some(Screen::Plan(e)) => {
                if let Some(f) = &mut e.item_form {
                    if forward { f.form.next() } else { f.form.prev() }
                }
            }
            Some(Screen::Escalate(e)) => {
                if forward {
                    e.form.next()
                } else {
                    e.form.prev()
                }
            }
            _ => {}
        }
    }

    /// Saves the form on top; in the wizard `complete` completes the step (the button),
    /// else it only records what was typed (Ctrl-S).
    fn save_form(&mut self, complete: bool) -> Vec<Effect> {
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
                    Some(Job::Save { case, change, clear_draft: false })
                }
            },
            Some(Screen::Setup(form)) if !form.saving => setup::submit(form, &config.roles, &config.route).map(|c| {
                form.saving = true;
                Job::SaveConfig(Box::new(c))
            }),
            Some(Screen::Consent(c)) if !c.form.saving => c.submit(config, now).map(|(case, change)| {
                c.form.saving = true;
                Job::Save { case, change, clear_draft: false }
            }),
            Some(Screen::Plan(e)) => {
                let request = e.submit_item(now.date());
                return self.plan_request(request);
            }
            Some(Screen::Escalate(e)) if !e.form.saving => match e.submit(config, now) {
                escalation_form::Submitted::Invalid => None,
                escalation_form::Submitted::Save(case, change) => {
                    e.form.saving = true;
                    Some(Job::Save { case, change, clear_draft: false })
                }
                escalation_form::Submitted::Confirm(case, change, question) => {
                    self.popup = Some(Popup::ConfirmEscalate(case, change, question));
                    return Vec::new();
                }
            },
            Some(Screen::Wizard(w)) if !w.form.saving => {
                let result = if complete { w.complete(config, now) } else { w.record(config, now) };
                match result {
                    wizard::Outcome::Invalid => None,
                    wizard::Outcome::Blocked => {
                        self.status = Some(Status { text: strings::BLOCKED.into(), error: true });
                        return Vec::new();
                    }
                    wizard::Outcome::Save(case, change) => {
                        w.form.saving = true;
                        Some(Job::Save { case, change, clear_draft: true })
                    }
                }
            }
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

    fn error(&mut self, text: String) {
        self.status = Some(Status { text, error: true });
    }

    fn on_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Unlocked(Ok(())) | Reply::KeyCreated(Ok(_)) => {
                self.gate = match reply {
                    Reply::KeyCreated(Ok(code)) => Some(Gate::ShowRecovery(code)),
                    _ => None,
                };
                self.unlocked = true;
                self.last_input = self.now;
                return vec![Effect::Job(Job::LoadCases), Effect::Job(Job::Verify)];
            }
            Reply::Unlocked(Err((wrong, message))) => {
                if let Some(g) = &mut self.gate {
                    g.failed(message, wrong, self.now);
                }
            }
            Reply::KeyCreated(Err(message)) => {
                if let Some(g) = &mut self.gate {
                    g.failed(message, false, self.now);
                }
            }
            Reply::Locked => {}
            Reply::Verified(Ok(_)) => {
                self.verified = true;
                let years = self.config.privacy.retention_years;
                let today = self.now.date();
                let due: Vec<CaseId> =
                    self.cases.values().filter(|c| retention::is_due(c, years, today)).map(|c| c.id).collect();
                if !due.is_empty() && self.popup.is_none() && !self.retention_asked {
                    self.popup = Some(Popup::ConfirmRetention(due));
                }
                self.retention_asked = true;
            }
            Reply::Verified(Err((problem, backup))) => {
                self.cases.clear();
                self.rows.clear();
                self.visible.clear();
                self.unlocked = false;
                self.gate = Some(Gate::Damaged { problem, backup });
            }
            Reply::Restored(Ok(())) => {
                self.gate = Some(Gate::unlock());
                self.status = Some(Status { text: strings::RESTORED_UNLOCK.into(), error: false });
            }
            Reply::Restored(Err(e)) => self.error(e),
            Reply::Deleted(id, Ok(())) => {
                self.cases.remove(&id);
                if matches!(self.screens.last(), Some(Screen::Detail(d)) if d.id == id) {
                    self.screens.pop();
                }
                self.rebuild_rows(None);
                self.status = Some(Status { text: strings::DELETED.into(), error: false });
            }
            Reply::Deleted(_, Err(e)) | Reply::Exported(Err(e)) | Reply::BackedUp(Err(e)) => self.error(e),
            Reply::Exported(Ok(path)) => {
                self.status = Some(Status { text: strings::exported(&path), error: false });
                if let Some(Screen::Detail(d)) = self.screens.last() {
                    return vec![Effect::Job(Job::History(d.id))];
                }
            }
            Reply::BackedUp(Ok(_)) | Reply::DraftSaved(Ok(())) => {}
            Reply::DraftSaved(Err(e)) => self.error(e),
            Reply::PlanGoals(id, Ok(goals)) => {
                if matches!(self.screens.last(), Some(Screen::Detail(d)) if d.id == id) {
                    self.open_wizard(id, &goals);
                }
            }
            Reply::PlanGoals(_, Err(e)) => self.error(e),
            // Decrypted data that arrives after an auto-lock is not kept.
            Reply::Loaded(Ok(_)) | Reply::History(..) if !self.unlocked => {}
            Reply::Loaded(Ok(loaded)) => {
                self.cases = loaded.cases.into_iter().map(|c| (c.id, c)).collect();
                self.drafts = loaded.drafts.into_iter().collect();
                self.loaded = true;
                self.rebuild_rows(None);
                if !loaded.damaged.is_empty() {
                    self.error(strings::damaged_records(loaded.damaged.len()));
                }
                // A case that was open when the app locked gets its history back.
                if let Some(Screen::Detail(d)) = self.screens.last() {
                    return vec![Effect::Job(Job::History(d.id))];
                }
            }
            Reply::Loaded(Err(e)) => self.error(e),
            Reply::Saved(Ok(case)) => {
                let (id, name) = (case.id, case.pupil_name());
                self.cases.insert(id, *case);
                self.rebuild_rows(Some(id));
                if let Some(Screen::Wizard(_)) = self.screens.last() {
                    self.drafts.remove(&id);
                }
                // Ctrl-S in the wizard records without completing: it stays open and says so.
                if let Some(Screen::Wizard(w)) = self.screens.last_mut()
                    && w.recording
                    && w.case.id == id
                    && let Some(saved) = self.cases.get(&id)
                {
                    w.case = saved.clone();
                    w.form.saving = false;
                    w.recording = false;
                    w.refresh(&self.config, self.now.date());
                    self.status = Some(Status { text: strings::recorded_not_completed(&name), error: false });
                    return Vec::new();
                }
                if let Some(Screen::Case(_) | Screen::Wizard(_) | Screen::Consent(_) | Screen::Escalate(_)) =
                    self.screens.last()
                {
                    self.screens.pop();
                }
                // A wizard still open on this case continues from the saved revision.
                if let Some(Screen::Wizard(w)) = self.screens.last_mut()
                    && w.case.id == id
                    && let Some(saved) = self.cases.get(&id)
                {
                    w.case = saved.clone();
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
            Reply::Plan(_, _) if !self.unlocked => {}
            Reply::Plan(id, Ok(book)) => {
                self.status = None;
                if matches!(self.screens.last(), Some(Screen::Detail(d)) if d.id == id) {
                    self.screens.push(Screen::Plan(Box::new(PlanEditor::new(id, *book))));
                    self.plan_saved_at = self.now;
                }
                // The history shows the plan was started.
                return vec![Effect::Job(Job::History(id))];
            }
            Reply::Plan(_, Err(e)) | Reply::PlanSaved(Err(e)) | Reply::PlanPrinted(Err(e)) => self.error(e),
            Reply::PlanSaved(Ok(None)) => {}
            Reply::AgendaWritten(Ok(path)) => {
                self.status = Some(Status { text: strings::agenda_written(&path), error: false });
            }
            Reply::AgendaWritten(Err(e)) | Reply::BundleWritten(Err(e)) => self.error(e),
            Reply::BundleWritten(Ok(w)) => {
                self.status = Some(Status {
                    text: strings::bundle_written(&w.file, w.sequence, w.cases, w.dossiers),
                    error: false,
                });
                let last = crate::exports::LastBundle { file: w.file, sequence: w.sequence, written: Some(self.now) };
                self.set_last_bundle(Ok(Some(last)));
            }
            Reply::LastBundle(last) => self.set_last_bundle(last),
            Reply::PlanSaved(Ok(Some(case))) => {
                let (id, step) = (case.id, case.step.clone());
                self.cases.insert(id, *case);
                self.rebuild_rows(Some(id));
                self.status = Some(Status { text: strings::agreement_recorded(&step), error: false });
            }
            Reply::PlanPrinted(Ok(([pdf, md], missing))) if missing.is_empty() => {
                self.status = Some(Status { text: strings::printed(&pdf, &md), error: false });
            }
            Reply::PlanPrinted(Ok(([pdf, md], missing))) => {
                let text = format!("{} {}", strings::printed(&pdf, &md), strings::unprintable(&missing));
                self.status = Some(Status { text, error: true });
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
