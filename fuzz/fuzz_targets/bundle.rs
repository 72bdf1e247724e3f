//! Any bytes as a bundle file. `open` must return an error or the payload, never panic,
//! and never take memory out of proportion to the input.
//!
//! Random bytes almost never get past age's header, so this target mostly exercises the
//! age layer; `bundle_archive` fuzzes what lies inside the encryption.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tandem::bundle::{self, SwvIdentity, TeamKey};

mod fixture {
    include!("../fixture.rs");
}

static KEYS: LazyLock<(SwvIdentity, TeamKey)> = LazyLock::new(|| {
    let identity = SwvIdentity::parse(fixture::FUZZ_IDENTITY).expect("the fixture identity parses");
    let team = TeamKey::parse(fixture::FUZZ_TEAM_KEY).expect("the fixture team key parses");
    (identity, team)
});

fuzz_target!(|data: &[u8]| {
    let (identity, team) = &*KEYS;
    if let Ok((payload, index)) = bundle::open(data, identity, std::slice::from_ref(team)) {
        assert_eq!(index, 0);
        assert!(payload.len() as u64 <= bundle::MAX_PAYLOAD);
    }
});
