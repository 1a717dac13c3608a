//! The audit log (审计日志), read-only and scrolled.

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{Effect, Input};
use crate::keymap::Action;

impl App {
    pub(super) fn on_audit(&mut self, _input: Input, k: Keys) -> Vec<Effect> {
        let Keys { action, is_esc, .. } = k;
        let Screen::Audit(a) = &mut self.screen else {
            return vec![];
        };
        if is_esc {
            return self.admin_back();
        }
        let n = a.entries.len();
        match action {
            Some(Action::FocusNext) => a.scroll = (a.scroll + 1).min(n.saturating_sub(1)),
            Some(Action::FocusPrev) => a.scroll = a.scroll.saturating_sub(1),
            _ => {}
        }
        vec![]
    }
}
