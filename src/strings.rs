//! Every Dutch word the user sees, in one place per layer: this file holds all of it
//! except the ui layer's own (screen titles, key help, plan-part labels in `ui/text.rs`).
//! Wording is reviewed here, and a second language would start here. It uses only the
//! domain: the domain keeps its errors and choices as data, and their words are here.
//! Code and comments elsewhere stay English.

use std::path::Path;

use crate::domain::case::FieldError;
use crate::domain::consent::ConsentError;
use crate::domain::date::DateError;
use crate::domain::escalation::EscalationError;
use crate::domain::export::PeriodError;
use crate::domain::plan::{PlanError, PlanGap};
use crate::domain::team::Role;

// ---- Dates and field validation ----
pub const DATE_SHAPE: &str = "typ de datum als dd-mm-jjjj, bijvoorbeeld 03-09-2026";
pub const DATE_NO_SUCH_DAY: &str = "die dag bestaat niet; controleer dag en maand";
pub const DATE_YEAR: &str = "het jaartal klopt niet; typ vier cijfers, bijvoorbeeld 2026";
pub const REQUIRED: &str = "verplicht veld";
pub const TOO_LONG: &str = "te lang: maximaal";
pub const CHARS: &str = "tekens";
pub const IN_FUTURE: &str = "deze datum ligt in de toekomst";
pub const AGE_OUT_OF_RANGE: &str = "past niet bij een basisschoolleerling";
pub const BIRTH_AFTER_SIGNAL: &str = "geboortedatum ligt na de signaaldatum";
pub const YEARS: &str = "jaar";
pub const DUE_BEFORE_SIGNAL: &str = "deze datum ligt vóór de signaaldatum";
pub const LOOKS_LIKE_BSN: &str = "dit lijkt een BSN; tandem bewaart geen BSN, laat het weg";
pub const UNKNOWN_MEMBER: &str = "deze persoon hoort niet (meer) bij het team; kies een ander";

// ---- The domain's errors as said (the domain keeps them as data) ----

/// Writes a domain error's text; the domain's error types implement `Display` and
/// `Error` here, so `?` and `to_string` work in every layer above.
macro_rules! said {
    ($($ty:ty => |$e:ident| $text:expr;)+) => {
        $(impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let $e = self;
                f.write_str(&$text)
            }
        }
        impl std::error::Error for $ty {})+
    };
}

said!(
    DateError => |e| match e {
        DateError::Shape => DATE_SHAPE,
        DateError::NoSuchDay => DATE_NO_SUCH_DAY,
        DateError::Year => DATE_YEAR,
        DateError::InFuture => IN_FUTURE,
    };
    FieldError => |e| match e {
        FieldError::Required => REQUIRED.to_string(),
        FieldError::Date(e) => e.to_string(),
        FieldError::TooLong { max } => format!("{TOO_LONG} {max} {CHARS}"),
        FieldError::InFuture => IN_FUTURE.to_string(),
        FieldError::AgeOutOfRange { age: Some(age) } => format!("{AGE_OUT_OF_RANGE} ({age} {YEARS})"),
        FieldError::AgeOutOfRange { age: None } => BIRTH_AFTER_SIGNAL.to_string(),
        FieldError::DueBeforeSignal => DUE_BEFORE_SIGNAL.to_string(),
        FieldError::LooksLikeBsn => LOOKS_LIKE_BSN.to_string(),
        FieldError::UnknownMember => UNKNOWN_MEMBER.to_string(),
    };
    ConsentError => |e| match e {
        ConsentError::NoParty => CONSENT_NO_PARTY,
        ConsentError::NotRequired => CONSENT_PARTY_NOT_NOW,
        ConsentError::InFuture => IN_FUTURE,
    };
    EscalationError => |e| match e {
        EscalationError::AlreadyOpen => ESCALATION_OPEN,
        EscalationError::CannotGoUp => ESCALATION_NOT_UP,
        EscalationError::NoneOpen => ESCALATION_NONE,
        EscalationError::NoQuestion => ESCALATION_NO_QUESTION,
        EscalationError::InFuture => IN_FUTURE,
    };
    PlanError => |e| match e {
        PlanError::Frozen(version) => plan_frozen(*version),
        PlanError::NotFrozen => PLAN_NOT_FROZEN.to_string(),
        PlanError::SignedInFuture => IN_FUTURE.to_string(),
    };
    PeriodError => |e| period_invalid(&e.0);
);

// ---- Choices (order matches the enums in domain::case) ----
pub const GEZAG: &[&str] = &["beide ouders", "alleen moeder", "alleen vader", "voogd / GI", "anders"];
pub const SOURCES: &[&str] = &["leerkracht", "IB-er", "wijkteam", "ouder", "leerling", "anders"];
pub const DOMAINS: &[&str] = &["onderwijs", "gedeeld", "jeugdhulp", "veiligheid"];
pub const CASE_FIELDS: [&str; 12] = [
    "Voornaam/initialen",
    "Achternaam",
    "Geboortedatum",
    "Groep",
    "Gezag",
    "Signaaldatum",
    "Bron van signaal",
    "Domeinen",
    "Korte notitie",
    "Casushouder",
    "Volgende actie vóór",
    "Huidige stap",
];

// ---- Labels of the domain's choices ----

/// The Dutch label of a value users pick from a list; the tables above and below hold
/// the words in the order of each enum.
pub trait Label {
    fn label(self) -> &'static str;
}

macro_rules! labels {
    ($($ty:ty => $table:expr),+ $(,)?) => {
        $(impl Label for $ty {
            fn label(self) -> &'static str {
                $table[self.index()]
            }
        })+
    };
}

labels!(
    crate::domain::case::Gezag => GEZAG,
    crate::domain::case::SignalSource => SOURCES,
    crate::domain::case::DomainTag => DOMAINS,
    crate::domain::case::Field => CASE_FIELDS,
    crate::domain::consent::Decision => CONSENT_DECISIONS,
    crate::domain::escalation::Level => LEVELS,
    crate::domain::escalation::Reason => REASONS,
    crate::domain::escalation::Domain => QUESTION_DOMAINS,
    crate::domain::plan::PlanDomain => PLAN_DOMAINS,
    crate::domain::plan::Priority => PRIORITIES,
    crate::domain::plan::Party => PARTIES,
    crate::domain::plan::ActionStatus => ACTION_STATUSES,
    crate::domain::plan::Payer => PAYERS,
    crate::domain::plan::SignerRole => SIGNER_ROLES,
    crate::domain::plan::Section => PLAN_SECTIONS,
    crate::domain::share::Part => PARTS,
);

/// The parts of a case as they travel (`share::Part`), in its order.
pub const PARTS: &[&str] = &[
    "basisgegevens",
    "naam en gegevens van het kind",
    "notities en analyse",
    "plan van aanpak",
    "gegevens van de school",
];

/// A role is read as a rung's decider entries store it.
impl Label for crate::domain::escalation::DeciderRole {
    fn label(self) -> &'static str {
        self.entry_name()
    }
}

// ---- Case form ----
pub const NEW_CASE_TITLE: &str = "Nieuw dossier";
pub const EDIT_CASE_TITLE: &str = "Dossier wijzigen:";
pub fn form_note(help_key: &str) -> String {
    format!("  * = verplicht · ←/→ kiezen · Spatie aan/uit · {help_key} alle toetsen")
}
pub const DATE_HINT: &str = "dd-mm-jjjj";
pub const FIRST_NAME_HINT: &str = "voornaam of initialen";
pub const NOTE_HINT: &str = "feitelijk: wat is gezien of gehoord";
pub const CHOOSE_HINT: &str = "— kies met ←/→ —";
pub const SAVE_BUTTON: &str = "[ Opslaan ]";
pub const SAVING: &str = "[ Bezig met opslaan… ]";
pub const FIX_FIELDS: &str = "Niet opgeslagen: herstel de gemarkeerde velden.";
pub const NO_CHANGES: &str = "Geen wijzigingen; niets opgeslagen.";
pub const CONFIRM_TITLE: &str = " Wijzigingen weggooien? ";
pub const CONFIRM_DISCARD: &str = "Je hebt dingen veranderd die nog niet zijn opgeslagen. Weggooien? j = ja, n = nee";

pub fn saved(name: &str) -> String {
    format!("Dossier van {name} opgeslagen.")
}

// ---- Passphrase, recovery, integrity ----
pub const PASSPHRASE: &str = "Wachtwoordzin";
pub const NEW_PASSPHRASE: &str = "Nieuwe wachtwoordzin";
pub const AGAIN: &str = "Nog een keer";
pub const RECOVERY_CODE: &str = "Herstelcode";
pub const UNLOCK_BUTTON: &str = "[ Ontgrendelen ]";
pub const SET_PASSPHRASE_BUTTON: &str = "[ Wachtwoordzin instellen ]";
pub const RECOVER_BUTTON: &str = "[ Herstellen ]";
pub const PASSPHRASES_DIFFER: &str = "de twee wachtwoordzinnen verschillen";
pub const UNLOCK_TITLE: &str = "Ontgrendelen";
pub const UNLOCK_TEXT: &str = "De dossiers zijn versleuteld. Typ je wachtwoordzin en druk Enter. Vergeten? Druk F2 om te herstellen met de herstelcode.";
pub const UNLOCKING: &str = "Bezig met ontgrendelen…";
pub const CREATE_TITLE: &str = "Kies een wachtwoordzin";
pub const CREATE_TEXT: &str = "tandem versleutelt alle dossiers. Kies een wachtwoordzin van minstens 12 tekens, bijvoorbeeld vier losse woorden. Zonder wachtwoordzin of herstelcode is niets meer te lezen.";
pub const RECOVER_TITLE: &str = "Herstellen met de herstelcode";
pub const RECOVER_TEXT: &str =
    "Typ de herstelcode die je bij het instellen hebt opgeschreven, en kies een nieuwe wachtwoordzin. Esc gaat terug.";
pub const SHOW_RECOVERY_TITLE: &str = "Je herstelcode: schrijf hem nu op";
pub const SHOW_RECOVERY_TEXT: &str = "Met deze code open je de dossiers als de wachtwoordzin vergeten is. Hij wordt maar één keer getoond. Schrijf hem op papier en bewaar hem op een veilige plek, niet op deze computer. Druk Enter als je hem hebt opgeschreven.";
pub const DAMAGED_TITLE: &str = "De gegevens zijn niet in orde";
pub const NO_BACKUPS: &str =
    "Er is geen back-up gevonden. Neem contact op met je beheerder en bewaar de map met gegevens.";
pub const DELETED: &str = "Dossier verwijderd; alleen anonieme telgegevens zijn bewaard.";
pub const CONFIRM_QUIT: &str = "Er staat nog niet-opgeslagen invoer open. Ontgrendel om die te bewaren. Toch stoppen (invoer gaat verloren)? j = ja, n = nee";
pub const CONFIRM_QUIT_TITLE: &str = " Stoppen? ";
pub const CONFIRM_QUIT_UNSAVED: &str = "Je hebt dingen veranderd die nog niet zijn opgeslagen. Toch stoppen (de wijzigingen gaan verloren)? j = ja, n = nee";
pub const CONFIRM_DELETE_TITLE: &str = " Dossier verwijderen? ";
pub const CONFIRM_DELETE: &str = "Alles over dit kind wordt definitief verwijderd (alleen anonieme telgegevens blijven). Dit kan niet ongedaan worden. Verwijderen? j = ja, n = nee";
pub const CONFIRM_RETENTION_TITLE: &str = " Bewaartermijn verstreken ";

/// "1 dossier", "3 dossiers": a count with its noun in singular or plural.
fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn confirm_retention(n: usize, years: u32) -> String {
    let (cases, must) = if n == 1 { ("1 gesloten dossier is", "moet") } else { ("gesloten dossiers zijn", "moeten") };
    let cases = if n == 1 { cases.to_string() } else { format!("{n} {cases}") };
    format!(
        "{cases} langer dan {years} jaar gesloten en {must} worden verwijderd (alleen anonieme telgegevens blijven). Nu verwijderen? j = ja, n = later"
    )
}

pub fn exported(path: &Path) -> String {
    format!("Inzage-export geschreven: {} ({})", file_name(path), not_encrypted(path))
}

/// The last part of a path, for messages that say the folder apart.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

pub fn agenda_written(path: &Path) -> String {
    format!("E3-agenda geschreven: {} ({})", file_name(path), not_encrypted(path))
}

pub const LOCKED_NOTE: &str = "Vergrendeld na een tijd zonder gebruik; wat je aan het typen was, is bewaard.";

pub fn passphrase_too_short(min: usize) -> String {
    format!("te kort: minstens {min} tekens")
}

pub fn wait_seconds(secs: i64) -> String {
    format!("Wacht nog {secs} s en typ de wachtwoordzin dan opnieuw (te vaak onjuist).")
}

pub fn restore_hint(file: &Path, created: &str) -> String {
    format!(
        "Nieuwste goede back-up: {created} ({}).\nDruk Enter om hem terug te zetten (de huidige gegevens blijven ernaast bewaard), of q om te stoppen. Later kan het ook met: tandem restore BESTAND",
        file.display()
    )
}

pub const RESTORED_UNLOCK: &str = "Back-up teruggezet. Ontgrendel met de wachtwoordzin van toen.";

// ---- Set-up ----
pub const SETUP_TITLE: &str = "Welkom bij tandem: eerst de school en het team";
pub const SETUP_SCHOOL: &str = "Naam van de school";
pub const SETUP_SCHOOL_HINT: &str = "bijv. OBS De Regenboog";
pub const SETUP_BRIN: &str = "BRIN (optioneel)";
pub const SETUP_BRIN_HINT: &str = "bijv. 12AB";
pub const SETUP_YOU: &str = "Jouw naam";
pub const SETUP_NAME_HINT: &str = "voor- en achternaam";
pub const SETUP_ROLE: &str = "  rol";
/// The deciders at set-up, in the order of `DeciderRole::ALL`.
pub const SETUP_DECIDERS: &[&str] =
    &["Schooldirecteur", "Teamleider wijkteam", "Directeur SWV", "Gemeente (OGGO)", "OGGO-overleg"];
pub const SETUP_DECIDER_HINT: &str = "naam: beslist bij opschalen (mag leeg)";

pub fn setup_colleague(n: usize) -> String {
    format!("Collega {n} (optioneel)")
}

pub fn welcome(school: &str) -> String {
    format!("Ingesteld voor {school}.")
}

// ---- Case list ----
pub const LIST_COLUMNS: [&str; 6] = ["  Leerling", "Gr", "Stap", "Casushouder", "Volgende", "Signalen"];
pub const LIST_EMPTY: &str = "  Nog geen dossiers. Druk n om het eerste signaal vast te leggen.";
pub const LIST_NO_MATCH: &str = "  Geen dossiers gevonden; Esc wist het filter.";
pub const FILTER_LABEL: &str = "Zoek:";
pub const FLAG_OVERDUE: &str = "! te laat ";
pub const FLAG_SOON: &str = "• binnenkort ";
pub const FLAG_SAFETY: &str = "▲ veilig ";
/// Two copies gave one field different values; a member picks one in the case view.
pub const FLAG_CLASH: &str = "≠ kiezen ";
/// The pupil column of a case this copy holds without the pupil's identity.
pub const ANONYMOUS_PUPIL: &str = "anoniem";

/// The pupil as screens and printouts name them: `anoniem` where this copy does not hold
/// the identity (the record's name is empty there).
pub fn pupil(case: &crate::domain::case::Case) -> String {
    if case.copy.anonymous() { ANONYMOUS_PUPIL.to_string() } else { case.pupil_name() }
}
pub const SCHOOL_COLUMN: &str = "School";
pub const FLAG_CLOSED: &str = "✓ gesloten";
pub const LOADING: &str = "laden…";

/// A closed case whose content will be deleted soon (retention).
pub const FLAG_SUGGESTED: &str = "⚑ opschalen? ";

pub fn flag_escalated(level: crate::domain::escalation::Level) -> String {
    format!("⇧{} ", level.code())
}

pub fn flag_deletion(day: chrono::NaiveDate) -> String {
    format!("✗ weg op {}", day.format("%d-%m-%y"))
}

pub fn filter_hint(key: &str) -> String {
    format!(" {key} zoekt op naam, groep, stap of casushouder")
}

