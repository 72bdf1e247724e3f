//! A4 PDF writer for a [`Doc`]: the plan van aanpak that parents, child, intern begeleider and
//! wijkteam sign on paper, so every name must print exactly as typed ("Ayşe Yılmaz", "Nguyễn",
//! "Ĳsselmeer"). The text is set in DejaVu Sans, bundled in `fonts/` (license there): the layout
//! here is measured with the font's own advance widths, and each PDF embeds a subset holding
//! just the glyphs it uses, which keeps a plan at tens of kilobytes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use chrono::NaiveDateTime;
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFont, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, TextItem, WindingOrder,
};
use unicode_normalization::UnicodeNormalization;

use super::{Block, Chart, Doc, Node, Signature};
use crate::strings;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", strings::pdf_failed(.0))]
pub struct PdfError(String);

/// Writes `doc` as an A4 PDF; `created` is its creation date (the moment of printing,
/// from the caller, stored as given).
pub fn render(doc: &Doc, created: NaiveDateTime) -> Result<Vec<u8>, PdfError> {
    // printpdf and allsorts are not ours; a panic in them must become an error, not take the app down.
    let bytes = catch_unwind(AssertUnwindSafe(|| build(doc, created))).map_err(|payload| {
        let msg =
            payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned());
        PdfError(msg.unwrap_or_else(|| strings::PDF_UNKNOWN.to_string()))
    })??;
    if !bytes.starts_with(b"%PDF") {
        return Err(PdfError(strings::PDF_INVALID.to_string()));
    }
    Ok(bytes)
}

/// The characters of `doc` that the embedded font cannot print (they print as U+FFFD),
/// in order, each once: so the user can be told which ones, e.g. Chinese script.
pub fn unprintable(doc: &Doc) -> Vec<char> {
    let mut texts: Vec<&str> = vec![&doc.title, &doc.footer];
    texts.extend(doc.meta.iter().map(String::as_str));
    for block in &doc.blocks {
        match block {
            Block::Heading(s) | Block::Subheading(s) | Block::Paragraph(s) => texts.push(s),
            Block::Tree(nodes) => texts.extend(Node::flatten(nodes).into_iter().map(|(_, t)| t)),
            Block::Fields(pairs) => texts.extend(pairs.iter().flat_map(|(a, b)| [a.as_str(), b.as_str()])),
            Block::Table { header, rows } => {
                texts.extend(header.iter().chain(rows.iter().flatten()).map(String::as_str))
            }
            Block::Bullets(items) | Block::Numbered { items, .. } => texts.extend(items.iter().map(String::as_str)),
            Block::Signatures(signers) => {
                texts.extend(signers.iter().flat_map(|s| [s.role.as_str(), s.name.as_str(), s.date.as_str()]))
            }
            Block::Chart(c) => {
                texts.extend(c.series.iter().map(String::as_str));
                for p in &c.points {
                    texts.push(&p.label);
                    texts.extend(p.values.iter().map(|(_, t)| t.as_str()));
                }
            }
        }
    }
    let chars: BTreeSet<char> = texts
        .iter()
        .flat_map(|t| t.nfc())
        .filter(|&c| c != MISSING && Font::ALL.iter().any(|&f| glyph(c, f) == Some(MISSING)))
        .collect();
    chars.into_iter().collect()
}

fn build(doc: &Doc, created: NaiveDateTime) -> Result<Vec<u8>, PdfError> {
    // Layout measures with the faces; without them it would measure every glyph as zero wide.
    faces().map_err(|file| PdfError(file.to_string()))?;
    let pages = add_footers(layout(doc), &doc.footer);
    let mut pdf = PdfDocument::new(&doc.title);
    let created = printpdf::date::OffsetDateTime::from_unix_timestamp(created.and_utc().timestamp())
        .map_err(|e| PdfError(e.to_string()))?;
    pdf.metadata.info.creation_date = created;
    pdf.metadata.info.modification_date = created;
    pdf.metadata.info.metadata_date = created;
    for (font, chars) in used_chars(&pages) {
        let parsed = font.subset(&chars).map_err(PdfError)?;
        pdf.resources.fonts.map.insert(font.id(), PdfFont::new(parsed));
    }
    pdf.with_pages(pages.into_iter().map(|ops| PdfPage::new(Mm(210.0), Mm(297.0), ops)).collect());
    // The fonts are subset above already: printpdf only subsets with its heavy `text_layout` feature.
    let opts = PdfSaveOptions { optimize: true, subset_fonts: false, secure: true, image_optimization: None };
    Ok(pdf.save(&opts, &mut Vec::new()))
}

// Geometry in points, origin bottom left.
const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const LEFT: f32 = 20.0 * MM;
const RIGHT: f32 = PAGE_W - 20.0 * MM;
const TEXT_W: f32 = RIGHT - LEFT;
const TOP: f32 = PAGE_H - 20.0 * MM;
/// Lowest point content may reach; the footer lives below it.
const BOTTOM: f32 = 22.0 * MM;
const FOOTER_BASELINE: f32 = 12.0 * MM;

const TITLE: f32 = 18.0;
const HEADING: f32 = 12.5;
const BODY: f32 = 10.5;
const SMALL: f32 = 9.5;
const FOOTER: f32 = 8.0;
const LEADING: f32 = 1.3;
const BLOCK_GAP: f32 = 8.0;
const CELL_PAD: f32 = 4.0;
const BULLET_INDENT: f32 = 14.0;
/// Label column of a signer (role, "Datum").
const SIG_LABEL_W: f32 = 48.0 * MM;
/// Vertical room between the name line and the line to sign on.
const SIG_SPACE: f32 = 14.0 * MM;
/// Room below the line to sign on, before the next signer.
const SIG_AFTER: f32 = 11.0 * MM;

const BLACK: f32 = 0.0;
const GREY: f32 = 0.35;
const LIGHT: f32 = 0.7;

