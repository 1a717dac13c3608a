//! The upload queue (上传队列): retry, and quarantine for supervisors.

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{cycle, Effect, Input};
use crate::keymap::Action;

impl App {
    pub(super) fn on_queue(&mut self, input: Input, k: Keys) -> Vec<Effect> {
        let Keys {
            action,
            is_esc,
            supervisor,
            ..
        } = k;
        let Screen::Queue(q) = &mut self.screen else {
            return vec![];
        };
        if is_esc {
            return self.admin_back();
        }
        let n = q.entries.len();
        match (&input, action) {
            (_, Some(Action::FocusNext | Action::Down)) => q.selected = cycle(q.selected, n, 1),
            (_, Some(Action::FocusPrev | Action::Up)) => q.selected = cycle(q.selected, n, -1),
            _ if action == Some(Action::Retry) => {
                if let Some((key, _)) = q.entries.get(q.selected) {
                    return vec![Effect::RetryQueue(key.clone()), Effect::LoadQueue];
                }
            }
            _ if action == Some(Action::Quarantine) && supervisor => {
                if let Some((key, _)) = q.entries.get(q.selected) {
                    return vec![Effect::QuarantineQueue(key.clone()), Effect::LoadQueue];
                }
            }
            _ => {}
        }
        vec![]
    }
}
