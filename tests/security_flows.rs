//! The security and privacy flows by scripted keys: unlocking, the unlock delay, the
//! auto-lock that keeps what was typed, erasure on request, retention and the parents'
//! copy.

mod common;

use chrono::Duration;
use common::{Harness, PASSPHRASE, now};
use crossterm::event::KeyCode::{Char, Enter, Esc, F};
use tandem::domain::history::{ChangeKind, DeleteReason};
use tandem::ui::gate::Gate;
use tandem::ui::model::{Msg, Screen};

fn unlock(h: &mut Harness, passphrase: &str) {
    h.type_text(passphrase);
    h.key(Enter);
}

#[test]
fn unlock_with_the_right_passphrase_after_a_wrong_one() {
    let mut h = Harness::locked(10, 80, 24);
    let screen = h.text();
    assert!(screen.contains("Ontgrendelen") && !screen.contains("Leerling"), "{screen}");
    assert!(h.model.cases.is_empty());

    unlock(&mut h, "verkeerde zin");
    assert!(h.text().contains("Wachtwoordzin onjuist"));
    // Straight away again: refused until the (short) wait is over, and not counted.
    unlock(&mut h, PASSPHRASE);
    assert!(h.text().contains("Wacht nog"));
    assert!(h.model.cases.is_empty());

    h.type_text(PASSPHRASE);
    h.send_at(Msg::Key(crossterm::event::KeyEvent::from(Enter)), now() + Duration::seconds(5));
    assert!(h.model.gate.is_none());
    assert_eq!(h.model.cases.len(), 10);
    assert!(h.model.verified, "the integrity check ran after unlocking");
    assert!(h.store.member().unwrap().is_some(), "a store from before partners gets this member's keys on unlocking");
}

/// Types `passphrase` and Enter at the moment `at`.
fn unlock_at(h: &mut Harness, passphrase: &str, at: chrono::NaiveDateTime) {
    for c in passphrase.chars().map(Char).chain([Enter]) {
        h.send_at(Msg::Key(crossterm::event::KeyEvent::from(c)), at);
    }
}

#[test]
fn the_wait_after_a_wrong_passphrase_counts_down_on_the_unlock_screen() {
    let mut h = Harness::locked(2, 80, 24);
    assert!(!h.text().contains("Wacht nog"));
    unlock_at(&mut h, "verkeerde zin", now());
    // The second wrong one, after the first wait (the harness answers at `now()`): the
    // next attempt waits 2 s, shown before anything is typed.
    unlock_at(&mut h, "weer verkeerd", now() + Duration::seconds(2));
    assert!(h.text().contains("Wacht nog 3 s"), "{}", h.text());
    h.send_at(Msg::Tick, now() + Duration::seconds(1));
    assert!(h.text().contains("Wacht nog 2 s"), "{}", h.text());
    h.send_at(Msg::Tick, now() + Duration::seconds(2));
    assert!(!h.text().contains("Wacht nog"), "{}", h.text());
    unlock_at(&mut h, PASSPHRASE, now() + Duration::seconds(2));
    assert!(h.model.gate.is_none());
}

#[test]
fn the_typed_passphrase_is_never_shown() {
    let mut h = Harness::locked(1, 80, 24);
    h.type_text("geheimpje");
    let screen = h.text();
    assert!(!screen.contains("geheimpje"));
    assert!(screen.contains("•••••••••"));
}

#[test]
fn auto_lock_wipes_cases_but_keeps_what_was_typed() {
    let mut h = Harness::with_cases(5, 80, 24);
    h.key(Char('n'));
    h.type_text("Halfgetypt");
    let idle = Duration::minutes(i64::from(h.model.config.privacy.lock_minutes));
    h.send_at(Msg::Tick, now() + idle - Duration::seconds(1));
    assert!(h.model.gate.is_none(), "not yet");
    h.send_at(Msg::Tick, now() + idle);
    assert!(matches!(h.model.gate, Some(Gate::Unlock(_))));
    assert!(h.model.cases.is_empty() && h.model.rows.is_empty(), "decrypted cases are dropped");
    let screen = h.text();
    assert!(!screen.contains("Halfgetypt"), "nothing of the cases or forms shows while locked");

    unlock(&mut h, PASSPHRASE);
    assert_eq!(h.model.cases.len(), 5);
    assert!(h.text().contains("Halfgetypt"), "the form being typed survived the lock");
    assert!(matches!(h.model.screens.last(), Some(Screen::Case(_))));
}