/// A chart's whole height: the values above the bars, the bars, their labels and the legend.
const CHART_H: f32 = 52.0 * MM;
const CHART_BARS_H: f32 = 30.0 * MM;
/// The widest a bar is drawn, however few there are.
const CHART_BAR_MAX_W: f32 = 9.0 * MM;
/// Fill per series, each outlined in black: white, dark grey, light grey.
const CHART_FILLS: [f32; 3] = [1.0, 0.3, 0.75];

/// Printed for a character the font has no glyph for, so a lost letter shows instead of vanishing.
const MISSING: char = '\u{FFFD}';

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    const ALL: [Font; 2] = [Font::Regular, Font::Bold];

    /// PostScript name and font file.
    fn file(self) -> (&'static str, &'static [u8]) {
        match self {
            Font::Regular => ("DejaVuSans", include_bytes!("fonts/DejaVuSans.ttf")),
            Font::Bold => ("DejaVuSans-Bold", include_bytes!("fonts/DejaVuSans-Bold.ttf")),
        }
    }

    fn id(self) -> FontId {
        FontId(self.file().0.to_string())
    }

    fn handle(self) -> PdfFontHandle {
        PdfFontHandle::External(self.id())
    }

    /// `None` only if the bundled fonts do not parse, which `build` reports before any layout.
    fn face(self) -> Option<&'static Face> {
        let [regular, bold] = faces().ok()?;
        Some(match self {
            Font::Regular => regular,
            Font::Bold => bold,
        })
    }

    /// The font cut down to `chars` (which it must have glyphs for, see `sanitize`), ready to embed.
    fn subset(self, chars: &BTreeSet<char>) -> Result<ParsedFont, String> {
        let (name, bytes) = self.file();
        // Glyph 0 (.notdef) first and no duplicates, as allsorts requires.
        let glyphs: BTreeSet<u16> = match self.face() {
            Some(face) => chars.iter().filter_map(|c| face.glyphs.get(c)).map(|g| g.0).filter(|&g| g != 0).collect(),
            None => BTreeSet::new(),
        };
        let ids: Vec<u16> = std::iter::once(0).chain(glyphs).collect();
        let font = ReadScope::new(bytes).read::<FontData<'_>>().map_err(|e| format!("{name}: {e}"))?;
        let provider = font.table_provider(0).map_err(|e| format!("{name}: {e}"))?;
        // The subset keeps a Unicode cmap, so printpdf maps text to the renumbered glyphs itself.
        let program =
            subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode).map_err(|e| format!("{name}: {e}"))?;
        let mut parsed = ParsedFont::from_bytes(&program, 0, &mut Vec::new()).ok_or_else(|| name.to_string())?;
        parsed.font_name = Some(format!("{}+{name}", subset_tag(&ids)));
        Ok(parsed)
    }
}

/// The six capital letters that mark a subset font's name (PDF 32000-1, 9.6.4), derived from
/// the glyphs it holds: the same for the same subset, different for different ones.
fn subset_tag(ids: &[u16]) -> String {
    // FNV-1a
    let mut hash: u32 = 0x811c_9dc5;
    for byte in ids.iter().flat_map(|id| id.to_be_bytes()) {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    (0..6)
        .map(|_| {
            let letter = char::from(b'A' + (hash % 26) as u8);
            hash /= 26;
            letter
        })
        .collect()
}

/// What layout needs of a bundled font: per character its glyph id and advance width (in em),
/// read from the font's cmap and hmtx tables.
struct Face {
    glyphs: HashMap<char, (u16, f32)>,
}

impl Face {
    fn parse(bytes: &[u8]) -> Option<Face> {
        let font = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())?;
        let em = f32::from(font.units_per_em.max(1));
        let glyphs = font
            .codepoint_to_glyph
            .iter()
            .filter_map(|(&cp, &gid)| {
                let advance = f32::from(font.get_glyph_width(gid).unwrap_or(0)) / em;
                Some((char::from_u32(cp)?, (gid, advance)))
            })
            .collect();
        Some(Face { glyphs })
    }
}

/// Both faces, parsed once. The error names the font file that would not parse (the test
/// `bundled_fonts_cover_dutch_names` shows they do).
fn faces() -> Result<&'static [Face; 2], &'static str> {
    static FACES: OnceLock<Result<[Face; 2], &'static str>> = OnceLock::new();
    let parse = |font: Font| Face::parse(font.file().1).ok_or(font.file().0);
    FACES.get_or_init(|| Ok([parse(Font::Regular)?, parse(Font::Bold)?])).as_ref().map_err(|e| *e)
}

