//! The main loop: one input thread, one worker thread, one channel. The screen is
//! redrawn only after something happened, and a burst of input becomes one frame.

use std::sync::mpsc;

use crossterm::event::{self, Event};

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
}

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

pub fn run(launch: Launch) -> std::io::Result<()> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let mut worker = Worker::spawn(launch.store, launch.paths, tx.clone(), Msg::Reply);
    worker.send(Job::LoadCases);

    let mut model = Model::new(launch.config, launch.keymap, Theme::from_env(), launch.demo, launch.first_start, now());
    let mut terminal = ratatui::try_init()?;
    let size = terminal.size()?;
    model.size = (size.width, size.height);

    // The input thread ends with the process; it holds only a sender.
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            let msg = match ev {
                Event::Key(k) => Msg::Key(k),
                Event::Resize(w, h) => Msg::Resize(w, h),
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
            let Ok(first) = rx.recv() else { return Ok(()) };
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
    // Queued saves finish before the terminal is handed back.
    worker.shutdown();
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
