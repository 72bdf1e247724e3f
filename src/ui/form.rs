//! A keyboard form: text, single-choice and multi-choice fields, a save button, inline
//! errors and the real terminal cursor in the focused text field. Shared by the set-up
//! and the case forms; what the fields mean is up to their owner.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::keymap::Key;
use super::theme::Theme;
use crate::strings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Text {
        max: usize,
        hint: &'static str,
    },
    /// Typed like text, shown as dots (passphrases).
    Secret {
        max: usize,
    },
    Choice(Vec<String>),
    Multi(Vec<String>),
}

/// A field's name in its form: its owner reads the field and puts its errors by name.
/// Empty for forms read by position (a routekaart step, the passphrase, the case form
/// whose positions are the domain's `case::Field`).
pub type FieldId = &'static str;

/// What is wrong, per named field, as `Form::show_problems` shows it.
pub type Problems = Vec<(FieldId, String)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub id: FieldId,
    pub label: String,
    pub required: bool,
    pub kind: Kind,
    pub text: String,
    /// Cursor position in characters.
    pub cursor: usize,
    pub choice: Option<usize>,
    pub checked: Vec<bool>,
    /// The highlighted option of a multi-choice field.
    pub highlight: usize,
    pub error: Option<String>,
}

impl Field {
    pub fn text(label: &str, required: bool, max: usize, hint: &'static str, value: &str) -> Field {
        Field::new(label, required, Kind::Text { max, hint }).with_text(value)
    }

    pub fn secret(label: &str, max: usize) -> Field {
        Field::new(label, true, Kind::Secret { max })
    }

    pub fn choice(label: &str, required: bool, options: Vec<String>, value: Option<usize>) -> Field {
        let mut f = Field::new(label, required, Kind::Choice(options));
        f.choice = value;
        f
    }

    pub fn multi(label: &str, required: bool, options: Vec<String>, checked: Vec<bool>) -> Field {
        let mut f = Field::new(label, required, Kind::Multi(options));
        f.checked = checked;
        f
    }

    /// The field under its name `id`.
    pub fn named(self, id: FieldId) -> Field {
        Field { id, ..self }
    }

    fn new(label: &str, required: bool, kind: Kind) -> Field {
        Field {
            id: "",
            label: label.to_string(),
            required,
            kind,
            text: String::new(),
            cursor: 0,
            choice: None,
            checked: Vec::new(),
            highlight: 0,
            error: None,
        }
    }

    fn with_text(mut self, value: &str) -> Field {
        self.text = value.to_string();
        self.cursor = value.chars().count();
        self
    }

    /// The field's value as drawn in `width` columns, and the cursor's column in a text field.
    fn value_spans(&self, focused: bool, width: usize, theme: Theme) -> (Vec<Span<'static>>, Option<usize>) {
        match &self.kind {
            Kind::Text { .. } | Kind::Secret { .. } => {
                let dots;
                let text = match self.kind {
                    Kind::Secret { .. } => {
                        dots = "•".repeat(self.text.chars().count());
                        &dots
                    }
                    _ => &self.text,
                };
                let (shown, cursor_col) = window(text, self.cursor, width);
                let hint = if let Kind::Text { hint, .. } = self.kind { hint } else { "" };
                let span = if self.text.is_empty() { Span::styled(hint, theme.muted()) } else { Span::raw(shown) };
                (vec![span], Some(cursor_col))
            }
            Kind::Choice(options) => {
                let span = match self.choice {
                    Some(c) if focused => Span::raw(format!("◀ {} ▶", options[c])),
                    Some(c) => Span::raw(options[c].clone()),
                    None => Span::styled(strings::CHOOSE_HINT, theme.muted()),
                };
                (vec![span], None)
            }
            Kind::Multi(options) => (self.multi_spans(options, focused, width, theme), None),
        }
    }

