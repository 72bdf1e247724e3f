//! The SWV's dashboard (`tandem swv`): new bundles are imported in the background, then
//! per school and half-year the figures of domain.md §6, with the E2 escalations waiting
//! for the director on top, escalations per reason as bars and the trend over periods as
//! sparklines.

use std::sync::mpsc;

use chrono::NaiveDateTime;
use crossterm::event::{KeyEvent, KeyEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Cell, Paragraph, Row, Sparkline, Table, Wrap};

use super::action::{Action, Context};
use super::app::{Input, Program, event_loop, now};
use super::keymap::{Key, Keymap};
use super::theme::Theme;
use crate::bundle::SwvIdentity;
use crate::domain::export::Period;
use crate::domain::figures::{self, Figures};
use crate::store::{Store, SwvRecord, TeamState};
use crate::strings;
use crate::swv::{self, FileReport, Gemeenten, Group, Level, Outcome, SwvConfig};

/// Periods the sparklines look back over.
const TREND: usize = 6;
/// Bars and sparklines are drawn against at least this many, so one case is a low bar.
const MIN_BAR_SCALE: u64 = 10;
/// The most named categories shown, as helped and as hindered.
const REFLECTIONS_SHOWN: usize = 5;
/// Width of a bar and the gap after it.
const BAR_WIDTH: u16 = 6;
const BAR_GAP: u16 = 1;

/// What the background import brings.
pub struct Loaded {
    pub records: Vec<SwvRecord>,
    /// Which gemeente each school lies in (`swv.toml`).
    pub gemeenten: Gemeenten,
    pub teams: Vec<(String, TeamState)>,
    pub reports: Vec<FileReport>,
}

pub struct Dashboard {
    pub theme: Theme,
    pub keymap: Keymap,
    pub period: Period,
    pub today: chrono::NaiveDate,
    /// None while importing; Err with the reason when it failed.
    pub loaded: Option<Result<Loaded, String>>,
    /// Row of the school table (the last is the total).
    pub selected: usize,
    /// The key help (`?`) is open.
    pub help: bool,
}

/// What reaches the dashboard: input, and the import's result.
pub enum DashboardMsg {
    Input(Input),
    Loaded(Result<Loaded, String>),
}

impl Dashboard {
    pub fn new(theme: Theme, keymap: Keymap, now: NaiveDateTime) -> Dashboard {
        let (period, today) = (Period::of(now.date()), now.date());
        Dashboard { theme, keymap, period, today, loaded: None, selected: 0, help: false }
    }

    /// A key, through the keymap; returns true to quit.
    pub fn on_key(&mut self, ev: &KeyEvent) -> bool {
        let key = Key::from_event(ev);
        if self.help {
            // Any key closes the help and does nothing else; Ctrl-C still quits.
            self.help = false;
            return self.keymap.action(Context::Help, &key) == Some(Action::Interrupt);
        }
        self.keymap.action(Context::Dashboard, &key).is_some_and(|action| self.on_action(action))
    }

    fn on_action(&mut self, action: Action) -> bool {
        let rows = match &self.loaded {
            Some(Ok(l)) => swv::groups(&l.records, &l.gemeenten).len(),
            _ => 1,
        };
        match action {
            Action::Quit | Action::Back | Action::Interrupt => return true,
            Action::Help => self.help = true,
            Action::PreviousPeriod => self.period = self.period.previous(),
            // No figures come from a half-year that has not begun.
            Action::NextPeriod => self.period = self.period.next().min(Period::of(self.today)),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(rows - 1),
            _ => {}
        }
        false
    }

    /// The key bar, with the keys of the keymap.
    fn key_bar(&self) -> String {
        let key = |a: Action| self.keymap.first_key_label(Context::Dashboard, a);
        let [before, after, up, down, help, quit] =
            [Action::PreviousPeriod, Action::NextPeriod, Action::Up, Action::Down, Action::Help, Action::Quit].map(key);
        strings::dashboard_keys(&before, &after, &up, &down, &help, &quit)
    }

