//! A test harness that runs the real model, view and store without a terminal: keys go
//! in through `update`, store jobs run synchronously against real sled in a temp dir,
//! and the screen is read back from ratatui's TestBackend.
#![allow(dead_code)] // each test file uses a different part of the harness

use chrono::{NaiveDate, NaiveDateTime};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tandem::config::Config;
use tandem::domain::demo;
use tandem::paths::Paths;
use tandem::store::Store;
use tandem::store::crypto::KdfParams;
use tandem::ui::gate::Gate;
use tandem::ui::keymap::Keymap;
use tandem::ui::model::{Effect, Model, Msg};
use tandem::ui::theme::Theme;
use tandem::ui::view;
use tandem::ui::worker::{Job, execute};
use tempfile::TempDir;

pub const PASSPHRASE: &str = "correct paard batterij niet";
pub const BIN: &str = env!("CARGO_BIN_EXE_tandem");

/// `tandem ARGS --home HOME` as a script runs it: the passphrase from the environment.
/// (`--home` is global, so it may follow the subcommand.)
pub fn tandem_cli(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .args(args)
        .arg("--home")
        .arg(home)
        .env_remove("TANDEM_HOME")
        .env("TANDEM_PASSPHRASE", PASSPHRASE)
        .output()
        .expect("run tandem")
}

pub fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(10, 0, 0).unwrap()
}

/// `now` as UTC, for what the bundle code dates.
pub fn now_utc() -> chrono::DateTime<chrono::Utc> {
    now().and_utc()
}

pub struct Harness {
    pub model: Model,
    pub store: Store,
    pub paths: Paths,
    pub terminal: Terminal<TestBackend>,
    pub quit: bool,
    /// The store's recovery code (empty before a key was made).
    pub recovery: String,
    _dir: TempDir,
}

impl Harness {
    /// A configured school (the demo config) with `cases` synthetic cases, at `w`×`h`.
    pub fn with_cases(cases: usize, w: u16, h: u16) -> Harness {
        // Keep closed cases inside their retention term: most flows test other things.
        let recent = now().date() - chrono::Days::new(600);
        Harness::with_closures(cases, w, h, |d| d.max(recent))
    }

    /// Every closed case closed `days` ago.
    pub fn closed_days_ago(cases: usize, w: u16, h: u16, days: u64) -> Harness {
        Harness::with_closures(cases, w, h, |_| now().date() - chrono::Days::new(days))
    }

    fn with_closures(cases: usize, w: u16, h: u16, closed: impl Fn(NaiveDate) -> NaiveDate) -> Harness {
        let config = Config::demo().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let mut store = Store::open(&paths.store_dir()).unwrap();
        let recovery = store.create_key(PASSPHRASE.as_bytes(), KdfParams::cheap().unwrap(), "anna", now()).unwrap();
        let mut list = demo::cases(cases, 42, &config.route, &config.team, now().date());
        for case in &mut list {
            case.closed_on = case.closed_on.map(&closed);
        }
        store.insert_new(&list, &config.user, now()).unwrap();
        store.insert_plans(&demo::plans(&list, &config.route, &config.team, &tandem::strings::PLAN_WORDS)).unwrap();
        let mut h = Harness::start(config, false, None, store, paths, dir, w, h);
        h.recovery = recovery.display();
        h
    }