/// "1 dossier", "12 dossiers".
pub fn case_count(n: usize) -> String {
    match n {
        1 => "1 dossier".into(),
        n => format!("{n} dossiers"),
    }
}

pub fn damaged_records(n: usize) -> String {
    format!("{} onleesbaar en niet getoond; draai `tandem check` voor details.", count(n as u64, "dossier", "dossiers"))
}

// ---- A case as read: field values as text ----
/// A field of a part this copy does not hold (no consent for it).
pub const NOT_SHARED: &str = "— (niet gedeeld)";

/// One field of a case as text, as the detail view and the export show it.
pub fn field_value(
    case: &crate::domain::case::Case,
    field: crate::domain::case::Field,
    team: &crate::domain::team::Team,
    route: &crate::domain::route::Routekaart,
    today: chrono::NaiveDate,
) -> String {
    use crate::domain::case::Field;
    let i = &case.intake;
    if case.copy.withholds(field) {
        return NOT_SHARED.to_string();
    }
    match field {
        Field::FirstName => i.first_name.clone(),
        Field::LastName => i.last_name.clone(),
        Field::BirthDate => {
            let age = crate::domain::date::age_on(i.birth_date, today).unwrap_or(0);
            format!("{} ({age} {})", crate::domain::date::format(i.birth_date), YEARS)
        }
        Field::Groep => i.groep.to_string(),
        Field::Gezag => i.gezag.label().to_string(),
        Field::SignalDate => crate::domain::date::format(i.signal_date),
        Field::Source => i.source.label().to_string(),
        Field::Domains => i.domains.iter().map(|d| d.label()).collect::<Vec<_>>().join(", "),
        Field::Note => i.note.clone(),
        Field::Holder => team.name_of(&i.holder).to_string(),
        Field::Step => route.label(&case.step),
        Field::Due => case.due.map(crate::domain::date::format).unwrap_or_else(|| "—".into()),
    }
}

/// A recorded step value as text.
pub fn value_text(value: &crate::domain::route::Value, team: &crate::domain::team::Team) -> String {
    use crate::domain::route::Value;
    match value {
        Value::Text(s) | Value::Choice(s) => s.clone(),
        Value::Date(d) => crate::domain::date::format(*d),
        Value::Multi(items) => items.join(", "),
        Value::YesNo(b) => yes_no(*b).to_string(),
        Value::Person(id) => team.name_of(id).to_string(),
        Value::Score(n) => format!("{n} van 5"),
        Value::Number(n) => n.to_string(),
        Value::Goals(goals) => {
            goals.iter().map(|g| format!("doel {}: {}", g.goal, g.result)).collect::<Vec<_>>().join(", ")
        }
    }
}

/// The words a new plan takes from the route (`Plan::prefilled`).
pub const PLAN_WORDS: crate::domain::plan::Words =
    crate::domain::plan::Words { value: value_text, section: |s| s.label() };

// ---- Right of access (the parents' copy) ----
pub const ACCESS_TITLE: &str = "Inzage: wat tandem bewaart over";
pub const ACCESS_RECORDED: &str = "Vastgelegd";
pub const ACCESS_RIGHTS_TITLE: &str = "Uw rechten";
pub const ACCESS_ROUTE: &str = "Route";
pub const ACCESS_CONSENT: &str = "Toestemming";
pub const ACCESS_NO_CONSENT: &str = "Er is (nog) geen toestemming vastgelegd.";
pub const ACCESS_STEP_OPEN: &str = "nu bezig";

pub const ACCESS_STORED: &str = "Alles wat tandem over uw kind bewaart";
pub const ACCESS_STORED_INTRO: &str = "Hieronder staat het dossier precies zoals het is opgeslagen, ook wat hierboven al staat: elk gegeven, elke stap, toestemming, opschaling met vragen en besluiten, en afwezigheid.";
pub const ACCESS_PLANS: &str = "Plan van aanpak: alle versies, zoals opgeslagen";

/// The Dutch name of a key of the stored record in the parents' copy (the key itself
/// for one not listed).
pub fn access_key(key: &str) -> String {
    let known = match key {
        "id" => "kenmerk",
        "revision" => "aantal keer bewaard",
        "intake" => "signaal",
        "first_name" => "voornaam",
        "last_name" => "achternaam",
        "birth_date" => "geboortedatum",
        "groep" => "groep",
        "gezag" => "gezag",
        "signal_date" => "datum signaal",
        "source" => "signaal van",
        "domains" => "gebieden",
        "note" => "notitie",
        "holder" => "dossierhouder",
        "step" => "stap",
        "due" => "uiterste datum",
        "closed_on" => "afgesloten op",
        "visits" => "route",
        "entered" => "begonnen op",
        "values" => "vastgelegd",
        "done" => "afgerond",
        "on" => "datum",
        "outcome" => "uitkomst",
        "by" => "door",
        "consents" => "toestemming",
        "purpose" => "waarvoor",
        "given" => "gegeven",
        "form" => "vorm",
        "recorded_by" => "vastgelegd door",
        "escalations" => "opschalingen",
        "reason" => "reden",
        "rungs" => "niveaus",
        "level" => "niveau",
        "domain" => "soort vraag",
        "opened" => "gevraagd op",
        "asked_by" => "gevraagd door",
        "question" => "vraag",
        "deciders" => "beslissers",
        "decision" => "besluit",
        "what" => "wat",
        "follow_up" => "vervolg op",
        "resolved" => "opgelost",
        "absences" => "afwezigheid",
        "from" => "van",
        "to" => "tot en met",
        "dismissals" => "suggesties terzijde gelegd",
        "kind" => "soort",
        "since" => "sinds",
        "versions" => "versies",
        "version" => "versie",
        "started" => "begonnen op",
        "concerns" => "zorgen",
        "text" => "tekst",
        "priority" => "prioriteit",
        "division" => "verdeling",
        "payer" => "betaalt",
        "goals" => "doelen",
        "criterion" => "criterium",
        "concern" => "zorg",
        "actions" => "acties",
        "party" => "partij",
        "person" => "persoon",
        "status" => "status",
        "goal" => "doel",
        "contact" => "contact",
        "evaluations" => "evaluaties",
        "signers" => "ondertekenaars",
        "role" => "rol",
        "name" => "naam",
        "signed" => "getekend op",
        "next_id" => "volgend nummer",
        other => return other.replace('_', " "),
    };
    known.to_string()
}

/// "delen met SWV: gegeven op 01-11-2026 door moeder (mondeling), vastgelegd door Anna Bakker"
pub fn access_consent_line(purpose: &str, record: &str, by: &str) -> String {
    format!("{purpose}: {record}, vastgelegd door {by}")
}

/// "23-11-2026 09:00 · Anna Bakker · dossier aangemaakt"
pub fn access_history_line(at: &str, who: &str, what: &str) -> String {
    format!("{at} · {who} · {what}")
}

pub fn access_step_done(on: &str, outcome: &str) -> String {
    format!("afgerond {on}: {outcome}")
}
pub const ACCESS_RIGHTS: &str = "U mag alles inzien wat over uw kind is vastgelegd, en vragen om correctie of verwijdering. Vraag het aan de intern begeleider of het wijkteam. Een dossier wordt uiterlijk twee jaar na afsluiten verwijderd; daarna blijven alleen anonieme telgegevens over. tandem bewaart geen BSN.";

pub fn access_intro(school: &str, date: &str) -> String {
    format!(
        "Opgesteld op {date} door {school} voor de ouders/verzorgers. Dit overzicht bevat alles wat in tandem over dit kind is vastgelegd, en wie wanneer iets heeft veranderd."
    )
}

/// What a history entry says happened, with the routekaart's titles and labels for the
/// ids it keeps.
pub fn change_kind(kind: &crate::domain::history::ChangeKind, route: &crate::domain::route::Routekaart) -> String {
    use crate::domain::history::{ChangeKind, DeleteReason};
    let outcome = |step: &str, id: &str| {
        let label = route.step(step).and_then(|s| s.outcomes.iter().find(|o| o.id == id)).map(|o| o.label.clone());
        label.unwrap_or_else(|| id.to_string())
    };
    match kind {
        ChangeKind::Created => CREATED.to_string(),
        ChangeKind::Edited { fields } => {
            format!("{EDITED}: {}", fields.iter().map(|f| f.label().to_lowercase()).collect::<Vec<_>>().join(", "))
        }
        ChangeKind::StepRecorded { step } => format!("stap {} bijgewerkt", route.label(step)),
        ChangeKind::StepCompleted { step, outcome: o } => {
            format!("stap {} afgerond: {}", route.label(step), outcome(step, o))
        }
        ChangeKind::ConsentRecorded { purpose, given: true } => {
            format!("toestemming gegeven: {}", route.purpose_name(purpose))
        }
        ChangeKind::ConsentRecorded { purpose, given: false } => {
            format!("toestemming ingetrokken: {}", route.purpose_name(purpose))
        }
        ChangeKind::ConsentRefused { purpose } => format!("toestemming geweigerd: {}", route.purpose_name(purpose)),
        ChangeKind::Deleted { reason: DeleteReason::Request } => "dossier verwijderd op verzoek".into(),
        ChangeKind::Deleted { reason: DeleteReason::Retention } => {
            "dossier verwijderd (bewaartermijn verstreken)".into()
        }
        ChangeKind::AccessExport => "inzage-export gemaakt voor de ouders".into(),
        ChangeKind::PlanStarted { version } => format!("plan van aanpak versie {version} begonnen"),
        ChangeKind::PlanSigned { version } => format!("plan van aanpak versie {version} ondertekend"),
        ChangeKind::PlanPrinted { version } => format!("plan van aanpak versie {version} afgedrukt"),
        ChangeKind::Escalated { level } => format!("opgeschaald: {}", level.label()),
        ChangeKind::EscalationDecided { level, resolved } => {
            format!(
                "besluit {} vastgelegd ({})",
                level.label(),
                if *resolved { "opgelost" } else { "nog niet opgelost" }
            )
        }
        ChangeKind::QuestionEdited { level } => format!("vraag {} aangepast", level.label()),
        ChangeKind::TriggerDismissed { .. } => "suggestie om op te schalen terzijde gelegd".into(),
        ChangeKind::AbsenceRecorded => "verzuim bijgewerkt".into(),
        ChangeKind::SigningKeyCreated => "ondertekensleutel voor de export gemaakt".into(),
        ChangeKind::BundlesImported { bundles } => {
            format!("{} van scholen ingelezen", count(*bundles as u64, "bundel", "bundels"))
        }
        ChangeKind::Exported { sequence, cases, dossiers } => {
            format!("export {sequence} naar het SWV: {cases} dossiers, waarvan {dossiers} met escalatiedossier")
        }
        ChangeKind::MemberKeysCreated => "eigen sleutels voor samenwerken gemaakt".into(),
        ChangeKind::PartnerAdded { member } => format!("tandempartner {member} vertrouwd"),
        ChangeKind::PartnerRemoved { member } => format!("tandempartner {member} verwijderd"),
        // The entry's `who` names the author; their member id (`from`) stays in the audit trail.
        ChangeKind::Received { changes, .. } => {
            format!("{} binnengekomen via de gedeelde map", count(*changes as u64, "wijziging", "wijzigingen"))
        }
        ChangeKind::PartDropped { part } => {
            format!("{} hier gewist: de toestemming om die te delen is ingetrokken", part.label())
        }
        ChangeKind::ClashSettled { part, path } => format!("tegenstrijdige waarde gekozen ({}, {path})", part.label()),
        ChangeKind::KeyCreated => "versleuteling ingesteld".into(),
        ChangeKind::PassphraseChanged => "wachtwoordzin gewijzigd".into(),
        ChangeKind::RecoveryUsed => "herstelcode gebruikt, nieuwe wachtwoordzin".into(),
    }
}

// ---- Routekaart wizard ----
pub const STEP: &str = "Stap";
/// A step off the main route (the meldcode), in the wizard's title.
pub const BRANCH: &str = "zijpad";
pub const OUTCOME: &str = "Uitkomst (volgende stap)";
pub const COMPLETE_BUTTON: &str = "[ Stap afronden ]";
pub const RECORD_BUTTON: &str = "[ Vastleggen ]";
pub const NO_OUTCOME: &str = "kies een uitkomst die past bij wat is ingevuld";
pub const SCORE_RANGE: &str = "kies een score van 1 tot 5";
pub const BLOCKED: &str = "Kan de stap nog niet afronden:";
pub const WIZARD_NOTE: &str = "Alles wordt meteen als concept bewaard; Ctrl-S legt vast zonder af te ronden.";
pub const NUMBER_HINT: &str = "een getal, bijv. 8";
pub const NOT_A_NUMBER: &str = "vul een getal in (cijfers, bijv. 8)";
pub const NOTE_WILL_BE_CLEARED: &str = "Let op: bij zorgen over veiligheid volgt de meldcode. Daarvan wordt alleen vastgelegd dát hij is gestart, door wie en wanneer: de notitie bij het signaal wordt gewist bij opslaan.";
/// A case form field this copy does not hold: not shown, not edited.
pub const NOT_SHARED_HINT: &str = "niet gedeeld: de ouders gaven daar (nog) geen toestemming voor";
pub const NOTE_BARRED_HINT: &str = "niet bij de meldcode: alleen dát, door wie en wanneer";

/// "Doel 2: Sem leest elke dag ..." (the goal's text shortened to fit the label column).
pub fn goal_label(n: usize, text: &str) -> String {
    let short: String = text.chars().take(26).collect();
    let more = if text.chars().count() > 26 { "…" } else { "" };
    format!("Doel {n}: {short}{more}")
}

pub fn date_in_future(label: &str) -> String {
    format!("{label}: deze datum ligt in de toekomst")
}

pub fn recorded_not_completed(name: &str) -> String {
    format!("Vastgelegd voor {name}; de stap is nog niet afgerond.")
}

pub const CONSENT_TITLE: &str = "Toestemming vastleggen";
pub const CONSENT_PURPOSE: &str = "Waarvoor";
pub const CONSENT_DECISION: &str = "Besluit";
pub const CONSENT_DECISIONS: &[&str] = &["gegeven", "geweigerd", "ingetrokken"];
pub const CONSENT_FORM: &str = "Vorm";
pub const CONSENT_FORMS: &[&str] = &["mondeling", "schriftelijk"];
pub const CONSENT_DATE: &str = "Datum";
pub const CONSENT_WHO: &str = "Door wie";
pub const CONSENT_NO_PARTY: &str = "kies wie dit besluit nam (spatie of cijfer zet iemand aan)";
pub const CONSENT_PARTY_NOT_NOW: &str = "op deze datum telt het besluit van deze persoon niet (onder 12: de ouders met gezag; 12 tot 16: ouders en kind; vanaf 16: het kind)";

/// A party who decides on consent, named for the child's gezag.
pub fn party(p: crate::domain::consent::Party, gezag: crate::domain::case::Gezag) -> &'static str {
    use crate::domain::case::Gezag;
    use crate::domain::consent::Party;
    match (p, gezag) {
        (Party::Child, _) => "het kind",
        (Party::SecondParent, _) => "ouder 2 (gezag)",
        (Party::FirstParent, Gezag::BothParents) => "ouder 1 (gezag)",
        (Party::FirstParent, Gezag::Mother) => "moeder",
        (Party::FirstParent, Gezag::Father) => "vader",
        (Party::FirstParent, Gezag::Guardian) => "voogd / GI",
        (Party::FirstParent, Gezag::Other) => "gezaghebbende",
    }
}

/// One consent record as shown: "gegeven op 01-11-2026 door moeder (mondeling)".
pub fn consent_record(c: &crate::domain::consent::Consent, gezag: crate::domain::case::Gezag) -> String {
    let form = CONSENT_FORMS[usize::from(c.form == crate::domain::consent::ConsentForm::Written)];
    format!("{} op {} door {} ({form})", c.decision.label(), c.on.format("%d-%m-%Y"), consent_parties(c, gezag))
}

/// Who decided, as shown: the parties' names for the child's gezag, or for an old
/// record whose consent counted then.
fn consent_parties(c: &crate::domain::consent::Consent, gezag: crate::domain::case::Gezag) -> String {
    match c.by {
        Some(g) => giver(g).to_string(),
        None => c.parties.iter().map(|p| party(*p, gezag)).collect::<Vec<_>>().join(" en "),
    }
}

