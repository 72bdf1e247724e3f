//! Two (or three) copies, each its own store in a temp dir, meeting through one folder:
//! cases, plans, consents and clashes travel as the issue describes, nothing readable lies
//! in the folder, and withdrawing a consent erases the part on the partner's copy.

mod common;

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use tandem::config::{Config, SyncSettings};
use tandem::domain::case::{Case, CaseId};
use tandem::domain::consent::{Consent, ConsentForm, Decision, Party};
use tandem::domain::history::{Change, ChangeKind};
use tandem::domain::share::Part;
use tandem::partners::{self, Card};
use tandem::store::Store;
use tandem::store::crypto::KdfParams;
use tandem::sync;
use tempfile::TempDir;

pub struct Copy {
    pub store: Store,
    pub config: Config,
    _dir: TempDir,
}

fn at(day: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, day).unwrap().and_hms_opt(10, 0, 0).unwrap()
}

/// A copy of the demo school for team member `user`, syncing through `folder`.
fn copy(user: &str, folder: &Path) -> Copy {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store.create_key(common::PASSPHRASE.as_bytes(), KdfParams::cheap().unwrap(), user, at(1)).unwrap();
    let mut config = Config::demo().unwrap();
    config.user = user.into();
    config.sync = Some(SyncSettings { folder: folder.to_path_buf() });
    let merging = sync::merging(&store, &config, at(1)).unwrap().unwrap();
    store.set_merging(merging);
    Copy { store, config, _dir: dir }
}

/// `a` and `b` trust each other's cards.
fn pair(a: &Copy, b: &Copy) {
    for (from, to) in [(a, b), (b, a)] {
        let member = partners::member(&from.store, &from.config.user, at(1)).unwrap();
        let card = Card::parse(Card::own(&member, &from.config).render(&member).unwrap().as_bytes()).unwrap();
        let name = from.config.team.name_of(&from.config.user).to_string();
        partners::trust(&to.store, &card, &name, &to.config.user, at(1)).unwrap();
    }
}

/// The IB-er and the wijkteam member of the demo school, paired, syncing through `folder`.
fn paired(folder: &Path) -> (Copy, Copy) {
    let (ib, wt) = (copy("anna", folder), copy("youssef", folder));
    pair(&ib, &wt);
    (ib, wt)
}

fn sync_at(c: &Copy, day: u32) -> sync::Report {
    let report = sync::run(&c.store, &c.config, at(day)).unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    report
}

fn new_case(c: &Copy) -> Case {
    let mut case = tandem::domain::demo::cases(1, 7, &c.config.route, &c.config.team, at(1).date()).remove(0);
    case.id = CaseId::random();
    case.revision = 0;
    case.consents.clear();
    case.school = c.config.school.name.clone();
    let change = Change { case: Some(case.id), at: at(2), who: c.config.user.clone(), kind: ChangeKind::Created };
    c.store.save(&case, &change).unwrap()
}

fn edit(c: &Copy, id: CaseId, day: u32, f: impl FnOnce(&mut Case)) -> Case {
    let mut case = c.store.case(id).unwrap().unwrap();
    f(&mut case);
    let change = Change { case: Some(id), at: at(day), who: c.config.user.clone(), kind: ChangeKind::AbsenceRecorded };
    c.store.save(&case, &change).unwrap()
}

fn consent(case: &mut Case, purpose: &str, decision: Decision, day: u32) {
    let on = at(day).date();
    let parties: Vec<Party> = Party::required(&case.intake, on);
    case.consents
        .push(Consent::record(purpose, decision, parties, ConsentForm::Oral, &case.intake, on, on, "anna").unwrap());
}

#[test]
fn a_case_travels_without_identity_until_the_parents_consent_and_is_erased_when_withdrawn() {
    let folder = tempfile::tempdir().unwrap();
    let (ib, wt) = paired(folder.path());
    let case = new_case(&ib);
    sync_at(&ib, 3);
    let got = sync_at(&wt, 3);
    assert!(got.received.values().sum::<usize>() > 0, "{got:?}");

    let there = wt.store.case(case.id).unwrap().expect("the case reached the partner");
    assert_eq!(there.id, case.id, "one id on every copy");
    assert!(there.copy.anonymous(), "no identity before consent");
    assert_eq!(there.intake.first_name, "");
    assert_eq!(there.intake.groep, case.intake.groep);
    assert_eq!(there.step, case.step);

    edit(&ib, case.id, 4, |c| consent(c, "tandembespreking", Decision::Given, 4));
    sync_at(&ib, 4);
    sync_at(&wt, 4);
    let there = wt.store.case(case.id).unwrap().unwrap();
    assert!(!there.copy.anonymous(), "{:?}", there.copy);
    assert_eq!(there.intake.first_name, case.intake.first_name);
    assert_eq!(there.intake.birth_date, case.intake.birth_date);
    assert!(there.copy.withheld.contains(&Part::Notes), "notes need delen_wijkteam");

    edit(&ib, case.id, 5, |c| consent(c, "tandembespreking", Decision::Withdrawn, 5));
    sync_at(&ib, 5);
    let got = sync_at(&wt, 5);
    assert_eq!(got.dropped, 1, "{got:?}");
    let there = wt.store.case(case.id).unwrap().unwrap();
    assert!(there.copy.anonymous());
    assert_eq!(there.intake.first_name, "");
    let history = wt.store.history(case.id).unwrap();
    assert!(history.iter().any(|c| c.kind == ChangeKind::PartDropped { part: Part::Identity }), "{history:?}");
}

