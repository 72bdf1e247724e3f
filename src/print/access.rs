//! The parents' copy of everything kept about their child (AVG right of access), as a
//! document: Markdown, so it reads as plain text and converts to anything.

use chrono::NaiveDate;

use super::{Block, Doc, Node};
use crate::domain::case::{Case, Field};
use crate::domain::date;
use crate::domain::history::Change;
use crate::domain::plan::PlanBook;
use crate::domain::route::{Routekaart, Value, Visit};
use crate::domain::team::Team;
use crate::strings::{self, Label};

/// The parents' copy: every field, the route, the consents, then everything stored
/// about the child as it is stored (the case and every plan version, walked generically
/// so a field added later is in it too), the history (who, when, what) and what tandem
/// does with the data.
pub fn document(
    case: &Case,
    plans: Option<&PlanBook>,
    history: &[Change],
    school: &str,
    team: &Team,
    route: &Routekaart,
    today: NaiveDate,
) -> Doc {
    let title = format!("{} {}", strings::ACCESS_TITLE, strings::pupil(case));
    let mut blocks = vec![Block::Paragraph(strings::access_intro(school, &date::format(today)))];
    blocks.push(Block::Heading(strings::ACCESS_RECORDED.to_string()));
    let rows = Field::ALL
        .iter()
        .map(|f| vec![f.label().to_string(), strings::field_value(case, *f, team, route, today)])
        .collect();
    blocks.push(Block::Table { header: vec![String::new(), String::new()], rows });
    blocks.push(Block::Heading(strings::ACCESS_ROUTE.to_string()));
    for visit in &case.visits {
        blocks.extend(visit_blocks(visit, team, route));
    }
    blocks.push(Block::Heading(strings::ACCESS_CONSENT.to_string()));
    blocks.push(consent_block(case, team, route));
    blocks.push(Block::Heading(strings::ACCESS_STORED.to_string()));
    blocks.push(Block::Paragraph(strings::ACCESS_STORED_INTRO.to_string()));
    blocks.push(Block::Tree(stored(&serde_json::to_value(case).unwrap_or_default(), team)));
    if let Some(book) = plans {
        blocks.push(Block::Heading(strings::ACCESS_PLANS.to_string()));
        blocks.push(Block::Tree(stored(&serde_json::to_value(book).unwrap_or_default(), team)));
    }
    blocks.push(Block::Heading(strings::HISTORY.to_string()));
    let line = |ch: &Change| {
        strings::access_history_line(
            &ch.at.format("%d-%m-%Y %H:%M").to_string(),
            team.name_of(&ch.who),
            &strings::change_kind(&ch.kind, route),
        )
    };
    blocks.push(Block::Bullets(history.iter().map(line).collect()));
    blocks.push(Block::Heading(strings::ACCESS_RIGHTS_TITLE.to_string()));
    blocks.push(Block::Paragraph(strings::ACCESS_RIGHTS.to_string()));
    Doc { footer: title.clone(), title, meta: Vec::new(), blocks }
}

/// A step walked: its name with how it ended (or that it is under way), and its values
/// as recorded.
fn visit_blocks(visit: &Visit, team: &Team, route: &Routekaart) -> [Block; 2] {
    let step = route.step(&visit.step);
    let status = match &visit.done {
        Some(d) => {
            let outcome = step
                .and_then(|s| s.outcomes.iter().find(|o| o.id == d.outcome))
                .map_or(d.outcome.as_str(), |o| o.label.as_str());
            strings::access_step_done(&date::format(d.on), outcome)
        }
        None => strings::ACCESS_STEP_OPEN.to_string(),
    };
    let value = |(id, value): (&String, &Value)| {
        let label = step.and_then(|s| s.fields.iter().find(|f| &f.id == id)).map_or(id.as_str(), |f| f.label.as_str());
        let text = format!("{label}: {}", strings::value_text(value, team)).replace('\n', " ");
        Node { text, children: Vec::new() }
    };
    [
        Block::Subheading(format!("{} ({status})", route.label(&visit.step))),
        Block::Tree(visit.values.iter().map(value).collect()),
    ]
}

fn consent_block(case: &Case, team: &Team, route: &Routekaart) -> Block {
    if case.consents.is_empty() {
        return Block::Paragraph(strings::ACCESS_NO_CONSENT.to_string());
    }
    let line = |c: &crate::domain::consent::Consent| {
        strings::access_consent_line(
            route.purpose_name(&c.purpose),
            &strings::consent_record(c, case.intake.gezag),
            team.name_of(&c.recorded_by),
        )
    };
    Block::Bullets(case.consents.iter().map(line).collect())
}

