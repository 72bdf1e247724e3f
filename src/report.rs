//! Monitoring figures that leave the SWV: tables for the twice-yearly meeting with the
//! municipality, written as CSV (for Dutch Excel) or as an XLSX workbook (one sheet per
//! table, ready to print). Both writers apply the small-count suppression rule, so a
//! caller cannot forget it: a count from 1 to 4 is shown as "<5".

use std::borrow::Cow;
use std::collections::HashSet;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::strings::report as text;

/// A figure in a report: counts below [`SUPPRESS_BELOW`] are suppressed when they leave
/// the SWV.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number of pupils, cases, ...: 1 to 4 is shown as "<5", 0 stays 0.
    Count(u64),
    /// Any other figure (mean satisfaction, median days): shown with one decimal. NaN or
    /// infinity (no figure) is shown as an empty cell.
    Number(f64),
    /// A percentage from 0 to 100 (42.0 is 42%): shown without decimals. NaN or infinity
    /// is shown as an empty cell.
    Percent(f64),
    Empty,
}

/// One table: a CSV file, or one sheet of the workbook (named after `title`).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Small-count suppression (domain rule): `Count(n)` with `1 <= n < SUPPRESS_BELOW` is
/// shown as "<5" (0 stays 0). Applied by both writers. Figures derived from counts (means,
/// medians, shares) are suppressed where they are computed
/// ([`crate::domain::figures::Figures`]).
pub const SUPPRESS_BELOW: u64 = crate::domain::figures::MIN_CASES;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}", text::NO_TABLES)]
    NoTables,
    /// More rows or columns than an Excel worksheet holds.
    #[error("{}", text::too_large(.table))]
    TooLarge { table: String },
    /// A text (title cells included) longer than an Excel cell holds; `row` and `column`
    /// count from 1 as in the spreadsheet, the header row being row 1.
    #[error("{}", text::text_too_long(.table, *.row, *.column))]
    TextTooLong { table: String, row: usize, column: usize },
    #[error("{}", text::xlsx_failed(&.0.to_string()))]
    Xlsx(#[from] XlsxError),
}

/// What a cell shows once it leaves the SWV.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shown<'a> {
    Text(&'a str),
    Count(u64),
    Suppressed,
    Number(f64),
    /// 0 to 100.
    Percent(f64),
    Empty,
}

fn shown(cell: &Cell) -> Shown<'_> {
    match *cell {
        Cell::Text(ref s) if s.is_empty() => Shown::Empty,
        Cell::Text(ref s) => Shown::Text(s),
        Cell::Count(n) if (1..SUPPRESS_BELOW).contains(&n) => Shown::Suppressed,
        Cell::Count(n) => Shown::Count(n),
        Cell::Number(x) if x.is_finite() => Shown::Number(x),
        Cell::Percent(x) if x.is_finite() => Shown::Percent(x),
        Cell::Number(_) | Cell::Percent(_) | Cell::Empty => Shown::Empty,
    }
}

