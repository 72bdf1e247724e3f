//! Writing the plan van aanpak by keys: pre-filled from the route, text with undo and
//! paste, goals and actions through their forms, the completeness list, signing (which
//! freezes a version), a new version with its changes, and printing.

mod common;

use chrono::Duration;
use common::{Harness, now};
use crossterm::event::KeyCode::{Char, Down, Enter, Esc, F, Tab, Up};
use tandem::domain::history::ChangeKind;
use tandem::domain::plan::{Priority, Section};
use tandem::ui::action::Context;
use tandem::ui::model::Msg;

/// Opens the plan of the first case at `step`; returns the harness and the case.
fn open_plan(step: &str) -> (Harness, tandem::domain::case::CaseId) {
    let mut h = Harness::with_cases(40, 120, 36);
    let id = h.case_at(step);
    h.open_case(id);
    h.key(Char('p'));
    (h, id)
}

fn history(h: &Harness, id: tandem::domain::case::CaseId) -> Vec<ChangeKind> {
    h.store.history(id).unwrap().into_iter().map(|c| c.kind).collect()
}

/// From the section list, to section `n` (1-based) and into its first part.
fn go_to(h: &mut Harness, n: usize) {
    if h.model.context() != Context::PlanSections {
        h.key(Esc);
    }
    while h.editor().section + 1 > n {
        h.key(Up);
    }
    while h.editor().section + 1 < n {
        h.key(Down);
    }
    h.key(Enter);
}