/// A value as stored, as a tree: every key and every value, with the Dutch name of keys
/// tandem knows (`strings::access_key`) and team members by name.
fn stored(value: &serde_json::Value, team: &Team) -> Vec<Node> {
    use serde_json::Value as J;
    let node = |label: String, v: &J| match scalar(v, team) {
        Some(text) => Node { text: format!("{label}{text}"), children: Vec::new() },
        None => Node { text: label.trim_end_matches([':', ' ']).to_string(), children: stored(v, team) },
    };
    match value {
        J::Object(map) => map.iter().map(|(k, v)| node(format!("{}: ", strings::access_key(k)), v)).collect(),
        J::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v.as_array().map(Vec::as_slice) {
                // A recorded step value: [field id, value].
                Some([J::String(k), v]) => node(format!("{}: ", strings::access_key(k)), v),
                _ => node(format!("{}. ", i + 1), v),
            })
            .collect(),
        v => vec![node(String::new(), v)],
    }
}

/// A leaf as text; None for what has parts of its own. A recorded step value
/// (`{"t": kind, "v": value}`) is its value.
fn scalar(value: &serde_json::Value, team: &Team) -> Option<String> {
    use serde_json::Value as J;
    match value {
        J::Null => Some("—".into()),
        J::Bool(b) => Some(strings::yes_no(*b).into()),
        J::Number(n) => Some(n.to_string()),
        J::String(s) => Some(leaf_text(s, team)),
        J::Array(a) if a.is_empty() => Some("—".into()),
        J::Object(m) if m.is_empty() => Some("—".into()),
        J::Object(m) if m.len() == 2 && m.contains_key("t") => m.get("v").and_then(|v| scalar(v, team)),
        _ => None,
    }
}