#[test]
fn edits_on_both_copies_meet_and_a_clash_stays_until_picked() {
    let folder = tempfile::tempdir().unwrap();
    let (ib, wt) = paired(folder.path());
    let case = new_case(&ib);
    sync_at(&ib, 3);
    sync_at(&wt, 3);

    let d1 = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
    let d2 = NaiveDate::from_ymd_opt(2026, 12, 17).unwrap();
    edit(&ib, case.id, 4, |c| c.due = Some(d1));
    edit(&wt, case.id, 4, |c| {
        c.due = Some(d2);
        c.intake.groep = 6;
    });
    for _ in 0..2 {
        sync_at(&ib, 5);
        sync_at(&wt, 5);
    }
    let (a, b) = (ib.store.case(case.id).unwrap().unwrap(), wt.store.case(case.id).unwrap().unwrap());
    assert_eq!(a.due, b.due, "both copies show the same value meanwhile");
    assert_eq!(a.intake.groep, 6, "the other field came through");
    assert_eq!(a.copy.clashes.len(), 1, "{:?}", a.copy.clashes);
    assert_eq!(b.copy.clashes, a.copy.clashes);
    let clash = &a.copy.clashes[0];
    assert_eq!(clash.path, "/due");

    let pick = clash.values.iter().find(|v| v.contains("2026-12-10")).unwrap().clone();
    let change = Change {
        case: Some(case.id),
        at: at(6),
        who: "anna".into(),
        kind: ChangeKind::ClashSettled { part: clash.part, path: clash.path.clone() },
    };
    ib.store.settle(case.id, clash.part, &clash.path, &pick, change).unwrap();
    sync_at(&ib, 6);
    sync_at(&wt, 6);
    let (a, b) = (ib.store.case(case.id).unwrap().unwrap(), wt.store.case(case.id).unwrap().unwrap());
    assert!(a.copy.clashes.is_empty() && b.copy.clashes.is_empty(), "{:?}", b.copy.clashes);
    assert_eq!((a.due, b.due), (Some(d1), Some(d1)));
}

#[test]
fn the_folder_holds_nothing_readable_and_is_cleaned_once_taken() {
    let folder = tempfile::tempdir().unwrap();
    let (ib, wt) = paired(folder.path());
    let mut cases = Vec::new();
    for _ in 0..3 {
        cases.push(new_case(&ib));
    }
    for c in &cases {
        edit(&ib, c.id, 3, |x| {
            consent(x, "tandembespreking", Decision::Given, 3);
            consent(x, "delen_wijkteam", Decision::Given, 3);
        });
    }
    sync_at(&ib, 4);
    let mut secrets: Vec<String> = Vec::new();
    for c in &cases {
        secrets.extend([c.intake.first_name.clone(), c.intake.last_name.clone(), c.intake.note.clone()]);
    }
    for entry in std::fs::read_dir(folder.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in secrets.iter().filter(|s| s.len() > 2) {
            assert!(!text.contains(s.as_str()), "{s} readable in the folder");
        }
    }
    sync_at(&wt, 4);
    let there = wt.store.case(cases[0].id).unwrap().unwrap();
    assert_eq!(there.intake.note, cases[0].intake.note);
    // The wijkteam's Taken file tells the IB-er, whose next sync removes what was taken.
    let cleaned = sync_at(&ib, 5).cleaned;
    assert!(cleaned >= 1, "cleaned {cleaned}");
    let own = partners::member(&ib.store, "anna", at(1)).unwrap().id;
    let left: Vec<String> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(&own) && !n.contains(".taken."))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_case_recorded_before_cases_named_their_school_reaches_that_schools_staff() {
    let folder = tempfile::tempdir().unwrap();
    let (ib, wt) = paired(folder.path());
    // As `tandem demo` and stores from before issue 13 hold them: no school named.
    let mut case = tandem::domain::demo::cases(1, 11, &wt.config.route, &wt.config.team, at(1).date()).remove(0);
    case.school.clear();
    wt.store.insert_new(std::slice::from_ref(&case), "youssef", at(2)).unwrap();
    sync_at(&wt, 3);
    sync_at(&ib, 3);
    let there = ib.store.case(case.id).unwrap().expect("the school's IB-er got the case");
    assert!(!there.copy.anonymous(), "the school's own staff get everything: {:?}", there.copy);
    assert_eq!(there.intake.first_name, case.intake.first_name);
}