#[test]
fn a_plan_is_written_by_keys_signed_and_revised() {
    let (mut h, id) = open_plan("S4");
    assert_eq!(h.model.context(), Context::PlanSections);
    assert_eq!(h.store.plan(id).unwrap().unwrap().versions.len(), 1, "opening starts version 1 in the store");
    assert!(history(&h, id).contains(&ChangeKind::PlanStarted { version: 1 }));

    // Pre-filled: the parents' question from S2 shows without typing it again.
    h.key(Down);
    assert!(h.text().contains("Vraag van de ouders: Vraag van de ouders (demo)"), "{}", h.text());

    // Typing, undo and redo.
    h.key(Enter);
    assert_eq!(h.model.context(), Context::PlanText);
    h.type_text("X");
    assert!(h.plan().vraag.ends_with('X'));
    h.ctrl('z');
    assert!(!h.plan().vraag.contains('X'));
    h.ctrl('y');
    assert!(h.plan().vraag.ends_with('X'));

    // A paste from Word arrives whole and NFC-normalised; its characters trigger nothing.
    h.send(Msg::Paste("\r\nCafe\u{301} q?\r\nTweede regel".into()));
    assert!(h.plan().vraag.ends_with("X\nCafé q?\nTweede regel"), "{:?}", h.plan().vraag);
    assert_eq!(h.model.context(), Context::PlanText, "q and ? in a paste are text");
    assert!(h.model.popup.is_none());

    // Leaving the text saves it.
    h.key(Esc);
    let stored = h.store.plan(id).unwrap().unwrap();
    assert!(stored.versions[0].vraag.ends_with("Tweede regel"));

    // Tab walks the parts: section 2's text, section 3's text, section 3's concerns.
    h.keys(&[Tab, Tab, Tab]);
    assert_eq!((h.editor().current_section(), h.model.context()), (Section::Strengths, Context::PlanList));
    h.key(Char('n'));
    h.type_text("Veel verzuim");
    h.keys(&[Tab, Char('h')]);
    h.ctrl('s');
    assert_eq!(h.plan().concerns.len(), 1);
    assert_eq!(h.plan().concerns[0].priority, Priority::High);

    // A signature under an incomplete plan is refused.
    go_to(&mut h, 13);
    h.key(Enter);
    h.keys(&[Tab, Tab]);
    h.type_text("23-11-2026");
    h.ctrl('s');
    assert!(h.text().contains("eerst het plan compleet maken"), "{}", h.text());
    h.key(Esc);
    h.key(Char('j')); // discard the typed date

    // The completeness list names the concern without a goal and jumps to it.
    h.key(F(4));
    assert_eq!(h.model.context(), Context::PlanMissing);
    assert!(h.text().contains("Zorg ‘Veel verzuim’ heeft nog geen doel"));
    h.key(Enter);
    assert_eq!((h.editor().current_section(), h.model.context()), (Section::Strengths, Context::PlanList));

    // A goal for that concern, who pays for it, an action with a date, an evaluation date.
    go_to(&mut h, 7);
    h.key(Char('n'));
    h.type_text("Sara is elke dag op school");
    h.keys(&[Tab, Char('g'), Tab]);
    h.type_text("verzuimregistratie");
    h.keys(&[Tab, Char(' ')]);
    h.ctrl('s');
    assert_eq!(h.plan().goals[0].concern, Some(h.plan().concerns[0].id));

    go_to(&mut h, 6);
    h.key(Char('n'));
    h.keys(&[Char('g'), Tab]);
    h.type_text("Begeleiding thuis");
    h.keys(&[Tab, Char('g')]);
    h.ctrl('s');

    go_to(&mut h, 8);
    h.key(Char('n'));
    h.type_text("Gesprek met moeder");
    h.keys(&[Tab, Char('w'), Tab, Tab]);
    h.type_text("31-11-2026");
    h.ctrl('s');
    assert!(h.text().contains("die dag bestaat niet"), "a typo in a date is named");
    for _ in 0.."31-11-2026".len() {
        h.key(crossterm::event::KeyCode::Backspace);
    }
    h.type_text("01-12-2026");
    h.ctrl('s');
    assert_eq!(h.plan().actions[0].by, chrono::NaiveDate::from_ymd_opt(2026, 12, 1));

    go_to(&mut h, 11);
    h.key(Char('n'));
    h.ctrl('s');
    assert_eq!(h.plan().evaluations, [now().date() + chrono::Days::new(84)]);

    // Only signatures are missing now; every signer signs, which freezes version 1.
    let open: Vec<Section> = h.plan().missing().into_iter().map(|m| m.place.section).collect();
    assert!(open.iter().all(|s| *s == Section::SignOff), "{:?}", h.plan().missing());
    go_to(&mut h, 13);
    for _ in 0..open.len() {
        h.key(Enter);
        h.keys(&[Tab, Tab]);
        h.type_text("23-11-2026");
        h.ctrl('s');
        h.key(Down);
    }
    assert!(h.plan().is_frozen());
    assert!(history(&h, id).contains(&ChangeKind::PlanSigned { version: 1 }));
    assert!(!history(&h, id).contains(&ChangeKind::StepRecorded { step: "S5".into() }), "the case is at S4, not S5");
    go_to(&mut h, 9);
    h.type_text("x");
    assert!(h.plan().zelf.is_empty(), "a signed version does not change");
    assert!(h.text().contains("versie 1 is ondertekend"));

    // Version 2 after an evaluation: a copy without signatures; its changes can be shown.
    h.key(F(5));
    h.key(Char('n'));
    let screen = h.text();
    assert!(screen.contains("Nieuwe versie beginnen?") && !screen.contains("weggooien"), "{screen}");
    h.key(Char('j'));
    assert_eq!(h.editor().book.versions.len(), 2);
    assert!(!h.plan().is_frozen());
    go_to(&mut h, 9);
    h.type_text("Oma haalt Sara op dinsdag op.");
    h.key(Esc);
    h.key(F(5));
    h.key(Char('v'));
    assert_eq!(h.model.context(), Context::PlanRead);
    let screen = h.text();
    assert!(screen.contains("Wijzigingen van versie 1 naar versie 2"), "{screen}");
    assert!(screen.contains("+ Oma haalt Sara op dinsdag op."), "{screen}");
    h.key(Esc);
    assert_eq!(h.store.plan(id).unwrap().unwrap().versions.len(), 2);
    assert!(history(&h, id).contains(&ChangeKind::PlanStarted { version: 2 }));

    // Printing writes the PDF and the Markdown into the private exports folder.
    h.ctrl('p');
    let dir = h.paths.data_dir.join("exports");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    let pdf = files.iter().find(|p| p.extension().is_some_and(|e| e == "pdf")).expect("a pdf");
    assert!(pdf.file_name().unwrap().to_string_lossy().starts_with("plan-v2-"));
    assert!(h.text().contains("niet versleuteld"), "{}", h.text());
    let pupil = &h.store.case(id).unwrap().unwrap().intake;
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_lowercase();
        assert!(!name.contains(&pupil.first_name.to_lowercase()), "the pupil's name in {name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600, "{name}");
        }
    }
    let md = std::fs::read_to_string(files.iter().find(|p| p.extension().is_some_and(|e| e == "md")).unwrap()).unwrap();
    assert!(md.contains("Oma haalt Sara op dinsdag op."));
    assert!(history(&h, id).contains(&ChangeKind::PlanPrinted { version: 2 }));

    // Esc twice: back to the case.
    h.keys(&[Esc]);
    assert_eq!(h.model.context(), Context::Detail);
}

