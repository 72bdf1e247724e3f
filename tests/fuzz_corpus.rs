//! Replays the fuzz corpora (fuzz/corpus/) through the bundle reader, so what the fuzzer
//! found once stays fixed: every file opens or is refused with an error, never a panic.
//! Run the fuzzer itself by hand: see fuzz/README.md.

use std::io::Write;
use std::path::Path;

use tandem::bundle::{self, SwvIdentity, TeamKey};

mod fixture {
    include!("../fuzz/fixture.rs");
}

fn corpus(name: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the corpus {name} is empty");
    files
}

fn keys() -> (SwvIdentity, TeamKey) {
    (SwvIdentity::parse(fixture::FUZZ_IDENTITY).unwrap(), TeamKey::parse(fixture::FUZZ_TEAM_KEY).unwrap())
}

#[test]
fn bundle_corpus_opens_or_is_refused() {
    let (identity, team) = keys();
    for (name, data) in corpus("bundle") {
        let result = bundle::open(&data, &identity, std::slice::from_ref(&team));
        assert_eq!(result.is_ok(), name.starts_with("valid"), "{name}: {:?}", result.err());
    }
}

#[test]
fn archive_corpus_behind_the_encryption_opens_or_is_refused() {
    let (identity, team) = keys();
    let recipient: age::x25519::Recipient = fixture::FUZZ_RECIPIENT.parse().unwrap();
    for (name, data) in corpus("bundle_archive") {
        let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).unwrap();
        let mut sealed = Vec::new();
        let mut writer = encryptor.wrap_output(&mut sealed).unwrap();
        writer.write_all(&data).unwrap();
        writer.finish().unwrap();
        let result = bundle::open(&sealed, &identity, std::slice::from_ref(&team));
        assert_eq!(result.is_ok(), name.starts_with("valid"), "{name}: {:?}", result.err());
    }
}
