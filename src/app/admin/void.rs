//! Voiding a finished application (作废): pick it from today's list or
//! type its number, see what it is, give a reason, confirm.

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{edit, Effect, Input};
use crate::i18n::{fmt, tr};
use crate::keymap::{Action, KeyCode2};
use crate::wizard::field::yuan;

impl App {
    /// The application in a few words, as the void screen and its confirm
    /// show it.
    pub(crate) fn void_what(&self, t: &VoidTarget) -> String {
        let service = self
            .catalog
            .get(&t.service)
            .map(|s| format!("{} {}", t.service, s.name(self.lang)))
            .unwrap_or_else(|| t.service.clone());
        let customer = if t.customer.is_empty() {
            "-".to_string()
        } else {
            t.customer.clone()
        };
        fmt(
            self.lang,
            "admin.void_what",
            &[
                ("service", &service),
                ("customer", &customer),
                ("fee", &yuan(t.fee_total_fen)),
                ("at", &t.finished_at.format("%Y-%m-%d %H:%M")),
            ],
        )
    }

    pub(super) fn on_void(&mut self, input: Input, k: Keys) -> Vec<Effect> {
        let Keys { lang, is_esc, .. } = k;
        if is_esc {
            return self.admin_back();
        }
        let Screen::Void(v) = &mut self.screen else {
            return vec![];
        };
        let Keys { action, form, .. } = k;
        match &input {
            // ←/→ move the cursor in the field (text editing keys).
            Input::Key(key) if key.code == KeyCode2::Left => {
                [&mut v.number, &mut v.reason][v.focus].left()
            }
            Input::Key(key) if key.code == KeyCode2::Right => {
                [&mut v.number, &mut v.reason][v.focus].right()
            }
            Input::Key(_) => match action {
                Some(Action::FocusNext | Action::FocusPrev) => v.focus = 1 - v.focus,
                Some(Action::Up | Action::Down) if v.focus == 0 => {
                    let n = v.recent.len();
                    if n == 0 {
                        return vec![];
                    }
                    let up = action == Some(Action::Up);
                    let i = match (v.selected, up) {
                        (None, true) => n - 1,
                        (None, false) => 0,
                        (Some(i), true) => (i + n - 1) % n,
                        (Some(i), false) => (i + 1) % n,
                    };
                    v.selected = Some(i);
                    v.number.set(&v.recent[i].number);
                    v.target = Some(v.recent[i].clone());
                }
                Some(Action::Up | Action::Down) => v.focus = 0,
                _ if action == Some(Action::Select) || form == Some(Action::Submit) => {
                    let number = v.number.text.trim().to_ascii_uppercase();
                    let known = v.target.as_ref().is_some_and(|t| t.number == number);
                    if number.is_empty() {
                        let text = tr(lang, "admin.void_need").to_string();
                        self.say(Level::Error, text);
                    } else if !known {
                        // Refused before any confirm when it does not exist.
                        return vec![Effect::LookupVoid(number)];
                    } else if v.focus == 0 {
                        v.focus = 1;
                    } else if v.reason.text.trim().chars().count() < 2 {
                        let text = tr(lang, "admin.void_need").to_string();
                        self.say(Level::Error, text);
                    } else if let Some(t) = v.target.clone() {
                        let reason = v.reason.text.trim().to_string();
                        let what = self.void_what(&t);
                        self.overlay = Some(Overlay::Confirm(Confirm::Void {
                            number: t.number,
                            reason,
                            what,
                        }));
                    }
                }
                _ => {}
            },
            other => {
                if v.focus == 0 {
                    edit(&mut v.number, other.clone(), lang);
                    let number = v.number.text.trim().to_ascii_uppercase();
                    if v.target.as_ref().is_some_and(|t| t.number != number) {
                        v.target = None;
                        v.selected = None;
                    }
                } else {
                    edit(&mut v.reason, other.clone(), lang);
                }
            }
        }
        vec![]
    }

    pub(super) fn on_void_target(&mut self, t: VoidTarget) {
        if let Screen::Void(v) = &mut self.screen {
            if v.number.text.trim().eq_ignore_ascii_case(&t.number) {
                v.selected = v.recent.iter().position(|r| r.number == t.number);
                v.number.set(&t.number);
                v.target = Some(t);
                v.focus = 1;
            }
        }
    }
}
