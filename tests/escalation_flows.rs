//! Escalating by keys: flag a case (confirmed), wait, record a decision that does not
//! unblock it, go up to doorzettingsmacht, see whether the dossier may go to the SWV,
//! find it in the overview, close it; absence makes a suggestion that can be set aside.

mod common;

use chrono::Days;
use common::{Harness, now};
use crossterm::event::KeyCode::{Backspace, Char, Enter, Esc, Right, Tab};
use tandem::domain::case::CaseId;
use tandem::domain::escalation::{self, DeciderRole, Level, State, TriggerKind};
use tandem::domain::history::ChangeKind;
use tandem::ui::action::Context;
use tandem::ui::model::{Popup, Screen};

/// An open demo case at `step` with nothing escalated or suggested.
fn quiet_case(h: &Harness, step: &str) -> CaseId {
    let today = now().date();
    let mut ids: Vec<CaseId> = h
        .model
        .cases
        .values()
        .filter(|c| c.step == step && c.escalations.is_empty())
        .filter(|c| escalation::triggers(c, &h.model.config.route, today).is_empty())
        .map(|c| c.id)
        .collect();
    ids.sort();
    ids[0]
}

fn kinds(h: &Harness, id: CaseId) -> Vec<ChangeKind> {
    h.store.history(id).unwrap().into_iter().map(|c| c.kind).collect()
}

fn open_escalation(h: &Harness, id: CaseId) -> escalation::Escalation {
    escalation::open_one(h.model.cases.get(&id).unwrap(), now().date()).cloned().expect("an open escalation")
}

