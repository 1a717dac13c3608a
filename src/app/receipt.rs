//! A receipt or slip on screen: scroll, print, back.

use crate::app::state::*;
use crate::app::update::{Effect, Input};
use crate::keymap::Action;

impl App {
    pub(crate) fn on_receipt(&mut self, input: Input) -> Vec<Effect> {
        let action = self.action(&input);
        let Screen::Receipt(r) = &mut self.screen else {
            return vec![];
        };
        match action {
            Some(Action::Print) => {
                if let Some(number) = &r.reprint {
                    return vec![Effect::Reprint(number.clone())];
                }
                let what = r.title.clone();
                return vec![Effect::Print {
                    text: r.text.clone(),
                    what,
                }];
            }
            Some(Action::FocusNext | Action::Down) => r.scroll = r.scroll.saturating_add(1),
            Some(Action::FocusPrev | Action::Up) => r.scroll = r.scroll.saturating_sub(1),
            Some(Action::Select | Action::Back | Action::Next) => return self.go_home(),
            _ => {}
        }
        vec![]
    }
}