    pub fn draw(&self, frame: &mut Frame) {
        let t = self.theme;
        let area = frame.area();
        let [title, body, bar] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
        let head = Line::from(vec![
            Span::styled(" tandem ", t.header()),
            Span::raw(strings::dashboard_title(&self.period.to_string())),
        ]);
        frame.render_widget(Paragraph::new(head), title);
        frame.render_widget(Paragraph::new(Span::styled(self.key_bar(), t.muted())), bar);
        match &self.loaded {
            None => frame.render_widget(Paragraph::new(strings::DASHBOARD_IMPORTING), body),
            Some(Err(e)) => {
                frame.render_widget(Paragraph::new(Span::styled(e.clone(), t.error())).wrap(Wrap { trim: true }), body)
            }
            Some(Ok(l)) => self.draw_loaded(l, frame, body),
        }
        if self.help {
            let at = (Context::Dashboard, 0);
            super::view::help::popup(&self.keymap, t, at, strings::DASHBOARD_HELP_CLOSE, frame, area);
        }
    }

    fn draw_loaded(&self, l: &Loaded, frame: &mut Frame, area: Rect) {
        let groups = swv::groups(&l.records, &l.gemeenten);
        let by_school = || l.records.iter().map(|r| (r.school.as_str(), &r.record));
        let waiting = figures::waiting_at_e2(by_school(), |s| l.gemeenten.of_school(s).map(str::to_string));
        let went_up = figures::went_up_from_director(by_school());
        let notes = import_notes(l);
        let top_lines = (waiting.len() + went_up.len()).clamp(1, 5);
        let [top, table, charts, bottom] = Layout::vertical([
            Constraint::Length((top_lines + 1) as u16),
            Constraint::Length((groups.len() + 2) as u16),
            Constraint::Min(6),
            Constraint::Length((notes.len().min(5) + 1) as u16),
        ])
        .areas(area);
        self.draw_e2(&waiting, &went_up, frame, top);
        self.draw_table(&groups, frame, table);

        // The selected row's escalations per reason, its gemeente's reflections, and its
        // trend over half-years.
        let chosen = &groups[self.selected.min(groups.len() - 1)];
        let learned = learning_group(&groups, chosen);
        let learned_name = if learned.level == Level::Total { strings::WHOLE_SWV } else { learned.name.as_str() };
        let (name, chosen) = (swv::row_label(chosen), &chosen.records);
        let [bars, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).spacing(2).areas(charts);
        let learned = figures::reflections(learned.records.iter().map(|r| &r.record), self.period);
        let lines = reflection_lines(&learned);
        let [reflections, trend] =
            Layout::vertical([Constraint::Length(lines as u16 + 1), Constraint::Min(6)]).areas(right);
        let f = figures::figures(chosen.iter().map(|r| &r.record), self.period);
        self.draw_reasons(&name, &f, frame, bars);
        self.draw_reflections(learned_name, &learned, frame, reflections);
        self.draw_trend(chosen, frame, trend);

        let t = self.theme;
        let lines: Vec<Line> = notes
            .into_iter()
            .take(5)
            .map(|(text, error)| Line::from(Span::styled(text, if error { t.error() } else { t.muted() })))
            .collect();
        let block = Block::new().borders(Borders::TOP).title(Span::styled(strings::IMPORT_TITLE, t.label()));
        frame.render_widget(Paragraph::new(lines).block(block), bottom);
    }