#[test]
fn escalate_decide_go_up_and_close() {
    let mut h = Harness::with_cases(60, 100, 40);
    let id = quiet_case(&h, "S4");
    h.open_case(id);

    // Flag: E1 (the default), reason financiering, an education question.
    h.key(Char('o'));
    assert!(h.text().contains("Opschalen ·"), "{}", h.text());
    h.keys(&[Tab, Char('f'), Tab, Char('o'), Tab]);
    h.type_text("Wie betaalt de extra begeleiding?");
    h.ctrl('s');
    assert!(matches!(h.model.popup, Some(Popup::ConfirmEscalate(..))), "escalating asks first");
    assert!(h.text().contains("Ria Hoekstra") && h.text().contains("Karim Bouzid"), "it names who will decide");
    h.key(Char('n'));
    assert!(escalation::open_one(h.model.cases.get(&id).unwrap(), now().date()).is_none(), "n saves nothing");
    h.ctrl('s');
    h.key(Char('j'));
    assert_eq!(h.model.context(), Context::Detail);
    let e = open_escalation(&h, id);
    assert_eq!((e.level(), e.current().unwrap().due), (Level::E1, now().date().checked_add_days(Days::new(14))));
    assert!(kinds(&h, id).contains(&ChangeKind::Escalated { level: Level::E1 }));
    assert_eq!(h.model.selected_row().map(|r| r.flags.escalated), Some(Some(Level::E1)), "the list shows it");

    // Within the term it cannot go up yet; the decision is recorded instead.
    h.key(Char('o'));
    assert!(h.text().contains("wacht op een besluit"), "{}", h.text());
    h.key(Char('b'));
    assert!(h.text().contains("Ria Hoekstra"), "the decider is pre-filled");
    h.keys(&[Tab]);
    h.type_text("Geen extra uren");
    h.keys(&[Tab, Tab]);
    h.type_text("31-02-2027");
    h.ctrl('s');
    assert!(h.text().contains("die dag bestaat niet"), "{}", h.text());
    for _ in 0..10 {
        h.key(Backspace);
    }
    h.type_text("01-02-2027");
    h.keys(&[Tab, Char('n')]);
    h.ctrl('s');
    assert_eq!(open_escalation(&h, id).state(now().date()), State::Unresolved, "{}", h.text());

    // Unresolved: up to E2, the SWV director for an education question.
    h.key(Char('o'));
    assert!(h.text().contains("Hoger opschalen naar E2"), "{}", h.text());
    h.key(Tab);
    h.type_text("Doorzettingsmacht: kan het SWV een arrangement toekennen?");
    h.ctrl('s');
    h.key(Char('j'));
    let e = open_escalation(&h, id);
    assert_eq!((e.level(), e.rungs.len()), (Level::E2, 2), "E1 stays in the history");
    assert_eq!(e.current().unwrap().deciders, ["directeur SWV: drs. P. Verbeek"]);
    assert!(h.text().contains("geen toestemming 'delen met SWV'"), "{}", h.text());

    // With consent "delen met SWV" the dossier may go along.
    h.key(Char('t'));
    h.keys(&[Char('d'), Char('d'), Tab, Tab, Char('s'), Tab]);
    h.ctrl('s');
    let case = h.model.cases.get(&id).unwrap();
    assert_eq!(
        escalation::swv_consent(case, &open_escalation(&h, id), now().date()),
        Some(true),
        "{:?}",
        case.consents
    );
    assert!(h.text().contains("het dossier mag mee naar het SWV"));

    // The overview lists it; the filter finds it by level; Enter opens it.
    h.keys(&[Esc]);
    h.key(Char('O'));
    assert_eq!(h.model.context(), Context::Overview);
    let pupil = h.model.cases.get(&id).unwrap().pupil_name();
    h.key(Char('/'));
    h.type_text("e2 arrangement");
    let rows = h.model.overview_rows();
    assert!(rows.iter().all(|r| r.level == Level::E2));
    let pos = rows.iter().position(|r| r.case == id).unwrap_or_else(|| panic!("{:?}\n{}", rows, h.text()));
    for _ in 0..pos {
        h.key(crossterm::event::KeyCode::Down);
    }
    h.key(Enter);
    assert!(matches!(h.model.screens.last(), Some(Screen::Detail(d)) if d.id == id), "{pupil}");

    // Decided and resolved: closed, gone from the overview.
    h.key(Char('b'));
    h.keys(&[Tab]);
    h.type_text("Arrangement toegekend");
    h.keys(&[Tab, Tab, Tab, Char('j')]);
    h.ctrl('s');
    assert!(escalation::open_one(h.model.cases.get(&id).unwrap(), now().date()).is_none());
    assert!(kinds(&h, id).contains(&ChangeKind::EscalationDecided { level: Level::E2, resolved: true }));
    assert!(h.model.overview_rows().iter().all(|r| r.case != id));
}

#[test]
fn absence_suggests_escalation_which_can_be_set_aside() {
    let mut h = Harness::with_cases(60, 100, 40);
    let id = quiet_case(&h, "S6");
    h.open_case(id);
    h.key(Char('v'));
    for _ in 0..10 {
        h.key(Backspace);
    }
    let from = now().date() - Days::new(35);
    h.type_text(&from.format("%d-%m-%Y").to_string());
    h.ctrl('s');
    assert_eq!(h.model.cases.get(&id).unwrap().absences.len(), 1);
    assert!(h.text().contains("thuiszitter: al 35 dagen niet op school"), "{}", h.text());
    assert!(h.model.selected_row().is_some_and(|r| r.flags.suggested));

    h.key(Char('z'));
    h.key(Tab);
    h.ctrl('s');
    assert!(h.text().contains("verplicht veld"), "a reason is required");
    h.type_text("Ziekenhuisopname; school en arts hebben contact");
    h.ctrl('s');
    let case = h.model.cases.get(&id).unwrap();
    assert!(escalation::triggers(case, &h.model.config.route, now().date()).is_empty());
    assert_eq!(case.dismissals[0].kind, TriggerKind::Thuiszitter);
    assert!(kinds(&h, id).contains(&ChangeKind::TriggerDismissed { trigger: TriggerKind::Thuiszitter }));
    assert!(!h.text().contains("Suggestie: opschalen"));
    h.key(Char('z'));
    assert!(h.text().contains("geen suggestie om op te schalen"));
}

