//! The routekaart as the code sees it: an ordered list of steps read from
//! `config/routekaart.toml`. The file is the model; this module only interprets it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDef {
    /// Short code stored in cases, e.g. "S3".
    pub id: String,
    /// Dutch name shown to users.
    pub name: String,
    /// Who acts in this step.
    #[serde(default)]
    pub who: String,
    /// A case at this step is finished; it sinks to the bottom of the list.
    #[serde(default)]
    pub closes: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routekaart {
    pub steps: Vec<StepDef>,
}

/// What makes a routekaart unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    NoSteps,
    EmptyId { index: usize },
    DuplicateId(String),
}

impl Routekaart {
    pub fn validate(&self) -> Result<(), RouteError> {
        if self.steps.is_empty() {
            return Err(RouteError::NoSteps);
        }
        for (index, step) in self.steps.iter().enumerate() {
            if step.id.trim().is_empty() || step.name.trim().is_empty() {
                return Err(RouteError::EmptyId { index: index + 1 });
            }
            if self.steps[..index].iter().any(|s| s.id == step.id) {
                return Err(RouteError::DuplicateId(step.id.clone()));
            }
        }
        Ok(())
    }

    /// The step a new case starts in. A validated routekaart has at least one step.
    pub fn first(&self) -> Option<&StepDef> {
        self.steps.first()
    }

    pub fn step(&self, id: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// "S3 Tandembespreking"; an unknown id (a step removed from the file) shows as itself.
    pub fn label(&self, id: &str) -> String {
        match self.step(id) {
            Some(s) => format!("{} {}", s.id, s.name),
            None => id.to_string(),
        }
    }

    pub fn closes(&self, id: &str) -> bool {
        self.step(id).is_some_and(|s| s.closes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str) -> StepDef {
        StepDef { id: id.into(), name: format!("naam {id}"), who: String::new(), closes: id == "S8" }
    }

    #[test]
    fn validation_names_the_problem() {
        assert_eq!(Routekaart { steps: vec![] }.validate(), Err(RouteError::NoSteps));
        let dup = Routekaart { steps: vec![step("S0"), step("S0")] };
        assert_eq!(dup.validate(), Err(RouteError::DuplicateId("S0".into())));
        let empty = Routekaart { steps: vec![step("S0"), step(" ")] };
        assert_eq!(empty.validate(), Err(RouteError::EmptyId { index: 2 }));
        let ok = Routekaart { steps: vec![step("S0"), step("S8")] };
        assert_eq!(ok.validate(), Ok(()));
        assert!(ok.closes("S8") && !ok.closes("S0"));
        assert_eq!(ok.label("S0"), "S0 naam S0");
        assert_eq!(ok.label("X9"), "X9");
    }
}
