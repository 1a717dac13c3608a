//! The audit log (审计日志), read-only and scrolled.

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{Effect, Input};
use crate::keymap::{Action, KeyCode2};

/// Rows a PgUp/PgDn moves: what an 80x24 screen shows of the log.
const AUDIT_PAGE: usize = 16;

impl App {
    pub(super) fn on_audit(&mut self, input: Input, k: Keys) -> Vec<Effect> {
        let Keys { action, is_esc, .. } = k;
        let Screen::Audit(a) = &mut self.screen else {
            return vec![];
        };
        if is_esc {
            return self.admin_back();
        }
        let n = a.entries.len();
        let last = n.saturating_sub(1);
        match &input {
            Input::Key(k) if k.code == KeyCode2::PageDown => {
                a.scroll = (a.scroll + AUDIT_PAGE).min(last);
                return vec![];
            }
            Input::Key(k) if k.code == KeyCode2::PageUp => {
                a.scroll = a.scroll.saturating_sub(AUDIT_PAGE);
                return vec![];
            }
            _ => {}
        }
        match action {
            Some(Action::FocusNext) => a.scroll = (a.scroll + 1).min(n.saturating_sub(1)),
            Some(Action::FocusPrev) => a.scroll = a.scroll.saturating_sub(1),
            _ => {}
        }
        vec![]
    }
}
