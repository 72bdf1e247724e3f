//! Issue 13's property test: three copies (the IB-er, the wijkteam member and leerplicht,
//! all trusting each other) share a few cases with every consent given, so every part
//! travels. Random edits of every kind on random copies (intake fields, text typed into
//! the note and into plan texts, a step's recorded values, consents, absences,
//! escalations, plan actions, one date set differently on two copies, forms opened
//! before a sync and saved after it), syncs at skewed clocks (± a day per copy), and the
//! folder doing what sync tools do: files held back and delivered later, duplicated as
//! "(1)" conflict copies, an old version coming back. Afterwards, synced until quiet:
//! every copy holds the same cases and plans, every edit is there or shown as a clash,
//! and no file was ever refused.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};
use serde_json::Value as Json;
use tandem::config::{Config, SyncSettings};
use tandem::domain::case::{Case, CaseId, DomainTag, Gezag, Intake, SignalSource};
use tandem::domain::consent::{Consent, ConsentForm, Decision};
use tandem::domain::escalation::{Absence, Domain, Escalation, Level, Reason, Rung};
use tandem::domain::history::{Change, ChangeKind};
use tandem::domain::plan::{Action, ActionStatus, Context, Plan, PlanBook};
use tandem::domain::route::{Value, Values, Visit};
use tandem::domain::share::Part;
use tandem::partners::{self, Card};
use tandem::store::Store;
use tandem::store::crypto::KdfParams;
use tandem::sync;
use tempfile::TempDir;

const USERS: [&str; 3] = ["anna", "youssef", "marieke"];
const CONSENTS: [&str; 3] = ["tandembespreking", "delen_wijkteam", "gezamenlijk_plan"];
/// The step whose recorded values the cases hold (its records travel with the notes).
const STEP: &str = "S4";
const STEP_FIELDS: [&str; 2] = ["onderwijsbehoeften", "factoren"];
/// A step's free text, typed into on two copies.
const TEXT_FIELD: &str = "eerdere_hulp";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn t0() -> NaiveDateTime {
    day(2026, 11, 10).and_hms_opt(9, 0, 0).unwrap()
}

struct Copy {
    store: Store,
    config: Config,
    /// This laptop's clock is off by this much.
    skew: Duration,
    /// A case form opened earlier and not saved yet: the case and plan as read then,
    /// and per single value what this copy showed then (see `Model::seen`).
    form: Option<Form>,
    _dir: TempDir,
}

struct Form {
    case: usize,
    record: Case,
    book: Option<PlanBook>,
    seen: Vec<Vec<Json>>,
}

impl Copy {
    fn new(user: &str, folder: &Path, skew: Duration) -> Copy {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let at = t0() + skew;
        store.create_key(common::PASSPHRASE.as_bytes(), KdfParams::cheap().unwrap(), user, at).unwrap();
        let mut config = Config::demo().unwrap();
        config.user = user.into();
        config.sync = Some(SyncSettings { folder: folder.to_path_buf() });
        let merging = sync::merging(&store, &config, at).unwrap().unwrap();
        store.set_merging(merging);
        Copy { store, config, skew, form: None, _dir: dir }
    }

    fn clock(&self, step: usize) -> NaiveDateTime {
        t0() + Duration::minutes(10 * step as i64) + self.skew
    }

    fn case(&self, id: CaseId) -> Case {
        self.store.case(id).unwrap().expect("the case is on every copy")
    }

    fn book(&self, id: CaseId) -> PlanBook {
        self.store.plan(id).unwrap().expect("the plan is on every copy")
    }

    fn save(&self, case: &Case, step: usize) -> Case {
        let change = Change {
            case: Some(case.id),
            at: self.clock(step),
            who: self.config.user.clone(),
            kind: ChangeKind::Edited { fields: Vec::new() },
        };
        match self.store.save(case, &change) {
            Ok(saved) => saved,
            Err(e) => panic!("{}: save of a case read at revision {} refused: {e:?}", self.config.user, case.revision),
        }
    }

    /// Saves a plan read just now, based on the heads it was read at.
    fn save_plan(&self, id: CaseId, book: &PlanBook) {
        if let Err(e) = self.store.save_plan(id, book, None) {
            panic!("{}: plan save refused: {e:?}", self.config.user);
        }
    }

    fn sync(&self, step: usize) -> sync::Report {
        let report = sync::run(&self.store, &self.config, self.clock(step)).unwrap();
        assert!(report.refused.is_empty(), "{} refused {:?}", self.config.user, report.refused);
        report
    }
}

fn pair(a: &Copy, b: &Copy) {
    for (from, to) in [(a, b), (b, a)] {
        let member = partners::member(&from.store, &from.config.user, t0()).unwrap();
        let card = Card::parse(Card::own(&member, &from.config).render(&member).unwrap().as_bytes()).unwrap();
        let name = from.config.team.name_of(&from.config.user).to_string();
        partners::trust(&to.store, &card, &name, &to.config.user, t0()).unwrap();
    }
}

// ---- What an edit touches -------------------------------------------------------