/// Columns of a table: the header or the longest row, whichever is wider.
fn width(table: &Table) -> usize {
    table.rows.iter().map(Vec::len).chain([table.headers.len()]).max().unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

/// The table as CSV for Dutch Excel: UTF-8 with a byte order mark, `;` between fields,
/// CRLF line ends, the header row first (no title row). Numbers carry a decimal comma
/// ("3,5"); a percentage is a plain number ("42") and its column's header gets " (%)".
/// Short rows are padded with empty fields. Text that a spreadsheet would take for a
/// formula gets a leading `'` (see [`neutralised`]).
pub fn csv(table: &Table) -> Vec<u8> {
    let columns = width(table);
    let mut percent_column = vec![false; columns];
    for row in &table.rows {
        for (i, cell) in row.iter().enumerate() {
            percent_column[i] |= matches!(cell, Cell::Percent(_));
        }
    }

    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .flexible(true)
        .from_writer(BOM.to_vec());
    // Writing into a Vec cannot fail, and `flexible` allows any record length.
    const INFALLIBLE: &str = "CSV into memory does not fail";

    let headers = (0..columns).map(|i| {
        let header = table.headers.get(i).map_or("", String::as_str);
        let header = neutralised(header);
        if percent_column[i] && !header.contains('%') {
            Cow::Owned(format!("{}{}", header.trim_end(), text::PERCENT_HEADER).trim_start().to_string())
        } else {
            header
        }
    });
    writer.write_record(headers.map(|h| h.into_owned())).expect(INFALLIBLE);

    for row in &table.rows {
        let fields = (0..columns).map(|i| match row.get(i).map_or(Shown::Empty, shown) {
            Shown::Text(s) => neutralised(s).into_owned(),
            Shown::Count(n) => n.to_string(),
            Shown::Suppressed => text::SUPPRESSED.to_string(),
            Shown::Number(x) => decimal(x, 1),
            Shown::Percent(x) => decimal(x, 0),
            Shown::Empty => String::new(),
        });
        writer.write_record(fields).expect(INFALLIBLE);
    }
    writer.into_inner().expect(INFALLIBLE)
}

/// The tables as one CSV file for Dutch Excel: per table a row with its title, then the
/// table as [`csv`] writes it; an empty line between tables. One byte order mark.
pub fn csv_report(tables: &[Table]) -> Vec<u8> {
    let mut out = BOM.to_vec();
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        let title = Table { title: String::new(), headers: vec![table.title.clone()], rows: Vec::new() };
        out.extend_from_slice(&csv(&title)[BOM.len()..]);
        out.extend_from_slice(&csv(table)[BOM.len()..]);
    }
    out
}

/// UTF-8's byte order mark, which tells Excel the CSV is UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `x` rounded to `decimals` places, with a decimal comma and no thousands separator
/// (Dutch Excel reads "1234,5"; it would read "1.234" as 1234). Never "-0,0".
/// `decimals` is small (0 or 1).
pub fn decimal(x: f64, decimals: i32) -> String {
    // Halves away from zero, as Excel shows them (Rust's formatting rounds them to even).
    let scale = 10f64.powi(decimals);
    let rounded = (x * scale).round() / scale;
    let places = decimals as usize;
    let s = format!("{rounded:.places$}").replace('.', ",");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b',') => rest.to_string(),
        _ => s,
    }
}

/// Text that a spreadsheet would run as a formula gets a leading `'` (formula injection):
/// text starting with `=`, `+`, `-` or `@`, also after leading spaces, their full-width
/// forms, and text starting with a tab, carriage return or other control character.
fn neutralised(s: &str) -> Cow<'_, str> {
    let starts_with_control = s.chars().next().is_some_and(char::is_control);
    let first = s.trim_start_matches(|c: char| c.is_whitespace() || c.is_control()).chars().next();
    let formula = matches!(first, Some('=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠'));
    if starts_with_control || formula { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) }
}

// ---------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------

/// Excel's limits.
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
const MAX_TEXT: usize = 32_767;
const MAX_SHEET_NAME: usize = 31;
/// Autofit stops at this column width (pixels); longer text runs on.
const MAX_COLUMN_PIXELS: u32 = 480;
/// Excel's paper size code for A4.
const A4: u8 = 9;

/// The tables as one workbook, a worksheet per table, named after its title (made valid
/// and unique). Each sheet: bold header row, frozen while scrolling and repeated on every
/// printed page; fitted column widths; counts as numbers and suppressed ones as "<5"
/// (text, right-aligned); numbers with one decimal; percentages as Excel percentages
/// (0%). Text is always written as text, never as a formula. Printing: A4, one page wide,
/// gridlines, the title in the page header, page numbers in the footer.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, ReportError> {
    if tables.is_empty() {
        return Err(ReportError::NoTables);
    }
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    for (table, name) in tables.iter().zip(sheet_names(tables.iter().map(|t| t.title.as_str()))) {
        check_limits(table)?;
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        fill(sheet, table, &styles)?;
    }
    Ok(workbook.save_to_buffer()?)
}

