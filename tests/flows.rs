//! Whole user flows as scripted key presses against the real model, view and store.

mod common;

use common::Harness;
use crossterm::event::KeyCode::{self, BackTab, Backspace, Char, Down, Enter, Esc, Tab};
use tandem::domain::history::ChangeKind;
use tandem::strings::Label;
use tandem::ui::model::Screen;

/// Fills the new-case form from its first field, the way a user would.
fn fill_new_case(h: &mut Harness, name: &str) {
    fill_new_case_named(h, name, "");
}

/// As [`fill_new_case`], with a last name (empty: none).
fn fill_new_case_named(h: &mut Harness, name: &str, last_name: &str) {
    h.type_text(name);
    h.key(Tab);
    h.type_text(last_name);
    h.key(Tab);
    h.type_text("14-03-2017");
    h.key(Tab);
    h.type_text("4"); // groep 4
    h.key(Tab);
    h.type_text("b"); // gezag: beide ouders
    h.keys(&[Tab, Tab]); // signal date is today already
    h.type_text("l"); // bron: leerkracht
    h.key(Tab);
    h.keys(&[Char('1'), Char('2')]); // onderwijs + gedeeld
    h.key(Tab);
    h.type_text("Komt vaak te laat.");
}

#[test]
fn create_a_case_by_keyboard_only() {
    let mut h = Harness::with_cases(5, 80, 24);
    h.key(Char('n'));
    assert!(h.text().contains("Nieuw dossier"));
    fill_new_case(&mut h, "Pietje");
    h.ctrl('s');

    assert!(h.model.screens.is_empty(), "back on the list after saving");
    assert!(h.text().contains("Dossier van Pietje opgeslagen."));
    let stored = h.store.load_cases().unwrap().cases;
    assert_eq!(stored.len(), 6);
    let case = stored.iter().find(|c| c.intake.first_name == "Pietje").unwrap();
    assert_eq!((case.intake.groep, case.revision, case.step.as_str()), (4, 1, "S0"));
    assert_eq!(case.intake.signal_date, common::now().date());
    let history = h.store.history(case.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, ChangeKind::Created);
    assert_eq!(history[0].who, "anna");
    // The new case is selected in the list.
    assert_eq!(h.model.selected_row().unwrap().id, case.id);
}

#[test]
fn enter_walks_the_form_and_saves_on_the_button() {
    let mut h = Harness::with_cases(0, 80, 24);
    h.key(Char('n'));
    fill_new_case(&mut h, "Saar");
    for _ in 0..3 {
        h.key(Enter); // note → holder → due → button
    }
    assert!(h.text().contains("▶ [ Opslaan ]"));
    h.key(Enter);
    assert_eq!(h.store.load_cases().unwrap().cases.len(), 1);
}

#[test]
fn a_typo_in_a_date_is_shown_inline_and_nothing_is_saved() {
    let mut h = Harness::with_cases(0, 80, 24);
    h.key(Char('n'));
    h.type_text("Kim");
    h.keys(&[Tab, Tab]);
    h.type_text("31-02-2017");
    h.key(Tab);
    let screen = h.text();
    assert!(screen.contains("⚠ die dag bestaat niet"), "{screen}");
    h.ctrl('s');
    assert!(h.text().contains("Niet opgeslagen: herstel de gemarkeerde velden."));
    assert!(h.store.load_cases().unwrap().cases.is_empty());
    // Focus went to the first problem; fix it and the error goes.
    h.ctrl('u');
    h.type_text("28-02-2017");
    h.key(Tab);
    assert!(!h.text().contains("die dag bestaat niet"));
}

#[test]
fn the_cursor_sits_in_the_focused_text_field() {
    let mut h = Harness::with_cases(0, 80, 24);
    h.key(Char('n'));
    h.type_text("Jo");
    let pos = h.cursor();
    // Row 3 is the first field (title, block border, note line above it); the value
    // column starts after the 2-column marker and the 22-column label.
    assert_eq!((pos.x, pos.y), (2 + 22 + 2, 3));
    h.key(KeyCode::Left);
    assert_eq!(h.cursor().x, 2 + 22 + 1);
}