/// The single values edited: concurrent values for one of them must clash.
#[derive(Debug, Clone, Copy)]
enum Single {
    Due,
    FirstName,
    LastName,
    StepValue(usize),
}

const SINGLES: [Single; 5] =
    [Single::Due, Single::FirstName, Single::LastName, Single::StepValue(0), Single::StepValue(1)];

impl Single {
    fn part(self) -> Part {
        match self {
            Single::Due => Part::Core,
            Single::FirstName | Single::LastName => Part::Identity,
            Single::StepValue(_) => Part::Notes,
        }
    }

    /// Where the value sits in its part's document.
    fn path(self) -> String {
        match self {
            Single::Due => "/due".into(),
            Single::FirstName => "/intake/first_name".into(),
            Single::LastName => "/intake/last_name".into(),
            Single::StepValue(i) => format!("/visits/0/{}/v", STEP_FIELDS[i]),
        }
    }

    fn get(self, case: &Case) -> Json {
        match self {
            Single::Due => serde_json::to_value(case.due).unwrap(),
            Single::FirstName => Json::from(case.intake.first_name.clone()),
            Single::LastName => Json::from(case.intake.last_name.clone()),
            Single::StepValue(i) => match case.visits[0].values.get(STEP_FIELDS[i]) {
                Some(Value::Choice(s)) => Json::from(s.clone()),
                other => panic!("{other:?}"),
            },
        }
    }

    /// Sets a value no other edit sets (`n` is unique per edit).
    fn set(self, case: &mut Case, n: usize) -> Json {
        match self {
            Single::Due => case.due = Some(day(2027, 1, 1) + Duration::days(n as i64)),
            Single::FirstName => case.intake.first_name = format!("Zoë{n}"),
            Single::LastName => case.intake.last_name = format!("de Wit-{n}"),
            Single::StepValue(i) => {
                // A choice: one value (a step's free text merges by character instead).
                case.visits[0].values.insert(STEP_FIELDS[i].into(), Value::Choice(format!("Renée zegt {n}")))
            }
        }
        self.get(case)
    }

    /// The value shown and every value it clashes with, as this record holds them.
    fn seen(self, case: &Case) -> Vec<Json> {
        let mut out = vec![self.get(case)];
        for clash in case.copy.clashes.iter().filter(|c| c.part == self.part() && c.path == self.path()) {
            out.extend(clash.values.iter().map(|v| serde_json::from_str::<Json>(v).unwrap()));
        }
        out
    }
}

/// The free texts typed into: only insertions, each a token no other edit types.
#[derive(Debug, Clone, Copy)]
enum Text {
    Note,
    Vraag,
    Krachten,
}

const TEXTS: [Text; 3] = [Text::Note, Text::Vraag, Text::Krachten];
const INITIAL: [&str; 3] = ["Begin van het gesprek. ", "Wat is de vraag? ", "Sterk in tekenen. "];

impl Text {
    fn index(self) -> usize {
        self as usize
    }

    fn in_case(self) -> bool {
        matches!(self, Text::Note)
    }

    fn get<'a>(self, case: &'a Case, book: &'a PlanBook) -> &'a str {
        match self {
            Text::Note => &case.intake.note,
            Text::Vraag => &book.versions[0].vraag,
            Text::Krachten => &book.versions[0].krachten,
        }
    }

    fn get_mut<'a>(self, case: &'a mut Case, book: &'a mut PlanBook) -> &'a mut String {
        match self {
            Text::Note => &mut case.intake.note,
            Text::Vraag => &mut book.versions[0].vraag,
            Text::Krachten => &mut book.versions[0].krachten,
        }
    }
}

/// Types `token` at one of the places between tokens (`at` picks which): typing inside
/// another's token would make the tokens unrecognisable, not wrong.
fn type_into(text: &mut String, token: &str, at: usize) {
    let mut places = vec![0, text.len()];
    places.extend(text.match_indices('»').map(|(i, s)| i + s.len()));
    places.sort();
    places.dedup();
    text.insert_str(places[at % places.len()], token);
}

/// The lists items are added to: concurrent additions must all survive.
#[derive(Debug, Clone, Copy)]
enum List {
    Consents,
    Absences,
    Escalations,
    Actions,
}

const LISTS: [List; 4] = [List::Consents, List::Absences, List::Escalations, List::Actions];

impl List {
    /// Adds the item with key `n`; returns how it is found back.
    fn add(self, case: &mut Case, book: &mut PlanBook, n: usize, who: &str) -> String {
        let key = format!("{who}#{n}");
        match self {
            List::Consents => {
                let purpose = CONSENTS[n % CONSENTS.len()];
                let on = day(2026, 10, 15);
                case.consents.push(Consent::by_all(
                    purpose,
                    Decision::Given,
                    ConsentForm::Oral,
                    &case.intake,
                    on,
                    &key,
                ));
            }
            List::Absences => {
                case.absences.push(Absence { from: day(2025, 1, 1) + Duration::days(n as i64), to: None })
            }
            List::Escalations => case.escalations.push(Escalation {
                reason: Reason::Disagree,
                rungs: vec![Rung {
                    level: Level::E1,
                    domain: Domain::Both,
                    opened: day(2026, 11, 1),
                    asked_by: who.into(),
                    question: format!("Wie betaalt? {key}"),
                    deciders: Vec::new(),
                    due: None,
                    decision: None,
                    gemeente: None,
                }],
            }),
            List::Actions => book.versions[0].actions.push(Action {
                what: format!("Gesprek met Zoë {key}"),
                party: None,
                person: String::new(),
                by: None,
                status: ActionStatus::Planned,
                goal: None,
            }),
        }
        key
    }

