//! The store thread: all disk work happens here, so the UI never waits on it (Argon2 for
//! unlocking takes about half a second by design). Jobs run one after another in the
//! order sent; shutting down waits for every queued job, so quitting never loses a save.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;

use chrono::NaiveDateTime;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::domain::case::{Case, CaseId};
use crate::domain::history::{Change, ChangeKind};
use crate::domain::plan::{self, Goal, Plan, PlanBook};
use crate::domain::route::{Draft, Routekaart};
use crate::paths::Paths;
use crate::store::crypto::{KDF_TARGET, KdfParams, RecoveryKey};
use crate::store::{Backup, Loaded, Store, StoreError, Verified, newest_good_backup};
use crate::strings;

#[derive(Debug)]
pub enum Job {
    /// Unlock; an older store then gets this member's keys (`who` and `at` date their audit entry).
    Unlock {
        passphrase: Zeroizing<String>,
        who: String,
        at: NaiveDateTime,
    },
    /// A forgotten passphrase: unlock with the recovery key, then set a new passphrase.
    Recover {
        code: Zeroizing<String>,
        passphrase: Zeroizing<String>,
        who: String,
        at: NaiveDateTime,
    },
    CreateKey {
        passphrase: Zeroizing<String>,
        who: String,
        at: NaiveDateTime,
    },
    /// Forget the key (auto-lock).
    Lock,
    /// Cases the screens no longer hold, to be dropped here rather than on their thread.
    Discard(Vec<Case>),
    Verify,
    /// The screens get light copies (`Case::lighten`).
    LoadCases,
    Save {
        case: Box<Case>,
        change: Change,
        /// The step being typed was completed or saved: its draft goes.
        clear_draft: bool,
    },
    SaveDraft {
        id: CaseId,
        draft: Draft,
    },
    History(CaseId),
    /// The goals of the plan in force, for an evaluation per goal (nothing is started).
    PlanGoals(CaseId),
    Delete {
        id: CaseId,
        change: Change,
    },
    /// Write the parents' copy (right of access) and log that it was made.
    /// Made from the stored case, which holds everything (the screens hold light copies).
    ExportAccess {
        id: CaseId,
        config: Box<Config>,
        change: Change,
    },
    /// Load the case's plan; without one, start version 1 pre-filled from the stored
    /// case and log it.
    OpenPlan {
        id: CaseId,
        config: Box<Config>,
        who: String,
        at: NaiveDateTime,
    },
    /// Autosaves carry no change; signing and new versions do.
    SavePlan {
        id: CaseId,
        book: Box<PlanBook>,
        change: Option<Change>,
    },
    /// Write the newest version as PDF and Markdown and log it.
    PrintPlan {
        id: CaseId,
        config: Box<Config>,
        change: Change,
    },
    /// Write a bundle for the SWV into the sync folder.
    ExportBundle {
        config: Box<Config>,
        at: NaiveDateTime,
    },
    /// Which bundle was written last, and when (for the export screen).
    LastBundle(Box<Config>),
    /// Write the E3 agenda (no child named) into the exports folder.
    WriteAgenda {
        text: String,
        at: NaiveDateTime,
    },
    /// This member's own card (its keys made on first need) and the trusted partners.
    Partners {
        config: Box<Config>,
        at: NaiveDateTime,
    },
    /// Write this member's card to `file`, to send to a partner.
    SaveCard {
        file: PathBuf,
        config: Box<Config>,
        at: NaiveDateTime,
    },
    /// Read a partner's card file and check it may be trusted here.
    ReadCard {
        file: PathBuf,
        config: Box<Config>,
        at: NaiveDateTime,
    },
    /// Trust the card (its fingerprint was confirmed), logged.
    TrustPartner {
        card: Box<crate::partners::Card>,
        name: String,
        who: String,
        at: NaiveDateTime,
    },
    /// End the trust in partner `id`, logged.
    RemovePartner {
        id: String,
        who: String,
        at: NaiveDateTime,
    },
    /// Sync with the partners through the folder (`[sync]`); the first one also makes
    /// every later save keep the merge documents.
    Sync {
        config: Box<Config>,
        at: NaiveDateTime,
    },
    /// Pick `value` (JSON text) for a clash of case `id`, logged.
    Settle {
        id: CaseId,
        clash: Box<crate::domain::share::Clash>,
        value: String,
        change: Change,
    },
    /// Write `config.toml`; a sync folder is made (when its parent exists) and checked
    /// to be writable first.
    SaveConfig(Box<Config>),
    Backup {
        at: NaiveDateTime,
        keep: usize,
    },
    Restore {
        file: PathBuf,
        at: NaiveDateTime,
    },
}

