//! `tandem sync` in the real binary, on two homes meeting in one folder: the IB-er's
//! (home A) and the wijkteam member's (home B) pair by exchanging cards, sync, and see
//! each other's cases and edits; every fault (a damaged, foreign, replayed file, a
//! removed partner, one card on two laptops, a missing or read-only folder) is told in
//! Dutch, naming the file, with the store unchanged; and nothing in the folder is
//! readable.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::NaiveDateTime;
use common::tandem_cli as tandem;
use tandem::config::Config;
use tandem::domain::case::{Case, CaseId};
use tandem::domain::consent;
use tandem::domain::history::{Change, ChangeKind};
use tandem::domain::plan::PlanBook;
use tandem::paths::Paths;
use tandem::store::Store;
use tempfile::TempDir;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[track_caller]
fn ok(out: &Output) -> String {
    assert!(out.status.success(), "stdout: {}\nstderr: {}", stdout(out), stderr(out));
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
    stdout(out)
}

/// Exit 1, no panic, a Dutch message containing each of `needles` (on either stream).
#[track_caller]
fn failed(out: &Output, needles: &[&str]) -> String {
    let (o, e) = (stdout(out), stderr(out));
    assert_eq!(out.status.code(), Some(1), "stdout: {o}\nstderr: {e}");
    assert!(!e.contains("panicked") && !o.contains("panicked"), "stdout: {o}\nstderr: {e}");
    assert!(e.starts_with("tandem: "), "stderr: {e}");
    let all = format!("{o}{e}");
    for needle in needles {
        assert!(all.contains(needle), "{needle:?} not in\nstdout: {o}\nstderr: {e}");
    }
    all
}

fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// A home made by `tandem demo`, working as `user`, syncing through `folder`.
fn home(seed: &str, cases: &str, user: &str, folder: &Path) -> TempDir {
    let home = tempfile::tempdir().unwrap();
    ok(&tandem(home.path(), &["demo", "--cases", cases, "--seed", seed]));
    let file = home.path().join("config/config.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("user = \"anna\"\n"), "{text}");
    let text = text.replacen("user = \"anna\"", &format!("user = \"{user}\""), 1);
    std::fs::write(&file, format!("{text}\n[sync]\nfolder = {:?}\n", folder.to_str().unwrap())).unwrap();
    home
}

/// This home's card, written to a file; returns the file and the member id.
fn card(home: &Path) -> (PathBuf, String) {
    let card = ok(&tandem(home, &["partner", "key"]));
    let file = home.join("kaart.txt");
    std::fs::write(&file, &card).unwrap();
    let member = card.lines().find_map(|l| l.strip_prefix("member = \"")).unwrap().trim_end_matches('"');
    (file, member.to_string())
}

fn trust(home: &Path, card: &Path, name: &str) {
    ok(&tandem(home, &["partner", "add", card.to_str().unwrap(), "--name", name, "--yes"]));
}

/// A and B trust each other; returns their member ids.
/// One folder, and A (the IB-er, 3 demo cases) and B (the wijkteam member) trusting
/// each other through it; `ids` are their member ids.
struct Homes {
    folder: TempDir,
    a: TempDir,
    b: TempDir,
    ids: (String, String),
}

impl Homes {
    fn paired() -> Homes {
        let folder = tempfile::tempdir().unwrap();
        let a = home("1", "3", "anna", folder.path());
        let b = home("2", "3", "youssef", folder.path());
        let ids = pair(a.path(), b.path());
        Homes { folder, a, b, ids }
    }

    fn paths(&self) -> (&Path, &Path, &Path) {
        (self.folder.path(), self.a.path(), self.b.path())
    }
}

fn pair(a: &Path, b: &Path) -> (String, String) {
    let ((card_a, id_a), (card_b, id_b)) = (card(a), card(b));
    trust(a, &card_b, "Youssef El Idrissi");
    trust(b, &card_a, "Anna Bakker");
    (id_a, id_b)
}

fn sync(home: &Path) -> Output {
    tandem(home, &["sync"])
}

fn list(home: &Path) -> String {
    ok(&tandem(home, &["list"]))
}

