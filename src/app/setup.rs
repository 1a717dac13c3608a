//! The first start: the branch and its first supervisor.

use crate::app::state::*;
use crate::app::update::{edit, Effect, Input};
use crate::keymap::{Action, Context, KeyCode2};
use crate::store::Branch;

impl App {
    pub(crate) fn on_setup(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let Screen::Setup(form) = &mut self.screen else {
            return vec![];
        };
        match input {
            Input::Key(k) if self.keymap.action_in(Context::Form, &k) == Some(Action::Submit) => {
                return self.submit_setup();
            }
            Input::Key(k) if self.keymap.action_in(Context::Form, &k) == Some(Action::Training) => {
                return vec![Effect::StartTraining];
            }
            // ←/→ move the cursor in the field (text editing keys).
            Input::Key(k) if k.code == KeyCode2::Left => form.inputs[form.focus].left(),
            Input::Key(k) if k.code == KeyCode2::Right => form.inputs[form.focus].right(),
            Input::Key(k) => match self.keymap.action_in(Context::Form, &k) {
                Some(Action::FocusNext | Action::Down) => {
                    form.focus = (form.focus + 1) % form.inputs.len()
                }
                Some(Action::FocusPrev | Action::Up) => {
                    form.focus = (form.focus + form.inputs.len() - 1) % form.inputs.len()
                }
                Some(Action::Select) => {
                    if form.focus + 1 == form.inputs.len() {
                        return self.submit_setup();
                    }
                    form.focus += 1;
                }
                _ => {}
            },
            other => {
                edit(&mut form.inputs[form.focus], other, lang);
            }
        }
        vec![]
    }

    pub(crate) fn submit_setup(&mut self) -> Vec<Effect> {
        let Screen::Setup(form) = &mut self.screen else {
            return vec![];
        };
        let v: Vec<String> = form
            .inputs
            .iter()
            .map(|i| i.text.trim().to_string())
            .collect();
        let code = v[0].to_ascii_uppercase();
        let problem = if code.len() < 2 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            Some((0, "setup.bad_code"))
        } else if v[1].is_empty() {
            Some((1, "setup.need_name"))
        } else if v[2].is_empty() || !v[2].chars().all(|c| c.is_ascii_alphanumeric()) {
            Some((2, "setup.bad_id"))
        } else if v[3].is_empty() {
            Some((3, "setup.need_name"))
        } else if !crate::auth::pin_ok(&v[4]) {
            Some((4, "setup.bad_pin"))
        } else if v[4] != v[5] {
            Some((5, "setup.pin_mismatch"))
        } else {
            None
        };
        if let Some((focus, key)) = problem {
            form.focus = focus;
            let text = self.t(key);
            self.say(Level::Error, text);
            return vec![];
        }
        vec![Effect::Setup {
            branch: Branch {
                code,
                name: v[1].clone(),
                training: self.training,
                generated: false,
            },
            id: v[2].clone(),
            name: v[3].clone(),
            pin: v[4].clone(),
        }]
    }
}
