//! Walking a case along the routekaart by keys: from the signal to closing, through the
//! consent gate, with every step recorded and the history saying what happened.

mod common;

use common::Harness;
use crossterm::event::KeyCode::{self, Char, Enter, Esc, F, Tab};
use tandem::domain::history::ChangeKind;
use tandem::domain::plan::{Goal, PlanBook, PlanDomain};
use tandem::domain::route::{GoalResult, Value};
use tandem::ui::form::Kind;
use tandem::ui::model::Screen;

fn focus_button(h: &mut Harness) {
    for _ in 0..40 {
        if let Some(Screen::Wizard(w)) = h.model.screens.last()
            && w.form.on_button()
        {
            return;
        }
        h.key(Tab);
    }
    panic!("no button");
}

/// Types into the focused field, then moves on.
fn fill(h: &mut Harness, text: &str) {
    h.type_text(text);
    h.key(Tab);
}

fn complete(h: &mut Harness) {
    focus_button(h);
    h.key(Enter);
}

/// Stores a plan for the case with these goals (ids 1, 2, ...), as the plan editor would.
fn plan_with_goals(h: &mut Harness, id: tandem::domain::case::CaseId, goals: &[&str]) {
    let case = h.store.case(id).unwrap().unwrap();
    let config = &h.model.config;
    let cx = tandem::domain::plan::Context { case: &case, route: &config.route, team: &config.team };
    let mut plan = tandem::domain::plan::Plan::prefilled(&cx, &tandem::strings::PLAN_WORDS, common::now().date());
    plan.goals = goals
        .iter()
        .zip(1..)
        .map(|(text, id)| Goal {
            id,
            text: text.to_string(),
            domain: PlanDomain::Onderwijs,
            criterion: "volgens de leerkracht".into(),
            concern: None,
        })
        .collect();
    h.store.save_plan(id, &PlanBook { versions: vec![plan], heads: Vec::new(), session: String::new() }, None).unwrap();
}

fn step_of(h: &Harness, id: tandem::domain::case::CaseId) -> String {
    h.model.cases.get(&id).unwrap().step.clone()
}

fn record_consent(h: &mut Harness, purpose_letter: char) {
    h.key(F(3));
    assert!(h.text().contains("Toestemming vastleggen"));
    fill(h, &purpose_letter.to_string());
    h.key(Tab); // decision: given
    fill(h, "m"); // mondeling
    h.ctrl('s');
}

/// Registers a new case through the form and opens it; returns its id.
fn new_case(h: &mut Harness, name: &str, birth: &str, groep: &str, domain: &str) -> tandem::domain::case::CaseId {
    new_case_noted(h, name, birth, groep, domain, "")
}

/// The same with a note at the signal.
fn new_case_noted(
    h: &mut Harness,
    name: &str,
    birth: &str,
    groep: &str,
    domain: &str,
    note: &str,
) -> tandem::domain::case::CaseId {
    h.key(Char('n'));
    h.type_text(name);
    h.keys(&[Tab, Tab]);
    fill(h, birth);
    fill(h, groep);
    fill(h, "b"); // gezag: beide ouders
    h.key(Tab); // signal date: today
    fill(h, "l"); // bron: leerkracht
    fill(h, domain);
    h.type_text(note);
    h.ctrl('s');
    let id = h.model.selected_row().unwrap().id;
    h.key(Enter);
    id
}

