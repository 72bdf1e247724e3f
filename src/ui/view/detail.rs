//! One case: its route as a track (done, current, ahead; beside the details on a wide
//! terminal, above them on a narrow one, compact when also low), everything recorded, then its history.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::domain::case::{Case, Field};
use crate::domain::listing::Flags;
use crate::domain::{absence, date, escalation};
use crate::strings::{self, Label};
use crate::ui::action::{Action, Context};
use crate::ui::model::{Detail, Model};

pub fn draw(model: &Model, detail: &Detail, frame: &mut Frame, area: Rect) {
    let t = model.theme;
    let Some(case) = model.cases.get(&detail.id) else {
        frame.render_widget(Paragraph::new(strings::CASE_GONE), area);
        return;
    };
    let title = format!(" {} · {} ", strings::pupil(case), model.config.route.label(&case.step));
    let block = Block::new().borders(Borders::TOP).title(Span::styled(title, t.label()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let wide = inner.width >= WIDE;
    let mut track = timeline(model, case, None);
    // Above the details the track is compact where in full it would push them off the screen.
    if !wide && track.len() + 2 + Field::ALL.len() > usize::from(inner.height) {
        track = timeline(model, case, Some(inner.width as usize));
    }
    let (area, mut lines) = if wide {
        let [main, side] = Layout::horizontal([Constraint::Min(40), Constraint::Length(TRACK_WIDTH)]).areas(inner);
        let side_block = Block::new().borders(Borders::LEFT).title(Span::styled(strings::ROUTE_TITLE, t.label()));
        frame.render_widget(Paragraph::new(track).block(side_block), side);
        (main, Vec::new())
    } else {
        let mut lines = vec![Line::from(Span::styled(format!("  {}", strings::ROUTE_TITLE), t.label()))];
        lines.extend(track);
        lines.push(Line::raw(""));
        (inner, lines)
    };
    let width = area.width as usize;
    for &f in &Field::ALL {
        labelled(
            &mut lines,
            Span::styled(format!("  {:<22}", f.label()), t.label()),
            &strings::field_value(case, f, &model.config.team, &model.config.route, model.now.date()),
            width,
        );
    }
    let flags = Flags::of(case, &model.config.route, model.config.privacy.retention_years, model.now.date());
    if flags != Flags::default() {
        let mut line = super::list::flags(&flags, t);
        line.spans.insert(0, Span::styled(format!("  {:<22}", strings::LIST_COLUMNS[5]), t.label()));
        lines.push(line);
    }
    copy_lines(model, case, &mut lines, width);
    escalation_lines(model, case, &mut lines, width);
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(format!("  {}", strings::HISTORY), t.label())));
    match &detail.history {
        None => lines.push(Line::from(Span::styled(format!("  {}", strings::LOADING), t.muted()))),
        Some(Err(e)) => lines.push(Line::from(Span::styled(format!("  ⚠ {e}"), t.error()))),
        Some(Ok(changes)) => {
            for ch in changes.iter().rev() {
                let what = strings::change_kind(&ch.kind, &model.config.route);
                let who = format!("  {}  {:<20} ", ch.at.format("%d-%m-%Y %H:%M"), model.config.team.name_of(&ch.who));
                labelled(&mut lines, Span::styled(who, t.muted()), &what, width);
            }
        }
    }
    let max_scroll = (lines.len() as u16).saturating_sub(area.height);
    frame.render_widget(Paragraph::new(lines).scroll((detail.scroll.min(max_scroll), 0)), area);
}

