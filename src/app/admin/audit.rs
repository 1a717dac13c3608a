//! The audit log (审计日志), read-only and scrolled.

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{Effect, Input};
use crate::keymap::Action;

/// Rows a PgUp/PgDn moves: what an 80x24 screen shows of the log.
const AUDIT_PAGE: usize = 16;

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
        let last = n.saturating_sub(1);
        match action {
            Some(Action::PageDown) => a.scroll = (a.scroll + AUDIT_PAGE).min(last),
            Some(Action::PageUp) => a.scroll = a.scroll.saturating_sub(AUDIT_PAGE),
            Some(Action::FocusNext | Action::Down) => a.scroll = (a.scroll + 1).min(last),
            Some(Action::FocusPrev | Action::Up) => a.scroll = a.scroll.saturating_sub(1),
            _ => {}
        }
        vec![]
    }
}