/// `tandem list` as rows of columns.
fn rows(home: &Path) -> Vec<Vec<String>> {
    list(home).lines().map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

fn row(home: &Path, id: CaseId) -> Vec<String> {
    let id = id.to_string();
    rows(home).into_iter().find(|r| r[0] == id).unwrap_or_else(|| panic!("{id} not in the list"))
}

/// The store of `home`, unlocked, saving its merge documents as the binary does.
fn store(home: &Path) -> (Store, Config) {
    let paths = Paths::under(home);
    let config = Config::load(&paths).unwrap().unwrap();
    let mut store = Store::open(&paths.store_dir()).unwrap();
    store.unlock(common::PASSPHRASE.as_bytes()).unwrap();
    if let Some(merging) = tandem::sync::merging(&store, &config, now()).unwrap() {
        store.set_merging(merging);
    }
    (store, config)
}

fn cases(home: &Path) -> Vec<(Case, Option<PlanBook>)> {
    let (store, _) = store(home);
    let mut out: Vec<_> = store.load_cases().unwrap().cases.into_iter().map(|c| (c.id, c)).collect();
    out.sort_by_key(|(id, _)| *id);
    out.into_iter().map(|(id, _)| (store.case(id).unwrap().unwrap(), store.plan(id).unwrap())).collect()
}

/// Edits case `id` in `home`'s store directly, as the TUI would save it.
fn edit(home: &Path, id: CaseId, f: impl FnOnce(&mut Case)) -> Case {
    let (store, config) = store(home);
    let mut case = store.case(id).unwrap().unwrap();
    f(&mut case);
    let change =
        Change { case: Some(id), at: now(), who: config.user.clone(), kind: ChangeKind::Edited { fields: vec![] } };
    store.save(&case, &change).unwrap()
}

/// The sync files in `folder`, by name.
fn files(folder: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tandem"))
        .collect();
    out.sort();
    out
}

/// The changes files `member` has in `folder` (not its `Taken` file).
fn changes_of(folder: &Path, member: &str) -> Vec<String> {
    files(folder).into_iter().filter(|n| n.starts_with(member) && !n.contains(".taken.")).collect()
}

/// A edits one of its cases and syncs: returns the file it wrote for B.
fn change_on(home: &Path, member: &str, folder: &Path, id: CaseId, groep: u8) -> String {
    let before = changes_of(folder, member);
    edit(home, id, |c| c.intake.groep = groep);
    ok(&sync(home));
    let new: Vec<String> = changes_of(folder, member).into_iter().filter(|n| !before.contains(n)).collect();
    assert_eq!(new.len(), 1, "one new file for the partner: {new:?}");
    new[0].clone()
}

/// Syncs A and B in turn until neither takes anything in.
fn settle(a: &Path, b: &Path) {
    for _ in 0..4 {
        let (ra, rb) = (ok(&sync(a)), ok(&sync(b)));
        if ra.starts_with("Niets nieuws") && rb.starts_with("Niets nieuws") {
            return;
        }
    }
    panic!("A and B kept exchanging changes");
}

/// Every way `secret` could be readable in a file: as UTF-8, lowercased, as UTF-16.
fn readable(bytes: &[u8], lower: &[u8], secret: &str) -> Option<&'static str> {
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    // Four bytes turn up by chance in a padded file's ciphertext about once in 65,000
    // files (a CI run once found "Luuk" so): shorter names are checked as part of the
    // full name, which is a secret too.
    if secret.len() < 5 {
        return None;
    }
    let utf16 = |be: bool| -> Vec<u8> {
        secret.encode_utf16().flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
    };
    if has(bytes, secret.as_bytes()) {
        return Some("UTF-8");
    }
    // Lowercase matches by chance in random bytes more often: longer secrets only.
    if secret.chars().count() >= 6 && has(lower, secret.to_lowercase().as_bytes()) {
        return Some("lowercase");
    }
    if has(bytes, &utf16(false)) || has(bytes, &utf16(true)) {
        return Some("UTF-16");
    }
    None
}

/// Names, notes and plan texts of every case of `home`, read through the library.
fn secrets(home: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (case, book) in cases(home) {
        let i = &case.intake;
        out.extend([i.first_name.clone(), i.last_name.clone(), case.pupil_name(), i.note.clone()]);
        for plan in book.iter().flat_map(|b| &b.versions) {
            out.extend(
                [&plan.betrokkenen, &plan.vraag, &plan.krachten, &plan.behoeften, &plan.factoren, &plan.zelf]
                    .into_iter()
                    .chain([&plan.criteria, &plan.delen])
                    .cloned(),
            );
            out.extend(plan.goals.iter().map(|g| g.text.clone()));
            out.extend(plan.actions.iter().map(|a| a.what.clone()));
        }
    }
    out.retain(|s| s.trim().chars().count() >= 4);
    out.sort();
    out.dedup();
    out
}

