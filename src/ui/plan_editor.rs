//! The plan van aanpak editor: a section list on the left, the focused section on the
//! right. Free text is edited in a multi-line text area (undo, redo, word wrap, paste);
//! goals, actions and the other lists through a small form per item. The editor only
//! changes its `PlanBook` and says when it wants saving; the model sends the jobs.

use chrono::{NaiveDate, NaiveDateTime};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use super::action::{Action as UiAction, Context};
use super::form::Form;
use super::keymap::Key;
use super::model::{Model, PLAN_AUTOSAVE_SECONDS, step};
use super::screen::{Nav, Page, form_action};
use super::worker::Job;
use crate::config::Config;
use crate::domain::case::{Case, CaseId};
use crate::domain::date;
use crate::domain::history::{Change, ChangeKind};
use crate::domain::plan::{Missing, Place, Plan, PlanBook, Section, TextPart};
use crate::print::{self, plan::DiffLine};
use crate::strings::{self, Label};

/// A list part of the plan; `Regie` and `References` are lists of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListPart {
    Concerns,
    Division,
    Goals,
    Actions,
    Regie,
    Evaluations,
    Signers,
    References,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Text(TextPart),
    List(ListPart),
}

/// The parts of a section that can take focus, in order.
pub fn parts(section: Section) -> &'static [Part] {
    use ListPart as L;
    use Part::{List, Text};
    use TextPart as T;
    match section {
        Section::Family => &[Text(T::Betrokkenen)],
        Section::Question => &[Text(T::Vraag)],
        Section::Strengths => &[Text(T::Krachten), List(L::Concerns)],
        Section::Needs => &[Text(T::Behoeften)],
        Section::Factors => &[Text(T::Factoren)],
        Section::Division => &[List(L::Division)],
        Section::Goals => &[List(L::Goals)],
        Section::Actions => &[List(L::Actions)],
        Section::Own => &[Text(T::Zelf)],
        Section::Regie => &[List(L::Regie)],
        Section::Evaluation => &[List(L::Evaluations), Text(T::Criteria)],
        Section::Sharing => &[Text(T::Delen)],
        Section::SignOff => &[List(L::Signers)],
        Section::References => &[List(L::References)],
    }
}

/// The rows a list part shows, one line each.
pub fn rows(plan: &Plan, part: ListPart) -> Vec<String> {
    let goal_no = |id: Option<u32>| {
        id.and_then(|id| plan.goals.iter().position(|g| g.id == id)).map(|i| format!(" · {} {}", strings::GOAL, i + 1))
    };
    match part {
        ListPart::Concerns => plan.concerns.iter().map(|c| format!("[{}] {}", c.priority.label(), c.text)).collect(),
        ListPart::Division => plan
            .division
            .iter()
            .map(|d| format!("{}: {} · {}", d.domain.label(), d.what, d.payer.map_or("—", |p| p.label())))
            .collect(),
        ListPart::Goals => plan
            .goals
            .iter()
            .enumerate()
            .map(|(i, g)| {
                format!("{}. [{}] {} · {}", i + 1, g.domain.label(), g.text, strings::criterion(&g.criterion))
            })
            .collect(),
        ListPart::Actions => plan
            .actions
            .iter()
            .map(|a| {
                format!(
                    "{} · {} · {} · {}{}",
                    a.what,
                    strings::action_owner(a.party.map(|p| p.label()), &a.person),
                    a.by.map_or("—".into(), date::format),
                    a.status.label(),
                    goal_no(a.goal).unwrap_or_default()
                )
            })
            .collect(),
        ListPart::Regie => vec![format!(
            "{}: {} · {}: {}",
            strings::PLAN_FORM_LABELS.regiehouder,
            or_dash(&plan.regiehouder),
            strings::PLAN_FORM_LABELS.contact,
            or_dash(&plan.contact)
        )],
        ListPart::Evaluations => plan.evaluations.iter().map(|d| date::format(*d)).collect(),
        ListPart::Signers => plan
            .signers
            .iter()
            .map(|s| {
                let when =
                    s.signed.map_or(strings::PRINT_NOT_SIGNED.to_string(), |d| strings::signed_on(&date::format(d)));
                format!("{}: {} · {}", s.role.label(), or_dash(&s.name), when)
            })
            .collect(),
        ListPart::References => vec![format!(
            "{}: {} · {}: {}",
            strings::PLAN_FORM_LABELS.opp,
            strings::yes_no(plan.opp),
            strings::PLAN_FORM_LABELS.meldcode,
            strings::yes_no(plan.meldcode)
        )],
    }
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

/// Lists of one fixed row: edited, never added to or emptied.
fn fixed(part: ListPart) -> bool {
    matches!(part, ListPart::Regie | ListPart::References)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Sections,
    Part(usize),
}

/// An item being edited in a form: which list, which row (None: a new one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemForm {
    pub part: ListPart,
    pub index: Option<usize>,
    pub form: Form,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// What is missing before the plan can be agreed; Enter jumps to it.
    Missing {
        items: Vec<Missing>,
        selected: usize,
    },
    Versions {
        selected: usize,
    },
    /// A version to read, or the changes between two.
    Read {
        title: String,
        lines: Vec<DiffLine>,
        scroll: u16,
    },
    /// Delete the selected row of the focused list?
    ConfirmRemove,
    /// Start a new version of the frozen plan?
    ConfirmNewVersion,
}

