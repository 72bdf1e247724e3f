//! The terminal UI: keys become actions through the keymap, `model::update` changes
//! the one model, `view::draw` draws it, and the worker thread does all store work.

pub mod action;
pub mod app;
pub mod case_form;
pub mod cases;
pub mod consent_form;
pub mod dashboard;
pub mod detail;
pub mod escalation_form;
pub mod escalations;
pub mod export;
pub mod form;
pub mod gate;
pub mod keymap;
pub mod list;
pub mod model;
pub mod partner_form;
pub mod partners;
pub mod plan_editor;
pub mod plan_items;
pub mod screen;
pub mod setup;
pub mod sync;
pub mod text;
pub mod theme;
pub mod view;
pub mod wizard;
pub mod worker;