/// Reads every file in the folder as bytes: none of `secrets` may be readable.
fn assert_private(folder: &Path, secrets: &[String]) -> usize {
    let mut checked = 0;
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let lower = bytes.to_ascii_lowercase();
        for s in secrets {
            if let Some(how) = readable(&bytes, &lower, s) {
                panic!("{s:?} readable ({how}) in {}", path.display());
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn two_homes_share_their_cases_through_one_folder_and_see_each_others_edits() {
    let homes = Homes::paired();
    let (f, a, b) = homes.paths();
    let id_b = homes.ids.1.clone();
    let ours = cases(a);
    let theirs_before: Vec<String> = rows(b).into_iter().map(|r| r[0].clone()).collect();
    assert!(ours.iter().all(|(c, _)| !theirs_before.contains(&c.id.to_string())), "B starts without A's cases");

    let out = ok(&sync(a));
    assert!(out.contains("geschreven voor Youssef El Idrissi"), "{out}");
    let out = ok(&sync(b));
    assert!(out.contains("van Anna Bakker"), "{out}");

    // B lists A's cases under the same ids; without consent for the tandembespreking
    // (the identity part) as `anoniem`.
    let today = now().date();
    let mut anonymous = 0;
    for (case, _) in &ours {
        let r = row(b, case.id);
        let consented = consent::given(&case.consents, "tandembespreking", &case.intake, today);
        if consented {
            assert_eq!(r[1], case.pupil_name(), "{r:?}");
        } else {
            assert_eq!(r[1], "anoniem", "{r:?}");
            anonymous += 1;
        }
        assert_eq!(r[2], case.intake.groep.to_string(), "{r:?}");
    }
    assert!(anonymous > 0, "the demo has a case without consent");

    // B edits one of A's cases (one it holds only anonymously: its core travels).
    let (target, _) =
        ours.iter().find(|(c, _)| !consent::given(&c.consents, "tandembespreking", &c.intake, today)).unwrap();
    let groep = if target.intake.groep == 8 { 7 } else { target.intake.groep + 1 };
    let edited = edit(b, target.id, |c| c.intake.groep = groep);
    assert!(edited.copy.anonymous());
    let out = ok(&sync(b));
    assert!(out.contains("geschreven voor Anna Bakker"), "{out}");
    let out = ok(&sync(a));
    assert!(out.contains("van Youssef El Idrissi"), "{out}");
    let r = row(a, target.id);
    assert_eq!(r[2], groep.to_string(), "A sees B's edit: {r:?}");
    assert_eq!(r[1], target.pupil_name(), "A keeps the name B never had: {r:?}");
    let (store_a, _) = store(a);
    let history = store_a.history(target.id).unwrap();
    let received = history.iter().find(|c| matches!(&c.kind, ChangeKind::Received { from, .. } if *from == id_b));
    let received = received.unwrap_or_else(|| panic!("no Received entry from B: {history:?}"));
    assert_eq!(received.who, "Youssef El Idrissi", "recorded with its author");
    drop(store_a);
    settle(a, b);

    // B's own cases reached A too.
    let on_a: Vec<String> = rows(a).into_iter().map(|r| r[0].clone()).collect();
    for id in &theirs_before {
        assert!(on_a.contains(id), "{id} of B not on A");
    }

    let checked = assert_private(f, &secrets(a));
    assert!(checked >= 2, "{checked} files");
}

#[test]
fn nothing_readable_lies_in_the_folder_with_plans_and_consents() {
    let folder = tempfile::tempdir().unwrap();
    let f = folder.path();
    let a = home("1", "12", "anna", f);
    let b = home("2", "3", "youssef", f);
    let (a, b) = (a.path(), b.path());
    pair(a, b);
    let secrets = secrets(a);
    let (with_plan, _) = cases(a).into_iter().partition::<Vec<_>, _>(|(_, book)| book.is_some());
    assert!(!with_plan.is_empty(), "the demo has plans");
    ok(&sync(a));
    let files_a = files(f);
    ok(&sync(b));
    // The plans reached B where their consent holds: the check is not vacuous.
    let on_b = cases(b);
    let plans_on_b = on_b.iter().filter(|(c, book)| book.is_some() && with_plan.iter().any(|(p, _)| p.id == c.id));
    assert!(plans_on_b.count() > 0, "some plan travelled");
    assert!(files_a.len() >= 2, "{files_a:?}");
    assert!(assert_private(f, &secrets) >= 2);
    settle(a, b);
    assert_private(f, &secrets);
}

/// Everything that can be wrong with the folder or a file in it: exit 1 naming it, the
/// store unchanged, no panic; once the fault is gone the sync goes on.
#[test]
fn faults_are_told_naming_the_file_and_change_nothing() {
    let homes = Homes::paired();
    let (f, a, b) = homes.paths();
    let id_a = homes.ids.0.clone();
    ok(&sync(a));
    let first = changes_of(f, &id_a);
    assert_eq!(first.len(), 1, "{first:?}");
    let stash = tempfile::tempdir().unwrap();
    std::fs::copy(f.join(&first[0]), stash.path().join(&first[0])).unwrap();
    settle(a, b);
    let case = cases(a)[0].0.id;

    // A damaged change file: refused by name; once whole again it is taken.
    let name = change_on(a, &id_a, f, case, 2);
    let path = f.join(&name);
    let whole = std::fs::read(&path).unwrap();
    let mut damaged = whole.clone();
    let mid = damaged.len() / 2;
    for byte in &mut damaged[mid..mid + 16] {
        *byte ^= 0xA5;
    }
    std::fs::write(&path, &damaged).unwrap();
    let before = list(b);
    failed(&sync(b), &[&name, "geweigerd", "blijft staan"]);
    assert_eq!(list(b), before, "the store is unchanged");
    std::fs::write(&path, &whole).unwrap();
    ok(&sync(b));
    assert_eq!(row(b, case)[2], "2", "the repaired file was taken");
    settle(a, b);

    // A file signed by a key B never trusted: a third home that trusts B writes here.
    let c = home("3", "2", "marieke", f);
    let (card_b, _) = card(b);
    trust(c.path(), &card_b, "Youssef El Idrissi");
    let (_, id_c) = card(c.path());
    ok(&sync(c.path()));
    let foreign: Vec<String> = files(f).into_iter().filter(|n| n.starts_with(&id_c)).collect();
    assert!(!foreign.is_empty());
    let before = list(b);
    let all = failed(&sync(b), &["geweigerd", "niet (meer) als tandempartner"]);
    for name in &foreign {
        assert!(all.contains(name.as_str()), "{name} not named: {all}");
    }
    assert_eq!(list(b), before, "the store is unchanged");
    for name in &foreign {
        std::fs::remove_file(f.join(name)).unwrap();
    }

    // A replayed file: A's first file, taken and cleaned long ago, copied back (also as
    // a sync tool's conflict copy). Skipped: nothing changes, nothing is refused.
    assert!(!f.join(&first[0]).exists(), "A cleaned its first file up once B had it");
    std::fs::copy(stash.path().join(&first[0]), f.join(&first[0])).unwrap();
    let copy = first[0].replace(".tandem", " (1).tandem");
    std::fs::copy(stash.path().join(&first[0]), f.join(&copy)).unwrap();
    let before = list(b);
    let out = ok(&sync(b));
    assert!(!out.contains("geweigerd"), "{out}");
    assert_eq!(list(b), before, "a replayed file changes nothing");
    std::fs::remove_file(f.join(&first[0])).unwrap();
    std::fs::remove_file(f.join(&copy)).unwrap();

    // A missing folder (an unplugged USB stick): told by name, nothing changes.
    let gone = f.with_extension("weg");
    std::fs::rename(f, &gone).unwrap();
    let before = list(b);
    failed(&sync(b), &[f.to_str().unwrap(), "bestaat niet"]);
    assert_eq!(list(b), before);
    assert!(!f.exists(), "the missing folder is not made up");
    std::fs::rename(&gone, f).unwrap();

    // A read-only folder (skipped where the permissions do not bind, as for root).
    read_only_folder(a, b, f, case);

    // A removed partner: from then on A's files are refused on B.
    let removed = ok(&tandem(b, &["partner", "remove", &id_a]));
    assert!(removed.contains("volgende synchronisatie"), "{removed}");
    let name = change_on(a, &id_a, f, case, 6);
    let before = list(b);
    failed(&sync(b), &[&name, "geweigerd", "niet (meer) als tandempartner"]);
    assert_eq!(list(b), before, "nothing from a removed partner is taken");
    assert_ne!(row(b, case)[2], "6");
}

fn read_only_folder(a: &Path, b: &Path, f: &Path, case: CaseId) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = f.join("probe");
    if std::fs::write(&probe, b"x").is_ok() {
        std::fs::remove_file(&probe).unwrap();
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
        eprintln!("read-only folder not checked: this user may write into a folder with mode 0555");
        return;
    }
    edit(b, case, |c| c.intake.groep = 1);
    let before = list(b);
    let out = tandem(b, &["sync"]);
    std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
    failed(&out, &[f.to_str().unwrap(), "schrijven"]);
    assert_eq!(list(b), before);
    // What could not be written goes with the next sync.
    ok(&sync(b));
    ok(&sync(a));
    assert_eq!(row(a, case)[2], "1", "the edit went out once the folder was writable");
}

/// The same member on two laptops: A's home copied to A2 after it synced. Each writes
/// its own edit; the partner must be told, not take one laptop's file in the other's
/// place (they share file names and numbers).
#[test]
fn the_same_card_on_two_homes_is_told_and_loses_nothing() {
    let homes = Homes::paired();
    let (_, a, b) = homes.paths();
    let id_a = homes.ids.0.clone();
    settle(a, b);
    let a2 = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp").arg("-a").arg(format!("{}/.", a.display())).arg(a2.path()).status();
    assert!(status.unwrap().success());
    let a2 = a2.path();
    let ids: Vec<CaseId> = cases(a).into_iter().map(|(c, _)| c.id).collect();
    let (g0, g1) = (other_groep(&row(b, ids[0])), other_groep(&row(b, ids[1])));
    edit(a, ids[0], |c| c.intake.groep = g0);
    ok(&sync(a));
    edit(a2, ids[1], |c| c.intake.groep = g1);
    let mut outputs = Vec::new();
    for _ in 0..2 {
        for h in [a2, b, a] {
            let o = sync(h);
            outputs.push(format!("{}: exit {:?}\n{}{}", h.display(), o.status.code(), stdout(&o), stderr(&o)));
        }
    }
    let told = outputs
        .iter()
        .any(|o| o.contains("exit Some(1)") && (o.contains("twee laptops") || o.contains("andere laptop")));
    let (r0, r1) = (row(b, ids[0]), row(b, ids[1]));
    let (on_a, on_a2) = (row(a, ids[0]), row(a2, ids[0]));
    assert!(told, "nobody was told of the second copy of {id_a}:\n{}", outputs.join("\n"));
    assert_eq!(
        (r0[2].clone(), r1[2].clone()),
        (g0.to_string(), g1.to_string()),
        "B lost an edit (A shows {on_a:?}, A2 {on_a2:?}):\n{}",
        outputs.join("\n")
    );
}

fn other_groep(row: &[String]) -> u8 {
    let g: u8 = row[2].parse().unwrap();
    if g == 8 { 7 } else { g + 1 }
}

/// The same card on two homes, copied before either synced: each copy of the member
/// gets its own copy id, and the second laptop is told by name on both sides.
#[test]
fn the_same_card_copied_before_the_first_sync_is_refused_by_name() {
    let homes = Homes::paired();
    let (f, a, b) = homes.paths();
    let id_a = homes.ids.0.clone();
    let a2 = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp").arg("-a").arg(format!("{}/.", a.display())).arg(a2.path()).status();
    assert!(status.unwrap().success());
    let a2 = a2.path();
    ok(&sync(a));
    ok(&sync(b));
    let ours = files(f).into_iter().filter(|n| n.starts_with(&id_a)).collect::<Vec<_>>();
    // A2 finds A's files: its own member, another laptop (B's files it takes).
    let told = failed(&sync(a2), &["geweigerd", "andere laptop", "de rest is verwerkt"]);
    assert!(ours.iter().any(|n| told.contains(n.as_str())), "{ours:?} {told}");
    // A2's next file for B comes from another copy than the one B takes A's from.
    let id = cases(a2)[0].0.id;
    let g = other_groep(&row(a2, id));
    edit(a2, id, |c| c.intake.groep = g);
    let _ = sync(a2);
    edit(a2, id, |c| c.intake.groep = if g == 1 { 2 } else { g - 1 });
    let _ = sync(a2);
    let before = list(b);
    failed(&sync(b), &["geweigerd", "twee laptops"]);
    assert_eq!(list(b), before, "nothing of the second laptop is taken");
}