    /// A first start: no config yet, so the set-up screen opens.
    pub fn first_start(w: u16, h: u16) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let route = tandem::config::load_routekaart(&paths).unwrap();
        let store = Store::open(&paths.store_dir()).unwrap();
        Harness::start(Config::unconfigured(route), true, Some(Gate::create()), store, paths, dir, w, h)
    }

    /// A configured store that is locked, as at every normal start.
    pub fn locked(cases: usize, w: u16, h: u16) -> Harness {
        let h0 = Harness::with_cases(cases, w, h);
        let Harness { model, mut store, paths, _dir, recovery, .. } = h0;
        store.lock();
        let mut h = Harness::start(model.config, false, Some(Gate::unlock()), store, paths, _dir, w, h);
        h.recovery = recovery;
        h
    }

    #[allow(clippy::too_many_arguments)]
    fn start(
        config: Config,
        first: bool,
        gate: Option<Gate>,
        store: Store,
        paths: Paths,
        dir: TempDir,
        w: u16,
        h: u16,
    ) -> Harness {
        let keymap = Keymap::new(&config.keys).unwrap();
        let mut model = Model::new(config, keymap, Theme { color: false }, false, first, gate, now());
        let start = model.start(None);
        let mut h = Harness {
            model,
            store,
            paths,
            terminal: Terminal::new(TestBackend::new(w, h)).unwrap(),
            quit: false,
            recovery: String::new(),
            _dir: dir,
        };
        h.send(Msg::Resize(w, h.terminal.backend().buffer().area.height));
        for effect in start {
            if let Effect::Job(job) = effect {
                h.run(job);
            }
        }
        h
    }

    /// Runs a store job as the worker would and feeds its reply to the model.
    pub fn run(&mut self, job: Job) {
        let route = self.model.config.route.clone();
        let reply = execute(&mut self.store, Some(&self.paths), &route, job);
        self.send(Msg::Reply(reply));
    }

    /// Feeds a message and carries out its effects, as the app loop does.
    pub fn send(&mut self, msg: Msg) {
        self.send_at(msg, now());
    }

    /// The same at another moment (for the auto-lock and the unlock delay).
    pub fn send_at(&mut self, msg: Msg, at: NaiveDateTime) {
        for effect in self.model.update(msg, at) {
            match effect {
                Effect::Job(job) => self.run(job),
                Effect::Quit => self.quit = true,
            }
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn keys(&mut self, codes: &[KeyCode]) {
        for &c in codes {
            self.key(c);
        }
    }

    pub fn ctrl(&mut self, c: char) {
        self.send(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
    }

    pub fn shift_tab(&mut self) {
        self.send(Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)));
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.terminal.backend_mut().resize(w, h);
        self.send(Msg::Resize(w, h));
    }

    /// Draws and returns the screen as text, one quoted line per row.
    pub fn screen(&mut self) -> String {
        let model = &self.model;
        self.terminal.draw(|f| view::draw(model, f)).unwrap();
        self.terminal.backend().to_string()
    }

    /// The screen as plain lines (for `contains` checks).
    pub fn text(&mut self) -> String {
        let model = &self.model;
        self.terminal.draw(|f| view::draw(model, f)).unwrap();
        let buf = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    /// Where the terminal cursor is after drawing.
    pub fn cursor(&mut self) -> ratatui::layout::Position {
        self.text();
        self.terminal.get_cursor_position().unwrap()
    }
}

impl Harness {
    /// Opens the detail screen of case `id` from the list.
    pub fn open_case(&mut self, id: tandem::domain::case::CaseId) {
        let row = self.model.visible.iter().position(|&i| self.model.rows[i].id == id).expect("case in the list");
        self.model.list.selected = row;
        self.key(KeyCode::Enter);
    }

    /// The first demo case at `step`.
    pub fn case_at(&self, step: &str) -> tandem::domain::case::CaseId {
        let mut ids: Vec<_> = self.model.cases.values().filter(|c| c.step == step).map(|c| c.id).collect();
        ids.sort();
        ids[0]
    }

    /// The plan in the open editor.
    pub fn editor(&self) -> &tandem::ui::plan_editor::PlanEditor {
        match self.model.screens.last() {
            Some(tandem::ui::model::Screen::Plan(e)) => e,
            other => panic!("no plan editor open: {other:?}"),
        }
    }

    pub fn plan(&self) -> &tandem::domain::plan::Plan {
        self.editor().plan().expect("a plan version")
    }
}

impl Harness {
    /// Trusts a partner with fixed keys (so its fingerprint is the same every run), as
    /// `tandem partner add` does.
    pub fn trust_partner(&self, id: &str, name: &str) -> tandem::store::Partner {
        let partner = tandem::store::Partner {
            id: id.to_string(),
            name: name.to_string(),
            card_name: name.to_string(),
            role: "Wijkteam".to_string(),
            organisation: "gemeente".into(),
            school: self.model.config.school.name.clone(),
            brin: None,
            signing_key: format!("RWtestsleutel{id}"),
            recipient: format!("age1testontvanger{id}"),
            added: now(),
        };
        let kind = tandem::domain::history::ChangeKind::PartnerAdded { member: partner.id.clone() };
        let event = tandem::domain::history::Change::store_event(kind, "anna", now());
        self.store.add_partner(&partner, event).unwrap();
        partner
    }
}