    /// Every option with its box when they fit. When they do not: while focused, the
    /// options from one that keeps the highlighted one in view; otherwise the checked ones.
    fn multi_spans(&self, options: &[String], focused: bool, width: usize, theme: Theme) -> Vec<Span<'static>> {
        let item = |k: usize| format!("{}{}", if self.checked[k] { "[x] " } else { "[ ] " }, options[k]);
        let cost = |k: usize| item(k).width() + 1;
        let fits = (0..options.len()).map(cost).sum::<usize>() <= width;
        if !fits && !focused {
            let chosen: Vec<&str> =
                options.iter().zip(&self.checked).filter(|(_, c)| **c).map(|(o, _)| o.as_str()).collect();
            if chosen.is_empty() {
                return vec![Span::styled(strings::NONE_CHECKED, theme.muted())];
            }
            return vec![Span::raw(strings::fit(&chosen.join(", "), width))];
        }
        let mut start = if fits { 0 } else { self.highlight };
        let mut used = cost(start) + 2;
        while start > 0 && used + cost(start - 1) <= width {
            start -= 1;
            used += cost(start);
        }
        let more = (start > 0).then(|| Span::styled("… ", theme.muted()));
        let spans = (start..options.len()).flat_map(|k| {
            let style = if focused && k == self.highlight { theme.selected() } else { Default::default() };
            [Span::styled(item(k), style), Span::raw(" ")]
        });
        more.into_iter().chain(spans).collect()
    }

    fn value(&self) -> (&str, Option<usize>, &[bool]) {
        (&self.text, self.choice, &self.checked)
    }

    /// Applies an editing key; returns false when the key means nothing here.
    fn edit(&mut self, key: &Key) -> bool {
        match &self.kind {
            Kind::Text { max, .. } | Kind::Secret { max } => edit_text(&mut self.text, &mut self.cursor, *max, key),
            Kind::Choice(options) | Kind::Multi(options) if options.is_empty() => false,
            Kind::Choice(options) => {
                let n = options.len();
                match key.code {
                    KeyCode::Right | KeyCode::Char(' ') if key.mods.is_empty() => {
                        self.choice = Some(self.choice.map_or(0, |c| (c + 1) % n));
                    }
                    KeyCode::Left => self.choice = Some(self.choice.map_or(n - 1, |c| (c + n - 1) % n)),
                    KeyCode::Backspace | KeyCode::Delete => self.choice = None,
                    _ => {
                        // Typing jumps to the next option that starts with the character.
                        let Some(c) = key.typed_char() else { return false };
                        let c = c.to_lowercase().to_string();
                        let start = self.choice.map_or(0, |i| i + 1);
                        let found =
                            (0..n).map(|k| (start + k) % n).find(|&i| options[i].to_lowercase().starts_with(&c));
                        if found.is_none() {
                            return false;
                        }
                        self.choice = found;
                    }
                }
                true
            }
            Kind::Multi(options) => {
                let n = options.len();
                match key.code {
                    KeyCode::Right => self.highlight = (self.highlight + 1) % n,
                    KeyCode::Left => self.highlight = (self.highlight + n - 1) % n,
                    KeyCode::Char(' ') => self.checked[self.highlight] ^= true,
                    KeyCode::Char(c @ '1'..='9') if (c as usize - '1' as usize) < n => {
                        self.highlight = c as usize - '1' as usize;
                        self.checked[self.highlight] ^= true;
                    }
                    _ => return false,
                }
                true
            }
        }
    }
}

