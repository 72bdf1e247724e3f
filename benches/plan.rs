//! Printing and opening a plan van aanpak: building the document, writing it as Markdown
//! and as PDF, comparing two versions, and the plan editor's frame.
//!
//! Run with `cargo bench --bench plan`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use tandem::config::Config;
use tandem::domain::demo;
use tandem::domain::plan::{Context, PlanBook};
use tandem::print;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
}

fn plan(c: &mut Criterion) {
    let config = Config::demo().expect("demo config");
    let cases = demo::cases(40, 1, &config.route, &config.team, today());
    let (id, book): (_, PlanBook) =
        demo::plans(&cases, &config.route, &config.team, &tandem::strings::PLAN_WORDS).remove(0);
    let case = cases.iter().find(|c| c.id == id).expect("the plan's case");
    let cx = Context { case, route: &config.route, team: &config.team };
    let plan = book.current().expect("a version");
    let doc = print::plan::document(plan, &cx, &config.school.name, today());
    let printed = today().and_hms_opt(9, 0, 0).expect("valid time");
    let pdf = print::pdf::render(&doc, printed).expect("pdf");
    eprintln!("one demo plan: {} bytes of PDF, {} of Markdown", pdf.len(), print::markdown::render(&doc).len());

    c.bench_function("plan document", |b| b.iter(|| print::plan::document(black_box(plan), &cx, "school", today())));
    c.bench_function("plan markdown", |b| b.iter(|| print::markdown::render(black_box(&doc))));
    c.bench_function("plan pdf", |b| b.iter(|| print::pdf::render(black_box(&doc), printed)));
    let mut next = plan.next_version(today()).unwrap_or_else(|_| plan.clone());
    next.zelf = "Oma haalt op dinsdag op.".into();
    let new = print::plan::document(&next, &cx, "school", today());
    c.bench_function("plan diff of two versions", |b| b.iter(|| print::plan::diff(black_box(&doc), black_box(&new))));

    // The real editor screen on a model holding the case.
    let keymap = tandem::ui::keymap::Keymap::new(&config.keys).expect("keymap");
    let theme = tandem::ui::theme::Theme { color: true };
    let now = today().and_hms_opt(9, 0, 0).expect("valid time");
    let mut model = tandem::ui::model::Model::new(config.clone(), keymap, theme, false, false, None, now);
    model.cases.insert(case.clone());
    model.size = (120, 40);
    let editor = tandem::ui::plan_editor::PlanEditor::new(id, book.clone());
    model.screens.push(tandem::ui::model::Screen::Plan(Box::new(editor)));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    c.bench_function("plan editor frame at 120x40", |b| {
        b.iter(|| {
            terminal.draw(|f| tandem::ui::view::draw(black_box(&model), f)).expect("draw");
        })
    });
}

criterion_group!(benches, plan);
criterion_main!(benches);
