//! The main loop: one input thread, one channel, and the program it runs (the TUI's
//! model with its worker thread, or the SWV dashboard). The screen is redrawn only after
//! something happened, and a burst of input becomes one frame.

use std::sync::mpsc::{self, Receiver, Sender};

use chrono::NaiveDateTime;
use crossterm::event::{self, Event, KeyEvent};
use ratatui::Frame;

use super::gate::Gate;
use super::keymap::Keymap;
use super::model::{Effect, Model, Msg};
use super::theme::Theme;
use super::view;
use super::worker::{Job, Worker};
use crate::config::Config;
use crate::paths::Paths;
use crate::store::Store;

pub struct Launch {
    pub config: Config,
    pub keymap: Keymap,
    pub store: Store,
    /// Where set-up writes the config; None for the demo, which writes nothing.
    pub paths: Option<Paths>,
    pub first_start: bool,
    pub demo: bool,
    /// What must happen before the cases can be read (None: the store is unlocked).
    pub gate: Option<Gate>,
    /// A passphrase from the environment, tried at once.
    pub passphrase: Option<zeroize::Zeroizing<String>>,
}

/// What the terminal and the clock bring, whatever the program.
#[derive(Debug)]
pub enum Input {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// The program's deadline passed without input.
    Tick,
}

/// What the loop runs.
pub trait Program {
    /// Everything that reaches the program through the channel.
    type Msg: Send + 'static;
    fn wrap(input: Input) -> Self::Msg;
    /// Handles one message; true to quit.
    fn handle(&mut self, msg: Self::Msg, now: NaiveDateTime) -> bool;
    fn draw(&self, frame: &mut Frame);
    /// When to wake up without input.
    fn deadline(&self) -> Option<NaiveDateTime>;
}

pub fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// The TUI: the model, and the worker that does its store jobs.
struct Tui {
    model: Model,
    worker: Worker,
}

impl Program for Tui {
    type Msg = Msg;

    fn wrap(input: Input) -> Msg {
        match input {
            Input::Key(k) => Msg::Key(k),
            Input::Resize(w, h) => Msg::Resize(w, h),
            Input::Paste(text) => Msg::Paste(text),
            Input::Tick => Msg::Tick,
        }
    }

    fn handle(&mut self, msg: Msg, now: NaiveDateTime) -> bool {
        let mut quit = false;
        for effect in self.model.update(msg, now) {
            match effect {
                Effect::Job(job) => self.worker.send(job),
                Effect::Quit => quit = true,
            }
        }
        quit
    }

    fn draw(&self, frame: &mut Frame) {
        view::draw(&self.model, frame)
    }

    fn deadline(&self) -> Option<NaiveDateTime> {
        self.model.deadline()
    }
}

pub fn run(launch: Launch) -> std::io::Result<()> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let route = launch.config.route.clone();
    let worker = Worker::spawn(launch.store, launch.paths, route, tx.clone(), Msg::Reply);
    let theme = Theme::from_env();
    let mut model =
        Model::new(launch.config, launch.keymap, theme, launch.demo, launch.first_start, launch.gate, now());
    for effect in model.start(launch.passphrase) {
        if let Effect::Job(job) = effect {
            worker.send(job);
        }
    }
    let mut tui = Tui { model, worker };
    let result = event_loop(&mut tui, tx, &rx);
    let Tui { model, mut worker } = tui;
    // A clean close of a sound store leaves a backup; queued saves finish first.
    let backup = (model.verified && model.unlocked && !model.demo)
        .then(|| Job::Backup { at: now(), keep: model.config.privacy.backups });
    // The screens' cases go first: the backup reads the whole store, the session's peak.
    drop(model);
    if let Some(job) = backup {
        worker.send(job);
    }
    worker.shutdown();
    while let Ok(msg) = rx.try_recv() {
        if let Msg::Reply(super::worker::Reply::BackedUp(result)) = msg {
            match result {
                Ok(path) => tracing::info!(file = %path.display(), "backup written"),
                Err(e) => tracing::error!("backup failed: {e}"),
            }
        }
    }
    result
}

/// Runs `program` in the terminal until it quits; `tx` also feeds the input thread.
pub fn event_loop<P: Program + 'static>(
    program: &mut P,
    tx: Sender<P::Msg>,
    rx: &Receiver<P::Msg>,
) -> std::io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    // Pasted text then arrives as one event, so a paste never triggers shortcuts.
    crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste)?;
    let size = terminal.size()?;
    program.handle(P::wrap(Input::Resize(size.width, size.height)), now());

    // The input thread ends with the process; it holds only a sender.
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            let input = match ev {
                Event::Key(k) => Input::Key(k),
                Event::Resize(w, h) => Input::Resize(w, h),
                Event::Paste(text) => Input::Paste(text),
                _ => continue,
            };
            if tx.send(P::wrap(input)).is_err() {
                break;
            }
        }
    });

    let result = (|| {
        loop {
            terminal.draw(|f| program.draw(f))?;
            // Sleep until input, a reply, or the program's deadline; no idle ticking.
            let first = match program.deadline() {
                Some(deadline) => {
                    let wait = (deadline - now()).to_std().unwrap_or_default();
                    match rx.recv_timeout(wait) {
                        Ok(msg) => msg,
                        Err(mpsc::RecvTimeoutError::Timeout) => P::wrap(Input::Tick),
                        Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
                    }
                }
                None => match rx.recv() {
                    Ok(msg) => msg,
                    Err(_) => return Ok(()),
                },
            };
            let mut quit = program.handle(first, now());
            // Take everything already waiting before drawing again.
            while !quit && let Ok(msg) = rx.try_recv() {
                quit = program.handle(msg, now());
            }
            if quit {
                return Ok(());
            }
        }
    })();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    result
}
