//! Any bytes as the *decrypted* content of a bundle: the input is encrypted to the fixture
//! SWV first, so every run reaches the tar reader and the signature check that random
//! bytes could never reach through the encryption. Seeds: plaintext tar archives.
#![no_main]

use std::io::Write;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tandem::bundle::{self, SwvIdentity, TeamKey};

mod fixture {
    include!("../fixture.rs");
}

static KEYS: LazyLock<(SwvIdentity, TeamKey, age::x25519::Recipient)> = LazyLock::new(|| {
    let identity = SwvIdentity::parse(fixture::FUZZ_IDENTITY).expect("the fixture identity parses");
    let team = TeamKey::parse(fixture::FUZZ_TEAM_KEY).expect("the fixture team key parses");
    let recipient = fixture::FUZZ_RECIPIENT.parse().expect("the fixture recipient parses");
    (identity, team, recipient)
});

fuzz_target!(|data: &[u8]| {
    let (identity, team, recipient) = &*KEYS;
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient)).expect("one recipient");
    let mut sealed = Vec::new();
    let mut writer = encryptor.wrap_output(&mut sealed).expect("writing to memory");
    writer.write_all(data).expect("writing to memory");
    writer.finish().expect("writing to memory");

    match bundle::open(&sealed, identity, std::slice::from_ref(team)) {
        Ok((payload, index)) => {
            assert_eq!(index, 0);
            assert!(payload.len() as u64 <= bundle::MAX_PAYLOAD);
        }
        // The encryption is sound, so only what is inside it can be wrong.
        Err(e) => assert!(
            matches!(
                e,
                bundle::BundleError::NotABundle
                    | bundle::BundleError::BadSignature
                    | bundle::BundleError::UnknownSigner { .. }
            ),
            "{e:?}"
        ),
    }
});