/// Line editing shared by form fields and the list filter.
pub fn edit_text(text: &mut String, cursor: &mut usize, max: usize, key: &Key) -> bool {
    let len = text.chars().count();
    let byte = |s: &str, i: usize| s.char_indices().nth(i).map_or(s.len(), |(b, _)| b);
    match key.code {
        KeyCode::Char(c) if key.typed_char().is_some() => {
            if len < max {
                text.insert(byte(text, *cursor), c);
                *cursor += 1;
            }
        }
        KeyCode::Char('u') if key.mods == crossterm::event::KeyModifiers::CONTROL => {
            text.clear();
            *cursor = 0;
        }
        KeyCode::Backspace if *cursor > 0 => {
            *cursor -= 1;
            text.remove(byte(text, *cursor));
        }
        KeyCode::Delete if *cursor < len => {
            text.remove(byte(text, *cursor));
        }
        KeyCode::Left => *cursor = cursor.saturating_sub(1),
        KeyCode::Right => *cursor = (*cursor + 1).min(len),
        KeyCode::Home => *cursor = 0,
        KeyCode::End => *cursor = len,
        KeyCode::Backspace | KeyCode::Delete => {}
        _ => return false,
    }
    true
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<Field>,
    /// Index of the focused field; `fields.len()` is the save button.
    pub focus: usize,
    /// A save is under way; keys that change content are ignored until it answers.
    pub saving: bool,
    initial: Vec<(String, Option<usize>, Vec<bool>)>,
    button: &'static str,
}

