//! Keys → actions. The help screen and the footer are generated from this
//! table, so they are always true. Every function-key action also has a
//! binding a VT100 can send: Esc then a digit (1..9, 0 = F10) as in
//! Midnight Commander, which terminals deliver as Alt+digit when typed fast.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

/// What a key asks for. Names are the keys of the `[keys]` config table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Help,
    Park,
    Next,
    Back,
    Search,
    Quit,
    FocusNext,
    FocusPrev,
    Toggle,
    OptionNext,
    OptionPrev,
    FindDraft,
    DiscardDraft,
    Lock,
    Print,
    Logout,
    Admin,
    SendNow,
    Corrections,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::Help,
        Action::Park,
        Action::Next,
        Action::Back,
        Action::Search,
        Action::Quit,
        Action::FocusNext,
        Action::FocusPrev,
        Action::Toggle,
        Action::OptionNext,
        Action::OptionPrev,
        Action::FindDraft,
        Action::DiscardDraft,
        Action::Lock,
        Action::Print,
        Action::Logout,
        Action::Admin,
        Action::SendNow,
        Action::Corrections,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Help => "help",
            Action::Park => "park",
            Action::Next => "next",
            Action::Back => "back",
            Action::Search => "search",
            Action::Quit => "quit",
            Action::FocusNext => "focus_next",
            Action::FocusPrev => "focus_prev",
            Action::Toggle => "toggle",
            Action::OptionNext => "option_next",
            Action::OptionPrev => "option_prev",
            Action::FindDraft => "find_draft",
            Action::DiscardDraft => "discard_draft",
            Action::Lock => "lock",
            Action::Print => "print",
            Action::Logout => "logout",
            Action::Admin => "admin",
            Action::SendNow => "send_now",
            Action::Corrections => "corrections",
        }
    }

    /// The i18n key of the action's description.
    pub fn desc_key(self) -> String {
        format!("keys.{}", self.name())
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// A key as written in the config: `f10`, `ctrl-c`, `esc`, `tab`,
/// `shift-tab`, `enter`, `space`, `/`, `a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCode2,
    pub ctrl: bool,
}

/// The key codes we bind (a small, ordered subset of crossterm's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode2 {
    F(u8),
    Char(char),
    Esc,
    Tab,
    BackTab,
    Enter,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
}

impl Key {
    pub fn parse(s: &str) -> Option<Key> {
        let s = s.trim().to_ascii_lowercase();
        let (ctrl, rest) = match s.strip_prefix("ctrl-") {
            Some(r) => (true, r.to_string()),
            None => (false, s.clone()),
        };
        let code = match rest.as_str() {
            "esc" => KeyCode2::Esc,
            "tab" => KeyCode2::Tab,
            "shift-tab" | "backtab" => KeyCode2::BackTab,
            "enter" => KeyCode2::Enter,
            "space" => KeyCode2::Char(' '),
            "up" => KeyCode2::Up,
            "down" => KeyCode2::Down,
            "left" => KeyCode2::Left,
            "right" => KeyCode2::Right,
            "pgup" | "pageup" => KeyCode2::PageUp,
            "pgdn" | "pagedown" => KeyCode2::PageDown,
            f if f.starts_with('f') && f.len() > 1 => {
                let n: u8 = f[1..].parse().ok()?;
                if !(1..=12).contains(&n) {
                    return None;
                }
                KeyCode2::F(n)
            }
            c if c.chars().count() == 1 => KeyCode2::Char(c.chars().next()?),
            _ => return None,
        };
        Some(Key { code, ctrl })
    }