#[derive(Debug)]
pub enum Reply {
    /// `Err((wrong, message))`: `wrong` when the passphrase or code did not fit.
    Unlocked(Result<(), (bool, String)>),
    /// The recovery key to show once.
    KeyCreated(Result<String, String>),
    /// On failure: the problem and the newest backup whose checksum holds.
    Verified(Result<Verified, (String, Option<Backup>)>),
    /// A backup was restored; the store is locked again.
    Restored(Result<(), String>),
    Loaded(Result<Loaded, String>),
    Saved(Result<Box<Case>, String>),
    History(CaseId, Result<Vec<Change>, String>),
    PlanGoals(CaseId, Result<Vec<Goal>, String>),
    Deleted(CaseId, Result<(), String>),
    Exported(Result<PathBuf, String>),
    ConfigSaved(Result<Box<Config>, String>),
    Plan(CaseId, Result<Box<PlanBook>, String>),
    /// With the case record when the save changed it.
    PlanSaved(Result<Option<PlanRecord>, String>),
    /// The PDF and the Markdown, and the characters the PDF could not print.
    PlanPrinted(Result<([PathBuf; 2], Vec<char>), String>),
    AgendaWritten(Result<PathBuf, String>),
    BundleWritten(Result<crate::exports::BundleWritten, String>),
    LastBundle(Result<Option<crate::exports::LastBundle>, String>),
    BackedUp(Result<PathBuf, String>),
    Partners(Result<Box<crate::partners::Overview>, String>),
    /// Where the own card was written, and its fingerprint.
    CardSaved(Result<(PathBuf, String), String>),
    CardRead(Result<Box<crate::partners::Card>, String>),
    PartnerAdded(Result<Box<crate::store::Partner>, String>),
    PartnerRemoved(Result<Box<crate::store::Partner>, String>),
    DraftSaved(Result<(), String>),
    Synced(Result<Box<crate::sync::Report>, String>),
    Locked,
    Discarded,
}

