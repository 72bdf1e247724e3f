//! Printable documents: the plan van aanpak and the E3 agenda are built once as a `Doc`,
//! then written as Markdown or as an A4 PDF; the parents' copy is Markdown of its own
//! (`access`). Pure: bytes and strings out, no IO.

pub mod access;
pub mod agenda;
pub mod markdown;
pub mod pdf;
pub mod plan;

/// A document in reading order. Text is plain (no markup); the writers escape it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub title: String,
    /// Lines under the title (pupil, version, date printed).
    pub meta: Vec<String>,
    pub blocks: Vec<Block>,
    /// Printed at the foot of every page, left of the page number.
    pub footer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A section heading, e.g. "7. Doelen".
    Heading(String),
    /// A heading within a section, e.g. a step of the route.
    Subheading(String),
    /// Running text; a newline starts a new line, an empty line a new paragraph.
    Paragraph(String),
    /// Label and value pairs, e.g. "Regiehouder" / "Fatima El Amrani".
    Fields(Vec<(String, String)>),
    /// A table with a header row; every row has as many cells as the header.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Bullets(Vec<String>),
    /// A numbered list whose first item has number `start` (a list continued after a heading).
    Numbered {
        start: usize,
        items: Vec<String>,
    },
    /// A nested list written as it is (no markup escaped): a stored record, key by key.
    Tree(Vec<Node>),
    /// Lines to sign on paper: one per signer, with name and date filled in when known.
    Signatures(Vec<Signature>),
    /// A small bar chart, e.g. a trend over half-years.
    Chart(Chart),
}

/// Bars per point (a half-year), one per series, told apart by fill (white, dark grey,
/// light grey, each outlined) so the chart reads printed in black and white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// The legend: one name per series.
    pub series: Vec<String>,
    pub points: Vec<ChartPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartPoint {
    /// Under the bars, e.g. "2026-H2".
    pub label: String,
    /// Per series: the bar's height, and the text above it ("12", or "<5" for a count too
    /// small to publish, drawn at the height the caller chose).
    pub values: Vec<(u64, String)>,
}

/// An item of a `Tree`, with the items under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// The nodes in reading order, each with its depth (0 at the top).
    pub fn flatten(nodes: &[Node]) -> Vec<(usize, &str)> {
        fn walk<'a>(nodes: &'a [Node], depth: usize, out: &mut Vec<(usize, &'a str)>) {
            for n in nodes {
                out.push((depth, &n.text));
                walk(&n.children, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        walk(nodes, 0, &mut out);
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// "Ouder/verzorger", "Kind", "Intern begeleider", "Wijkteam".
    pub role: String,
    pub name: String,
    /// A Dutch date ("12-11-2026"), or empty when not signed yet.
    pub date: String,
}