/// Where consent for a purpose stands: given by all who must, or per party what is
/// still missing.
pub fn consent_state(
    purpose: &str,
    status: &[(crate::domain::consent::Party, Option<&crate::domain::consent::Consent>)],
    given: bool,
    gezag: crate::domain::case::Gezag,
) -> String {
    if status.iter().all(|(_, c)| c.is_none()) {
        return format!("· toestemming {purpose}: nog niet vastgelegd");
    }
    if given {
        let who = status.iter().map(|(p, _)| party(*p, gezag)).collect::<Vec<_>>().join(" en ");
        let last = status.iter().filter_map(|(_, c)| c.map(|c| c.on)).max().map(|d| d.format("%d-%m-%Y"));
        return format!(
            "✓ toestemming {purpose}: gegeven door {who} ({})",
            last.map(|d| d.to_string()).unwrap_or_default()
        );
    }
    let parts = status.iter().map(|(p, c)| {
        let who = party(*p, gezag);
        match c {
            Some(c) => format!("{who} {} {}", c.decision.label(), c.on.format("%d-%m-%Y")),
            None => format!("{who} nog niet gevraagd"),
        }
    });
    format!("✗ toestemming {purpose}: {}", parts.collect::<Vec<_>>().join(", "))
}

pub fn giver(g: crate::domain::consent::Giver) -> &'static str {
    use crate::domain::consent::Giver;
    match g {
        Giver::Parents => "ouders met gezag",
        Giver::ParentsAndChild => "ouders en kind",
        Giver::Child => "het kind zelf",
    }
}

pub fn consent_needed_from(who: &str, key: &str) -> String {
    format!("Toestemming nu nodig van: {who} · {key}: toestemming vastleggen")
}

pub fn unknown_step(step: &str) -> String {
    format!("Stap \"{step}\" staat niet (meer) in de routekaart; pas de routekaart aan of kies de stap opnieuw.")
}

pub fn missing(label: &str) -> String {
    format!("{label} is nog leeg")
}

pub const ROUTE_TITLE: &str = " Route ";

pub fn track_closed(day: chrono::NaiveDate) -> String {
    format!("afgesloten {}", day.format("%d-%m-%y"))
}

/// The steps still ahead on a narrow screen: "nog: S4 S5 S6".
pub fn track_ahead(steps: &str) -> String {
    format!("nog: {steps}")
}

pub fn track_due(day: chrono::NaiveDate, overdue: bool) -> String {
    if overdue { format!("te laat ({})", day.format("%d-%m")) } else { format!("vóór {}", day.format("%d-%m")) }
}

pub fn who_acts(who: &str) -> String {
    format!("Wie: {who}")
}

pub fn deadline_line(day: chrono::NaiveDate, overdue: bool) -> String {
    if overdue {
        format!("! te laat: moest af zijn op {}", day.format("%d-%m-%Y"))
    } else {
        format!("Af vóór {}", day.format("%d-%m-%Y"))
    }
}

// ---- Case detail ----
pub const HISTORY: &str = "Geschiedenis";
pub const CREATED: &str = "dossier aangemaakt";
pub const EDITED: &str = "gewijzigd";
pub const CASE_GONE: &str = "Dit dossier bestaat niet meer.";

// ---- Title bar, help, keys ----
pub const DEMO_BADGE: &str = " DEMO ";
pub const DEMO_NOTE: &str = "verzonnen dossiers · versleuteld · niets bewaard";
pub const DEMO_NO_EXPORT: &str = "In de demo wordt niets buiten de demo bewaard.";
pub const DEMO_SCHOOL: &str = "Demoschool De Vlinder";
pub const HELP_TITLE: &str = " Help · toetsen ";
pub const HELP_REMAP: &str = "  Toetsen aanpassen: [keys] in config.toml (zie README).";

pub fn too_small(min_w: u16, min_h: u16, w: u16, h: u16, quit: &str) -> String {
    format!(
        "Venster te klein: tandem heeft minstens {min_w}×{min_h} nodig (nu {w}×{h}). Maak het venster groter, of druk {quit} om te stoppen."
    )
}

// ---- Plan van aanpak ----
pub const PLAN_SECTIONS: [&str; 14] = [
    "Kind, gezin en betrokkenen",
    "Vraag van ouders en kind",
    "Krachten en zorgen",
    "Onderwijs- en ondersteuningsbehoeften",
    "Beschermende en risicofactoren",
    "Verdeling onderwijs / gedeeld / jeugdhulp",
    "Doelen (SMART)",
    "Acties",
    "Wat ouders en netwerk zelf doen",
    "Regiehouder en contact",
    "Evaluatie",
    "Afspraken over informatie delen",
    "Ondertekening",
    "Verwijzingen",
];
pub const PLAN_DOMAINS: &[&str] = &["onderwijs", "gedeeld", "jeugdhulp", "overig"];
pub const PRIORITIES: &[&str] = &["hoog", "midden", "laag"];
pub const PARTIES: &[&str] = &["school", "wijkteam", "ouders", "netwerk", "extern"];
pub const ACTION_STATUSES: &[&str] = &["gepland", "bezig", "klaar", "vervallen"];
pub const PAYERS: &[&str] =
    &["school", "SWV (arrangement)", "gemeente (Jeugdwet)", "zorgverzekeraar (Zvw)", "Wlz", "ouders"];
pub const SIGNER_ROLES: &[&str] = &["Ouder/verzorger", "Kind", "Intern begeleider", "Wijkteam"];
pub const PLAN_NOT_FROZEN: &str =
    "de huidige versie is nog niet ondertekend; pas die aan in plaats van een nieuwe te beginnen";
pub const MISSING_QUESTION: &str = "De vraag van ouders en kind ontbreekt";
pub const MISSING_GOALS: &str = "Er is nog geen doel";
pub const MISSING_ACTIONS: &str = "Er is nog geen actie";
pub const MISSING_REGIE: &str = "Er is geen regiehouder";
pub const MISSING_EVALUATION: &str = "Er is geen evaluatiedatum";
pub const PRINT_DATE: &str = "datum";
pub const PRINT_NOT_SIGNED: &str = "nog niet getekend";

pub const PLAN_TITLE: &str = "Integraal plan van aanpak";
pub const PLAN_DRAFT: &str = "concept";
pub const PRINT_PUPIL: &str = "Leerling";
pub const PRINT_SCHOOL: &str = "School";
pub const PRINT_VERSION: &str = "versie";
pub const PRINT_NAME: &str = "Naam";
pub const PRINT_EVAL_DATES: &str = "Evaluatiedata";
pub const PRINT_CONCERN_HEADER: [&str; 2] = ["Zorg", "Prioriteit"];
pub const PRINT_DIVISION_HEADER: [&str; 3] = ["Domein", "Wat", "Wie betaalt"];
pub const PRINT_GOAL_HEADER: [&str; 5] = ["Nr", "Doel", "Domein", "Evaluatiecriterium", "Bij zorg"];
pub const PRINT_ACTION_HEADER: [&str; 5] = ["Wat", "Wie", "Vóór", "Status", "Bij doel"];

/// The options of a yes/no choice, "yes" first.
pub const YES_NO: [&str; 2] = ["ja", "nee"];

pub fn yes_no(b: bool) -> &'static str {
    YES_NO[usize::from(!b)]
}

pub fn plan_signed_on(date: &str) -> String {
    format!("ondertekend op {date}")
}

pub fn printed_on(date: &str) -> String {
    format!("afgedrukt op {date}")
}

/// "school", "Fatima (wijkteam)", or "—" when nobody is named.
pub fn action_owner(party: Option<&str>, person: &str) -> String {
    match (party, person.trim()) {
        (None, "") => "—".into(),
        (Some(p), "") => p.to_string(),
        (None, name) => name.to_string(),
        (Some(p), name) => format!("{name} ({p})"),
    }
}

pub const NO_SUCH_CASE: &str = "Dit dossier bestaat niet (meer).";
pub const NO_PLAN: &str = "Dit dossier heeft nog geen plan van aanpak; begin het in tandem met p in het dossier.";

pub fn export_write_failed(path: &Path, error: &std::io::Error) -> String {
    format!("Kon {} niet schrijven: {}. Er is niets anders veranderd.", path.display(), io_hint(error))
}

pub fn plan_bsn(section: &str) -> String {
    format!("Niet bewaard: in {section} staat iets dat op een BSN lijkt; tandem bewaart geen BSN, haal het weg.")
}

pub fn access_plan_attached(version: u32, file: &str) -> String {
    format!("\nVersie {version} van het plan van aanpak staat ook als PDF in het bijgevoegde bestand {file}.\n")
}

pub fn export_exists(path: &Path) -> String {
    format!(
        "{} bestaat al; tandem schrijft er niet overheen. Kies een andere naam of verplaats het bestand eerst.",
        path.display()
    )
}

/// Said with every plaintext file tandem writes on purpose.
pub fn not_encrypted(path: &Path) -> String {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    format!("niet versleuteld, alleen leesbaar voor jou, in {}", dir.display())
}

pub const GOAL: &str = "doel";
pub const CONTACT_HINT: &str = "telefoon of e-mail";
pub const PLAN_COMPLETE: &str = "Het plan is compleet: alles staat erin en iedereen heeft getekend.";
pub const EVALUATION_TWICE: &str = "deze evaluatiedatum staat er al";

/// Labels of the forms for plan items.
pub struct PlanFormLabels {
    pub concern: &'static str,
    pub priority: &'static str,
    pub domain: &'static str,
    pub what: &'static str,
    pub payer: &'static str,
    pub goal: &'static str,
    pub criterion: &'static str,
    pub for_concern: &'static str,
    pub party: &'static str,
    pub person: &'static str,
    pub by: &'static str,
    pub status: &'static str,
    pub for_goal: &'static str,
    pub evaluation: &'static str,
    pub role: &'static str,
    pub name: &'static str,
    pub signed: &'static str,
    pub regiehouder: &'static str,
    pub contact: &'static str,
    pub opp: &'static str,
    pub meldcode: &'static str,
}

pub const PLAN_FORM_LABELS: PlanFormLabels = PlanFormLabels {
    concern: "Zorg",
    priority: "Prioriteit",
    domain: "Domein",
    what: "Wat",
    payer: "Wie betaalt",
    goal: "Doel (SMART)",
    criterion: "Evaluatiecriterium",
    for_concern: "Bij zorg",
    party: "Wie (partij)",
    person: "Wie (naam)",
    by: "Vóór (datum)",
    status: "Status",
    for_goal: "Bij doel",
    evaluation: "Evaluatiedatum",
    role: "Rol",
    name: "Naam",
    signed: "Getekend op",
    regiehouder: "Regiehouder (casusregisseur)",
    contact: "Contact",
    opp: "OPP of groeidocument aanwezig",
    meldcode: "Meldcode gestart",
};

pub fn criterion(text: &str) -> String {
    if text.trim().is_empty() { "geen criterium".into() } else { format!("criterium: {}", text.trim()) }
}

pub fn signed_on(date: &str) -> String {
    format!("getekend {date}")
}

pub fn plan_now_signed(version: u32) -> String {
    format!("Iedereen heeft getekend: versie {version} is vastgesteld en ligt nu vast.")
}

pub fn plan_version_started(version: u32) -> String {
    format!("Versie {version} begonnen als kopie van de vorige; pas aan en laat opnieuw tekenen.")
}

pub fn plan_incomplete_to_sign(open: usize) -> String {
    format!("eerst het plan compleet maken: nog {} open (F4)", count(open as u64, "punt", "punten"))
}

pub const PLAN_OPENING: &str = "Plan van aanpak wordt geopend…";
pub const PRINTING: &str = "Plan wordt afgedrukt…";
pub const NO_EARLIER_VERSION: &str = "Dit is de eerste versie; er is geen eerdere om mee te vergelijken.";

/// The characters the PDF's font (DejaVu Sans) lacks: printed as �, in the Markdown as typed.
pub fn unprintable(chars: &[char]) -> String {
    let shown: String = chars.iter().take(20).collect();
    let more = if chars.len() > 20 { " …" } else { "" };
    let count = if chars.len() == 1 { "1 teken".to_string() } else { format!("{} tekens", chars.len()) };
    format!(
        "Let op: de PDF kan {count} niet afdrukken ({shown}{more}); die staan er als �. Latijns, Grieks en Cyrillisch schrift drukt af, Chinees, Japans, Koreaans en veel andere schriften niet. In de Markdown staat alles zoals getypt."
    )
}

pub fn printed(pdf: &Path, md: &Path) -> String {
    format!("Afgedrukt: {} en {} ({})", file_name(pdf), file_name(md), not_encrypted(pdf))
}

pub fn version_title(version: u32) -> String {
    format!("Versie {version}")
}

pub fn compare_title(old: u32, new: u32) -> String {
    format!("Wijzigingen van versie {old} naar versie {new}")
}

pub const PLAN_EMPTY_TEXT: &str = "(nog leeg; Tab of Enter om te schrijven)";
pub const CONFIRM_REMOVE_ITEM: &str = "Deze regel uit het plan verwijderen? j = ja, n = nee";
pub const CONFIRM_REMOVE_ITEM_TITLE: &str = " Regel verwijderen? ";
pub const CONFIRM_NEW_VERSION_TITLE: &str = " Nieuwe versie beginnen? ";
pub const MISSING_TITLE: &str = "Wat ontbreekt nog (Enter: ga erheen)";
pub const VERSIONS_TITLE: &str = "Versies (Enter: lezen, v: verschillen, n: nieuwe versie)";

pub fn plan_empty_list(key: &str) -> String {
    format!(" (nog niets; {key} om toe te voegen)")
}

pub fn plan_frozen_hint(key: &str) -> String {
    format!("Deze versie is ondertekend en ligt vast. Bijstellen na een evaluatie: {key}, dan n (nieuwe versie).")
}

pub fn confirm_new_version(version: u32) -> String {
    format!(
        "Versie {version} beginnen als kopie van de ondertekende versie? De handtekeningen gaan eraf. j = ja, n = nee"
    )
}

pub fn version_line(version: u32, started: &str, state: &str) -> String {
    format!("Versie {version} · begonnen {started} · {state}")
}

pub const PDF_UNKNOWN: &str = "onbekende fout";
pub const PDF_INVALID: &str = "ongeldige uitvoer";
pub const PDF_NAME: &str = "Naam:";
pub const PDF_DATE: &str = "Datum:";
pub const PDF_DATE_SPACE: &str = "Datum: ";
pub const PDF_SIGNATURE: &str = "Handtekening:";

pub fn pdf_failed(detail: &str) -> String {
    format!("Kon de PDF niet maken: {detail}. Er is niets weggeschreven.")
}

pub fn page_of(page: usize, total: usize) -> String {
    format!("pagina {page} van {total}")
}

pub const PLAN_EXPORT_NO_TARGET: &str = "Zeg waar het plan heen moet: --pdf BESTAND en/of --md BESTAND, bijvoorbeeld: tandem plan export 1a2b3c4d --pdf plan.pdf";

pub fn case_not_found(query: &str) -> String {
    format!("Geen dossier met id {query}. Gebruik het id uit `tandem list` (minstens de eerste 4 tekens).")
}

pub fn case_ambiguous(query: &str, n: usize) -> String {
    format!("{n} dossiers hebben een id dat begint met {query}; typ meer tekens van het id uit `tandem list`.")
}

pub fn written(file: &Path) -> String {
    format!("Geschreven: {}", file.display())
}

pub fn agreement_recorded(step: &str) -> String {
    format!("Plan ondertekend: het akkoord van de ouders staat nu ook in stap {step}.")
}

pub fn plan_frozen(version: u32) -> String {
    format!("versie {version} is ondertekend en ligt vast; begin een nieuwe versie om bij te stellen")
}

/// At most `max` characters of `text`, with "…" when cut.
pub fn shorten(text: &str, max: usize) -> String {
    fit(text.trim(), max + 1)
}

/// At most `width` terminal columns (a Chinese character takes two), the last one "…"
/// when cut (never inside a character).
pub fn fit(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if text.width() <= width {
        return text.to_string();
    }
    let mut used = 0;
    let kept: String = text
        .chars()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used < width
        })
        .collect();
    format!("{}…", kept.trim_end())
}

