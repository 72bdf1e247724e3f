//! The wizard screen: which step, who acts, the deadline, consent so far (in the consent
//! step), why it cannot be completed yet, and the step's form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::domain::consent;
use crate::domain::route;
use crate::strings;
use crate::ui::action::{Action, Context};
use crate::ui::model::Model;
use crate::ui::wizard::Wizard;

pub fn draw(model: &Model, w: &Wizard, frame: &mut Frame, area: Rect) -> Option<Position> {
    let t = model.theme;
    let config = &model.config;
    let today = model.now.date();
    let block = Block::new().borders(Borders::TOP).title(Span::styled(format!(" {} ", w.title(config)), t.label()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let mut lines = Vec::new();
    if let Some(step) = w.step(config) {
        let mut head = vec![Span::raw(format!("  {}", strings::who_acts(&step.who)))];
        if let Some(day) = route::deadline(&config.route, &w.case.visits) {
            let overdue = day < today;
            head.push(Span::raw("   "));
            head.push(Span::styled(strings::deadline_line(day, overdue), if overdue { t.error() } else { t.warn() }));
        }
        lines.push(Line::from(head));
        if step.records_consent {
            for p in &config.route.purposes {
                let status = consent::status(&w.case.consents, &p.id, &w.case.intake, today);
                let given = consent::given(&w.case.consents, &p.id, &w.case.intake, today);
                let text = strings::consent_state(&p.name, &status, given, w.case.intake.gezag);
                lines.push(Line::from(Span::styled(format!("  {text}"), if given { t.ok() } else { t.muted() })));
            }
            let who = consent::Party::required(&w.case.intake, today)
                .into_iter()
                .map(|p| strings::party(p, w.case.intake.gezag))
                .collect::<Vec<_>>()
                .join(", ");
            let key = model.keymap.first_key_label(Context::Step, Action::Consent);
            lines.push(Line::from(Span::styled(format!("  {}", strings::consent_needed_from(&who, &key)), t.muted())));
        }
    }
    lines.push(Line::from(Span::styled(format!("  {}", strings::WIZARD_NOTE), t.muted())));
    if w.clears_note {
        lines.push(Line::from(Span::styled(format!("  ⚠ {}", strings::NOTE_WILL_BE_CLEARED), t.warn())));
    }
    if !w.blockers.is_empty() {
        lines.push(Line::from(Span::styled(format!("  ⚠ {}", strings::BLOCKED), t.error())));
        for b in &w.blockers {
            lines.push(Line::from(Span::styled(format!("    - {b}"), t.error())));
        }
    }
    // Each line may wrap (a long warning at 80 columns): count the rows it takes.
    let width = usize::from(inner.width.max(1));
    let rows: usize = lines.iter().map(|l| textwrap::wrap(&l.to_string(), width).len().max(1)).sum();
    let head_height = u16::try_from(rows).unwrap_or(u16::MAX);
    let [head, form] = Layout::vertical([Constraint::Length(head_height), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), head);
    w.form.draw(frame, form, t)
}
