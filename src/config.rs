//! The configuration in force: the shipped defaults in `config/` (compiled in) and the
//! user's `config.toml` and optional `routekaart.toml`. Every problem is reported with
//! the file, the line and what to do, in Dutch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::escalation::{Decider, Terms};
use crate::domain::route::{Locus, ParseError, Routekaart};
use crate::domain::share::{SharedPart, Sharing};
use crate::domain::team::{Member, Role, Team};
use crate::paths::Paths;
use crate::strings::{self, Label};

pub const DEFAULT_ROUTEKAART: &str = include_str!("../config/routekaart.toml");
pub const DEFAULT_KEYMAP: &str = include_str!("../config/keymap.toml");
const DEFAULTS: &str = include_str!("../config/tandem.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    pub name: String,
    /// The school's BRIN code (4 characters), optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brin: Option<String>,
}

/// Privacy settings (domain.md §5), all with safe defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Privacy {
    /// Years after closure that a case's content is kept.
    pub retention_years: u32,
    /// Minutes without a key press before tandem locks itself.
    pub lock_minutes: u32,
    /// How many backups (made on every clean close) are kept.
    pub backups: usize,
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy { retention_years: crate::domain::retention::DEFAULT_YEARS, lock_minutes: 10, backups: 5 }
    }
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// The user's `config.toml` as written on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFile {
    pub school: School,
    /// Member id of the person who uses this copy; saves are recorded in their name.
    pub user: String,
    pub team: Vec<Member>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Key overrides: action name → key names. Checked by the UI's keymap.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub keys: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub privacy: Privacy,
    /// Who decides when a case is escalated (domain.md §4), per school and municipality.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deciders: Vec<Decider>,
    /// Weeks to a decision per escalation level.
    #[serde(default, skip_serializing_if = "is_default")]
    pub escalation: Terms,
    /// Where bundles for the SWV go and whom they are encrypted to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<ExportSettings>,
    /// The folder shared with the partners (see `sync`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncSettings>,
}

/// Where this copy meets its partners' copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// A folder a sync tool (OneDrive, SURFdrive, Nextcloud, Syncthing) or a USB stick carries.
    pub folder: PathBuf,
}

impl SyncSettings {
    /// The folder as typed in a form (`~/` is the home folder); empty means no syncing.
    pub fn from_typed(typed: &str) -> Option<SyncSettings> {
        let typed = typed.trim();
        (!typed.is_empty()).then(|| SyncSettings { folder: crate::paths::expand_home(typed) })
    }
}

/// The team's export to the SWV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    /// The folder a sync tool carries to the SWV.
    pub folder: PathBuf,
    /// The SWV's age public key ("age1...").
    pub recipient: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    roles: Vec<Role>,
    sharing: Vec<SharedPart>,
}

/// Everything the app needs from configuration, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub school: School,
    pub user: String,
    pub team: Team,
    pub roles: Vec<Role>,
    pub keys: BTreeMap<String, Vec<String>>,
    pub privacy: Privacy,
    pub deciders: Vec<Decider>,
    pub escalation: Terms,
    pub export: Option<ExportSettings>,
    pub sync: Option<SyncSettings>,
    pub sharing: Sharing,
    pub route: Routekaart,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}", strings::config_unreadable(.file, .error))]
    Read { file: PathBuf, error: std::io::Error },
    #[error("{}", strings::config_syntax(.file, *.line, .message))]
    Syntax { file: PathBuf, line: usize, message: String },
    #[error("{}", strings::config_invalid(.file, .problem))]
    Invalid { file: PathBuf, problem: String },
    #[error("{}", strings::config_unwritable(.file, .error))]
    Write { file: PathBuf, error: std::io::Error },
}

/// Parses TOML, turning a syntax error into the file and line it sits on.
pub fn parse_toml<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| syntax_error(file, text, &e))
}

fn syntax_error(file: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let line = e.span().map_or(1, |span| line_of(text, span.start));
    ConfigError::Syntax { file: file.to_path_buf(), line, message: e.message().to_string() }
}

