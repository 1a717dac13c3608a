//! The 需补正 list: applications the office sent back.

use crate::app::state::*;
use crate::app::update::{cycle, Effect, Input};
use crate::keymap::Action;

impl App {
    pub(crate) fn on_corrections(&mut self, input: Input) -> Vec<Effect> {
        let action = self.action(&input);
        let Screen::Corrections(c) = &mut self.screen else {
            return vec![];
        };
        match action {
            Some(Action::Back) => return self.go_home(),
            Some(Action::FocusPrev | Action::Up) => {
                c.selected = cycle(c.selected, c.items.len(), -1)
            }
            Some(Action::FocusNext | Action::Down) => {
                c.selected = cycle(c.selected, c.items.len(), 1)
            }
            Some(Action::Select | Action::Next | Action::Print) => {
                if let Some(f) = c.items.get(c.selected) {
                    return vec![Effect::CorrectionSlip(f.app.number.clone())];
                }
            }
            _ => {}
        }
        vec![]
    }
}
