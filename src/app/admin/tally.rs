//! The day's tally (统计): ←/→ change the day (never past today), T today,
//! R reconcile, ↑/↓ and PgUp/PgDn scroll the services.

use chrono::Duration;

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{Effect, Input};
use crate::keymap::Action;

/// Rows a PgUp/PgDn moves the service list: what the smallest screen
/// (80x24) shows between its two "more" marks, so no row is ever skipped.
pub const TALLY_PAGE: usize = 8;

impl App {
    pub(super) fn on_tally(&mut self, input: Input, k: Keys) -> Vec<Effect> {
        let Keys { action, is_esc, .. } = k;
        if is_esc {
            return self.admin_back();
        }
        let today = self.today;
        let Screen::Tally(t) = &mut self.screen else {
            return vec![];
        };
        let rows = t.tally.by_service.len();
        // The last page still shows a page of rows.
        let last = rows.saturating_sub(TALLY_PAGE);
        if matches!(action, Some(Action::PageDown | Action::PageUp)) {
            t.scroll = if action == Some(Action::PageDown) {
                (t.scroll + TALLY_PAGE).min(last)
            } else {
                t.scroll.saturating_sub(TALLY_PAGE)
            };
            return vec![];
        }
        let day = match (&input, action) {
            (_, Some(Action::Down)) => {
                t.scroll = (t.scroll + 1).min(last);
                return vec![];
            }
            (_, Some(Action::Up)) => {
                t.scroll = t.scroll.saturating_sub(1);
                return vec![];
            }
            (_, Some(Action::OptionPrev)) => t.day - Duration::days(1),
            // No future days: the tally stops at today.
            (_, Some(Action::OptionNext)) if t.day >= today => return vec![],
            (_, Some(Action::OptionNext)) => t.day + Duration::days(1),
            _ if action == Some(Action::Today) => today,
            _ if action == Some(Action::Reconcile) => return vec![Effect::Reconcile(t.day)],
            _ => return vec![],
        };
        t.day = day;
        t.reconcile = None;
        t.scroll = 0;
        vec![Effect::LoadTally(day)]
    }
}