#[test]
fn forgotten_passphrase_is_recovered_with_the_recovery_code_screen() {
    let mut h = Harness::locked(1, 80, 24);
    h.key(F(2));
    assert!(h.text().contains("Herstellen met de herstelcode"));
    h.type_text("AAAA-BBBB");
    h.key(Enter);
    h.type_text("nieuwe lange zin hier");
    h.key(Enter);
    h.type_text("nieuwe lange zin hier");
    h.key(Enter);
    assert!(h.text().contains("herstelcode past niet"));
    h.key(Esc);
    assert!(h.text().contains("Ontgrendelen"));

    // With the right code: unlocked, the new passphrase set, the old one gone.
    h.key(F(2));
    let code = h.recovery.clone();
    for text in [code.as_str(), "nieuwe lange zin hier", "nieuwe lange zin hier"] {
        h.type_text(text);
        h.key(Enter);
    }
    assert!(h.model.gate.is_none(), "{:?}", h.model.gate);
    assert_eq!(h.model.cases.len(), 1);
    assert!(h.model.verified);
    let last = h.store.audit_entries().unwrap().pop().unwrap().details.unwrap();
    assert_eq!(last.kind, ChangeKind::RecoveryUsed);
    h.store.lock();
    assert!(h.store.unlock(PASSPHRASE.as_bytes()).is_err(), "the forgotten passphrase no longer opens it");
    h.store.unlock(b"nieuwe lange zin hier").unwrap();
}

#[test]
fn delete_on_request_asks_first_and_keeps_only_figures() {
    let mut h = Harness::with_cases(4, 80, 24);
    let id = h.model.selected_row().unwrap().id;
    h.keys(&[Enter, Char('D')]);
    assert!(h.text().contains("definitief verwijderd"));
    h.key(Char('n'));
    assert!(h.store.case(id).unwrap().is_some(), "n keeps the case");
    h.key(Char('D'));
    h.key(Char('j'));
    assert!(h.store.case(id).unwrap().is_none());
    assert!(h.model.screens.is_empty(), "back on the list");
    assert_eq!(h.model.cases.len(), 3);
    let v = h.store.verify().unwrap();
    assert_eq!(v.tombstones, 1);
    let last = h.store.audit_entries().unwrap().pop().unwrap().details.unwrap();
    assert_eq!(last.kind, ChangeKind::Deleted { reason: DeleteReason::Request });
}

#[test]
fn cases_past_their_retention_term_are_deleted_after_confirmation() {
    let mut h = Harness::closed_days_ago(40, 80, 24, 731);
    let due = match &h.model.popup {
        Some(tandem::ui::model::Popup::ConfirmRetention(ids)) => ids.clone(),
        other => panic!("retention popup expected, got {other:?}"),
    };
    assert!(!due.is_empty());
    assert!(h.text().contains("Bewaartermijn verstreken"));
    h.key(Char('j'));
    for id in &due {
        assert!(h.store.case(*id).unwrap().is_none());
    }
    assert_eq!(h.store.verify().unwrap().tombstones, due.len());
}

#[test]
fn the_parents_copy_is_written_and_logged() {
    let mut h = Harness::with_cases(3, 120, 40);
    let id = h.model.selected_row().unwrap().id;
    let name = h.model.cases.get(&id).unwrap().pupil_name();
    h.keys(&[Enter, Char('x')]);
    assert!(h.text().contains("Inzage-export geschreven"));
    assert!(h.text().contains("niet versleuteld"), "the screen says the copy is plain text: {}", h.text());
    let dir = h.paths.data_dir.join("exports");
    let file = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&name) && text.contains("Uw rechten"));
    let file_name = file.file_name().unwrap().to_string_lossy().to_lowercase();
    let case = &h.model.cases.get(&id).unwrap().intake;
    for part in [&case.first_name, &case.last_name].into_iter().filter(|p| !p.is_empty()) {
        assert!(!file_name.contains(&part.to_lowercase()), "{part} in {file_name}");
    }
    assert!(file_name.starts_with("inzage-") && file_name.contains(&id.0.simple().to_string()[..8]), "{file_name}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "only the owner may read");
    }
    let history = h.store.history(id).unwrap();
    assert_eq!(history.last().unwrap().kind, ChangeKind::AccessExport);
    assert!(h.text().contains("inzage-export gemaakt"), "the detail view shows the export in the history");
}