/// Escalates a quiet S6 case straight to E3 with `question` (level, reason wachttijd, domain
/// both) and confirms; returns the case and its child's first name.
fn e3_case(h: &mut Harness, question: &str) -> (tandem::domain::case::CaseId, String) {
    let id = quiet_case(h, "S6");
    let name = h.model.cases.get(&id).unwrap().intake.first_name.clone();
    h.open_case(id);
    h.key(Char('o'));
    h.keys(&[Right, Right, Tab, Char('w'), Tab, Char('b'), Tab]);
    h.type_text(question);
    h.ctrl('s');
    h.key(Char('j'));
    (id, name)
}

#[test]
fn the_e3_agenda_names_no_child() {
    let mut h = Harness::with_cases(60, 100, 40);
    let (id, name) = e3_case(&mut h, "Te weinig plekken in het speciaal onderwijs in de regio");
    assert_eq!(open_escalation(&h, id).level(), Level::E3);
    assert_eq!(open_escalation(&h, id).current().unwrap().due, None, "E3 waits for the OGGO meeting");

    h.keys(&[Esc]);
    h.key(Char('O'));
    h.key(Char('a'));
    let dir = h.paths.data_dir.join("exports");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("agenda-oggo"))
        .unwrap();
    let agenda = std::fs::read_to_string(file).unwrap();
    assert!(agenda.starts_with("# Agenda bestuurlijk OGGO"));
    assert!(
        agenda.contains("## wachttijd") && agenda.contains("Te weinig plekken in het speciaal onderwijs"),
        "{agenda}"
    );
    assert!(!agenda.contains(&name), "{name} on the agenda");
}

#[test]
fn a_bsn_with_separators_in_the_question_is_refused() {
    let mut h = Harness::with_cases(60, 100, 40);
    let id = quiet_case(&h, "S4");
    h.open_case(id);
    h.key(Char('o'));
    h.keys(&[Tab, Char('f'), Tab, Char('o'), Tab]);
    h.type_text("Zit thuis, bsn 111.222.333, wie betaalt?");
    h.ctrl('s');
    assert!(h.model.popup.is_none(), "nothing to confirm: the form is refused");
    assert!(h.text().contains("dit lijkt een BSN"), "{}", h.text());
    assert!(escalation::open_one(h.model.cases.get(&id).unwrap(), now().date()).is_none());
    assert!(h.store.case(id).unwrap().unwrap().escalations.is_empty(), "nothing stored");
}

#[test]
fn a_question_that_names_the_child_is_refused_where_it_is_typed() {
    let mut h = Harness::with_cases(60, 100, 40);
    let id = quiet_case(&h, "S6");
    let name = h.model.cases.get(&id).unwrap().intake.first_name.clone();
    h.open_case(id);
    h.key(Char('o'));
    h.keys(&[Right, Right, Tab, Char('w'), Tab, Char('b'), Tab]);
    h.type_text(&format!("{} zit thuis, er is geen plek", name.to_lowercase()));
    h.ctrl('s');
    assert!(h.model.popup.is_none(), "nothing to confirm: the form is refused");
    assert!(h.text().contains(&format!("noemt \"{name}\"")), "{}", h.text());
    assert!(h.store.case(id).unwrap().unwrap().escalations.is_empty(), "nothing stored");
}

