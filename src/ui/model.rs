//! The one model of the TUI and its update function: a key or a worker reply comes in,
//! the model changes, and the work to do (store jobs, quitting) goes out as effects.
//! Nothing here draws or touches the disk.
//!
//! The model keeps the screen stack, the popups, the data every screen shows and the
//! routing: keys go to the screen on top (see `screen.rs`), a worker reply to the screen
//! that asked for it. The case list under the stack lives in `list.rs`, the gate in
//! `gate.rs`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::action::{Action, Context};
use super::cases::Cases;
use super::form::Form;
use super::gate::Gate;
use super::keymap::{Key, Keymap};
pub use super::screen::Screen;
use super::screen::{Nav, Page};
use super::setup::SetupScreen;
use super::theme::Theme;
use super::worker::{Job, PlanRecord, Reply};
use crate::config::Config;
use crate::domain::case::{Case, CaseId};
use crate::domain::history::{Change, ChangeKind, DeleteReason};
use crate::domain::listing::Row;
use crate::domain::retention;
use crate::domain::route::Draft;
use crate::strings;

pub use super::detail::Detail;
pub use super::list::ListView;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// A plan being typed in is saved this long after the last keystroke at the latest.
pub(super) const PLAN_AUTOSAVE_SECONDS: i64 = 3;

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
    /// Pick a value for the first clash of this case (a digit picks, Esc closes).
    Settle(CaseId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// What changed in the model's data, told to the screen on top (and, after it closed,
/// to the one below) so it can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A case was saved; `on_top` is false for the screen below a form that closed.
    Saved {
        id: CaseId,
        on_top: bool,
    },
    Deleted(CaseId),
    /// The cases were read (again, after unlocking).
    Loaded,
    ConfigSaved,
}

pub struct Model {
    pub config: Config,
    pub keymap: Keymap,
    pub theme: Theme,
    pub demo: bool,
    pub now: NaiveDateTime,
    pub size: (u16, u16),
    pub cases: Cases,
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
    /// Effects raised while handling a message, sent when it is done.
    pending: Vec<Effect>,
    /// The retention question is asked once per start, not after every unlock.
    retention_asked: bool,
    /// When the open plan was last sent to be saved.
    pub(super) plan_saved_at: NaiveDateTime,
    /// The sync with the partners, when `[sync]` is set.
    pub sync: super::sync::SyncLine,
}

