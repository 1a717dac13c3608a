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
    /// Finish a form (set-up, log-in): F10.
    Submit,
    /// Yes in a dialog; also opens the selected entry of a list.
    Confirm,
    /// No in a dialog.
    Cancel,
    /// Switch to training on the set-up screen.
    Training,
    /// Open the selected entry of a list; in a form or the wizard, accept
    /// the field and go to the next (the last one of a form submits).
    Select,
    /// Move up a line (a list's selection, a form's field, a page's scroll).
    Up,
    /// Move down a line.
    Down,
    /// Scroll a list a page up.
    PageUp,
    /// Scroll a list a page down.
    PageDown,
    /// Remove an attachment from the draft (asks first).
    RemoveAttachment,
    /// Tick or untick the selected material (beside Toggle).
    Tick,
    /// Accounts: add a clerk.
    NewUser,
    /// Accounts: set a new PIN for the selected clerk.
    ResetPin,
    /// Accounts: disable or enable the selected clerk (disabling asks).
    ToggleUser,
    /// Upload queue: try the selected entry again now.
    Retry,
    /// Upload queue: set the selected entry aside (supervisor).
    Quarantine,
    /// Tally: back to today.
    Today,
    /// Tally: compare the day with the hub's.
    Reconcile,
}

/// Where a key applies. A screen has the global keys and its own context's;
/// a dialog (confirm) takes every key but Quit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    List,
    Form,
    Wizard,
    Confirm,
    /// The accounts list (supervisor).
    Accounts,
    /// The upload queue.
    Queue,
    /// The day's tally (supervisor).
    Tally,
}

impl Context {
    pub const ALL: [Context; 8] = [
        Context::Global,
        Context::List,
        Context::Form,
        Context::Wizard,
        Context::Confirm,
        Context::Accounts,
        Context::Queue,
        Context::Tally,
    ];

    /// The i18n key of the context's heading in help.
    pub fn title_key(self) -> &'static str {
        match self {
            Context::Global => "keys.context.global",
            Context::List => "keys.context.list",
            Context::Form => "keys.context.form",
            Context::Wizard => "keys.context.wizard",
            Context::Confirm => "keys.context.confirm",
            Context::Accounts => "keys.context.accounts",
            Context::Queue => "keys.context.queue",
            Context::Tally => "keys.context.tally",
        }
    }

    /// The contexts in force together with this one.
    fn in_force(self) -> &'static [Context] {
        match self {
            Context::Global => &[Context::Global],
            Context::List => &[Context::List, Context::Global],
            Context::Form => &[Context::Form, Context::Global],
            Context::Wizard => &[Context::Wizard, Context::Global],
            Context::Confirm => &[Context::Confirm],
            Context::Accounts => &[Context::Accounts, Context::List, Context::Global],
            Context::Queue => &[Context::Queue, Context::List, Context::Global],
            Context::Tally => &[Context::Tally, Context::List, Context::Global],
        }
    }
}

impl Action {
    pub const ALL: [Action; 37] = [
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
        Action::Submit,
        Action::Confirm,
        Action::Cancel,
        Action::Training,
        Action::Select,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::RemoveAttachment,
        Action::Tick,
        Action::NewUser,
        Action::ResetPin,
        Action::ToggleUser,
        Action::Retry,
        Action::Quarantine,
        Action::Today,
        Action::Reconcile,
    ];

