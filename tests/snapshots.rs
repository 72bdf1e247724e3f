//! Screens as text snapshots (ratatui TestBackend + insta) at the smallest supported
//! size and a common larger one. Review changes with `cargo insta review`.

mod common;

use common::Harness;
use crossterm::event::KeyCode::{Char, Enter, Esc, F, Tab};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, w: u16, h: u16, screen: String) {
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
}

#[test]
fn case_list() {
    for (w, h) in SIZES {
        let mut t = Harness::with_cases(60, w, h);
        snap("list", w, h, t.screen());
    }
}

#[test]
fn case_list_filtered() {
    let mut t = Harness::with_cases(60, 80, 24);
    t.key(Char('/'));
    t.type_text("groep 5");
    snap("list_filtered", 80, 24, t.screen());
}

#[test]
fn empty_form() {
    for (w, h) in SIZES {
        let mut t = Harness::with_cases(0, w, h);
        t.key(Char('n'));
        snap("form_empty", w, h, t.screen());
    }
}

#[test]
fn form_with_errors() {
    for (w, h) in SIZES {
        let mut t = Harness::with_cases(0, w, h);
        t.key(Char('n'));
        t.type_text("Kim");
        t.keys(&[Tab, Tab]);
        t.type_text("3-13-2017");
        t.key(Tab);
        t.ctrl('s');
        snap("form_errors", w, h, t.screen());
    }
}

#[test]
fn case_detail() {
    for (w, h) in SIZES {
        let mut t = Harness::with_cases(12, w, h);
        t.key(Enter);
        snap("detail", w, h, t.screen());
    }
}

#[test]
fn help() {
    for (w, h) in SIZES {
        let mut t = Harness::with_cases(12, w, h);
        t.key(Char('?'));
        snap("help_list", w, h, t.screen());
    }
    let mut t = Harness::with_cases(0, 80, 24);
    t.key(Char('n'));
    t.key(F(1));
    snap("help_form", 80, 24, t.screen());
}

#[test]
fn too_small() {
    for (w, h) in [(79, 24), (60, 10)] {
        let mut t = Harness::with_cases(3, 80, 24);
        t.resize(w, h);
        snap("too_small", w, h, t.screen());
    }
}

#[test]
fn first_start_setup() {
    let mut t = Harness::first_start(80, 24);
    snap("setup", 80, 24, t.screen());
}

#[test]
fn unlock_screen_after_a_wrong_passphrase() {
    let mut t = Harness::locked(3, 80, 24);
    t.type_text("fout fout fout");
    t.key(Enter);
    snap("unlock_wrong", 80, 24, t.screen());
}

#[test]
fn every_wizard_step() {
    let mut t = Harness::with_cases(20, 100, 30);
    let steps: Vec<String> = t.model.config.route.steps.iter().map(|s| s.id.clone()).collect();
    for step in steps {
        // The first such case in list order: the same every run.
        let row = t
            .model
            .visible
            .iter()
            .position(|&i| t.model.cases.get(&t.model.rows[i].id).unwrap().step == step)
            .expect("a demo case at every step");
        t.model.list.selected = row;
        t.keys(&[Enter, Char('w')]);
        snap(&format!("wizard_{step}"), 100, 30, t.screen());
        t.keys(&[crossterm::event::KeyCode::Esc, crossterm::event::KeyCode::Esc]);
    }
}

#[test]
fn timeline_beside_the_details() {
    let mut t = Harness::with_cases(20, 120, 40);
    let row =
        t.model.visible.iter().position(|&i| t.model.cases.get(&t.model.rows[i].id).unwrap().step == "S7").unwrap();
    t.model.list.selected = row;
    t.key(Enter);
    snap("timeline", 120, 40, t.screen());
}

#[test]
fn plan_editor_and_what_it_lacks() {
    for (w, h) in SIZES {
        let mut t = Harness::with_cases(40, w, h);
        let id = t.case_at("S5");
        t.open_case(id);
        t.key(Char('p'));
        for _ in 0..6 {
            t.key(crossterm::event::KeyCode::Down);
        }
        t.key(Enter);
        snap("plan_goals", w, h, t.screen());
        t.key(Enter);
        snap("plan_goal_form", w, h, t.screen());
    }
    for (w, h) in SIZES {
        let mut t = Harness::with_cases(40, w, h);
        let id = t.case_at("S4");
        t.open_case(id);
        t.key(Char('p'));
        t.key(F(4));
        snap("plan_missing", w, h, t.screen());
    }
}

#[test]
fn escalation_dialog_and_overview() {
    for (w, h) in SIZES {
        let mut t = Harness::with_cases(60, w, h);
        let mut quiet: Vec<_> =
            t.model.cases.values().filter(|c| c.step == "S4" && c.escalations.is_empty()).map(|c| c.id).collect();
        quiet.sort();
        t.open_case(quiet[0]);
        t.key(Char('o'));
        t.keys(&[Tab, Char('f'), Tab, Char('b'), Tab]);
        t.type_text("Wie betaalt de begeleiding onder schooltijd?");
        snap("escalate_form", w, h, t.screen());
        t.ctrl('s');
        snap("escalate_confirm", w, h, t.screen());
        t.key(Char('j'));
        t.key(crossterm::event::KeyCode::Esc);
        t.key(Char('O'));
        snap("escalations_overview", w, h, t.screen());
    }
}

#[test]
fn swv_dashboard() {
    use tandem::ui::dashboard::{Dashboard, demo};
    let config = tandem::config::Config::demo().unwrap();
    for (w, h) in [(100, 40), (140, 50)] {
        let keymap = tandem::ui::keymap::Keymap::new(&Default::default()).unwrap();
        let mut dash = Dashboard::new(tandem::ui::theme::Theme { color: false }, keymap, common::now());
        dash.loaded = Some(Ok(demo(&config, common::now().date())));
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| dash.draw(f)).unwrap();
        snap("swv_dashboard", w, h, terminal.backend().to_string());
    }
}

#[test]
fn export_screen() {
    let mut t = Harness::with_cases(60, 100, 30);
    t.key(Char('E'));
    snap("export_screen", 100, 30, t.screen());
    // Set up (a fixed folder and key, so the screen is the same every run).
    t.key(Esc);
    t.model.config.export = Some(tandem::config::ExportSettings {
        folder: "/home/anna/Nextcloud/tandem-swv".into(),
        recipient: "age1swvsleutelvoordesnapshot".into(),
    });
    t.key(Char('E'));
    snap("export_screen_set_up", 100, 30, t.screen());
}

#[test]
fn partner_screen() {
    for (w, h) in SIZES {
        let mut t = Harness::with_cases(10, w, h);
        t.trust_partner("b0b0b0b0b0b0", "Bram de Vries");
        t.trust_partner("c0c0c0c0c0c0", "Carla Jansen");
        t.key(Char('T'));
        // The member keys are random: their id and fingerprint are masked.
        let keys = tandem::partners::member(&t.store, "anna", common::now()).unwrap();
        let own = tandem::partners::Card::own(&keys, &t.model.config).fingerprint();
        let screen = t.screen().replace(&own, "XXXX XXXX XXXX XXXX").replace(&keys.id, "xxxxxxxxxxxx");
        snap("partner_screen", w, h, screen);
        t.key(Char('D'));
        let screen = t.screen().replace(&own, "XXXX XXXX XXXX XXXX").replace(&keys.id, "xxxxxxxxxxxx");
        snap("partner_screen_remove", w, h, screen);
    }
}