fn short(text: &str) -> String {
    if text.trim().is_empty() { "(zonder tekst)".into() } else { format!("‘{}’", shorten(text, 40)) }
}

fn missing_goal_for(concern: &str) -> String {
    format!("Zorg {} heeft nog geen doel", short(concern))
}

fn missing_criterion(goal: &str) -> String {
    format!("Doel {} heeft geen evaluatiecriterium", short(goal))
}

fn missing_division(domain: &str) -> String {
    format!("Er zijn doelen voor {domain}, maar niet wie dat betaalt")
}

fn missing_owner(action: &str) -> String {
    format!("Actie {} heeft geen uitvoerder", short(action))
}

fn missing_by(action: &str) -> String {
    format!("Actie {} heeft geen datum", short(action))
}

fn missing_signature(role: &str, name: &str) -> String {
    if name.trim().is_empty() {
        format!("Handtekening ontbreekt: {}", role.to_lowercase())
    } else {
        format!("Handtekening ontbreekt: {} ({})", role.to_lowercase(), name.trim())
    }
}

/// "7. Doelen (SMART)": a section's number and name.
pub fn section_title(section: crate::domain::plan::Section) -> String {
    format!("{}. {}", section.index() + 1, section.label())
}

/// What the plan lacks, as the checklist says it.
pub fn plan_gap(gap: &PlanGap) -> String {
    match gap {
        PlanGap::Question => MISSING_QUESTION.to_string(),
        PlanGap::GoalFor(concern) => missing_goal_for(concern),
        PlanGap::Goals => MISSING_GOALS.to_string(),
        PlanGap::Criterion(goal) => missing_criterion(goal),
        PlanGap::Division(domain) => missing_division(domain.label()),
        PlanGap::Actions => MISSING_ACTIONS.to_string(),
        PlanGap::Owner(action) => missing_owner(action),
        PlanGap::By(action) => missing_by(action),
        PlanGap::Regie => MISSING_REGIE.to_string(),
        PlanGap::Evaluation => MISSING_EVALUATION.to_string(),
        PlanGap::Signature(role, name) => missing_signature(role.label(), name),
    }
}

// ---- Escalation ----
pub const LEVELS: &[&str] = &["E1 tandem loopt vast", "E2 doorzettingsmacht", "E3 structureel (OGGO)"];
pub const REASONS: &[&str] = &[
    "oneens over verantwoordelijkheid",
    "financiering",
    "geen passend aanbod",
    "thuiszitten",
    "ouders weigeren",
    "wachttijd",
];
pub const QUESTION_DOMAINS: &[&str] = &["onderwijsvraag (SWV)", "zorgvraag (gemeente)", "beide"];
pub const DECIDER_UNSET: &str = "(niet ingesteld)";

/// A decider entry as shown: "role (name)", or the role with "(niet ingesteld)" when
/// no name is known; the E3 meeting is its own name.
pub fn decider_display(entry: &str) -> String {
    use crate::domain::escalation::{DeciderRole, decider_name, decider_role};
    let role = decider_role(entry);
    match decider_name(entry) {
        Some(name) => format!("{role} ({name})"),
        None if role == DeciderRole::Oggo.entry_name() => role.to_string(),
        None => format!("{role} {DECIDER_UNSET}"),
    }
}

/// The deciders of a rung on the overview: names only (the roles follow from the level),
/// a role where no name is known.
pub fn decider_names(entries: &[String]) -> String {
    let name =
        |e: &String| crate::domain::escalation::decider_name(e).map_or_else(|| decider_display(e), str::to_string);
    entries.iter().map(name).collect::<Vec<_>>().join(", ")
}
pub const ESCALATION_OPEN: &str =
    "Er loopt al een escalatie voor dit dossier; leg eerst het besluit vast of schaal die op.";
pub const ESCALATION_NOT_UP: &str =
    "Opschalen naar een hoger niveau kan pas als de termijn voorbij is of het besluit de zaak niet oploste.";
pub const ESCALATION_NONE: &str = "Er loopt geen escalatie voor dit dossier.";
pub const ESCALATION_NO_QUESTION: &str = "Schrijf de vraag aan de beslisser op.";
pub const AGENDA_TITLE: &str = "Agenda bestuurlijk OGGO: structurele knelpunten (E3)";
pub const AGENDA_EMPTY: &str = "Er staan geen E3-punten open.";

pub const TERMS_ZERO: &str = "[escalation]: e1_weeks en e2_weeks moeten minstens 1 zijn (standaard 2 en 4 weken).";

pub fn decider_incomplete(n: usize) -> String {
    format!("[[deciders]] nummer {n} heeft geen naam; vul name = \"...\" in.")
}

pub fn decider_duplicate(role: &str, gemeente: Option<&str>) -> String {
    match gemeente {
        Some(g) => format!("[[deciders]]: de rol {role} staat er voor gemeente {g} twee keer in; houd er één over."),
        None => format!(
            "[[deciders]]: de rol {role} staat er twee keer in; houd er één over, of geef elk een gemeente = \"...\"."
        ),
    }
}

pub struct EscalationLabels {
    pub level: &'static str,
    pub reason: &'static str,
    pub domain: &'static str,
    pub question: &'static str,
    pub asked_by: &'static str,
    pub gemeente: &'static str,
    pub decided_by: &'static str,
    pub decision: &'static str,
    pub decided_on: &'static str,
    pub follow_up: &'static str,
    pub resolved: &'static str,
    pub suggestion: &'static str,
    pub why_not: &'static str,
    pub absent_from: &'static str,
    pub absent_to: &'static str,
    pub absence_week: &'static str,
    pub absence_hours: &'static str,
}

pub const ESCALATION_LABELS: EscalationLabels = EscalationLabels {
    level: "Niveau",
    reason: "Reden",
    domain: "Soort vraag",
    question: "Vraag aan de beslisser",
    asked_by: "Gevraagd door",
    gemeente: "Gemeente (zorgvraag)",
    decided_by: "Besloten door",
    decision: "Besluit",
    decided_on: "Datum besluit",
    follow_up: "Vervolgdatum",
    resolved: "Zit de zaak nu los?",
    suggestion: "Suggestie",
    why_not: "Waarom niet opschalen",
    absent_from: "Afwezig sinds",
    absent_to: "Weer op school op",
    absence_week: "Ongeoorloofd verzuim in de week van",
    absence_hours: "Uren ongeoorloofd die week",
};
pub const QUESTION_HINT: &str = "wat moet er besloten worden?";
pub const ABSENCE_BACKWARDS: &str = "deze datum ligt vóór de eerste dag van afwezigheid";
pub const ABSENCE_HOURS_HINT: &str = "hele uren, 0 tot 40";
pub const ABSENCE_NOTHING: &str = "vul de eerste dag van afwezigheid in, of de uren ongeoorloofd verzuim van een week";

pub fn absence_hours_invalid(max: u32) -> String {
    format!("vul een heel aantal uren in, van 0 tot {max} (bijv. 6)")
}

/// The duty to report to DUO, in the case: when and how much.
pub fn duo_report(hours: u32, week: &str, deadline: &str) -> String {
    format!(
        "! Meldplicht DUO: {hours} uur ongeoorloofd verzuim binnen 4 schoolweken (t/m de week van {week}). De school meldt dit binnen 5 werkdagen bij DUO: uiterlijk {deadline}."
    )
}

pub fn absence_week_hours(week: &str, hours: u32) -> String {
    if hours == 1 {
        format!("Ongeoorloofd verzuim: 1 uur in de week van {week}")
    } else {
        format!("Ongeoorloofd verzuim: {hours} uur in de week van {week}")
    }
}

pub fn flag_duo(deadline: chrono::NaiveDate) -> String {
    format!("! DUO vóór {} ", deadline.format("%d-%m"))
}

pub fn escalate_title(name: &str) -> String {
    format!("Opschalen · {name}")
}

pub fn escalate_up_title(name: &str, level: &str) -> String {
    format!("Hoger opschalen naar {level} · {name}")
}

pub fn question_edit_title(name: &str, level: &str) -> String {
    format!("Vraag aanpassen · {level} · {name}")
}

pub fn decide_title(name: &str) -> String {
    format!("Besluit vastleggen · {name}")
}

pub fn dismiss_title(name: &str) -> String {
    format!("Suggestie terzijde leggen · {name}")
}

pub fn absence_title(name: &str) -> String {
    format!("Verzuim · {name}")
}

pub fn confirm_escalate(level: &str, who: &str) -> String {
    format!("Opschalen ({level})? Het besluit ligt dan bij {who}. j = ja, n = nee")
}

pub const NO_SUGGESTION: &str = "Er is nu geen suggestie om op te schalen.";

pub fn escalation_waiting(due: &str, key: &str) -> String {
    if due.is_empty() {
        format!("De escalatie wacht op een besluit; leg dat vast met {key}.")
    } else {
        format!(
            "De escalatie wacht op een besluit (termijn tot {due}); leg het vast met {key}, of schaal op na de termijn."
        )
    }
}

pub const OVERVIEW_COLUMNS: [&str; 7] = ["Niv", "Leerling", "Reden", "Sinds", "Beslist door", "Termijn", "SWV"];
pub const OVERVIEW_UNRESOLVED: &str = "! niet opgelost";
pub const OVERVIEW_NEXT_OGGO: &str = "volgend OGGO";
pub const OVERVIEW_EMPTY: &str = "Geen open escalaties.";
pub const SWV_CONSENT_OK: &str = "✓ mag mee";
pub const SWV_CONSENT_MISSING: &str = "✗ geen toestemming";

pub fn overview_title(n: usize) -> String {
    format!(" Escalaties · {n} open ")
}

pub fn overview_hint(filter: &str, agenda: &str) -> String {
    format!(" {filter} zoekt op naam, niveau, reden, beslisser of vraag · {agenda} schrijft de E3-agenda voor het OGGO")
}

pub fn days_ago(days: i64) -> String {
    if days == 1 { "1 dag".into() } else { format!("{days} dagen") }
}

pub const ESCALATION_TITLE: &str = "Opschaling";
pub const RUNG_SUPERSEDED: &str = "geen besluit; hoger opgeschaald";
pub const CONFIRM_ESCALATE_TITLE: &str = "Opschalen";
pub const SWV_MAY: &str = "✓ toestemming 'delen met SWV' vastgelegd: het dossier mag mee naar het SWV";
pub const SWV_MAY_NOT: &str =
    "✗ geen toestemming 'delen met SWV': bij de export gaan alleen de cijfers naar het SWV, niet het dossier";

pub fn rung_head(level: &str, since: &str, reason: &str, domain: &str) -> String {
    format!("{level} · sinds {since} · {reason} · {domain}")
}

pub fn rung_question(q: &str) -> String {
    format!("Vraag: {q}")
}

pub fn rung_deciders(who: &str, due: &str) -> String {
    if due.is_empty() { format!("Beslist door: {who}") } else { format!("Beslist door: {who} · {due}") }
}

pub fn rung_due(date: &str, overdue: bool) -> String {
    if overdue { format!("! te laat: besluit was nodig vóór {date}") } else { format!("besluit vóór {date}") }
}

pub fn rung_decision(by: &str, what: &str, on: &str, resolved: bool, follow_up: &str) -> String {
    let state = if resolved { "opgelost" } else { "nog niet opgelost" };
    let follow = if follow_up.is_empty() { String::new() } else { format!(" · vervolg {follow_up}") };
    format!("Besluit {on} door {by}: {what} ({state}){follow}")
}

pub fn suggestion(why: &str, escalate: &str, dismiss: &str) -> String {
    format!("Suggestie: opschalen, want {why} ({escalate} opschalen, {dismiss} terzijde leggen)")
}

pub fn absent_since(from: &str, days: i64) -> String {
    format!("Verzuim: niet op school sinds {from} ({})", days_ago(days))
}

pub fn check_deciders_missing(roles: &str) -> String {
    format!(
        "Let op: geen beslisser ingesteld voor {roles}. Vul [[deciders]] in config.toml in (zie README); tot dan staat bij opschalen \"(niet ingesteld)\"."
    )
}

pub const EXPORT_FOLDER_MISSING: &str =
    "[export]: folder is leeg; vul de map in die de synchronisatie naar het SWV meeneemt.";
pub const SYNC_FOLDER_MISSING: &str = "[sync] in config.toml noemt geen map. Zet folder = \"...\" op de map die je met je tandempartner deelt, of haal [sync] weg.";

pub fn recipient_invalid(text: &str) -> String {
    format!(
        "[export]: recipient = \"{text}\" is geen age-sleutel van het SWV; die begint met age1 (vraag hem op bij het SWV)."
    )
}

pub const PAYLOAD_OTHER_RECIPIENT: &str =
    "De bundel noemt een andere ontvanger dan dit SWV; vraag het team de exportinstelling (recipient) na te kijken.";
pub const BUNDLE_DAMAGED: &str = "Deze bundel is beschadigd (de versleutelde inhoud klopt niet meer, ook na 10 minuten); er is niets ingelezen. Vraag het team opnieuw te exporteren.";
pub const BUNDLE_STAYS_EMPTY: &str = "Dit bestand is leeg (of bevat alleen nullen), ook na 10 minuten; er is niets ingelezen. Vraag het team opnieuw te exporteren en verwijder dit bestand.";

pub fn bundle_file_too_large(max_mib: u64) -> String {
    format!(
        "Dit bestand is groter dan een bundel kan zijn (meer dan {max_mib} MiB); het is niet gelezen. Verwijder het en vraag het team opnieuw te exporteren."
    )
}

pub fn payload_bound(bound: crate::domain::export::OutOfBounds) -> String {
    use crate::domain::export::{MAX_CASES, MAX_CATEGORIES, MAX_ENTRIES, MAX_SHORT_TEXT, OutOfBounds};
    let what = match bound {
        OutOfBounds::Cases => format!("meer dan {MAX_CASES} dossiers"),
        OutOfBounds::Text(field) => format!("een tekst ({field}) van meer dan {MAX_SHORT_TEXT} tekens"),
        OutOfBounds::Entries(field) => format!("een lijst ({field}) van meer dan {MAX_ENTRIES} regels in één dossier"),
        OutOfBounds::Categories => format!("een reflectie met meer dan {MAX_CATEGORIES} categorieën"),
    };
    format!(
        "De bundel is goed ondertekend maar bevat {what}; zo veel kan geen echte export bevatten. Er is niets ingelezen; neem contact op met het team."
    )
}

pub fn sequence_jump(sequence: u64, highest: u64) -> String {
    format!(
        "De bundel heeft volgnummer {sequence}, terwijl het hoogste van dit team tot nu toe {highest} is; zo'n sprong kan geen echte export maken. Er is niets ingelezen; neem contact op met het team."
    )
}

pub fn payload_school_mismatch(trusted: &str, claimed: &str) -> String {
    format!(
        "De bundel is ondertekend door het team dat u vertrouwt als ‘{trusted}’, maar noemt school ‘{claimed}’; er is niets ingelezen. Klopt de naam, vertrouw het team dan opnieuw onder die naam (tandem swv trust TEAM.pub --name \"{claimed}\"), anders: neem contact op met het team."
    )
}
pub const BUNDLE_ID_REUSED: &str = "Deze bundel-id is al eerder binnengekomen met een andere inhoud; er is niets ingelezen. Neem contact op met het team.";
pub const REPORT_TOTAL: &str = "Totaal";
/// Where the schools go whose gemeente the SWV has not named (`tandem swv gemeente`).
pub const NO_GEMEENTE: &str = "(geen gemeente)";
pub const REPORT_GEMEENTE: &str = "Gemeente";
pub fn schools_without_gemeente(schools: &[String]) -> String {
    format!("Zonder gemeente: {} (zet die met tandem swv gemeente --school NAAM GEMEENTE)", schools.join(", "))
}
pub fn gemeente_total(gemeente: &str) -> String {
    format!("Totaal {gemeente}")
}
pub const REPORT_SCHOOL: &str = "School";
pub const REPORT_REASONS_TITLE: &str = "Escalaties per reden";
pub const REPORT_HEADERS: [&str; 19] = [
    "School",
    "Gestart",
    "Afgesloten",
    "Actief",
    "Gezamenlijke inzet gestart",
    "Plannen vastgesteld",
    "Plan binnen 6 weken (%)",
    "Escalaties E1",
    "Escalaties E2",
    "Escalaties E3",
    "Opgelost",
    "Niet opgelost",
    "Wacht op besluit",
    "Mediaan dagen tot besluit",
    "Meldcode gestart",
    "Thuiszitters",
    "Tevredenheid school",
    "Tevredenheid wijkteam",
    "Tevredenheid ouders",
];

