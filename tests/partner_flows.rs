//! The partner screen as a user drives it: adding a partner from their card file after
//! comparing the fingerprint, a card that is no card, and choosing the shared folder
//! (made and checked by the worker, written to config.toml, a sync at once).

mod common;

use common::Harness;
use crossterm::event::KeyCode::{Char, Enter, Esc, Tab};
use tandem::config::Config;
use tandem::partners::{self, Card};
use tandem::store::Store;
use tandem::store::crypto::KdfParams;

/// A wijkteam member's card, made on their own store, written to `dir/kaart.txt`.
fn partner_card(dir: &std::path::Path) -> (Card, std::path::PathBuf) {
    let mut store = Store::open(&dir.join("store")).unwrap();
    store.create_key(common::PASSPHRASE.as_bytes(), KdfParams::cheap().unwrap(), "youssef", common::now()).unwrap();
    let mut config = Config::demo().unwrap();
    config.user = "youssef".into();
    let member = partners::member(&store, "youssef", common::now()).unwrap();
    let card = Card::own(&member, &config);
    let file = dir.join("kaart.txt");
    std::fs::write(&file, card.render(&member).unwrap()).unwrap();
    (card, file)
}

/// On the partner screen, the add form filled in and read.
fn read_card(h: &mut Harness, file: &std::path::Path, name: &str) {
    h.key(Char('T'));
    h.key(Char('n'));
    assert!(h.text().contains("Partner toevoegen"), "{}", h.text());
    h.type_text(file.to_str().unwrap());
    h.key(Tab);
    h.type_text(name);
    h.keys(&[Enter, Enter]);
}

#[test]
fn a_partner_is_added_from_their_card_once_the_fingerprint_is_confirmed() {
    let mut h = Harness::with_cases(3, 120, 40);
    let dir = tempfile::tempdir().unwrap();
    let (card, file) = partner_card(dir.path());
    read_card(&mut h, &file, "Joost Visser");
    let screen = h.text();
    assert!(screen.contains("Vingerafdruk vergelijken") && screen.contains(&card.fingerprint()), "{screen}");
    assert!(h.store.partners().unwrap().is_empty(), "nothing trusted before the j");

    h.key(Char('j'));
    let partners = h.store.partners().unwrap();
    assert_eq!(partners.len(), 1);
    assert_eq!((partners[0].id.as_str(), partners[0].name.as_str()), (card.member.as_str(), "Joost Visser"));
    let screen = h.text();
    assert!(
        screen.contains("Tandempartners") && screen.contains("Joost Visser"),
        "back on the partner screen: {screen}"
    );
    assert!(screen.contains("is toegevoegd als tandempartner"), "{screen}");
}

#[test]
fn the_own_card_is_saved_from_the_partner_screen_and_a_partner_can_add_it() {
    let mut h = Harness::with_cases(3, 120, 40);
    let dir = tempfile::tempdir().unwrap();
    h.key(Char('T'));
    assert!(h.text().contains("b bewaart hem als bestand"), "{}", h.text());
    h.key(Char('b'));
    assert!(h.text().contains("Je kaart bewaren") && h.text().contains("~/tandem-kaart.txt"), "{}", h.text());

    // Over a file that is not this card: refused, the file kept, the form open.
    let letter = dir.path().join("brief.txt");
    std::fs::write(&letter, "Beste ouders,").unwrap();
    h.ctrl('u');
    h.type_text(letter.to_str().unwrap());
    h.keys(&[Enter, Enter]);
    assert!(h.text().contains("staat al iets anders") && h.text().contains("Kies een andere naam"), "{}", h.text());
    assert_eq!(std::fs::read_to_string(&letter).unwrap(), "Beste ouders,");

    let file = dir.path().join("kaart.txt");
    h.ctrl('u');
    h.type_text(file.to_str().unwrap());
    h.keys(&[Enter, Enter]);
    let card = partners::read_card(&file).unwrap();
    let screen = h.text();
    assert!(screen.contains("Tandempartners") && screen.contains("Je kaart staat in"), "{screen}");
    assert!(screen.contains(&card.fingerprint()), "the fingerprint to compare: {screen}");

    // The partner's copy reads it as a card of another member.
    let mut partner = Harness::with_cases(1, 120, 40);
    partner.model.config.user = "youssef".into();
    read_card(&mut partner, &file, "Anna Bakker");
    assert!(partner.text().contains(&card.fingerprint()), "{}", partner.text());
}

