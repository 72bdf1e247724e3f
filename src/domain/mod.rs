//! Pure types and rules. Nothing here touches disk, terminal or clock: "today" and
//! "now" always come in as arguments, so every rule is testable with fixed dates.

/// Generates the enums whose values users pick from a list: the serde name is the stable
/// stored form; the label users read is `strings::Label`, found by `index`.
macro_rules! choice_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $serde:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $serde)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn index(self) -> usize {
                self as usize
            }
        }
    };
}

pub mod absence;
pub mod access;
pub mod audit;
pub mod case;
pub mod consent;
pub mod date;
pub mod demo;
pub mod escalation;
pub mod export;
pub mod figures;
pub mod history;
pub mod listing;
pub mod monitoring;
pub mod names;
pub mod plan;
pub mod retention;
pub mod route;
pub mod share;
pub mod team;
#[cfg(test)]
pub(crate) mod testing;