    /// On top: the E2 questions waiting for a binding decision, per gemeente and for whom
    /// (those for the SWV director stand out). Those that went on to E3 stay in view:
    /// their dossier is still with the SWV.
    fn draw_e2(
        &self,
        waiting: &[figures::E2Waiting],
        went_up: &[(String, chrono::NaiveDate)],
        frame: &mut Frame,
        area: Rect,
    ) {
        let t = self.theme;
        let mut lines: Vec<Line> = waiting
            .iter()
            .map(|w| {
                let days = (self.today - w.opened).num_days();
                let gemeente = w.gemeente.as_deref().unwrap_or(strings::NO_GEMEENTE);
                let text = strings::waiting_line(gemeente, &w.school, days, &w.deciders.join(", "));
                Line::from(Span::styled(text, if w.to_director { t.warn() } else { Style::default() }))
            })
            .chain(went_up.iter().map(|(school, on)| {
                Line::from(Span::styled(strings::went_up_line(school, &on.format("%d-%m-%Y").to_string()), t.muted()))
            }))
            .take(5)
            .collect();
        if lines.is_empty() {
            lines.push(Line::from(Span::styled(strings::NO_E2_WAITING, t.muted())));
        }
        let for_director = waiting.iter().filter(|w| w.to_director).count();
        let title = strings::e2_title(waiting.len(), for_director);
        let block = Block::new().borders(Borders::TOP).title(Span::styled(title, t.label()));
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    /// What helped and what hindered the cooperation, as the tandems of `whose` reflected
    /// on it in the period: counts below five as "<5".
    fn draw_reflections(&self, whose: &str, r: &figures::Reflections, frame: &mut Frame, area: Rect) {
        let t = self.theme;
        let title = strings::reflections_title(whose, &self.period.to_string());
        let block = Block::new().borders(Borders::TOP).title(Span::styled(title, t.label()));
        let mut lines = Vec::new();
        if r.recorded == 0 {
            lines.push(Line::from(Span::styled(strings::NO_REFLECTIONS, t.muted())));
        }
        let width = usize::from(area.width).saturating_sub(6);
        for (heading, counts) in [(strings::REFLECTION_HELPED, &r.helped), (strings::REFLECTION_HINDERED, &r.hindered)]
        {
            if counts.is_empty() {
                continue;
            }
            lines.push(Line::from(Span::styled(heading, t.label())));
            for (label, n) in counts.iter().take(REFLECTIONS_SHOWN) {
                let count = strings::small_count(*n);
                lines.push(Line::from(format!("  {:<width$}{count:>4}", strings::fit(label, width.saturating_sub(2)))));
            }
        }
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    /// The figures per school, per gemeente (when named) and for the SWV.
    fn draw_table(&self, groups: &[Group], frame: &mut Frame, area: Rect) {
        let t = self.theme;
        let header = Row::new(strings::DASHBOARD_COLUMNS.iter().map(|h| Cell::from(*h))).style(t.label());
        let rows = groups.iter().enumerate().map(|(i, g)| {
            let f = figures::figures(g.records.iter().map(|r| &r.record), self.period);
            let row = Row::new(figure_cells(&swv::row_label(g), &f));
            match (i == self.selected.min(groups.len() - 1), g.level) {
                (true, _) => row.style(t.selected()),
                (false, Level::School) => row,
                (false, _) => row.style(t.label()),
            }
        });
        let widths = [
            Constraint::Min(18),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(13),
        ];
        let by_gemeente = groups.iter().any(|g| g.level == Level::Gemeente);
        let title = if by_gemeente { strings::FIGURES_GEMEENTE_TITLE } else { strings::FIGURES_TITLE };
        let block = Block::new().borders(Borders::TOP).title(Span::styled(title, t.label()));
        frame.render_widget(Table::new(rows, widths).header(header).block(block).column_spacing(1), area);
    }

    /// The trend of the chosen records over the last half-years, as sparklines.
    fn draw_trend(&self, chosen: &[&SwvRecord], frame: &mut Frame, area: Rect) {
        let t = self.theme;
        let mut periods = vec![self.period];
        for _ in 1..TREND {
            let first = periods[0];
            periods.insert(0, first.previous());
        }
        let series = |pick: fn(&Figures) -> u64| -> Vec<u64> {
            periods.iter().map(|p| pick(&figures::figures(chosen.iter().map(|r| &r.record), *p))).collect()
        };
        let [a, b, c] = Layout::vertical([Constraint::Fill(1); 3]).areas(area);
        let spark = |title: String, data: Vec<u64>, area: Rect, frame: &mut Frame| {
            let block = Block::new().borders(Borders::TOP).title(Span::styled(title, t.label()));
            // One column per point is too thin to read: each period gets an equal share.
            let each = (area.width as usize / data.len().max(1)).max(1);
            let wide: Vec<u64> = data.iter().flat_map(|v| std::iter::repeat_n(*v, each)).collect();
            let top = data.iter().copied().max().unwrap_or(0).max(MIN_BAR_SCALE);
            frame.render_widget(Sparkline::default().block(block).data(&wide).max(top).style(Style::default()), area);
        };
        let range = format!("{}–{}", periods[0], self.period);
        spark(strings::trend_title(strings::TREND_STARTED, &range), series(|f| f.started), a, frame);
        spark(strings::trend_title(strings::TREND_ACTIVE, &range), series(|f| f.active), b, frame);
        spark(
            strings::trend_title(strings::TREND_ESCALATIONS, &range),
            series(|f| f.escalations.iter().sum()),
            c,
            frame,
        );
    }
}

/// The lines `draw_reflections` takes.
fn reflection_lines(r: &figures::Reflections) -> usize {
    let list = |l: &[(String, u64)]| if l.is_empty() { 0 } else { 1 + l.len().min(REFLECTIONS_SHOWN) };
    if r.recorded == 0 { 1 } else { list(&r.helped) + list(&r.hindered) }
}

/// Whose reflections stand beside a row: a school's are too few to learn from, so a
/// school row shows its gemeente's (or, where the SWV names none, the whole SWV's).
fn learning_group<'g, 'a>(groups: &'g [Group<'a>], chosen: &'g Group<'a>) -> &'g Group<'a> {
    if chosen.level != Level::School {
        return chosen;
    }
    let gemeente = groups.iter().find(|g| g.level == Level::Gemeente && g.name == chosen.gemeente);
    gemeente.or_else(|| groups.iter().find(|g| g.level == Level::Total)).unwrap_or(chosen)
}

/// A school's row of figures, in the order of `DASHBOARD_COLUMNS`.
fn figure_cells(school: &str, f: &Figures) -> Vec<String> {
    let one = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{v:.1}"));
    vec![
        school.to_string(),
        f.started.to_string(),
        f.closed.to_string(),
        f.active.to_string(),
        f.joint_started.to_string(),
        f.in_time_percent().map_or("—".into(), |p| format!("{p:.0}%")),
        format!("{}/{}/{}", f.escalations[0], f.escalations[1], f.escalations[2]),
        one(f.median_days()),
        f.meldcode.to_string(),
        f.thuiszitters.to_string(),
        format!("{} {} {}", one(f.satisfaction(0)), one(f.satisfaction(1)), one(f.satisfaction(2))),
    ]
}

impl Dashboard {
    /// The escalations per reason as bars, with their counts on a line of their own under
    /// the labels (never over a bar), scaled so that a few cases make low bars.
    fn draw_reasons(&self, school: &str, f: &Figures, frame: &mut Frame, area: Rect) {
        let t = self.theme;
        let block = Block::new().borders(Borders::TOP).title(Span::styled(strings::reasons_title(school), t.label()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [summary, chart, counts] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(2), Constraint::Length(1)]).areas(inner);
        let summary_text = strings::reasons_summary(f.resolved, f.unresolved, f.waiting);
        frame.render_widget(Paragraph::new(Span::styled(summary_text, t.muted())), summary);
        let group: Vec<Bar> = f
            .reasons
            .iter()
            .zip(strings::REASON_SHORT)
            .map(|(n, label)| Bar::default().value(*n).label(Line::from(label)).text_value(String::new()))
            .collect();
        let top = f.reasons.iter().copied().max().unwrap_or(0).max(MIN_BAR_SCALE);
        let chart_widget =
            BarChart::default().bar_width(BAR_WIDTH).bar_gap(BAR_GAP).max(top).data(BarGroup::default().bars(&group));
        frame.render_widget(chart_widget, chart);
        let width = usize::from(BAR_WIDTH);
        let gap = " ".repeat(usize::from(BAR_GAP));
        let line: String = f.reasons.iter().map(|n| format!("{n:^width$}{gap}")).collect();
        frame.render_widget(Paragraph::new(line), counts);
    }
}

/// What the import did and what needs attention (refusals, conflicts, gaps) first.
fn import_notes(l: &Loaded) -> Vec<(String, bool)> {
    let mut notes = Vec::new();
    for r in &l.reports {
        let name = r.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match &r.outcome {
            Outcome::Refused(why) => notes.push((strings::refused_line(&name, why), true)),
            Outcome::Conflict => notes.push((strings::conflict_line(&name), true)),
            _ => {}
        }
    }
    for (_, team) in &l.teams {
        let gaps = team.gaps();
        if !gaps.is_empty() {
            notes.push((strings::sequence_gap(&team.school, &gaps), true));
        }
    }
    let unnamed: Vec<String> =
        swv::by_school(&l.records).into_iter().map(|(s, _)| s).filter(|s| l.gemeenten.of_school(s).is_none()).collect();
    if !unnamed.is_empty() {
        notes.push((strings::schools_without_gemeente(&unnamed), false));
    }
    let count = |f: fn(&Outcome) -> bool| l.reports.iter().filter(|r| f(&r.outcome)).count();
    let imported = count(|o| matches!(o, Outcome::Imported { .. }));
    let waiting = count(|o| matches!(o, Outcome::Waiting));
    notes.push((strings::import_summary(imported, waiting, l.records.len(), l.teams.len()), false));
    notes
}

/// Schools of the demo monitor.
const DEMO_SCHOOLS: [&str; 4] = ["OBS De Vlinder", "CBS De Regenboog", "IKC Het Anker", "RKBS Sint Jozef"];
const DEMO_GEMEENTEN: [&str; 4] = ["Overbetuwe", "Overbetuwe", "Neder-Betuwe", "Buren"];

/// An invented SWV view of four schools (nothing on disk), for `tandem swv --demo`.
pub fn demo(config: &crate::config::Config, today: chrono::NaiveDate) -> Loaded {
    let records = DEMO_SCHOOLS
        .iter()
        .enumerate()
        .flat_map(|(i, school)| {
            let deciders = crate::domain::demo::deciders_in(DEMO_GEMEENTEN[i]);
            let (route, team) = (&config.route, &config.team);
            let cases = crate::domain::demo::cases_asking(90 + 20 * i, i as u64 + 1, route, team, &deciders, today);
            cases
                .into_iter()
                .map(|c| SwvRecord {
                    team: format!("DEMO{i}"),
                    school: school.to_string(),
                    revision: c.revision,
                    record: crate::domain::export::record(&c, &config.route, today),
                    dossier: None,
                    link: None,
                    imported: None,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let teams = DEMO_SCHOOLS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            // One school is missing bundle 2, as happens when a sync fails.
            let sequences = if i == 2 { [1, 3].into() } else { [1, 2, 3].into() };
            (format!("DEMO{i}"), TeamState { school: s.to_string(), sequences })
        })
        .collect();
    let gemeenten = Gemeenten::from_pairs(&DEMO_SCHOOLS.iter().copied().zip(DEMO_GEMEENTEN).collect::<Vec<_>>());
    Loaded { records, gemeenten, teams, reports: Vec::new() }
}

/// Imports the folder's new bundles and reads everything back.
pub fn load(store: &Store, config: &SwvConfig, identity: &SwvIdentity, now: NaiveDateTime) -> Result<Loaded, String> {
    let reports = match &config.folder {
        Some(dir) => swv::import_folder(store, dir, identity, config, now).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let records = store.swv_records().map_err(|e| e.to_string())?;
    let teams = store.swv_teams().map_err(|e| e.to_string())?;
    Ok(Loaded { records, gemeenten: Gemeenten::of(config), teams, reports })
}

/// Where the dashboard's figures come from.
pub enum Source {
    Store(Box<(Store, SwvConfig, SwvIdentity)>),
    Demo,
}

impl Program for Dashboard {
    type Msg = DashboardMsg;

    fn wrap(input: Input) -> DashboardMsg {
        DashboardMsg::Input(input)
    }

    fn handle(&mut self, msg: DashboardMsg, _: NaiveDateTime) -> bool {
        match msg {
            DashboardMsg::Input(Input::Key(k)) if k.kind == KeyEventKind::Press => self.on_key(&k),
            DashboardMsg::Loaded(loaded) => {
                self.loaded = Some(loaded);
                false
            }
            DashboardMsg::Input(_) => false,
        }
    }

    fn draw(&self, frame: &mut Frame) {
        Dashboard::draw(self, frame)
    }

    fn deadline(&self) -> Option<NaiveDateTime> {
        None
    }
}

/// Runs the dashboard in the app's loop with `keymap`; the import happens on a thread
/// while the first frame shows.
pub fn run(source: Source, keymap: Keymap) -> std::io::Result<()> {
    let (tx, rx) = mpsc::channel();
    let loader = tx.clone();
    std::thread::spawn(move || {
        let loaded = match source {
            Source::Store(parts) => load(&parts.0, &parts.1, &parts.2, now()),
            Source::Demo => crate::config::Config::demo().map(|c| demo(&c, now().date())).map_err(|e| e.to_string()),
        };
        let _ = loader.send(DashboardMsg::Loaded(loaded));
    });
    let mut dash = Dashboard::new(Theme::from_env(), keymap, now());
    event_loop(&mut dash, tx, &rx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::escalation::{Level, Reason};
    use crate::domain::export::{EscalationFact, Record};
    use crate::domain::testing::d;
    use crossterm::event::KeyCode;

    fn key(dash: &mut Dashboard, code: crossterm::event::KeyCode) -> bool {
        dash.on_key(&KeyEvent::new(code, crossterm::event::KeyModifiers::NONE))
    }

    fn screen(dash: &Dashboard, w: u16, h: u16) -> String {
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| dash.draw(f)).unwrap();
        let buffer = terminal.backend().buffer();
        (0..h).map(|y| (0..w).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
    }

    /// One school with one case: E2 to the director, then E3.
    fn one_case() -> Dashboard {
        let fact = |level, opened| EscalationFact {
            level,
            reason: Reason::NoOffer,
            opened,
            to_director: level == Level::E2,
            decided: None,
            resolved: None,
            deciders: Vec::new(),
            gemeente: None,
        };
        let mut record = Record::started(d(2026, 8, 1));
        record.escalations = vec![fact(Level::E2, d(2026, 9, 1)), fact(Level::E3, d(2026, 10, 1))];
        let records = vec![SwvRecord {
            team: "T".into(),
            school: "OBS Een".into(),
            revision: 1,
            record,
            dossier: None,
            link: None,
            imported: None,
        }];
        let teams = vec![("T".into(), TeamState { school: "OBS Een".into(), sequences: [1].into() })];
        let now = d(2026, 11, 23).and_hms_opt(10, 0, 0).unwrap();
        let mut dash = Dashboard::new(Theme { color: false }, Keymap::new(&Default::default()).unwrap(), now);
        dash.loaded = Some(Ok(Loaded { records, gemeenten: Gemeenten::default(), teams, reports: Vec::new() }));
        dash
    }

    #[test]
    fn question_mark_shows_the_keys_and_any_key_closes_them() {
        let mut dash = one_case();
        assert!(!key(&mut dash, KeyCode::Char('?')));
        let shown = screen(&dash, 100, 40);
        let (actions, _) = Context::Dashboard.actions();
        let whats = actions.iter().map(|a| a.describe(Context::Dashboard));
        for what in whats.chain(crate::ui::text::fixed_keys(Context::Dashboard).iter().map(|(_, what)| *what)) {
            assert!(shown.contains(what), "{what} in\n{shown}");
        }
        // q closes the help first, it does not quit.
        assert!(!key(&mut dash, KeyCode::Char('q')));
        assert!(!screen(&dash, 100, 40).contains(strings::DASHBOARD_HELP_CLOSE));
        assert!(key(&mut dash, KeyCode::Char('q')));
    }

    #[test]
    fn keys_from_swv_toml_replace_the_shipped_ones() {
        let mut dash = one_case();
        let keys = [("quit".to_string(), vec!["ctrl-q".to_string()]), ("back".to_string(), vec!["ctrl-b".to_string()])];
        dash.keymap = Keymap::new(&keys.into_iter().collect()).unwrap();
        assert!(!key(&mut dash, KeyCode::Char('q')), "q is no longer quit");
        assert!(!key(&mut dash, KeyCode::Esc), "nor Esc");
        let ctrl_q = KeyEvent::new(KeyCode::Char('q'), crossterm::event::KeyModifiers::CONTROL);
        assert!(dash.on_key(&ctrl_q));
    }

    #[test]
    fn no_browsing_into_a_half_year_that_has_not_begun() {
        let mut dash = one_case();
        let now = Period::of(dash.today);
        key(&mut dash, KeyCode::Right);
        assert_eq!(dash.period, now);
        key(&mut dash, KeyCode::Left);
        key(&mut dash, KeyCode::Right);
        key(&mut dash, KeyCode::Right);
        assert_eq!(dash.period, now);
    }

    #[test]
    fn an_escalation_that_went_on_to_e3_stays_in_view() {
        let shown = screen(&one_case(), 100, 40);
        assert!(shown.contains(&strings::went_up_line("OBS Een", "01-10-2026")), "{shown}");
        assert!(shown.contains(&strings::e2_title(0, 0)), "{shown}");
    }

    /// On top, per gemeente: what waits for whom, the SWV director's own questions first
    /// in their gemeente's place; and what the gemeente's tandems reflected.
    #[test]
    fn the_e2_list_names_the_gemeente_and_whom_it_waits_for() {
        use crate::domain::monitoring::Reflection;
        let mut dash = one_case();
        let Some(Ok(loaded)) = dash.loaded.as_mut() else { unreachable!() };
        let mut other = loaded.records[0].clone();
        other.school = "CBS Twee".into();
        other.record.escalations = vec![EscalationFact {
            to_director: false,
            deciders: vec!["gemeente (OGGO): J. Bakker".into()],
            gemeente: Some("Neder-Betuwe".into()),
            ..other.record.escalations[0].clone()
        }];
        let reflection =
            Reflection { on: d(2026, 10, 1), helped: vec!["snel schakelen in de tandem".into()], hindered: Vec::new() };
        other.record.reflections = vec![reflection; 6];
        loaded.records.push(other);
        loaded.gemeenten = Gemeenten::from_pairs(&[("OBS Een", "Buren"), ("CBS Twee", "Buren")]);
        let shown = screen(&dash, 120, 40);
        assert!(shown.contains(&strings::e2_title(1, 0)), "{shown}");
        assert!(shown.contains("⇧E2 Neder-Betuwe · CBS Twee: wacht 83 dagen op gemeente (OGGO): J. Bakker"), "{shown}");
        assert!(
            shown.contains(&strings::reflections_title("Buren", "2026-H2")),
            "a school row shows its gemeente's: {shown}"
        );
        assert!(shown.contains("snel schakelen in de tandem") && shown.contains(" 6\n"), "{shown}");
    }

    /// One escalation is a low bar with its count under it, not a full column of blocks.
    #[test]
    fn one_case_draws_a_low_bar_with_its_count_beside_not_on_it() {
        let shown = screen(&one_case(), 100, 40);
        let lines: Vec<&str> = shown.lines().collect();
        let labels = lines.iter().position(|l| l.starts_with("oneens")).expect(&shown);
        let summary = lines.iter().position(|l| l.contains("wacht op besluit")).expect(&shown);
        let left = |l: &&str| l.chars().take(42).collect::<String>();
        let chart = &lines[summary + 1..labels];
        let bar_rows = chart.iter().filter(|l| left(l).contains(['█', '▁', '▂', '▃', '▄', '▅', '▆', '▇'])).count();
        // 2 against a scale of 10: a fifth of the chart's height.
        assert!(bar_rows > 0 && bar_rows * 4 <= chart.len(), "{bar_rows} of {} rows:\n{shown}", chart.len());
        assert!(lines[labels + 1].starts_with("  0      0      2   "), "{:?}", lines[labels + 1]);
        assert!(!chart.iter().any(|l| left(l).contains(char::is_numeric)), "no count over a bar:\n{shown}");
    }
}