#[test]
fn a_case_walks_from_signal_to_closing() {
    let mut h = Harness::with_cases(0, 100, 30);
    let id = new_case(&mut h, "Pietje", "14-03-2017", "4", "1");

    // S0: no safety concern → verkennen.
    h.key(Char('w'));
    assert!(h.text().contains("Stap 1/9 · Signaal"), "numbered on the main route\n{}", h.text());
    fill(&mut h, "n");
    h.key(KeyCode::Right);
    complete(&mut h);
    assert_eq!(step_of(&h, id), "S1");
    // The track shows the whole main route ahead, not the shortest way out.
    let screen = h.text();
    for ahead in
        ["· S2 Ouders betrekken", "· S3 Tandembespreking", "· S5 Integraal plan", "· S7 Evaluatie", "· S8 Afsluiten"]
    {
        assert!(screen.contains(ahead), "{ahead}\n{screen}");
    }
    assert!(!screen.contains("· M "), "the meldcode branch is not the way ahead\n{screen}");

    // S1
    h.key(Char('w'));
    fill(&mut h, "Extra instructie in de kleine groep");
    fill(&mut h, "8");
    fill(&mut h, "01-10-2026");
    fill(&mut h, "j");
    fill(&mut h, "n");
    h.key(KeyCode::Right); // Ouders betrekken
    complete(&mut h);
    assert_eq!(step_of(&h, id), "S2");

    // S2: the consent gate blocks until consent for the tandem discussion is recorded.
    h.key(Char('w'));
    assert!(h.text().contains("toestemming tandembespreking: nog niet vastgelegd"));
    fill(&mut h, "2");
    fill(&mut h, "Hoe krijgen we de ochtenden rustiger?");
    h.key(Tab); // anoniem
    h.key(KeyCode::Right);
    complete(&mut h);
    let screen = h.text();
    assert!(screen.contains("Kan de stap nog niet afronden"), "{screen}");
    assert!(screen.contains("Eerst toestemming voor de tandembespreking"), "{screen}");
    assert_eq!(step_of(&h, id), "S2");
    record_consent(&mut h, 't');
    assert!(h.text().contains("✓ toestemming tandembespreking: gegeven"));
    complete(&mut h);
    assert_eq!(step_of(&h, id), "S3");

    // S3
    h.key(Char('w'));
    fill(&mut h, "10-11-2026");
    fill(&mut h, "Anna, Youssef, moeder");
    fill(&mut h, "Samen aan de slag");
    h.key(Char('g')); // gezamenlijk
    h.key(Tab);
    h.key(KeyCode::Right); // Gezamenlijke analyse
    complete(&mut h);
    assert_eq!(step_of(&h, id), "S4");

    // S4
    h.key(Char('w'));
    fill(&mut h, "Structuur en voorspelbaarheid");
    fill(&mut h, "Steun bij ochtendritme");
    h.key(Tab);
    h.key(Tab);
    h.key(Tab);
    h.key(Tab);
    h.key(KeyCode::Right);
    complete(&mut h);
    assert_eq!(step_of(&h, id), "S5");

    // S5: due six weeks after the tandem discussion; needs consent for a joint plan.
    h.key(Char('w'));
    assert!(h.text().contains("Af vóór 22-12-2026"), "{}", h.text());
    record_consent(&mut h, 'g');
    fill(&mut h, "j");
    h.key(Tab);
    h.key(KeyCode::Right);
    complete(&mut h);
    assert_eq!(step_of(&h, id), "S6");

    // S6
    h.key(Char('w'));
    fill(&mut h, "20-11-2026");
    h.key(Tab);
    h.key(KeyCode::Right);
    complete(&mut h);
    assert_eq!(step_of(&h, id), "S7");

    // S7: evaluate each goal of the plan in force, and close.
    plan_with_goals(&mut h, id, &["Sem leest elke dag een kwartier", "Rustige ochtenden thuis"]);
    h.key(Char('w'));
    let screen = h.text();
    assert!(screen.contains("Doel 1: Sem leest elke dag een kwa…"), "{screen}");
    assert!(screen.contains("Doel 2: Rustige ochtenden thuis"), "{screen}");
    fill(&mut h, "23-11-2026");
    fill(&mut h, "b");
    fill(&mut h, "d");
    fill(&mut h, "4");
    fill(&mut h, "5");
    fill(&mut h, "4");
    // The reflection on the cooperation: what helped (option 2), what hindered (option 1),
    // and a free line that stays in the team.
    let screen = h.text();
    assert!(screen.contains("Wat hielp (samenwerking)?"), "{screen}");
    fill(&mut h, "2");
    fill(&mut h, "1");
    fill(&mut h, "Eerder de jeugdhulp bellen");
    for _ in 0..3 {
        h.key(KeyCode::Right); // Doorgaan, Bijstellen, Afsluiten
    }
    complete(&mut h);
    assert_eq!(step_of(&h, id), "S8");
    let stored = h.store.case(id).unwrap().unwrap();
    let record = tandem::domain::export::record(&stored, &h.model.config.route, common::now().date());
    let reflection = &record.reflections[0];
    assert_eq!(
        (reflection.helped.as_slice(), reflection.hindered.as_slice()),
        (&["snel schakelen in de tandem".to_string()][..], &["wachttijd jeugdhulp".to_string()][..])
    );
    let sent = serde_json::to_string(&record).unwrap();
    assert!(!sent.contains("Eerder de jeugdhulp"), "the free line stays in the team: {sent}");
    let case = h.model.cases.get(&id).unwrap();
    assert_eq!(case.closed_on, Some(common::now().date()));

    // S8: the closing date and the reason are both required.
    h.key(Char('w'));
    h.key(Tab);
    fill(&mut h, "Doelen behaald");
    complete(&mut h);
    let screen = h.text();
    assert!(screen.contains("Datum van afsluiten is nog leeg"), "{screen}");
    assert!(matches!(h.model.screens.last(), Some(Screen::Wizard(_))), "not closed without a date");
    h.key(Tab);
    // Closed three days before it is recorded: the case closed on the recorded date.
    fill(&mut h, "20-11-2026");
    complete(&mut h);
    assert!(matches!(h.model.screens.last(), Some(Screen::Detail(_))));
    let screen = h.text();
    assert!(screen.contains("✓ S8 Afsluiten  afgesloten 20-11-26"), "a closed case is done\n{screen}");
    assert_eq!(h.store.case(id).unwrap().unwrap().closed_on, chrono::NaiveDate::from_ymd_opt(2026, 11, 20));
    assert!(!screen.contains("▶ S8"), "{screen}");

    let stored = h.store.case(id).unwrap().unwrap();
    let steps: Vec<&str> = stored.visits.iter().map(|v| v.step.as_str()).collect();
    assert_eq!(steps, ["S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]);
    let per_goal = Value::Goals(vec![
        GoalResult { goal: 1, result: "behaald".into() },
        GoalResult { goal: 2, result: "deels".into() },
    ]);
    assert_eq!(stored.visits[7].values.get("doelen"), Some(&per_goal));
    assert_eq!(stored.consents.len(), 2);
    let route = &h.model.config.route;
    assert_eq!(tandem::domain::monitoring::joint_start(&stored, route), chrono::NaiveDate::from_ymd_opt(2026, 11, 20));
    assert_eq!(tandem::domain::monitoring::days_to_plan(&stored, route), Some(13));
    let s = tandem::domain::monitoring::satisfaction(&stored, route);
    assert_eq!((s[0].1.school, s[0].1.wijkteam, s[0].1.parents), (Some(4), Some(5), Some(4)));
    let kinds: Vec<ChangeKind> = h.store.history(id).unwrap().into_iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&ChangeKind::StepCompleted { step: "S2".into(), outcome: "bespreken".into() }));
    assert!(kinds.contains(&ChangeKind::ConsentRecorded { purpose: "tandembespreking".into(), given: true }));
    assert!(h.store.verify().is_ok());
}

