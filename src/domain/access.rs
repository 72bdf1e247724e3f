//! What a case looks like to a reader: field values as text, and the parents' copy of
//! everything kept about their child (AVG right of access) as Markdown.

use chrono::NaiveDate;

use super::case::{Case, CaseId, Field};
use super::date;
use super::history::Change;
use super::route::{Routekaart, Value};
use super::team::Team;
use crate::strings;

/// One field of a case as text, as the detail view and the export show it.
pub fn field_value(case: &Case, field: Field, team: &Team, route: &Routekaart, today: NaiveDate) -> String {
    let i = &case.intake;
    match field {
        Field::FirstName => i.first_name.clone(),
        Field::LastName => i.last_name.clone(),
        Field::BirthDate => {
            let age = date::age_on(i.birth_date, today).unwrap_or(0);
            format!("{} ({age} {})", date::format(i.birth_date), strings::YEARS)
        }
        Field::Groep => i.groep.to_string(),
        Field::Gezag => i.gezag.label().to_string(),
        Field::SignalDate => date::format(i.signal_date),
        Field::Source => i.source.label().to_string(),
        Field::Domains => i.domains.iter().map(|d| d.label()).collect::<Vec<_>>().join(", "),
        Field::Note => i.note.clone(),
        Field::Holder => team.name_of(&i.holder).to_string(),
        Field::Step => route.label(&case.step),
        Field::Due => case.due.map(date::format).unwrap_or_else(|| "—".into()),
    }
}

/// The parents' copy: every field, the history (who, when, what) and what tandem does
/// with the data. Markdown, so it reads as plain text and converts to anything.
pub fn markdown(
    case: &Case,
    history: &[Change],
    school: &str,
    team: &Team,
    route: &Routekaart,
    today: NaiveDate,
) -> String {
    let mut out = format!("# {} {}\n\n", strings::ACCESS_TITLE, case.pupil_name());
    out.push_str(&strings::access_intro(school, &date::format(today)));
    out.push_str(&format!("\n\n## {}\n\n| | |\n|---|---|\n", strings::ACCESS_RECORDED));
    for field in Field::ALL {
        let value = field_value(case, field, team, route, today).replace('|', "\\|").replace('\n', " ");
        out.push_str(&format!("| {} | {} |\n", field.label(), value));
    }
    out.push_str(&format!("\n## {}\n", strings::ACCESS_ROUTE));
    for v in &case.visits {
        let step = route.step(&v.step);
        let status = match &v.done {
            Some(d) => {
                let outcome = step
                    .and_then(|s| s.outcomes.iter().find(|o| o.id == d.outcome))
                    .map_or(d.outcome.as_str(), |o| o.label.as_str());
                strings::access_step_done(&date::format(d.on), outcome)
            }
            None => strings::ACCESS_STEP_OPEN.to_string(),
        };
        out.push_str(&format!("\n### {} ({})\n\n", route.label(&v.step), status));
        for (id, value) in v.values.iter() {
            let label =
                step.and_then(|s| s.fields.iter().find(|f| &f.id == id)).map_or(id.as_str(), |f| f.label.as_str());
            out.push_str(&format!("- {label}: {}\n", value_text(value, team).replace('\n', " ")));
        }
    }
    out.push_str(&format!("\n## {}\n\n", strings::ACCESS_CONSENT));
    if case.consents.is_empty() {
        out.push_str(&format!("{}\n", strings::ACCESS_NO_CONSENT));
    }
    for c in &case.consents {
        out.push_str(&format!(
            "- {}: {} op {} door {} ({}), vastgelegd door {}\n",
            route.purpose_name(&c.purpose),
            strings::CONSENT_DECISIONS[usize::from(!c.given)],
            date::format(c.on),
            strings::giver(c.by),
            strings::CONSENT_FORMS[usize::from(c.form == crate::domain::consent::ConsentForm::Written)],
            team.name_of(&c.recorded_by)
        ));
    }
    out.push_str(&format!("\n## {}\n\n", strings::HISTORY));
    for ch in history {
        out.push_str(&format!(
            "- {} · {} · {}\n",
            ch.at.format("%d-%m-%Y %H:%M"),
            team.name_of(&ch.who),
            strings::change_kind(&ch.kind)
        ));
    }
    out.push_str(&format!("\n## {}\n\n{}\n", strings::ACCESS_RIGHTS_TITLE, strings::ACCESS_RIGHTS));
    out
}

/// A file name that says what it is without spaces or odd characters; the short id lets
/// an erasure find the case's copies.
/// `kind` says what the file is ("inzage", "plan-v2"), `ext` its type ("md", "pdf").
pub fn file_name(kind: &str, case: &Case, today: NaiveDate, ext: &str) -> String {
    let name: String =
        case.pupil_name().chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("{kind}-{name}{}-{}.{ext}", short_id(case.id), today.format("%Y-%m-%d"))
}

/// "-1a2b3c4d": the first 8 hex digits of a case id, as used in file names.
pub fn short_id(id: CaseId) -> String {
    format!("-{}", &id.0.simple().to_string()[..8])
}

/// A recorded step value as text.
pub fn value_text(value: &Value, team: &Team) -> String {
    match value {
        Value::Text(s) | Value::Choice(s) => s.clone(),
        Value::Date(d) => date::format(*d),
        Value::Multi(items) => items.join(", "),
        Value::YesNo(b) => if *b { "ja" } else { "nee" }.to_string(),
        Value::Person(id) => team.name_of(id).to_string(),
        Value::Score(n) => format!("{n} van 5"),
        Value::Number(n) => n.to_string(),
        Value::Goals(goals) => {
            goals.iter().map(|g| format!("doel {}: {}", g.goal, g.result)).collect::<Vec<_>>().join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::demo;
    use crate::domain::history::ChangeKind;

    #[test]
    fn the_parents_copy_holds_every_field_and_the_history() {
        let config = Config::demo().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut case = demo::cases(1, 5, &config.route, &config.team, today).remove(0);
        case.intake.note = "Komt vaak | te laat.".into();
        let at = today.and_hms_opt(9, 0, 0).unwrap();
        let history = vec![Change { case: Some(case.id), at, who: "anna".into(), kind: ChangeKind::Created }];
        let md = markdown(&case, &history, "De Vlinder", &config.team, &config.route, today);
        assert!(md.starts_with(&format!("# {} {}", strings::ACCESS_TITLE, case.pupil_name())));
        for f in Field::ALL {
            assert!(md.contains(&format!("| {} |", f.label())), "{f:?}");
        }
        assert!(md.contains("Komt vaak \\| te laat."), "table cells are escaped");
        assert!(md.contains("23-11-2026 09:00 · Anna Bakker · dossier aangemaakt"));
        assert!(file_name("inzage", &case, today, "md").ends_with("-2026-11-23.md"));
        assert!(file_name("inzage", &case, today, "md").contains(&short_id(case.id)));
        // The route walked so far and the consents are in it too.
        assert!(md.contains("## Route") && md.contains("## Toestemming"));
    }
}
