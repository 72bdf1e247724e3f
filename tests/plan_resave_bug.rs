//! FAILING ON PURPOSE — a bug found by `benches/sync.rs` (issue 13), not fixed here.
//!
//! With `[sync]` set (the store keeps merge documents), a plan saved once cannot be saved
//! again from a book read back from the store: `Store::save_plan` fails with
//! `Merge(UnknownHeads)`. `store::docs::write` takes the heads of the plan book
//! (`PlanBook::heads`, the plan document's heads) as the base of *every* part when the
//! plan editor saves (`(Owner::Plan, Some(book)) => parse_heads(&book.heads)`), so the
//! core, identity and notes documents look stale and `Doc::fork_at` is asked for heads
//! they never had. In the TUI: open a plan, type, leave; open it again and type: every
//! autosave fails until a sync rewrites the stored book without heads.

use chrono::{NaiveDate, NaiveDateTime};
use tandem::config::{Config, SyncSettings};
use tandem::domain::demo;
use tandem::store::Store;
use tandem::store::crypto::KdfParams;
use tandem::sync;

fn at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap()
}

#[test]
fn bug_a_plan_saved_once_with_merging_saves_again() {
    let dir = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let mut config = Config::demo().unwrap();
    config.sync = Some(SyncSettings { folder: folder.path().to_path_buf() });
    let mut store = Store::open(dir.path()).unwrap();
    store.create_key(b"pass", KdfParams::cheap().unwrap(), &config.user, at()).unwrap();
    let merging = sync::merging(&store, &config, at()).unwrap().unwrap();
    store.set_merging(merging);

    let cases = demo::cases(20, 3, &config.route, &config.team, at().date());
    store.insert_new(&cases, &config.user, at()).unwrap();
    let mut plans = demo::plans(&cases, &config.route, &config.team, &tandem::strings::PLAN_WORDS);
    let (id, mut book) = plans.pop().expect("a demo case with a plan");
    if book.current().is_some_and(|p| p.is_frozen()) {
        book.start_next_version(at().date()).unwrap();
    }
    store.insert_plans(&[(id, book)]).unwrap();
    store.ensure_docs(0).unwrap();

    for round in 0..3 {
        // As the plan editor does: read the book, type, autosave.
        let mut book = store.plan(id).unwrap().unwrap();
        book.editable().unwrap().vraag.push_str(" en nog een zin");
        let saved = store.save_plan(id, &book, None);
        assert!(saved.is_ok(), "save {} of the plan failed: {saved:?} (book heads {:?})", round + 1, book.heads);
    }
    let book = store.plan(id).unwrap().unwrap();
    assert!(book.current().unwrap().vraag.ends_with(" en nog een zin en nog een zin en nog een zin"));
}
