//! The people of a tandem or kernteam. Roles are data from the config, never code:
//! a region may add leerplicht, JGZ or an SWV begeleider without a release.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    /// `school` for the staff of a school, who hold all of their own pupils' cases;
    /// anything else receives what the parents' consent allows (`share::Sharing`).
    #[serde(default)]
    pub organisation: String,
}

impl Role {
    pub fn school_staff(&self) -> bool {
        self.organisation == "school"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Stable id stored in cases; the name may be corrected later.
    pub id: String,
    pub name: String,
    /// A `Role::id`.
    pub role: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub members: Vec<Member>,
}

impl Team {
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// The name to show for a member id; an id that left the team still shows as itself.
    pub fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.member(id).map_or(id, |m| m.name.as_str())
    }

    /// A new id for `name` that no member has yet: lowercase letters of the name, with a
    /// number appended on a clash.
    pub fn new_member_id(&self, name: &str) -> String {
        let base: String = name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
        let base = if base.is_empty() { "lid".to_string() } else { base };
        let mut id = base.clone();
        let mut n = 2;
        while self.member(&id).is_some() {
            id = format!("{base}{n}");
            n += 1;
        }
        id
    }
}

/// A school's or gemeente's name as people compare it: case and surrounding or doubled
/// spaces do not matter.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

pub fn same_name(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_are_unique_and_readable() {
        let mut team = Team::default();
        for name in ["Anna de Vries", "Anna de Vries", "!!"] {
            let id = team.new_member_id(name);
            team.members.push(Member { id, name: name.into(), role: "ib".into() });
        }
        let ids: Vec<&str> = team.members.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["annadevries", "annadevries2", "lid"]);
        assert_eq!(team.name_of("annadevries2"), "Anna de Vries");
        assert_eq!(team.name_of("weg"), "weg");
    }

    #[test]
    fn names_compare_without_case_and_extra_spaces() {
        assert!(same_name(" OBS  De Linde ", "obs de linde"));
        assert!(same_name("Överbetuwe", "överbetuwe"));
        assert!(!same_name("De Linde", "De Klimop"));
    }
}
