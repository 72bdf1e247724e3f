//! The plan van aanpak as a printable document, and the changes between two versions.

use chrono::NaiveDate;

use super::{Block, Doc, Signature, markdown};
use crate::domain::case::Field;
use crate::domain::date;
use crate::domain::plan::{Context, Plan, Section};
use crate::strings::{self, Label};

fn text_or_dash(text: &str) -> String {
    if text.trim().is_empty() { "—".to_string() } else { text.trim().to_string() }
}

fn date_or_dash(d: Option<NaiveDate>) -> String {
    d.map(date::format).unwrap_or_else(|| "—".into())
}

/// The plan's sections in order, each a heading and its blocks.
pub fn document(plan: &Plan, cx: &Context, school: &str, printed: NaiveDate) -> Doc {
    let case = cx.case;
    let status = match plan.signed_on() {
        Some(on) => strings::plan_signed_on(&date::format(on)),
        None => strings::PLAN_DRAFT.to_string(),
    };
    let meta = vec![
        format!("{}: {}", strings::PRINT_PUPIL, strings::pupil(case)),
        format!("{}: {}", strings::PRINT_SCHOOL, school),
        format!(
            "{} {} · {} · {}",
            strings::PRINT_VERSION,
            plan.version,
            status,
            strings::printed_on(&date::format(printed))
        ),
    ];
    let mut blocks = Vec::new();
    for section in Section::ALL {
        blocks.push(Block::Heading(strings::section_title(section)));
        blocks.extend(section_blocks(section, plan, cx));
    }
    Doc {
        title: strings::PLAN_TITLE.to_string(),
        meta,
        blocks,
        footer: format!(
            "{} · {} · {} {}",
            strings::PLAN_TITLE,
            strings::pupil(case),
            strings::PRINT_VERSION,
            plan.version
        ),
    }
}

fn para(text: &str) -> Block {
    Block::Paragraph(text_or_dash(text))
}

/// A table of `rows` under `header`; a dash for an empty list.
fn table_or_dash(header: &[&str], rows: Vec<Vec<String>>) -> Vec<Block> {
    if rows.is_empty() {
        return vec![para("")];
    }
    vec![Block::Table { header: header.iter().map(|h| h.to_string()).collect(), rows }]
}

fn section_blocks(section: Section, plan: &Plan, cx: &Context) -> Vec<Block> {
    match section {
        Section::Family => family(plan, cx),
        Section::Question => vec![para(&plan.vraag)],
        Section::Strengths => strengths(plan),
        Section::Needs => vec![para(&plan.behoeften)],
        Section::Factors => vec![para(&plan.factoren)],
        Section::Division => table_or_dash(&strings::PRINT_DIVISION_HEADER, division_rows(plan)),
        Section::Goals => table_or_dash(&strings::PRINT_GOAL_HEADER, goal_rows(plan)),
        Section::Actions => table_or_dash(&strings::PRINT_ACTION_HEADER, action_rows(plan)),
        Section::Own => vec![para(&plan.zelf)],
        Section::Regie => vec![Block::Fields(vec![
            (strings::PLAN_FORM_LABELS.regiehouder.into(), text_or_dash(&plan.regiehouder)),
            (strings::PLAN_FORM_LABELS.contact.into(), text_or_dash(&plan.contact)),
        ])],
        Section::Evaluation => {
            let dates = plan.evaluations.iter().map(|d| date::format(*d)).collect::<Vec<_>>().join(", ");
            vec![Block::Fields(vec![(strings::PRINT_EVAL_DATES.into(), text_or_dash(&dates))]), para(&plan.criteria)]
        }
        Section::Sharing => sharing(plan, cx),
        Section::SignOff => vec![signatures(plan)],
        Section::References => vec![Block::Fields(vec![
            (strings::PLAN_FORM_LABELS.opp.into(), strings::yes_no(plan.opp).into()),
            (strings::PLAN_FORM_LABELS.meldcode.into(), strings::yes_no(plan.meldcode).into()),
        ])],
    }
}

fn family(plan: &Plan, cx: &Context) -> Vec<Block> {
    let intake = &cx.case.intake;
    vec![
        Block::Fields(vec![
            (strings::PRINT_NAME.into(), strings::pupil(cx.case)),
            (Field::BirthDate.label().into(), date::format(intake.birth_date)),
            (Field::Groep.label().into(), intake.groep.to_string()),
            (Field::Gezag.label().into(), intake.gezag.label().to_string()),
        ]),
        para(&plan.betrokkenen),
    ]
}