#[test]
fn edit_a_case_and_see_its_history() {
    // Tall enough for the history below the escalation of the most urgent case.
    let mut h = Harness::with_cases(20, 80, 40);
    // A case on the meldcode branch takes no note: take the most urgent one that does.
    let barred = |h: &Harness| {
        let id = h.model.selected_row().unwrap().id;
        h.model.config.route.note_barred(&h.model.cases.get(&id).unwrap().visits)
    };
    while barred(&h) {
        h.key(Down);
    }
    let id = h.model.selected_row().unwrap().id;
    h.key(Enter);
    assert!(matches!(h.model.screens.last(), Some(Screen::Detail(d)) if d.id == id));
    assert!(h.text().contains("dossier aangemaakt"));
    h.key(Char('e'));
    for _ in 0..8 {
        h.key(Tab);
    }
    h.ctrl('u');
    h.type_text("Gesprek met moeder gepland.");
    h.ctrl('s');

    assert!(matches!(h.model.screens.last(), Some(Screen::Detail(_))), "back on the detail view");
    let screen = h.text();
    assert!(screen.contains("Gesprek met moeder gepland."), "{screen}");
    assert!(screen.contains("gewijzigd: korte notitie"), "{screen}");
    let case = h.store.case(id).unwrap().unwrap();
    assert_eq!(case.revision, 2);
    assert_eq!(h.store.history(id).unwrap().len(), 2);
}

#[test]
fn saving_an_unchanged_form_writes_nothing() {
    let mut h = Harness::with_cases(3, 80, 24);
    let id = h.model.selected_row().unwrap().id;
    h.keys(&[Enter, Char('e')]);
    h.ctrl('s');
    assert!(h.text().contains("Geen wijzigingen"));
    assert_eq!(h.store.history(id).unwrap().len(), 1);
}

#[test]
fn filter_as_you_type_and_open_with_enter() {
    let mut h = Harness::with_cases(200, 80, 24);
    let target = h.model.rows[150].pupil.clone();
    h.key(Char('/'));
    h.type_text(&target.to_lowercase());
    assert!(!h.model.visible.is_empty());
    for &i in &h.model.visible {
        assert!(h.model.rows[i].pupil.to_lowercase().contains(&target.to_lowercase()));
    }
    assert!(h.text().contains(&format!("Zoek: {}", target.to_lowercase())));
    h.key(Enter);
    let Some(Screen::Detail(d)) = h.model.screens.last() else { panic!("detail expected") };
    assert_eq!(h.model.cases.get(&d.id).unwrap().pupil_name().to_lowercase(), target.to_lowercase());
    // Back on the list the filter is kept; Esc clears it.
    h.key(Esc);
    assert!(h.model.visible.len() < 200);
    h.key(Esc);
    assert_eq!(h.model.visible.len(), 200);
}

#[test]
fn filter_matches_groep_step_and_holder() {
    let mut h = Harness::with_cases(100, 80, 24);
    h.key(Char('/'));
    h.type_text("groep 3 youssef");
    assert!(!h.model.visible.is_empty());
    for &i in &h.model.visible {
        let r = &h.model.rows[i];
        assert_eq!(r.groep, 3);
        assert_eq!(r.holder, "Youssef El Idrissi");
    }
    for _ in 0.."groep 3 youssef".len() {
        h.key(Backspace);
    }
    h.type_text("tandembespreking");
    assert!(!h.model.visible.is_empty(), "some cases are at the tandem discussion");
    assert!(h.model.visible.iter().all(|&i| h.model.rows[i].step.contains("Tandembespreking")));
    h.type_text("xyz");
    assert!(h.text().contains("Geen dossiers gevonden"));
}

#[test]
fn list_keys_move_page_and_jump() {
    let mut h = Harness::with_cases(100, 80, 24);
    h.key(Down);
    assert_eq!(h.model.list.selected, 1);
    h.key(KeyCode::PageDown);
    assert_eq!(h.model.list.selected, 1 + h.model.list_height());
    h.key(Char('G'));
    assert_eq!(h.model.list.selected, 99);
    assert!(h.model.list.offset + h.model.list_height() > 99, "the last row is in view");
    h.key(Char('g'));
    assert_eq!((h.model.list.selected, h.model.list.offset), (0, 0));
}

#[test]
fn esc_on_a_changed_form_asks_first() {
    let mut h = Harness::with_cases(0, 80, 24);
    h.key(Char('n'));
    h.key(Esc);
    assert!(h.model.screens.is_empty(), "an untouched form closes at once");

    h.key(Char('n'));
    h.type_text("Bo");
    h.key(Esc);
    assert!(h.text().contains("Weggooien?"));
    h.key(Char('n'));
    assert!(matches!(h.model.screens.last(), Some(Screen::Case(_))), "n keeps the form");
    assert!(h.text().contains("Bo"));
    h.key(Esc);
    h.key(Char('j'));
    assert!(h.model.screens.is_empty());
    assert!(h.store.load_cases().unwrap().cases.is_empty());
}

