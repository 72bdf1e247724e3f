//! The E3 agenda for the bestuurlijk OGGO, as Markdown: the open E3 questions by reason,
//! no child named.

use chrono::NaiveDate;

use crate::domain::case::Case;
use crate::domain::date;
use crate::domain::escalation::{self, AgendaItem, Named};
use crate::strings::{self, Label};

/// The agenda of the open E3 questions of `cases`, or the questions that name their
/// child (`escalation::agenda`).
pub fn markdown<'a>(
    cases: impl Iterator<Item = &'a Case>,
    school: &str,
    today: NaiveDate,
) -> Result<String, Vec<Named>> {
    escalation::agenda(cases, today).map(|items| render(&items, school, today))
}

fn render(items: &[AgendaItem], school: &str, today: NaiveDate) -> String {
    let mut out = format!("# {}\n\n{}\n", strings::AGENDA_TITLE, strings::agenda_intro(school, &date::format(today)));
    if items.is_empty() {
        out.push_str(&format!("\n{}\n", strings::AGENDA_EMPTY));
    }
    let mut current = None;
    for (n, item) in items.iter().enumerate() {
        if current != Some(item.reason) {
            out.push_str(&format!("\n## {}\n\n", item.reason.label()));
            current = Some(item.reason);
        }
        let question = item.question.replace('\n', " ");
        out.push_str(&format!("{}. {question} ({})\n", n + 1, strings::agenda_since(&date::format(item.opened))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::escalation::Reason;
    use crate::domain::testing::d;

    #[test]
    fn the_agenda_groups_the_questions_by_reason_and_numbers_them_through() {
        let item = |reason, question: &str| AgendaItem { reason, question: question.into(), opened: d(2026, 10, 1) };
        let items = [item(Reason::Funding, "Structureel"), item(Reason::Waiting, "Zit thuis:\ngeen plek")];
        let text = render(&items, "De Vlinder", d(2026, 11, 20));
        assert!(text.starts_with(&format!("# {}\n\n", strings::AGENDA_TITLE)), "{text}");
        assert!(text.contains("## financiering") && text.contains("1. Structureel (sinds 01-10-2026)"), "{text}");
        assert!(text.contains("## wachttijd\n\n2. Zit thuis: geen plek (sinds 01-10-2026)\n"), "{text}");
        assert!(render(&[], "De Vlinder", d(2026, 11, 20)).contains(strings::AGENDA_EMPTY));
    }
}