    fn in_case(self) -> bool {
        !matches!(self, List::Actions)
    }

    fn holds(self, case: &Case, book: &PlanBook, key: &str) -> bool {
        match self {
            List::Consents => case.consents.iter().any(|c| c.recorded_by == key),
            List::Absences => {
                let n: i64 = key.split('#').nth(1).unwrap().parse().unwrap();
                case.absences.iter().any(|a| a.from == day(2025, 1, 1) + Duration::days(n))
            }
            List::Escalations => case.escalations.iter().any(|e| e.rungs[0].question == format!("Wie betaalt? {key}")),
            List::Actions => book.versions[0].actions.iter().any(|a| a.what == format!("Gesprek met Zoë {key}")),
        }
    }
}

// ---- The model: what was done, to check the end state against ---------------------

/// One edit of a single value: the value set, and the values its copy showed then.
type Edit = (Json, Vec<Json>);

#[derive(Default)]
struct Model {
    /// A counter that makes every edit's value unique.
    n: usize,
    /// Per case and single value: each edit's value and the values its copy showed (the
    /// value and those clashing with it) when the edit was made: those it replaces.
    singles: BTreeMap<(usize, usize), Vec<Edit>>,
    /// Per case and text: the tokens typed.
    tokens: BTreeMap<(usize, usize), Vec<String>>,
    /// Items added: case, list, key.
    items: Vec<(usize, usize, String)>,
}

impl Model {
    fn next(&mut self) -> usize {
        self.n += 1;
        self.n
    }

    /// The edits of one single value that no other edit replaced (knew of): each must be
    /// the value shown or among the values of its clash.
    fn standing(edits: &[Edit]) -> Vec<Json> {
        // What each edit knew of, transitively (values are unique per edit).
        let by_value: BTreeMap<String, usize> =
            edits.iter().enumerate().map(|(i, (v, _))| (v.to_string(), i)).collect();
        let mut known = vec![vec![false; edits.len()]; edits.len()];
        for (i, (_, seen)) in edits.iter().enumerate() {
            let mut todo: Vec<usize> = seen.iter().filter_map(|v| by_value.get(&v.to_string()).copied()).collect();
            while let Some(j) = todo.pop() {
                if j == i || known[i][j] {
                    continue;
                }
                known[i][j] = true;
                todo.extend(edits[j].1.iter().filter_map(|v| by_value.get(&v.to_string()).copied()));
            }
        }
        (0..edits.len()).filter(|&j| !(0..edits.len()).any(|i| known[i][j])).map(|j| edits[j].0.clone()).collect()
    }
}

// ---- Operations -----------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    /// Sets a single value on a copy.
    Set {
        copy: usize,
        case: usize,
        single: usize,
    },
    /// The same value set to different values on two copies before either syncs.
    SetBoth {
        copies: (usize, usize),
        case: usize,
        single: usize,
    },
    /// Types into a free text.
    Type {
        copy: usize,
        case: usize,
        text: usize,
        at: usize,
    },
    /// Two copies type into the same text before either syncs.
    TypeBoth {
        copies: (usize, usize),
        case: usize,
        text: usize,
        at: usize,
    },
    Add {
        copy: usize,
        case: usize,
        list: usize,
    },
    /// Opens a case form (the record and plan as they are now).
    Open {
        copy: usize,
        case: usize,
    },
    /// Changes what the open form holds and saves it (whatever came in since).
    SaveForm {
        copy: usize,
        what: usize,
        at: usize,
    },
    Sync {
        copy: usize,
    },
    /// A sync tool holds a file back (moved out of the folder).
    Hold {
        pick: usize,
    },
    /// A held file arrives (as a conflict copy when the name is taken meanwhile).
    Release {
        pick: usize,
    },
    /// A sync tool makes a "(1)" copy of a file.
    Duplicate {
        pick: usize,
    },
}

fn two() -> impl Strategy<Value = (usize, usize)> {
    (0..3usize, 1..3usize).prop_map(|(a, d)| (a, (a + d) % 3))
}