#[test]
fn first_start_sets_up_school_and_team() {
    let mut h = Harness::first_start(80, 24);
    assert!(h.text().contains("Welkom bij tandem"));
    h.type_text("OBS De Regenboog");
    h.key(Tab);
    h.type_text("1x2y");
    h.key(Tab);
    h.type_text("Anna Bakker");
    h.keys(&[Tab, Tab]);
    h.type_text("Joost Visser");
    h.ctrl('s');
    assert!(h.text().contains("BRIN \"1X2Y\" klopt niet"));
    assert!(!h.model.screens.is_empty(), "set-up stays open until it is right");
    assert!(tandem::config::Config::load(&h.paths).unwrap().is_none(), "nothing written yet");
}

#[test]
fn a_required_field_loses_its_error_once_filled() {
    let mut h = Harness::first_start(80, 24);
    h.ctrl('s');
    assert_eq!(h.text().matches("verplicht veld").count(), 2, "school and your own name\n{}", h.text());
    h.type_text("OBS De Regenboog");
    let screen = h.text();
    assert_eq!(screen.matches("verplicht veld").count(), 1, "only your own name is still empty\n{screen}");
}

#[test]
fn first_start_writes_the_config() {
    let mut h = Harness::first_start(80, 24);
    h.type_text("OBS De Regenboog");
    h.keys(&[Tab, Tab]);
    h.type_text("Anna Bakker");
    h.keys(&[Tab, Tab]);
    h.type_text("Joost Visser");
    h.ctrl('s');
    assert!(h.model.screens.is_empty());
    // Then the passphrase: too short first, then twice the same.
    assert!(h.text().contains("Kies een wachtwoordzin"));
    h.type_text("kort");
    h.key(Tab);
    h.type_text("kort");
    h.key(Enter);
    assert!(h.text().contains("te kort: minstens 12 tekens"));
    h.type_text("vier losse woorden hier");
    h.key(Tab);
    h.type_text("vier losse woorden hier");
    h.key(Enter);
    let screen = h.text();
    assert!(screen.contains("Je herstelcode"), "{screen}");
    assert!(!screen.contains("vier losse"), "the passphrase is never shown");
    h.key(Enter);
    assert!(h.text().contains("Nog geen dossiers"));
    let config = tandem::config::Config::load(&h.paths).unwrap().unwrap();
    let roles: Vec<(&str, &str)> = config.team.members.iter().map(|m| (m.name.as_str(), m.role.as_str())).collect();
    assert_eq!(roles, [("Anna Bakker", "ib"), ("Joost Visser", "wijkteam")]);
    assert_eq!(config.user, config.team.members[0].id);
    assert!(h.store.signing_key().unwrap().is_some(), "the team's signing key for the SWV is made at set-up");
    assert!(h.store.member().unwrap().is_some(), "this member's own keys for working together are made at set-up");
    // The new team can hold cases straight away.
    h.key(Char('n'));
    assert!(h.text().contains("Anna Bakker (IB-er)"));
}

#[test]
fn esc_on_an_empty_setup_quits() {
    let mut h = Harness::first_start(80, 24);
    h.key(Esc);
    assert!(h.quit);
}

#[test]
fn help_lists_the_live_keys_and_closes() {
    let mut h = Harness::with_cases(3, 80, 24);
    h.key(Char('?'));
    let screen = h.text();
    assert!(screen.contains("Dossierlijst") && screen.contains("nieuw dossier"), "{screen}");
    h.key(Esc);
    assert!(h.model.popup.is_none());
    // In a form '?' is text, so help is on F1 there.
    h.key(Char('n'));
    h.key(Char('?'));
    assert!(h.model.popup.is_none());
    h.key(KeyCode::F(1));
    assert!(h.text().contains("Formulier"));
    h.key(BackTab);
}

#[test]
fn too_small_shows_a_message_and_q_still_quits() {
    let mut h = Harness::with_cases(3, 80, 24);
    h.key(Char('n'));
    h.resize(70, 20);
    assert!(h.text().contains("Venster te klein"));
    h.key(Char('q'));
    assert!(h.quit);
}

#[test]
fn resize_back_restores_the_screen() {
    let mut h = Harness::with_cases(3, 80, 24);
    h.resize(60, 10);
    h.resize(120, 40);
    assert!(h.text().contains("Leerling"));
    h.shift_tab();
}