/// Moves a selection one up or down within `len` rows.
pub(super) fn step(selected: usize, down: bool, len: usize) -> usize {
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
        let screens =
            if first_start { vec![Screen::Setup(Box::new(SetupScreen::new(&config.roles)))] } else { Vec::new() };
        Model {
            config,
            keymap,
            theme,
            demo,
            now,
            size: (MIN_WIDTH, MIN_HEIGHT),
            cases: Cases::default(),
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
            sync: Default::default(),
        }
    }

    /// The jobs to start with: reading the cases, or unlocking with a passphrase given
    /// by the environment.
    pub fn start(&mut self, passphrase: Option<zeroize::Zeroizing<String>>) -> Vec<Effect> {
        match (&mut self.gate, passphrase) {
            (None, _) => {
                self.start_sync();
                let mut effects = vec![Effect::Job(Job::LoadCases), Effect::Job(Job::Verify)];
                effects.append(&mut self.pending);
                effects
            }
            (Some(Gate::Unlock(u)), Some(p)) => {
                u.form.saving = true;
                vec![Effect::Job(Job::Unlock { passphrase: p, who: self.config.user.clone(), at: self.now })]
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
        let sync = self.syncing().then_some(self.sync.next).flatten();
        lock.into_iter().chain(autosave).chain(sync).min()
    }

    /// Whether this copy syncs with partners now (set up, unlocked).
    fn syncing(&self) -> bool {
        self.config.sync.is_some() && self.unlocked && self.gate.is_none()
    }

    /// Starts a sync on the worker, unless one runs.
    fn start_sync(&mut self) {
        if self.syncing() && !self.sync.running {
            self.sync.started();
            let config = Box::new(self.config.clone());
            self.job(Job::Sync { config, at: self.now });
        }
    }

    /// The partners or the shared folder changed: the partner screen reloads and a sync
    /// runs now (a new partner gets every case it may receive).
    pub(super) fn partners_changed(&mut self) {
        self.job(Job::Partners { config: Box::new(self.config.clone()), at: self.now });
        self.start_sync();
    }

    /// A sync asked for by the user.
    pub(super) fn sync_now(&mut self) {
        match &self.config.sync {
            None => self.error(strings::partners::NEEDS_FOLDER.to_string()),
            Some(_) => self.start_sync(),
        }
    }

    /// A save was made: it goes to the partners shortly.
    fn saved(&mut self) {
        if self.syncing() {
            self.sync.soon(self.now);
        }
    }

    /// How a sync went: new changes reload the list; what came in, or a problem, shows.
    fn on_synced(&mut self, result: Result<Box<crate::sync::Report>, String>) {
        match result {
            Ok(report) => {
                self.sync.finished(self.now, Some(&report));
                if !report.received.is_empty() || report.dropped > 0 {
                    self.job(Job::LoadCases);
                    self.note(strings::synced(&report.lines()));
                }
                if !report.refused.is_empty() {
                    self.error(report.lines().join(" "));
                }
            }
            Err(e) => {
                self.sync.finished(self.now, None);
                self.error(e);
            }
        }
    }

    /// Asks the worker for a job once the message is handled.
    pub fn job(&mut self, job: Job) {
        self.pending.push(Effect::Job(job));
    }

    /// Empties the cases the screens hold; the worker drops them. Freeing 10,000 cases
    /// takes tens of milliseconds, which typing would otherwise wait for.
    fn let_go_of_cases(&mut self) {
        let old = self.cases.take();
        if !old.is_empty() {
            self.job(Job::Discard(old));
        }
    }

    fn plan_dirty(&self) -> bool {
        self.screens.iter().any(|s| matches!(s, Screen::Plan(e) if e.dirty))
    }

    /// The job that writes the open plan (the editor may be below other screens).
    fn save_plan(&mut self) -> Option<Job> {
        let (who, at) = (self.config.user.clone(), self.now);
        let e = self.screens.iter_mut().rev().find_map(|s| match s {
            Screen::Plan(e) => Some(e),
            _ => None,
        })?;
        e.save_job(who, at, None, None)
    }

    /// The open plan's save, if it has changes.
    fn save_dirty_plan(&mut self) -> Option<Job> {
        if self.plan_dirty() { self.save_plan() } else { None }
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
            Some(screen) => screen.page().context(),
            None => self.list_context(),
        }
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    pub fn update(&mut self, msg: Msg, now: NaiveDateTime) -> Vec<Effect> {
        self.now = now;
        match msg {
            Msg::Key(ev) if ev.kind == KeyEventKind::Press => self.on_key(&ev),
            Msg::Key(_) => {}
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.scroll_to_selected();
            }
            Msg::Reply(reply) => self.on_reply(reply),
            Msg::Paste(text) => {
                self.last_input = now;
                self.on_paste(&text);
            }
            Msg::Tick => self.on_tick(),
        }
        std::mem::take(&mut self.pending)
    }

    fn on_tick(&mut self) {
        let lock_at = self.last_input + chrono::Duration::minutes(i64::from(self.config.privacy.lock_minutes));
        if self.unlocked && self.gate.is_none() && self.now >= lock_at {
            return self.lock();
        }
        if self.now >= self.last_input + chrono::Duration::seconds(PLAN_AUTOSAVE_SECONDS)
            && let Some(job) = self.save_dirty_plan()
        {
            self.job(job);
        }
        if self.sync.due(self.now) {
            self.start_sync();
        }
    }

    /// Auto-lock: the key goes, and so does every decrypted case; forms being typed in
    /// stay, so nothing unsaved is lost.
    fn lock(&mut self) {
        // The plan is saved before the key goes; its decrypted text leaves the screen.
        let save = self.save_dirty_plan();
        self.screens.retain_mut(|s| s.page_mut().lock());
        self.let_go_of_cases();
        self.drafts.clear();
        self.rows.clear();
        self.visible.clear();
        self.loaded = false;
        self.unlocked = false;
        self.popup = None;
        self.gate = Some(Gate::unlock());
        self.status = Some(Status { text: strings::LOCKED_NOTE.into(), error: false });
        for job in save.into_iter().chain([Job::Lock]) {
            self.job(job);
        }
    }

    /// Lets the screen on top handle something, off the stack meanwhile, and then does
    /// what it asks. Returns whether it closed.
    pub(super) fn with_top(&mut self, handle: impl FnOnce(&mut dyn Page, &mut Model) -> Nav) -> bool {
        let Some(mut screen) = self.screens.pop() else { return false };
        match handle(screen.page_mut(), self) {
            Nav::Stay => self.screens.push(screen),
            Nav::Push(next) => self.screens.extend([screen, next]),
            Nav::Pop => return true,
            Nav::Quit => {
                self.pending.push(Effect::Quit);
                return true;
            }
        }
        false
    }

    fn on_key(&mut self, ev: &KeyEvent) {
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
        if let Some(Popup::Settle(id)) = self.popup {
            return self.on_settle(id, &key);
        }
        let mut asked = false;
        self.with_top(|page, m| match page.on_question(m, &key) {
            Some(nav) => {
                asked = true;
                nav
            }
            None => Nav::Stay,
        });
        if asked {
            return;
        }
        let context = self.context();
        let action =
            if context.takes_text() && key.typed_char().is_some() { None } else { self.keymap.action(context, &key) };
        match action {
            Some(action) => self.on_action(context, action),
            None => self.on_typing(context, &key, ev),
        }
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
        if self.active_gate().is_some() {
            if let Some(form) = self.form_mut() {
                form.paste(&text.replace('\n', " "));
            }
            return;
        }
        self.with_top(|page, m| {
            page.on_paste(m, &text);
            Nav::Stay
        });
    }

    /// A digit picks that value of the case's first clash; anything else closes.
    fn on_settle(&mut self, id: CaseId, key: &Key) {
        self.popup = None;
        let KeyCode::Char(c @ '1'..='9') = key.code else { return };
        let Some(clash) = self.cases.get(&id).and_then(|c| c.copy.clashes.first()).cloned() else { return };
        // A signed plan version can only be kept; a change belongs in a new version.
        let pick = c as usize - '1' as usize;
        if strings::frozen_clash(&clash) && pick > 0 {
            return;
        }
        let Some(value) = clash.values.get(pick).cloned() else { return };
        let kind = ChangeKind::ClashSettled { part: clash.part, path: clash.path.clone() };
        let change = Change { case: Some(id), at: self.now, who: self.config.user.clone(), kind };
        self.job(Job::Settle { id, clash: Box::new(clash), value, change });
    }

    fn on_confirm(&mut self, key: &Key) {
        // Only discarding a form may be confirmed with Enter; deleting needs a deliberate j.
        let discard = self.popup == Some(Popup::ConfirmDiscard);
        match key.code {
            KeyCode::Char('j' | 'J') | KeyCode::Enter if discard || key.code != KeyCode::Enter => {
                match self.popup.take() {
                    Some(Popup::ConfirmDiscard) => {
                        self.with_top(|page, _| page.discard());
                    }
                    Some(Popup::ConfirmDelete(id)) => self.delete(id, DeleteReason::Request),
                    Some(Popup::ConfirmRetention(ids)) => {
                        for id in ids {
                            self.delete(id, DeleteReason::Retention);
                        }
                    }
                    Some(Popup::ConfirmQuit) => self.pending.push(Effect::Quit),
                    Some(Popup::ConfirmEscalate(case, change, _)) => {
                        if let Some(form) = self.form_mut() {
                            form.saving = true;
                        }
                        self.job(Job::Save { case, change, clear_draft: false });
                    }
                    _ => {}
                }
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => self.popup = None,
            _ => {}
        }
    }

    fn delete(&mut self, id: CaseId, reason: DeleteReason) {
        let change = Change {
            case: Some(id),
            at: self.now,
            who: self.config.user.clone(),
            kind: ChangeKind::Deleted { reason },
        };
        self.job(Job::Delete { id, change });
    }

    /// A key that is no action: typed text goes to the filter, the gate's form or the
    /// screen on top.
    fn on_typing(&mut self, context: Context, key: &Key, ev: &KeyEvent) {
        if context == Context::Gate {
            if let Some(form) = self.form_mut() {
                form.edit(key);
            }
        } else if self.screens.is_empty() {
            self.on_list_typing(context, key);
        } else if self.active_gate().is_none() {
            self.with_top(|page, m| page.on_typing(m, context, key, ev));
        }
    }

    /// What the model does itself (help, quitting, the gate); the rest goes to the list
    /// or the screen on top.
    fn on_action(&mut self, context: Context, action: Action) {
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
            (Context::TooSmall, Quit | Interrupt) => self.pending.push(Effect::Quit),
            (_, Quit | Interrupt) => self.quit(),
            (Context::Notice, Submit) => match &self.gate {
                Some(Gate::ShowRecovery(_)) => self.gate = None,
                Some(Gate::Damaged { backup: Some(b), .. }) => {
                    self.job(Job::Restore { file: b.path.clone(), at: self.now });
                }
                _ => {}
            },
            (Context::Gate, _) => self.on_gate_action(action),
            (Context::Notice | Context::TooSmall, _) => {}
            _ if self.screens.is_empty() => self.on_list_action(context, action),
            _ => {
                self.with_top(|page, m| page.on_action(m, context, action));
            }
        }
    }

    /// Quitting: the open plan is saved first (the app waits for queued saves); a form
    /// with unsaved changes is asked about.
    fn quit(&mut self) {
        if self.unsaved_input() {
            self.popup = Some(Popup::ConfirmQuit);
            return;
        }
        if let Some(job) = self.save_dirty_plan() {
            self.job(job);
        }
        self.pending.push(Effect::Quit);
    }

    /// Quits without asking.
    pub(super) fn quit_now(&mut self) {
        self.pending.push(Effect::Quit);
    }

    /// A form with changes that are not saved (the wizard keeps drafts, so it does not count).
    pub(super) fn unsaved_input(&self) -> bool {
        self.screens.iter().any(|s| s.page().unsaved())
    }

    fn form_mut(&mut self) -> Option<&mut Form> {
        if self.active_gate().is_some() {
            return self.gate.as_mut().and_then(Gate::form_mut);
        }
        self.screens.last_mut().and_then(|s| s.page_mut().form_mut())
    }

    pub(super) fn error(&mut self, text: String) {
        self.status = Some(Status { text, error: true });
    }

    pub(super) fn note(&mut self, text: String) {
        self.status = Some(Status { text, error: false });
    }

    /// Tells the screen on top what changed; when it closes, the one below hears it too.
    fn notify(&mut self, notice: Notice) {
        if self.with_top(|page, m| page.on_notice(m, notice))
            && let Notice::Saved { id, .. } = notice
        {
            self.with_top(|page, m| page.on_notice(m, Notice::Saved { id, on_top: false }));
        }
    }

    /// The routing table of worker replies: the session's, the data's, and those a
    /// screen asked for, which go to the screen on top.
    fn on_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Discarded => {}
            Reply::Unlocked(_) | Reply::KeyCreated(_) | Reply::Locked | Reply::Verified(_) | Reply::Restored(_) => {
                self.on_session_reply(reply)
            }
            Reply::Loaded(_)
            | Reply::Saved(_)
            | Reply::Deleted(..)
            | Reply::ConfigSaved(_)
            | Reply::DraftSaved(_)
            | Reply::BackedUp(_)
            | Reply::PlanSaved(_) => self.on_data_reply(reply),
            Reply::Synced(result) => self.on_synced(result),
            reply => self.on_screen_reply(reply),
        }
    }

    fn on_session_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Unlocked(Ok(())) | Reply::KeyCreated(Ok(_)) => {
                self.gate = match reply {
                    Reply::KeyCreated(Ok(code)) => Some(Gate::ShowRecovery(code)),
                    _ => None,
                };
                self.unlocked = true;
                self.last_input = self.now;
                self.job(Job::LoadCases);
                self.job(Job::Verify);
                // Queued before any save can be: from here on saves keep merge documents.
                self.start_sync();
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
                self.let_go_of_cases();
                self.rows.clear();
                self.visible.clear();
                self.unlocked = false;
                self.gate = Some(Gate::Damaged { problem, backup });
            }
            Reply::Restored(Ok(())) => {
                self.gate = Some(Gate::unlock());
                self.note(strings::RESTORED_UNLOCK.into());
            }
            Reply::Restored(Err(e)) => self.error(e),
            _ => {}
        }
    }

    fn on_data_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Deleted(id, Ok(())) => {
                self.cases.remove(&id);
                self.notify(Notice::Deleted(id));
                self.rebuild_rows(None);
                self.note(strings::DELETED.into());
            }
            Reply::Deleted(_, Err(e)) | Reply::BackedUp(Err(e)) | Reply::DraftSaved(Err(e)) => self.error(e),
            Reply::PlanSaved(Err(e)) | Reply::Loaded(Err(e)) => self.error(e),
            // Decrypted data that arrives after an auto-lock is not kept.
            Reply::Loaded(Ok(_)) if !self.unlocked => {}
            Reply::Loaded(Ok(loaded)) => {
                self.let_go_of_cases();
                self.cases = Cases::from_loaded(loaded.cases);
                self.drafts = loaded.drafts.into_iter().collect();
                self.loaded = true;
                self.rebuild_rows(None);
                if !loaded.damaged.is_empty() {
                    self.error(strings::damaged_records(loaded.damaged.len()));
                }
                self.notify(Notice::Loaded);
            }
            Reply::Saved(Ok(case)) => {
                self.saved();
                let (id, name) = (case.id, strings::pupil(&case));
                self.cases.insert(*case);
                self.rebuild_rows(Some(id));
                self.note(strings::saved(&name));
                self.notify(Notice::Saved { id, on_top: true });
            }
            Reply::Saved(Err(e)) | Reply::ConfigSaved(Err(e)) => {
                if let Some(form) = self.form_mut() {
                    form.saving = false;
                }
                self.error(e);
            }
            Reply::ConfigSaved(Ok(config)) => {
                self.config = *config;
                self.rebuild_rows(None);
                self.notify(Notice::ConfigSaved);
            }
            Reply::PlanSaved(Ok(record)) => {
                self.saved();
                if let Some(PlanRecord { case, agreement }) = record {
                    let (id, step) = (case.id, case.step.clone());
                    self.cases.insert(*case);
                    self.rebuild_rows(Some(id));
                    if agreement {
                        self.note(strings::agreement_recorded(&step));
                    }
                }
            }
            _ => {}
        }
    }

    /// Replies a screen asked for: what every screen shows of them (the status line) is
    /// done here, the rest by the screen on top.
    fn on_screen_reply(&mut self, reply: Reply) {
        match reply {
            Reply::History(..) | Reply::Plan(..) if !self.unlocked => return,
            Reply::PlanGoals(_, Err(e))
            | Reply::Plan(_, Err(e))
            | Reply::PlanPrinted(Err(e))
            | Reply::Exported(Err(e))
            | Reply::AgendaWritten(Err(e))
            | Reply::BundleWritten(Err(e)) => return self.error(e),
            Reply::Exported(Ok(ref path)) => self.note(strings::exported(path)),
            Reply::AgendaWritten(Ok(path)) => return self.note(strings::agenda_written(&path)),
            Reply::Plan(id, Ok(_)) => {
                self.status = None;
                // The history shows the plan was started.
                self.job(Job::History(id));
            }
            Reply::BundleWritten(Ok(ref w)) => {
                self.note(strings::bundle_written(&w.file, w.sequence, w.cases, w.dossiers));
            }
            Reply::PlanPrinted(Ok(([pdf, md], missing))) => {
                let text = strings::printed(&pdf, &md);
                return if missing.is_empty() {
                    self.note(text)
                } else {
                    self.error(format!("{text} {}", strings::unprintable(&missing)))
                };
            }
            _ => {}
        }
        self.with_top(|page, m| page.on_reply(m, reply));
    }
}
