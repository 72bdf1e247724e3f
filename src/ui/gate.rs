//! What stands before the cases: unlocking, setting the first passphrase, recovering a
//! forgotten one, showing the recovery key once, and a store that failed its check.

use chrono::{Duration, NaiveDateTime};
use zeroize::Zeroizing;

use super::form::{Field, FieldId, Form};
use super::model::{Model, Popup};
use super::worker::Job;
use crate::store::Backup;
use crate::store::crypto::MIN_PASSPHRASE;
use crate::strings;

const MAX_PASSPHRASE: usize = 200;

/// The fields' names.
mod id {
    pub const PASSPHRASE: &str = "passphrase";
    pub const AGAIN: &str = "again";
    pub const CODE: &str = "code";
}
/// The wait after failed attempts doubles up to this; the data is never locked out.
const MAX_WAIT_SECS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    Unlock(Unlock),
    Create(Form),
    Recover(Form),
    /// The recovery key, shown once after the key was made.
    ShowRecovery(String),
    /// The store failed its integrity check; `backup` is the newest good one.
    Damaged {
        problem: String,
        backup: Option<Backup>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlock {
    pub form: Form,
    pub failures: u32,
    pub wait_until: Option<NaiveDateTime>,
}

impl Gate {
    pub fn unlock() -> Gate {
        Gate::Unlock(Unlock {
            form: Form::with_button(
                vec![Field::secret(strings::PASSPHRASE, MAX_PASSPHRASE).named(id::PASSPHRASE)],
                strings::UNLOCK_BUTTON,
            ),
            failures: 0,
            wait_until: None,
        })
    }

    pub fn create() -> Gate {
        Gate::Create(Form::with_button(
            vec![
                Field::secret(strings::NEW_PASSPHRASE, MAX_PASSPHRASE).named(id::PASSPHRASE),
                Field::secret(strings::AGAIN, MAX_PASSPHRASE).named(id::AGAIN),
            ],
            strings::SET_PASSPHRASE_BUTTON,
        ))
    }

    pub fn recover() -> Gate {
        Gate::Recover(Form::with_button(
            vec![
                Field::secret(strings::RECOVERY_CODE, 80).named(id::CODE),
                Field::secret(strings::NEW_PASSPHRASE, MAX_PASSPHRASE).named(id::PASSPHRASE),
                Field::secret(strings::AGAIN, MAX_PASSPHRASE).named(id::AGAIN),
            ],
            strings::RECOVER_BUTTON,
        ))
    }

    pub fn form(&self) -> Option<&Form> {
        match self {
            Gate::Unlock(u) => Some(&u.form),
            Gate::Create(f) | Gate::Recover(f) => Some(f),
            Gate::ShowRecovery(_) | Gate::Damaged { .. } => None,
        }
    }

    pub fn form_mut(&mut self) -> Option<&mut Form> {
        match self {
            Gate::Unlock(u) => Some(&mut u.form),
            Gate::Create(f) | Gate::Recover(f) => Some(f),
            Gate::ShowRecovery(_) | Gate::Damaged { .. } => None,
        }
    }

    /// Checks what was typed and hands it to the worker; on a problem the form shows it.
    pub fn submit(&mut self, who: &str, now: NaiveDateTime) -> Result<Job, String> {
        let wait = self.wait_left(now);
        match self {
            Gate::Unlock(u) => {
                if let Some(secs) = wait {
                    // Typed too soon: that attempt does not count, type it again after the wait.
                    u.form.clear();
                    return Err(strings::wait_seconds(secs));
                }
                let passphrase = take(&mut u.form, id::PASSPHRASE);
                u.form.saving = true;
                Ok(Job::Unlock { passphrase, who: who.to_string(), at: now })
            }
            Gate::Create(form) => {
                new_passphrase(form)?;
                let passphrase = take(form, id::PASSPHRASE);
                form.clear();
                form.saving = true;
                Ok(Job::CreateKey { passphrase, who: who.to_string(), at: now })
            }
            Gate::Recover(form) => {
                new_passphrase(form)?;
                let (code, passphrase) = (take(form, id::CODE), take(form, id::PASSPHRASE));
                form.clear();
                form.saving = true;
                Ok(Job::Recover { code, passphrase, who: who.to_string(), at: now })
            }
            Gate::ShowRecovery(_) | Gate::Damaged { .. } => Err(String::new()),
        }
    }

    /// A failed unlock: count it and make the next attempt wait a little longer.
    pub fn failed(&mut self, message: String, wrong: bool, now: NaiveDateTime) {
        if let Some(form) = self.form_mut() {
            form.saving = false;
            form.clear();
            form.show_problems(vec![(form.fields[0].id, message)]);
        }
        if let Gate::Unlock(u) = self
            && wrong
        {
            u.failures += 1;
            u.wait_until = Some(now + Duration::seconds(wait_after(u.failures)));
        }
    }

    /// The seconds left before the next unlock attempt counts (None: no wait).
    pub fn wait_left(&self, now: NaiveDateTime) -> Option<i64> {
        let Gate::Unlock(u) = self else { return None };
        u.wait_until.filter(|t| *t > now).map(|t| (t - now).num_seconds() + 1)
    }
}

/// Seconds to wait after `failures` wrong passphrases: doubling, at most a minute.
pub fn wait_after(failures: u32) -> i64 {
    2i64.saturating_pow(failures.saturating_sub(1).min(10)).min(MAX_WAIT_SECS)
}

fn take(form: &mut Form, id: FieldId) -> Zeroizing<String> {
    Zeroizing::new(form.take_text(id))
}

/// The new passphrase must be long enough and typed the same twice.
fn new_passphrase(form: &mut Form) -> Result<(), String> {
    let (a, b) = (form.raw_text(id::PASSPHRASE), form.raw_text(id::AGAIN));
    let problem = if a.chars().count() < MIN_PASSPHRASE {
        Some((id::PASSPHRASE, strings::passphrase_too_short(MIN_PASSPHRASE)))
    } else if a != b {
        Some((id::AGAIN, strings::PASSPHRASES_DIFFER.to_string()))
    } else {
        None
    };
    match problem {
        Some((at, msg)) => {
            form.show_problems(vec![(at, msg.clone())]);
            Err(msg)
        }
        None => Ok(()),
    }
}

impl Model {
    /// The gate's keys: moving through its form, submitting, recovering, leaving.
    pub(super) fn on_gate_action(&mut self, action: crate::ui::action::Action) {
        use crate::ui::action::Action::*;
        let (who, now) = (self.config.user.clone(), self.now);
        let unsaved = self.unsaved_input();
        let Some(gate) = self.gate.as_mut() else { return };
        let busy = gate.form().is_some_and(|f| f.saving);
        match action {
            NextField | PrevField => {
                if let Some(f) = gate.form_mut() {
                    if action == NextField { f.next() } else { f.prev() }
                }
            }
            // Enter moves on until the last field, then submits: no need to reach the button.
            Submit if gate.form().is_some_and(|f| f.focus + 1 < f.fields.len()) => {
                if let Some(f) = gate.form_mut() {
                    f.next();
                }
            }
            Submit | Save if !busy => match gate.submit(&who, now) {
                Ok(job) => self.job(job),
                Err(msg) if !msg.is_empty() => self.error(msg),
                Err(_) => {}
            },
            Recover if matches!(gate, Gate::Unlock(_)) && !busy => self.gate = Some(Gate::recover()),
            Back if matches!(gate, Gate::Recover(_)) && !busy => self.gate = Some(Gate::unlock()),
            Back if !busy && unsaved => self.popup = Some(Popup::ConfirmQuit),
            Back if !busy => self.quit_now(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap()
    }

    #[test]
    fn failed_attempts_wait_longer_each_time_but_never_lock_out() {
        let mut g = Gate::unlock();
        let mut waits = Vec::new();
        for _ in 0..9 {
            g.failed("fout".into(), true, now());
            let Gate::Unlock(u) = &g else { unreachable!() };
            waits.push((u.wait_until.unwrap() - now()).num_seconds());
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert!(g.submit("anna", now()).unwrap_err().contains("61"));
        assert!(matches!(g.submit("anna", now() + Duration::seconds(61)), Ok(Job::Unlock { .. })));
    }

    #[test]
    fn a_new_passphrase_must_be_long_and_typed_twice() {
        let mut g = Gate::create();
        let set = |g: &mut Gate, a: &str, b: &str| {
            let f = g.form_mut().unwrap();
            f.fields[0].text = a.into();
            f.fields[1].text = b.into();
        };
        set(&mut g, "kort", "kort");
        assert!(g.submit("anna", now()).unwrap_err().contains("12"));
        set(&mut g, "lang genoeg wachtwoord", "lang genoeg wachtwoorD");
        assert_eq!(g.submit("anna", now()).unwrap_err(), strings::PASSPHRASES_DIFFER);
        set(&mut g, "lang genoeg wachtwoord", "lang genoeg wachtwoord");
        let Ok(Job::CreateKey { passphrase, .. }) = g.submit("anna", now()) else { panic!("job expected") };
        assert_eq!(passphrase.as_str(), "lang genoeg wachtwoord");
        assert!(g.form().unwrap().fields.iter().all(|f| f.text.is_empty()), "typed secrets are wiped");
    }
}
