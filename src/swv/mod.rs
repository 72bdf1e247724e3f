//! SWV mode (`tandem swv`): the SWV's settings and identity, importing the bundles that
//! a sync tool brings into its folder, and the figures it reports. Every refusal names
//! the file and the reason and leaves the store as it was.

pub mod monitor;
pub mod network;

pub use monitor::{Gemeenten, Group, Level, by_school, gemeente_tables, groups, report_tables, row_label};

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bundle::{self, SwvIdentity, TeamKey};
use crate::config::{ConfigError, parse_toml};
use crate::domain::export::{FORMAT, MAX_CASES, MAX_SEQUENCE_JUMP, OutOfBounds, Payload, count_cases};
use crate::domain::history::{Change, ChangeKind};
use crate::domain::team::same_name;
use crate::paths::Paths;
use crate::store::{Imported, Store, StoreError};
use crate::strings;

/// A team the SWV trusts: its name and public signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub name: String,
    pub key: String,
    /// The gemeente the school lies in: the SWV reports per gemeente as well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemeente: Option<String>,
}

/// `swv.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwvConfig {
    /// Where the sync tool brings the teams' bundles.
    #[serde(default)]
    pub folder: Option<PathBuf>,
    #[serde(default)]
    pub teams: Vec<Team>,
    /// The dashboard's keys where they differ from the shipped keymap, as in config.toml.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
}

impl SwvConfig {
    pub fn load(paths: &Paths) -> Result<SwvConfig, ConfigError> {
        let file = paths.swv_config_file();
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let config: SwvConfig = parse_toml(&file, &text)?;
                for t in &config.teams {
                    TeamKey::parse(&t.key).map_err(|e| ConfigError::Invalid {
                        file: file.clone(),
                        problem: strings::team_key_invalid(&t.name, &e.to_string()),
                    })?;
                }
                Ok(config)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SwvConfig::default()),
            Err(error) => Err(ConfigError::Read { file, error }),
        }
    }

    pub fn save(&self, paths: &Paths) -> Result<(), ConfigError> {
        let file = paths.swv_config_file();
        let fail = |error| ConfigError::Write { file: file.clone(), error };
        let text = toml::to_string_pretty(self).map_err(|e| fail(std::io::Error::other(e.to_string())))?;
        let text = format!("{}{text}", strings::SWV_CONFIG_HEADER);
        crate::atomic::write(&file, text.as_bytes()).map_err(fail)
    }

    /// Sets the gemeente of every team of `school`; the school's name as trusted, or None
    /// when no team has that name.
    pub fn set_gemeente(&mut self, school: &str, gemeente: &str) -> Option<String> {
        let mut found = None;
        for t in self.teams.iter_mut().filter(|t| same_name(&t.name, school)) {
            t.gemeente = Some(gemeente.trim().to_string());
            found = Some(t.name.clone());
        }
        found
    }

    /// The trusted keys, in the order of `teams` (a key that is not one is left out).
    pub fn keys(&self) -> Vec<TeamKey> {
        self.trusted().keys
    }

    fn trusted(&self) -> Trusted<'_> {
        let teams: Vec<(&Team, TeamKey)> =
            self.teams.iter().filter_map(|t| TeamKey::parse(&t.key).ok().map(|k| (t, k))).collect();
        Trusted { keys: teams.iter().map(|(_, k)| k.clone()).collect(), teams }
    }
}

/// The trusted teams with their parsed keys; `keys[i]` is `teams[i]`'s, so the index of
/// the key that signed a bundle names its team.
struct Trusted<'a> {
    teams: Vec<(&'a Team, TeamKey)>,
    keys: Vec<TeamKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum SwvError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
    #[error("{}", strings::swv_no_identity(.0))]
    NoIdentity(PathBuf),
    #[error("{}", strings::swv_no_folder(.0))]
    NoFolder(PathBuf),
    #[error("{}", strings::swv_io(.0, .1))]
    Io(PathBuf, std::io::Error),
}

/// The SWV's identity, created on first use (only its owner may read the file).
pub fn identity(paths: &Paths, create: bool) -> Result<SwvIdentity, SwvError> {
    let file = paths.swv_identity_file();
    match std::fs::read_to_string(&file) {
        Ok(text) => Ok(SwvIdentity::parse(&text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let id = SwvIdentity::generate(chrono::Utc::now());
            crate::atomic::write(&file, id.to_file_text().as_bytes()).map_err(|e| SwvError::Io(file.clone(), e))?;
            crate::atomic::private_file(&file).map_err(|e| SwvError::Io(file.clone(), e))?;
            Ok(id)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SwvError::NoIdentity(file)),
        Err(e) => Err(SwvError::Io(file, e)),
    }
}

/// What happened to one file in the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Imported {
        school: String,
        sequence: u64,
        newer: usize,
        older: usize,
    },
    Again,
    /// Still being written by the sync tool (or empty): left for the next import.
    Waiting,
    /// A sync tool's conflict copy: reported, not imported.
    Conflict,
    Refused(String),
}