pub fn report_title(period: &str) -> String {
    format!("Monitor {period}")
}

pub fn team_key_invalid(team: &str, problem: &str) -> String {
    format!("de sleutel van team {team} klopt niet: {problem}")
}

pub fn swv_no_identity(file: &Path) -> String {
    format!("Er is nog geen SWV-sleutel ({}). Maak die eerst met: tandem swv init", file.display())
}

pub fn swv_no_folder(dir: &Path) -> String {
    format!(
        "De importmap {} bestaat niet of is niet leesbaar. Zet folder = \"...\" in swv.toml of geef de map mee: tandem swv import MAP",
        dir.display()
    )
}

pub fn swv_io(file: &Path, e: &std::io::Error) -> String {
    format!("Kan {} niet lezen of schrijven: {}.", file.display(), io_hint(e))
}

pub fn payload_unreadable(detail: &str) -> String {
    format!(
        "De bundel is goed ondertekend maar de inhoud is onleesbaar ({detail}); is de tandem-versie van het team te oud of te nieuw?"
    )
}

pub fn payload_format(format: &str) -> String {
    format!("Onbekend bundelformaat {format}; werk tandem bij.")
}

pub fn payload_team_mismatch(team: &str) -> String {
    format!("De bundel is ondertekend door team {team} maar noemt een ander team; er is niets ingelezen.")
}

pub const NO_EXPORT_SETTINGS: &str = "Er is nog geen export ingesteld. Zet in config.toml:\n  [export]\n  folder = \"/pad/naar/de/map/die/naar/het/SWV/synchroniseert\"\n  recipient = \"age1...\"   (de sleutel die het SWV u geeft)";

pub fn export_folder_gone(dir: &Path) -> String {
    format!(
        "De exportmap {} bestaat niet (meer). Controleer [export] folder in config.toml en of de synchronisatie (OneDrive, Nextcloud, ...) aan staat.",
        dir.display()
    )
}

pub const EXPORT_TITLE: &str = " Export naar het SWV ";
pub const EXPORT_NOT_SET: &str = "(niet ingesteld)";

pub fn export_folder_line(folder: &str) -> String {
    format!("Map (gaat mee met de synchronisatie): {folder}")
}

pub fn export_recipient_line(recipient: &str) -> String {
    format!("Versleuteld voor het SWV met sleutel: {recipient}")
}

pub fn export_what(cases: usize, dossiers: usize) -> String {
    format!(
        "Gaat mee: {cases} dossiers als cijfers, zonder naam, geboortedatum of notities; {dossiers} daarvan met het escalatiedossier (opgeschaald naar de directeur SWV, met toestemming 'delen met SWV')."
    )
}

pub fn export_withheld(n: usize) -> String {
    if n == 1 {
        "✗ 1 escalatie naar de directeur SWV zonder toestemming 'delen met SWV': het dossier gaat niet mee, alleen de cijfers.".into()
    } else {
        format!(
            "✗ {n} escalaties naar de directeur SWV zonder toestemming 'delen met SWV': hun dossier gaat niet mee, alleen de cijfers."
        )
    }
}

pub const EXPORTING: &str = "Bundel voor het SWV wordt gemaakt…";
pub const NO_BUNDLE_YET: &str = "Nog geen bundel geschreven.";

/// The bundle written last; `written` is None when its file is no longer in the folder.
pub fn last_bundle(sequence: u64, file: &str, written: Option<chrono::NaiveDateTime>) -> String {
    match written {
        Some(at) => format!("Laatste bundel: nr. {sequence}, {file}, geschreven op {}.", at.format("%d-%m-%Y %H:%M")),
        None => format!(
            "Laatste bundel: nr. {sequence}, {file}; dat bestand staat niet meer in de map (opgehaald door de synchronisatie of het SWV, of de map is veranderd)."
        ),
    }
}
pub const SWV_CONFIG_HEADER: &str = "# tandem SWV-instellingen.\n# folder = \"/pad/naar/de/importmap\"   waar de synchronisatie de bundels van de scholen neerzet\n# [[teams]] name, key, gemeente        vertrouwde teams; voeg toe met: tandem swv trust TEAM.pub --name \"School\" --gemeente GEMEENTE\n\n";
pub fn not_set_up(config: &Path) -> String {
    format!(
        "tandem is hier nog niet ingesteld (er is geen {}). Start eerst tandem zelf (of tandem demo) om de school en het team in te vullen.",
        config.display()
    )
}
pub const REPORT_NO_TARGET: &str = "Zeg waar het rapport heen moet: --csv BESTAND en/of --xlsx BESTAND, of voor het IB-netwerk --gemeente NAAM --pdf BESTAND.";
pub const IMPORT_REFUSED: &str =
    "Een of meer bestanden zijn geweigerd of zijn conflictkopieën (zie hierboven); de rest is ingelezen.";
/// The dashboard's key bar, with the keys of the keymap.
pub fn dashboard_keys(before: &str, after: &str, up: &str, down: &str, help: &str, quit: &str) -> String {
    format!(" {before}/{after} ander halfjaar · {up}/{down} school · {help} hulp · {quit} stoppen")
}
pub const DASHBOARD_HELP_CLOSE: &str = "  Een toets sluit de hulp. Toetsen aanpassen: [keys] in swv.toml.";
pub const DASHBOARD_IMPORTING: &str = " Nieuwe bundels inlezen…";
/// A multi-choice field with nothing checked, when its options do not fit on the line.
pub const NONE_CHECKED: &str = "— niets aangevinkt (Tab hierheen, dan ←/→ en spatie) —";
pub const NO_E2_WAITING: &str = " Er wacht geen E2-vraag op een besluit.";
pub const NO_REFLECTIONS: &str = " Nog geen reflecties in dit halfjaar.";
pub const REFLECTION_HELPED: &str = " Wat hielp";
pub const REFLECTION_HINDERED: &str = " Wat hinderde";
pub const WHOLE_SWV: &str = "heel het SWV";
pub const FIGURES_TITLE: &str = " Per school ";
pub const FIGURES_GEMEENTE_TITLE: &str = " Per school en gemeente ";
pub const IMPORT_TITLE: &str = " Inlezen ";
pub const TREND_STARTED: &str = "gestart";
pub const TREND_ACTIVE: &str = "actief";
pub const TREND_ESCALATIONS: &str = "escalaties";
pub const DASHBOARD_COLUMNS: [&str; 11] = [
    "School",
    "Gestart",
    "Afgesl.",
    "Actief",
    "Gez.inz.",
    "Plan≤6w",
    "E1/E2/E3",
    "Mediaan",
    "Meldcode",
    "Thuis",
    "Tevr. S W O",
];
pub const REASON_SHORT: [&str; 6] = ["oneens", "geld", "aanbod", "thuis", "ouders", "wacht"];

pub fn dashboard_title(period: &str) -> String {
    format!("· SWV-monitor · {period}")
}

pub fn e2_title(n: usize, for_director: usize) -> String {
    format!(" E2 wacht op een besluit: {n}, waarvan {for_director} bij de directeur SWV ")
}

pub fn waiting_line(gemeente: &str, school: &str, days: i64, deciders: &str) -> String {
    format!(" ⇧E2 {gemeente} · {school}: wacht {} op {deciders}", days_ago(days))
}

pub fn reflections_title(whose: &str, period: &str) -> String {
    format!(" Wat hielp en wat hinderde: {whose}, {period} ")
}

/// A count as it may be shown outside the team: 1 to 4 as "<5".
pub fn small_count(n: u64) -> String {
    if crate::domain::figures::small(n) { report::SUPPRESSED.to_string() } else { n.to_string() }
}

pub fn reasons_title(school: &str) -> String {
    format!(" Escalaties per reden · {school} ")
}

pub fn reasons_summary(resolved: u64, unresolved: u64, waiting: u64) -> String {
    format!("{resolved} opgelost, {unresolved} niet opgelost, {waiting} wacht op besluit")
}

pub fn went_up_line(school: &str, on: &str) -> String {
    format!(" ⇧E3 {school}: sinds {on} bij het bestuurlijk OGGO; het E2-dossier blijft hier")
}

// ---- IB-network overview (tandem swv report --gemeente --pdf) ----
pub const NETWORK_INDICATORS: &str = "Indicatoren per school";
pub const NETWORK_COLUMNS: [&str; 7] = [
    "School",
    "Gestart",
    "Actief",
    "Gezamenlijke\ninzet gestart",
    "Plan binnen\n6 weken",
    "Escalaties",
    "Tevredenheid\nS / W / O",
];
pub const NETWORK_SERIES: [&str; 3] = ["Gestart", "Gezamenlijke inzet gestart", "Escalaties"];
pub const NETWORK_ESCALATIONS: &str = "Escalaties naar reden en uitkomst";
pub const NETWORK_ESCALATION_COLUMNS: [&str; 5] = ["Reden", "Opgelost", "Niet opgelost", "Wacht op besluit", "Totaal"];
pub const NETWORK_NO_ESCALATIONS: &str = "Geen escalaties in dit halfjaar.";
pub const NETWORK_REFLECTION_COLUMNS: [&str; 4] = ["Wat hielp", "Aantal", "Wat hinderde", "Aantal"];
pub const NETWORK_NO_REFLECTIONS: &str =
    "Nog geen reflecties in dit halfjaar: de tandems leggen ze vast bij de evaluatie en bij het afsluiten.";
pub const NETWORK_SUPPRESSION: &str = "Aantallen van 1 tot 4 staan als <5; een gemiddelde of aandeel uit minder dan 5 dossiers staat als —. Tevredenheid van school (S), wijkteam (W) en ouders (O) op een schaal van 1 tot 5. In de grafiek staat <5 op één hoogte, onder de lijn van 5.";

pub fn network_title(gemeente: &str, period: &str) -> String {
    format!("IB-netwerk {gemeente}: {period}")
}

pub fn network_meta(today: &str, schools: usize) -> String {
    let schools = if schools == 1 { "1 school".to_string() } else { format!("{schools} scholen") };
    format!(
        "Overzicht van het samenwerkingsverband voor het IB-netwerk met de wijkteamcontacten · {schools} · gemaakt op {today}"
    )
}

pub fn network_trend(periods: usize) -> String {
    format!("Verloop over {periods} halfjaren (hele gemeente)")
}

pub fn network_reflections(recorded: &str) -> String {
    format!("Wat hielp en wat hinderde de samenwerking (uit {recorded} reflecties)")
}

pub fn trend_title(what: &str, range: &str) -> String {
    format!(" {what} {range} ")
}

pub fn refused_line(file: &str, why: &str) -> String {
    format!("✗ {file}: {why}")
}

pub fn conflict_line(file: &str) -> String {
    format!(
        "✗ {file}: conflictkopie van de synchronisatie; niet ingelezen. Bekijk welke versie klopt en verwijder de andere."
    )
}

/// `gaps` as inclusive ranges (first, last).
pub fn sequence_gap(school: &str, gaps: &[(u64, u64)]) -> String {
    let range = |&(a, b): &(u64, u64)| if a == b { a.to_string() } else { format!("{a}–{b}") };
    let list = gaps.iter().map(range).collect::<Vec<_>>().join(", ");
    format!("⚠ {school}: bundel {list} ontbreekt (nooit aangekomen); vraag het team die opnieuw te synchroniseren.")
}

pub fn import_summary(imported: usize, waiting: usize, records: usize, teams: usize) -> String {
    format!(
        "{} ingelezen, {} op de synchronisatie · {} van {}",
        count(imported as u64, "bundel", "bundels"),
        count(waiting as u64, "wacht", "wachten"),
        count(records as u64, "dossier", "dossiers"),
        count(teams as u64, "team", "teams"),
    )
}

/// A bundle read in: the school, its number, how many dossiers it updated and how many
/// were already up to date.
pub fn import_imported(file: &Path, school: &str, sequence: u64, newer: usize, older: usize) -> String {
    format!(
        "✓ {}: {school}, bundel {sequence}: {} bijgewerkt, {older} al bijgewerkt",
        file.display(),
        count(newer as u64, "dossier", "dossiers")
    )
}

pub fn import_again(file: &Path) -> String {
    format!("· {}: al eerder ingelezen", file.display())
}

pub fn import_waiting(file: &Path) -> String {
    format!("… {}: nog niet compleet (de synchronisatie loopt nog); volgende keer opnieuw", file.display())
}

pub fn team_key_fingerprint(fp: &str) -> String {
    format!(
        "Vingerafdruk: {fp}\nBewaar de sleutel als bestand (tandem export --key > team.pub), geef dat bestand aan het SWV en lees de vingerafdruk telefonisch voor ter controle."
    )
}

pub fn bundle_written(file: &Path, sequence: u64, cases: usize, dossiers: usize) -> String {
    format!("Bundel {sequence} geschreven: {} ({cases} dossiers, {dossiers} met escalatiedossier).", file.display())
}

pub fn swv_ready(recipient: &str, identity: &Path, config: &Path) -> String {
    format!(
        "SWV klaar. Geef de scholen deze sleutel voor [export] recipient:\n  {recipient}\nDe geheime sleutel staat in {} (bewaar een kopie veilig).\nDe importmap staat in {} (folder = \"...\"; of: tandem swv init --folder MAP). Vertrouw elk team met: tandem swv trust TEAM.pub --name \"School\"",
        identity.display(),
        config.display()
    )
}

pub fn gemeente_set(school: &str, gemeente: &str) -> String {
    format!("{school} ligt nu in de gemeente {gemeente}; het rapport en het dashboard tellen de school daar mee.")
}

pub fn unknown_gemeente(gemeente: &str, known: &[String]) -> String {
    let known = if known.is_empty() {
        "Het SWV heeft nog geen gemeenten: zet ze met tandem swv gemeente --school NAAM GEMEENTE.".to_string()
    } else {
        format!("Bekende gemeenten: {}.", known.join(", "))
    };
    format!("Geen school met ingelezen bundels ligt in gemeente \"{gemeente}\". {known}")
}

pub fn network_written(file: &Path) -> String {
    format!(
        "Overzicht voor het IB-netwerk geschreven: {} (geen namen van kinderen; aantallen onder de 5 als <5).",
        file.display()
    )
}

pub fn unknown_school(school: &str) -> String {
    format!(
        "Geen vertrouwd team heet \"{school}\" (of de gemeente is leeg). Kijk in swv.toml welke namen er zijn en \
         gebruik die precies, of vertrouw het team eerst met tandem swv trust."
    )
}

pub fn team_trusted(name: &str, fingerprint: &str) -> String {
    format!(
        "Team {name} vertrouwd. Vingerafdruk: {fingerprint}\nVergelijk die telefonisch met wat het team ziet bij tandem export --key."
    )
}

fn period_invalid(text: &str) -> String {
    format!("{text} is geen halfjaar; schrijf het als 2026-H1 (januari-juni) of 2026-H2 (juli-december).")
}

pub fn agenda_intro(school: &str, date: &str) -> String {
    format!(
        "Ingebracht door de tandem van {school}, opgesteld op {date}. Zonder namen van kinderen: het gaat om knelpunten in het stelsel."
    )
}

/// An E3 question that names its child: which case, which level, which name.
impl std::fmt::Display for crate::domain::escalation::Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (pupil, level, name) = (&self.pupil, self.level.code(), &self.name);
        let short_id = crate::domain::access::short_id(self.case);
        let short_id = short_id.trim_start_matches('-');
        write!(
            f,
            "{pupil} (dossier {short_id}), {level}, vraag: noemt \"{name}\". De agenda gaat zonder namen van kinderen naar het OGGO; schrijf de vraag zonder naam."
        )
    }
}