#[test]
fn signing_in_the_plan_step_records_the_parents_agreement() {
    let (mut h, id) = open_plan("S5");
    // The demo case has the agreement already; take it back as if not yet asked.
    let mut case = h.store.case(id).unwrap().unwrap();
    let mut values = case.current_visit().unwrap().values.clone();
    values.insert("akkoord_ouders".into(), tandem::domain::route::Value::YesNo(false));
    case.record(values, now().date());
    let change = tandem::domain::history::Change {
        case: Some(id),
        at: now(),
        who: "anna".into(),
        kind: ChangeKind::StepRecorded { step: "S5".into() },
    };
    h.store.save(&case, &change).unwrap();

    go_to(&mut h, 13);
    let signers = h.plan().signers.len();
    for i in 0..signers {
        if i > 0 {
            h.key(Down);
        }
        h.key(Enter);
        h.keys(&[Tab, Tab]);
        h.type_text("23-11-2026");
        h.ctrl('s');
    }
    assert!(h.plan().is_frozen(), "{:?}", h.plan().missing());
    let stored = h.store.case(id).unwrap().unwrap();
    let agreed = stored.current_visit().unwrap().values.get("akkoord_ouders").cloned();
    assert_eq!(agreed, Some(tandem::domain::route::Value::YesNo(true)));
    assert_eq!(h.model.cases.get(&id).unwrap().revision, stored.revision, "the screen has the saved case");
    let screen = h.text();
    assert!(screen.contains("akkoord van de ouders staat nu ook in stap S5"), "{screen}");
}

#[test]
fn typing_is_saved_after_a_pause_and_before_the_auto_lock() {
    let (mut h, id) = open_plan("S4");
    go_to(&mut h, 9);
    h.type_text("Buurvrouw past op");
    assert!(h.editor().dirty);
    let deadline = h.model.deadline().unwrap();
    assert!(deadline <= now() + Duration::seconds(3), "a dirty plan wakes the app to save it");
    h.send_at(Msg::Tick, now() + Duration::seconds(4));
    assert_eq!(h.store.plan(id).unwrap().unwrap().versions[0].zelf, "Buurvrouw past op");

    h.type_text("!");
    let lock = now() + Duration::minutes(i64::from(h.model.config.privacy.lock_minutes) + 1);
    h.send_at(Msg::Tick, lock);
    h.send_at(Msg::Tick, lock);
    assert!(
        h.model.screens.iter().all(|s| !matches!(s, tandem::ui::model::Screen::Plan(_))),
        "the plan leaves the screen"
    );
    h.store.unlock(common::PASSPHRASE.as_bytes()).unwrap();
    assert_eq!(h.store.plan(id).unwrap().unwrap().versions[0].zelf, "Buurvrouw past op!", "saved before locking");
}

#[test]
fn a_signed_demo_plan_opens_frozen_and_prints() {
    let (mut h, id) = open_plan("S6");
    assert!(h.plan().is_frozen());
    assert!(h.text().contains("ondertekend"));
    h.ctrl('p');
    let dir = h.paths.data_dir.join("exports");
    let pdf = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let name = h.model.cases.get(&id).unwrap().pupil_name();
    assert!(text.contains(&name) && text.contains("13. Ondertekening") && text.contains("pagina 1 van"), "{text}");
}

#[test]
fn the_parents_copy_carries_the_plan_as_pdf() {
    let (mut h, _) = open_plan("S6");
    h.key(Esc);
    assert_eq!(h.model.context(), Context::Detail);
    h.key(Char('x'));
    let dir = h.paths.data_dir.join("exports");
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let pdf = names.iter().find(|n| n.starts_with("inzage-plan-") && n.ends_with(".pdf")).expect("the plan as PDF");
    let copy = names.iter().find(|n| n.starts_with("inzage-") && n.ends_with(".md")).unwrap();
    assert!(std::fs::read_to_string(dir.join(copy)).unwrap().contains(pdf.as_str()), "the copy names the plan file");
}

