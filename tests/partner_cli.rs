//! `tandem partner key/add/list/remove` in the real binary, on two homes: A prints its
//! card, B checks and trusts it, lists it and removes it; bad cards are refused.

mod common;

use std::path::Path;
use std::process::Output;

use common::tandem_cli as tandem;

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

#[track_caller]
fn ok(out: &Output) -> String {
    assert!(out.status.success(), "stdout: {}\nstderr: {}", stdout(out), stderr(out));
    stdout(out)
}

/// Exit 1 with one Dutch message containing `needle`, no panic.
#[track_caller]
fn refused(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stdout: {}\nstderr: {err}", stdout(out));
    assert!(err.starts_with("tandem: ") && err.contains(needle), "stderr: {err}");
    assert!(!err.contains("panicked"), "stderr: {err}");
}

fn home(seed: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    ok(&tandem(home.path(), &["demo", "--cases", "2", "--seed", seed]));
    home
}

fn card_of(home: &Path, into: &Path) -> String {
    let card = ok(&tandem(home, &["partner", "key"]));
    std::fs::write(into, &card).unwrap();
    card
}

fn add(home: &Path, card: &Path, yes: bool) -> Output {
    let file = card.to_str().unwrap();
    let mut args = vec!["partner", "add", file, "--name", "Joost Visser"];
    if yes {
        args.push("--yes");
    }
    tandem(home, &args)
}

fn field<'a>(card: &'a str, name: &str) -> &'a str {
    let line = card.lines().find(|l| l.starts_with(&format!("{name} = "))).unwrap();
    line.split('"').nth(1).unwrap()
}

#[test]
fn a_partner_card_is_printed_trusted_listed_and_removed() {
    let (a, b) = (home("1"), home("2"));
    let file = b.path().join("kaart.txt");
    let card = card_of(a.path(), &file);
    let again = card_of(a.path(), &b.path().join("again.txt"));
    for name in ["member", "signing_key", "recipient"] {
        assert_eq!(field(&again, name), field(&card, name), "{name} is made once");
    }
    let (id, fingerprint) = (field(&card, "member").to_string(), card.lines().nth(2).unwrap().to_string());
    assert!(fingerprint.starts_with("# Vingerafdruk: "), "{card}");
    let fingerprint = fingerprint.trim_start_matches("# Vingerafdruk: ").to_string();

    refused(&add(b.path(), &file, false), "--yes");
    assert!(ok(&tandem(b.path(), &["partner", "list"])).is_empty(), "nothing trusted without --yes");
    let added = ok(&add(b.path(), &file, true));
    assert!(added.contains("Joost Visser") && added.contains(&fingerprint), "{added}");
    refused(&add(b.path(), &file, true), "vertrouw je al");

    let list = ok(&tandem(b.path(), &["partner", "list"]));
    let row: Vec<&str> = list.lines().next().unwrap().split('\t').collect();
    assert_eq!(row[0], id);
    assert_eq!(row[1], "Joost Visser");
    assert_eq!(row[3], format!("{} (99XX)", field(&card, "school")));
    assert_eq!(row[4], fingerprint);
    assert!(chrono::NaiveDate::parse_from_str(row[5], "%d-%m-%Y").is_ok(), "{list}");

    refused(&tandem(b.path(), &["partner", "remove", "zzzz"]), "zzzz");
    let removed = ok(&tandem(b.path(), &["partner", "remove", &id[..5]]));
    assert!(removed.contains("volgende synchronisatie") && removed.contains("blijft"), "{removed}");
    assert!(ok(&tandem(b.path(), &["partner", "list"])).is_empty());
    let audit = ok(&tandem(b.path(), &["check"]));
    assert!(audit.contains("in orde"), "{audit}");
}

#[test]
fn bad_cards_are_refused_with_a_clear_message() {
    let (a, b) = (home("1"), home("2"));
    let file = b.path().join("kaart.txt");
    let card = card_of(a.path(), &file);
    let write = |name: &str, text: &[u8]| {
        let f = b.path().join(name);
        std::fs::write(&f, text).unwrap();
        f
    };

    let tampered = write("tampered.txt", card.replacen("IB-er", "IB-ex", 1).as_bytes());
    refused(&add(b.path(), &tampered, true), "handtekening");
    let truncated = write("truncated.txt", &card.as_bytes()[..card.len() / 2]);
    refused(&add(b.path(), &truncated, true), "onvolledig");
    refused(&add(b.path(), &write("garbage.txt", &[0x89, b'P', b'N', b'G', 0, 1, 2]), true), "geen partnerkaart");
    refused(&add(b.path(), &write("big.txt", &vec![b'#'; 17 * 1024]), true), "te groot");
    refused(&add(b.path(), &b.path().join("missing.txt"), true), "missing.txt");
    refused(&add(a.path(), &file, true), "eigen kaart");

    let config = b.path().join("config/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replacen(field(&card, "school"), "De Regenboog", 1)).unwrap();
    refused(&add(b.path(), &file, true), "De Regenboog");
    assert!(ok(&tandem(b.path(), &["partner", "list"])).is_empty(), "nothing was trusted");
}

/// A home whose store never got a passphrase: the commands that need its data fail
/// and say so, and `partner key > kaart.txt` writes no message into the card file.
#[test]
fn without_a_passphrase_yet_the_commands_fail_and_say_why() {
    let set_up = tempfile::tempdir().unwrap();
    ok(&tandem(set_up.path(), &["demo", "--cases", "2", "--seed", "1"]));
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(set_up.path().join("config/config.toml"), config.join("config.toml")).unwrap();
    for args in [&["partner", "key"][..], &["partner", "list"], &["export"], &["agenda"], &["audit", "verify"]] {
        let out = tandem(home.path(), args);
        refused(&out, "nog geen wachtwoordzin");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}