    /// The context the action belongs to.
    pub fn context(self) -> Context {
        match self {
            Action::Help
            | Action::Quit
            | Action::Lock
            | Action::Back
            | Action::FocusNext
            | Action::FocusPrev
            | Action::Select
            | Action::Up
            | Action::Down
            | Action::OptionNext
            | Action::OptionPrev => Context::Global,
            Action::Search
            | Action::FindDraft
            | Action::Print
            | Action::Logout
            | Action::Admin
            | Action::SendNow
            | Action::Corrections
            | Action::PageUp
            | Action::PageDown => Context::List,
            Action::Submit | Action::Training => Context::Form,
            Action::Park
            | Action::Next
            | Action::Toggle
            | Action::DiscardDraft
            | Action::RemoveAttachment
            | Action::Tick => Context::Wizard,
            Action::Confirm | Action::Cancel => Context::Confirm,
            Action::NewUser | Action::ResetPin | Action::ToggleUser => Context::Accounts,
            Action::Retry | Action::Quarantine => Context::Queue,
            Action::Today | Action::Reconcile => Context::Tally,
        }
    }

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
            Action::Submit => "submit",
            Action::Confirm => "confirm",
            Action::Cancel => "cancel",
            Action::Training => "training",
            Action::Select => "select",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::RemoveAttachment => "remove_attachment",
            Action::Tick => "tick",
            Action::NewUser => "new_user",
            Action::ResetPin => "reset_pin",
            Action::ToggleUser => "toggle_user",
            Action::Retry => "retry",
            Action::Quarantine => "quarantine",
            Action::Today => "today",
            Action::Reconcile => "reconcile",
        }
    }

    /// The action for a message: its description and its `[keys]` name.
    pub fn named(self, lang: crate::i18n::Lang) -> String {
        crate::i18n::fmt(
            lang,
            "keys.named",
            &[
                ("desc", &crate::i18n::tr(lang, &self.desc_key())),
                ("name", &self.name()),
            ],
        )
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
    Delete,
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
            "delete" | "del" => KeyCode2::Delete,
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
            KeyCode2::Delete => "Del".into(),
        };
        if self.ctrl {
            // Ctrl-C, as keyboards and manuals write it
            let base = if base.chars().count() == 1 {
                base.to_uppercase()
            } else {
                base
            };
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
            KeyCode::Delete => KeyCode2::Delete,
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

/// The compiled-in bindings. Plain letters are typed into fields, so they
/// are bound only where nothing is typed: a dialog, the materials step and
/// the three supervisor lists (each its own context); elsewhere with Ctrl.
pub const DEFAULTS: &[(Action, &[&str])] = &[
    (Action::Help, &["f1"]),
    (Action::Park, &["f2", "ctrl-s"]),
    (Action::Next, &["f10", "ctrl-n"]),
    (Action::Back, &["esc"]),
    (Action::Search, &["/", "f3"]),
    (Action::Quit, &["ctrl-c", "ctrl-q"]),
    (Action::FocusNext, &["tab"]),
    (Action::FocusPrev, &["shift-tab"]),
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
    (Action::Submit, &["f10", "ctrl-n"]),
    // 是 for a clerk typing with a Chinese input method switched on.
    (Action::Confirm, &["y", "enter", "是"]),
    (Action::Cancel, &["n", "esc"]),
    (Action::Training, &["f3", "ctrl-t"]),
    (Action::Select, &["enter"]),
    (Action::Up, &["up"]),
    (Action::Down, &["down"]),
    (Action::PageUp, &["pgup"]),
    (Action::PageDown, &["pgdn"]),
    // A VT100 has no Delete key: Ctrl-X works there.
    (Action::RemoveAttachment, &["delete", "ctrl-x"]),
    // Letter commands where no text is typed: the screen's own context,
    // so R can retry on the queue and reconcile on the tally.
    (Action::Tick, &["x"]),
    (Action::NewUser, &["n"]),
    (Action::ResetPin, &["p"]),
    (Action::ToggleUser, &["d"]),
    (Action::Retry, &["r"]),
    (Action::Quarantine, &["q"]),
    (Action::Today, &["t"]),
    (Action::Reconcile, &["r"]),
];

/// The contexts a clerk's screens (home, lists, receipt, the wizard) look
/// their keys up in together.
const CLERK_SCREENS: &[Context] = &[Context::Global, Context::List, Context::Wizard];

/// Actions with their key labels, in help order.
pub type ActionKeys = Vec<(Action, Vec<String>)>;

/// The key map in force.
#[derive(Debug, Clone)]
pub struct KeyMap {
    bindings: BTreeMap<Action, Vec<Key>>,
    /// Hints name "Esc 1" before "F1": a terminal (vt100) that may have no
    /// function keys.
    esc_digits_first: bool,
}

/// A `[keys]` entry that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMapProblem {
    /// What the user wrote (an action's name, a key), or the key's label
    /// for a conflict. May hold anything: escape it before showing it.
    pub entry: String,
    pub kind: ProblemKind,
}

/// Why a `[keys]` entry could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// No action has this name.
    UnknownAction,
    /// The action exists; the key does not.
    UnknownKey(Action),
    /// The key is bound to two actions in force together.
    Conflict(Action, Action),
}

impl KeyMap {
    pub fn defaults() -> KeyMap {
        let mut bindings = BTreeMap::new();
        for (a, keys) in DEFAULTS {
            bindings.insert(*a, keys.iter().filter_map(|k| Key::parse(k)).collect());
        }
        KeyMap {
            bindings,
            esc_digits_first: false,
        }
    }

    /// The same map, its hints fitted to the terminal: on a VT100 (and
    /// `TERM=linux`, `dumb`, unknown) function keys may not exist, so hints
    /// name Esc+digit first.
    pub fn for_terminal(mut self, term: &str) -> KeyMap {
        let t = term.to_ascii_lowercase();
        self.esc_digits_first = t.is_empty()
            || t == "dumb"
            || t == "linux"
            || t.starts_with("vt1")
            || t.starts_with("vt2");
        self
    }