#[test]
fn a_fingerprint_that_does_not_match_adds_nothing_and_a_bad_card_says_why() {
    let mut h = Harness::with_cases(3, 120, 40);
    let dir = tempfile::tempdir().unwrap();
    let (_, file) = partner_card(dir.path());
    read_card(&mut h, &file, "Joost Visser");
    h.key(Char('n'));
    assert!(h.text().contains("Niet toegevoegd"), "{}", h.text());
    assert!(h.store.partners().unwrap().is_empty());
    h.key(Esc);
    h.key(Char('j'));

    let garbage = dir.path().join("foto.jpg");
    std::fs::write(&garbage, b"\xff\xd8\xff\xe0 geen kaart").unwrap();
    h.key(Esc);
    read_card(&mut h, &garbage, "Joost Visser");
    let screen = h.text();
    assert!(screen.contains("geen partnerkaart"), "{screen}");
    assert!(screen.contains("Partner toevoegen"), "the form stays open to pick another file: {screen}");
    assert!(h.store.partners().unwrap().is_empty());
}

#[test]
fn the_shared_folder_is_chosen_on_the_partner_screen_and_a_sync_runs() {
    let mut h = Harness::with_cases(3, 120, 40);
    let share = tempfile::tempdir().unwrap();
    h.key(Char('T'));
    assert!(h.text().contains("Nog geen gedeelde map"), "{}", h.text());
    h.key(Char('s'));
    assert!(h.text().contains("nog geen gedeelde map"), "sync without a folder says why: {}", h.text());

    // A folder whose parent is missing (an unplugged stick) is refused, nothing saved.
    h.key(Char('e'));
    h.type_text("/media/usb-die-er-niet-is/tandem");
    h.keys(&[Enter, Enter]);
    assert!(h.text().contains("bestaat niet"), "{}", h.text());
    assert!(h.model.config.sync.is_none());

    // Its last part missing: made.
    let folder = share.path().join("tandem-samen");
    h.key(Esc);
    h.key(Char('j'));
    h.key(Char('e'));
    h.type_text(folder.to_str().unwrap());
    h.keys(&[Enter, Enter]);
    assert!(folder.is_dir());
    assert_eq!(h.model.config.sync.as_ref().map(|s| s.folder.clone()), Some(folder.clone()));
    let written = Config::load(&h.paths).unwrap().unwrap();
    assert_eq!(written.sync.map(|s| s.folder), Some(folder.clone()), "config.toml has [sync] folder");
    let screen = h.text();
    assert!(screen.contains("De gedeelde map is nu"), "{screen}");
    assert!(screen.contains("Gedeelde map:") && screen.contains("gesynchroniseerd"), "{screen}");
    assert!(h.model.sync.last.is_some(), "a sync ran at once");
}

#[test]
fn the_first_start_takes_the_shared_folder_too() {
    let mut h = Harness::first_start(100, 40);
    let share = tempfile::tempdir().unwrap();
    let folder = share.path().join("samen");
    h.type_text("OBS De Regenboog");
    h.keys(&[Tab, Tab]);
    h.type_text("Anna Bakker");
    h.keys(&[Tab, Tab]);
    h.type_text("Joost Visser");
    assert!(h.text().contains("Gedeelde map met je partners"), "{}", h.text());
    for _ in 0..11 {
        h.key(Tab);
    }
    h.type_text(folder.to_str().unwrap());
    h.ctrl('s');
    assert!(h.model.screens.is_empty(), "{}", h.text());
    let written = Config::load(&h.paths).unwrap().unwrap();
    assert_eq!(written.sync.map(|s| s.folder), Some(folder.clone()));
    assert!(folder.is_dir(), "made by the worker");
}