#[test]
fn without_configured_deciders_no_placeholder_is_stored_as_a_name() {
    let mut h = Harness::with_cases(60, 100, 40);
    h.model.config.deciders.clear();
    let id = quiet_case(&h, "S4");
    h.open_case(id);
    h.key(Char('o'));
    h.keys(&[Tab, Char('f'), Tab, Char('o'), Tab]);
    h.type_text("Wie betaalt de extra begeleiding?");
    h.ctrl('s');
    let screen = h.text();
    assert!(screen.contains("schooldirecteur (niet ingesteld)"), "{screen}");
    assert!(!screen.contains("(("), "no doubled parentheses: {screen}");
    h.key(Char('j'));
    let e = open_escalation(&h, id);
    assert_eq!(e.current().unwrap().deciders, ["schooldirecteur", "teamleider wijkteam"]);
    assert!(h.text().contains("Beslist door: schooldirecteur (niet ingesteld), teamleider wijkteam (niet ingesteld)"));

    // The decider's name is not pre-filled with the placeholder: it must be typed.
    h.key(Char('b'));
    assert!(!h.text().contains("Besloten door: (niet"), "{}", h.text());
    h.keys(&[Tab]);
    h.type_text("Geen extra uren");
    h.keys(&[Tab, Tab, Tab, Char('n')]);
    h.ctrl('s');
    assert!(h.text().contains("verplicht veld"), "{}", h.text());
    assert!(open_escalation(&h, id).current().unwrap().decision.is_none());
}

#[test]
fn the_e3_meeting_is_named_once() {
    let mut h = Harness::with_cases(60, 100, 40);
    let id = quiet_case(&h, "S6");
    h.open_case(id);
    h.key(Char('o'));
    h.keys(&[Right, Right, Tab, Char('w'), Tab, Char('b'), Tab]);
    h.type_text("Te weinig plekken in de regio");
    h.ctrl('s');
    let screen = h.text();
    assert!(screen.contains("bij bestuurlijk OGGO-overleg. j = ja"), "{screen}");
    h.key(Char('j'));
    assert_eq!(open_escalation(&h, id).current().unwrap().deciders, ["bestuurlijk OGGO-overleg"]);
    let screen = h.text();
    assert!(!screen.to_lowercase().contains("oggo-overleg: bestuurlijk"), "{screen}");
}

#[test]
fn set_up_asks_for_the_deciders_and_leaves_skipped_ones_unset() {
    let mut h = Harness::first_start(80, 24);
    h.type_text("OBS De Regenboog");
    h.keys(&[Tab, Tab]);
    h.type_text("Anna Bakker");
    // Past the role and three colleagues (name and role each) to the first decider.
    for _ in 0..8 {
        h.key(Tab);
    }
    assert!(h.text().contains("▶ Schooldirecteur"), "{}", h.text());
    h.type_text("Ria Hoekstra");
    h.ctrl('s');
    assert!(h.model.screens.is_empty(), "{}", h.text());
    let config = tandem::config::Config::load(&h.paths).unwrap().unwrap();
    let deciders: Vec<(DeciderRole, &str)> = config.deciders.iter().map(|d| (d.role, d.name.as_str())).collect();
    assert_eq!(deciders, [(DeciderRole::SchoolDirector, "Ria Hoekstra")], "skipped roles stay unset");
}

#[test]
fn sixteen_hours_of_unauthorised_absence_in_four_weeks_must_go_to_duo() {
    let mut h = Harness::with_cases(60, 120, 40);
    let id = quiet_case(&h, "S6");
    h.open_case(id);
    // Three weeks of hours (the form's week field holds today; type another week's date).
    for (week, hours) in [("02-11-2026", "6"), ("09-11-2026", "5"), ("23-11-2026", "5")] {
        h.key(Char('v'));
        h.keys(&[Tab, Tab]);
        for _ in 0..10 {
            h.key(Backspace);
        }
        h.type_text(week);
        h.key(Tab);
        h.type_text(hours);
        h.ctrl('s');
        assert_eq!(h.model.context(), Context::Detail, "{}", h.text());
    }
    let case = h.model.cases.get(&id).unwrap();
    assert!(case.absences.is_empty(), "hours alone start no period away from school");
    assert_eq!(case.absence_hours.iter().map(|w| w.hours).sum::<u32>(), 16);
    // Week of 23-11 ends on Friday 27-11; 5 working days later is Friday 04-12.
    let screen = h.text();
    assert!(screen.contains("Meldplicht DUO: 16 uur"), "{screen}");
    assert!(screen.contains("uiterlijk 04-12-2026"), "{screen}");
    assert_eq!(h.model.selected_row().and_then(|r| r.flags.duo), chrono::NaiveDate::from_ymd_opt(2026, 12, 4));
    h.key(Esc);
    assert!(h.text().contains("DUO vóór 04-12"), "the list shows the deadline: {}", h.text());

    // Hours that are no number are refused in the form.
    h.open_case(id);
    h.key(Char('v'));
    h.keys(&[Tab, Tab, Tab]);
    h.type_text("zes");
    h.ctrl('s');
    assert!(h.text().contains("vul een heel aantal uren in"), "{}", h.text());
}