/// The 1-based line of a byte position.
fn line_of(text: &str, pos: usize) -> usize {
    text.as_bytes()[..pos.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

fn read_optional(file: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(file) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(ConfigError::Read { file: file.to_path_buf(), error }),
    }
}

// The shipped defaults are compiled in and covered by a test; a failure here is a build
// mistake, reported like any config error rather than a panic.
fn defaults() -> Option<Defaults> {
    parse_toml::<Defaults>(Path::new("config/tandem.toml"), DEFAULTS).ok()
}

fn default_roles() -> Vec<Role> {
    defaults().map_or_else(Vec::new, |d| d.roles)
}

/// What travels to a partner of another organisation, after which consent.
fn default_sharing() -> Sharing {
    Sharing { parts: defaults().map_or_else(Vec::new, |d| d.sharing) }
}

/// The routekaart in force: the user's copy if there is one, else the shipped model.
pub fn load_routekaart(paths: &Paths) -> Result<Routekaart, ConfigError> {
    let file = paths.routekaart_file();
    match read_optional(&file)? {
        Some(text) => parse_routekaart(&file, &text),
        None => parse_routekaart(Path::new("config/routekaart.toml"), DEFAULT_ROUTEKAART),
    }
}

/// Where each part of a routekaart file starts, to name the line of a problem.
#[derive(Deserialize)]
struct RouteSpans {
    #[serde(default)]
    steps: Vec<toml::Spanned<StepSpans>>,
}

#[derive(Deserialize)]
struct StepSpans {
    #[serde(default)]
    fields: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    gates: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    deadline: Option<toml::Spanned<toml::Value>>,
    #[serde(default)]
    outcomes: Vec<toml::Spanned<toml::Value>>,
}

/// Parses and checks a routekaart; a problem names the file, the line and what to fix.
pub fn parse_routekaart(file: &Path, text: &str) -> Result<Routekaart, ConfigError> {
    let e = match Routekaart::parse(text) {
        Ok(route) => return Ok(route),
        Err(ParseError::Syntax(e)) => return Err(syntax_error(file, text, &e)),
        Err(ParseError::Invalid(e)) => e,
    };
    let spans: Option<RouteSpans> = toml::from_str(text).ok();
    let start = |locus: Locus| -> Option<usize> {
        let steps = &spans.as_ref()?.steps;
        let step = |i: usize| steps.get(i);
        Some(match locus {
            Locus::File => 0,
            Locus::Step(i) => step(i)?.span().start,
            Locus::Field(i, j) => step(i)?.get_ref().fields.get(j)?.span().start,
            Locus::Gate(i, j) => step(i)?.get_ref().gates.get(j)?.span().start,
            Locus::Deadline(i) => step(i)?.get_ref().deadline.as_ref()?.span().start,
            Locus::Outcome(i, j) => step(i)?.get_ref().outcomes.get(j)?.span().start,
        })
    };
    let line = start(e.at).map_or(1, |pos| line_of(text, pos));
    Err(ConfigError::Syntax { file: file.to_path_buf(), line, message: strings::route_problem(&e.problem) })
}

impl Config {
    /// The config in force, or None when this is a first start (no `config.toml` yet).
    pub fn load(paths: &Paths) -> Result<Option<Config>, ConfigError> {
        let file = paths.config_file();
        let Some(text) = read_optional(&file)? else {
            return Ok(None);
        };
        let user: UserFile = parse_toml(&file, &text)?;
        Config::from_parts(user, load_routekaart(paths)?)
            .map(Some)
            .map_err(|problem| ConfigError::Invalid { file, problem })
    }

    /// Validates a user file against the roles and routekaart; the error names the problem.
    pub fn from_parts(user: UserFile, route: Routekaart) -> Result<Config, String> {
        let roles = if user.roles.is_empty() { default_roles() } else { user.roles };
        if user.school.name.trim().is_empty() {
            return Err(strings::SCHOOL_NAME_MISSING.to_string());
        }
        if let Some(brin) = &user.school.brin
            && !valid_brin(brin)
        {
            return Err(strings::brin_invalid(brin));
        }
        for (i, m) in user.team.iter().enumerate() {
            if m.id.trim().is_empty() || m.name.trim().is_empty() {
                return Err(strings::member_incomplete(i + 1));
            }
            if user.team[..i].iter().any(|o| o.id == m.id) {
                return Err(strings::member_duplicate(&m.id));
            }
            if !roles.iter().any(|r| r.id == m.role) {
                return Err(strings::unknown_role(&m.name, &m.role, &roles));
            }
        }
        if !user.team.iter().any(|m| m.id == user.user) {
            return Err(strings::user_not_in_team(&user.user));
        }
        if user.privacy.lock_minutes == 0 || user.privacy.backups == 0 {
            return Err(strings::PRIVACY_ZERO.to_string());
        }
        for (i, d) in user.deciders.iter().enumerate() {
            if d.name.trim().is_empty() {
                return Err(strings::decider_incomplete(i + 1));
            }
            // One person per role, or per role and gemeente where the gemeente is named.
            let same_gemeente = |o: &Decider| match (&o.gemeente, &d.gemeente) {
                (Some(a), Some(b)) => crate::domain::team::same_name(a, b),
                (a, b) => a.is_none() && b.is_none(),
            };
            if user.deciders[..i].iter().any(|o| o.role == d.role && same_gemeente(o)) {
                return Err(strings::decider_duplicate(d.role.label(), d.gemeente.as_deref().map(str::trim)));
            }
        }
        if user.escalation.e1_weeks == 0 || user.escalation.e2_weeks == 0 {
            return Err(strings::TERMS_ZERO.to_string());
        }
        if let Some(e) = &user.export {
            if !valid_recipient(&e.recipient) {
                return Err(strings::recipient_invalid(&e.recipient));
            }
            if e.folder.as_os_str().is_empty() {
                return Err(strings::EXPORT_FOLDER_MISSING.to_string());
            }
        }
        if user.sync.as_ref().is_some_and(|s| s.folder.as_os_str().is_empty()) {
            return Err(strings::SYNC_FOLDER_MISSING.to_string());
        }
        Ok(Config {
            school: user.school,
            user: user.user,
            team: Team { members: user.team },
            roles,
            keys: user.keys,
            privacy: user.privacy,
            deciders: user.deciders,
            escalation: user.escalation,
            export: user.export,
            sync: user.sync,
            sharing: default_sharing(),
            route,
        })
    }

    /// The state before set-up: no school, no team yet. The set-up screen fills it in.
    pub fn unconfigured(route: Routekaart) -> Config {
        Config {
            school: School { name: String::new(), brin: None },
            user: String::new(),
            team: Team::default(),
            roles: default_roles(),
            keys: BTreeMap::new(),
            privacy: Privacy::default(),
            deciders: Vec::new(),
            escalation: Terms::default(),
            export: None,
            sync: None,
            sharing: default_sharing(),
            route,
        }
    }

    /// The built-in demo school: needs no file and no set-up.
    pub fn demo() -> Result<Config, ConfigError> {
        let team = crate::domain::demo::team();
        let user = UserFile {
            school: School { name: strings::DEMO_SCHOOL.to_string(), brin: Some("99XX".into()) },
            user: team.members[0].id.clone(),
            team: team.members,
            roles: Vec::new(),
            keys: BTreeMap::new(),
            privacy: Privacy::default(),
            deciders: crate::domain::demo::deciders(),
            escalation: Terms::default(),
            export: None,
            sync: None,
        };
        let route = parse_routekaart(Path::new("config/routekaart.toml"), DEFAULT_ROUTEKAART)?;
        Config::from_parts(user, route).map_err(|problem| ConfigError::Invalid { file: PathBuf::from("demo"), problem })
    }

    pub fn user_file(&self) -> UserFile {
        UserFile {
            school: self.school.clone(),
            user: self.user.clone(),
            team: self.team.members.clone(),
            roles: Vec::new(),
            keys: self.keys.clone(),
            privacy: self.privacy,
            deciders: self.deciders.clone(),
            escalation: self.escalation,
            export: self.export.clone(),
            sync: self.sync.clone(),
        }
    }

    /// Writes `config.toml` atomically (temp file, then rename), so a crash or a full disk
    /// never leaves half a config behind.
    pub fn save(&self, paths: &Paths) -> Result<(), ConfigError> {
        let file = paths.config_file();
        let write_err = |error| ConfigError::Write { file: file.clone(), error };
        let text =
            toml::to_string_pretty(&self.user_file()).map_err(|e| write_err(std::io::Error::other(e.to_string())))?;
        crate::atomic::write(&file, text.as_bytes()).map_err(write_err)
    }

    pub fn role_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.roles.iter().find(|r| r.id == id).map_or(id, |r| r.name.as_str())
    }
}

