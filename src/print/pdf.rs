//! A4 PDF writer for a [`Doc`]: the plan van aanpak that parents, child, intern begeleider and
//! wijkteam sign on paper. The layout is done here, measured with the standard Helvetica
//! metrics, so the PDF uses the viewer's built-in Helvetica and embeds no font file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use printpdf::{
    BuiltinFont, Color, Greyscale, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point,
    Pt, TextItem,
};

use super::{Block, Doc, Signature};
use crate::strings;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", strings::pdf_failed(.0))]
pub struct PdfError(String);

/// Writes `doc` as an A4 PDF.
pub fn render(doc: &Doc) -> Result<Vec<u8>, PdfError> {
    let pages = add_footers(layout(doc), &doc.footer);
    let mut pdf = PdfDocument::new(&doc.title);
    pdf.with_pages(pages.into_iter().map(|ops| PdfPage::new(Mm(210.0), Mm(297.0), ops)).collect());
    let opts = PdfSaveOptions { optimize: true, subset_fonts: false, secure: true, image_optimization: None };
    // printpdf is not ours; a panic in it must become an error, not take the app down.
    let bytes = catch_unwind(AssertUnwindSafe(|| pdf.save(&opts, &mut Vec::new()))).map_err(|payload| {
        let msg =
            payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned());
        PdfError(msg.unwrap_or_else(|| strings::PDF_UNKNOWN.to_string()))
    })?;
    if !bytes.starts_with(b"%PDF") {
        return Err(PdfError(strings::PDF_INVALID.to_string()));
    }
    Ok(bytes)
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

#[derive(Debug, Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn handle(self) -> PdfFontHandle {
        PdfFontHandle::Builtin(match self {
            Font::Regular => BuiltinFont::Helvetica,
            Font::Bold => BuiltinFont::HelveticaBold,
        })
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }
}

fn char_width(c: char, font: Font, size: f32) -> f32 {
    let units = win_ansi_byte(c)
        .and_then(|b| usize::from(b).checked_sub(0x20))
        .and_then(|i| font.widths().get(i))
        .copied()
        .unwrap_or(0);
    f32::from(units) * size / 1000.0
}

fn text_width(s: &str, font: Font, size: f32) -> f32 {
    s.chars().map(|c| char_width(c, font, size)).sum()
}

/// Maps text to characters WinAnsiEncoding (the built-in fonts' encoding) can show, so that
/// measuring and drawing agree. Letters outside it lose their accent rather than print as "?".
fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c != '\u{AD}' && win_ansi_byte(c).is_some() {
            out.push(c);
            continue;
        }
        match c {
            // Decomposed accents (NFD text, e.g. pasted from macOS).
            '\u{300}'..='\u{36F}' => {
                if let Some(base) = out.pop() {
                    out.push(compose(base, c).unwrap_or(base));
                }
            }
            '\u{132}' => out.push_str("IJ"),
            '\u{133}' => out.push_str("ij"),
            '\u{100}'..='\u{17F}' => {
                let base = LATIN_EXT_A.get(c as usize - 0x100).copied().unwrap_or(b'?');
                out.push(char::from(base));
            }
            '\u{218}' => out.push('S'),
            '\u{219}' => out.push('s'),
            '\u{21A}' => out.push('T'),
            '\u{21B}' => out.push('t'),
            '\t' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => out.push(' '),
            '\u{2010}'..='\u{2012}' | '\u{2212}' => out.push('-'),
            '\u{2015}' => out.push('\u{2014}'),
            '\u{2032}' => out.push('\''),
            '\u{2033}' => out.push('"'),
            '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            c if c.is_control() => {}
            _ => out.push('?'),
        }
    }
    out
}

/// Base letters of U+0100..=U+017F (Latin Extended-A: Turkish, Polish, Czech, ... names).
/// Entries that WinAnsi has itself (Œ, Š, Ÿ, Ž) or that `sanitize` expands (Ĳ) are never read.
const LATIN_EXT_A: &[u8; 128] =
    b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

fn compose(base: char, mark: char) -> Option<char> {
    if mark == '\u{327}' {
        return match base {
            'C' => Some('Ç'),
            'c' => Some('ç'),
            _ => None,
        };
    }
    const MARKS: [char; 6] = ['\u{300}', '\u{301}', '\u{302}', '\u{303}', '\u{308}', '\u{30A}'];
    const TABLE: [(char, &str); 14] = [
        ('A', "ÀÁÂÃÄÅ"),
        ('E', "ÈÉÊ_Ë_"),
        ('I', "ÌÍÎ_Ï_"),
        ('O', "ÒÓÔÕÖ_"),
        ('U', "ÙÚÛ_Ü_"),
        ('N', "___Ñ__"),
        ('Y', "_Ý__Ÿ_"),
        ('a', "àáâãäå"),
        ('e', "èéê_ë_"),
        ('i', "ìíî_ï_"),
        ('o', "òóôõö_"),
        ('u', "ùúû_ü_"),
        ('n', "___ñ__"),
        ('y', "_ý__ÿ_"),
    ];
    let i = MARKS.iter().position(|&m| m == mark)?;
    let row = TABLE.iter().find(|(b, _)| *b == base)?.1;
    row.chars().nth(i).filter(|&c| c != '_')
}