pub struct Worker {
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread; replies go to `reply` wrapped by `wrap`. `paths` is None in the
    /// demo, which writes nothing outside its throwaway store. The routekaart in force
    /// (fixed for the run) says which recorded dates the light copies keep.
    pub fn spawn<M: Send + 'static>(
        store: Store,
        paths: Option<Paths>,
        route: Routekaart,
        reply: Sender<M>,
        wrap: fn(Reply) -> M,
    ) -> Worker {
        let (jobs, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || run(store, paths, route, rx, reply, wrap));
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

fn run<M>(
    mut store: Store,
    paths: Option<Paths>,
    route: Routekaart,
    jobs: Receiver<Job>,
    reply: Sender<M>,
    wrap: fn(Reply) -> M,
) {
    for job in jobs {
        let answer = execute(&mut store, paths.as_ref(), &route, job);
        let synced = matches!(answer, Reply::Synced(Ok(_)));
        // Keep working when the UI has gone: queued saves must still reach the disk.
        let _ = reply.send(wrap(answer));
        // Once the list has what the sync brought.
        if synced && let Err(e) = crate::sync::tidy(&store) {
            tracing::warn!("sync logs not tidied (tried again after the next sync): {e}");
        }
    }
}

fn save_config(paths: Option<&Paths>, config: Box<Config>) -> Result<Box<Config>, String> {
    if let Some(s) = &config.sync {
        crate::sync::prepare_folder(&s.folder).map_err(|e| e.to_string())?;
    }
    match paths {
        Some(paths) => config.save(paths).map(|()| config).map_err(|e| e.to_string()),
        None => Ok(config),
    }
}

fn text(e: StoreError) -> String {
    e.to_string()
}

fn open_plan(
    store: &Store,
    id: CaseId,
    config: &Config,
    who: String,
    at: NaiveDateTime,
) -> Result<Box<PlanBook>, StoreError> {
    if let Some(book) = store.plan(id)? {
        return Ok(Box::new(book));
    }
    let case = store.case(id)?.ok_or(StoreError::Conflict)?;
    let cx = plan::Context { case: &case, route: &config.route, team: &config.team };
    let book = PlanBook {
        versions: vec![Plan::prefilled(&cx, &strings::PLAN_WORDS, at.date())],
        heads: Vec::new(),
        session: String::new(),
    };
    let change = Change { case: Some(id), at, who, kind: ChangeKind::PlanStarted { version: 1 } };
    store.save_plan(id, &book, Some(&change))?;
    Ok(Box::new(book))
}

/// The case record as a plan save left it (lightened for the screens).
#[derive(Debug)]
pub struct PlanRecord {
    pub case: Box<Case>,
    /// Signing recorded the parents' agreement in the plan step.
    pub agreement: bool,
}

/// Saves the plan; a signature that freezes a version also records the parents'
/// agreement in the plan step. Returns the case record when the save changed it (that,
/// or a clash in the plan settled by writing over it).
fn save_plan(
    store: &Store,
    route: &Routekaart,
    id: CaseId,
    book: &PlanBook,
    change: Option<Change>,
) -> Result<Option<PlanRecord>, StoreError> {
    let light = |mut case: Case| {
        case.lighten(route);
        Box::new(case)
    };
    let settled = store.save_plan(id, book, change.as_ref())?.map(|c| PlanRecord { case: light(c), agreement: false });
    let Some(change @ Change { kind: ChangeKind::PlanSigned { .. }, .. }) = change else { return Ok(settled) };
    let Some(mut case) = store.case(id)? else { return Ok(settled) };
    if !plan::record_agreement(&mut case, route, change.at.date()) {
        return Ok(settled);
    }
    let recorded = Change { kind: ChangeKind::StepRecorded { step: case.step.clone() }, ..change };
    let saved = store.save(&case, &recorded)?;
    Ok(Some(PlanRecord { case: light(saved), agreement: true }))
}

/// The full check, and that the store is not older than its newest backup; on a
/// problem, the newest good backup to offer.
fn verify(store: &Store, paths: Option<&Paths>) -> Result<Verified, (String, Option<Backup>)> {
    let backups = paths.map(Paths::backup_dir);
    store
        .verify()
        .and_then(|v| backups.as_deref().map_or(Ok(()), |dir| store.check_backups(dir)).map(|()| v))
        .map_err(|e| (e.to_string(), backups.as_deref().and_then(newest_good_backup)))
}

/// Does one job and says how it went. Public so tests can run jobs synchronously.
/// Saves a case (and drops its draft, when the step was completed); the reply holds the
/// case as the list keeps it.
fn save_case(
    store: &mut Store,
    route: &Routekaart,
    case: &Case,
    change: &Change,
    clear_draft: bool,
) -> Result<Box<Case>, String> {
    store
        .save(case, change)
        .and_then(|saved| if clear_draft { store.delete_draft(saved.id).map(|()| saved) } else { Ok(saved) })
        .map(|mut saved| {
            saved.lighten(route);
            Box::new(saved)
        })
        .map_err(text)
}

/// The goals of the plan in force (none without one).
fn plan_goals(store: &Store, id: CaseId) -> Result<Vec<Goal>, String> {
    store.plan(id).map(|b| b.and_then(|b| b.in_force().map(|p| p.goals.clone())).unwrap_or_default()).map_err(text)
}

/// Deletes a case; the parents' copies on this computer go with it.
fn delete(store: &mut Store, paths: Option<&Paths>, id: CaseId, change: Change) -> Result<(), String> {
    store.delete_case(id, change).map_err(text).and_then(|()| match paths {
        Some(p) => crate::exports::remove_copies(&crate::exports::dir(Some(p)), id)
            .map_err(|error| text(StoreError::Io { dir: p.data_dir.clone(), error })),
        None => Ok(()),
    })
}

/// One sync; the first also sets the store to keep merge documents from now on.
fn sync(store: &mut Store, config: &Config, at: NaiveDateTime) -> Result<crate::sync::Report, String> {
    if store.merging().is_none()
        && let Some(merging) = crate::sync::merging(store, config, at).map_err(|e| e.to_string())?
    {
        store.set_merging(merging);
    }
    crate::sync::run(store, config, at).map_err(|e| e.to_string())
}

pub fn execute(store: &mut Store, paths: Option<&Paths>, route: &Routekaart, job: Job) -> Reply {
    match job {
        Job::Unlock { passphrase, who, at } => {
            let unlocked = store.unlock(passphrase.as_bytes());
            if unlocked.is_ok()
                && let Err(e) = crate::partners::member(store, &who, at)
            {
                // Unlocked all the same; the partner screen makes the keys again and says what failed.
                tracing::warn!("member keys not made after unlocking: {e}");
            }
            Reply::Unlocked(unlocked.map_err(|e| (matches!(e, StoreError::WrongPassphrase), e.to_string())))
        }
        Job::Recover { code, passphrase, who, at } => {
            let Some(recovery) = RecoveryKey::parse(&code) else {
                return Reply::Unlocked(Err((true, strings::WRONG_RECOVERY_KEY.to_string())));
            };
            let result = store.unlock_with_recovery(&recovery).and_then(|()| {
                let event = Change::store_event(ChangeKind::RecoveryUsed, &who, at);
                store.change_passphrase(passphrase.as_bytes(), KdfParams::calibrate(KDF_TARGET)?, event)
            });
            Reply::Unlocked(result.map_err(|e| (matches!(e, StoreError::WrongRecoveryKey), e.to_string())))
        }
        // The team's signing key for the SWV export and this member's own keys are made
        // at set-up too.
        Job::CreateKey { passphrase, who, at } => Reply::KeyCreated(
            KdfParams::calibrate(KDF_TARGET)
                .map_err(StoreError::from)
                .and_then(|kdf| store.create_key(passphrase.as_bytes(), kdf, &who, at))
                .map_err(text)
                .and_then(|r| {
                    crate::exports::signing_key(store, &who, at).map(|_| r.display()).map_err(|e| e.to_string())
                })
                .and_then(|r| crate::partners::member(store, &who, at).map(|_| r).map_err(|e| e.to_string())),
        ),
        Job::Lock => {
            store.lock();
            Reply::Locked
        }
        Job::Discard(cases) => {
            drop(cases);
            Reply::Discarded
        }
        Job::Verify => Reply::Verified(verify(store, paths)),
        Job::Restore { file, at } => Reply::Restored(store.restore(&file, at).map_err(text)),
        Job::LoadCases => Reply::Loaded(store.load_all(route).map_err(text)),
        Job::Save { case, change, clear_draft } => Reply::Saved(save_case(store, route, &case, &change, clear_draft)),
        Job::SaveDraft { id, draft } => Reply::DraftSaved(store.save_draft(id, &draft).map_err(text)),
        Job::History(id) => Reply::History(id, store.history(id).map_err(text)),
        Job::PlanGoals(id) => Reply::PlanGoals(id, plan_goals(store, id)),
        Job::Delete { id, change } => Reply::Deleted(id, delete(store, paths, id, change)),
        Job::ExportAccess { id, config, change } => Reply::Exported(match paths {
            None => Err(strings::DEMO_NO_EXPORT.to_string()),
            Some(p) => crate::exports::access_copy(store, &crate::exports::dir(Some(p)), id, &config, change)
                .map_err(|e| e.to_string()),
        }),
        Job::OpenPlan { id, config, who, at } => Reply::Plan(id, open_plan(store, id, &config, who, at).map_err(text)),
        Job::SavePlan { id, book, change } => {
            Reply::PlanSaved(save_plan(store, route, id, &book, change).map_err(text))
        }
        Job::PrintPlan { id, config, change } => Reply::PlanPrinted(
            crate::exports::print_plan(store, &crate::exports::dir(paths), id, &config, change)
                .map_err(|e| e.to_string()),
        ),
        Job::ExportBundle { config, at } => Reply::BundleWritten(match paths {
            None => Err(strings::DEMO_NO_EXPORT.to_string()),
            Some(_) => crate::exports::bundle(store, &config, at).map_err(|e| e.to_string()),
        }),
        Job::LastBundle(config) => {
            Reply::LastBundle(crate::exports::last_bundle(store, &config).map_err(|e| e.to_string()))
        }
        Job::WriteAgenda { text, at } => Reply::AgendaWritten(
            crate::exports::agenda(&crate::exports::dir(paths), &text, at.date()).map_err(|e| e.to_string()),
        ),
        Job::Partners { config, at } => {
            Reply::Partners(crate::partners::overview(store, &config, at).map(Box::new).map_err(|e| e.to_string()))
        }
        Job::SaveCard { file, config, at } => Reply::CardSaved(match paths {
            None => Err(strings::partners::DEMO_NO_CARD.to_string()),
            Some(_) => crate::partners::save_card(store, &config, &file, at)
                .map(|fingerprint| (file, fingerprint))
                .map_err(|e| e.to_string()),
        }),
        Job::ReadCard { file, config, at } => Reply::CardRead(
            crate::partners::read_card(&file)
                .and_then(|card| crate::partners::check(store, &config, &card, at).map(|()| Box::new(card)))
                .map_err(|e| e.to_string()),
        ),
        Job::TrustPartner { card, name, who, at } => Reply::PartnerAdded(
            crate::partners::trust(store, &card, &name, &who, at).map(Box::new).map_err(|e| e.to_string()),
        ),
        Job::RemovePartner { id, who, at } => Reply::PartnerRemoved(
            crate::partners::remove(store, &id, &who, at).map(Box::new).map_err(|e| e.to_string()),
        ),
        Job::Sync { config, at } => Reply::Synced(sync(store, &config, at).map(Box::new)),
        Job::Settle { id, clash, value, change } => Reply::Saved(
            store
                .settle(id, clash.part, &clash.path, &value, change)
                .map(|mut saved| {
                    saved.lighten(route);
                    Box::new(saved)
                })
                .map_err(text),
        ),
        Job::SaveConfig(config) => Reply::ConfigSaved(save_config(paths, config)),
        Job::Backup { at, keep } => Reply::BackedUp(match paths {
            None => Err(strings::DEMO_NO_EXPORT.to_string()),
            Some(p) => store.backup(&p.backup_dir(), at, keep).map_err(text),
        }),
    }
}