/// Whether `text` (surrounding white space ignored) is an age X25519 public key "age1…",
/// the SWV's key a bundle is sealed to.
pub fn valid_recipient(text: &str) -> bool {
    text.trim().parse::<age::x25519::Recipient>().is_ok()
}

/// BRIN: two digits and two letters (e.g. 12AB).
pub fn valid_brin(brin: &str) -> bool {
    let b = brin.as_bytes();
    b.len() == 4 && b[..2].iter().all(u8::is_ascii_digit) && b[2..].iter().all(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_age_public_key_is_a_recipient() {
        let team_key = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";
        for text in ["", "age1", "age1qqqq", "AGE-SECRET-KEY-1QQQQ", team_key] {
            assert!(!valid_recipient(text), "{text}");
        }
        assert!(valid_recipient("  age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n"));
    }

    fn user_file() -> UserFile {
        UserFile {
            school: School { name: "De Regenboog".into(), brin: Some("12AB".into()) },
            user: "anna".into(),
            team: vec![
                Member { id: "anna".into(), name: "Anna".into(), role: "ib".into() },
                Member { id: "joost".into(), name: "Joost".into(), role: "wijkteam".into() },
            ],
            roles: Vec::new(),
            keys: BTreeMap::new(),
            privacy: Privacy::default(),
            deciders: Vec::new(),
            escalation: Terms::default(),
            export: None,
            sync: None,
        }
    }

    fn route() -> Routekaart {
        parse_routekaart(Path::new("x"), DEFAULT_ROUTEKAART).unwrap()
    }

    #[test]
    fn shipped_defaults_parse() {
        assert!(default_roles().iter().any(|r| r.id == "wijkteam"));
        assert_eq!(route().steps.len(), 10);
        assert!(Config::demo().is_ok());
    }

    #[test]
    fn the_shipped_sharing_names_routekaart_consents_and_steps_and_the_school_roles() {
        let sharing = default_sharing();
        let route = route();
        assert_eq!(sharing.parts.len(), 3);
        for p in &sharing.parts {
            assert!(route.purposes.iter().any(|x| x.id == p.consent), "{}", p.consent);
            assert!(p.steps.iter().all(|s| route.step(s).is_some()), "{:?}", p.steps);
        }
        let staff: Vec<String> = default_roles().into_iter().filter(|r| r.school_staff()).map(|r| r.id).collect();
        assert_eq!(staff, ["ib", "directie"]);
    }

    #[test]
    fn a_save_and_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        assert!(Config::load(&paths).unwrap().is_none());
        let config = Config::from_parts(user_file(), route()).unwrap();
        config.save(&paths).unwrap();
        assert_eq!(Config::load(&paths).unwrap(), Some(config));
    }

    #[test]
    fn a_broken_file_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        std::fs::create_dir_all(&paths.config_dir).unwrap();
        std::fs::write(paths.config_file(), "user = \"anna\"\n\n[school\nname = 1\n").unwrap();
        let msg = Config::load(&paths).unwrap_err().to_string();
        assert!(msg.contains("config.toml") && msg.contains("regel 3"), "{msg}");
    }

    #[test]
    fn inconsistent_config_is_explained() {
        let mut bad = user_file();
        bad.team[1].role = "tovenaar".into();
        assert!(Config::from_parts(bad, route()).unwrap_err().contains("tovenaar"));
        let mut bad = user_file();
        bad.user = "piet".into();
        assert!(Config::from_parts(bad, route()).unwrap_err().contains("piet"));
        let mut bad = user_file();
        bad.school.brin = Some("ABCD".into());
        assert!(Config::from_parts(bad, route()).unwrap_err().contains("ABCD"));
    }

    /// One official per gemeente: two for one role are fine when each names its own
    /// gemeente, not when they name the same one (in other case or spacing) or none.
    #[test]
    fn deciders_are_one_per_role_and_gemeente() {
        use crate::domain::escalation::DeciderRole;
        let official = |gemeente: Option<&str>| Decider {
            role: DeciderRole::Municipality,
            name: "M. de Lange".into(),
            contact: String::new(),
            gemeente: gemeente.map(str::to_string),
        };
        let with = |deciders: Vec<Decider>| Config::from_parts(UserFile { deciders, ..user_file() }, route());
        assert!(with(vec![official(Some("Buren")), official(Some("Overbetuwe"))]).is_ok());
        let err = with(vec![official(Some("Buren")), official(Some(" buren"))]).unwrap_err();
        assert!(err.contains("voor gemeente buren twee keer"), "{err}");
        let err = with(vec![official(None), official(None)]).unwrap_err();
        assert!(err.contains("geef elk een gemeente"), "{err}");
        assert!(with(vec![official(None), official(Some("Buren"))]).is_ok(), "one for the rest, one for Buren");
    }

    #[test]
    fn a_broken_routekaart_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        std::fs::create_dir_all(&paths.config_dir).unwrap();
        std::fs::write(
            paths.routekaart_file(),
            "[[steps]]\nid = \"S0\"\nname = \"a\"\n[[steps]]\nid = \"S0\"\nname = \"b\"\n",
        )
        .unwrap();
        let msg = load_routekaart(&paths).unwrap_err().to_string();
        assert!(msg.contains("routekaart.toml") && msg.contains("S0"), "{msg}");
    }
}