/// `sep` between the reasons: a new line on the command line, " · " on the status line;
/// `key` corrects a question in the dossier.
pub fn agenda_refused(reasons: &[String], sep: &str, key: &str) -> String {
    format!("E3-agenda niet geschreven, pas de vraag aan met {key} in het dossier:{sep}{}", reasons.join(sep))
}

pub fn name_in_question(name: &str) -> String {
    format!(
        "noemt \"{name}\": de vraag kan op de E3-agenda komen, die geen namen van kinderen draagt; laat de naam weg"
    )
}

pub fn agenda_since(date: &str) -> String {
    format!("sinds {date}")
}

/// What a suggestion to escalate says.
pub fn trigger_why(why: &crate::domain::escalation::Why) -> String {
    use crate::domain::date::format;
    use crate::domain::escalation::Why;
    match why {
        Why::PlanLate(tandem) => {
            format!("het plan is 6 weken na de tandembespreking van {} nog niet vastgesteld", format(*tandem))
        }
        Why::EvaluationOverdue(due) => format!("de evaluatie had vóór {} moeten zijn", format(*due)),
        Why::Absent { from, days } => {
            format!("thuiszitter: al {days} dagen niet op school (sinds {})", format(*from))
        }
        Why::Disagreement(outcome) => format!("de tandembespreking eindigde in: {outcome}"),
    }
}

// ---- Keymap ----
pub fn keymap_syntax(msg: &str) -> String {
    format!("de ingebouwde toetsenlijst is onleesbaar: {msg}")
}

pub fn keymap_unknown_action(name: &str) -> String {
    format!("onbekende actie \"{name}\" in [keys]; zie config/keymap.toml voor de namen")
}

pub fn keymap_unknown_key(action: &str, key: &str) -> String {
    format!("onbekende toetsnaam \"{key}\" bij \"{action}\"; gebruik bijv. \"q\", \"ctrl-s\", \"enter\", \"f1\"")
}

pub fn keymap_conflict(key: &str, first: &str, second: &str) -> String {
    format!(
        "toets {key} is aan twee acties gekoppeld (\"{first}\" en \"{second}\") op hetzelfde scherm; kies voor één van beide een andere toets"
    )
}

pub fn keymap_in_config(e: &impl std::fmt::Display) -> String {
    format!("Fout in de toetsen ([keys] in config.toml): {e}.")
}

pub fn keymap_in_swv_config(e: &impl std::fmt::Display) -> String {
    format!("Fout in de toetsen ([keys] in swv.toml): {e}.")
}

// ---- Config ----
pub const SCHOOL_NAME_MISSING: &str = "de naam van de school ontbreekt ([school] name)";
pub const PRIVACY_ZERO: &str = "[privacy] lock_minutes en backups moeten minstens 1 zijn";
pub const NO_HOME: &str =
    "geen thuismap gevonden voor config en gegevens; geef er een op met --home MAP of TANDEM_HOME";

/// What is wrong in a routekaart file, and what to do about it.
pub fn route_problem(p: &crate::domain::route::Problem) -> String {
    use crate::domain::route::Problem::*;
    match p {
        NoSteps => "de routekaart heeft geen stappen; voeg [[steps]] toe".into(),
        EmptyId => "deze stap mist een id of naam".into(),
        DuplicateStep(id) => format!("stap-id \"{id}\" komt twee keer voor; geef elke stap een eigen id"),
        DuplicateField(id) => format!("veld \"{id}\" komt twee keer voor in deze stap"),
        NoOptions(id) => format!("keuzeveld \"{id}\" heeft geen options = [...]"),
        UnknownNext(id) => format!("uitkomst leidt naar stap \"{id}\", die niet bestaat; gebruik een bestaand stap-id"),
        DeadEnd(id) => format!(
            "stap \"{id}\" heeft geen uitkomsten en sluit niet af; voeg [[steps.outcomes]] toe of closes = true"
        ),
        Unreachable(id) => {
            format!("stap \"{id}\" is nergens vandaan te bereiken; laat een uitkomst ernaar leiden of verwijder hem")
        }
        UnknownDateField(from) => format!(
            "deadline telt vanaf \"{from}\", maar dat is geen datumveld; gebruik \"entered\" of \"STAP.datumveld\""
        ),
        NoDeadlineLength => "deadline zonder duur; geef weeks of working_days".into(),
        UnknownPurpose(id) => format!("toestemmingsdoel \"{id}\" bestaat niet in [[purposes]]"),
        UnknownConditionField(f) => format!("voorwaarde noemt veld \"{f}\", dat deze stap niet heeft"),
        GateWithoutRule => "poort zonder regel; geef consent = ... of require = { field, equals }".into(),
        MeasureKind(id, kind) => {
            format!(
                "veld \"{id}\" telt mee voor de monitor (measure), maar dan moet het type = \"{}\" zijn",
                kind_name(*kind)
            )
        }
    }
}

/// A field type as the routekaart file writes it.
fn kind_name(kind: crate::domain::route::FieldKind) -> &'static str {
    use crate::domain::route::FieldKind::*;
    match kind {
        Text => "text",
        Date => "date",
        Choice => "choice",
        Multi => "multi",
        YesNo => "yes_no",
        Person => "person",
        Score => "score",
        Number => "number",
        Goals => "goals",
    }
}

pub fn brin_invalid(brin: &str) -> String {
    format!("BRIN \"{brin}\" klopt niet: twee cijfers en twee letters, bijv. 12AB")
}

pub fn member_incomplete(n: usize) -> String {
    format!("teamlid {n} mist een id of naam ([[team]])")
}

pub fn member_duplicate(id: &str) -> String {
    format!("teamlid-id \"{id}\" komt twee keer voor")
}

pub fn unknown_role(name: &str, role: &str, roles: &[Role]) -> String {
    let known: Vec<&str> = roles.iter().map(|r| r.id.as_str()).collect();
    format!("{name} heeft rol \"{role}\", die niet bestaat; kies uit: {}", known.join(", "))
}

pub fn user_not_in_team(id: &str) -> String {
    format!("gebruiker \"{id}\" staat niet in [[team]]; zet user op het id van een teamlid")
}

pub fn config_unreadable(file: &Path, e: &std::io::Error) -> String {
    format!("Kan {} niet lezen: {e}. Controleer de rechten op het bestand.", file.display())
}

pub fn config_syntax(file: &Path, line: usize, msg: &str) -> String {
    format!(
        "Fout in {}, regel {line}: {msg}. Herstel het bestand (of verwijder het om opnieuw in te stellen).",
        file.display()
    )
}

pub fn config_invalid(file: &Path, problem: &str) -> String {
    format!("Fout in {}: {problem}.", file.display())
}

pub fn config_unwritable(file: &Path, e: &std::io::Error) -> String {
    format!("Kan {} niet schrijven: {}. Er is niets veranderd.", file.display(), io_hint(e))
}

// ---- Store ----
pub const STORE_CONFLICT: &str =
    "Dit dossier is intussen elders gewijzigd; er is niets opgeslagen. Open het opnieuw en probeer het nog eens.";
pub const SCHEMA_UNREADABLE: &str = "het versienummer van de store is onleesbaar";
pub const SCHEMA_MISSING: &str = "het versienummer van de store ontbreekt, terwijl er al gegevens waren";
pub const HEAD_UNREADABLE: &str = "het begin van de wijzigingenlijst is onleesbaar";
pub const CODEC_TAMPERED: &str = "controle mislukt: beschadigd, verwisseld of met een andere sleutel gemaakt";
pub const EMPTY_VALUE: &str = "leeg";
pub const STORE_LOCKED: &str = "De gegevens zijn vergrendeld; ontgrendel eerst met je wachtwoordzin.";
pub const WRONG_PASSPHRASE: &str = "Wachtwoordzin onjuist; let op hoofdletters en spaties.";
pub const WRONG_RECOVERY_KEY: &str =
    "Deze herstelcode past niet bij deze gegevens. Controleer de code en probeer het opnieuw.";
pub const KEY_EXISTS: &str = "Deze gegevens hebben al een sleutel; er is niets veranderd.";
pub const BACKUP_NOT_A_BACKUP: &str = "dit is geen tandem-back-up";
pub const BACKUP_CHECKSUM: &str = "de controlesom klopt niet: de back-up is beschadigd of onvolledig";

pub fn crypto_failed(e: &impl std::fmt::Display) -> String {
    format!("Versleuteling mislukt ({e}). Er is niets veranderd.")
}

pub fn chain_broken(seq: u64) -> String {
    format!(
        "De wijzigingenlijst (audit) klopt niet vanaf regel {seq}: iets is veranderd of verwijderd buiten tandem om. Zet de nieuwste goede back-up terug (tandem restore)."
    )
}

pub fn store_truncated(expected: u64, found: u64) -> String {
    format!(
        "De laatste wijzigingen ontbreken (verwacht tot regel {expected}, gevonden tot {found}): de opslag is beschadigd. Zet de nieuwste goede back-up terug (tandem restore)."
    )
}

pub const ANCHOR_UNREADABLE: &str = "anchor.json (de laatst bewaarde stand, buiten de opslag) is onleesbaar";

pub fn anchor_missing(dir: &Path) -> String {
    format!(
        "In {} ontbreekt anchor.json (de laatst bewaarde stand), terwijl de gegevens al wijzigingen hebben: zo is niet meer te zien of er een oudere kopie is teruggezet. Zet de nieuwste goede back-up terug (tandem restore).",
        dir.display()
    )
}

pub fn store_missing(dir: &Path) -> String {
    format!(
        "De opslag (de map db) in {} ontbreekt, terwijl anchor.json of de back-ups laten zien dat er gegevens waren. tandem begint hier geen nieuwe, lege opslag. Zet de nieuwste goede back-up terug (tandem restore). Wil je echt opnieuw beginnen, verplaats dan eerst anchor.json en de map backups.",
        dir.display()
    )
}

pub fn store_behind_backup(backup: u64, found: u64, created: &chrono::NaiveDateTime) -> String {
    format!(
        "De gegevens zijn ouder dan de nieuwste back-up (van {}: wijzigingen tot regel {backup}, de gegevens maar tot regel {found}): er is waarschijnlijk een oudere kopie teruggezet. Zet de nieuwste goede back-up terug (tandem restore). Zette je zelf bewust een oudere back-up terug, maak dan nu een nieuwe back-up (tandem backup).",
        created.format("%d-%m-%Y %H:%M")
    )
}

/// The way out of damage, for the command line: the newest good backup and the exact
/// command, or that there is none.
pub fn restore_offer(backup: Option<(&Path, &chrono::NaiveDateTime)>, home: Option<&Path>) -> String {
    let Some((file, created)) = backup else { return NO_BACKUPS.to_string() };
    let home = home.map(|h| format!("--home {} ", h.display())).unwrap_or_default();
    format!(
        "Nieuwste goede back-up: {} ({}). Zet hem terug met:\n  tandem {home}restore {}\nDe huidige gegevens blijven ernaast bewaard.",
        created.format("%d-%m-%Y %H:%M"),
        file.display(),
        file.display()
    )
}

pub const SLED_CORRUPT: &str = "een controlesom klopt niet";
pub const SLED_UNSUPPORTED: &str = "onbekend of beschadigd opslagformaat";
pub const SLED_PANIC: &str = "de opslag liep vast bij het openen";

pub fn store_already_open(dir: &Path) -> String {
    format!(
        "tandem is al geopend op deze gegevens ({}). Sluit het andere venster eerst; er kan maar één tandem tegelijk werken.",
        dir.display()
    )
}

pub fn store_damaged(dir: &Path, detail: &str) -> String {
    format!(
        "De gegevens in {} zijn beschadigd en kunnen niet worden geopend ({detail}). Er is niets veranderd; neem contact op met je beheerder en bewaar de map.",
        dir.display()
    )
}

pub fn store_too_new(found: &u32, supported: u32) -> String {
    format!(
        "Deze gegevens zijn geschreven door een nieuwere tandem (opslagversie {found}, deze kent tot {supported}). Installeer de nieuwste versie; er is niets veranderd."
    )
}

pub fn store_io(dir: &Path, e: &std::io::Error) -> String {
    format!("Kan niet schrijven of lezen in {}: {}. Wat al was opgeslagen blijft bewaard.", dir.display(), io_hint(e))
}

pub fn not_flushed(e: &impl std::fmt::Display) -> String {
    format!(
        "De wijziging is vastgelegd, maar nog niet zeker op de schijf bewaard. {e} Sla daarna opnieuw op: tandem herkent de wijziging, er komt geen tweede dossier."
    )
}

pub fn store_record(key: &str, e: &impl std::fmt::Display) -> String {
    format!("Record {key} is onleesbaar: {e}.")
}

fn io_hint(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::StorageFull => "de schijf is vol; maak ruimte vrij en probeer het opnieuw".into(),
        std::io::ErrorKind::PermissionDenied => "geen toegang; controleer de rechten op de map".into(),
        std::io::ErrorKind::ReadOnlyFilesystem => "de schijf is alleen-lezen".into(),
        _ => e.to_string(),
    }
}

pub fn codec_unknown_format(byte: u8) -> String {
    format!("onbekend opslagformaat {byte}")
}

pub fn codec_too_new(found: u32, supported: u32) -> String {
    format!("recordversie {found} is nieuwer dan deze tandem kent ({supported})")
}

pub fn codec_too_large(bytes: usize) -> String {
    format!("uitgepakt zou de waarde {bytes} bytes zijn, meer dan een waarde in tandem kan zijn")
}

pub fn codec_garbled(detail: &str) -> String {
    format!("inhoud beschadigd ({detail})")
}

// ---- SWV bundles ----
/// What an SWV bundle says when it cannot be made or opened, and its key ids.
// ---- Working as a pair: the sync folder ----
pub const SYNC_NOT_SET: &str = "Er is nog geen map om mee te synchroniseren. Zet in config.toml\n  [sync]\n  folder = \"/pad/naar/de/gedeelde/map\"\nop een map die je met je tandempartner deelt (OneDrive, SURFdrive, Nextcloud, Syncthing of een USB-stick).";
pub const SYNC_WAITING: &str = "Deze wijzigingen bouwen voort op wijzigingen die nog niet zijn binnengekomen; ze worden bij een volgende synchronisatie verwerkt.";

pub fn sync_folder_missing(folder: &Path) -> String {
    format!(
        "De synchronisatiemap {} bestaat niet of is geen map. Sluit de USB-stick aan of controleer of de synchronisatie (OneDrive, SURFdrive, Nextcloud) de map heeft aangemaakt, en probeer het opnieuw. Er is niets veranderd.",
        folder.display()
    )
}

pub fn sync_folder_unreadable(folder: &Path, e: &std::io::Error) -> String {
    format!(
        "De synchronisatiemap {} kan niet worden gelezen ({e}). Controleer de rechten op de map. Er is niets veranderd.",
        folder.display()
    )
}

pub fn sync_folder_unwritable(folder: &Path, e: &std::io::Error) -> String {
    format!(
        "Kan niet schrijven in de synchronisatiemap {} ({e}). Is de map alleen-lezen of de schijf vol? Maak ruimte of kies een andere map; wat al binnenkwam is bewaard en wat nog niet verstuurd is gaat de volgende keer mee.",
        folder.display()
    )
}

pub fn merge_failed(e: &crate::crdt::CrdtError) -> String {
    format!("De samenvoeging van een dossier lukte niet: {e}. Er is niets veranderd.")
}

pub fn sync_refused(n: usize) -> String {
    format!("{} geweigerd (zie hierboven); de rest is verwerkt.", count(n as u64, "bestand", "bestanden"))
}

pub const NO_CLASH: &str = "Dit dossier heeft geen tegenstrijdige waarden.";
pub const ANONYMOUS_CASE: &str = "Anoniem: de ouders gaven (nog) geen toestemming voor de tandembespreking. Naam en gegevens van het kind blijven bij de school; hier staan groep, stap, domeinen en data, genoeg voor een anoniem tandemoverleg.";
pub const NOTES_WITHHELD: &str =
    "De notities en de analyse van de school komen pas mee met toestemming 'delen met wijkteam'.";
pub const CLASHES_TITLE: &str = "Tegenstrijdig na synchroniseren";
pub const SETTLE_TITLE: &str = " Welke waarde klopt? ";
pub const SETTLE_HINT: &str =
    "Kies met het cijfer; Esc sluit zonder te kiezen. De keuze gaat bij de volgende synchronisatie naar je partners.";