fn op(cases: usize) -> impl Strategy<Value = Op> {
    let c = 0..3usize;
    let k = 0..cases;
    prop_oneof![
        3 => (c.clone(), k.clone(), 0..SINGLES.len()).prop_map(|(copy, case, single)| Op::Set { copy, case, single }),
        1 => (two(), k.clone(), 0..SINGLES.len()).prop_map(|(copies, case, single)| Op::SetBoth { copies, case, single }),
        3 => (c.clone(), k.clone(), 0..TEXTS.len(), any::<usize>())
            .prop_map(|(copy, case, text, at)| Op::Type { copy, case, text, at }),
        2 => (two(), k.clone(), 0..TEXTS.len(), any::<usize>())
            .prop_map(|(copies, case, text, at)| Op::TypeBoth { copies, case, text, at }),
        2 => (c.clone(), k.clone(), 0..LISTS.len()).prop_map(|(copy, case, list)| Op::Add { copy, case, list }),
        1 => (c.clone(), k).prop_map(|(copy, case)| Op::Open { copy, case }),
        2 => (c.clone(), any::<usize>(), any::<usize>()).prop_map(|(copy, what, at)| Op::SaveForm { copy, what, at }),
        5 => c.prop_map(|copy| Op::Sync { copy }),
        2 => any::<usize>().prop_map(|pick| Op::Hold { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Release { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Duplicate { pick }),
    ]
}

struct World {
    copies: Vec<Copy>,
    ids: Vec<CaseId>,
    folder: TempDir,
    held: TempDir,
    model: Model,
    step: usize,
    /// Also keep plan editors open across syncs (one in-memory book saved again and
    /// again), and save forms read after a sync after the next.
    all_forms: bool,
}

fn tandem_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tandem"))
        .collect();
    out.sort();
    out
}

/// `name.tandem` → `name (1).tandem` (or the first free number), as sync tools do.
fn conflict_copy(dir: &Path, name: &str) -> PathBuf {
    let stem = name.strip_suffix(".tandem").unwrap();
    (1..).map(|i| dir.join(format!("{stem} ({i}).tandem"))).find(|p| !p.exists()).unwrap()
}

impl World {
    /// Three copies trusting each other and `cases` cases from the IB-er with every
    /// consent, a plan and a step's values, synced to all.
    fn new(cases: usize, skews: [i64; 3], all_forms: bool) -> World {
        let folder = tempfile::tempdir().unwrap();
        let held = tempfile::tempdir().unwrap();
        let copies: Vec<Copy> =
            USERS.iter().zip(skews).map(|(u, s)| Copy::new(u, folder.path(), Duration::hours(s))).collect();
        pair(&copies[0], &copies[1]);
        pair(&copies[0], &copies[2]);
        pair(&copies[1], &copies[2]);
        let mut ids = Vec::new();
        let ib = &copies[0];
        for i in 0..cases {
            let intake = Intake {
                first_name: format!("Sem{i}"),
                last_name: "Jansen".into(),
                birth_date: day(2018, 3, 1),
                groep: 3,
                gezag: Gezag::BothParents,
                signal_date: day(2026, 9, 1),
                source: SignalSource::Teacher,
                domains: vec![DomainTag::Shared],
                note: INITIAL[0].into(),
                holder: "anna".into(),
            };
            let mut case = Case::new(CaseId::random(), intake, STEP.into(), Some(day(2026, 12, 1)));
            case.school = ib.config.school.name.clone();
            let mut values: Values =
                STEP_FIELDS.iter().map(|f| (f.to_string(), Value::Choice("nog niets".into()))).collect();
            values.insert(TEXT_FIELD.into(), Value::Text("nog niets".into()));
            case.visits = vec![Visit { step: STEP.into(), entered: day(2026, 10, 1), values, done: None }];
            for purpose in CONSENTS {
                let on = day(2026, 10, 1);
                case.consents.push(Consent::by_all(
                    purpose,
                    Decision::Given,
                    ConsentForm::Oral,
                    &case.intake,
                    on,
                    "anna",
                ));
            }
            let change = Change { case: Some(case.id), at: ib.clock(0), who: "anna".into(), kind: ChangeKind::Created };
            let case = ib.store.save(&case, &change).unwrap();
            let cx = Context { case: &case, route: &ib.config.route, team: &ib.config.team };
            let mut plan = Plan::prefilled(&cx, &tandem::strings::PLAN_WORDS, day(2026, 11, 1));
            (plan.vraag, plan.krachten) = (INITIAL[1].into(), INITIAL[2].into());
            ib.save_plan(case.id, &PlanBook { versions: vec![plan], heads: Vec::new(), session: String::new() });
            ids.push(case.id);
        }
        let mut world = World { copies, ids, folder, held, model: Model::default(), step: 1, all_forms };
        world.settle();
        for c in &world.copies {
            for id in &world.ids {
                let case = c.case(*id);
                assert!(case.copy.withheld.is_empty(), "{}: every part travels: {:?}", c.config.user, case.copy);
                c.book(*id);
            }
        }
        world
    }

    /// Syncs every copy, round after round, until a round moves nothing.
    fn settle(&mut self) {
        for _ in 0..12 {
            self.step += 1;
            let mut moved = false;
            let mut waiting = 0;
            for c in &self.copies {
                let r = c.sync(self.step);
                moved |= !r.received.is_empty() || !r.sent.is_empty() || r.dropped > 0;
                waiting += r.waiting;
            }
            if !moved {
                assert_eq!(waiting, 0, "files still waiting once everything arrived");
                return;
            }
        }
        panic!("the copies kept sending after 12 rounds");
    }

    fn edit_single(&mut self, copy: usize, case: usize, single: usize) {
        let c = &self.copies[copy];
        let mut record = c.case(self.ids[case]);
        let s = SINGLES[single];
        let seen = s.seen(&record);
        let n = self.model.next();
        let value = s.set(&mut record, n);
        c.save(&record, self.step);
        self.drop_form(copy, case);
        self.model.singles.entry((case, single)).or_default().push((value, seen));
    }

    fn type_text(&mut self, copy: usize, case: usize, text: usize, at: usize) {
        let c = &self.copies[copy];
        let (mut record, mut book) = (c.case(self.ids[case]), c.book(self.ids[case]));
        let t = TEXTS[text];
        let token = format!("«{}ë{}»", &USERS[copy][..1], self.model.next());
        type_into(t.get_mut(&mut record, &mut book), &token, at);
        if t.in_case() {
            c.save(&record, self.step);
            self.drop_form(copy, case);
        } else {
            c.save_plan(self.ids[case], &book);
        }
        self.model.tokens.entry((case, text)).or_default().push(token);
    }

    fn add(&mut self, copy: usize, case: usize, list: usize) {
        let c = &self.copies[copy];
        let (mut record, mut book) = (c.case(self.ids[case]), c.book(self.ids[case]));
        let l = LISTS[list];
        let n = self.model.next();
        let key = l.add(&mut record, &mut book, n, USERS[copy]);
        if l.in_case() {
            c.save(&record, self.step);
            self.drop_form(copy, case);
        } else {
            c.save_plan(self.ids[case], &book);
        }
        self.model.items.push((case, list, key));
    }

    /// A save on this copy makes an open form of the same case stale for good: the
    /// screens reload it (the store refuses it, by design).
    fn drop_form(&mut self, copy: usize, case: usize) {
        if self.copies[copy].form.as_ref().is_some_and(|f| f.case == case) {
            self.copies[copy].form = None;
        }
    }

    fn open(&mut self, copy: usize, case: usize) {
        let c = &mut self.copies[copy];
        let record = c.case(self.ids[case]);
        // A form read after a sync came in is refused once a second sync came in (see
        // `a_form_opened_after_a_sync_saves_after_the_next`): only forms read after a
        // save of this copy's own are kept open across syncs here.
        if record.revision != record.copy.local_revision && !self.all_forms {
            return;
        }
        let seen = SINGLES.iter().map(|s| s.seen(&record)).collect();
        let book = self.all_forms.then(|| c.book(self.ids[case]));
        c.form = Some(Form { case, record, book, seen });
    }

    fn save_form(&mut self, copy: usize, what: usize, at: usize) {
        let Some(Form { case, mut record, book, seen }) = self.copies[copy].form.take() else { return };
        let id = self.ids[case];
        let n = self.model.next();
        let kinds = if book.is_some() { 4 } else { 3 };
        match what % kinds {
            0 => {
                let single = at % SINGLES.len();
                let value = SINGLES[single].set(&mut record, n);
                self.copies[copy].save(&record, self.step);
                self.model.singles.entry((case, single)).or_default().push((value, seen[single].clone()));
            }
            1 => {
                let token = format!("«{}ë{n}»", &USERS[copy][..1]);
                type_into(&mut record.intake.note, &token, at);
                self.copies[copy].save(&record, self.step);
                self.model.tokens.entry((case, Text::Note.index())).or_default().push(token);
            }
            2 => {
                let list = [List::Consents, List::Absences, List::Escalations][at % 3];
                let key = list.add(&mut record, &mut PlanBook::default(), n, USERS[copy]);
                self.copies[copy].save(&record, self.step);
                self.model.items.push((case, list as usize, key));
            }
            _ => {
                let mut book = book.unwrap_or_default();
                let text = [Text::Vraag, Text::Krachten][at % 2];
                let token = format!("«{}ë{n}»", &USERS[copy][..1]);
                type_into(text.get_mut(&mut record, &mut book), &token, at / 2);
                // With the heads it was read at: the store merges what came in since.
                if let Err(e) = self.copies[copy].store.save_plan(id, &book, None) {
                    panic!("{}: stale plan save refused: {e:?}", USERS[copy]);
                }
                self.model.tokens.entry((case, text.index())).or_default().push(token);
            }
        }
    }

    fn run(&mut self, op: &Op) {
        self.step += 1;
        match *op {
            Op::Set { copy, case, single } => self.edit_single(copy, case, single),
            Op::SetBoth { copies: (a, b), case, single } => {
                self.edit_single(a, case, single);
                self.edit_single(b, case, single);
            }
            Op::Type { copy, case, text, at } => self.type_text(copy, case, text, at),
            Op::TypeBoth { copies: (a, b), case, text, at } => {
                self.type_text(a, case, text, at);
                self.type_text(b, case, text, at / 7);
            }
            Op::Add { copy, case, list } => self.add(copy, case, list),
            Op::Open { copy, case } => self.open(copy, case),
            Op::SaveForm { copy, what, at } => self.save_form(copy, what, at),
            Op::Sync { copy } => {
                self.copies[copy].sync(self.step);
            }
            Op::Hold { pick } => {
                let files = tandem_files(self.folder.path());
                if !files.is_empty() {
                    let file = &files[pick % files.len()];
                    let name = file.file_name().unwrap().to_string_lossy().to_string();
                    std::fs::rename(file, conflict_copy_or_same(self.held.path(), &name)).unwrap();
                }
            }
            Op::Release { pick } => {
                let files = tandem_files(self.held.path());
                if !files.is_empty() {
                    self.release(&files[pick % files.len()]);
                }
            }
            Op::Duplicate { pick } => {
                let files = tandem_files(self.folder.path());
                if !files.is_empty() {
                    let file = &files[pick % files.len()];
                    let name = file.file_name().unwrap().to_string_lossy().to_string();
                    std::fs::copy(file, conflict_copy(self.folder.path(), &name)).unwrap();
                }
            }
        }
    }

    /// A held file arrives: under its name, or as a conflict copy when the writer wrote
    /// a new version of it meanwhile (a `Taken` file).
    fn release(&self, file: &Path) {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let name = name.split(" (").next().unwrap().trim_end_matches(".tandem").to_string() + ".tandem";
        std::fs::rename(file, conflict_copy_or_same(self.folder.path(), &name)).unwrap();
    }

    /// Every held file arrives, everyone syncs until quiet, then the copies must agree
    /// and hold every edit.
    fn finish(&mut self) {
        for file in tandem_files(self.held.path()) {
            self.release(&file);
        }
        self.settle();
        let first = &self.copies[0];
        for (i, id) in self.ids.iter().enumerate() {
            let (case, book) = (first.case(*id), first.book(*id));
            for other in &self.copies[1..] {
                let (there, their_book) = (other.case(*id), other.book(*id));
                assert_eq!(comparable(&there), comparable(&case), "{} differs from anna", other.config.user);
                assert_eq!(there.copy.clashes, case.copy.clashes, "{}", other.config.user);
                assert!(there.copy.withheld.is_empty(), "{:?}", there.copy);
                assert_eq!(plan_json(&their_book), plan_json(&book), "{}'s plan differs", other.config.user);
            }
            self.check_edits(i, &case, &book);
        }
    }

    fn check_edits(&self, i: usize, case: &Case, book: &PlanBook) {
        for (single, s) in SINGLES.iter().enumerate() {
            let Some(edits) = self.model.singles.get(&(i, single)) else { continue };
            let shown = s.get(case);
            let clash: Vec<Json> = case
                .copy
                .clashes
                .iter()
                .filter(|c| c.part == s.part() && c.path == s.path())
                .flat_map(|c| c.values.iter().map(|v| serde_json::from_str::<Json>(v).unwrap()))
                .collect();
            let standing = Model::standing(edits);
            for v in &standing {
                assert!(*v == shown || clash.contains(v), "{s:?}: edit {v} lost; shows {shown}, clash {clash:?}");
            }
            assert!(standing.contains(&shown), "{s:?} shows {shown}, not one of the standing edits {standing:?}");
            if standing.len() > 1 {
                assert!(!clash.is_empty(), "{s:?}: concurrent values {standing:?} but no clash");
            }
        }
        for (text, t) in TEXTS.iter().enumerate() {
            let now = t.get(case, book);
            let mut rest = now.to_string();
            for token in self.model.tokens.get(&(i, text)).into_iter().flatten() {
                assert!(rest.contains(token.as_str()), "{t:?}: typed {token} lost (or split) in {now:?}");
                rest = rest.replacen(token.as_str(), "", 1);
            }
            assert_eq!(rest, INITIAL[text], "{t:?}: {now:?} holds more (or less) than was typed");
        }
        for (_, list, key) in self.model.items.iter().filter(|(c, _, _)| *c == i) {
            let l = LISTS[*list];
            assert!(l.holds(case, book, key), "{l:?}: item {key} lost");
        }
    }
}

fn conflict_copy_or_same(dir: &Path, name: &str) -> PathBuf {
    let plain = dir.join(name);
    if plain.exists() { conflict_copy(dir, name) } else { plain }
}

/// A case as every copy should hold it: without what is this copy's own.
fn comparable(case: &Case) -> Json {
    let mut v = serde_json::to_value(case).unwrap();
    let m = v.as_object_mut().unwrap();
    m.remove("copy");
    m.remove("revision");
    v
}

fn plan_json(book: &PlanBook) -> Json {
    serde_json::to_value(PlanBook { heads: Vec::new(), ..book.clone() }).unwrap()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        max_shrink_iters: 64,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn three_copies_converge_and_keep_every_edit(
        (cases, ops) in (2..=3usize).prop_flat_map(|n| (Just(n), prop::collection::vec(op(n), 10..40))),
        skews in prop::array::uniform3(-24i64..=24),
    ) {
        play(cases, skews, &ops, false);
    }

    /// The same with every form kept open across syncs, the plan editor's included.
    #[test]
    fn three_copies_converge_with_forms_open_across_syncs(
        (cases, ops) in (2..=3usize).prop_flat_map(|n| (Just(n), prop::collection::vec(op(n), 10..40))),
        skews in prop::array::uniform3(-24i64..=24),
    ) {
        play(cases, skews, &ops, true);
    }
}

/// Runs `ops` on a fresh world of `cases` cases, then checks it.
fn play(cases: usize, skews: [i64; 3], ops: &[Op], all_forms: bool) {
    let mut world = World::new(cases, skews, all_forms);
    for op in ops {
        world.run(op);
    }
    world.finish();
}

/// A world of one case and nothing done yet, for the plain tests below.
fn quiet_world() -> World {
    World::new(1, [0, 0, 0], false)
}

#[test]
fn a_plan_saved_twice_on_a_syncing_copy_saves() {
    let world = quiet_world();
    let c = &world.copies[0];
    let id = world.ids[0];
    for word in ["eerste ", "tweede "] {
        let mut book = c.book(id);
        book.versions[0].vraag.push_str(word);
        c.store.save_plan(id, &book, None).expect("a plan autosave");
    }
    assert!(c.book(id).versions[0].vraag.ends_with("eerste tweede "));
}

/// The plan editor stays open while a sync brings the partner's typing in the same
/// text; its next autosave must merge, not undo the partner's words.
#[test]
fn a_plan_editor_open_across_a_sync_keeps_the_partners_typing() {
    let mut world = quiet_world();
    let id = world.ids[0];
    let (ib, wt) = (&world.copies[0], &world.copies[1]);
    let mut open = wt.book(id);
    let mut book = ib.book(id);
    book.versions[0].vraag.push_str("«anna»");
    ib.save_plan(id, &book);
    ib.sync(100);
    wt.sync(100);
    open.versions[0].vraag.insert_str(0, "«youssef»");
    wt.store.save_plan(id, &open, None).unwrap();
    world.settle();
    for c in &world.copies {
        let vraag = c.book(id).versions[0].vraag.clone();
        assert!(vraag.contains("«anna»") && vraag.contains("«youssef»"), "{}: {vraag:?}", c.config.user);
    }
}

/// A plan value set differently on two copies is a clash on both; a plan save that
/// writes one value over it settles it, and the case record (the list's and the case
/// view's source) must say so at once, not only after the next sync.
#[test]
fn a_plan_save_over_a_clashing_value_clears_the_clash_from_the_record() {
    let mut world = quiet_world();
    let id = world.ids[0];
    for (copy, who) in [(0, "Anna"), (1, "Youssef")] {
        let c = &world.copies[copy];
        let mut book = c.book(id);
        book.versions[0].regiehouder = who.into();
        c.save_plan(id, &book);
    }
    world.settle();
    let plan_clashes = |c: &Copy| c.case(id).copy.clashes.iter().filter(|k| k.part == Part::Plan).count();
    assert_eq!(plan_clashes(&world.copies[0]), 1, "{:?}", world.copies[0].case(id).copy.clashes);
    let ib = &world.copies[0];
    let mut book = ib.book(id);
    book.versions[0].regiehouder = "Anna en Youssef".into();
    ib.save_plan(id, &book);
    assert_eq!(ib.book(id).versions[0].regiehouder, "Anna en Youssef");
    assert_eq!(plan_clashes(ib), 0, "{:?}", ib.case(id).copy.clashes);
    world.settle();
    for c in &world.copies {
        assert_eq!(plan_clashes(c), 0, "{}: {:?}", c.config.user, c.case(id).copy.clashes);
        assert_eq!(c.book(id).versions[0].regiehouder, "Anna en Youssef");
    }
}

/// A case form opened after a sync brought changes, saved after the next sync brought
/// more: only syncs saved in between, so the save merges (as it does for a form read
/// after a save of this copy's own).
#[test]
fn a_form_opened_after_a_sync_saves_after_the_next() {
    let world = quiet_world();
    let id = world.ids[0];
    let (ib, wt) = (&world.copies[0], &world.copies[1]);
    let mut form = wt.case(id);
    assert!(form.revision > form.copy.local_revision, "the case came in by sync: {form:?}");
    let mut case = ib.case(id);
    case.intake.groep = 4;
    ib.save(&case, 100);
    ib.sync(100);
    wt.sync(100);
    form.absences.push(Absence { from: day(2026, 11, 2), to: None });
    let change = Change { case: Some(id), at: wt.clock(101), who: "youssef".into(), kind: ChangeKind::AbsenceRecorded };
    let saved = wt.store.save(&form, &change).expect("only a sync saved since the form was read");
    assert_eq!((saved.intake.groep, saved.absences.len()), (4, 1), "both edits kept");
}

/// Two members typing in one free-text field of a step (a `Value::Text`): merged by
/// character, as `share::TEXT_KEYS` means to, not a clash of two whole texts.
#[test]
fn typing_in_one_step_text_on_two_copies_merges() {
    let mut world = quiet_world();
    let id = world.ids[0];
    for (copy, word) in [(0, " lezen"), (1, " rekenen")] {
        let c = &world.copies[copy];
        let mut case = c.case(id);
        let Some(Value::Text(text)) = case.visits[0].values.get(TEXT_FIELD).cloned() else { panic!() };
        case.visits[0].values.insert(TEXT_FIELD.into(), Value::Text(format!("{text}{word}")));
        c.save(&case, 100);
    }
    world.settle();
    let case = world.copies[0].case(id);
    assert!(case.copy.clashes.is_empty(), "{:?}", case.copy.clashes);
    let Some(Value::Text(text)) = case.visits[0].values.get(TEXT_FIELD) else { panic!() };
    assert!(text.contains("lezen") && text.contains("rekenen"), "{text:?}");
}

/// Two members who set one date to the same value meanwhile agree: nothing to pick.
#[test]
fn the_same_value_set_on_two_copies_is_no_clash() {
    let mut world = quiet_world();
    let id = world.ids[0];
    for copy in [0, 1] {
        let c = &world.copies[copy];
        let mut case = c.case(id);
        case.due = Some(day(2027, 2, 1));
        c.save(&case, 100);
    }
    world.settle();
    for c in &world.copies {
        let case = c.case(id);
        assert_eq!(case.due, Some(day(2027, 2, 1)));
        assert!(case.copy.clashes.is_empty(), "{}: {:?}", c.config.user, case.copy.clashes);
    }
}

/// The plan editor saves from one book again and again (its session), while a book
/// read fresh on the same copy is saved in between: no typing lost, none doubled.
#[test]
fn an_editor_saving_again_with_a_fresh_save_in_between_keeps_each_word_once() {
    let world = quiet_world();
    let (c, id) = (&world.copies[0], world.ids[0]);
    let mut editor = c.book(id);
    editor.session = "editor".into();
    editor.versions[0].vraag.push_str("«een»");
    c.store.save_plan(id, &editor, None).unwrap();
    let mut fresh = c.book(id);
    fresh.versions[0].vraag.insert_str(0, "«vers»");
    c.store.save_plan(id, &fresh, None).unwrap();
    editor.versions[0].vraag.push_str("«twee»");
    c.store.save_plan(id, &editor, None).unwrap();
    let vraag = c.book(id).versions[0].vraag.clone();
    for word in ["«een»", "«vers»", "«twee»"] {
        assert_eq!(vraag.matches(word).count(), 1, "{word} in {vraag:?}");
    }
}

/// Found by `three_copies_converge_with_forms_open_across_syncs` in CI: a form opened
/// before a sync brought a clash was saved after it, and the saved record took the
/// form's (empty) clashes, so one copy stopped showing a clash the others showed.
#[test]
fn a_form_saved_after_a_sync_keeps_the_clash_the_sync_brought() {
    let ops = vec![
        Op::Type { copy: 0, case: 1, text: 2, at: 15372095117017283596 },
        Op::SetBoth { copies: (1, 0), case: 1, single: 2 },
        Op::Sync { copy: 2 },
        Op::Set { copy: 2, case: 2, single: 4 },
        Op::SaveForm { copy: 2, what: 2857230656882884151, at: 556716663138789388 },
        Op::SetBoth { copies: (0, 1), case: 1, single: 4 },
        Op::Type { copy: 0, case: 1, text: 2, at: 12063516962304667954 },
        Op::SetBoth { copies: (2, 1), case: 0, single: 4 },
        Op::Sync { copy: 2 },
        Op::Sync { copy: 0 },
        Op::TypeBoth { copies: (0, 2), case: 2, text: 0, at: 7353476053807744537 },
        Op::Sync { copy: 1 },
        Op::Duplicate { pick: 17461572911305153514 },
        Op::Open { copy: 2, case: 0 },
        Op::Type { copy: 1, case: 1, text: 0, at: 17672338430272518900 },
        Op::Sync { copy: 2 },
        Op::TypeBoth { copies: (1, 2), case: 2, text: 2, at: 5356140990338419721 },
        Op::SaveForm { copy: 2, what: 14235488428030018788, at: 16272132862070894645 },
        Op::Set { copy: 0, case: 1, single: 4 },
        Op::Set { copy: 1, case: 1, single: 2 },
        Op::Add { copy: 0, case: 1, list: 0 },
        Op::Hold { pick: 10291149869938459728 },
        Op::Type { copy: 1, case: 1, text: 1, at: 10520914718232033734 },
        Op::Hold { pick: 10174243656956586111 },
        Op::Add { copy: 1, case: 0, list: 0 },
        Op::Set { copy: 1, case: 1, single: 2 },
        Op::Duplicate { pick: 804666162121435915 },
        Op::Hold { pick: 3758440557642648795 },
        Op::TypeBoth { copies: (0, 1), case: 2, text: 1, at: 9925390083110960906 },
        Op::Release { pick: 7974427340088419567 },
        Op::Type { copy: 2, case: 0, text: 0, at: 17221633952750302425 },
    ];
    play(3, [-3, -10, -1], &ops, true);
}
