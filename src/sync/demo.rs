//! The demo's partner: a second copy (the wijkteam member's) beside the demo store, paired
//! with it through a folder, that works on the same cases, so the demo shows a partner's
//! changes and one clash to settle. Everything happens for real: cards, files, merges.

use std::path::Path;

use chrono::{Days, NaiveDateTime};

use super::{SyncError, merging, run};
use crate::config::{Config, SyncSettings};
use crate::domain::case::Case;
use crate::domain::history::{Change, ChangeKind};
use crate::partners::{self, Card};
use crate::store::crypto::KdfParams;
use crate::store::{Store, StoreError};

/// Pairs `store` (for `config`, which gets `[sync]` into `dir`) with a partner copy in
/// `dir`, and lets both change one case at the same time: a due date each (a clash),
/// and the partner's note on it.
pub fn with_partner(store: &mut Store, config: &mut Config, dir: &Path, now: NaiveDateTime) -> Result<(), SyncError> {
    let folder = dir.join("sync");
    std::fs::create_dir_all(&folder).map_err(|e| SyncError::Unwritable(folder.clone(), e))?;
    config.sync = Some(SyncSettings { folder });
    let mut theirs = config.clone();
    let Some(partner) = config.team.members.iter().find(|m| m.role == "wijkteam") else { return Ok(()) };
    theirs.user = partner.id.clone();
    let mut other = Store::open(&dir.join("partner"))?;
    other.create_key(b"demo", KdfParams::cheap().map_err(StoreError::from)?, &theirs.user, now)?;
    for (s, c) in [(&mut *store, &*config), (&mut other, &theirs)] {
        if let Some(m) = merging(s, c, now)? {
            s.set_merging(m);
        }
    }
    trust(store, config, &other, &theirs, now)?;
    trust(&other, &theirs, store, config, now)?;
    run(store, config, now)?;
    run(&other, &theirs, now)?;
    let Some(id) = shared_case(&other)? else { return Ok(()) };
    let later = |days| now + Days::new(days);
    edit(&other, id, &theirs.user, later(0), |c| {
        c.due = Some(now.date() + Days::new(14));
        c.intake.note.push_str(" Wijkteam: moeder belde, het gaat thuis zwaar sinds de verhuizing.");
    })?;
    edit(store, id, &config.user, later(0), |c| c.due = Some(now.date() + Days::new(21)))?;
    run(&other, &theirs, now)?;
    run(store, config, now)?;
    Ok(())
}

/// `to` trusts the card of `from`'s member.
fn trust(
    from: &Store,
    from_config: &Config,
    to: &Store,
    to_config: &Config,
    at: NaiveDateTime,
) -> Result<(), SyncError> {
    let member = partners::member(from, &from_config.user, at)?;
    let card = Card::own(&member, from_config);
    let name = from_config.team.name_of(&from_config.user).to_string();
    partners::trust(to, &card, &name, &to_config.user, at)?;
    Ok(())
}

/// An open case the partner holds with the most of it: names and notes if any.
fn shared_case(store: &Store) -> Result<Option<crate::domain::case::CaseId>, SyncError> {
    let loaded = store.load_cases()?;
    let open = loaded.cases.iter().filter(|c| c.closed_on.is_none());
    Ok(open.min_by_key(|c| (c.copy.withheld.len(), c.id)).map(|c| c.id))
}

fn edit(
    store: &Store,
    id: crate::domain::case::CaseId,
    who: &str,
    at: NaiveDateTime,
    f: impl FnOnce(&mut Case),
) -> Result<(), SyncError> {
    let Some(mut case) = store.case(id)? else { return Ok(()) };
    let before = case.clone();
    f(&mut case);
    let kind = ChangeKind::Edited { fields: case.changed_fields(&before) };
    store.save(&case, &Change { case: Some(id), at, who: who.to_string(), kind })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_gets_a_partners_changes_and_one_clash() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::demo().unwrap();
        let mut store = Store::open(&dir.path().join("store")).unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        store.create_key(b"demo", KdfParams::cheap().unwrap(), &config.user, now).unwrap();
        let cases = crate::domain::demo::cases(20, 3, &config.route, &config.team, now.date());
        store.insert_new(&cases, &config.user, now).unwrap();
        with_partner(&mut store, &mut config, dir.path(), now).unwrap();
        let loaded = store.load_cases().unwrap().cases;
        let clashed: Vec<&Case> = loaded.iter().filter(|c| !c.copy.clashes.is_empty()).collect();
        assert_eq!(clashed.len(), 1, "one clash to settle");
        assert_eq!(clashed[0].copy.clashes[0].path, "/due");
        let history = store.history(clashed[0].id).unwrap();
        assert!(history.iter().any(|c| matches!(c.kind, ChangeKind::Received { .. })), "{history:?}");
        assert!(config.sync.is_some());
    }
}
