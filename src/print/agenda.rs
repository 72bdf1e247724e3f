//! The E3 agenda for the bestuurlijk OGGO, as Markdown: the open E3 questions by reason,
//! no child named.

use chrono::NaiveDate;

use super::{Block, Doc};
use crate::domain::case::Case;
use crate::domain::date;
use crate::domain::escalation::{self, AgendaItem, Named};
use crate::strings::{self, Label};

/// The agenda of the open E3 questions of `cases` as Markdown, or the questions that
/// name their child (`escalation::agenda`).
pub fn markdown<'a>(
    cases: impl Iterator<Item = &'a Case>,
    school: &str,
    today: NaiveDate,
) -> Result<String, Vec<Named>> {
    escalation::agenda(cases, today).map(|items| super::markdown::render(&document(&items, school, today)))
}

/// The agenda as a document: the intro, then per reason a heading and its questions,
/// numbered through.
pub fn document(items: &[AgendaItem], school: &str, today: NaiveDate) -> Doc {
    let mut blocks = vec![Block::Paragraph(strings::agenda_intro(school, &date::format(today)))];
    if items.is_empty() {
        blocks.push(Block::Paragraph(strings::AGENDA_EMPTY.to_string()));
    }
    let mut start = 1;
    for group in items.chunk_by(|a, b| a.reason == b.reason) {
        blocks.push(Block::Heading(group[0].reason.label().to_string()));
        let question = |i: &AgendaItem| {
            format!("{} ({})", i.question.replace('\n', " "), strings::agenda_since(&date::format(i.opened)))
        };
        blocks.push(Block::Numbered { start, items: group.iter().map(question).collect() });
        start += group.len();
    }
    Doc {
        title: strings::AGENDA_TITLE.to_string(),
        meta: Vec::new(),
        blocks,
        footer: strings::AGENDA_TITLE.to_string(),
    }
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
        let text = crate::print::markdown::render(&document(&items, "De Vlinder", d(2026, 11, 20)));
        assert!(text.starts_with(&format!("# {}\n\n", strings::AGENDA_TITLE)), "{text}");
        assert!(text.contains("## financiering") && text.contains("1. Structureel (sinds 01-10-2026)"), "{text}");
        assert!(text.contains("## wachttijd\n\n2. Zit thuis: geen plek (sinds 01-10-2026)\n"), "{text}");
        // The text the agenda had before it was a document, byte for byte.
        let intro = strings::agenda_intro("De Vlinder", "20-11-2026");
        assert_eq!(
            text,
            format!(
                "# {}\n\n{intro}\n\n## financiering\n\n1. Structureel (sinds 01-10-2026)\n\n## wachttijd\n\n2. Zit thuis: geen plek (sinds 01-10-2026)\n",
                strings::AGENDA_TITLE
            )
        );
        let empty = crate::print::markdown::render(&document(&[], "De Vlinder", d(2026, 11, 20)));
        assert_eq!(empty, format!("# {}\n\n{intro}\n\n{}\n", strings::AGENDA_TITLE, strings::AGENDA_EMPTY));
        assert!(
            !crate::print::pdf::render(
                &document(&items, "De Vlinder", d(2026, 11, 20)),
                d(2026, 11, 20).and_hms_opt(9, 0, 0).unwrap()
            )
            .unwrap()
            .is_empty()
        );
    }
}