    /// How the key is written in help and footers.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode2::F(n) => format!("F{n}"),
            KeyCode2::Char(' ') => "Space".into(),
            KeyCode2::Char(c) => c.to_string(),
            KeyCode2::Esc => "Esc".into(),
            KeyCode2::Tab => "Tab".into(),
            KeyCode2::BackTab => "Shift-Tab".into(),
            KeyCode2::Enter => "Enter".into(),
            KeyCode2::Up => "↑".into(),
            KeyCode2::Down => "↓".into(),
            KeyCode2::Left => "←".into(),
            KeyCode2::Right => "→".into(),
            KeyCode2::PageUp => "PgUp".into(),
            KeyCode2::PageDown => "PgDn".into(),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }

    /// From a terminal key event. Alt+digit (Esc then a digit, typed fast)
    /// becomes the function key F1..F10.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::F(n) => KeyCode2::F(n),
            KeyCode::Char(c) if alt && c.is_ascii_digit() => {
                KeyCode2::F(if c == '0' { 10 } else { c as u8 - b'0' })
            }
            KeyCode::Char(c) => KeyCode2::Char(c.to_ascii_lowercase()),
            KeyCode::Esc => KeyCode2::Esc,
            KeyCode::Tab => KeyCode2::Tab,
            KeyCode::BackTab => KeyCode2::BackTab,
            KeyCode::Enter => KeyCode2::Enter,
            KeyCode::Up => KeyCode2::Up,
            KeyCode::Down => KeyCode2::Down,
            KeyCode::Left => KeyCode2::Left,
            KeyCode::Right => KeyCode2::Right,
            KeyCode::PageUp => KeyCode2::PageUp,
            KeyCode::PageDown => KeyCode2::PageDown,
            _ => return None,
        };
        Some(Key { code, ctrl })
    }
}

/// The function key that "Esc then `digit`" stands for.
pub fn esc_digit(c: char) -> Option<Key> {
    let n = c.to_digit(10)? as u8;
    Some(Key {
        code: KeyCode2::F(if n == 0 { 10 } else { n }),
        ctrl: false,
    })
}

/// The compiled-in bindings. Letters are bound only with Ctrl, because
/// plain letters are typed into fields.
pub const DEFAULTS: &[(Action, &[&str])] = &[
    (Action::Help, &["f1"]),
    (Action::Park, &["f2", "ctrl-s"]),
    (Action::Next, &["f10", "ctrl-n"]),
    (Action::Back, &["esc"]),
    (Action::Search, &["/", "f3"]),
    (Action::Quit, &["ctrl-c", "ctrl-q"]),
    (Action::FocusNext, &["tab", "down", "enter"]),
    (Action::FocusPrev, &["shift-tab", "up"]),
    (Action::Toggle, &["space"]),
    (Action::OptionNext, &["right"]),
    (Action::OptionPrev, &["left"]),
    (Action::FindDraft, &["f4", "ctrl-f"]),
    (Action::DiscardDraft, &["f8", "ctrl-d"]),
    (Action::Lock, &["f12", "ctrl-l"]),
    (Action::Print, &["f5", "ctrl-p"]),
    (Action::Logout, &["f9"]),
    (Action::Admin, &["f7", "ctrl-o"]),
    (Action::SendNow, &["f6", "ctrl-r"]),
    (Action::Corrections, &["f11", "ctrl-e"]),
];

/// The key map in force.
#[derive(Debug, Clone)]
pub struct KeyMap {
    bindings: BTreeMap<Action, Vec<Key>>,
}

/// A `[keys]` entry that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMapProblem {
    pub entry: String,
    pub what: String,
}

impl KeyMap {
    pub fn defaults() -> KeyMap {
        let mut bindings = BTreeMap::new();
        for (a, keys) in DEFAULTS {
            bindings.insert(*a, keys.iter().filter_map(|k| Key::parse(k)).collect());
        }
        KeyMap { bindings }
    }