/// What the editor asks of the model after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    None,
    /// Write the plan now; `signed` when this save froze a version.
    Save {
        signed: Option<u32>,
        started: Option<u32>,
    },
    Print,
    Close,
}

#[derive(Debug, Clone)]
pub struct PlanEditor {
    pub case: CaseId,
    pub book: PlanBook,
    pub section: usize,
    pub focus: Focus,
    /// Selected row of the focused list part.
    pub item: usize,
    pub text: Option<TextArea<'static>>,
    pub item_form: Option<ItemForm>,
    pub overlay: Option<Overlay>,
    /// Changed since the last save was asked for.
    pub dirty: bool,
    pub message: Option<(String, bool)>,
}

// The text area has no equality; two editors are the same when their plan and place are.
impl PartialEq for PlanEditor {
    fn eq(&self, other: &Self) -> bool {
        (self.case, &self.book, self.section, self.focus, self.item, &self.item_form, &self.overlay)
            == (other.case, &other.book, other.section, other.focus, other.item, &other.item_form, &other.overlay)
    }
}

impl Eq for PlanEditor {}

fn text_area(text: &str) -> TextArea<'static> {
    let mut area = TextArea::new(text.lines().map(str::to_string).collect());
    area.set_wrap_mode(WrapMode::WordOrGlyph);
    area.set_max_histories(200);
    area.set_cursor_line_style(ratatui::style::Style::default());
    // Pre-filled text is usually added to: start at its end.
    area.move_cursor(CursorMove::Bottom);
    area.move_cursor(CursorMove::End);
    area
}

impl PlanEditor {
    pub fn new(case: CaseId, mut book: PlanBook) -> PlanEditor {
        book.session = uuid::Uuid::new_v4().simple().to_string();
        PlanEditor {
            case,
            book,
            section: 0,
            focus: Focus::Sections,
            item: 0,
            text: None,
            item_form: None,
            overlay: None,
            dirty: false,
            message: None,
        }
    }

    pub fn plan(&self) -> Option<&Plan> {
        self.book.current()
    }

    pub fn current_section(&self) -> Section {
        Section::ALL[self.section.min(Section::ALL.len() - 1)]
    }

    pub fn focused_part(&self) -> Option<Part> {
        match self.focus {
            Focus::Part(i) => parts(self.current_section()).get(i).copied(),
            Focus::Sections => None,
        }
    }

    pub fn frozen(&self) -> bool {
        self.plan().is_some_and(Plan::is_frozen)
    }