struct Styles {
    header: Format,
    count: Format,
    suppressed: Format,
    number: Format,
    percent: Format,
}

impl Styles {
    fn new() -> Self {
        Styles {
            header: Format::new().set_bold().set_border_bottom(FormatBorder::Thin),
            count: Format::new().set_num_format("#,##0"),
            suppressed: Format::new().set_align(FormatAlign::Right),
            number: Format::new().set_num_format("#,##0.0"),
            percent: Format::new().set_num_format("0%"),
        }
    }
}

fn check_limits(table: &Table) -> Result<(), ReportError> {
    if table.rows.len() >= MAX_ROWS || width(table) > MAX_COLUMNS {
        return Err(ReportError::TooLarge { table: table.title.clone() });
    }
    let too_long = |s: &str| s.len() > MAX_TEXT && s.encode_utf16().count() > MAX_TEXT;
    let texts = table.headers.iter().enumerate().map(|(c, h)| (0, c, h.as_str())).chain(
        table.rows.iter().enumerate().flat_map(|(r, row)| {
            row.iter().enumerate().filter_map(move |(c, cell)| match cell {
                Cell::Text(s) => Some((r + 1, c, s.as_str())),
                _ => None,
            })
        }),
    );
    for (row, column, s) in texts {
        if too_long(s) {
            return Err(ReportError::TextTooLong { table: table.title.clone(), row: row + 1, column: column + 1 });
        }
    }
    Ok(())
}

fn fill(sheet: &mut Worksheet, table: &Table, styles: &Styles) -> Result<(), XlsxError> {
    for (c, header) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, column(c), header, &styles.header)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        // Checked against MAX_ROWS before.
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, cell) in row.iter().enumerate() {
            let c = column(c);
            match shown(cell) {
                Shown::Text(s) => sheet.write_string(r, c, s)?,
                Shown::Count(n) => sheet.write_number_with_format(r, c, n as f64, &styles.count)?,
                Shown::Suppressed => sheet.write_string_with_format(r, c, text::SUPPRESSED, &styles.suppressed)?,
                Shown::Number(x) => sheet.write_number_with_format(r, c, x, &styles.number)?,
                Shown::Percent(x) => sheet.write_number_with_format(r, c, x / 100.0, &styles.percent)?,
                Shown::Empty => continue,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_autofit_max_width(MAX_COLUMN_PIXELS);
    sheet.autofit();

    sheet.set_paper_size(A4);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_gridlines(true);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_header(page_header(&table.title));
    sheet.set_footer(format!("&R{}", text::PAGE_FOOTER));
    Ok(())
}

/// Checked against MAX_COLUMNS before.
fn column(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// The title, bold, on the left of the page header; `&` is Excel's code character, so
/// doubled. Excel's limit for the whole header is 255 characters (rust_xlsxwriter drops
/// a longer one with a message on stderr), so a very long title is cut.
fn page_header(title: &str) -> String {
    let title: String = title.chars().filter(|c| !c.is_control()).collect();
    let title = truncate_utf16(&title, 200).replace('&', "&&");
    let title = truncate_utf16(&title, 240);
    // An odd number of trailing '&' after cutting would start a code: drop the last.
    let trailing = title.chars().rev().take_while(|&c| c == '&').count();
    let title = if trailing % 2 == 1 { &title[..title.len() - 1] } else { title };
    format!("&L&B{title}&B")
}

/// Valid, unique (ignoring case, as Excel does) sheet names for the titles: the
/// characters `[ ] : * ? / \` replaced, at most 31 UTF-16 units, no apostrophe at either
/// end, not "History" (reserved by Excel); an empty one becomes "Tabel N" (N from 1, the
/// table's place), a duplicate gets " (2)", " (3)", ...
fn sheet_names<'a>(titles: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut used: HashSet<String> = HashSet::from(["history".to_string()]);
    let mut names = Vec::new();
    for (i, title) in titles.into_iter().enumerate() {
        let cleaned: String = title
            .chars()
            .map(|c| match c {
                '[' => '(',
                ']' => ')',
                ':' | '*' | '?' | '/' | '\\' => '-',
                c if c.is_control() => ' ',
                c => c,
            })
            .collect();
        let mut base = trim_sheet_name(truncate_utf16(&cleaned, MAX_SHEET_NAME)).to_string();
        if base.is_empty() {
            base = format!("{} {}", text::SHEET_FALLBACK, i + 1);
        }
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let room = MAX_SHEET_NAME - suffix.len();
            name = format!("{}{suffix}", trim_sheet_name(truncate_utf16(&base, room)));
            n += 1;
        }
        used.insert(name.to_lowercase());
        names.push(name);
    }
    names
}

