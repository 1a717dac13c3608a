//! The log-in screen.

use crate::app::state::*;
use crate::app::update::{edit, Effect, Input};
use crate::keymap::{Action, Context, KeyCode2};

impl App {
    pub(crate) fn on_login(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let Screen::Login(form) = &mut self.screen else {
            return vec![];
        };
        match input {
            Input::Key(k) => match k.code {
                KeyCode2::Tab | KeyCode2::Down | KeyCode2::Up | KeyCode2::BackTab => {
                    form.focus = 1 - form.focus
                }
                c if c == KeyCode2::Enter
                    || self.keymap.action_in(Context::Form, &k) == Some(Action::Submit) =>
                {
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