/// What this copy does not hold (and why), and the clashes a member must settle.
fn copy_lines(model: &Model, case: &Case, lines: &mut Vec<Line<'static>>, width: usize) {
    let t = model.theme;
    if case.copy.anonymous() {
        styled(lines, "  ", strings::ANONYMOUS_CASE, width, t.warn());
    }
    if case.copy.withheld.contains(&crate::domain::share::Part::Notes) {
        styled(lines, "  ", strings::NOTES_WITHHELD, width, t.muted());
    }
    if case.copy.clashes.is_empty() {
        return;
    }
    let key = model.keymap.first_key_label(crate::ui::action::Context::Detail, crate::ui::action::Action::Settle);
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(format!("  {} ({key})", strings::CLASHES_TITLE), t.warn())));
    for clash in &case.copy.clashes {
        let text = if strings::frozen_clash(clash) {
            strings::FROZEN_CLASH.to_string()
        } else {
            clash.values.iter().map(|v| strings::clash_value(v)).collect::<Vec<_>>().join("  ≠  ")
        };
        labelled(lines, Span::styled(format!("  {:<22}", strings::clash_field(&clash.path)), t.label()), &text, width);
    }
}

/// Escalations (every level asked, with its decision), suggestions to escalate, absence,
/// and whether an escalation dossier may go to the SWV.
fn escalation_lines(model: &Model, case: &Case, lines: &mut Vec<Line<'static>>, width: usize) {
    let t = model.theme;
    let today = model.now.date();
    let key = |a: Action| model.keymap.first_key_label(Context::Detail, a);
    let triggers = escalation::triggers(case, &model.config.route, today);
    let absent = case.absences.iter().filter(|a| a.to.is_none_or(|to| to >= today));
    let mut body: Vec<Line<'static>> = Vec::new();
    for e in case.escalations.iter().rev() {
        let open = e.is_open(today);
        for (i, r) in e.rungs.iter().enumerate().rev() {
            let current = i + 1 == e.rungs.len();
            let head = strings::rung_head(r.level.label(), &date::format(r.opened), e.reason.label(), r.domain.label());
            let style = if open && current { t.warn() } else { t.muted() };
            labelled(&mut body, Span::styled("  ⇧ ".to_string(), style), &head, width);
            labelled(&mut body, Span::raw("    "), &strings::rung_question(&r.question), width);
            let due = match (&r.decision, r.due, current) {
                (None, Some(d), true) => strings::rung_due(&date::format(d), d < today),
                (None, _, false) => strings::RUNG_SUPERSEDED.to_string(),
                _ => String::new(),
            };
            labelled(
                &mut body,
                Span::raw("    "),
                &strings::rung_deciders(
                    &r.deciders.iter().map(|d| strings::decider_display(d)).collect::<Vec<_>>().join(", "),
                    &due,
                ),
                width,
            );
            if let Some(d) = &r.decision {
                let follow = d.follow_up.map(date::format).unwrap_or_default();
                let text = strings::rung_decision(&d.by, &d.what, &date::format(d.on), d.resolved, &follow);
                labelled(&mut body, Span::raw("    "), &text, width);
            }
            // Whether the dossier may go along belongs with the level that is open now.
            if open
                && current
                && let Some(ok) = escalation::swv_consent(case, e, today)
            {
                let (text, style) = if ok { (strings::SWV_MAY, t.ok()) } else { (strings::SWV_MAY_NOT, t.error()) };
                labelled(&mut body, Span::styled("    ".to_string(), style), text, width);
            }
        }
    }
    for tr in &triggers {
        let text = strings::suggestion(&strings::trigger_why(&tr.why), &key(Action::Escalate), &key(Action::Dismiss));
        labelled(&mut body, Span::styled("  ⚑ ".to_string(), t.warn()), &text, width);
    }
    for a in absent {
        let text = strings::absent_since(&date::format(a.from), (today - a.from).num_days());
        labelled(&mut body, Span::raw("  "), &text, width);
    }
    // The last recorded weeks of unauthorised absence, and a report to DUO still due.
    let recent = case.absence_hours.len().saturating_sub(absence::DUO_WEEKS as usize);
    for w in &case.absence_hours[recent..] {
        labelled(&mut body, Span::raw("  "), &strings::absence_week_hours(&date::format(w.week), w.hours), width);
    }
    if let Some(r) = absence::duo_due(&case.absence_hours, today) {
        let text = strings::duo_report(r.hours, &date::format(r.week), &date::format(r.deadline));
        labelled(&mut body, Span::styled("  ".to_string(), t.error()), &text, width);
    }
    if body.is_empty() {
        return;
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(format!("  {}", strings::ESCALATION_TITLE), t.label())));
    lines.extend(body);
}

