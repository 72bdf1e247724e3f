//! Fixtures shared by the domain's unit tests: fixed dates and the shipped routekaart.

use chrono::NaiveDate;

use super::route::Routekaart;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn route() -> Routekaart {
    crate::config::Config::demo().unwrap().route
}