#[test]
fn a_bsn_typed_in_a_plan_text_is_not_saved_and_the_plan_does_not_close_over_it() {
    let (mut h, id) = open_plan("S4");
    go_to(&mut h, 5);
    assert_eq!(h.model.context(), Context::PlanText);
    h.type_text(" BSN 111.222.333");
    h.ctrl('s');
    assert!(h.text().contains("tandem bewaart geen BSN"), "{}", h.text());
    let stored = h.store.plan(id).unwrap().unwrap();
    assert!(!stored.versions.last().unwrap().factoren.contains("111.222.333"), "nothing with a BSN is stored");
    h.keys(&[Esc, Esc]);
    assert!(matches!(h.model.screens.last(), Some(tandem::ui::model::Screen::Plan(_))), "the plan stays open to fix");
    assert_eq!(h.editor().section, Section::Factors.index(), "it shows where the BSN is");
}

#[test]
fn ctrl_c_in_the_plan_text_saves_it_and_quits() {
    let (mut h, id) = open_plan("S4");
    go_to(&mut h, 9);
    h.type_text("Oma haalt op");
    assert!(h.editor().dirty);
    h.ctrl('c');
    assert!(h.quit);
    assert_eq!(h.store.plan(id).unwrap().unwrap().versions[0].zelf, "Oma haalt op");
}

#[test]
fn printing_chinese_says_which_characters_the_pdf_cannot_print() {
    let (mut h, _) = open_plan("S4");
    go_to(&mut h, 9);
    h.type_text("Oma 王芳 haalt op");
    h.ctrl('p');
    let status = h.model.status.clone().expect("a message after printing");
    assert!(status.error, "a warning, not a plain success");
    assert!(status.text.contains("Afgedrukt:"), "{}", status.text);
    assert!(status.text.contains("de PDF kan 2 tekens niet afdrukken (王芳)"), "{}", status.text);
    // The whole message is on screen, wrapped over the bar, not cut at its edge.
    let screen = h.text().split_whitespace().collect::<Vec<_>>().join(" ");
    for part in ["niet versleuteld, alleen leesbaar voor jou", "tekens niet afdrukken", "staat alles zoals getypt."] {
        assert!(screen.contains(part), "{part}: {screen}");
    }

    // Without such characters the message is the plain one.
    while h.plan().zelf.contains('王') {
        h.ctrl('z');
    }
    h.ctrl('p');
    let status = h.model.status.clone().unwrap();
    assert!(!status.error && !status.text.contains("Let op"), "{}", status.text);
}

#[test]
fn the_plan_says_each_label_once_on_screen_and_in_print() {
    let (mut h, id) = open_plan("S5");
    go_to(&mut h, 3);
    let screen = h.text();
    assert!(screen.contains("Krachten en zorgen (demo)"), "the value from S4:\n{screen}");
    assert!(!screen.contains("Krachten en zorgen: "), "the section title is not repeated before the text:\n{screen}");
    go_to(&mut h, 5);
    let screen = h.text();
    assert!(screen.contains("5. Beschermende en risicofactoren"), "{screen}");
    assert!(!screen.contains(" Beschermende en risicofactoren ─"), "no part title saying the same:\n{screen}");
    assert!(!screen.contains("risicofactoren: "), "{screen}");
    // Where two fields of the route share a text, their labels still tell them apart.
    assert!(h.plan().vraag.starts_with("Vraag van de ouders: "));

    let case = h.model.cases.get(&id).unwrap();
    let cx = tandem::domain::plan::Context { case, route: &h.model.config.route, team: &h.model.config.team };
    let doc = tandem::print::plan::document(h.plan(), &cx, "School", now().date());
    let md = tandem::print::markdown::render(&doc);
    assert!(md.contains("## 3. Krachten en zorgen\n\nKrachten en zorgen (demo)"), "{md}");
    assert!(!md.contains("Krachten en zorgen: ") && !md.contains("risicofactoren: "), "{md}");
}

/// The right-hand pane of the plan editor at 80 columns, its words joined by single spaces.
fn right_pane_words(screen: &str) -> String {
    let right: Vec<String> = screen.lines().map(|l| l.chars().skip(33).collect()).collect();
    right.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn at_80_columns_plan_lines_wrap_instead_of_being_cut() {
    let mut h = Harness::with_cases(40, 80, 24);
    let id = h.case_at("S5");
    h.open_case(id);
    h.key(Char('p'));
    go_to(&mut h, 7);
    let rows = tandem::ui::plan_editor::rows(h.plan(), tandem::ui::plan_editor::ListPart::Goals);
    assert!(!rows.is_empty() && rows[0].len() > 50, "a goal longer than the pane: {rows:?}");
    let screen = h.text();
    let words = right_pane_words(&screen);
    for row in &rows {
        let row = row.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains(&row), "{row} is not whole:\n{screen}");
    }
    assert!(!words.contains('…'), "{screen}");
}
