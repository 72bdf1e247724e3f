//! The document as Markdown (CommonMark with pipe tables), for the parents' copy and
//! for pasting into mail or a Word document.

use super::{Block, Doc, Node};
use crate::strings;

/// Backslash-escapes the characters that would otherwise start markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text whose lines must stay lines: Markdown joins lines unless they end in a hard break.
fn lines(text: &str) -> String {
    text.lines().map(|l| escape(l.trim_end())).collect::<Vec<_>>().join("  \n")
}

fn cell(text: &str) -> String {
    escape(&text.replace('\n', " "))
}

fn table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    // An empty header cell is one space: a table of label and value has "| | |".
    let head = |h: &String| if h.is_empty() { " ".to_string() } else { format!(" {} ", cell(h)) };
    out.push_str(&format!("|{}|\n", header.iter().map(head).collect::<Vec<_>>().join("|")));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for row in rows {
        out.push_str(&format!("| {} |\n", row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")));
    }
}

pub fn render(doc: &Doc) -> String {
    let mut out = format!("# {}\n\n", escape(&doc.title));
    for line in &doc.meta {
        out.push_str(&format!("{}  \n", escape(line)));
    }
    for (i, block) in doc.blocks.iter().enumerate() {
        // Under meta lines a block starts after an empty line; right under the title it
        // follows that title's own.
        if i > 0 || !doc.meta.is_empty() {
            out.push('\n');
        }
        match block {
            Block::Heading(h) => out.push_str(&format!("## {}\n", escape(h))),
            Block::Subheading(h) => out.push_str(&format!("### {}\n", escape(h))),
            Block::Paragraph(p) => {
                for para in p.split("\n\n") {
                    out.push_str(&lines(para));
                    out.push_str("\n\n");
                }
                out.pop();
            }
            Block::Fields(fields) => {
                for (label, value) in fields {
                    out.push_str(&format!("- **{}:** {}\n", escape(label), cell(value)));
                }
            }
            Block::Table { header, rows } => table(&mut out, header, rows),
            Block::Bullets(items) => {
                for item in items {
                    out.push_str(&format!("- {}\n", cell(item)));
                }
            }
            Block::Tree(nodes) => {
                for (depth, text) in Node::flatten(nodes) {
                    out.push_str(&format!("{}- {text}\n", "  ".repeat(depth)));
                }
            }
            Block::Numbered { start, items } => {
                for (n, item) in (*start..).zip(items) {
                    out.push_str(&format!("{n}. {}\n", cell(item)));
                }
            }
            Block::Chart(chart) => {
                // As a table: one row per point, one column per series.
                let header: Vec<String> = std::iter::once(String::new()).chain(chart.series.iter().cloned()).collect();
                let rows: Vec<Vec<String>> = chart
                    .points
                    .iter()
                    .map(|p| std::iter::once(p.label.clone()).chain(p.values.iter().map(|(_, t)| t.clone())).collect())
                    .collect();
                table(&mut out, &header, &rows);
            }
            Block::Signatures(signers) => {
                for s in signers {
                    let date = if s.date.is_empty() { strings::PRINT_NOT_SIGNED.to_string() } else { s.date.clone() };
                    out.push_str(&format!(
                        "- **{}:** {} — {}: {}\n",
                        escape(&s.role),
                        cell(&s.name),
                        strings::PRINT_DATE,
                        cell(&date)
                    ));
                }
            }
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::Signature;

    #[test]
    fn escapes_markup_and_keeps_lines() {
        let doc = Doc {
            title: "Plan *test*".into(),
            meta: vec!["versie 1".into()],
            blocks: vec![
                Block::Heading("1. Kind".into()),
                Block::Paragraph("regel een\nregel | twee\n\nnieuwe alinea".into()),
                Block::Table { header: vec!["Wat".into(), "Wie".into()], rows: vec![vec!["a|b".into(), "c".into()]] },
                Block::Signatures(vec![Signature { role: "Ouder".into(), name: "Anna".into(), date: String::new() }]),
            ],
            footer: String::new(),
        };
        let md = render(&doc);
        assert!(md.starts_with("# Plan \\*test\\*\n"));
        assert!(md.contains("regel een  \nregel \\| twee\n\nnieuwe alinea\n"));
        assert!(md.contains("| a\\|b | c |\n"));
        assert!(md.contains(&format!("- **Ouder:** Anna — {}: {}\n", strings::PRINT_DATE, strings::PRINT_NOT_SIGNED)));
    }
}