    /// Defaults with the config's `[keys]` table applied (an action listed
    /// there gets exactly the keys given). Bad entries are reported and skipped.
    pub fn with_overrides(over: &BTreeMap<String, Vec<String>>) -> (KeyMap, Vec<KeyMapProblem>) {
        let mut map = KeyMap::defaults();
        let mut problems = Vec::new();
        for (name, keys) in over {
            let Some(action) = Action::parse(name) else {
                problems.push(KeyMapProblem {
                    entry: name.clone(),
                    what: "unknown action".into(),
                });
                continue;
            };
            let mut parsed = Vec::new();
            for k in keys {
                match Key::parse(k) {
                    Some(key) => parsed.push(key),
                    None => problems.push(KeyMapProblem {
                        entry: format!("{name} = {k}"),
                        what: "unknown key".into(),
                    }),
                }
            }
            if !parsed.is_empty() {
                map.bindings.insert(action, parsed);
            }
        }
        (map, problems)
    }

    /// The action bound to `key`, if any.
    pub fn action(&self, key: &Key) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(_, keys)| keys.contains(key))
            .map(|(a, _)| *a)
    }

    /// The keys bound to an action, as labels ("F10 / Ctrl-n / Esc 0").
    pub fn labels(&self, action: Action) -> Vec<String> {
        let mut out: Vec<String> = self
            .bindings
            .get(&action)
            .map(|ks| ks.iter().map(Key::label).collect())
            .unwrap_or_default();
        if let Some(n) = self.bindings.get(&action).and_then(|ks| {
            ks.iter().find_map(|k| match k.code {
                KeyCode2::F(n) if n <= 10 && !k.ctrl => Some(n),
                _ => None,
            })
        }) {
            out.push(format!("Esc {}", n % 10));
        }
        out
    }

    /// The first label of an action (for footers).
    pub fn short(&self, action: Action) -> String {
        self.labels(action).into_iter().next().unwrap_or_default()
    }

    /// Every action with its keys, in a stable order (for help).
    pub fn all(&self) -> Vec<(Action, Vec<String>)> {
        Action::ALL.iter().map(|a| (*a, self.labels(*a))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_binding_parses_and_every_action_has_a_key() {
        for (a, keys) in DEFAULTS {
            for k in *keys {
                assert!(Key::parse(k).is_some(), "{a:?}: {k}");
            }
        }
        let m = KeyMap::defaults();
        for a in Action::ALL {
            assert!(!m.labels(a).is_empty(), "{a:?} has no key");
        }
    }

    #[test]
    fn function_key_actions_have_a_vt100_binding() {
        let m = KeyMap::defaults();
        for a in Action::ALL {
            let labels = m.labels(a);
            if labels.iter().any(|l| l.starts_with('F')) {
                // Either Esc+digit (F1..F10) or a Ctrl key a VT100 can send.
                assert!(
                    labels
                        .iter()
                        .any(|l| l.starts_with("Esc ") || l.starts_with("Ctrl-")),
                    "{a:?}: {labels:?}"
                );
            }
        }
        let alt1 = KeyEvent::new(KeyCode::Char('1'), KeyModifiers::ALT);
        assert_eq!(
            m.action(&Key::from_event(&alt1).expect("key")),
            Some(Action::Help)
        );
        let alt0 = KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT);
        assert_eq!(
            m.action(&Key::from_event(&alt0).expect("key")),
            Some(Action::Next)
        );
        assert_eq!(
            esc_digit('2').and_then(|k| m.action(&k)),
            Some(Action::Park)
        );
    }

    #[test]
    fn overrides_replace_keys_and_bad_entries_are_reported() {
        let over = BTreeMap::from([
            ("next".to_string(), vec!["f9".to_string()]),
            ("nonsense".to_string(), vec!["f1".to_string()]),
            ("park".to_string(), vec!["hyper-x".to_string()]),
        ]);
        let (m, problems) = KeyMap::with_overrides(&over);
        let f9 = Key::parse("f9").expect("f9");
        assert_eq!(m.action(&f9), Some(Action::Next));
        assert!(!m.labels(Action::Next).iter().any(|l| l == "F10"));
        assert_eq!(problems.len(), 2);
        // park keeps its defaults because its only override was invalid
        assert!(m.labels(Action::Park).iter().any(|l| l == "F2"));
    }
}