#[test]
fn safety_concerns_take_the_meldcode_branch() {
    let mut h = Harness::with_cases(0, 100, 30);
    let id = new_case(&mut h, "Kim", "01-01-2016", "5", "4");
    h.key(Char('w'));
    fill(&mut h, "j");
    // Only the outcome whose condition holds is on offer.
    let Some(Screen::Wizard(w)) = h.model.screens.last() else { panic!() };
    assert_eq!(w.form.fields[1].kind, Kind::Choice(vec!["Meldcode starten (veiligheid)".into()]));
    complete(&mut h);
    assert!(h.text().contains("kies een uitkomst die past"), "no outcome chosen yet");
    h.shift_tab(); // back from the button to the outcome
    h.key(KeyCode::Right); // Meldcode starten, the only one
    complete(&mut h);
    assert_eq!(step_of(&h, id), "M");
    h.key(Char('w'));
    let screen = h.text();
    assert!(screen.contains("Meldcode (zijpad) · Kim"), "{screen}");
    assert!(!screen.contains("Stap 10/10"), "the branch has no number on the main route\n{screen}");
    // The branch records only that, when and by whom: two fields.
    let Some(Screen::Wizard(w)) = h.model.screens.last() else { panic!() };
    assert_eq!(w.form.fields.len(), 3, "date, who, outcome");
}

#[test]
fn leaving_a_step_keeps_what_was_typed_as_a_draft() {
    let mut h = Harness::with_cases(0, 100, 30);
    let id = new_case(&mut h, "Bo", "01-01-2018", "3", "1");
    h.key(Char('w'));
    h.type_text("n");
    h.key(Esc);
    assert!(matches!(h.model.screens.last(), Some(Screen::Detail(_))), "Esc leaves without asking");
    let drafts = h.store.drafts().unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].0, id);
    h.key(Char('w'));
    let Some(Screen::Wizard(w)) = h.model.screens.last() else { panic!("wizard expected") };
    assert_eq!(w.form.fields[0].choice, Some(1), "the draft is back: nee");
    assert!(h.text().contains("◀ nee ▶"), "{}", h.text());
}