#[test]
fn a_stored_e3_question_that_names_the_child_is_corrected_in_the_dossier() {
    let mut h = Harness::with_cases(60, 100, 40);
    let (id, name) = e3_case(&mut h, "Te weinig plekken in de regio");
    assert_eq!(open_escalation(&h, id).level(), Level::E3);

    // A question stored before names were checked.
    let old = format!("{name} zit thuis, geen plek");
    let mut case = h.model.cases.get(&id).unwrap().clone();
    case.escalations.last_mut().unwrap().rungs.last_mut().unwrap().question = old.clone();
    let change = tandem::domain::history::Change {
        case: Some(id),
        at: now(),
        who: h.model.config.user.clone(),
        kind: ChangeKind::Escalated { level: Level::E3 },
    };
    let saved = h.store.save(&case, &change).unwrap();
    h.model.cases.insert(saved);

    h.keys(&[Esc]);
    h.key(Char('O'));
    h.key(Char('a'));
    let status = h.model.status.as_ref().map(|s| s.text.clone()).unwrap_or_default();
    assert!(status.contains("pas de vraag aan met O in het dossier:") && status.contains(&name), "{status}");
    let dir = h.paths.data_dir.join("exports");
    let agendas = || {
        std::fs::read_dir(&dir)
            .map(|d| d.map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().contains("agenda-oggo")).collect())
            .unwrap_or_else(|_| Vec::<std::path::PathBuf>::new())
    };
    assert!(agendas().is_empty(), "refused: no agenda written");

    h.keys(&[Esc]);
    h.open_case(id);
    h.key(Char('O'));
    assert!(h.text().contains("Vraag aanpassen ·") && h.text().contains(&old), "pre-filled: {}", h.text());
    // The same checks as where it was first typed.
    h.ctrl('s');
    assert!(h.text().contains(&format!("noemt \"{name}\"")), "{}", h.text());
    for _ in 0..old.chars().count() {
        h.key(Backspace);
    }
    h.type_text("Zit thuis, bsn 111 222 333");
    h.ctrl('s');
    assert!(h.text().contains("dit lijkt een BSN"), "{}", h.text());
    for _ in 0.."bsn 111 222 333".len() {
        h.key(Backspace);
    }
    h.type_text("geen plek in de regio");
    h.ctrl('s');
    assert_eq!(h.model.context(), Context::Detail, "{}", h.text());
    let stored = h.store.case(id).unwrap().unwrap();
    let e = stored.escalations.last().unwrap();
    assert_eq!(e.current().unwrap().question, "Zit thuis, geen plek in de regio");
    assert_eq!(e.rungs.len(), 1, "an edit adds no rung");
    assert_eq!(kinds(&h, id).last(), Some(&ChangeKind::QuestionEdited { level: Level::E3 }));

    h.keys(&[Esc]);
    h.key(Char('O'));
    h.key(Char('a'));
    let files = agendas();
    assert_eq!(files.len(), 1, "{}", h.text());
    let agenda = std::fs::read_to_string(&files[0]).unwrap();
    assert!(agenda.contains("Zit thuis, geen plek in de regio"), "{agenda}");
    assert!(!agenda.contains(&name), "{name} on the agenda");
}