    fn refuse_frozen(&mut self) -> bool {
        let frozen = self.plan().filter(|p| p.is_frozen()).map(|p| p.version);
        if let Some(v) = frozen {
            self.message = Some((strings::plan_frozen(v), true));
        }
        frozen.is_some()
    }

    pub fn move_section(&mut self, delta: isize) {
        let last = Section::ALL.len() as isize - 1;
        self.section = (self.section as isize + delta).clamp(0, last) as usize;
        self.focus = Focus::Sections;
        self.text = None;
        self.item = 0;
    }

    /// Focuses part `index` of the current section, or leaves for the next/previous
    /// section when out of range (Tab moves through the whole plan).
    pub fn focus_part(&mut self, index: isize) {
        let n = parts(self.current_section()).len() as isize;
        if index >= n {
            if self.section + 1 < Section::ALL.len() {
                self.section += 1;
                return self.focus_part(0);
            }
            return;
        }
        if index < 0 {
            if self.section > 0 {
                self.section -= 1;
                let n = parts(self.current_section()).len() as isize;
                return self.focus_part(n - 1);
            }
            self.focus = Focus::Sections;
            self.text = None;
            return;
        }
        self.focus = Focus::Part(index as usize);
        self.item = 0;
        self.text = match self.focused_part() {
            Some(Part::Text(t)) => self.plan().map(|p| text_area(p.text(t))),
            _ => None,
        };
    }

    pub fn next_part(&mut self) {
        let i = match self.focus {
            Focus::Sections => 0,
            Focus::Part(i) => i as isize + 1,
        };
        self.focus_part(i);
    }

    pub fn prev_part(&mut self) {
        if let Focus::Part(i) = self.focus {
            self.focus_part(i as isize - 1);
        }
    }

    pub fn back_to_sections(&mut self) {
        self.focus = Focus::Sections;
        self.text = None;
    }

    /// A key for the text area (everything that is not a command); true when the text changed.
    pub fn type_key(&mut self, ev: &KeyEvent) -> bool {
        self.edit_text(|t| t.input(*ev))
    }

    /// Pasted text (already normalised by the model) goes in whole, never read as keys.
    pub fn paste(&mut self, text: &str) -> bool {
        self.edit_text(|t| t.insert_str(text))
    }

    pub fn undo(&mut self, redo: bool) -> bool {
        self.edit_text(|t| if redo { t.redo() } else { t.undo() })
    }