#[test]
fn the_wizard_shows_its_notes_whole_at_80_columns() {
    let mut h = Harness::with_cases(0, 80, 24);
    new_case_noted(&mut h, "Bo", "01-01-2018", "3", "1", "Zit vaak alleen");
    h.key(Char('w'));
    assert!(h.text().contains(tandem::strings::WIZARD_NOTE), "{}", h.text());
    // The meldcode warning wraps instead of being cut at the edge.
    h.type_text("j");
    let screen = h.text().split_whitespace().collect::<Vec<_>>().join(" ");
    let warning = tandem::strings::NOTE_WILL_BE_CLEARED.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(screen.contains(&warning), "{screen}");
}

#[test]
fn a_safety_concern_clears_the_note_after_a_warning() {
    let mut h = Harness::with_cases(0, 200, 30);
    let id = new_case_noted(&mut h, "Kim", "01-01-2016", "5", "4", "Blauwe plekken op bovenarm");
    assert_eq!(h.model.cases.get(&id).unwrap().intake.note, "Blauwe plekken op bovenarm");
    h.key(Char('w'));
    assert!(!h.text().contains("de notitie bij het signaal wordt gewist"));
    fill(&mut h, "j");
    let screen = h.text();
    assert!(screen.contains("de notitie bij het signaal wordt gewist"), "warned first\n{screen}");
    h.key(KeyCode::Right);
    complete(&mut h);
    assert_eq!(step_of(&h, id), "M");
    assert_eq!(h.store.case(id).unwrap().unwrap().intake.note, "", "the note is gone from the store");
    // The case form no longer takes a note.
    h.key(Char('e'));
    for _ in 0..8 {
        h.key(Tab);
    }
    h.type_text("Opnieuw iets");
    assert!(h.text().contains("niet bij de meldcode"), "{}", h.text());
    h.ctrl('s');
    assert_eq!(h.store.case(id).unwrap().unwrap().intake.note, "");
}

#[test]
fn the_wizard_checks_fields_as_they_are_left_and_keeps_its_list_current() {
    let mut h = Harness::with_cases(0, 100, 30);
    let id = new_case(&mut h, "Bo", "01-01-2018", "3", "1");
    h.key(Char('w'));
    complete(&mut h);
    let screen = h.text();
    assert!(screen.contains("Kan de stap nog niet afronden"), "{screen}");
    assert!(screen.contains("Zorgen over veiligheid? is nog leeg"), "{screen}");
    h.shift_tab();
    h.shift_tab();
    h.type_text("n");
    let screen = h.text();
    assert!(!screen.contains("Zorgen over veiligheid? is nog leeg"), "fixed: gone from the list\n{screen}");
    assert!(screen.contains("kies een uitkomst die past"), "{screen}");
    h.key(Tab);
    h.key(KeyCode::Right);
    assert!(!h.text().contains("Kan de stap nog niet afronden"), "{}", h.text());
    complete(&mut h);
    assert_eq!(step_of(&h, id), "S1");

    // S1: a number field takes digits only; a date of the past may not lie ahead. Both
    // show as soon as the field is left.
    h.key(Char('w'));
    fill(&mut h, "Extra instructie");
    fill(&mut h, "acht");
    assert!(h.text().contains("vul een getal in"), "{}", h.text());
    fill(&mut h, "01-12-2026");
    assert!(h.text().contains("deze datum ligt in de toekomst"), "{}", h.text());

    // Ctrl-S records without completing, and the wizard stays open saying so.
    h.shift_tab();
    h.shift_tab();
    h.ctrl('u');
    h.type_text("8");
    h.key(Tab);
    h.ctrl('u');
    h.type_text("01-11-2026");
    h.ctrl('s');
    assert!(matches!(h.model.screens.last(), Some(Screen::Wizard(_))), "still in the wizard");
    assert!(h.text().contains("de stap is nog niet afgerond"), "{}", h.text());
    let stored = h.store.case(id).unwrap().unwrap();
    let visit = stored.visits.last().unwrap();
    assert_eq!((visit.step.as_str(), visit.done.is_none()), ("S1", true));
    assert_eq!(visit.values.get("weken"), Some(&Value::Number(8)));
    assert_eq!(step_of(&h, id), "S1");
}
