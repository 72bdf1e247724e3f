//! Syncing with the partners from the screens: at start, shortly after a save and every
//! few minutes, always on the worker (typing never waits for it). The title line says
//! when this copy last synced and what came in ("3 wijzigingen van Joost Visser").

use chrono::{Duration, NaiveDateTime};

use crate::sync::Report;

/// A save is followed by a sync this much later (more saves meanwhile join it).
pub const AFTER_SAVE_SECONDS: i64 = 10;
/// Without saves, a sync this often (a partner's changes come in by themselves).
pub const EVERY_MINUTES: i64 = 5;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncLine {
    pub last: Option<NaiveDateTime>,
    /// What came in at the last sync: per author, how many changes.
    pub came_in: Vec<(String, usize)>,
    /// The last sync failed or refused a file (the status line said why).
    pub trouble: bool,
    pub running: bool,
    /// When the next sync is due (none while one runs).
    pub next: Option<NaiveDateTime>,
}

impl SyncLine {
    /// Asks for a sync shortly (after a save), unless one is due sooner.
    pub fn soon(&mut self, now: NaiveDateTime) {
        let at = now + Duration::seconds(AFTER_SAVE_SECONDS);
        if self.next.is_none_or(|n| n > at) {
            self.next = Some(at);
        }
    }

    pub fn due(&self, now: NaiveDateTime) -> bool {
        !self.running && self.next.is_some_and(|n| n <= now)
    }

    pub fn started(&mut self) {
        self.running = true;
        self.next = None;
    }

    /// Records how a sync went; the next one is due in a few minutes (or sooner, when a
    /// save asked for one meanwhile).
    pub fn finished(&mut self, now: NaiveDateTime, report: Option<&Report>) {
        self.running = false;
        let every = now + Duration::minutes(EVERY_MINUTES);
        self.next = Some(self.next.map_or(every, |n| n.min(every)));
        match report {
            Some(r) => {
                self.last = Some(now);
                self.came_in = r.received.iter().map(|(who, n)| (who.clone(), *n)).collect();
                self.trouble = !r.refused.is_empty();
            }
            None => self.trouble = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(10, min, 0).unwrap()
    }

    #[test]
    fn a_save_asks_for_a_sync_soon_and_a_sync_for_the_next_in_minutes() {
        let mut line = SyncLine::default();
        assert!(!line.due(at(0)));
        line.soon(at(0));
        assert!(!line.due(at(0)) && line.due(at(1)));
        line.started();
        line.soon(at(1));
        assert!(!line.due(at(2)), "not while one runs");
        let report = Report { received: [("Joost Visser".to_string(), 3)].into(), ..Report::default() };
        line.finished(at(2), Some(&report));
        assert_eq!(line.came_in, [("Joost Visser".to_string(), 3)]);
        assert_eq!(line.last, Some(at(2)));
        assert!(line.due(at(2)), "the save during the sync still gets its own");
        line.started();
        line.finished(at(3), None);
        assert!(line.trouble && !line.due(at(7)) && line.due(at(8)));
    }
}