    /// Applies `op` to the focused text area of an editable version; true when the text
    /// changed (then the plan has it too).
    fn edit_text(&mut self, op: impl FnOnce(&mut TextArea<'static>) -> bool) -> bool {
        if self.text.is_none() || self.refuse_frozen() {
            return false;
        }
        let changed = self.text.as_mut().is_some_and(op);
        if changed {
            self.sync_text();
        }
        changed
    }

    fn sync_text(&mut self) {
        let (Some(Part::Text(part)), Some(area)) = (self.focused_part(), &self.text) else { return };
        let value = area.lines().join("\n");
        if let Ok(plan) = self.book.editable() {
            *plan.text_mut(part) = value;
            self.dirty = true;
        }
    }

    pub fn list_len(&self) -> usize {
        match (self.focused_part(), self.plan()) {
            (Some(Part::List(l)), Some(p)) => rows(p, l).len(),
            _ => 0,
        }
    }

    pub fn move_item(&mut self, delta: isize) {
        let last = self.list_len().saturating_sub(1) as isize;
        self.item = (self.item as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// Opens the form for the selected row (`new`: for a new row).
    pub fn open_item(&mut self, new: bool, today: NaiveDate) {
        let Some(Part::List(part)) = self.focused_part() else { return };
        // A signed version's rows can still be opened to read in full.
        if new && (fixed(part) || self.refuse_frozen()) {
            return;
        }
        let index = if fixed(part) {
            Some(0)
        } else if new {
            None
        } else {
            Some(self.item)
        };
        if index.is_some_and(|i| i >= self.list_len()) {
            return;
        }
        let Some(plan) = self.plan() else { return };
        let form = super::plan_items::form(plan, part, index, today);
        self.item_form = Some(ItemForm { part, index, form });
    }

    /// Applies the item form; errors stay in the form.
    pub fn submit_item(&mut self, today: NaiveDate) -> Request {
        let Some(mut f) = self.item_form.take() else { return Request::None };
        if self.refuse_frozen() {
            return Request::None;
        }
        let Ok(plan) = self.book.editable() else { return Request::None };
        let before_signed = plan.is_frozen();
        match super::plan_items::apply(plan, &f, today) {
            Ok(index) => {
                self.item = index;
                let signed = (!before_signed && plan.is_frozen()).then_some(plan.version);
                if let Some(v) = signed {
                    self.message = Some((strings::plan_now_signed(v), false));
                }
                Request::Save { signed, started: None }
            }
            Err(errors) => {
                f.form.show_problems(errors);
                self.item_form = Some(f);
                Request::None
            }
        }
    }

    pub fn remove_item(&mut self) -> Request {
        let Some(Part::List(part)) = self.focused_part() else { return Request::None };
        let item = self.item;
        let Ok(plan) = self.book.editable() else { return Request::None };
        let removed = match part {
            ListPart::Concerns => remove(&mut plan.concerns, item).map(|c| {
                for g in &mut plan.goals {
                    if g.concern == Some(c.id) {
                        g.concern = None;
                    }
                }
            }),
            ListPart::Division => remove(&mut plan.division, item).map(drop),
            ListPart::Goals => remove(&mut plan.goals, item).map(|g| {
                for a in &mut plan.actions {
                    if a.goal == Some(g.id) {
                        a.goal = None;
                    }
                }
            }),
            ListPart::Actions => remove(&mut plan.actions, item).map(drop),
            ListPart::Evaluations => remove(&mut plan.evaluations, item).map(drop),
            ListPart::Signers => remove(&mut plan.signers, item).map(drop),
            ListPart::Regie | ListPart::References => None,
        };
        if removed.is_none() {
            return Request::None;
        }
        self.move_item(0);
        Request::Save { signed: None, started: None }
    }

    /// Asks to delete the selected row, when there is one to delete.
    pub fn ask_remove(&mut self) {
        if self.refuse_frozen() {
            return;
        }
        if matches!(self.focused_part(), Some(Part::List(l)) if !fixed(l)) && self.item < self.list_len() {
            self.overlay = Some(Overlay::ConfirmRemove);
        }
    }

    pub fn show_missing(&mut self) {
        let items = self.plan().map(Plan::missing).unwrap_or_default();
        if items.is_empty() {
            self.message = Some((strings::PLAN_COMPLETE.into(), false));
        } else {
            self.overlay = Some(Overlay::Missing { items, selected: 0 });
        }
    }

    /// True (with the reason shown) when the plan holds something like a BSN; `go`
    /// focuses where it is.
    pub fn refuse_bsn(&mut self, go: bool) -> bool {
        let Some(place) = self.plan().and_then(Plan::bsn_place) else { return false };
        if go {
            self.jump(place);
        }
        self.message = Some((strings::plan_bsn(&strings::section_title(place.section)), true));
        true
    }

    /// Focuses where a missing item lives.
    pub fn jump(&mut self, place: Place) {
        self.section = place.section.index();
        let want = |p: &Part| match (place.section, p) {
            // Concerns are the list part of section 3; the question is its text.
            (Section::Strengths, Part::List(_)) => place.item.is_some(),
            (Section::Strengths, Part::Text(_)) => place.item.is_none(),
            (Section::Evaluation, Part::List(_)) => true,
            _ => true,
        };
        let index = parts(place.section).iter().position(want).unwrap_or(0);
        self.focus_part(index as isize);
        if let Some(i) = place.item {
            self.item = i;
        }
        self.overlay = None;
    }

    /// Starts the next version after the frozen one.
    pub fn new_version(&mut self, today: NaiveDate) -> Request {
        self.overlay = None;
        match self.book.start_next_version(today) {
            Ok(v) => {
                self.message = Some((strings::plan_version_started(v), false));
                self.back_to_sections();
                Request::Save { signed: None, started: Some(v) }
            }
            Err(e) => {
                self.message = Some((e.to_string(), true));
                Request::None
            }
        }
    }
}

fn remove<T>(list: &mut Vec<T>, i: usize) -> Option<T> {
    (i < list.len()).then(|| list.remove(i))
}

/// The title above the editor: pupil and version state.
pub fn title(case: &Case, plan: &Plan) -> String {
    let state = match plan.signed_on() {
        Some(on) => strings::plan_signed_on(&date::format(on)),
        None => strings::PLAN_DRAFT.into(),
    };
    format!(
        " {} · {} · {} {} ({state}) ",
        strings::PLAN_TITLE,
        strings::pupil(case),
        strings::PRINT_VERSION,
        plan.version
    )
}

/// Version `selected` to read, or (`compare`) its changes since the version before it.
pub fn read_overlay(
    case: &Case,
    config: &Config,
    book: &PlanBook,
    selected: usize,
    compare: bool,
    today: NaiveDate,
) -> Result<Overlay, String> {
    let cx = crate::domain::plan::Context { case, route: &config.route, team: &config.team };
    let doc = |plan: &Plan| print::plan::document(plan, &cx, &config.school.name, today);
    let plan = book.versions.get(selected).ok_or_else(|| strings::NO_PLAN.to_string())?;
    if !compare {
        let text = print::markdown::render(&doc(plan));
        let lines = text.lines().map(|l| DiffLine::Same(l.to_string())).collect();
        return Ok(Overlay::Read { title: strings::version_title(plan.version), lines, scroll: 0 });
    }
    let before = selected.checked_sub(1).and_then(|i| book.versions.get(i));
    let before = before.ok_or_else(|| strings::NO_EARLIER_VERSION.to_string())?;
    let lines = print::plan::diff(&doc(before), &doc(plan));
    Ok(Overlay::Read { title: strings::compare_title(before.version, plan.version), lines, scroll: 0 })
}

impl PlanEditor {
    /// The job that writes the plan; `signed`/`started` add a history entry. A plan that
    /// holds a BSN is not stored; what was typed stays on screen to fix.
    pub fn save_job(
        &mut self,
        who: String,
        at: NaiveDateTime,
        signed: Option<u32>,
        started: Option<u32>,
    ) -> Option<Job> {
        self.dirty = false;
        if self.refuse_bsn(false) {
            return None;
        }
        let kind = match (signed, started) {
            (Some(version), _) => Some(ChangeKind::PlanSigned { version }),
            (_, Some(version)) => Some(ChangeKind::PlanStarted { version }),
            _ => None,
        };
        let change = kind.map(|kind| Change { case: Some(self.case), at, who, kind });
        Some(Job::SavePlan { id: self.case, book: Box::new(self.book.clone()), change })
    }

    fn save(&mut self, m: &mut Model, signed: Option<u32>, started: Option<u32>) {
        if let Some(job) = self.save_job(m.config.user.clone(), m.now, signed, started) {
            m.job(job);
        }
    }

    fn save_if_dirty(&mut self, m: &mut Model) {
        if self.dirty {
            self.save(m, None, None);
        }
    }

    /// Typing saves now and then on its own (besides the save after a pause, on Tick).
    fn after_text_change(&mut self, m: &mut Model, changed: bool) {
        let due = m.now >= m.plan_saved_at + chrono::Duration::seconds(PLAN_AUTOSAVE_SECONDS);
        if changed && due {
            m.plan_saved_at = m.now;
            self.save(m, None, None);
        }
    }

    /// Does what the editor asked for.
    fn request(&mut self, m: &mut Model, request: Request) -> Nav {
        match request {
            Request::None => {}
            Request::Save { signed, started } => {
                m.plan_saved_at = m.now;
                self.save(m, signed, started);
            }
            Request::Print => {
                self.save_if_dirty(m);
                let version = self.plan().map(|p| p.version).unwrap_or(1);
                let change = Change {
                    case: Some(self.case),
                    at: m.now,
                    who: m.config.user.clone(),
                    kind: ChangeKind::PlanPrinted { version },
                };
                m.job(Job::PrintPlan { id: self.case, config: Box::new(m.config.clone()), change });
                m.note(strings::PRINTING.into());
            }
            Request::Close if self.refuse_bsn(true) => {}
            Request::Close => {
                self.save_if_dirty(m);
                return Nav::Pop;
            }
        }
        Nav::Stay
    }

    /// The actions of the section list and the parts (text and lists).
    fn on_part_action(&mut self, m: &mut Model, context: Context, action: UiAction) -> Request {
        use UiAction::*;
        let today = m.now.date();
        match (context, action) {
            (Context::PlanSections, Up | Down) => self.move_section(if action == Up { -1 } else { 1 }),
            (Context::PlanSections, Open | NextPart) | (_, NextPart) => self.next_part(),
            (_, PrevPart) => self.prev_part(),
            (Context::PlanSections, Back) => return Request::Close,
            (_, Back) => self.back_to_sections(),
            (Context::PlanText, Save) => return Request::Save { signed: None, started: None },
            (Context::PlanList, Up | Down) => self.move_item(if action == Up { -1 } else { 1 }),
            (Context::PlanList, Open | NewItem) => self.open_item(action == NewItem, today),
            (Context::PlanList, Delete) => self.ask_remove(),
            _ => {}
        }
        Request::None
    }

    /// The actions of the overlays: what is missing, the versions, reading one.
    fn on_overlay_action(&mut self, m: &mut Model, context: Context, action: UiAction) {
        use UiAction::*;
        let page = m.size.1.saturating_sub(6).max(1);
        let versions = self.book.versions.len();
        if (context, action) == (Context::PlanVersions, NewItem) {
            if self.frozen() {
                self.overlay = Some(Overlay::ConfirmNewVersion);
            } else {
                self.message = Some((strings::PLAN_NOT_FROZEN.into(), true));
            }
            return;
        }
        match (context, action, &mut self.overlay) {
            (Context::PlanMissing, Up | Down, Some(Overlay::Missing { items, selected })) => {
                *selected = step(*selected, action == Down, items.len());
            }
            (Context::PlanMissing, Open, Some(Overlay::Missing { items, selected })) => {
                if let Some(place) = items.get(*selected).map(|m| m.place) {
                    self.jump(place);
                }
            }
            (Context::PlanVersions, Up | Down, Some(Overlay::Versions { selected })) => {
                *selected = step(*selected, action == Down, versions);
            }
            (Context::PlanVersions, Open | Compare, Some(Overlay::Versions { selected })) => {
                let selected = *selected;
                let overlay = m
                    .cases
                    .get(&self.case)
                    .map(|case| read_overlay(case, &m.config, &self.book, selected, action == Compare, m.now.date()));
                match overlay {
                    Some(Ok(o)) => self.overlay = Some(o),
                    Some(Err(message)) => self.message = Some((message, true)),
                    None => {}
                }
            }
            (Context::PlanRead, Up | Down | PageUp | PageDown, Some(Overlay::Read { scroll, .. })) => {
                *scroll = match action {
                    Up => scroll.saturating_sub(1),
                    Down => scroll.saturating_add(1),
                    PageUp => scroll.saturating_sub(page),
                    _ => scroll.saturating_add(page),
                };
            }
            (Context::PlanMissing | Context::PlanVersions | Context::PlanRead, Back, _) => self.overlay = None,
            _ => {}
        }
    }
}

impl Page for PlanEditor {
    fn context(&self) -> Context {
        match (&self.item_form, &self.overlay, self.focused_part()) {
            (Some(_), _, _) => Context::Form,
            (_, Some(Overlay::Missing { .. }), _) => Context::PlanMissing,
            (_, Some(Overlay::Versions { .. }), _) => Context::PlanVersions,
            (_, Some(Overlay::Read { .. }), _) => Context::PlanRead,
            (_, _, Some(Part::Text(_))) => Context::PlanText,
            (_, _, Some(Part::List(_))) => Context::PlanList,
            _ => Context::PlanSections,
        }
    }

    fn on_action(&mut self, m: &mut Model, context: Context, action: UiAction) -> Nav {
        use UiAction::*;
        if context == Context::Form {
            return form_action(self, m, action);
        }
        self.message = None;
        let request = match (context, action) {
            (Context::PlanText, Undo | Redo) => {
                let changed = self.undo(action == Redo);
                self.after_text_change(m, changed);
                return Nav::Stay;
            }
            (_, Missing) => {
                self.show_missing();
                Request::None
            }
            (_, Print) => Request::Print,
            (_, Versions) => {
                let selected = self.book.versions.len().saturating_sub(1);
                self.overlay = Some(Overlay::Versions { selected });
                Request::None
            }
            (Context::PlanSections | Context::PlanText | Context::PlanList, _) => {
                self.on_part_action(m, context, action)
            }
            _ => {
                self.on_overlay_action(m, context, action);
                Request::None
            }
        };
        let leaving_text = context == Context::PlanText && matches!(action, Back | NextPart | PrevPart);
        if leaving_text && self.dirty && request == Request::None {
            return self.request(m, Request::Save { signed: None, started: None });
        }
        self.request(m, request)
    }

    /// Removing a row and starting a new version are asked first.
    fn on_question(&mut self, m: &mut Model, key: &Key) -> Option<Nav> {
        if !matches!(self.overlay, Some(Overlay::ConfirmRemove | Overlay::ConfirmNewVersion)) {
            return None;
        }
        match key.code {
            KeyCode::Char('j' | 'J') => {
                let request = match self.overlay.take() {
                    Some(Overlay::ConfirmRemove) => self.remove_item(),
                    Some(Overlay::ConfirmNewVersion) => self.new_version(m.now.date()),
                    _ => Request::None,
                };
                return Some(self.request(m, request));
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => self.overlay = None,
            _ => {}
        }
        Some(Nav::Stay)
    }

    fn on_typing(&mut self, m: &mut Model, context: Context, key: &Key, ev: &KeyEvent) -> Nav {
        match context {
            Context::PlanText => {
                let changed = self.type_key(ev);
                self.after_text_change(m, changed);
            }
            c if c.is_form() => self.on_form_typing(m, key),
            _ => {}
        }
        Nav::Stay
    }

    fn on_paste(&mut self, m: &mut Model, text: &str) {
        if let Some(f) = &mut self.item_form {
            f.form.paste(&text.replace('\n', " "));
        } else {
            let changed = self.paste(text);
            self.after_text_change(m, changed);
        }
    }

    fn form(&self) -> Option<&Form> {
        self.item_form.as_ref().map(|f| &f.form)
    }

    fn form_mut(&mut self) -> Option<&mut Form> {
        self.item_form.as_mut().map(|f| &mut f.form)
    }

    /// Discarding the item form leaves the editor open.
    fn discard(&mut self) -> Nav {
        self.item_form = None;
        Nav::Stay
    }

    fn save(&mut self, m: &mut Model, _: bool) -> Nav {
        let request = self.submit_item(m.now.date());
        self.request(m, request)
    }

    /// The decrypted plan leaves the screen when the store locks.
    fn lock(&mut self) -> bool {
        false
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        super::view::plan::draw(m, self, frame, area)
    }
}