/// A stored text as the copy shows it: dates as dd-mm-jjjj, member ids as names, on one line.
fn leaf_text(s: &str, team: &Team) -> String {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => date::format(d),
        Err(_) => team.name_of(s).replace('\n', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::absence::WeekHours;
    use crate::domain::access::{file_stem, short_id};
    use crate::domain::case::{DomainTag, Gezag, Intake, SignalSource};
    use crate::domain::consent::{self, Consent, ConsentForm};
    use crate::domain::demo;
    use crate::domain::escalation::{
        Absence, Decision, Dismissal, Domain, Escalation, Level, Reason, Rung, TriggerKind,
    };
    use crate::domain::history::ChangeKind;
    use crate::domain::plan::{
        Action, ActionStatus, Concern, Division, Goal, Party, Payer, Plan, PlanDomain, Priority, Signer, SignerRole,
    };
    use crate::domain::route::Value;
    use crate::domain::route::{Done, Visit};
    use crate::domain::testing::{d, school};

    #[test]
    fn the_parents_copy_holds_every_field_and_the_history() {
        let config = school();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut case = demo::cases(1, 5, &config.route, &config.team, today).remove(0);
        case.intake.note = "Komt vaak | te laat.".into();
        let at = today.and_hms_opt(9, 0, 0).unwrap();
        let history = vec![Change { case: Some(case.id), at, who: "anna".into(), kind: ChangeKind::Created }];
        let md = crate::print::markdown::render(&document(
            &case,
            None,
            &history,
            "De Vlinder",
            &config.team,
            &config.route,
            today,
        ));
        assert!(md.starts_with(&format!("# {} {}", strings::ACCESS_TITLE, case.pupil_name())));
        for f in Field::ALL {
            assert!(md.contains(&format!("| {} |", f.label())), "{f:?}");
        }
        assert!(md.contains("Komt vaak \\| te laat."), "table cells are escaped");
        assert!(md.contains(&format!("\n\n## {}\n\n| | |\n|---|---|\n| ", strings::ACCESS_RECORDED)), "{md}");
        assert!(md.contains("23-11-2026 09:00 · Anna Bakker · dossier aangemaakt"));
        let stem = file_stem("inzage", case.id, today);
        assert!(stem.ends_with("-2026-11-23") && stem.contains(&short_id(case.id)), "{stem}");
        let folded = stem.to_lowercase();
        for name in [&case.intake.first_name, &case.intake.last_name].into_iter().filter(|n| !n.is_empty()) {
            assert!(!folded.contains(&name.to_lowercase()), "{name} in the file name {stem}");
        }
        // The route walked so far and the consents are in it too.
        assert!(md.contains("## Route") && md.contains("## Toestemming"));
    }

    /// A case with every field filled: each route step done with every kind of value,
    /// consent, an escalation over two levels with a decision, absences and a dismissal.
    /// Built field by field, so a field added to the record must be filled here too.
    fn full_case(config: &crate::domain::testing::School) -> Case {
        let anna = config.team.members[0].id.clone();
        let value_kinds = |step: &str| -> crate::domain::route::Values {
            [
                (format!("{step}_tekst"), Value::Text(format!("Tekst bij {step}\nop twee regels"))),
                (format!("{step}_datum"), Value::Date(d(2026, 9, 3))),
                (format!("{step}_keuze"), Value::Choice(format!("keuze-{step}"))),
                (format!("{step}_meer"), Value::Multi(vec![format!("een-{step}"), format!("twee-{step}")])),
                (format!("{step}_janee"), Value::YesNo(true)),
                (format!("{step}_wie"), Value::Person(config.team.members[1].id.clone())),
                (format!("{step}_score"), Value::Score(4)),
            ]
            .into_iter()
            .collect()
        };
        let visits = config
            .route
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| Visit {
                step: s.id.clone(),
                entered: d(2026, 9, 1 + i as u32),
                values: value_kinds(&s.id),
                done: Some(Done {
                    on: d(2026, 9, 2 + i as u32),
                    outcome: format!("uitkomst-{}", s.id),
                    by: anna.clone(),
                }),
            })
            .collect();
        let rung = |level, question: &str, decision| Rung {
            level,
            domain: Domain::Both,
            opened: d(2026, 10, 5),
            asked_by: anna.clone(),
            question: question.into(),
            deciders: vec![format!("schooldirecteur: Ria Hoekstra {question}")],
            due: Some(d(2026, 10, 19)),
            decision,
            gemeente: None,
        };
        let decided = Decision {
            by: "Ria Hoekstra".into(),
            what: "Geen aanbod binnen de school".into(),
            on: d(2026, 10, 12),
            follow_up: Some(d(2026, 12, 14)),
            resolved: false,
        };
        Case {
            id: crate::domain::case::CaseId::random(),
            revision: 17,
            intake: Intake {
                first_name: "Noor".into(),
                last_name: "Bakker-Öztürk".into(),
                birth_date: d(2014, 5, 6),
                groep: 7,
                gezag: Gezag::Mother,
                signal_date: d(2026, 9, 1),
                source: SignalSource::Parent,
                domains: vec![DomainTag::Education, DomainTag::Safety],
                note: "Komt vaak | te laat\nen is moe.".into(),
                holder: anna.clone(),
            },
            step: "S4".into(),
            due: Some(d(2026, 12, 1)),
            closed_on: Some(d(2026, 11, 20)),
            visits,
            consents: vec![Consent {
                purpose: "delen_swv".into(),
                decision: consent::Decision::Refused,
                parties: vec![consent::Party::FirstParent, consent::Party::Child],
                by: None,
                form: ConsentForm::Written,
                on: d(2026, 9, 10),
                recorded_by: anna.clone(),
            }],
            escalations: vec![Escalation {
                reason: Reason::NoOffer,
                rungs: vec![
                    rung(Level::E1, "Wie biedt de begeleiding?", Some(decided)),
                    rung(Level::E2, "Doorzettingsmacht: wie betaalt?", None),
                ],
            }],
            absence_hours: vec![WeekHours { week: d(2026, 10, 5), hours: 13 }],
            absences: vec![
                Absence { from: d(2026, 10, 1), to: Some(d(2026, 10, 9)) },
                Absence { from: d(2026, 10, 26), to: None },
            ],
            dismissals: vec![Dismissal {
                kind: TriggerKind::Thuiszitter,
                since: d(2026, 10, 26),
                reason: "ziek, de huisarts is betrokken".into(),
                by: anna,
                on: d(2026, 11, 2),
            }],
            school: String::new(),
            copy: Default::default(),
        }
    }

    /// Two plan versions, the first signed, with every field filled.
    fn full_book() -> PlanBook {
        let v1 = Plan {
            version: 1,
            started: d(2026, 10, 1),
            betrokkenen: "moeder, oma".into(),
            vraag: "Hoe komt Noor weer op school?".into(),
            krachten: "Noor tekent graag".into(),
            concerns: vec![Concern { id: 1, text: "Verzuim sinds oktober".into(), priority: Priority::High }],
            behoeften: "Rust en een vaste plek".into(),
            factoren: "Oma helpt 's ochtends".into(),
            division: vec![Division {
                domain: PlanDomain::Jeugdhulp,
                what: "Gezinsbegeleiding".into(),
                payer: Some(Payer::Gemeente),
            }],
            goals: vec![Goal {
                id: 2,
                text: "Elke ochtend op school".into(),
                domain: PlanDomain::Gedeeld,
                criterion: "Verzuim onder 5 procent".into(),
                concern: Some(1),
            }],
            actions: vec![Action {
                what: "Ochtendritueel oefenen".into(),
                party: Some(Party::Ouders),
                person: "juf Ilse".into(),
                by: Some(d(2026, 11, 15)),
                status: ActionStatus::Busy,
                goal: Some(2),
            }],
            zelf: "Moeder brengt Noor".into(),
            regiehouder: "Karim Bouzid".into(),
            contact: "06-1234 5678".into(),
            evaluations: vec![d(2027, 1, 15)],
            criteria: "Samen met moeder".into(),
            delen: "Met de huisarts".into(),
            signers: vec![Signer {
                role: SignerRole::Parent,
                name: "Moeder van Noor".into(),
                signed: Some(d(2026, 10, 8)),
            }],
            opp: true,
            meldcode: false,
            next_id: 3,
        };
        let mut v2 = v1.next_version(d(2026, 11, 10)).unwrap();
        v2.vraag = "Tweede versie: hoe blijft Noor op school?".into();
        PlanBook { versions: vec![v1, v2], heads: Vec::new(), session: String::new() }
    }

    /// Every leaf of a stored record, as the copy shows it (booleans say ja/nee, which
    /// would match anywhere, so their keys are checked instead).
    fn leaves(value: &serde_json::Value, team: &Team, out: &mut Vec<String>) {
        use serde_json::Value as J;
        match value {
            J::String(s) => out.push(leaf_text(s, team)),
            J::Number(n) => out.push(n.to_string()),
            J::Array(items) => items.iter().for_each(|v| leaves(v, team, out)),
            J::Object(map) => map.iter().for_each(|(k, v)| {
                // The tag of a step value names its type, not a recorded value.
                if k != "t" {
                    out.push(strings::access_key(k));
                    leaves(v, team, out);
                }
            }),
            J::Bool(_) | J::Null => {}
        }
    }

    #[test]
    fn the_parents_copy_holds_every_stored_value_of_a_fully_filled_case() {
        let config = school();
        let today = d(2026, 11, 23);
        let case = full_case(&config);
        let book = full_book();
        let md = crate::print::markdown::render(&document(
            &case,
            Some(&book),
            &[],
            "De Vlinder",
            &config.team,
            &config.route,
            today,
        ));
        let doc = document(&case, Some(&book), &[], "De Vlinder", &config.team, &config.route, today);
        let pdf = crate::print::pdf::render(&doc, today.and_hms_opt(9, 0, 0).unwrap()).unwrap();
        assert!(pdf.starts_with(b"%PDF"), "the same document prints as PDF");
        let mut expected = Vec::new();
        leaves(&serde_json::to_value(&case).unwrap(), &config.team, &mut expected);
        leaves(&serde_json::to_value(&book).unwrap(), &config.team, &mut expected);
        assert!(expected.len() > 200, "the case is filled: {} values", expected.len());
        let missing: Vec<&String> = expected.iter().filter(|v| !md.contains(v.as_str())).collect();
        assert!(missing.is_empty(), "not in the copy: {missing:?}");
        // What the issue found missing, by hand.
        for text in [
            "Wie biedt de begeleiding?",
            "Doorzettingsmacht: wie betaalt?",
            "door: Ria Hoekstra",
            "Geen aanbod binnen de school",
            "van: 01-10-2026",
            "tot en met: 09-10-2026",
            "getekend op: 08-10-2026",
            "Hoe komt Noor weer op school?",
            "Tweede versie: hoe blijft Noor op school?",
            "ziek, de huisarts is betrokken",
        ] {
            assert!(md.contains(text), "{text} not in the copy");
        }
    }
}
