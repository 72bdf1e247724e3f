//! Keys → actions: the shipped `config/keymap.toml` with the user's `[keys]` overrides
//! on top. Unknown actions, unreadable key names and clashes are reported at start.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, Context};
use crate::strings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Normalises a terminal event: Shift is part of the character already ('G').
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::BackTab => KeyCode::BackTab,
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        if matches!(code, KeyCode::BackTab) {
            mods = KeyModifiers::NONE;
        }
        Key { code, mods }
    }

    /// A plain character typed without Ctrl or Alt.
    pub fn typed_char(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if self.mods.is_empty() => Some(c),
            _ => None,
        }
    }

    /// Parses a key name from the keymap file: "q", "G", "?", "ctrl-s", "alt-x", "enter", "f1".
    pub fn parse(name: &str) -> Option<Key> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = name;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if mods.contains(KeyModifiers::CONTROL) => KeyCode::Char(c.to_ascii_lowercase()),
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" => KeyCode::Enter,
                "esc" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" => KeyCode::Delete,
                "insert" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                "space" => KeyCode::Char(' '),
                f => match f.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n @ 1..=12) => KeyCode::F(n),
                    _ => return None,
                },
            },
        };
        Some(Key { code, mods })
    }

    /// The short name shown to users ("Ctrl-S", "Enter", "↑").
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Spatie".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Delete".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut label = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            label.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            label.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::CONTROL) {
            label.push_str(&base.to_uppercase());
        } else {
            label.push_str(&base);
        }
        label
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: HashMap<Action, Vec<Key>>,
    lookup: HashMap<(Context, Key), Action>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("{}", strings::keymap_syntax(.0))]
    Syntax(String),
    #[error("{}", strings::keymap_unknown_action(.0))]
    UnknownAction(String),
    #[error("{}", strings::keymap_unknown_key(.action, .key))]
    UnknownKey { action: String, key: String },
    #[error("{}", strings::keymap_conflict(.key, .first, .second))]
    Conflict { key: String, first: String, second: String },
}

impl Keymap {
    /// The shipped keymap with `overrides` (action name → keys) replacing whole entries.
    pub fn new(overrides: &BTreeMap<String, Vec<String>>) -> Result<Keymap, KeymapError> {
        let mut names: BTreeMap<String, Vec<String>> =
            toml::from_str(crate::config::DEFAULT_KEYMAP).map_err(|e| KeymapError::Syntax(e.message().to_string()))?;
        for (action, keys) in overrides {
            names.insert(action.clone(), keys.clone());
        }
        let mut bindings = HashMap::new();
        for (name, keys) in &names {
            let action: Action = serde_json::from_value(serde_json::Value::String(name.clone()))
                .map_err(|_| KeymapError::UnknownAction(name.clone()))?;
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k).ok_or_else(|| KeymapError::UnknownKey { action: name.clone(), key: k.clone() }))
                .collect::<Result<Vec<_>, _>>()?;
            bindings.insert(action, parsed);
        }
        let mut lookup = HashMap::new();
        for &context in Context::ALL {
            for &action in context.actions().0 {
                for key in bindings.get(&action).into_iter().flatten() {
                    if let Some(other) = lookup.insert((context, *key), action)
                        && other != action
                    {
                        return Err(KeymapError::Conflict {
                            key: key.label(),
                            first: other.name(),
                            second: action.name(),
                        });
                    }
                }
            }
        }
        Ok(Keymap { bindings, lookup })
    }

    pub fn action(&self, context: Context, key: &Key) -> Option<Action> {
        self.lookup.get(&(context, *key)).copied()
    }

    /// The keys that trigger an action in a context: where plain characters are typed
    /// text, keys that are plain characters do not count.
    fn keys(&self, context: Context, action: Action) -> impl Iterator<Item = &Key> {
        self.bindings
            .get(&action)
            .into_iter()
            .flatten()
            .filter(move |k| !(context.takes_text() && k.typed_char().is_some()))
    }

    /// All keys of an action, for help ("↑/k").
    pub fn keys_label(&self, context: Context, action: Action) -> String {
        self.keys(context, action).map(Key::label).collect::<Vec<_>>().join("/")
    }

    /// The first key of an action, for the short hint bar.
    pub fn first_key_label(&self, context: Context, action: Action) -> String {
        self.keys(context, action).next().map(Key::label).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> Key {
        Key::from_event(&KeyEvent::new(code, mods))
    }

    #[test]
    fn shipped_keymap_is_consistent() {
        let km = Keymap::new(&BTreeMap::new()).unwrap();
        assert_eq!(km.action(Context::List, &ev(KeyCode::Char('q'), KeyModifiers::NONE)), Some(Action::Quit));
        assert_eq!(km.action(Context::List, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Last));
        assert_eq!(km.action(Context::Form, &ev(KeyCode::Tab, KeyModifiers::SHIFT)), Some(Action::PrevField));
        assert_eq!(km.action(Context::Form, &ev(KeyCode::Char('S'), KeyModifiers::CONTROL)), Some(Action::Save));
        assert_eq!(km.action(Context::Form, &ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(km.keys_label(Context::Form, Action::Save), "Ctrl-S");
        assert_eq!(km.keys_label(Context::List, Action::Help), "?/F1");
        assert_eq!(km.keys_label(Context::Form, Action::Help), "F1", "typed text wins over '?' in forms");
        // Ctrl-C quits from every screen, text or not.
        for &context in Context::ALL {
            let action = km.action(context, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL));
            assert!(matches!(action, Some(Action::Interrupt)), "{context:?}");
        }
        assert_eq!(km.keys_label(Context::PlanText, Action::Interrupt), "Ctrl-C");
    }

    #[test]
    fn overrides_replace_and_are_checked() {
        let over = |a: &str, k: &str| BTreeMap::from([(a.to_string(), vec![k.to_string()])]);
        let km = Keymap::new(&over("quit", "ctrl-q")).unwrap();
        assert_eq!(km.action(Context::List, &ev(KeyCode::Char('q'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(km.action(Context::List, &ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);

        assert_eq!(Keymap::new(&over("fly", "x")).unwrap_err(), KeymapError::UnknownAction("fly".into()));
        assert_eq!(
            Keymap::new(&over("quit", "hyper-q")).unwrap_err(),
            KeymapError::UnknownKey { action: "quit".into(), key: "hyper-q".into() }
        );
        let err = Keymap::new(&over("quit", "n")).unwrap_err();
        assert!(matches!(err, KeymapError::Conflict { ref key, .. } if key == "n"), "{err:?}");
        // The message is Dutch and names both actions.
        let msg = err.to_string();
        assert!(msg.contains("new_case") && msg.contains("quit"), "{msg}");
    }
}
