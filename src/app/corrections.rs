//! The 需补正 list: applications the office sent back.

use crate::app::state::*;
use crate::app::update::{cycle, Effect, Input};
use crate::keymap::{Action, KeyCode2};

impl App {
    pub(crate) fn on_corrections(&mut self, input: Input) -> Vec<Effect> {
        let action = self.action(&input);
        let Screen::Corrections(c) = &mut self.screen else {
            return vec![];
        };
        match action {
            Some(Action::Back) => return self.go_home(),
            Some(Action::FocusPrev) => c.selected = cycle(c.selected, c.items.len(), -1),
            Some(Action::FocusNext) if !matches!(&input, Input::Key(k) if k.code == KeyCode2::Enter) => {
                c.selected = cycle(c.selected, c.items.len(), 1)
            }
            Some(Action::Next | Action::Print) | Some(Action::FocusNext) => {
                if let Some(f) = c.items.get(c.selected) {
                    return vec![Effect::CorrectionSlip(f.app.number.clone())];
                }
            }
            _ => {}
        }
        vec![]
    }
}