/// From this width on, the track stands beside the details.
const WIDE: u16 = 120;
const TRACK_WIDTH: u16 = 50;

/// The route as a track: ✓ done (with its date), ▶ current (with its deadline; "te laat"
/// in words when overdue), · the rest of the main route ahead; a closed case ends with
/// its closing step done. `compact` (the width, on a narrow and low screen) puts the done
/// steps and those ahead each on one wrapped line, by their codes, so the details stay in view.
fn timeline(model: &Model, case: &Case, compact: Option<usize>) -> Vec<Line<'static>> {
    let t = model.theme;
    let route = &model.config.route;
    let today = model.now.date();
    let mut lines = Vec::new();
    let done = case.visits.iter().filter_map(|v| v.done.as_ref().map(|d| (v.step.as_str(), d.on)));
    match compact {
        Some(width) => {
            // A no-break space keeps each step with its date when the line wraps.
            let text = done.map(|(step, on)| format!("{step}\u{a0}{}", on.format("%d-%m-%y"))).collect::<Vec<_>>();
            if !text.is_empty() {
                styled(&mut lines, "  ✓ ", &text.join(" · "), width, t.ok());
            }
        }
        None => lines.extend(done.map(|(step, on)| {
            Line::from(Span::styled(format!("  ✓ {}  {}", route.label(step), on.format("%d-%m-%y")), t.ok()))
        })),
    }
    if let Some(on) = case.closed_on.filter(|_| route.closes(&case.step)) {
        let text = format!("  ✓ {}  {}", route.label(&case.step), strings::track_closed(on));
        lines.push(Line::from(Span::styled(text, t.ok())));
        return lines;
    }
    let due = crate::domain::route::deadline(route, &case.visits);
    let overdue = due.is_some_and(|d| d < today);
    let mark = if overdue { "!" } else { "▶" };
    let mut current = vec![Span::styled(format!("  {mark} {}", route.label(&case.step)), t.focus())];
    if let Some(day) = due {
        let style = if overdue { t.error() } else { t.warn() };
        current.push(Span::styled(format!("  {}", strings::track_due(day, overdue)), style));
    }
    lines.push(Line::from(current));
    let ahead = route.ahead(&case.step);
    match compact {
        Some(_) if ahead.is_empty() => {}
        Some(width) => {
            let steps = ahead.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(" ");
            styled(&mut lines, "  · ", &strings::track_ahead(&steps), width, t.muted());
        }
        None => lines
            .extend(ahead.iter().map(|s| Line::from(Span::styled(format!("  · {}", route.label(&s.id)), t.muted())))),
    }
    lines
}

/// As [`labelled`] with `lead` as the label, every line in `style`.
fn styled(lines: &mut Vec<Line<'static>>, lead: &str, text: &str, width: usize, style: Style) {
    let start = lines.len();
    labelled(lines, Span::raw(lead.to_string()), text, width);
    for line in &mut lines[start..] {
        line.style = style;
    }
}

/// A label followed by `text` wrapped to the rest of the line, continuation lines
/// indented under the text so the label column stays clean.
fn labelled(lines: &mut Vec<Line<'static>>, label: Span<'static>, text: &str, width: usize) {
    let indent = label.width();
    let wrapped = textwrap::wrap(text, super::wrap_options(width.saturating_sub(indent)));
    let mut label = Some(label);
    // textwrap yields at least one (possibly empty) line, so the label is always shown.
    for part in wrapped {
        let lead = label.take().unwrap_or_else(|| Span::raw(" ".repeat(indent)));
        lines.push(Line::from(vec![lead, Span::raw(part.into_owned())]));
    }
}