fn trim_sheet_name(name: &str) -> &str {
    name.trim_matches(|c: char| c == '\'' || c.is_whitespace())
}

/// The longest prefix of `s` of at most `max` UTF-16 units (Excel's length measure).
fn truncate_utf16(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn table(headers: &[&str], rows: Vec<Vec<Cell>>) -> Table {
        Table { title: "Test".into(), headers: headers.iter().map(|h| h.to_string()).collect(), rows }
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    /// The CSV without BOM, as records of fields (the csv crate undoes the quoting).
    fn records(bytes: &[u8]) -> Vec<Vec<String>> {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM");
        let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(body);
        reader.records().map(|r| r.expect("record").iter().map(str::to_string).collect()).collect()
    }

    #[test]
    fn csv_has_bom_semicolons_and_crlf() {
        let bytes = csv(&table(&["School", "Aantal"], vec![vec![t("De Regenboog"), Cell::Count(12)]]));
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(&bytes[3..], b"School;Aantal\r\nDe Regenboog;12\r\n");
    }

    #[test]
    fn csv_suppresses_small_counts() {
        let rows = (0..=6).map(|n| vec![Cell::Count(n)]).collect();
        let out = records(&csv(&table(&["Aantal"], rows)));
        let column: Vec<&str> = out[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(column, ["0", "<5", "<5", "<5", "<5", "5", "6"]);
    }

    #[test]
    fn csv_numbers_have_a_decimal_comma() {
        let rows = vec![
            vec![Cell::Number(3.5), Cell::Percent(42.0)],
            vec![Cell::Number(3.456), Cell::Percent(12.4)],
            vec![Cell::Number(1234.5), Cell::Percent(100.0)],
            vec![Cell::Number(-0.01), Cell::Percent(-0.2)],
            vec![Cell::Number(f64::NAN), Cell::Percent(f64::INFINITY)],
            vec![Cell::Number(-2.25), Cell::Empty],
        ];
        let out = records(&csv(&table(&["Tevredenheid", "Aandeel"], rows)));
        assert_eq!(out[0], ["Tevredenheid", "Aandeel (%)"]);
        let values: Vec<[&str; 2]> = out[1..].iter().map(|r| [r[0].as_str(), r[1].as_str()]).collect();
        assert_eq!(values, [["3,5", "42"], ["3,5", "12"], ["1234,5", "100"], ["0,0", "0"], ["", ""], ["-2,3", ""]]);
    }

    #[test]
    fn csv_percent_header_is_left_alone_when_it_says_percent() {
        let out = records(&csv(&table(&["Aandeel %", "Naam"], vec![vec![Cell::Percent(5.0), t("x")]])));
        assert_eq!(out[0], ["Aandeel %", "Naam"]);
    }

    #[test]
    fn csv_neutralises_formulas() {
        let cells = ["=SUM(A1)", "+31", "-5 kinderen", "@x", " =x", "\t=x", "\rx", "＝1+1", "\u{a0}-1"];
        let rows = cells.iter().map(|s| vec![t(s)]).collect();
        let out = records(&csv(&table(&["=kop"], rows)));
        assert_eq!(out[0], ["'=kop"]);
        for (record, cell) in out[1..].iter().zip(cells) {
            assert_eq!(record[0], format!("'{cell}"));
        }
    }

    #[test]
    fn csv_leaves_ordinary_text_and_numbers_alone() {
        let rows = vec![vec![t("Groep 8 (a-b)"), t("3 = veel"), Cell::Number(-1.0), t("e-mail@x.nl")]];
        let out = records(&csv(&table(&["a", "b", "c", "d"], rows)));
        assert_eq!(out[1], ["Groep 8 (a-b)", "3 = veel", "-1,0", "e-mail@x.nl"]);
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let rows = vec![vec![t("a;b"), t("zei \"ja\""), t("twee\nregels"), t("gewoon")]];
        let bytes = csv(&table(&["1", "2", "3", "4"], rows));
        let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
        assert!(text.ends_with("\"a;b\";\"zei \"\"ja\"\"\";\"twee\nregels\";gewoon\r\n"), "{text:?}");
        assert_eq!(records(&bytes)[1], ["a;b", "zei \"ja\"", "twee\nregels", "gewoon"]);
    }

    #[test]
    fn csv_report_holds_every_table_under_its_title() {
        let mut second = table(&["Reden", "Aantal"], vec![vec![t("geld"), Cell::Count(7)]]);
        second.title = "Per reden".into();
        let first = table(&["School"], vec![vec![t("A")]]);
        let bytes = csv_report(&[first, second]);
        assert!(bytes.starts_with(BOM) && !bytes[3..].starts_with(BOM));
        assert_eq!(&bytes[3..], b"Test\r\nSchool\r\nA\r\n\r\nPer reden\r\nReden;Aantal\r\ngeld;7\r\n");
    }

    #[test]
    fn csv_pads_ragged_rows() {
        let rows = vec![vec![t("a")], vec![t("b"), Cell::Count(7), Cell::Count(2)]];
        let bytes = csv(&table(&["x", "y"], rows));
        assert_eq!(&bytes[3..], b"x;y;\r\na;;\r\nb;7;<5\r\n");
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let long = "Aanmeldingen per school, schooljaar 2025-2026";
        let titles =
            ["Instroom [PO]: 2024/2025?", long, long, "", "'Citaat'", "history", "TEST", "test", "Tabel 4", "  "];
        let names = sheet_names(titles);
        assert_eq!(
            names,
            [
                "Instroom (PO)- 2024-2025-",
                "Aanmeldingen per school, school",
                "Aanmeldingen per school, sc (2)",
                "Tabel 4",
                "Citaat",
                "history (2)",
                "TEST",
                "test (2)",
                "Tabel 4 (2)",
                "Tabel 10",
            ]
        );
        for name in &names {
            assert!(name.encode_utf16().count() <= 31, "{name}");
        }
    }

    #[test]
    fn sheet_names_count_utf16_units() {
        let names = sheet_names(["😀".repeat(20).as_str()]);
        assert_eq!(names[0], "😀".repeat(15));
    }

    #[test]
    fn page_header_escapes_ampersands() {
        assert_eq!(page_header("Q&A"), "&L&BQ&&A&B");
        let header = page_header(&"&".repeat(300));
        assert!(header.encode_utf16().count() <= 255);
        assert_eq!(header.trim_start_matches("&L&B").trim_end_matches("&B").len() % 2, 0);
    }

    #[test]
    fn xlsx_without_tables_is_an_error() {
        let e = xlsx(&[]).unwrap_err();
        assert_eq!(e.to_string(), text::NO_TABLES);
    }

    #[test]
    fn xlsx_refuses_overlong_text_in_dutch() {
        let mut tab = table(&["a", "b"], vec![vec![t("kort"), t(&"x".repeat(MAX_TEXT + 1))]]);
        tab.title = "Lang".into();
        let e = xlsx(&[tab]).unwrap_err();
        assert!(matches!(e, ReportError::TextTooLong { row: 2, column: 2, .. }), "{e:?}");
        assert!(e.to_string().contains("rij 2, kolom 2"), "{e}");
    }

    /// A workbook with known figures, shared by the checks below.
    fn sample() -> Vec<Table> {
        vec![
            Table {
                title: "Aanmeldingen per school 2025/1".into(),
                headers: ["School", "Aanmeldingen", "Thuiszitters", "Tevredenheid", "Op tijd"]
                    .map(String::from)
                    .to_vec(),
                rows: vec![
                    vec![t("De Regenboog"), Cell::Count(12), Cell::Count(3), Cell::Number(3.456), Cell::Percent(42.0)],
                    vec![t("Het Anker"), Cell::Count(0), Cell::Count(5), Cell::Number(f64::NAN), Cell::Percent(7.0)],
                    vec![t("=SUM(A1)"), Cell::Count(1234), Cell::Empty, Cell::Number(12.0), Cell::Percent(100.0)],
                    vec![t("+31 6 1234"), Cell::Count(4), Cell::Count(1), Cell::Number(-0.25), Cell::Percent(0.0)],
                ],
            },
            Table {
                title: "Doorlooptijd (dagen)".into(),
                headers: ["Route", "Mediaan"].map(String::from).to_vec(),
                rows: vec![vec![t("Arrangement"), Cell::Number(17.5)], vec![t("@x"), Cell::Count(2)]],
            },
        ]
    }

    #[test]
    fn xlsx_is_a_zip() {
        let bytes = xlsx(&sample()).expect("xlsx");
        assert!(bytes.starts_with(b"PK\x03\x04"));
    }

    /// One part of the xlsx, read with the zip crate.
    fn unzip(bytes: &[u8], part: &str) -> String {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("xlsx is a zip");
        let mut file = archive.by_name(part).unwrap_or_else(|e| panic!("{part}: {e}"));
        let mut text = String::new();
        std::io::Read::read_to_string(&mut file, &mut text).expect("utf-8 xml");
        text
    }

    #[test]
    fn xlsx_content() {
        let bytes = xlsx(&sample()).expect("xlsx");
        let workbook = unzip(&bytes, "xl/workbook.xml");
        assert!(workbook.contains(r#"name="Aanmeldingen per school 2025-1""#), "{workbook}");
        assert!(workbook.contains(r#"name="Doorlooptijd (dagen)""#), "{workbook}");
        let strings = unzip(&bytes, "xl/sharedStrings.xml");
        for s in ["=SUM(A1)", "+31 6 1234", "@x", "&lt;5", "Tevredenheid"] {
            assert!(strings.contains(&format!(">{s}<")), "{s} in {strings}");
        }
        let sheet = unzip(&bytes, "xl/worksheets/sheet1.xml");
        assert!(!sheet.contains("<f>"), "no formulas: {sheet}");
        assert!(sheet.contains(r#"ySplit="1""#), "frozen header: {sheet}");
        assert!(sheet.contains("<v>1234</v>") && sheet.contains("<v>0.42</v>"), "{sheet}");
        assert!(sheet.contains("<cols>"), "column widths: {sheet}");
        let styles = unzip(&bytes, "xl/styles.xml");
        for format in ["#,##0.0", "0%"] {
            assert!(styles.contains(&format!(r#"formatCode="{format}""#)), "{format} in {styles}");
        }
        assert!(styles.contains("<b/>"), "bold header: {styles}");
    }

    /// The real reader check (not run by default): LibreOffice opens the workbook and
    /// exports every sheet as CSV, showing the values as formatted, once in an English
    /// and once in a Dutch locale. Run it with `.ci/xlsx-libreoffice`, which installs
    /// LibreOffice when it is missing.
    #[test]
    #[ignore = "needs LibreOffice (soffice); run .ci/xlsx-libreoffice"]
    fn xlsx_reads_back_in_libreoffice() {
        let tables = sample();
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("monitoring.xlsx");
        std::fs::write(&file, xlsx(&tables).expect("xlsx")).expect("write xlsx");

        let names = sheet_names(tables.iter().map(|t| t.title.as_str()));
        assert_eq!(names, ["Aanmeldingen per school 2025-1", "Doorlooptijd (dagen)"]);
        // As shown in an English locale.
        let expected: [&[&[&str]]; 2] = [
            &[
                &["School", "Aanmeldingen", "Thuiszitters", "Tevredenheid", "Op tijd"],
                &["De Regenboog", "12", "<5", "3.5", "42%"],
                &["Het Anker", "0", "5", "", "7%"],
                &["=SUM(A1)", "1,234", "", "12.0", "100%"],
                &["+31 6 1234", "<5", "<5", "-0.3", "0%"],
            ],
            &[&["Route", "Mediaan"], &["Arrangement", "17.5"], &["@x", "<5"]],
        ];
        for locale in ["en_US.UTF-8", "nl_NL.UTF-8"] {
            let out_dir = dir.path().join(locale);
            let log = libreoffice_csv(&file, &out_dir, &dir.path().join("profile"), locale);
            for (name, expected) in names.iter().zip(expected) {
                let path = out_dir.join(format!("monitoring-{name}.csv"));
                let bytes = std::fs::read(&path).unwrap_or_else(|e| {
                    let found: Vec<_> = std::fs::read_dir(&out_dir)
                        .map(|d| d.filter_map(Result::ok).map(|f| f.file_name()).collect())
                        .unwrap_or_default();
                    panic!("{} ({e}); soffice wrote {found:?}; its output: {log}", path.display())
                });
                let mut reader =
                    csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(&bytes[..]);
                let got: Vec<Vec<String>> =
                    reader.records().map(|r| r.expect("record").iter().map(str::to_string).collect()).collect();
                // Dutch swaps the decimal point and the thousands separator (no text in
                // the sample has either).
                let dutch = locale.starts_with("nl");
                let swap = |c: char| match c {
                    '.' if dutch => ',',
                    ',' if dutch => '.',
                    c => c,
                };
                let expected: Vec<Vec<String>> =
                    expected.iter().map(|row| row.iter().map(|s| s.chars().map(swap).collect()).collect()).collect();
                assert_eq!(got, expected, "sheet {name} in {locale}");
            }
        }
    }

    /// Converts `file` to one CSV per sheet in `out_dir` (named <file>-<sheet>.csv) with
    /// LibreOffice in `locale`; returns what soffice printed.
    fn libreoffice_csv(file: &Path, out_dir: &Path, profile: &Path, locale: &str) -> String {
        use std::process::{Command, Stdio};
        use std::time::{Duration, Instant};

        // Filter options: ';' separator, '"' quotes, UTF-8, line 1, (three import-only
        // fields), values as shown (formatted), no formulas, (import-only), every sheet to
        // its own file (-1, LibreOffice 7.2+). LibreOffice takes its locale (decimal comma
        // or point) from LC_ALL, even when the system has no such locale installed.
        let filter = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true,false,false,-1";
        let mut child = Command::new("soffice")
            .arg(format!("-env:UserInstallation=file://{}", profile.display()))
            .args(["--headless", "--norestore", "--convert-to", filter, "--outdir"])
            .arg(out_dir)
            .arg(file)
            .env("LC_ALL", locale)
            .env("LANG", locale)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not run soffice ({e}); run .ci/xlsx-libreoffice"));
        let start = Instant::now();
        while child.try_wait().expect("wait for soffice").is_none() {
            if start.elapsed() > Duration::from_secs(180) {
                let _ = child.kill();
                panic!("soffice did not finish within 180 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let output = child.wait_with_output().expect("soffice output");
        let log = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "soffice failed: {log}");
        log
    }
}
