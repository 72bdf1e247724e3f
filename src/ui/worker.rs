//! The store thread: all disk work happens here, so the UI never waits on it. Jobs run
//! one after another in the order sent; `Shutdown` is answered only after every earlier
//! job, so quitting never loses a save that was under way.

use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;

use crate::config::Config;
use crate::domain::case::{Case, CaseId};
use crate::domain::history::Change;
use crate::paths::Paths;
use crate::store::{Loaded, Store};

#[derive(Debug)]
pub enum Job {
    LoadCases,
    Save { case: Box<Case>, change: Change },
    History(CaseId),
    SaveConfig(Box<Config>),
}

#[derive(Debug)]
pub enum Reply {
    Loaded(Result<Loaded, String>),
    Saved(Result<Box<Case>, String>),
    History(CaseId, Result<Vec<Change>, String>),
    ConfigSaved(Result<Box<Config>, String>),
}

pub struct Worker {
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread; replies go to `reply` wrapped by `wrap`. `paths` is None in the
    /// demo, which writes no config.
    pub fn spawn<M: Send + 'static>(
        store: Store,
        paths: Option<Paths>,
        reply: Sender<M>,
        wrap: fn(Reply) -> M,
    ) -> Worker {
        let (jobs, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || run(store, paths, rx, reply, wrap));
        Worker { jobs: Some(jobs), thread: Some(thread) }
    }

    pub fn send(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            // A closed channel means the thread ended; its last reply already said why.
            let _ = jobs.send(job);
        }
    }

    /// Finishes every queued job, then closes the store (releasing its lock).
    pub fn shutdown(&mut self) {
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run<M>(store: Store, paths: Option<Paths>, jobs: Receiver<Job>, reply: Sender<M>, wrap: fn(Reply) -> M) {
    for job in jobs {
        let answer = execute(&store, paths.as_ref(), job);
        // Keep working when the UI has gone: queued saves must still reach the disk.
        let _ = reply.send(wrap(answer));
    }
}

/// Does one job and says how it went. Public so tests can run jobs synchronously.
pub fn execute(store: &Store, paths: Option<&Paths>, job: Job) -> Reply {
    match job {
        Job::LoadCases => Reply::Loaded(store.load_cases().map_err(|e| e.to_string())),
        Job::Save { case, change } => Reply::Saved(store.save(&case, &change).map(Box::new).map_err(|e| e.to_string())),
        Job::History(id) => Reply::History(id, store.history(id).map_err(|e| e.to_string())),
        Job::SaveConfig(config) => Reply::ConfigSaved(match paths {
            Some(paths) => config.save(paths).map(|()| config).map_err(|e| e.to_string()),
            None => Ok(config),
        }),
    }
}
