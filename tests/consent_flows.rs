//! Recording consent by keys: who gave, refused or withdrew it, for a child whose age
//! asks for the parents with gezag and the child; the gate opens only when each of them
//! gave it, and the history names the purpose, not its id.

mod common;

use chrono::NaiveDate;
use common::{Harness, now};
use crossterm::event::KeyCode::{Backspace, Char, Tab};
use tandem::domain::case::{CaseId, Gezag};
use tandem::domain::consent::{self, Decision, Party};

/// A demo case at S2 made into a 13-year-old whose two parents have gezag.
fn teenager(h: &mut Harness) -> CaseId {
    let id = h.case_at("S2");
    let case = h.model.cases.get_mut(&id).unwrap();
    case.intake.gezag = Gezag::BothParents;
    case.intake.birth_date = NaiveDate::from_ymd_opt(2013, 5, 1).unwrap();
    case.consents.clear();
    id
}

/// Opens the consent screen and fills purpose, decision and form; leaves the focus on
/// "who" with everyone required checked.
fn consent_form(h: &mut Harness, decision: &[crossterm::event::KeyCode]) {
    h.key(Char('t'));
    h.keys(&[Char('d'), Tab]);
    h.keys(decision);
    h.keys(&[Tab, Char('m'), Tab]);
}

#[test]
fn each_party_decides_and_the_gate_needs_all_of_them() {
    let mut h = Harness::with_cases(60, 100, 40);
    let id = teenager(&mut h);
    h.open_case(id);
    consent_form(&mut h, &[]);
    let screen = h.text();
    assert!(screen.contains("ouder 1 (gezag)") && screen.contains("ouder 2 (gezag)"), "{screen}");
    assert!(screen.contains("het kind"), "13: the child decides too: {screen}");

    // Both parents give it; the child is not asked yet.
    h.key(Char('3'));
    h.ctrl('s');
    let on = now().date();
    let case = h.model.cases.get(&id).unwrap();
    let c = case.consents.last().unwrap();
    assert_eq!(
        (c.decision, c.parties.as_slice()),
        (Decision::Given, [Party::FirstParent, Party::SecondParent].as_slice())
    );
    assert!(!consent::given(&case.consents, "delen_wijkteam", &case.intake, on), "the child's consent is missing");

    // The child refuses.
    consent_form(&mut h, &[Char('g')]);
    h.keys(&[Char('1'), Char('2')]);
    h.ctrl('s');
    let case = h.model.cases.get(&id).unwrap();
    let c = case.consents.last().unwrap();
    assert_eq!((c.decision, c.parties.as_slice()), (Decision::Refused, [Party::Child].as_slice()));
    assert!(!consent::given(&case.consents, "delen_wijkteam", &case.intake, on));
    let screen = h.text();
    assert!(screen.contains("toestemming geweigerd: delen met wijkteam"), "{screen}");
    assert!(screen.contains("toestemming gegeven: delen met wijkteam"), "{screen}");
    assert!(!screen.contains("delen_wijkteam"), "no ids in the history: {screen}");

    // Later the child agrees: now consent holds.
    consent_form(&mut h, &[]);
    h.keys(&[Char('1'), Char('2')]);
    h.ctrl('s');
    let case = h.model.cases.get(&id).unwrap();
    assert!(consent::given(&case.consents, "delen_wijkteam", &case.intake, on), "{:?}", case.consents);
    let stored = h.store.case(id).unwrap().unwrap();
    assert_eq!(stored.consents, case.consents, "stored as recorded");
}

#[test]
fn nobody_or_someone_whose_consent_did_not_count_then_is_refused() {
    let mut h = Harness::with_cases(60, 100, 40);
    let id = teenager(&mut h);
    h.open_case(id);
    consent_form(&mut h, &[]);
    h.keys(&[Char('1'), Char('2'), Char('3')]);
    h.ctrl('s');
    assert!(h.text().contains("kies wie dit besluit nam"), "{}", h.text());

    // On 01-01-2025 the child was 11: only the parents decided then.
    h.keys(&[Char('1'), Char('2'), Char('3'), Tab]);
    for _ in 0..10 {
        h.key(Backspace);
    }
    h.type_text("01-01-2025");
    h.ctrl('s');
    assert!(h.text().contains("op deze datum telt het besluit van deze persoon niet"), "{}", h.text());
    assert!(h.model.cases.get(&id).unwrap().consents.is_empty(), "nothing recorded");
}