pub const FROZEN_CLASH: &str = "Een partner wijzigde een ondertekende versie van het plan. Die blijft zoals ze is getekend; zet de wijziging zo nodig in een nieuwe versie.";
pub const KEEP_SIGNED: &str = "de ondertekende versie houden";

/// What a clash is about: the field's name where the path names one.
pub fn clash_field(path: &str) -> String {
    use crate::domain::case::Field;
    let last = path.rsplit('/').next().unwrap_or(path);
    let field = match last {
        "first_name" => Some(Field::FirstName),
        "last_name" => Some(Field::LastName),
        "birth_date" => Some(Field::BirthDate),
        "groep" => Some(Field::Groep),
        "gezag" => Some(Field::Gezag),
        "signal_date" => Some(Field::SignalDate),
        "source" => Some(Field::Source),
        "holder" => Some(Field::Holder),
        "due" => Some(Field::Due),
        "step" => Some(Field::Step),
        _ => None,
    };
    field.map_or_else(|| path.trim_start_matches('/').replace('/', " › "), |f| f.label().to_string())
}

/// A clash's value (JSON text) as people read it: a date as dd-mm-jjjj, text without quotes.
pub fn clash_value(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::String(s)) => match chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(d) => crate::domain::date::format(d),
            Err(_) => s,
        },
        Ok(serde_json::Value::Null) => "(leeg)".to_string(),
        Ok(v) => v.to_string(),
        Err(_) => json.to_string(),
    }
}

/// Whether a clash is an edit that arrived for a signed plan version.
pub fn frozen_clash(clash: &crate::domain::share::Clash) -> bool {
    clash.part == crate::domain::share::Part::Plan && clash.path.starts_with("/book/versions/")
}

/// The status line after a sync that brought something in.
pub fn synced(lines: &[String]) -> String {
    format!("Gesynchroniseerd: {}", lines.join(" · "))
}

/// The title line's sync part: when last, and what came in then.
pub fn sync_state(
    last: Option<chrono::NaiveDateTime>,
    running: bool,
    came_in: &[(String, usize)],
    trouble: bool,
) -> String {
    let mark = if trouble { "⚠" } else { "↻" };
    let when = match (running, last) {
        (true, _) => "synchroniseert…".to_string(),
        (false, Some(at)) => format!("gesynchroniseerd {}", at.format("%H:%M")),
        (false, None) => "nog niet gesynchroniseerd".to_string(),
    };
    let what: Vec<String> = came_in.iter().map(|(who, n)| sync::received(*n, who)).collect();
    if what.is_empty() { format!("{mark} {when}") } else { format!("{mark} {when} · {}", what.join(", ")) }
}

/// The words of `sync`'s refusals and summary.
pub mod sync {
    use crate::strings::count;

    pub const FOREIGN: &str = "geen synchronisatiebestand van tandem";
    pub const INCOMPLETE: &str = "nog niet compleet (wordt het nog gesynchroniseerd?)";
    pub const BAD_HEAD: &str = "de kop van het bestand is onleesbaar of beschadigd";
    pub const BAD_PAYLOAD: &str = "de inhoud is niet wat tandem schrijft (beschadigd of vervalst)";
    pub const TAMPERED: &str = "de kop is onderweg veranderd: het bestand is gewijzigd";
    pub const SAME_MEMBER: &str = "geschreven met jouw eigen sleutels op een andere laptop; tandem werkt met één exemplaar per persoon. Maak op de tweede laptop een eigen kaart (tandem partner key) en laat je partner die toevoegen";

    pub fn unknown_sender(id: &str) -> String {
        format!("van deelnemer {id}, die hier niet (meer) als tandempartner is vertrouwd")
    }

    pub fn second_copy(name: &str) -> String {
        format!(
            "{name} werkt op twee laptops met dezelfde kaart; vraag {name} op één laptop te werken of een tweede kaart te laten toevoegen"
        )
    }

    pub fn too_large(bytes: u64) -> String {
        format!("te groot voor een tandem-bestand ({} MB)", bytes / (1024 * 1024))
    }

    pub fn unreadable(e: &str) -> String {
        format!("kan niet worden gelezen ({e})")
    }

    pub const NOTHING_NEW: &str = "Niets nieuws binnengekomen.";

    pub fn received(n: usize, who: &str) -> String {
        format!("{} van {who}", count(n as u64, "wijziging", "wijzigingen"))
    }

    pub fn sent(n: usize, who: &str) -> String {
        format!("{} geschreven voor {who}", count(n as u64, "bestand", "bestanden"))
    }

    pub fn dropped(n: usize) -> String {
        format!(
            "{} hier gewist: de toestemming om te delen is ingetrokken",
            count(n as u64, "deel van een dossier", "delen van dossiers")
        )
    }

    pub fn waiting(n: usize) -> String {
        format!(
            "{} wacht nog (wordt nog gesynchroniseerd, of komt na een bestand dat nog onderweg is)",
            count(n as u64, "bestand", "bestanden")
        )
    }

    pub fn cleaned(n: usize) -> String {
        format!("{} opgeruimd (door iedereen opgehaald)", count(n as u64, "eigen bestand", "eigen bestanden"))
    }

    pub fn resent(who: &str) -> String {
        format!(
            "Een bestand voor {who} is uit de map verdwenen voordat {who} het ophaalde: alles wat {who} mag hebben is \
             opnieuw verstuurd."
        )
    }

    pub fn refused(name: &str, why: &str) -> String {
        format!("✗ {name} geweigerd: {why}. Het bestand blijft staan; er is niets mee veranderd.")
    }
}

pub mod bundle {
    pub const EMPTY: &str =
        "Deze bundel is leeg of nog niet compleet. Wacht tot de synchronisatie klaar is en probeer het dan opnieuw.";
    pub const NOT_AGE: &str = "Dit bestand is geen tandem-bundel: het is geen met age versleuteld bestand. Controleer \
         of je het goede bestand hebt gekozen, of vraag het team de bundel opnieuw te sturen.";
    pub const TRUNCATED: &str = "Deze bundel is nog niet compleet: het bestand houdt te vroeg op. Wacht tot de \
         synchronisatie klaar is en probeer het dan opnieuw; blijft dit zo, vraag het team de bundel opnieuw te sturen.";
    pub const DAMAGED: &str = "Deze bundel is beschadigd: de versleutelde inhoud is veranderd sinds het team hem \
         maakte. Gebruik hem niet en vraag het team de bundel opnieuw te sturen.";
    pub const WRONG_RECIPIENT: &str = "Deze bundel is versleuteld voor een andere ontvanger, niet voor deze \
         SWV-sleutel. Open hem met de juiste SWV-sleutel, of vraag het team de bundel opnieuw te maken met jullie \
         publieke sleutel (age1…).";
    pub const NOT_A_BUNDLE: &str = "Dit bestand is wel voor jullie versleuteld, maar de inhoud is geen geldige \
         tandem-bundel (andere bestanden dan verwacht, of te groot). Vraag het team een nieuwe export te maken met tandem.";
    pub fn unknown_signer(key_id: &str) -> String {
        format!(
            "Deze bundel is ondertekend met een teamsleutel die jullie (nog) niet vertrouwen (sleutel-ID {key_id}). \
             Vraag het team om hun publieke sleutel, vergelijk de vingerafdruk telefonisch en voeg de sleutel pas \
             daarna toe aan de vertrouwde teams."
        )
    }
    pub const BAD_SIGNATURE: &str = "De handtekening van deze bundel klopt niet: de inhoud is na het ondertekenen \
         veranderd of beschadigd. Gebruik deze bundel niet en vraag het team een nieuwe te sturen.";
    pub const BAD_TEAM_KEY: &str = "Dit is geen geldige publieke teamsleutel. Plak de regel die met RW begint, of \
         het hele .pub-bestand van het team.";
    pub const BAD_IDENTITY: &str = "Dit is geen geldig age-sleutelbestand van het SWV. Kies het bestand met precies \
         één regel die met AGE-SECRET-KEY-1 begint.";
    pub const BAD_RECIPIENT: &str = "Dit is geen geldige publieke SWV-sleutel. Vraag het SWV om hun publieke sleutel \
         en plak die helemaal; hij begint met age1.";
    pub const BAD_SIGNING_KEY: &str = "De ondertekensleutel van het team is beschadigd. Maak een nieuwe sleutel aan \
         en geef de nieuwe publieke sleutel door aan het SWV.";
    pub fn too_large(max_mib: u64) -> String {
        format!(
            "De export is te groot voor één bundel (meer dan {max_mib} MiB). Er is niets verstuurd; neem contact op \
             met de beheerder van tandem."
        )
    }
    pub fn internal(detail: &str) -> String {
        format!(
            "Er ging iets mis bij het maken van de sleutel of de bundel ({detail}). Er is niets verstuurd; probeer \
             het opnieuw en meld het aan de beheerder van tandem als het blijft gebeuren."
        )
    }
    /// Shown instead of a key id or fingerprint for a stored team key that is not a key.
    pub const INVALID_KEY_ID: &str = "(ongeldige sleutel)";
}

// ---- Partners ----
/// Members and the partners they trust: the card, adding, listing and removing.
pub mod partners {
    use std::path::Path;

    pub fn card_header(fingerprint: &str) -> String {
        format!(
            "# tandem: kaart van een tandempartner. Geef dit bestand aan je partner; die voegt het toe met\n\
             # tandem partner add KAART --name NAAM. Vergelijk daarna samen telefonisch de vingerafdruk.\n\
             # Vingerafdruk: {fingerprint}\n"
        )
    }
    pub fn card_unreadable(file: &Path, error: &std::io::Error) -> String {
        format!("Kan de kaart {} niet lezen: {error}. Controleer de naam van het bestand.", file.display())
    }
    pub const CARD_TOO_LARGE: &str = "Dit bestand is te groot voor een partnerkaart (meer dan 16 KB). Vraag je \
         partner de uitvoer van `tandem partner key` opnieuw te sturen, zonder iets toe te voegen.";
    pub const NOT_A_CARD: &str = "Dit bestand is geen partnerkaart van tandem. Vraag je partner om de uitvoer van \
         `tandem partner key` en kies dat bestand.";
    pub const CARD_INCOMPLETE: &str = "Deze partnerkaart is onvolledig of beschadigd (een deel ontbreekt of klopt \
         niet). Vraag je partner de kaart opnieuw te sturen, als bestand en ongewijzigd.";
    pub fn field_too_long(field: &str) -> String {
        format!(
            "Het veld \"{field}\" op deze partnerkaart is te lang of bevat ongeldige tekens. Vraag je partner de \
             kaart opnieuw te maken met `tandem partner key`."
        )
    }
    pub const CARD_BAD_KEY: &str = "Een sleutel op deze partnerkaart is ongeldig. Vraag je partner de kaart opnieuw \
         te sturen, ongewijzigd.";
    pub const CARD_TAMPERED: &str = "De handtekening van deze partnerkaart klopt niet: de kaart is na het maken \
         veranderd. Vertrouw haar niet en vraag je partner de kaart opnieuw te sturen.";
    pub const OWN_CARD: &str = "Dit is je eigen kaart. Voeg de kaart van je partner toe: die maakt hij of zij op de \
         eigen laptop met `tandem partner key`.";
    pub const SAME_MEMBER: &str = "Deze kaart hoort bij hetzelfde lid als deze kopie (hetzelfde lid-ID of dezelfde \
         sleutels): dat zijn twee kopieën van hetzelfde lid, bijvoorbeeld een gekopieerde gegevensmap op een tweede \
         laptop. Elk lid werkt in één eigen kopie; richt op de andere laptop tandem opnieuw in.";
    pub fn already_trusted(name: &str) -> String {
        format!("Deze partner vertrouw je al, als {name}. Er is niets veranderd; zie `tandem partner list`.")
    }
    pub fn same_keys_other_id(name: &str) -> String {
        format!(
            "Deze kaart heeft dezelfde sleutels als je partner {name}, maar een ander lid-ID: twee kopieën van \
             hetzelfde lid. Er is niets veranderd; vraag {name} welke kopie hij of zij gebruikt."
        )
    }
    pub fn other_school(ours: &str, theirs: &str) -> String {
        format!(
            "Deze kaart is van een andere school (\"{theirs}\"); deze kopie is van \"{ours}\". Er is niets \
             veranderd. Werk je met meer scholen, gebruik dan per school een eigen kopie."
        )
    }
    pub const BAD_NAME: &str = "Geef de partner een naam van 1 tot 200 tekens met --name, bijvoorbeeld \
         --name \"Joost Visser\".";
    pub fn partner_unknown(id: &str) -> String {
        format!("Geen partner met ID {id}. Zie `tandem partner list` voor de ID's.")
    }
    pub fn partner_ambiguous(id: &str, count: usize) -> String {
        format!("{count} partners hebben een ID dat begint met {id}. Typ meer tekens van het ID.")
    }
    pub fn confirm(fingerprint: &str, name: &str, role: &str, school: &str) -> String {
        format!(
            "Kaart van {name} ({role}, {school}).\nVingerafdruk: {fingerprint}\nVergelijk deze vingerafdruk \
             telefonisch met je partner. Klopt hij precies? (j/n) "
        )
    }
    pub const NEEDS_YES: &str = "Geen terminal om de vingerafdruk te bevestigen. Vergelijk de vingerafdruk \
         telefonisch met je partner en voeg de kaart dan toe met --yes.";
    pub const DECLINED: &str = "Niet toegevoegd: de vingerafdruk is niet bevestigd.";
    pub fn added(name: &str, id: &str, fingerprint: &str) -> String {
        format!("{name} is toegevoegd als tandempartner (ID {id}, vingerafdruk {fingerprint}).")
    }
    pub fn removed(name: &str, id: &str) -> String {
        format!(
            "{name} (ID {id}) is geen tandempartner meer. Vanaf de volgende synchronisatie gaat er niets nieuws meer \
             naar {name}. Wat {name} al ontvangen heeft, blijft op diens laptop staan."
        )
    }
    pub const NO_PARTNERS: &str =
        "Nog geen tandempartners. Voeg er een toe met `tandem partner add KAART --name NAAM`.";
    pub fn no_partners_screen(key: &str) -> String {
        format!("Nog geen tandempartners. Druk {key} om de kaart van je partner toe te voegen.")
    }
    // The partner screen in the TUI.
    pub const SCREEN_TITLE: &str = " Tandempartners ";
    pub const SCREEN_LOADING: &str = "Je kaart en je partners worden geladen…";
    pub fn own_card_line(name: &str, role: &str, school: &str) -> String {
        format!("Jij: {name} · {role} · {school}")
    }
    pub fn own_id_line(id: &str, fingerprint: &str) -> String {
        format!("Lid-ID {id} · vingerafdruk {fingerprint} (vergelijk telefonisch)")
    }
    pub fn share_card(key: &str) -> String {
        format!("Je kaart: {key} bewaart hem als bestand om naar je partner te sturen")
    }
    pub fn card_not_overwritten(file: &Path) -> String {
        format!(
            "Op {} staat al iets anders dan je eigen kaart; tandem overschrijft het niet. Kies een andere naam.",
            file.display()
        )
    }
    pub fn card_unwritable(file: &Path, error: &std::io::Error) -> String {
        format!(
            "Kan de kaart niet bewaren als {}: {error}. Kies een map waarin je mag schrijven, bijv. ~/kaart.txt.",
            file.display()
        )
    }
    pub fn card_saved(file: &Path, fingerprint: &str) -> String {
        format!(
            "Je kaart staat in {}. Stuur dat bestand naar je partner en vergelijk daarna telefonisch de \
             vingerafdruk {fingerprint}.",
            file.display()
        )
    }
    pub const DEMO_NO_CARD: &str = "In de demo wordt geen kaart bewaard: de demo-sleutels verdwijnen bij het stoppen.";
    pub fn add_partner(key: &str) -> String {
        format!("Een partner toevoegen: {key}, en kies het kaartbestand dat je partner je stuurde")
    }
    pub fn folder_line(folder: &Path, key: &str) -> String {
        format!("Gedeelde map: {} ({key} om te wijzigen)", folder.display())
    }
    pub fn no_folder_line(key: &str) -> String {
        format!("Nog geen gedeelde map: {key} om de map te kiezen die je met je partners deelt")
    }
    /// `state` as the title line shows it (`super::sync_state`).
    pub fn sync_line(state: &str, key: &str) -> String {
        format!("{state} ({key} om nu te synchroniseren)")
    }
    pub const NEEDS_FOLDER: &str = "Er is nog geen gedeelde map. Kies eerst de map die je met je partners deelt (OneDrive, SURFdrive, \
         Nextcloud, Syncthing of een USB-stick).";
    // The forms the partner screen opens.
    pub const FORM_ADD_TITLE: &str = "Partner toevoegen";
    pub const FORM_CARD: &str = "Kaartbestand";
    pub const FORM_CARD_HINT: &str =
        "het bestand dat je partner maakte met tandem partner key, bijv. ~/Downloads/kaart.txt";
    pub const FORM_NAME: &str = "Naam van je partner";
    pub const FORM_NAME_HINT: &str = "zoals je de partner kent, bijv. Joost Visser";
    pub const FORM_ADD_BUTTON: &str = "[ Kaart lezen ]";
    pub const FORM_SAVE_CARD_TITLE: &str = "Je kaart bewaren";
    pub const FORM_SAVE_CARD: &str = "Bewaren als";
    pub const FORM_SAVE_CARD_HINT: &str = "een bestand om naar je partner te sturen, bijv. ~/kaart.txt";
    pub const FORM_SAVE_CARD_DEFAULT: &str = "~/tandem-kaart.txt";
    pub const FORM_SAVE_CARD_BUTTON: &str = "[ Kaart bewaren ]";
    pub const CONFIRM_ADD_TITLE: &str = "Vingerafdruk vergelijken";
    pub const FORM_FOLDER_TITLE: &str = "Gedeelde map";
    pub const FORM_FOLDER: &str = "Map";
    pub const FORM_FOLDER_SETUP: &str = "Gedeelde map met je partners";
    pub const FORM_FOLDER_HINT: &str = "een map die je synchronisatie (OneDrive, SURFdrive, Nextcloud, Syncthing) of USB-stick deelt; leeg: niet synchroniseren";
    pub fn folder_set(folder: &Path) -> String {
        format!(
            "De gedeelde map is nu {}. Er liggen alleen versleutelde bestanden in; tandem synchroniseert meteen.",
            folder.display()
        )
    }
    pub const FOLDER_CLEARED: &str =
        "Er is geen gedeelde map meer: tandem synchroniseert niet tot je er weer een kiest.";
    pub const TRUSTED_HEADING: &str = "Partners die je vertrouwt";
    pub const COLUMNS: [&str; 5] = ["Naam", "Rol", "School", "Vingerafdruk", "Toegevoegd"];
    pub const CONFIRM_REMOVE_TITLE: &str = "Partner verwijderen?";
    pub fn confirm_remove(name: &str, id: &str) -> String {
        format!("Na verwijderen: {} Verwijderen? (j/n)", removed(name, id))
    }
    pub fn own_fingerprint(fingerprint: &str) -> String {
        format!(
            "Je vingerafdruk: {fingerprint}. Stuur de kaart naar je partner en vergelijk de vingerafdruk telefonisch."
        )
    }
}