fn strengths(plan: &Plan) -> Vec<Block> {
    let mut out = vec![para(&plan.krachten)];
    if !plan.concerns.is_empty() {
        let rows = plan.concerns.iter().map(|c| vec![c.text.clone(), c.priority.label().to_string()]).collect();
        out.push(Block::Table { header: strings::PRINT_CONCERN_HEADER.map(String::from).to_vec(), rows });
    }
    out
}

fn division_rows(plan: &Plan) -> Vec<Vec<String>> {
    let row = |d: &crate::domain::plan::Division| {
        vec![d.domain.label().to_string(), text_or_dash(&d.what), d.payer.map_or("—".into(), |p| p.label().to_string())]
    };
    plan.division.iter().map(row).collect()
}

fn goal_rows(plan: &Plan) -> Vec<Vec<String>> {
    let row = |(i, g): (usize, &crate::domain::plan::Goal)| {
        let concern =
            g.concern.and_then(|id| plan.concerns.iter().find(|c| c.id == id)).map_or("—".into(), |c| c.text.clone());
        vec![format!("{}", i + 1), g.text.clone(), g.domain.label().into(), text_or_dash(&g.criterion), concern]
    };
    plan.goals.iter().enumerate().map(row).collect()
}

fn action_rows(plan: &Plan) -> Vec<Vec<String>> {
    let goal_no = |id: Option<u32>| {
        id.and_then(|id| plan.goals.iter().position(|g| g.id == id)).map_or("—".into(), |i| format!("{}", i + 1))
    };
    let row = |a: &crate::domain::plan::Action| {
        vec![
            a.what.clone(),
            strings::action_owner(a.party.map(|p| p.label()), &a.person),
            date_or_dash(a.by),
            a.status.label().to_string(),
            goal_no(a.goal),
        ]
    };
    plan.actions.iter().map(row).collect()
}

fn sharing(plan: &Plan, cx: &Context) -> Vec<Block> {
    let consents: Vec<String> = cx
        .case
        .consents
        .iter()
        .map(|c| format!("{}: {}", cx.route.purpose_name(&c.purpose), strings::consent_record(c, cx.case.intake.gezag)))
        .collect();
    let mut out = vec![if consents.is_empty() {
        Block::Paragraph(strings::ACCESS_NO_CONSENT.into())
    } else {
        Block::Bullets(consents)
    }];
    if !plan.delen.trim().is_empty() {
        out.push(para(&plan.delen));
    }
    out
}

fn signatures(plan: &Plan) -> Block {
    Block::Signatures(
        plan.signers
            .iter()
            .map(|s| Signature {
                role: s.role.label().to_string(),
                name: s.name.clone(),
                date: s.signed.map(date::format).unwrap_or_default(),
            })
            .collect(),
    )
}

/// One line of a comparison between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Removed(String),
    Added(String),
}

/// The changes from `old` to `new`, line by line over their Markdown text, each with
/// two unchanged lines around it so the reader sees where it falls; "…" between groups.
pub fn diff(old: &Doc, new: &Doc) -> Vec<DiffLine> {
    let (a, b) = (markdown::render(old), markdown::render(new));
    let diff = similar::TextDiff::from_lines(&a, &b);
    let mut out = Vec::new();
    for (i, group) in diff.grouped_ops(2).iter().enumerate() {
        if i > 0 {
            out.push(DiffLine::Same("…".into()));
        }
        for op in group {
            for c in diff.iter_changes(op) {
                let line = c.value().trim_end_matches('\n').to_string();
                out.push(match c.tag() {
                    similar::ChangeTag::Equal => DiffLine::Same(line),
                    similar::ChangeTag::Delete => DiffLine::Removed(line),
                    similar::ChangeTag::Insert => DiffLine::Added(line),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::Block;

    fn doc(lines: &[String]) -> Doc {
        Doc {
            title: "t".into(),
            meta: vec![],
            blocks: lines.iter().map(|l| Block::Paragraph(l.clone())).collect(),
            footer: String::new(),
        }
    }

    #[test]
    fn the_diff_shows_changes_with_a_little_context() {
        let old: Vec<String> = (0..20).map(|i| format!("regel {i}")).collect();
        let mut new = old.clone();
        new[3] = "regel drie".into();
        new[15] = "regel vijftien".into();
        let d = diff(&doc(&old), &doc(&new));
        let removed: Vec<&DiffLine> = d.iter().filter(|l| matches!(l, DiffLine::Removed(_))).collect();
        assert_eq!(removed, [&DiffLine::Removed("regel 3".into()), &DiffLine::Removed("regel 15".into())]);
        assert!(d.contains(&DiffLine::Added("regel drie".into())));
        assert!(d.contains(&DiffLine::Same("…".into())), "two groups");
        assert!(!d.contains(&DiffLine::Same("regel 9".into())), "far-away lines are left out");
    }
}