#[test]
fn a_store_that_fails_its_check_names_the_problem_and_the_newest_backup() {
    let mut h = Harness::with_cases(5, 100, 30);
    assert!(h.model.verified);
    let backups = h.paths.data_dir.join("backups");
    let file = h.store.backup(&backups, now(), 3).unwrap();
    // Recent writes lost behind the store's back: the anchor is ahead of the chain.
    let anchor = h.store.dir().join("anchor.json");
    std::fs::write(&anchor, r#"{"seq":99,"hash":"0000000000000000000000000000000000000000000000000000000000000000"}"#)
        .unwrap();
    h.run(tandem::ui::worker::Job::Verify);
    assert!(matches!(h.model.gate, Some(Gate::Damaged { .. })));
    assert!(h.model.cases.is_empty(), "nothing of a damaged store is shown");
    let screen = h.text();
    assert!(screen.contains("De gegevens zijn niet in orde"), "{screen}");
    assert!(screen.contains("laatste wijzigingen ontbreken"), "{screen}");
    assert!(screen.contains("tandem restore"), "{screen}");
    assert!(screen.contains(file.file_name().unwrap().to_str().unwrap()), "{screen}");

    // Enter restores it; the restored store opens with its passphrase and is sound.
    h.key(Enter);
    assert!(matches!(h.model.gate, Some(Gate::Unlock(_))), "{:?}", h.model.gate);
    assert!(h.text().contains("Back-up teruggezet"));
    unlock(&mut h, PASSPHRASE);
    assert!(h.model.gate.is_none());
    assert!(h.model.verified);
    assert_eq!(h.model.cases.len(), 5);
    let replaced = std::fs::read_dir(h.store.dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with("db.replaced-"));
    assert!(replaced, "the damaged database is kept aside");
}

#[test]
fn a_damaged_store_without_backups_says_so_and_q_quits() {
    let mut h = Harness::with_cases(2, 100, 30);
    std::fs::write(h.store.dir().join("anchor.json"), format!(r#"{{"seq":99,"hash":"{}"}}"#, "0".repeat(64))).unwrap();
    h.run(tandem::ui::worker::Job::Verify);
    assert!(h.text().contains("geen back-up gevonden"));
    h.key(Enter);
    assert!(matches!(h.model.gate, Some(Gate::Damaged { .. })), "nothing to restore");
    h.key(Char('q'));
    assert!(h.quit);
}

#[test]
fn quitting_from_the_unlock_screen_asks_when_input_would_be_lost() {
    let mut h = Harness::with_cases(2, 80, 24);
    h.key(Char('n'));
    h.type_text("Halfgetypt");
    let idle = Duration::minutes(i64::from(h.model.config.privacy.lock_minutes));
    h.send_at(Msg::Tick, now() + idle);
    h.key(Esc);
    assert!(!h.quit, "asked first");
    assert!(h.text().contains("niet-opgeslagen invoer"));
    h.key(Enter);
    assert!(!h.quit, "Enter does not confirm losing input");
    h.key(Char('n'));
    unlock(&mut h, PASSPHRASE);
    assert!(h.text().contains("Halfgetypt"));
}

#[test]
fn the_retention_question_comes_once_per_start_and_enter_does_not_delete() {
    let mut h = Harness::closed_days_ago(40, 80, 24, 731);
    assert!(matches!(h.model.popup, Some(tandem::ui::model::Popup::ConfirmRetention(_))));
    h.key(Enter);
    assert!(h.model.popup.is_some(), "Enter is no answer to deleting");
    h.key(Char('n'));
    let idle = Duration::minutes(i64::from(h.model.config.privacy.lock_minutes));
    h.send_at(Msg::Tick, now() + idle);
    unlock(&mut h, PASSPHRASE);
    assert!(h.model.popup.is_none(), "not asked again after an auto-lock");
    assert_eq!(h.store.verify().unwrap().tombstones, 0);
}

#[test]
fn erasure_also_removes_the_parents_copies_on_this_computer() {
    let mut h = Harness::with_cases(3, 120, 40);
    let id = h.model.selected_row().unwrap().id;
    h.keys(&[Enter, Char('x')]);
    let dir = h.paths.data_dir.join("exports");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700, "only the owner may read");
    }
    h.keys(&[Char('D'), Char('j')]);
    assert!(h.store.case(id).unwrap().is_none());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn the_parents_copy_holds_what_completed_steps_recorded() {
    let mut h = Harness::with_cases(3, 120, 40);
    // The screens hold light copies; the copy for the parents comes from the store.
    let row =
        h.model.visible.iter().position(|&i| h.model.cases.get(&h.model.rows[i].id).unwrap().step == "S2").unwrap();
    let id = h.model.rows[h.model.visible[row]].id;
    // Only what deadlines and the note's bar read stays in memory (the safety answer).
    let kept = h.model.config.route.kept_fields();
    let light = h.model.cases.get(&id).unwrap();
    let only_kept = |v: &tandem::domain::route::Visit| v.values.iter().all(|(k, _)| kept.contains(&(&v.step, k)));
    assert!(light.visits.iter().filter(|v| v.done.is_some()).all(only_kept));
    assert!(light.visits.iter().find(|v| v.step == "S1").unwrap().values.get("basisondersteuning").is_none());
    h.model.list.selected = row;
    h.keys(&[Enter, Char('x')]);
    let dir = h.paths.data_dir.join("exports");
    let file = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains("Geboden basisondersteuning: Geboden basisondersteuning (demo)"), "{text}");
    // And saving the light copy (an edit) keeps what the completed steps recorded.
    h.key(Char('e'));
    for _ in 0..8 {
        h.key(crossterm::event::KeyCode::Tab);
    }
    h.type_text(" Aanvulling.");
    h.ctrl('s');
    let stored = h.store.case(id).unwrap().unwrap();
    let s1 = stored.visits.iter().find(|v| v.step == "S1").unwrap();
    assert!(s1.values.get("basisondersteuning").is_some(), "nothing lost by saving a light copy");
}

/// A full disk at Ctrl-S (here: the anchor cannot be written after sled took the case):
/// the message says the truth, and Ctrl-S again in the same form finishes that save
/// instead of making a second case.
#[test]
fn a_save_that_failed_to_flush_is_finished_by_saving_again_not_duplicated() {
    use crossterm::event::KeyCode::Tab;
    let mut h = Harness::with_cases(2, 100, 30);
    h.key(Char('n'));
    h.type_text("Pietje");
    h.keys(&[Tab, Tab]);
    h.type_text("14-03-2017");
    h.key(Tab);
    h.type_text("4");
    h.key(Tab);
    h.type_text("b");
    h.keys(&[Tab, Tab]);
    h.type_text("l");
    h.keys(&[Tab, Char('1'), Tab]);
    h.type_text("Komt vaak te laat.");
    let blocker = h.store.dir().join(".anchor.json.tmp");
    std::fs::create_dir(&blocker).unwrap();
    h.ctrl('s');
    assert!(h.text().contains("nog niet zeker op de schijf"), "{}", h.text());
    assert!(matches!(h.model.screens.last(), Some(Screen::Case(_))), "the form stays open");
    std::fs::remove_dir(&blocker).unwrap();
    h.ctrl('s');
    assert!(h.text().contains("Dossier van Pietje opgeslagen."), "{}", h.text());
    let stored = h.store.load_cases().unwrap().cases;
    assert_eq!(stored.len(), 3, "one new case, not two");
    let pietje = stored.iter().find(|c| c.intake.first_name == "Pietje").unwrap();
    assert_eq!(pietje.revision, 1);
    assert_eq!(h.store.history(pietje.id).unwrap().len(), 1);
    assert!(h.store.verify().is_ok());
}