#[test]
fn ctrl_c_quits_like_q_and_asks_first_when_a_form_has_changes() {
    // From the list, from help and from an untouched form (where q is text): at once.
    for keys in [&[][..], &[Char('?')][..], &[Char('n')][..], &[Char('n'), Char('q'), Backspace][..]] {
        let mut h = Harness::with_cases(3, 80, 24);
        h.keys(keys);
        h.ctrl('c');
        assert!(h.quit, "after {keys:?}");
    }

    // A changed form asks first, and says what would be lost.
    let mut h = Harness::with_cases(0, 80, 24);
    h.key(Char('n'));
    h.type_text("Bo");
    h.ctrl('c');
    assert!(!h.quit);
    let screen = h.text();
    assert!(screen.contains("Stoppen?") && screen.contains("nog niet zijn opgeslagen"), "{screen}");
    h.key(Char('n'));
    assert!(!h.quit && h.text().contains("Bo"), "n keeps the form");
    h.ctrl('c');
    h.key(Char('j'));
    assert!(h.quit);
    assert!(h.store.load_cases().unwrap().cases.is_empty());
}

#[test]
fn ctrl_c_on_the_unlock_screen_asks_for_the_input_underneath() {
    let mut h = Harness::with_cases(3, 80, 24);
    h.key(Char('n'));
    h.type_text("Bo");
    let lock = common::now() + chrono::Duration::minutes(i64::from(h.model.config.privacy.lock_minutes) + 1);
    h.send_at(tandem::ui::model::Msg::Tick, lock);
    assert!(h.model.gate.is_some(), "locked");
    h.ctrl('c');
    assert!(!h.quit);
    let screen = h.text();
    assert!(screen.contains("Ontgrendel om"), "{screen}");
    h.key(Char('j'));
    assert!(h.quit);
}

#[test]
fn the_export_screen_says_when_the_last_bundle_was_written() {
    use tandem::config::ExportSettings;
    let sync = tempfile::tempdir().unwrap();
    let identity = tandem::bundle::SwvIdentity::generate(common::now_utc());
    let mut h = Harness::with_cases(5, 120, 30);
    assert!(h.text().contains(" E SWV-export "), "the list's hint bar names E");
    h.model.config.export = Some(ExportSettings { folder: sync.path().to_path_buf(), recipient: identity.recipient() });
    h.key(Char('E'));
    assert!(h.text().contains("Nog geen bundel geschreven"), "{}", h.text());
    h.key(Enter);
    assert!(h.text().contains("Laatste bundel: nr. 1"), "{}", h.text());
    h.key(Esc);
    // Opened again (as after a restart): the file and when it was written (its time).
    let file = std::fs::read_dir(sync.path()).unwrap().next().unwrap().unwrap().file_name();
    let file = file.to_string_lossy();
    let written = chrono::TimeZone::from_local_datetime(&chrono::Local, &common::now()).unwrap();
    let handle = std::fs::File::options().append(true).open(sync.path().join(file.as_ref())).unwrap();
    handle.set_modified(written.into()).unwrap();
    h.key(Char('E'));
    let screen = h.text();
    assert!(screen.contains("Laatste bundel: nr. 1") && screen.contains(file.as_ref()), "{screen}");
    assert!(screen.contains("geschreven op 23-11-2026 10:00"), "{screen}");

    // A bundle the sync tool took away is still named, without a time.
    std::fs::remove_file(sync.path().join(file.as_ref())).unwrap();
    h.key(Esc);
    h.key(Char('E'));
    assert!(h.text().contains("staat niet meer in de map"), "{}", h.text());
}

#[test]
fn at_80_columns_the_list_shows_whole_names_and_cuts_other_text_with_an_ellipsis() {
    let mut h = Harness::with_cases(30, 80, 24);
    h.key(Char('n'));
    fill_new_case_named(&mut h, "Youssef", "El Idrissi");
    h.ctrl('s');
    let screen = h.text();
    assert!(screen.lines().any(|l| l.contains("Youssef El Idrissi  ")), "{screen}");
    // Every name on screen is whole.
    let start = h.model.list.offset;
    let on_screen = &h.model.visible[start..(start + h.model.list_height()).min(h.model.visible.len())];
    assert!(on_screen.len() > 10, "a full screen of cases");
    for &i in on_screen {
        let name = &h.model.rows[i].pupil;
        assert!(screen.contains(name.as_str()), "{name} is cut:\n{screen}");
    }
    // The step is its code, and a cut holder ends in an ellipsis.
    assert!(screen.contains(" S0 "), "{screen}");
    // "Youssef El Id…": the third word of the holder cut short.
    let cut = |holder: &str| holder.split(' ').nth(2).is_some_and(|w| w.len() < "Idrissi".len() && w.ends_with('…'));
    let holder_cut = screen.lines().filter_map(|l| l.find("Youssef El I").map(|i| &l[i..])).any(cut);
    assert!(holder_cut, "the holder is cut with an ellipsis:\n{screen}");
}