    /// The action `key` asks for in `ctx` (its own keys, then the global
    /// ones; a dialog has only its own and Quit).
    pub fn action_in(&self, ctx: Context, key: &Key) -> Option<Action> {
        for c in ctx.in_force() {
            if let Some(a) = self
                .bindings
                .iter()
                .find(|(a, keys)| a.context() == *c && keys.contains(key))
                .map(|(a, _)| *a)
            {
                return Some(a);
            }
        }
        (self
            .bindings
            .get(&Action::Quit)
            .is_some_and(|k| k.contains(key)))
        .then_some(Action::Quit)
    }

    /// Keys bound to two actions that are in force together: in one
    /// context, or on a clerk's screen ([`KeyMap::action`]).
    fn conflicts(&self) -> Vec<KeyMapProblem> {
        let mut out = Vec::new();
        let contexts: [&[Context]; 8] = [
            Context::List.in_force(),
            Context::Form.in_force(),
            Context::Wizard.in_force(),
            Context::Confirm.in_force(),
            Context::Accounts.in_force(),
            Context::Queue.in_force(),
            Context::Tally.in_force(),
            CLERK_SCREENS,
        ];
        for in_force in contexts {
            let actions: Vec<(&Action, &Vec<Key>)> = self
                .bindings
                .iter()
                .filter(|(a, _)| in_force.contains(&a.context()))
                .collect();
            for (i, (a, keys)) in actions.iter().enumerate() {
                for (b, other) in &actions[i + 1..] {
                    for k in keys.iter().filter(|k| other.contains(k)) {
                        let p = KeyMapProblem {
                            entry: k.label(),
                            kind: ProblemKind::Conflict(**a, **b),
                        };
                        if !out.contains(&p) {
                            out.push(p);
                        }
                    }
                }
            }
        }
        out
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
                    kind: ProblemKind::UnknownAction,
                });
                continue;
            };
            let mut parsed = Vec::new();
            for k in keys {
                match Key::parse(k) {
                    Some(key) => parsed.push(key),
                    None => problems.push(KeyMapProblem {
                        entry: k.clone(),
                        kind: ProblemKind::UnknownKey(action),
                    }),
                }
            }
            if !parsed.is_empty() {
                map.bindings.insert(action, parsed);
            }
        }
        // Only what an override caused: the defaults are conflict-free (a
        // test says so).
        if !over.is_empty() {
            problems.extend(map.conflicts());
        }
        (map, problems)
    }

    /// The action bound to `key` on a clerk's screen: the global, list and
    /// wizard keys together (see [`KeyMap::conflicts`]). The set-up and
    /// log-in forms, dialogs and the supervisor lists with letter commands
    /// look their keys up with [`KeyMap::action_in`].
    pub fn action(&self, key: &Key) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(a, keys)| CLERK_SCREENS.contains(&a.context()) && keys.contains(key))
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

    /// The first label of an action (for footers and hints): on a terminal
    /// that may have no function keys, Esc+digit comes first.
    pub fn short(&self, action: Action) -> String {
        let labels = self.labels(action);
        if self.esc_digits_first {
            if let Some(l) = labels.iter().find(|l| l.starts_with("Esc ")) {
                return l.clone();
            }
            // Then a key such a terminal has (not Delete, not F11/F12).
            if let Some(k) = self.bindings.get(&action).and_then(|ks| {
                ks.iter()
                    .find(|k| !matches!(k.code, KeyCode2::Delete | KeyCode2::F(11..)))
            }) {
                return k.label();
            }
        }
        labels.into_iter().next().unwrap_or_default()
    }

    /// The labels of an action joined for a sentence ("Y / Enter").
    pub fn joined(&self, action: Action) -> String {
        self.labels(action).join(" / ")
    }

    /// Every action with its keys, in a stable order (for help).
    pub fn all(&self) -> Vec<(Action, Vec<String>)> {
        Action::ALL.iter().map(|a| (*a, self.labels(*a))).collect()
    }

    /// Every context with its actions and keys, global first (for help).
    pub fn by_context(&self) -> Vec<(Context, ActionKeys)> {
        Context::ALL
            .iter()
            .map(|c| {
                let actions = Action::ALL
                    .iter()
                    .filter(|a| a.context() == *c)
                    .map(|a| (*a, self.labels(*a)))
                    .collect();
                (*c, actions)
            })
            .collect()
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
            m.action_in(Context::Global, &Key::from_event(&alt1).expect("key")),
            Some(Action::Help)
        );
        let alt0 = KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT);
        assert_eq!(
            m.action_in(Context::Wizard, &Key::from_event(&alt0).expect("key")),
            Some(Action::Next)
        );
        assert_eq!(
            esc_digit('2').and_then(|k| m.action_in(Context::Wizard, &k)),
            Some(Action::Park)
        );
    }

    #[test]
    fn the_defaults_have_no_conflicts_and_contexts_pick_the_action() {
        let m = KeyMap::defaults();
        assert_eq!(m.conflicts(), vec![]);
        let f10 = Key::parse("f10").expect("f10");
        let enter = Key::parse("enter").expect("enter");
        let esc = Key::parse("esc").expect("esc");
        let n = Key::parse("n").expect("n");
        assert_eq!(m.action_in(Context::Form, &f10), Some(Action::Submit));
        assert_eq!(m.action_in(Context::Wizard, &f10), Some(Action::Next));
        assert_eq!(m.action_in(Context::Confirm, &enter), Some(Action::Confirm));
        assert_eq!(m.action_in(Context::Confirm, &esc), Some(Action::Cancel));
        assert_eq!(m.action_in(Context::Confirm, &n), Some(Action::Cancel));
        assert_eq!(m.action_in(Context::List, &esc), Some(Action::Back));
        assert_eq!(m.action_in(Context::List, &n), None, "letters are typed");
        let f1 = Key::parse("f1").expect("f1");
        assert_eq!(m.action_in(Context::Confirm, &f1), None);
        let ctrl_c = Key::parse("ctrl-c").expect("ctrl-c");
        assert_eq!(m.action_in(Context::Confirm, &ctrl_c), Some(Action::Quit));
        // help lists global keys first
        assert_eq!(m.by_context()[0].0, Context::Global);
    }

    #[test]
    fn conflicting_overrides_name_both_actions() {
        let over = BTreeMap::from([("logout".to_string(), vec!["f12".to_string()])]);
        let (_, problems) = KeyMap::with_overrides(&over);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].entry, "F12");
        assert_eq!(
            problems[0].kind,
            ProblemKind::Conflict(Action::Lock, Action::Logout),
            "{problems:?}"
        );
        // the same key in two contexts never in force together is fine
        // (F9 finishes the set-up form and logs out from home)
        let over = BTreeMap::from([("submit".to_string(), vec!["f9".to_string()])]);
        assert_eq!(KeyMap::with_overrides(&over).1, vec![]);
        // but the wizard's keys are looked up on home too (F8 discards the
        // selected draft there): F9 to park would hide log-out
        let over = BTreeMap::from([("park".to_string(), vec!["f9".to_string()])]);
        assert_eq!(
            KeyMap::with_overrides(&over).1[0].kind,
            ProblemKind::Conflict(Action::Park, Action::Logout)
        );
    }

    #[test]
    fn a_vt100_gets_esc_digit_hints() {
        let m = KeyMap::defaults().for_terminal("vt100");
        assert_eq!(m.short(Action::Help), "Esc 1");
        assert_eq!(m.short(Action::Next), "Esc 0");
        assert_eq!(m.short(Action::Back), "Esc");
        // no Delete key on a VT100: the hint names Ctrl-X
        assert_eq!(m.short(Action::RemoveAttachment), "Ctrl-X");
        assert_eq!(m.short(Action::Corrections), "Ctrl-E");
        let x = KeyMap::defaults().for_terminal("xterm-256color");
        assert_eq!(x.short(Action::Help), "F1");
        assert_eq!(x.short(Action::RemoveAttachment), "Del");
    }

    #[test]
    fn overrides_replace_keys_and_bad_entries_are_reported() {
        let over = BTreeMap::from([
            ("next".to_string(), vec!["ctrl-g".to_string()]),
            ("nonsense".to_string(), vec!["f1".to_string()]),
            ("park".to_string(), vec!["hyper-x".to_string()]),
        ]);
        let (m, problems) = KeyMap::with_overrides(&over);
        let g = Key::parse("ctrl-g").expect("ctrl-g");
        assert_eq!(m.action_in(Context::Wizard, &g), Some(Action::Next));
        // F9 for the wizard's next step would hide log-out on home, where
        // the wizard's keys are looked up too (discard a draft): said.
        let (_, clash) = KeyMap::with_overrides(&BTreeMap::from([(
            "next".to_string(),
            vec!["f9".to_string()],
        )]));
        assert!(
            clash.iter().any(
                |p| p.kind == ProblemKind::Conflict(Action::Next, Action::Logout)
                    || p.kind == ProblemKind::Conflict(Action::Logout, Action::Next)
            ),
            "{clash:?}"
        );
        assert!(!m.labels(Action::Next).iter().any(|l| l == "F10"));
        assert_eq!(problems.len(), 2);
        assert_eq!(
            problems[0],
            KeyMapProblem {
                entry: "nonsense".into(),
                kind: ProblemKind::UnknownAction
            }
        );
        assert_eq!(
            problems[1],
            KeyMapProblem {
                entry: "hyper-x".into(),
                kind: ProblemKind::UnknownKey(Action::Park)
            }
        );
        // park keeps its defaults because its only override was invalid
        assert!(m.labels(Action::Park).iter().any(|l| l == "F2"));
    }
}
