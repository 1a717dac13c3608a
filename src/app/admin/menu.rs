//! The supervisor's menu (管理): pick a page by number or arrows.

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{cycle, Effect, Input};
use crate::keymap::Action;

impl App {
    pub(super) fn on_menu(&mut self, input: Input, k: Keys) -> Vec<Effect> {
        let Keys {
            action,
            is_enter,
            is_esc,
            ..
        } = k;
        let Screen::Admin { selected } = &mut self.screen else {
            return vec![];
        };
        let n = ADMIN_ITEMS.len();
        if is_esc {
            return self.go_home();
        }
        match (&input, action) {
            (_, Some(Action::FocusNext | Action::Down)) => *selected = cycle(*selected, n, 1),
            (_, Some(Action::FocusPrev | Action::Up)) => *selected = cycle(*selected, n, -1),
            (Input::Char(c @ '1'..='5'), _) => {
                let i = *c as usize - '1' as usize;
                return self.open_item(i);
            }
            _ if is_enter => {
                let i = *selected;
                return self.open_item(i);
            }
            _ => {}
        }
        vec![]
    }
}