#[test]
fn at_80_columns_the_route_ahead_takes_one_line_and_the_details_stay_on_screen() {
    for step in ["S1", "S3", "S7"] {
        let mut h = Harness::with_cases(40, 80, 24);
        let id = h.case_at(step);
        h.open_case(id);
        let screen = h.text();
        let ahead: Vec<String> = {
            let route = &h.model.config.route;
            route.ahead(step).iter().map(|s| s.id.clone()).collect()
        };
        assert!(!ahead.is_empty());
        assert!(screen.contains(&format!("· nog: {}", ahead.join(" "))), "{screen}");
        for f in tandem::domain::case::Field::ALL {
            assert!(screen.contains(f.label()), "{} is off the first screen at {step}:\n{screen}", f.label());
        }
    }
    // At 120 columns the track beside the details keeps one line per step.
    let mut h = Harness::with_cases(40, 120, 40);
    let id = h.case_at("S3");
    h.open_case(id);
    let screen = h.text();
    assert!(screen.contains("· S4 Gezamenlijke analyse") && screen.contains("· S8 Afsluiten"), "{screen}");
    assert!(!screen.contains("nog:"), "{screen}");
}

#[test]
fn partner_screen_shows_the_own_fingerprint_and_removes_a_partner_after_asking() {
    let mut t = Harness::with_cases(3, 100, 30);
    let bram = t.trust_partner("b0b0b0b0b0b0", "Bram de Vries");
    t.trust_partner("c0c0c0c0c0c0", "Carla Jansen");
    assert!(t.store.member().unwrap().is_none());
    t.key(Char('T'));
    // The member keys were made by the screen's job, and their fingerprint is shown.
    let member = t.store.member().unwrap().expect("member keys made on opening");
    let keys = tandem::partners::member(&t.store, "anna", common::now()).unwrap();
    let own = tandem::partners::Card::own(&keys, &t.model.config).fingerprint();
    let screen = t.text();
    assert!(screen.contains(&own), "{screen}");
    assert!(screen.contains(&member.id), "{screen}");
    assert!(screen.contains("b bewaart hem als bestand"), "{screen}");
    assert!(screen.contains("Bram de Vries") && screen.contains("Carla Jansen"), "{screen}");
    // Removing asks first and says what removal means; n keeps the partner.
    t.key(Char('D'));
    assert!(t.text().contains("Vanaf de volgende synchronisatie"), "{}", t.text());
    t.key(Char('n'));
    assert_eq!(t.store.partners().unwrap().len(), 2);
    t.key(Char('D'));
    t.key(Char('j'));
    let left: Vec<String> = t.store.partners().unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(left, ["c0c0c0c0c0c0"]);
    let screen = t.text();
    let Some(Screen::Partners(s)) = t.model.screens.last() else { panic!("partner screen closed") };
    assert_eq!(s.data.as_ref().unwrap().as_ref().unwrap().partners.len(), 1);
    assert!(screen.contains(&tandem::strings::partners::removed(&bram.name, &bram.id)[..40]), "{screen}");
    t.key(Esc);
    assert!(t.model.screens.is_empty());
}

/// A reload (after a sync, say) hands the cases the screens held to the worker to drop:
/// freeing thousands of cases would stall typing on the screen's thread.
#[test]
fn a_reload_leaves_the_old_cases_to_the_worker() {
    use tandem::ui::model::{Effect, Msg};
    use tandem::ui::worker::{Job, Reply};
    let mut h = Harness::with_cases(5, 100, 30);
    let loaded = h.store.load_cases().unwrap();
    let effects = h.model.update(Msg::Reply(Reply::Loaded(Ok(loaded))), common::now());
    let discarded: Vec<usize> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Job(Job::Discard(old)) => Some(old.len()),
            _ => None,
        })
        .collect();
    assert_eq!(discarded, vec![5]);
    assert_eq!(h.model.cases.len(), 5);
}