impl Outcome {
    /// What the import says about `file`.
    pub fn line(&self, file: &Path) -> String {
        let name = file.display().to_string();
        match self {
            Outcome::Imported { school, sequence, newer, older } => {
                strings::import_imported(file, school, *sequence, *newer, *older)
            }
            Outcome::Again => strings::import_again(file),
            Outcome::Waiting => strings::import_waiting(file),
            Outcome::Conflict => strings::conflict_line(&name),
            Outcome::Refused(why) => strings::refused_line(&name, why),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub file: PathBuf,
    pub outcome: Outcome,
}

/// Names sync tools give files they are still writing, and their conflict copies.
fn classify(name: &str) -> Option<Outcome> {
    let lower = name.to_lowercase();
    let partial = name.starts_with('.')
        || name.starts_with("~$")
        || [".tmp", ".part", ".partial", ".crdownload", ".download", ".!sync", ".syncthing"]
            .iter()
            .any(|s| lower.ends_with(s))
        || lower.contains(".syncthing.");
    if partial {
        return Some(Outcome::Waiting);
    }
    let conflict = lower.contains(".sync-conflict-")
        || lower.contains("(conflicted copy")
        || lower.contains("conflict copy")
        || lower.contains("_conflict-")
        || lower.contains("(conflict");
    conflict.then_some(Outcome::Conflict)
}

/// Bundles are named `tandem-*.bundle`; anything else in the folder is not ours.
fn is_bundle_name(name: &str) -> bool {
    name.starts_with("tandem-") && name.contains(".bundle")
}

/// Imports every complete bundle in `dir` in name order. Each file is checked (signature
/// against the trusted teams, decryption, recipient, format) before one transaction
/// applies it; a refused file changes nothing.
pub fn import_folder(
    store: &Store,
    dir: &Path,
    identity: &SwvIdentity,
    config: &SwvConfig,
    at: NaiveDateTime,
) -> Result<Vec<FileReport>, SwvError> {
    let entries = std::fs::read_dir(dir).map_err(|_| SwvError::NoFolder(dir.to_path_buf()))?;
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    let files: Vec<(PathBuf, Option<Outcome>)> = files
        .into_iter()
        .filter_map(|file| {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match classify(&name) {
                Some(o) => Some((file, Some(o))),
                None if is_bundle_name(&name) => Some((file, None)),
                None => None,
            }
        })
        .collect();
    // Decrypting and verifying is most of the work and needs no store: all cores do it,
    // then the bundles are applied one by one in name order.
    let trusted = config.trusted();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    let chunk = files.len().div_ceil(threads).max(1);
    let checked: Vec<Result<Checked, Outcome>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let trusted = &trusted;
                scope.spawn(move || {
                    part.iter()
                        .map(|(file, early)| match early {
                            Some(o) => Err(o.clone()),
                            None => check(file, identity, trusted, at),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // A panic in a check is a bug; carry it to this thread rather than hide it.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut out = Vec::new();
    for ((file, _), result) in files.into_iter().zip(checked) {
        let outcome = match result {
            Err(o) => o,
            Ok(c) => apply(store, &c, at)?,
        };
        out.push(FileReport { file, outcome });
    }
    // What reached the SWV is on its own audit trail.
    let bundles = out.iter().filter(|r| matches!(r.outcome, Outcome::Imported { .. })).count();
    if bundles > 0 {
        store.append_event(Change::store_event(ChangeKind::BundlesImported { bundles }, "swv", at))?;
    }
    Ok(out)
}

/// Applies a checked bundle: refused when its sequence number jumps too far past the
/// team's highest (so one bundle cannot claim a million missing ones).
fn apply(store: &Store, c: &Checked, at: NaiveDateTime) -> Result<Outcome, SwvError> {
    let highest = store.swv_team(&c.payload.team_id)?.map_or(0, |t| t.highest());
    let sequence = c.payload.sequence;
    if sequence == 0 || sequence > highest.saturating_add(MAX_SEQUENCE_JUMP) {
        return Ok(Outcome::Refused(strings::sequence_jump(sequence, highest)));
    }
    Ok(match store.import_bundle(&c.payload, &c.digest, at) {
        Ok(Imported::Applied { newer, older }) => {
            Outcome::Imported { school: c.payload.school.clone(), sequence, newer, older }
        }
        Ok(Imported::Again) => Outcome::Again,
        Err(StoreError::Conflict) => Outcome::Refused(strings::BUNDLE_ID_REUSED.into()),
        Err(e) => return Err(e.into()),
    })
}

/// A bundle that passed every check: ready to apply. Its school is the trusted team's.
struct Checked {
    payload: Payload,
    digest: String,
}

/// Reads, decrypts and verifies one file; the outcome when it cannot be applied.
fn check(file: &Path, identity: &SwvIdentity, trusted: &Trusted, at: NaiveDateTime) -> Result<Checked, Outcome> {
    let refused = |why: String| Err(Outcome::Refused(why));
    let bytes = read_bounded(file)?;
    let (payload_bytes, signer) = match bundle::open(&bytes, identity, &trusted.keys) {
        Ok(opened) => opened,
        // Empty, or zeros a sync tool reserved but has not filled yet; still so after the
        // settle time, it never will be filled.
        Err(bundle::BundleError::Empty) if recently_changed(file, at) => return Err(Outcome::Waiting),
        Err(bundle::BundleError::Empty) => return refused(strings::BUNDLE_STAYS_EMPTY.into()),
        // A file cut short is usually one the sync tool is still writing; one that stays
        // broken for longer was damaged.
        Err(bundle::BundleError::Truncated) if recently_changed(file, at) => return Err(Outcome::Waiting),
        Err(bundle::BundleError::Truncated) => return refused(strings::BUNDLE_DAMAGED.into()),
        Err(e) => return refused(e.to_string()),
    };
    // Counted before the cases are read, so a bundle of a million cases costs no memory.
    if count_cases(&payload_bytes).is_some_and(|n| n > MAX_CASES) {
        return refused(strings::payload_bound(OutOfBounds::Cases));
    }
    let mut payload: Payload = serde_json::from_slice(&payload_bytes)
        .map_err(|e| Outcome::Refused(strings::payload_unreadable(&e.to_string())))?;
    if let Some(bound) = payload.out_of_bounds() {
        return refused(strings::payload_bound(bound));
    }
    let (team, key) = trusted.teams.get(signer).ok_or_else(|| Outcome::Refused(strings::BUNDLE_DAMAGED.into()))?;
    if payload.format != FORMAT {
        return refused(strings::payload_format(&payload.format));
    }
    if payload.recipient != identity.recipient() {
        return refused(strings::PAYLOAD_OTHER_RECIPIENT.into());
    }
    if payload.team_id != key.id() {
        return refused(strings::payload_team_mismatch(&team.name));
    }
    // The SWV files the figures under the name it trusted the team as, never under one the
    // payload chooses.
    if !same_name(&payload.school, &team.name) {
        return refused(strings::payload_school_mismatch(&team.name, &payload.school));
    }
    payload.school = team.name.clone();
    let digest = data_encoding::HEXLOWER.encode(&Sha256::digest(&payload_bytes));
    Ok(Checked { payload, digest })
}

/// The file's bytes, read only when its length (from the file system, before reading)
/// fits a bundle, and never more than that: a sparse file of gigabytes is refused unread.
fn read_bounded(file: &Path) -> Result<Vec<u8>, Outcome> {
    use std::io::Read;
    let io = |e: std::io::Error| Outcome::Refused(strings::swv_io(file, &e));
    let handle = std::fs::File::open(file).map_err(io)?;
    let len = handle.metadata().map_err(io)?.len();
    let too_large = || Outcome::Refused(strings::bundle_file_too_large(bundle::MAX_FILE / (1024 * 1024)));
    if len > bundle::MAX_FILE {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    handle.take(bundle::MAX_FILE + 1).read_to_end(&mut bytes).map_err(io)?;
    // It grew while being read.
    if bytes.len() as u64 > bundle::MAX_FILE {
        return Err(too_large());
    }
    Ok(bytes)
}

/// How long a broken file counts as still arriving.
const SETTLE_MINUTES: i64 = 10;

fn recently_changed(file: &Path, now: NaiveDateTime) -> bool {
    let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
    let modified = modified.map(|t| chrono::DateTime::<chrono::Local>::from(t).naive_local());
    modified.is_none_or(|m| now - m < chrono::Duration::minutes(SETTLE_MINUTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_tools_files_are_recognised() {
        for name in [".tandem-x.bundle.tmp", "tandem-x.bundle.part", "~$tandem.bundle", "tandem-1.bundle.syncthing.tmp"]
        {
            assert_eq!(classify(name), Some(Outcome::Waiting), "{name}");
        }
        for name in [
            "tandem-AB-000003.sync-conflict-20261123-101010-ABCDEF.bundle",
            "tandem-AB-000003 (conflicted copy 2026-11-23).bundle",
            "tandem-AB-000003 (Conflict copy).bundle",
        ] {
            assert_eq!(classify(name), Some(Outcome::Conflict), "{name}");
        }
        assert_eq!(classify("tandem-AB-000003.bundle"), None);
        assert!(!is_bundle_name("notes.txt"));
    }
}