// ---- Monitoring report ----
/// What the monitoring tables (CSV, XLSX) say.
pub mod report {
    /// What a suppressed count (1 to 4) shows instead of the number.
    pub const SUPPRESSED: &str = "<5";
    /// Added to a CSV header over a column with percentages (written as plain numbers
    /// there, "42" for 42%), unless the header already mentions "%".
    pub const PERCENT_HEADER: &str = " (%)";
    /// Sheet name for a table without a usable title, followed by its number: "Tabel 2".
    pub const SHEET_FALLBACK: &str = "Tabel";
    /// Page footer of a printed sheet; `&P` and `&N` are Excel's codes for this page's
    /// number and the number of pages.
    pub const PAGE_FOOTER: &str = "Pagina &P van &N";
    pub const NO_TABLES: &str = "Er is geen tabel om in het Excel-bestand te zetten.";

    pub fn too_large(table: &str) -> String {
        format!(
            "De tabel ‘{table}’ is te groot voor Excel: een werkblad heeft ten hoogste \
             1.048.576 rijen en 16.384 kolommen."
        )
    }

    pub fn text_too_long(table: &str, row: usize, column: usize) -> String {
        format!(
            "In de tabel ‘{table}’ staat in rij {row}, kolom {column} een tekst van meer dan \
             32.767 tekens; zo veel past niet in een Excel-cel."
        )
    }

    pub fn xlsx_failed(detail: &str) -> String {
        format!("Het Excel-bestand kon niet worden gemaakt ({detail}).")
    }
}

// ---- Command line ----
pub const CLI_ABOUT: &str =
    "tandem: dossiers van de schooltandem (IB-er en wijkteam), stap voor stap langs de routekaart.";

pub const DEMO_WITH_COMMAND: &str =
    "--demo opent alleen de demo; gebruik het zonder opdracht (dus niet met list, check of demo)";

pub fn terminal_failed(e: &std::io::Error) -> String {
    format!("De terminal kon niet worden bediend: {e}. Start tandem in een gewone terminal (geen pijp of script).")
}

pub fn crashed(log: &Path) -> String {
    format!("tandem is onverwacht gestopt. Wat al was opgeslagen is bewaard. Details staan in {}.", log.display())
}

pub fn demo_written(n: usize, dir: &Path) -> String {
    format!("{n} verzonnen dossiers geschreven naar {}.", dir.display())
}

pub fn check_route(steps: usize) -> String {
    format!("routekaart: in orde ({steps} stappen)")
}

pub fn check_config(file: &Path, members: usize) -> String {
    format!("config: in orde ({}, {members} teamleden)", file.display())
}

pub fn check_no_config(file: &Path) -> String {
    format!("config: nog niet ingesteld ({} ontbreekt; de eerste start vraagt erom)", file.display())
}

pub fn check_store(dir: &Path, cases: usize, entries: usize, tombstones: usize) -> String {
    format!(
        "store: in orde ({}, {cases} dossiers, {entries} wijzigingen, {tombstones} anonieme telrecords; versleuteling en auditketen gecontroleerd)",
        dir.display()
    )
}

pub fn no_key_yet(dir: &Path) -> String {
    format!(
        "Er is nog geen wachtwoordzin ingesteld voor {}: er staat nog niets in. Start tandem eerst één keer (dan kies je de wachtwoordzin) en probeer het daarna opnieuw.",
        dir.display()
    )
}

pub fn check_no_key(dir: &Path) -> String {
    format!("store: nog geen wachtwoordzin ingesteld ({}; de eerste start vraagt erom)", dir.display())
}

pub const PROMPT_PASSPHRASE: &str = "Wachtwoordzin: ";
pub const PROMPT_NEW_PASSPHRASE: &str = "Nieuwe wachtwoordzin (minstens 12 tekens): ";
pub const PROMPT_AGAIN: &str = "Nog een keer: ";
pub const NO_PASSPHRASE: &str =
    "Geen wachtwoordzin: start in een terminal, of geef hem via TANDEM_PASSPHRASE_FILE (zie README).";
pub const NEW_PASSPHRASE_INVALID: &str =
    "De nieuwe wachtwoordzin is te kort (minstens 12 tekens) of twee keer verschillend getypt; er is niets veranderd.";
pub const PASSPHRASE_CHANGED: &str = "Wachtwoordzin gewijzigd. De herstelcode blijft geldig.";

pub fn passphrase_file(file: &Path, e: &std::io::Error) -> String {
    format!("Kan het wachtwoordbestand {} niet lezen: {e}.", file.display())
}

pub fn passphrase_file_open(file: &Path, mode: u32) -> String {
    format!(
        "Het wachtwoordbestand {} is ook voor anderen leesbaar (rechten {mode:o}); tandem gebruikt het zo niet. Maak het alleen voor jou leesbaar met: chmod 600 {}",
        file.display(),
        file.display()
    )
}

pub fn wrong_passphrase_wait(secs: i64) -> String {
    format!("{WRONG_PASSPHRASE} Wacht {secs} s…")
}

pub fn recovery_printed(code: &str) -> String {
    format!(
        "Herstelcode (wordt maar één keer getoond; schrijf hem op en bewaar hem veilig, niet op deze computer):\n  {code}"
    )
}

pub fn audit_ok(entries: usize) -> String {
    format!("audit: in orde ({entries} regels, keten heel tot de laatste)")
}

pub fn backup_written(file: &Path) -> String {
    format!("Back-up geschreven: {}", file.display())
}

pub fn restored(file: &Path) -> String {
    format!(
        "Back-up teruggezet uit {}. De vorige gegevens staan ernaast (db.replaced-…). Start tandem en ontgrendel met de wachtwoordzin van toen.",
        file.display()
    )
}

// ---- Shared documents (crdt) ----
use crate::crdt::{CrdtError, MAX_DEPTH};

pub const CRDT_ASK_AGAIN: &str = "Vraag de partner om de gegevens opnieuw te sturen.";
pub const CRDT_REPORT: &str = "Dit is een fout in tandem; meld het bij de beheerder.";

said!(
    CrdtError => |e| match e {
        CrdtError::TooLarge { size, max } => format!(
            "De gedeelde gegevens zijn te groot ({size} bytes, maximaal {max}) en zijn niet ingelezen. {CRDT_ASK_AGAIN}"
        ),
        CrdtError::Damaged(detail) => format!(
            "De gedeelde gegevens zijn beschadigd ({detail}) en zijn niet ingelezen. {CRDT_ASK_AGAIN}"
        ),
        CrdtError::TooDeep => format!(
            "De gedeelde gegevens zijn dieper genest dan {MAX_DEPTH} niveaus en zijn niet gelezen of bewaard. {CRDT_ASK_AGAIN}"
        ),
        CrdtError::NotAnObject => format!("Een dossierdeel kon niet als gedeelde gegevens worden bewaard. {CRDT_REPORT}"),
        CrdtError::BadPath(path) => format!(
            "Het veld {path} bestaat niet (meer) in de gedeelde gegevens. Open het dossier opnieuw en kies opnieuw."
        ),
        CrdtError::UnknownHeads => format!(
            "Deze eerdere versie van de gedeelde gegevens is hier niet bekend. {CRDT_REPORT}"
        ),
    };
);

#[cfg(test)]
mod tests {
    use crate::domain::case::CaseId;
    use crate::domain::consent::Decision;
    use crate::domain::escalation::{Level, Named};
    use crate::domain::history::ChangeKind;
    use crate::domain::plan::{PlanGap, SignerRole};
    use crate::domain::testing::route;

    use super::change_kind;

    #[test]
    fn a_field_this_copy_does_not_hold_shows_as_not_shared_not_as_its_stand_in() {
        use crate::domain::case::Field;
        let mut case = crate::domain::testing::sample_case();
        let (team, today) = (crate::domain::team::Team::default(), crate::domain::testing::d(2026, 12, 3));
        let shown = |case: &crate::domain::case::Case, f| super::field_value(case, f, &team, &route(), today);
        let birth = shown(&case, Field::BirthDate);
        assert!(birth.contains(&crate::domain::date::format(case.intake.birth_date)), "{birth}");
        case.copy.withheld = vec![crate::domain::share::Part::Identity];
        for f in [Field::FirstName, Field::LastName, Field::BirthDate, Field::Gezag] {
            assert_eq!(shown(&case, f), super::NOT_SHARED, "{f:?}");
        }
        assert_eq!(shown(&case, Field::Groep), case.intake.groep.to_string());
    }

    #[test]
    fn history_lines_show_titles_and_labels_not_ids() {
        let r = route();
        let done = ChangeKind::StepCompleted { step: "S1".into(), outcome: "ouders".into() };
        assert_eq!(change_kind(&done, &r), "stap S1 Verkennen in school afgerond: Ouders betrekken");
        let consent = ChangeKind::consent("gezamenlijk_plan".into(), Decision::Given);
        assert_eq!(change_kind(&consent, &r), "toestemming gegeven: gezamenlijk plan");
        let refused = ChangeKind::consent("delen_swv".into(), Decision::Refused);
        assert_eq!(change_kind(&refused, &r), "toestemming geweigerd: delen met SWV");
        let unknown = ChangeKind::StepRecorded { step: "X9".into() };
        assert_eq!(change_kind(&unknown, &r), "stap X9 bijgewerkt", "an id no longer in the routekaart stays");
    }

    #[test]
    fn a_question_that_names_its_child_says_which_case_level_and_name() {
        let id = CaseId::random();
        let named = Named { case: id, pupil: "Noor Bakker".into(), level: Level::E3, name: "Noor".into() };
        let reason = named.to_string();
        let short = crate::domain::access::short_id(id);
        assert!(reason.contains("Noor Bakker") && reason.contains(short.trim_start_matches('-')), "{reason}");
        assert!(reason.contains("E3") && reason.contains("vraag"), "{reason}");
    }

    #[test]
    fn a_missing_signature_names_the_role_as_signers_read_it() {
        let gap = PlanGap::Signature(SignerRole::Parent, String::new());
        assert_eq!(super::plan_gap(&gap), super::missing_signature("Ouder/verzorger", ""));
    }

    #[test]
    fn fitting_never_splits_a_character() {
        let text = " 1. [gedeeld] Leest in maart op AVI-niveau E5 · criterium: AVI-toets in maart";
        for width in 0..text.chars().count() + 2 {
            let cut = super::fit(text, width);
            assert!(cut.chars().count() <= width.max(1), "{width}: {cut}");
        }
        assert_eq!(super::fit("Zoë Çelik", 4), "Zoë…");
        // Wide characters count as two columns.
        use unicode_width::UnicodeWidthStr;
        for width in 0..12 {
            let cut = super::fit("王芳 haalt 李明 op", width);
            assert!(cut.width() <= width.max(1), "{width}: {cut}");
        }
        assert_eq!(super::fit("王芳李明", 5), "王芳…");
    }

    #[test]
    fn escalation_counts_are_written_in_singular_or_plural() {
        assert!(super::export_withheld(1).starts_with("✗ 1 escalatie naar"), "{}", super::export_withheld(1));
        assert!(super::export_withheld(3).starts_with("✗ 3 escalaties naar"));
        assert!(!super::export_withheld(2).contains("(s)"));
    }

    #[test]
    fn counts_are_never_written_with_a_bracketed_plural() {
        let texts = [
            super::confirm_retention(1, 2),
            super::confirm_retention(3, 2),
            super::damaged_records(1),
            super::damaged_records(2),
            super::plan_incomplete_to_sign(1),
            super::plan_incomplete_to_sign(4),
            super::import_summary(1, 0, 1, 1),
            super::import_summary(2, 3, 250, 4),
        ];
        for t in &texts {
            assert!(!t.contains("(s)") && !t.contains("(en)"), "{t}");
        }
        assert!(texts[0].starts_with("1 gesloten dossier is") && texts[0].contains(" en moet worden"), "{}", texts[0]);
        assert!(texts[1].starts_with("3 gesloten dossiers zijn") && texts[1].contains(" en moeten worden"));
        assert_eq!(texts[6], "1 bundel ingelezen, 0 wachten op de synchronisatie · 1 dossier van 1 team");
        assert!(texts[7].starts_with("2 bundels ingelezen, 3 wachten"), "{}", texts[7]);
    }

    #[test]
    fn every_shared_document_error_says_its_own_sentence_and_what_to_do() {
        use crate::crdt::CrdtError;
        let errors = [
            CrdtError::TooLarge { size: 9, max: 8 },
            CrdtError::Damaged("bad checksum".into()),
            CrdtError::TooDeep,
            CrdtError::NotAnObject,
            CrdtError::BadPath("/intake/birth_date".into()),
            CrdtError::UnknownHeads,
        ];
        let mut seen = std::collections::HashSet::new();
        for error in errors {
            let shown = error.to_string();
            assert!(shown.ends_with('.') && shown.len() > 60, "{shown}");
            assert!(shown.contains("Vraag") || shown.contains("meld") || shown.contains("Open"), "{shown}");
            assert!(seen.insert(shown), "two errors share a text");
        }
        assert!(CrdtError::BadPath("/intake/birth_date".into()).to_string().contains("/intake/birth_date"));
    }
}
