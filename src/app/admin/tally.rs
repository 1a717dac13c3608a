//! The day's tally (统计): ←/→ change the day, T today, R reconcile.

use chrono::Duration;

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{Effect, Input};
use crate::keymap::Action;

impl App {
    pub(super) fn on_tally(&mut self, input: Input, k: Keys) -> Vec<Effect> {
        let Keys { action, is_esc, .. } = k;
        let Screen::Tally(t) = &mut self.screen else {
            return vec![];
        };
        if is_esc {
            return self.admin_back();
        }
        let day = match (&input, action) {
            (_, Some(Action::OptionPrev)) => t.day - Duration::days(1),
            (_, Some(Action::OptionNext)) => t.day + Duration::days(1),
            (Input::Char('t' | 'T'), _) => self.today,
            (Input::Char('r' | 'R'), _) => return vec![Effect::Reconcile(t.day)],
            _ => return vec![],
        };
        t.day = day;
        t.reconcile = None;
        vec![Effect::LoadTally(day)]
    }
}