/// The label column is as wide as the longest label (with its " *"), within these bounds.
const LABEL_MIN: usize = 22;
const LABEL_MAX: usize = 40;

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        let initial = fields.iter().map(|f| (f.text.clone(), f.choice, f.checked.clone())).collect();
        Form { fields, focus: 0, saving: false, initial, button: strings::SAVE_BUTTON }
    }

    /// A form whose button says something other than "Opslaan".
    pub fn with_button(fields: Vec<Field>, button: &'static str) -> Form {
        Form { button, ..Form::new(fields) }
    }

    /// Wipes what was typed (passphrases) once it has been handed on.
    pub fn clear(&mut self) {
        for f in &mut self.fields {
            zeroize::Zeroize::zeroize(&mut f.text);
            f.cursor = 0;
        }
        self.focus = 0;
    }

    pub fn on_button(&self) -> bool {
        self.focus == self.fields.len()
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % (self.fields.len() + 1);
    }

    /// Moves the focus on (or back); returns the field it left.
    pub fn step_focus(&mut self, forward: bool) -> usize {
        let left = self.focus;
        if forward {
            self.next()
        } else {
            self.prev()
        }
        left
    }

    pub fn prev(&mut self) {
        self.focus = (self.focus + self.fields.len()) % (self.fields.len() + 1);
    }

    /// Applies an editing key to the focused field; a change clears the field's error,
    /// which its owner checks again when the field is left or the form submitted.
    pub fn edit(&mut self, key: &Key) -> bool {
        match self.fields.get_mut(self.focus) {
            Some(field) if !self.saving => {
                let changed = field.edit(key);
                if changed {
                    field.error = None;
                }
                changed
            }
            _ => false,
        }
    }

    /// Pasted text goes into the focused text field at the cursor, as far as it fits.
    pub fn paste(&mut self, text: &str) -> bool {
        let Some(f) = self.fields.get_mut(self.focus).filter(|_| !self.saving) else { return false };
        let Kind::Text { max, .. } = f.kind else { return false };
        let room = max.saturating_sub(f.text.chars().count());
        let piece: String = text.chars().filter(|c| !c.is_control()).take(room).collect();
        if piece.is_empty() {
            return false;
        }
        let at = f.text.char_indices().nth(f.cursor).map_or(f.text.len(), |(b, _)| b);
        f.text.insert_str(at, &piece);
        f.cursor += piece.chars().count();
        f.error = None;
        true
    }

    /// True when anything differs from what the form was opened with.
    pub fn is_dirty(&self) -> bool {
        self.fields.iter().zip(&self.initial).any(|(f, (t, c, m))| f.value() != (t.as_str(), *c, m.as_slice()))
    }

    /// Every text field that holds something like a BSN (`case::contains_bsn`), as
    /// errors for `show_errors`: tandem stores no BSN, in whatever form it is typed.
    pub fn bsn_errors(&self) -> Vec<(usize, String)> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f.kind, Kind::Text { .. }) && crate::domain::case::contains_bsn(&f.text))
            .map(|(i, _)| (i, strings::LOOKS_LIKE_BSN.to_string()))
            .collect()
    }

    /// Shows `errors` (field index, message), clearing others; focuses the topmost one.
    pub fn show_errors(&mut self, errors: Vec<(usize, String)>) {
        for f in &mut self.fields {
            f.error = None;
        }
        // The first field with a problem, whatever order the checks found them in.
        if let Some(first) = errors.iter().map(|(i, _)| *i).min() {
            self.focus = first;
        }
        for (i, msg) in errors {
            self.fields[i].error = Some(msg);
        }
    }

    fn named(&self, id: FieldId) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The trimmed text of field `id` (empty when the form has no such field).
    pub fn text(&self, id: FieldId) -> String {
        self.named(id).map_or_else(String::new, |f| f.text.trim().to_string())
    }

    /// The text of field `id` exactly as typed (a passphrase keeps its spaces).
    pub fn raw_text(&self, id: FieldId) -> &str {
        self.named(id).map_or("", |f| f.text.as_str())
    }

    /// Takes the text out of field `id`, leaving it empty.
    pub fn take_text(&mut self, id: FieldId) -> String {
        self.fields.iter_mut().find(|f| f.id == id).map(|f| std::mem::take(&mut f.text)).unwrap_or_default()
    }

    /// The option chosen in field `id`.
    pub fn choice(&self, id: FieldId) -> Option<usize> {
        self.named(id).and_then(|f| f.choice)
    }

    /// The value chosen in field `id`, whose options are `all` in order.
    pub fn pick<T: Copy>(&self, id: FieldId, all: &[T]) -> Option<T> {
        self.choice(id).and_then(|c| all.get(c).copied())
    }

    /// Which options of multi-choice field `id` are checked.
    pub fn checked(&self, id: FieldId) -> &[bool] {
        self.named(id).map_or(&[], |f| &f.checked)
    }

    /// The date typed in field `id`: None when empty; unreadable, the reason goes to `problems`.
    pub fn date(&self, id: FieldId, problems: &mut Problems) -> Option<chrono::NaiveDate> {
        let text = self.text(id);
        if text.is_empty() {
            return None;
        }
        crate::domain::date::parse(&text).map_err(|e| problems.push((id, e.to_string()))).ok()
    }

    /// The required text and choice fields left empty.
    pub fn missing(&self) -> Problems {
        let empty = |f: &Field| match f.kind {
            Kind::Choice(_) => f.choice.is_none(),
            Kind::Text { .. } | Kind::Secret { .. } => f.text.trim().is_empty(),
            Kind::Multi(_) => false,
        };
        self.fields.iter().filter(|f| f.required && empty(f)).map(|f| (f.id, strings::REQUIRED.to_string())).collect()
    }

    /// `bsn_errors` by name.
    pub fn bsn_problems(&self) -> Problems {
        self.bsn_errors().into_iter().map(|(i, e)| (self.fields[i].id, e)).collect()
    }

    /// `show_errors` by name.
    pub fn show_problems(&mut self, problems: Problems) {
        let errors = problems
            .into_iter()
            .filter_map(|(id, e)| self.fields.iter().position(|f| f.id == id).map(|i| (i, e)))
            .collect();
        self.show_errors(errors);
    }

    /// Draws the form; returns where the terminal cursor belongs (focused text field).
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: Theme) -> Option<Position> {
        let label_width = self
            .fields
            .iter()
            .map(|f| f.label.chars().count() + 3)
            .max()
            .unwrap_or(LABEL_MIN)
            .clamp(LABEL_MIN, LABEL_MAX.min(area.width as usize / 2));
        let value_width = (area.width as usize).saturating_sub(label_width + 2);
        let mut lines: Vec<Line> = Vec::new();
        // The focused field's first line and the line after its problem.
        let (mut focus_line, mut focus_end) = (0, 0);
        let mut cursor_at = None;
        for (i, f) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            if focused {
                focus_line = lines.len();
            }
            let marker = if focused { Span::styled("▶ ", theme.focus()) } else { Span::raw("  ") };
            let label = format!("{}{}", f.label, if f.required { " *" } else { "" });
            let label =
                Span::styled(format!("{label:<label_width$}"), if focused { theme.focus() } else { theme.label() });
            let mut spans = vec![marker, label];
            let (value, cursor_col) = f.value_spans(focused, value_width, theme);
            spans.extend(value);
            if let Some(col) = cursor_col.filter(|_| focused) {
                cursor_at = Some((lines.len(), col));
            }
            lines.push(Line::from(spans));
            // Under the value, wrapped: the reason and what to do are read whole.
            if let Some(err) = &f.error {
                let wrap = super::view::wrap_options(value_width).subsequent_indent("  ");
                for part in textwrap::wrap(&format!("⚠ {err}"), wrap) {
                    lines.push(Line::from(vec![
                        Span::raw(" ".repeat(label_width + 2)),
                        Span::styled(part.into_owned(), theme.error()),
                    ]));
                }
            }
            if focused {
                focus_end = lines.len();
            }
        }
        lines.push(Line::raw(""));
        if self.on_button() {
            focus_line = lines.len();
            focus_end = focus_line + 1;
        }
        let button = if self.saving { strings::SAVING } else { self.button };
        lines.push(Line::from(vec![
            if self.on_button() { Span::styled("▶ ", theme.focus()) } else { Span::raw("  ") },
            Span::styled(button, if self.on_button() { theme.selected() } else { theme.label() }),
        ]));

        // Scroll just enough to keep the focused field and its problem (or the line after
        // it) in view, never past the field's first line.
        let height = area.height as usize;
        let offset = focus_end.max(focus_line + 2).saturating_sub(height).min(focus_line);
        let offset = offset.min(lines.len().saturating_sub(height));
        frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), area);
        cursor_at.and_then(|(line, col)| {
            let y = line.checked_sub(offset).filter(|y| *y < height)?;
            Some(Position::new(area.x + (2 + label_width + col) as u16, area.y + y as u16))
        })
    }
}

