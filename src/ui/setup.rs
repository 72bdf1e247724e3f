//! First start: who is the school and who is the team. Writes `config.toml` through the
//! worker; roles come from the configured list, so a kernteam can have any mix.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use super::action::{Action, Context};
use super::form::{Field, Form};
use super::model::{Model, Notice};
use super::screen::{Nav, Page, form_action, form_page};
use super::worker::Job;
use crate::config::{Config, School, SyncSettings, UserFile, valid_brin};
use crate::domain::escalation::{Decider, DeciderRole};
use crate::domain::route::Routekaart;
use crate::domain::team::{Member, Team};
use crate::strings::{self, partners as text};

/// Team rows on the set-up screen: you plus up to three colleagues.
const COLLEAGUES: usize = 3;
const NAME_MAX: usize = 60;
const PATH_MAX: usize = 500;

/// The fields' names: the school, then a name and a role per team row, then a decider
/// per role of `DeciderRole::ALL`.
mod id {
    pub const SCHOOL: &str = "school";
    pub const BRIN: &str = "brin";
    pub const NAMES: [&str; super::COLLEAGUES + 1] = ["you", "colleague_1", "colleague_2", "colleague_3"];
    pub const ROLES: [&str; super::COLLEAGUES + 1] = ["your_role", "role_1", "role_2", "role_3"];
    pub const DECIDERS: [&str; 5] =
        ["decider_school", "decider_team", "decider_swv", "decider_council", "decider_oggo"];
    pub const SYNC: &str = "sync_folder";
}

/// The set-up screen: the one form of the first start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupScreen {
    pub form: Form,
}

impl SetupScreen {
    pub fn new(roles: &[crate::domain::team::Role]) -> SetupScreen {
        SetupScreen { form: form(roles) }
    }
}

impl Page for SetupScreen {
    form_page!();

    /// Leaving the set-up screen leaves the app: there is nothing to use without it.
    fn discard(&mut self) -> Nav {
        Nav::Quit
    }

    fn save(&mut self, m: &mut Model, _: bool) -> Nav {
        match submit(&mut self.form, &m.config.roles, &m.config.route) {
            Some(config) => {
                self.form.saving = true;
                m.job(Job::SaveConfig(Box::new(config)));
            }
            None => m.error(strings::FIX_FIELDS.into()),
        }
        Nav::Stay
    }

    fn on_notice(&mut self, m: &mut Model, notice: Notice) -> Nav {
        if notice != Notice::ConfigSaved {
            return Nav::Stay;
        }
        m.note(strings::welcome(&m.config.school.name));
        Nav::Pop
    }

    fn draw(&self, m: &Model, frame: &mut Frame, area: Rect) -> Option<Position> {
        super::view::form_screen(m, strings::SETUP_TITLE, &self.form, frame, area)
    }
}

fn form(roles: &[crate::domain::team::Role]) -> Form {
    let role_names: Vec<String> = roles.iter().map(|r| r.name.clone()).collect();
    let mut fields = vec![
        Field::text(strings::SETUP_SCHOOL, true, NAME_MAX, strings::SETUP_SCHOOL_HINT, "").named(id::SCHOOL),
        Field::text(strings::SETUP_BRIN, false, 4, strings::SETUP_BRIN_HINT, "").named(id::BRIN),
        Field::text(strings::SETUP_YOU, true, NAME_MAX, strings::SETUP_NAME_HINT, "").named(id::NAMES[0]),
        Field::choice(strings::SETUP_ROLE, true, role_names.clone(), roles.iter().position(|r| r.id == "ib"))
            .named(id::ROLES[0]),
    ];
    for n in 1..=COLLEAGUES {
        let wijkteam = (n == 1).then(|| roles.iter().position(|r| r.id == "wijkteam")).flatten();
        let name = Field::text(&strings::setup_colleague(n), false, NAME_MAX, strings::SETUP_NAME_HINT, "");
        fields.push(name.named(id::NAMES[n]));
        fields.push(Field::choice(strings::SETUP_ROLE, false, role_names.clone(), wijkteam).named(id::ROLES[n]));
    }
    for (label, at) in strings::SETUP_DECIDERS.iter().zip(id::DECIDERS) {
        fields.push(Field::text(label, false, NAME_MAX, strings::SETUP_DECIDER_HINT, "").named(at));
    }
    fields.push(Field::text(text::FORM_FOLDER_SETUP, false, PATH_MAX, text::FORM_FOLDER_HINT, "").named(id::SYNC));
    Form::new(fields)
}

/// Builds the config from the form, or shows what is wrong in it.
pub fn submit(form: &mut Form, roles: &[crate::domain::team::Role], route: &Routekaart) -> Option<Config> {
    let mut problems = form.bsn_problems();
    if form.text(id::SCHOOL).is_empty() {
        problems.push((id::SCHOOL, strings::REQUIRED.to_string()));
    }
    let brin = form.text(id::BRIN).to_uppercase();
    if !brin.is_empty() && !valid_brin(&brin) {
        problems.push((id::BRIN, strings::brin_invalid(&brin)));
    }
    let mut team = Team::default();
    for (row, (name_at, role_at)) in id::NAMES.into_iter().zip(id::ROLES).enumerate() {
        let name = form.text(name_at);
        match (name.is_empty(), form.choice(role_at)) {
            (true, _) if row == 0 => problems.push((name_at, strings::REQUIRED.to_string())),
            (true, _) => {}
            (false, None) => problems.push((role_at, strings::REQUIRED.to_string())),
            (false, Some(r)) => {
                let id = team.new_member_id(&name);
                team.members.push(Member { id, name, role: roles[r].id.clone() });
            }
        }
    }
    if !problems.is_empty() {
        form.show_problems(problems);
        return None;
    }
    // Deciders left empty stay unset (no placeholder is stored as a name).
    let deciders = DeciderRole::ALL
        .iter()
        .zip(id::DECIDERS)
        .filter_map(|(role, at)| {
            let name = form.text(at);
            (!name.is_empty()).then(|| Decider { role: *role, name, contact: String::new(), gemeente: None })
        })
        .collect();
    let user = UserFile {
        school: School { name: form.text(id::SCHOOL), brin: (!brin.is_empty()).then_some(brin) },
        user: team.members[0].id.clone(),
        team: team.members,
        roles: Vec::new(),
        keys: Default::default(),
        privacy: Default::default(),
        deciders,
        escalation: Default::default(),
        export: None,
        sync: SyncSettings::from_typed(&form.text(id::SYNC)),
    };
    match Config::from_parts(user, route.clone()) {
        Ok(config) => Some(config),
        Err(problem) => {
            form.show_problems(vec![(id::SCHOOL, problem)]);
            None
        }
    }
}
