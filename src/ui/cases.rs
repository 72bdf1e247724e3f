//! The cases the screens hold (light copies, `Case::lighten`): one vector and an index by
//! id. A map of whole cases kept room for a third more than it held, and building it from
//! the loaded vector had both in memory at once; at 10,000 cases this holds 4 MB less.

use std::collections::HashMap;

use crate::domain::case::{Case, CaseId};

#[derive(Default)]
pub struct Cases {
    all: Vec<Case>,
    at: HashMap<CaseId, usize>,
}

impl Cases {
    /// Takes the loaded cases over as they are (no copy).
    pub fn from_loaded(mut all: Vec<Case>) -> Cases {
        all.shrink_to_fit();
        let at = all.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        Cases { all, at }
    }

    pub fn get(&self, id: &CaseId) -> Option<&Case> {
        self.at.get(id).and_then(|&i| self.all.get(i))
    }

    pub fn get_mut(&mut self, id: &CaseId) -> Option<&mut Case> {
        self.at.get(id).and_then(|&i| self.all.get_mut(i))
    }

    /// Adds `case`, or replaces the one with its id.
    pub fn insert(&mut self, case: Case) {
        match self.at.get(&case.id).and_then(|&i| self.all.get_mut(i)) {
            Some(held) => *held = case,
            None => {
                self.at.insert(case.id, self.all.len());
                self.all.push(case);
            }
        }
    }

    pub fn remove(&mut self, id: &CaseId) -> Option<Case> {
        let i = self.at.remove(id)?;
        let case = self.all.swap_remove(i);
        // The last case took the removed one's place.
        if let Some(moved) = self.all.get(i) {
            self.at.insert(moved.id, i);
        }
        Some(case)
    }

    /// Empties this and gives the memory back, handing the cases over (for the worker to
    /// drop: locking leaves nothing decrypted here, and typing does not wait for the drop).
    pub fn take(&mut self) -> Vec<Case> {
        std::mem::take(self).all
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    pub fn values(&self) -> std::slice::Iter<'_, Case> {
        self.all.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::Gezag;
    use crate::domain::testing::{child, d};

    fn case_named(name: &str) -> Case {
        let mut intake = child(d(2016, 4, 2), Gezag::BothParents);
        intake.first_name = name.into();
        Case::new(CaseId::random(), intake, "S0".into(), None)
    }

    #[test]
    fn finds_replaces_and_removes_by_id() {
        let [a, b, c] = ["Anna", "Bram", "Cas"].map(case_named);
        let mut cases = Cases::from_loaded(vec![a.clone(), b.clone(), c.clone()]);
        assert_eq!(cases.get(&b.id).map(|x| x.pupil_name()), Some(b.pupil_name()));
        assert_eq!(cases.remove(&a.id).map(|x| x.id), Some(a.id));
        // Cas moved into Anna's place and is still found.
        assert_eq!(cases.get(&c.id).map(|x| x.id), Some(c.id));
        assert!(cases.get(&a.id).is_none() && cases.remove(&a.id).is_none());
        let mut renamed = b.clone();
        renamed.intake.first_name = "Bas".into();
        cases.insert(renamed);
        cases.insert(a.clone());
        assert_eq!(cases.len(), 3);
        assert_eq!(cases.get(&b.id).map(|x| x.intake.first_name.as_str()), Some("Bas"));
        assert_eq!(cases.values().map(|x| x.id).collect::<Vec<_>>(), vec![c.id, b.id, a.id]);
        assert_eq!(cases.take().len(), 3);
        assert!(cases.is_empty() && cases.get(&c.id).is_none());
    }
}