/// The WinAnsiEncoding byte for `c` (PDF 32000-1 Annex D.2), as printpdf writes it.
fn win_ansi_byte(c: char) -> Option<u8> {
    if let cp @ (0x20..=0x7E | 0xA0..=0xFF) = u32::from(c) {
        return u8::try_from(cp).ok();
    }
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

/// Wraps text to `max_w`: a newline starts a new line, words wider than a line are broken
/// between characters. Always at least one (possibly empty) line.
fn wrap(text: &str, font: Font, size: f32, max_w: f32) -> Vec<String> {
    let mut out = Vec::new();
    let space = char_width(' ', font, size);
    for raw in text.split('\n') {
        let line = sanitize(raw);
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
    let s = sanitize(&text.replace('\n', " "));
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
    let widest = fields.iter().map(|(l, _)| text_width(&sanitize(l), Font::Bold, BODY)).fold(0.0, f32::max);
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
            for line in cell.split('\n').map(sanitize) {
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

fn bullet_rows(items: &[String]) -> Vec<Row> {
    items
        .iter()
        .map(|item| Row {
            cells: vec![
                Cell { x: LEFT + 3.0, lines: vec!["•".to_string()], font: Font::Regular },
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
        Block::Bullets(items) => bullet_rows(items.get(..1).unwrap_or_default()).first().map_or(0.0, Row::height),
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
    if !doc.title.trim().is_empty() {
        w.flow(LEFT, &wrap(&doc.title, Font::Bold, TITLE, TEXT_W), Font::Bold, TITLE, 1.2, BLACK);
    }
    for meta in &doc.meta {
        w.gap(1.0);
        w.flow(LEFT, &wrap(meta, Font::Regular, SMALL, TEXT_W), Font::Regular, SMALL, LEADING, GREY);
    }
    if !w.at_top() {
        w.gap(6.0);
        w.rule(LEFT, RIGHT, w.y, 0.8, BLACK);
        w.gap(6.0);
    }
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Heading(text) => {
                let lines = wrap(text, Font::Bold, HEADING, TEXT_W);
                w.gap(BLOCK_GAP);
                let next = doc.blocks.get(i + 1).map_or(0.0, first_unit_height);
                let own = lines.len() as f32 * HEADING * 1.25 + 3.0;
                // Keep the heading with the start of its section; if both cannot share any page, give up.
                if own + next <= TOP - BOTTOM {
                    w.ensure(own + next);
                }
                w.flow(LEFT, &lines, Font::Bold, HEADING, 1.25, BLACK);
                w.y -= 3.0;
            }
            Block::Paragraph(text) => {
                for para in paragraphs(text, TEXT_W) {
                    w.gap(BLOCK_GAP * 0.6);
                    w.flow(LEFT, &para, Font::Regular, BODY, LEADING, BLACK);
                }
            }
            Block::Fields(fields) => {
                w.gap(BLOCK_GAP * 0.6);
                for row in field_rows(fields) {
                    w.row(&row, None);
                }
            }
            Block::Table { header, rows } => {
                let Some((head, body)) = table_rows(header, rows) else { continue };
                w.gap(BLOCK_GAP);
                w.ensure(head.height() + body.first().map_or(0.0, Row::height));
                w.row(&head, None);
                // A header that eats a quarter of every page is not worth repeating.
                let repeat = (head.height() <= (TOP - BOTTOM) / 4.0).then_some(&head);
                for row in &body {
                    w.row(row, repeat);
                }
            }
            Block::Bullets(items) => {
                w.gap(BLOCK_GAP * 0.6);
                for row in bullet_rows(items) {
                    w.row(&row, None);
                }
            }
            Block::Signatures(signers) => {
                w.gap(BLOCK_GAP * 2.0);
                let all: f32 = signers.iter().map(signer_height).sum();
                if all <= TOP - BOTTOM {
                    w.ensure(all);
                }
                for s in signers {
                    w.signer(s);
                }
            }
        }
    }
    w.new_page();
    w.pages
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

/// Advance widths from Adobe's standard AFM metrics for Helvetica and Helvetica-Bold
/// (the widths every PDF viewer uses for these fonts), indexed by WinAnsi code - 0x20.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

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
        let pdf = render(&doc).expect("render");
        if let Ok(path) = std::env::var("PDF_SAMPLE_OUT") {
            std::fs::write(path, &pdf).expect("write sample");
        }
        let text = pdftotext(&pdf);
        let pages = text.matches("pagina ").count();
        assert!(pages >= 3, "expected several pages, got {pages}:\n{text}");
        for want in [
            doc.title.as_str(),
            DUTCH,
            "Fatima El Amrani",
            "OBS De IJsselmeer, Zoë Çelik, Ayse Yilmaz",
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
        std::fs::write(&path, render(&sample()).expect("render")).expect("write pdf");
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
        let pdf = render(&doc).expect("render");
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
        let pdf = render(&degenerate()).expect("render");
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

    #[test]
    fn text_outside_win_ansi_degrades_to_base_letters() {
        assert_eq!(sanitize("Ĳsselmeer ĳs"), "IJsselmeer ijs");
        assert_eq!(sanitize("Ayşe Łukasz Dvořák Ștefan"), "Ayse Lukasz Dvorák Stefan");
        assert_eq!(sanitize("e\u{301}e\u{308}n c\u{327}a"), "éën ça");
        assert_eq!(sanitize("a\u{2011}b\u{AD}c\td"), "a-bc d");
        assert_eq!(sanitize("→"), "?");
    }
}