/// The part of `text` that fits in `width` columns with the cursor in view, and the
/// cursor's column within it.
fn window(text: &str, cursor: usize, width: usize) -> (String, usize) {
    let chars: Vec<char> = text.chars().collect();
    let width = width.max(1);
    let mut start = 0;
    let col = |start: usize| chars[start..cursor].iter().collect::<String>().width();
    while col(start) >= width {
        start += 1;
    }
    let mut shown = String::new();
    let mut used = 0;
    for c in &chars[start..] {
        used += c.width().unwrap_or(0);
        if used > width {
            break;
        }
        shown.push(*c);
    }
    (shown, col(start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEvent, KeyModifiers};

    fn key(code: KeyCode) -> Key {
        Key::from_event(&KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn fields_are_read_and_marked_by_name_wherever_they_stand() {
        let options = vec!["a".to_string(), "b".to_string()];
        let mut form = Form::new(vec![
            Field::text("Wanneer", true, 10, "", " 32-01-2026 ").named("on"),
            Field::choice("Welke", true, options.clone(), Some(1)).named("which"),
            Field::multi("Wie", false, options, vec![true, false]).named("who"),
            Field::text("Waarom", true, 50, "", "").named("why"),
        ]);
        assert_eq!(form.choice("which"), Some(1));
        assert_eq!(form.pick("which", &['x', 'y']), Some('y'));
        assert_eq!(form.checked("who"), [true, false]);
        assert_eq!(form.text("nothing"), "", "an unknown name reads as empty");
        let mut problems = form.missing();
        assert_eq!(problems, vec![("why", strings::REQUIRED.to_string())]);
        assert_eq!(form.date("on", &mut problems), None);
        assert_eq!(problems.len(), 2, "{problems:?}");
        form.show_problems(problems);
        assert_eq!(form.focus, 0, "the topmost field with a problem");
        assert!(form.fields[0].error.is_some() && form.fields[3].error.is_some() && form.fields[1].error.is_none());
    }

    #[test]
    fn text_editing_moves_by_characters() {
        let (mut text, mut cursor) = (String::from("Zoë"), 3);
        edit_text(&mut text, &mut cursor, 10, &key(KeyCode::Left));
        edit_text(&mut text, &mut cursor, 10, &key(KeyCode::Backspace));
        edit_text(&mut text, &mut cursor, 10, &key(KeyCode::Char('e')));
        assert_eq!((text.as_str(), cursor), ("Zeë", 2));
        let (mut text, mut cursor) = (String::from("abc"), 3);
        assert!(edit_text(&mut text, &mut cursor, 3, &key(KeyCode::Char('d'))));
        assert_eq!(text, "abc", "max length holds");
    }

    #[test]
    fn choice_jumps_by_first_letter_and_cycles() {
        let opts = vec!["Leerkracht".to_string(), "IB-er".into(), "Leerling".into()];
        let mut f = Field::choice("Bron", true, opts, None);
        f.edit(&key(KeyCode::Char('l')));
        assert_eq!(f.choice, Some(0));
        f.edit(&key(KeyCode::Char('l')));
        assert_eq!(f.choice, Some(2));
        f.edit(&key(KeyCode::Right));
        assert_eq!(f.choice, Some(0));
        f.edit(&key(KeyCode::Left));
        assert_eq!(f.choice, Some(2));
        assert!(!f.edit(&key(KeyCode::Char('x'))));
    }

    #[test]
    fn a_multi_choice_wider_than_its_line_keeps_the_highlighted_option_in_view() {
        let opts: Vec<String> = ["wachttijd jeugdhulp", "onduidelijk wie verantwoordelijk is", "geen passend aanbod"]
            .map(String::from)
            .to_vec();
        let mut f = Field::multi("Hinderde", false, opts, vec![false; 3]);
        let theme = Theme { color: false };
        let shown = |f: &Field, focused| -> String {
            f.multi_spans(
                match &f.kind {
                    Kind::Multi(o) => o,
                    _ => unreachable!(),
                },
                focused,
                40,
                theme,
            )
            .iter()
            .map(|s| s.content.to_string())
            .collect()
        };
        assert_eq!(shown(&f, false), strings::NONE_CHECKED);
        f.edit(&key(KeyCode::Char('3')));
        assert!(shown(&f, true).starts_with("… [x] geen passend aanbod"), "{}", shown(&f, true));
        f.edit(&key(KeyCode::Char('1')));
        assert_eq!(shown(&f, false), "wachttijd jeugdhulp, geen passend aanbod");
        assert!(shown(&f, true).starts_with("[x] wachttijd jeugdhulp [ ] onduidelijk"), "{}", shown(&f, true));
        // Options that fit are all shown, focused or not.
        let g = Field::multi("D", true, vec!["a".into(), "b".into()], vec![false, true]);
        assert_eq!(shown(&g, false), "[ ] a [x] b ");
    }

    #[test]
    fn dirty_tracks_changes_back_and_forth() {
        let mut form = Form::new(vec![Field::multi("D", true, vec!["a".into(), "b".into()], vec![false, true])]);
        assert!(!form.is_dirty());
        form.edit(&key(KeyCode::Char('1')));
        assert!(form.is_dirty());
        form.edit(&key(KeyCode::Char(' ')));
        assert!(!form.is_dirty());
    }

    #[test]
    fn a_change_clears_the_fields_error() {
        let mut form = Form::new(vec![Field::text("Naam", true, 10, "", "")]);
        form.show_errors(vec![(0, "verplicht veld".into())]);
        form.edit(&key(KeyCode::Char('A')));
        assert_eq!(form.fields[0].error, None, "the error of a filled field goes");
        form.show_errors(vec![(0, "verplicht veld".into())]);
        assert!(!form.edit(&key(KeyCode::F(5))), "a key that changes nothing");
        assert_eq!(form.fields[0].error.as_deref(), Some("verplicht veld"), "keeps the error");
    }

    #[test]
    fn long_text_scrolls_to_keep_the_cursor_visible() {
        assert_eq!(window("abcdef", 6, 4), ("def".to_string(), 3));
        assert_eq!(window("abcdef", 0, 4), ("abcd".to_string(), 0));
    }
}
