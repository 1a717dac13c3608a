//! The log-in screen.

use crate::app::state::*;
use crate::app::update::{edit, Effect, Input};
use crate::keymap::{Action, Context};

impl App {
    pub(crate) fn on_login(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let Screen::Login(form) = &mut self.screen else {
            return vec![];
        };
        match input {
            Input::Key(k) => match self.keymap.action_in(Context::Form, &k) {
                Some(Action::FocusNext | Action::FocusPrev | Action::Down | Action::Up) => {
                    form.focus = 1 - form.focus
                }
                Some(Action::Select | Action::Submit) => {
                    if form.focus == 0 && !form.id.is_empty() {
                        form.focus = 1;
                    } else if !form.id.is_empty() && !form.pin.is_empty() {
                        let fx = Effect::Login {
                            id: form.id.text.trim().to_string(),
                            pin: form.pin.text.clone(),
                        };
                        form.pin.clear();
                        return vec![fx];
                    }
                }
                _ => {}
            },
            other => {
                let target = if form.focus == 0 {
                    &mut form.id
                } else {
                    &mut form.pin
                };
                edit(target, other, lang);
            }
        }
        vec![]
    }
}