/// The characters drawn in each font the pages select.
fn used_chars(pages: &[Vec<Op>]) -> BTreeMap<Font, BTreeSet<char>> {
    let mut used: BTreeMap<Font, BTreeSet<char>> = BTreeMap::new();
    let mut current = None;
    for op in pages.iter().flatten() {
        match op {
            Op::SetFont { font: PdfFontHandle::External(id), .. } => {
                current = Font::ALL.into_iter().find(|f| id.0 == f.file().0);
                if let Some(font) = current {
                    used.entry(font).or_default();
                }
            }
            Op::ShowText { items } => {
                if let Some(chars) = current.and_then(|f| used.get_mut(&f)) {
                    for item in items {
                        if let TextItem::Text(s) = item {
                            chars.extend(s.chars());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    used
}

fn char_width(c: char, font: Font, size: f32) -> f32 {
    font.face().and_then(|f| f.glyphs.get(&c)).map_or(0.0, |g| g.1) * size
}

fn text_width(s: &str, font: Font, size: f32) -> f32 {
    s.chars().map(|c| char_width(c, font, size)).sum()
}

/// NFC-normalises text (decomposed accents, e.g. pasted from macOS, become one letter) and
/// maps it to what `font` can draw, so that measuring and drawing agree: invisible format
/// characters are dropped, whitespace the font lacks (tabs) becomes a space, and any other
/// character it lacks prints as U+FFFD.
fn sanitize(s: &str, font: Font) -> String {
    s.nfc().filter_map(|c| glyph(c, font)).collect()
}

/// What `font` draws for one (NFC) character: None when it is dropped.
fn glyph(c: char, font: Font) -> Option<char> {
    let has = |c: char| font.face().is_some_and(|f| f.glyphs.contains_key(&c));
    match c {
        '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
        c if !c.is_control() && has(c) => Some(c),
        c if c.is_whitespace() => Some(' '),
        c if c.is_control() => None,
        _ => Some(MISSING),
    }
}

/// Wraps text to `max_w`: a newline starts a new line, words wider than a line are broken
/// between characters. Always at least one (possibly empty) line.
fn wrap(text: &str, font: Font, size: f32, max_w: f32) -> Vec<String> {
    let mut out = Vec::new();
    let space = char_width(' ', font, size);
    for raw in text.split('\n') {
        let line = sanitize(raw, font);
        let mut cur = String::new();
        let mut cur_w = 0.0;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let w = text_width(word, font, size);
            if !cur.is_empty() && cur_w + space + w <= max_w {
                cur.push(' ');
                cur.push_str(word);
                cur_w += space + w;
                continue;
            }
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur_w = 0.0;
            for c in word.chars() {
                let cw = char_width(c, font, size);
                // Only reached for a word wider than the line: a line always takes one char.
                if !cur.is_empty() && cur_w + cw > max_w {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0.0;
                }
                cur.push(c);
                cur_w += cw;
            }
        }
        out.push(cur);
    }
    out
}

/// Cuts a single line to `max_w`, marking the cut with an ellipsis.
fn truncate(text: &str, font: Font, size: f32, max_w: f32) -> String {
    let s = sanitize(&text.replace('\n', " "), font);
    if text_width(&s, font, size) <= max_w {
        return s;
    }
    let room = max_w - char_width('…', font, size);
    let mut out = String::new();
    let mut w = 0.0;
    for c in s.chars() {
        w += char_width(c, font, size);
        if w > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Splits running text into paragraphs (at blank lines), each wrapped to lines.
fn paragraphs(text: &str, max_w: f32) -> Vec<Vec<String>> {
    let mut paras = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in text.split('\n') {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                paras.push(wrap(&cur.join("\n"), Font::Regular, BODY, max_w));
                cur.clear();
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        paras.push(wrap(&cur.join("\n"), Font::Regular, BODY, max_w));
    }
    paras
}

struct Cell {
    x: f32,
    lines: Vec<String>,
    font: Font,
}

#[derive(Clone, Copy, PartialEq)]
enum Rules {
    None,
    Header,
    Body,
}

/// A row of side-by-side cells sharing one line height.
struct Row {
    cells: Vec<Cell>,
    size: f32,
    pad: f32,
    rules: Rules,
}

impl Row {
    fn lines(&self) -> usize {
        self.cells.iter().map(|c| c.lines.len()).max().unwrap_or(0).max(1)
    }

    fn lh(&self) -> f32 {
        self.size * LEADING
    }

    fn height(&self) -> f32 {
        2.0 * self.pad + self.lines() as f32 * self.lh()
    }
}

fn field_rows(fields: &[(String, String)]) -> Vec<Row> {
    let widest = fields.iter().map(|(l, _)| text_width(&sanitize(l, Font::Bold), Font::Bold, BODY)).fold(0.0, f32::max);
    let label_w = widest.min(TEXT_W * 0.35);
    let value_x = LEFT + label_w + 12.0;
    let value_w = RIGHT - value_x;
    fields
        .iter()
        .map(|(label, value)| Row {
            cells: vec![
                Cell { x: LEFT, lines: wrap(label, Font::Bold, BODY, label_w), font: Font::Bold },
                Cell { x: value_x, lines: wrap(value, Font::Regular, BODY, value_w), font: Font::Regular },
            ],
            size: BODY,
            pad: 1.5,
            rules: Rules::None,
        })
        .collect()
}

/// Column widths proportional to content: columns that fit their fair share keep their natural
/// width, the others share the rest in proportion to their content, each at least its longest
/// word (within limits). The result is scaled to exactly the text width.
fn column_widths(header: &[String], rows: &[Vec<String>], cols: usize) -> Vec<f32> {
    let mut natural = vec![2.0 * CELL_PAD; cols];
    let mut word = vec![0.0f32; cols];
    let cells = rows.iter().map(|r| (r.as_slice(), Font::Regular)).chain(std::iter::once((header, Font::Bold)));
    for (row, font) in cells {
        for ((cell, nat), longest) in row.iter().zip(natural.iter_mut()).zip(word.iter_mut()) {
            for line in cell.split('\n').map(|l| sanitize(l, font)) {
                *nat = nat.max(text_width(&line, font, SMALL) + 2.0 * CELL_PAD);
                for w in line.split(' ') {
                    *longest = longest.max(text_width(w, font, SMALL));
                }
            }
        }
    }
    let mut width: Vec<Option<f32>> = vec![None; cols];
    let mut left = TEXT_W;
    loop {
        let open = width.iter().filter(|w| w.is_none()).count();
        let share = left / open.max(1) as f32;
        let mut settled = false;
        for (w, n) in width.iter_mut().zip(&natural) {
            if w.is_none() && *n <= share {
                *w = Some(*n);
                left -= n;
                settled = true;
            }
        }
        if !settled {
            break;
        }
    }
    let open_sum: f32 = width.iter().zip(&natural).filter(|(w, _)| w.is_none()).map(|(_, n)| n).sum();
    let widths: Vec<f32> = width
        .iter()
        .zip(natural.iter().zip(&word))
        .map(|(w, (n, longest))| {
            w.unwrap_or_else(|| {
                let min = (longest + 2.0 * CELL_PAD).clamp(15.0 * MM, TEXT_W * 0.4).min(*n);
                (left.max(0.0) * n / open_sum).max(min)
            })
        })
        .collect();
    let total: f32 = widths.iter().sum();
    widths.iter().map(|w| w * TEXT_W / total).collect()
}

fn table_rows(header: &[String], rows: &[Vec<String>]) -> Option<(Row, Vec<Row>)> {
    let cols = rows.iter().map(Vec::len).chain(std::iter::once(header.len())).max().unwrap_or(0);
    if cols == 0 {
        return None;
    }
    let widths = column_widths(header, rows, cols);
    let make = |cells: &[String], font: Font, rules: Rules| {
        let mut x = LEFT;
        let mut out = Vec::with_capacity(cols);
        for (i, w) in widths.iter().enumerate() {
            let text = cells.get(i).map(String::as_str).unwrap_or("");
            out.push(Cell { x: x + CELL_PAD, lines: wrap(text, font, SMALL, w - 2.0 * CELL_PAD), font });
            x += w;
        }
        Row { cells: out, size: SMALL, pad: 3.0, rules }
    };
    let head = make(header, Font::Bold, Rules::Header);
    Some((head, rows.iter().map(|r| make(r, Font::Regular, Rules::Body)).collect()))
}

/// A list's items, each after a bullet, or after its number counting from `numbered_from`.
fn list_rows(items: &[String], numbered_from: Option<usize>) -> Vec<Row> {
    let mark = |i: usize| numbered_from.map_or_else(|| "•".to_string(), |start| format!("{}.", start + i));
    items
        .iter()
        .enumerate()
        .map(|(i, item)| Row {
            cells: vec![
                Cell { x: LEFT + 3.0, lines: vec![mark(i)], font: Font::Regular },
                Cell {
                    x: LEFT + BULLET_INDENT,
                    lines: wrap(item, Font::Regular, BODY, TEXT_W - BULLET_INDENT),
                    font: Font::Regular,
                },
            ],
            size: BODY,
            pad: 1.0,
            rules: Rules::None,
        })
        .collect()
}

/// A tree's items as bullets, each level one indent further in.
fn tree_rows(nodes: &[Node]) -> Vec<Row> {
    Node::flatten(nodes)
        .into_iter()
        .map(|(depth, text)| {
            let x = LEFT + BULLET_INDENT * depth as f32;
            Row {
                cells: vec![
                    Cell { x: x + 3.0, lines: vec!["•".to_string()], font: Font::Regular },
                    Cell {
                        x: x + BULLET_INDENT,
                        lines: wrap(text, Font::Regular, BODY, TEXT_W - BULLET_INDENT * (depth + 1) as f32),
                        font: Font::Regular,
                    },
                ],
                size: BODY,
                pad: 1.0,
                rules: Rules::None,
            }
        })
        .collect()
}

/// Role and name side by side; the signing line follows below.
fn signer_row(s: &Signature) -> Row {
    let name_x = LEFT + SIG_LABEL_W;
    Row {
        cells: vec![
            Cell { x: LEFT, lines: wrap(&s.role, Font::Bold, BODY, SIG_LABEL_W - 8.0), font: Font::Bold },
            Cell { x: name_x, lines: wrap(&s.name, Font::Regular, BODY, RIGHT - name_x), font: Font::Regular },
        ],
        size: BODY,
        pad: 0.0,
        rules: Rules::None,
    }
}

fn signer_height(s: &Signature) -> f32 {
    signer_row(s).height() + SIG_SPACE + SIG_AFTER
}

/// Height of what must stay on the page together with a heading above `block`.
fn first_unit_height(block: &Block) -> f32 {
    let lh = BODY * LEADING;
    match block {
        Block::Heading(t) => wrap(t, Font::Bold, HEADING, TEXT_W).len() as f32 * HEADING * 1.25,
        Block::Paragraph(t) => paragraphs(t, TEXT_W).first().map_or(0.0, |p| p.len().min(2) as f32 * lh),
        Block::Fields(f) => field_rows(f.get(..1).unwrap_or_default()).first().map_or(0.0, Row::height),
        Block::Table { header, rows } => {
            table_rows(header, rows).map_or(0.0, |(h, r)| h.height() + r.first().map_or(0.0, Row::height))
        }
        Block::Bullets(items) | Block::Numbered { items, .. } => {
            list_rows(items.get(..1).unwrap_or_default(), None).first().map_or(0.0, Row::height)
        }
        Block::Subheading(t) => wrap(t, Font::Bold, BODY, TEXT_W).len() as f32 * lh,
        Block::Tree(nodes) => tree_rows(nodes).first().map_or(0.0, Row::height),
        Block::Chart(_) => CHART_H,
        Block::Signatures(s) => {
            let all: f32 = s.iter().map(signer_height).sum();
            if all <= TOP - BOTTOM { all } else { s.first().map_or(0.0, signer_height) }
        }
    }
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale::new(level, None))
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint { p: Point { x: Pt(x), y: Pt(y) }, bezier: false }
}

/// Baseline of a line whose box (of height `size * leading`) starts at `top`.
fn baseline(top: f32, size: f32, leading: f32) -> f32 {
    top - size * ((leading - 1.0) / 2.0 + 0.76)
}

/// Page-by-page drawing operations with a cursor `y` (top of the next content).
struct Writer {
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
}

impl Writer {
    fn at_top(&self) -> bool {
        self.y >= TOP
    }

    fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = TOP;
    }

    /// Breaks the page unless `h` fits; on a fresh page breaking gains nothing.
    fn ensure(&mut self, h: f32) {
        if h > self.room() + 0.01 && !self.at_top() {
            self.new_page();
        }
    }

    fn gap(&mut self, h: f32) {
        if !self.at_top() {
            self.y -= h;
        }
    }

    fn text(&mut self, x: f32, baseline: f32, s: &str, font: Font, size: f32, level: f32) {
        if s.is_empty() {
            return;
        }
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFillColor { col: grey(level) },
            Op::SetFont { font: font.handle(), size: Pt(size) },
            Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(baseline) } },
            Op::ShowText { items: vec![TextItem::Text(s.to_string())] },
            Op::EndTextSection,
        ]);
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32, width: f32, level: f32) {
        self.ops.extend([
            Op::SetOutlineColor { col: grey(level) },
            Op::SetOutlineThickness { pt: Pt(width) },
            Op::DrawLine { line: Line { points: vec![point(x1, y), point(x2, y)], is_closed: false } },
        ]);
    }

    /// Running lines that may break across pages, without a lone first or last line.
    fn flow(&mut self, x: f32, lines: &[String], font: Font, size: f32, leading: f32, level: f32) {
        let lh = size * leading;
        self.ensure(lh * lines.len().min(2) as f32);
        for (i, line) in lines.iter().enumerate() {
            let keep = if lines.len() >= 4 && i + 2 == lines.len() { 2.0 } else { 1.0 };
            self.ensure(lh * keep);
            self.text(x, baseline(self.y, size, leading), line, font, size, level);
            self.y -= lh;
        }
    }

    /// Draws a row whole on this page or the next; only a row taller than a page is split.
    /// `header` is repeated at the top of every page the row continues on.
    fn row(&mut self, row: &Row, header: Option<&Row>) {
        let header_h = header.map_or(0.0, Row::height);
        if row.height() > self.room() && !self.at_top() && row.height() <= TOP - BOTTOM - header_h {
            self.break_page(header);
        }
        let (lh, total) = (row.lh(), row.lines());
        let mut done = 0;
        let mut fresh = self.at_top();
        while done < total {
            let fit = ((self.room() - 2.0 * row.pad) / lh).floor();
            let n = if fit >= 1.0 {
                (fit as usize).min(total - done)
            } else if fresh {
                // Cannot happen with our sizes (a page holds ~60 lines), but always progress.
                1
            } else {
                self.break_page(header);
                fresh = true;
                continue;
            };
            if row.rules == Rules::Header {
                self.rule(LEFT, RIGHT, self.y, 0.8, BLACK);
            }
            let top = self.y - row.pad;
            for cell in &row.cells {
                for (j, line) in cell.lines.iter().skip(done).take(n).enumerate() {
                    let y = baseline(top - j as f32 * lh, row.size, LEADING);
                    self.text(cell.x, y, line, cell.font, row.size, BLACK);
                }
            }
            self.y -= 2.0 * row.pad + n as f32 * lh;
            match row.rules {
                Rules::Header => self.rule(LEFT, RIGHT, self.y, 0.8, BLACK),
                Rules::Body => self.rule(LEFT, RIGHT, self.y, 0.4, LIGHT),
                Rules::None => {}
            }
            done += n;
            if done < total {
                self.break_page(header);
                fresh = true;
            }
        }
    }

    fn break_page(&mut self, header: Option<&Row>) {
        self.new_page();
        if let Some(h) = header {
            self.row(h, None);
        }
    }

    fn signer(&mut self, s: &Signature) {
        let row = signer_row(s);
        self.ensure(signer_height(s));
        if s.name.trim().is_empty() {
            let y = baseline(self.y, BODY, LEADING);
            self.write_line_label(LEFT + SIG_LABEL_W, y, strings::PDF_NAME, RIGHT);
        }
        self.row(&row, None);
        // Only a role or name longer than a page gets here without room left.
        self.ensure(SIG_SPACE + 3.0);
        let y = self.y - SIG_SPACE;
        if s.date.trim().is_empty() {
            self.write_line_label(LEFT, y, strings::PDF_DATE, LEFT + SIG_LABEL_W - 8.0);
        } else {
            let label = strings::PDF_DATE_SPACE;
            self.text(LEFT, y, label, Font::Regular, BODY, BLACK);
            let date =
                truncate(&s.date, Font::Regular, BODY, SIG_LABEL_W - 8.0 - text_width(label, Font::Regular, BODY));
            self.text(LEFT + text_width(label, Font::Regular, BODY), y, &date, Font::Regular, BODY, BLACK);
        }
        self.write_line_label(LEFT + SIG_LABEL_W, y, strings::PDF_SIGNATURE, RIGHT);
        self.y = y - SIG_AFTER;
    }

    /// A label followed by a line to write on, up to `end`.
    fn write_line_label(&mut self, x: f32, y: f32, label: &str, end: f32) {
        self.text(x, y, label, Font::Regular, BODY, BLACK);
        let start = x + text_width(label, Font::Regular, BODY) + 4.0;
        if start < end {
            self.rule(start, end, y - 1.5, 0.5, BLACK);
        }
    }
}

/// Lays out the document into pages of drawing operations (without footers).
fn layout(doc: &Doc) -> Vec<Vec<Op>> {
    let mut w = Writer { pages: Vec::new(), ops: Vec::new(), y: TOP };
    w.masthead(doc);
    for (i, block) in doc.blocks.iter().enumerate() {
        w.block(block, doc.blocks.get(i + 1));
    }
    w.new_page();
    w.pages
}

impl Writer {
    /// The title and the meta lines, ruled off from the body.
    fn masthead(&mut self, doc: &Doc) {
        if !doc.title.trim().is_empty() {
            self.flow(LEFT, &wrap(&doc.title, Font::Bold, TITLE, TEXT_W), Font::Bold, TITLE, 1.2, BLACK);
        }
        for meta in &doc.meta {
            self.gap(1.0);
            self.flow(LEFT, &wrap(meta, Font::Regular, SMALL, TEXT_W), Font::Regular, SMALL, LEADING, GREY);
        }
        if !self.at_top() {
            self.gap(6.0);
            self.rule(LEFT, RIGHT, self.y, 0.8, BLACK);
            self.gap(6.0);
        }
    }

    /// One block; `next` lets a heading stay with the start of its section.
    fn block(&mut self, block: &Block, next: Option<&Block>) {
        match block {
            Block::Heading(text) => self.heading(text, next),
            Block::Paragraph(text) => {
                for para in paragraphs(text, TEXT_W) {
                    self.gap(BLOCK_GAP * 0.6);
                    self.flow(LEFT, &para, Font::Regular, BODY, LEADING, BLACK);
                }
            }
            Block::Fields(fields) => self.rows(field_rows(fields)),
            Block::Table { header, rows } => self.table(header, rows),
            Block::Bullets(items) => self.rows(list_rows(items, None)),
            Block::Subheading(text) => {
                self.gap(BLOCK_GAP * 0.6);
                self.flow(LEFT, &wrap(text, Font::Bold, BODY, TEXT_W), Font::Bold, BODY, LEADING, BLACK);
            }
            Block::Tree(nodes) => self.rows(tree_rows(nodes)),
            Block::Numbered { start, items } => self.rows(list_rows(items, Some(*start))),
            Block::Signatures(signers) => self.signatures(signers),
            Block::Chart(chart) => self.chart(chart),
        }
    }

    fn heading(&mut self, text: &str, next: Option<&Block>) {
        let lines = wrap(text, Font::Bold, HEADING, TEXT_W);
        self.gap(BLOCK_GAP);
        let next = next.map_or(0.0, first_unit_height);
        let own = lines.len() as f32 * HEADING * 1.25 + 3.0;
        // Keep the heading with the start of its section; if both cannot share any page, give up.
        if own + next <= TOP - BOTTOM {
            self.ensure(own + next);
        }
        self.flow(LEFT, &lines, Font::Bold, HEADING, 1.25, BLACK);
        self.y -= 3.0;
    }

    /// Rows of a field list, a bullet list or a tree, after a small gap.
    fn rows(&mut self, rows: Vec<Row>) {
        self.gap(BLOCK_GAP * 0.6);
        for row in &rows {
            self.row(row, None);
        }
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        let Some((head, body)) = table_rows(header, rows) else { return };
        self.gap(BLOCK_GAP);
        self.ensure(head.height() + body.first().map_or(0.0, Row::height));
        self.row(&head, None);
        // A header that eats a quarter of every page is not worth repeating.
        let repeat = (head.height() <= (TOP - BOTTOM) / 4.0).then_some(&head);
        for row in &body {
            self.row(row, repeat);
        }
    }

    fn signatures(&mut self, signers: &[Signature]) {
        self.gap(BLOCK_GAP * 2.0);
        let all: f32 = signers.iter().map(signer_height).sum();
        if all <= TOP - BOTTOM {
            self.ensure(all);
        }
        for s in signers {
            self.signer(s);
        }
    }
}

impl Writer {
    /// A bar chart, kept whole on one page: values above the bars, labels under them, a
    /// legend below.
    fn chart(&mut self, chart: &Chart) {
        self.gap(BLOCK_GAP);
        self.ensure(CHART_H);
        let top_value = chart.points.iter().flat_map(|p| p.values.iter().map(|(h, _)| *h)).max().unwrap_or(0).max(1);
        let bars_top = self.y - SMALL * LEADING;
        let base = bars_top - CHART_BARS_H;
        let n_series = chart.series.len().max(1);
        let group_w = TEXT_W / chart.points.len().max(1) as f32;
        let bar_w = (group_w * 0.7 / n_series as f32).min(CHART_BAR_MAX_W);
        for (i, p) in chart.points.iter().enumerate() {
            let group_x = LEFT + group_w * i as f32;
            let first_x = group_x + (group_w - bar_w * n_series as f32) / 2.0;
            for (k, (height, text)) in p.values.iter().enumerate().take(n_series) {
                let x = first_x + bar_w * k as f32;
                let h = CHART_BARS_H * *height as f32 / top_value as f32;
                self.bar(x, base, bar_w, h, CHART_FILLS[k % CHART_FILLS.len()]);
                let text = truncate(text, Font::Regular, FOOTER, bar_w + 4.0);
                let tx = x + (bar_w - text_width(&text, Font::Regular, FOOTER)) / 2.0;
                self.text(tx, base + h + 2.0, &text, Font::Regular, FOOTER, BLACK);
            }
            let label = truncate(&p.label, Font::Regular, SMALL, group_w);
            let lx = group_x + (group_w - text_width(&label, Font::Regular, SMALL)) / 2.0;
            self.text(lx, base - SMALL * 1.2, &label, Font::Regular, SMALL, BLACK);
        }
        self.rule(LEFT, RIGHT, base, 0.8, BLACK);
        let legend_y = base - SMALL * 3.0;
        let mut x = LEFT;
        for (k, name) in chart.series.iter().enumerate() {
            self.bar(x, legend_y - 1.0, SMALL, SMALL, CHART_FILLS[k % CHART_FILLS.len()]);
            x += SMALL + 4.0;
            self.text(x, legend_y, name, Font::Regular, SMALL, BLACK);
            x += text_width(&sanitize(name, Font::Regular), Font::Regular, SMALL) + 12.0;
        }
        self.y -= CHART_H;
    }

    /// A filled rectangle with a thin black outline.
    fn bar(&mut self, x: f32, y: f32, w: f32, h: f32, fill: f32) {
        let ring = PolygonRing { points: vec![point(x, y), point(x + w, y), point(x + w, y + h), point(x, y + h)] };
        self.ops.extend([
            Op::SetFillColor { col: grey(fill) },
            Op::SetOutlineColor { col: grey(BLACK) },
            Op::SetOutlineThickness { pt: Pt(0.6) },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![ring],
                    mode: PaintMode::FillStroke,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }
}

fn add_footers(mut pages: Vec<Vec<Op>>, footer: &str) -> Vec<Vec<Op>> {
    let total = pages.len();
    for (i, ops) in pages.iter_mut().enumerate() {
        let mut w = Writer { pages: Vec::new(), ops: std::mem::take(ops), y: TOP };
        let number = strings::page_of(i + 1, total);
        let number_w = text_width(&number, Font::Regular, FOOTER);
        w.rule(LEFT, RIGHT, FOOTER_BASELINE + 3.0 * MM, 0.4, LIGHT);
        let left = truncate(footer, Font::Regular, FOOTER, TEXT_W - number_w - 6.0 * MM);
        w.text(LEFT, FOOTER_BASELINE, &left, Font::Regular, FOOTER, GREY);
        w.text(RIGHT - number_w, FOOTER_BASELINE, &number, Font::Regular, FOOTER, GREY);
        *ops = w.ops;
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const DUTCH: &str = "Café, reünie, naïef, cöordinatie, büro, crème, à la, één, ça va – ‘zo’ “dus” — €12";

    fn sample() -> Doc {
        let long = "Bram heeft moeite met plannen en het afronden van taken. Thuis en op school wordt \
                    hetzelfde stappenplan gebruikt, zodat hij weet wat er van hem verwacht wordt. ";
        Doc {
            title: "Integraal plan van aanpak – Bram de Vries".to_string(),
            meta: vec!["Groep 6 · versie 3".to_string(), "Afgedrukt op 12-11-2026".to_string()],
            blocks: vec![
                Block::Heading("1. Gegevens".to_string()),
                Block::Fields(vec![
                    ("Regiehouder".to_string(), "Fatima El Amrani".to_string()),
                    ("School".to_string(), "OBS De Ĳsselmeer, Zoë Çelik, Ayşe Yılmaz".to_string()),
                ]),
                Block::Heading("2. Aanleiding".to_string()),
                Block::Paragraph(format!("{DUTCH}\nTweede regel.\n\n{}", long.repeat(40))),
                Block::Heading("3. Doelen".to_string()),
                Block::Table {
                    header: vec!["Doel".to_string(), "Wie".to_string(), "Wanneer".to_string()],
                    rows: (1..=30)
                        .map(|i| {
                            vec![
                                format!("Doel {i}: {}", "zelfstandig werken aan de weektaak ".repeat(i % 4 + 1)),
                                "Intern begeleider".to_string(),
                                "december".to_string(),
                            ]
                        })
                        .collect(),
                },
                Block::Bullets(vec!["Wekelijks overleg".to_string(), long.repeat(3)]),
                Block::Heading("4. Ondertekening".to_string()),
                Block::Signatures(vec![
                    Signature {
                        role: "Ouder/verzorger".into(),
                        name: "Fatima El Amrani".into(),
                        date: "12-11-2026".into(),
                    },
                    Signature { role: "Kind".into(), name: "Bram de Vries".into(), date: String::new() },
                    Signature { role: "Intern begeleider".into(), name: String::new(), date: String::new() },
                    Signature { role: "Wijkteam".into(), name: "Joëlle Smit".into(), date: String::new() },
                ]),
            ],
            footer: "Plan van aanpak Bram de Vries – vertrouwelijk".to_string(),
        }
    }

    fn created() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).and_then(|d| d.and_hms_opt(9, 30, 0)).expect("valid time")
    }

    #[test]
    fn the_creation_date_is_the_moment_given() {
        let pdf = render(&sample(), created()).expect("render");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, &pdf).expect("write pdf");
        let out = tool("pdfinfo", &["-isodates", path.to_str().expect("utf-8 path")]);
        let info = String::from_utf8_lossy(&out.stdout);
        let line = info.lines().find(|l| l.starts_with("CreationDate:")).unwrap_or_default();
        assert!(line.contains("2026-11-23T09:30:00"), "{info}");
    }

    #[test]
    fn unprintable_names_the_characters_the_font_lacks() {
        let mut doc = sample();
        assert!(unprintable(&doc).is_empty(), "Dutch and the names of NAMES all print");
        doc.blocks.push(Block::Paragraph("王芳 en 王 again, Ayşe".into()));
        doc.blocks.push(Block::Bullets(vec!["あ".into()]));
        assert_eq!(unprintable(&doc), ['あ', '王', '芳']);
    }

    fn tool(name: &str, args: &[&str]) -> std::process::Output {
        Command::new(name).args(args).output().unwrap_or_else(|e| {
            panic!("could not run {name} ({e}); install poppler-utils (apt-get install poppler-utils)")
        })
    }

    fn pdftotext(pdf: &[u8]) -> String {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, pdf).expect("write pdf");
        let out = tool("pdftotext", &["-layout", path.to_str().expect("utf-8 path"), "-"]);
        assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
        // Layout mode pads with runs of spaces; compare with single spaces.
        let text = String::from_utf8(out.stdout).expect("utf-8 text");
        text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn sample_renders_dutch_text_and_page_numbers() {
        let doc = sample();
        let pdf = render(&doc, created()).expect("render");
        if let Ok(path) = std::env::var("PDF_SAMPLE_OUT") {
            std::fs::write(path, &pdf).expect("write sample");
        }
        // Only the used glyphs are embedded: the font files alone are 1.4 MB.
        assert!(pdf.len() < 64 * 1024, "PDF is {} bytes", pdf.len());
        let text = pdftotext(&pdf);
        let pages = text.matches("pagina ").count();
        assert!(pages >= 3, "expected several pages, got {pages}:\n{text}");
        for want in [
            doc.title.as_str(),
            DUTCH,
            "Fatima El Amrani",
            "OBS De Ĳsselmeer, Zoë Çelik, Ayşe Yılmaz",
            "Intern begeleider",
            strings::PDF_SIGNATURE,
            "Datum: 12-11-2026",
            "pagina 1 van ",
            &format!("pagina {pages} van {pages}"),
            "Plan van aanpak Bram de Vries – vertrouwelijk",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
    }

    #[test]
    fn first_page_rasterizes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, render(&sample(), created()).expect("render")).expect("write pdf");
        let prefix = dir.path().join("page");
        let (pdf_arg, prefix_arg) = (path.to_str().expect("utf-8 path"), prefix.to_str().expect("utf-8 path"));
        let out = tool("pdftoppm", &["-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", pdf_arg, prefix_arg]);
        assert!(out.status.success(), "pdftoppm failed: {}", String::from_utf8_lossy(&out.stderr));
        let png = std::fs::read(dir.path().join("page.png")).expect("png written");
        assert!(png.len() > 100 && png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    }

    #[test]
    fn empty_doc_is_a_valid_pdf() {
        let doc = Doc { title: String::new(), meta: vec![], blocks: vec![], footer: String::new() };
        let pdf = render(&doc, created()).expect("render");
        assert!(pdf.starts_with(b"%PDF"));
        assert!(pdftotext(&pdf).contains("pagina 1 van 1"));
    }

    fn degenerate() -> Doc {
        let word = "x".repeat(2000);
        Doc {
            title: word.clone(),
            meta: vec![String::new(), word.clone()],
            blocks: vec![
                Block::Heading(String::new()),
                Block::Paragraph(String::new()),
                Block::Paragraph("\n\n \n".into()),
                Block::Paragraph(word.clone()),
                Block::Fields(vec![]),
                Block::Fields(vec![(word.clone(), word.clone())]),
                Block::Table { header: vec![], rows: vec![] },
                Block::Table { header: vec!["a".into()], rows: vec![] },
                Block::Table { header: vec![], rows: vec![vec!["a".into(), "b".into()], vec![]] },
                Block::Table { header: vec!["a".into(); 40], rows: vec![vec![word.clone(); 40]] },
                Block::Table { header: vec!["kop".into(), "b".into()], rows: vec![vec![word.repeat(20), "b".into()]] },
                Block::Bullets(vec![]),
                Block::Bullets(vec![String::new(), word.clone()]),
                Block::Signatures(vec![]),
                Block::Signatures(vec![Signature { role: word.clone(), name: word.clone(), date: word.clone() }; 15]),
                Block::Heading("Laatste kop".into()),
            ],
            footer: word,
        }
    }

    #[test]
    fn degenerate_blocks_do_not_panic() {
        let pdf = render(&degenerate(), created()).expect("render");
        assert!(pdf.starts_with(b"%PDF"));
        let text = pdftotext(&pdf);
        assert!(text.contains("xxxxxxxxxx"), "long word missing");
    }

    #[test]
    fn long_word_breaks_within_width() {
        let lines = wrap(&"ab".repeat(500), Font::Regular, BODY, TEXT_W);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| text_width(l, Font::Regular, BODY) <= TEXT_W));
        assert_eq!(lines.concat(), "ab".repeat(500));
        assert_eq!(wrap("", Font::Regular, BODY, 0.0), vec![String::new()]);
        assert_eq!(wrap("abc", Font::Regular, BODY, 0.0).concat(), "abc");
    }

    #[test]
    fn nothing_is_drawn_below_the_bottom_margin() {
        let mut doc = sample();
        doc.blocks.push(Block::Table {
            header: vec!["Kop".into(), "Lang".into()],
            rows: vec![vec!["a".into(), "woord ".repeat(3000)]],
        });
        for page in layout(&doc).into_iter().chain(layout(&degenerate())) {
            for op in page {
                match op {
                    // A baseline must leave room for the descenders above the limit.
                    Op::SetTextCursor { pos } => assert!(pos.y.0 >= BOTTOM + 2.0, "text at {}", pos.y.0),
                    Op::DrawLine { line } => {
                        assert!(line.points.iter().all(|p| p.p.y.0 >= BOTTOM - 0.5), "line below the margin")
                    }
                    _ => {}
                }
            }
        }
    }

    /// Names as they occur in Dutch schools, and the typographic punctuation of the texts.
    const NAMES: [&str; 5] = ["Ayşe Yılmaz", "Nguyễn", "Zoë Çelik", "Ĳsselmeer", "€ – — ‘’ “”"];

    #[test]
    fn bundled_fonts_cover_dutch_names() {
        assert!(faces().is_ok());
        for font in Font::ALL {
            for c in NAMES.concat().chars().chain([MISSING, '…', '•']) {
                assert!(char_width(c, font, BODY) > 0.0, "{font:?} lacks {c:?}");
            }
        }
    }

    #[test]
    fn names_print_exactly() {
        let all = NAMES.join(", ");
        let doc = Doc {
            title: all.clone(),
            meta: vec![all.clone()],
            blocks: vec![
                Block::Heading(all.clone()),
                Block::Fields(NAMES.iter().map(|n| (n.to_string(), n.to_string())).collect()),
                Block::Paragraph(NAMES.join("\n")),
                Block::Table {
                    header: vec![NAMES[0].into(), NAMES[1].into()],
                    rows: vec![vec![NAMES[2].into(), NAMES[3].into()]],
                },
                Block::Signatures(
                    NAMES
                        .iter()
                        .map(|n| Signature { role: n.to_string(), name: n.to_string(), date: n.to_string() })
                        .collect(),
                ),
            ],
            footer: NAMES[0].to_string(),
        };
        let pdf = render(&doc, created()).expect("render");
        let text = pdftotext(&pdf);
        for name in NAMES {
            // Title, meta, heading, field label and value, paragraph line, signer role, name and date, and
            // for some the table and the footer: a name lost or split anywhere drops below the count.
            assert!(text.matches(name).count() >= 8, "{name:?} not printed exactly in:\n{text}");
        }
        // Decomposed input (NFD, e.g. pasted from macOS) prints composed.
        let nfd = "Zoe\u{308} C\u{327}elik, Nguye\u{302}\u{303}n".to_string();
        let pdf = render(&Doc { title: nfd, meta: vec![], blocks: vec![], footer: String::new() }, created())
            .expect("render");
        assert!(pdftotext(&pdf).contains("Zoë Çelik, Nguyễn"));
    }

    #[test]
    fn sanitize_normalises_and_marks_missing_glyphs() {
        for name in NAMES {
            assert_eq!(sanitize(name, Font::Regular), name);
            assert_eq!(sanitize(name, Font::Bold), name);
        }
        assert_eq!(sanitize("Łukasz Dvořák Ștefan ĳs", Font::Regular), "Łukasz Dvořák Ștefan ĳs");
        assert_eq!(sanitize("e\u{301}e\u{308}n c\u{327}a", Font::Regular), "éën ça");
        assert_eq!(sanitize("a\u{2011}b\u{AD}c\td\u{200B}e", Font::Regular), "a\u{2011}bc de");
        assert_eq!(sanitize("王芳 \u{7}", Font::Bold), "\u{FFFD}\u{FFFD} ");
    }
}