/// Our change files in the folder, oldest first.
fn own_files(c: &Copy, folder: &Path) -> Vec<std::path::PathBuf> {
    let own = partners::member(&c.store, &c.config.user, at(1)).unwrap().id;
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.starts_with(&own) && !name.contains(".taken.")
        })
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    files
}

#[test]
fn a_file_lost_from_the_folder_before_the_partner_took_it_is_sent_again_in_full() {
    let folder = tempfile::tempdir().unwrap();
    let (ib, wt) = paired(folder.path());
    let first = new_case(&ib);
    sync_at(&ib, 3);
    sync_at(&wt, 3);
    // The second file goes missing (a person tidied the folder, a sync tool lost it).
    let second = new_case(&ib);
    sync_at(&ib, 4);
    let lost = own_files(&ib, folder.path()).pop().unwrap();
    std::fs::remove_file(&lost).unwrap();
    edit(&ib, first.id, 5, |c| c.intake.groep = 7);
    let again = sync_at(&ib, 5);
    assert_eq!(again.resent, ["Youssef El Idrissi"], "{again:?}");
    sync_at(&wt, 6);
    assert!(wt.store.case(second.id).unwrap().is_some(), "the lost case came after all");
    assert_eq!(wt.store.case(first.id).unwrap().unwrap().intake.groep, 7, "and the later edit");
    // Once taken, nothing of that row stays behind.
    sync_at(&ib, 7);
    assert!(own_files(&ib, folder.path()).is_empty(), "{:?}", own_files(&ib, folder.path()));
}

#[test]
fn a_consent_that_lapses_by_the_calendar_is_dropped_on_the_partners_copy_without_an_edit() {
    let folder = tempfile::tempdir().unwrap();
    let (ib, wt) = paired(folder.path());
    let case = new_case(&ib);
    // Twelve on 20 November: from then on the child's own consent is needed too.
    let case = edit(&ib, case.id, 3, |c| {
        c.intake.birth_date = NaiveDate::from_ymd_opt(2014, 11, 20).unwrap();
        consent(c, "tandembespreking", Decision::Given, 3);
    });
    sync_at(&ib, 3);
    sync_at(&wt, 3);
    assert!(!wt.store.case(case.id).unwrap().unwrap().copy.anonymous());

    sync_at(&ib, 19);
    sync_at(&wt, 19);
    assert!(!wt.store.case(case.id).unwrap().unwrap().copy.anonymous(), "still eleven");
    sync_at(&ib, 20);
    let got = sync_at(&wt, 20);
    assert_eq!(got.dropped, 1, "{got:?}");
    let there = wt.store.case(case.id).unwrap().unwrap();
    assert!(there.copy.anonymous() && there.intake.first_name.is_empty(), "{:?}", there.copy);
}

/// What came in from a partner is not sent back to them: a copy that only received
/// writes no file of changes, and one that also edited sends only its own.
#[test]
fn received_changes_are_not_echoed_to_their_author() {
    let folder = tempfile::tempdir().unwrap();
    let (ib, wt) = paired(folder.path());
    let case = new_case(&ib);
    sync_at(&ib, 3);
    let first = sync_at(&wt, 3);
    assert!(first.received.values().sum::<usize>() > 0, "{first:?}");
    assert!(first.sent.is_empty(), "the new case goes back to nobody: {first:?}");
    edit(&ib, case.id, 4, |c| c.intake.groep = 7);
    sync_at(&ib, 4);
    let only_received = sync_at(&wt, 4);
    assert!(only_received.sent.is_empty(), "{only_received:?}");
    edit(&ib, case.id, 5, |c| c.intake.groep = 8);
    sync_at(&ib, 5);
    edit(&wt, case.id, 5, |c| c.due = NaiveDate::from_ymd_opt(2026, 12, 18));
    let both = sync_at(&wt, 5);
    assert_eq!(both.sent.values().sum::<usize>(), 1, "its own edit goes: {both:?}");
    let back = sync_at(&ib, 6);
    assert_eq!(back.received.values().sum::<usize>(), 1, "one change, the wijkteam's own: {back:?}");
    let (a, b) = (ib.store.case(case.id).unwrap().unwrap(), wt.store.case(case.id).unwrap().unwrap());
    assert_eq!((a.intake.groep, a.due), (b.intake.groep, b.due));
    assert_eq!(a.intake.groep, 8);
}
