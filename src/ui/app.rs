//! The main loop: one input thread, one worker thread, one channel. The screen is
//! redrawn only after something happened, and a burst of input becomes one frame.

use std::sync::mpsc;

use crossterm::event::{self, Event};

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

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

pub fn run(launch: Launch) -> std::io::Result<()> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let route = launch.config.route.clone();
    let mut worker = Worker::spawn(launch.store, launch.paths, route, tx.clone(), Msg::Reply);
    let theme = Theme::from_env();
    let mut model =
        Model::new(launch.config, launch.keymap, theme, launch.demo, launch.first_start, launch.gate, now());
    for effect in model.start(launch.passphrase) {
        if let Effect::Job(job) = effect {
            worker.send(job);
        }
    }
    let mut terminal = ratatui::try_init()?;
    // Pasted text then arrives as one event, so a paste never triggers shortcuts.
    crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste)?;
    let size = terminal.size()?;
    model.size = (size.width, size.height);

    // The input thread ends with the process; it holds only a sender.
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            let msg = match ev {
                Event::Key(k) => Msg::Key(k),
                Event::Resize(w, h) => Msg::Resize(w, h),
                Event::Paste(text) => Msg::Paste(text),
                _ => continue,
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    });

    let result = (|| {
        loop {
            terminal.draw(|f| view::draw(&model, f))?;
            // Sleep until input, a worker reply, or the auto-lock moment; no idle ticking.
            let first = match model.deadline() {
                Some(deadline) => {
                    let wait = (deadline - now()).to_std().unwrap_or_default();
                    match rx.recv_timeout(wait) {
                        Ok(msg) => msg,
                        Err(mpsc::RecvTimeoutError::Timeout) => Msg::Tick,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
                    }
                }
                None => match rx.recv() {
                    Ok(msg) => msg,
                    Err(_) => return Ok(()),
                },
            };
            let mut quit = apply(&mut model, &worker, first);
            // Take everything already waiting before drawing again.
            while !quit && let Ok(msg) = rx.try_recv() {
                quit = apply(&mut model, &worker, msg);
            }
            if quit {
                return Ok(());
            }
        }
    })();
    // A clean close of a sound store leaves a backup; queued saves finish first.
    if model.verified && model.unlocked && !model.demo {
        worker.send(Job::Backup { at: now(), keep: model.config.privacy.backups });
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
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    result
}

fn apply(model: &mut Model, worker: &Worker, msg: Msg) -> bool {
    let mut quit = false;
    for effect in model.update(msg, now()) {
        match effect {
            Effect::Job(job) => worker.send(job),
            Effect::Quit => quit = true,
        }
    }
    quit
}
