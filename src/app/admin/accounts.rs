//! Accounts (柜员账户): add, reset a PIN, disable or enable.

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{cycle, edit, Effect, Input};
use crate::i18n::tr;
use crate::keymap::Action;

impl App {
    pub(super) fn on_accounts(&mut self, input: Input, k: Keys) -> Vec<Effect> {
        let Keys {
            action,
            lang,
            is_esc,
            ..
        } = k;
        let Screen::Accounts(a) = &mut self.screen else {
            return vec![];
        };
        if let Some(form) = &mut a.form {
            if is_esc {
                a.form = None;
                return vec![];
            }
            let first = if form.reset.is_some() { 2 } else { 0 };
            match &input {
                Input::Key(_) => match (action, k.form) {
                    (Some(Action::FocusNext | Action::Down), _) => {
                        form.focus = if form.focus + 1 >= 4 {
                            first
                        } else {
                            form.focus + 1
                        }
                    }
                    (Some(Action::FocusPrev | Action::Up), _) => {
                        form.focus = if form.focus <= first {
                            3
                        } else {
                            form.focus - 1
                        }
                    }
                    (Some(Action::OptionNext | Action::OptionPrev), _) if form.reset.is_none() => {
                        form.supervisor = !form.supervisor
                    }
                    (Some(Action::Select), _) | (_, Some(Action::Submit)) => {
                        let v: Vec<String> = form
                            .inputs
                            .iter()
                            .map(|i| i.text.trim().to_string())
                            .collect();
                        let problem = if form.reset.is_none()
                            && (v[0].is_empty() || !v[0].chars().all(|c| c.is_ascii_alphanumeric()))
                        {
                            Some("setup.bad_id")
                        } else if form.reset.is_none() && v[1].is_empty() {
                            Some("setup.need_name")
                        } else if !crate::auth::pin_ok(&v[2]) {
                            Some("setup.bad_pin")
                        } else if v[2] != v[3] {
                            Some("setup.pin_mismatch")
                        } else {
                            None
                        };
                        if let Some(key) = problem {
                            let text = tr(lang, key).to_string();
                            self.say(Level::Error, text);
                            return vec![];
                        }
                        return match &form.reset {
                            Some(id) => vec![Effect::ResetPin {
                                id: id.clone(),
                                pin: v[2].clone(),
                            }],
                            None => vec![Effect::SaveUser {
                                id: v[0].to_ascii_uppercase(),
                                name: v[1].clone(),
                                pin: v[2].clone(),
                                supervisor: form.supervisor,
                            }],
                        };
                    }
                    _ => {}
                },
                other => {
                    let f = form.focus;
                    edit(&mut form.inputs[f], other.clone(), lang);
                }
            }
            return vec![];
        }
        if is_esc {
            return self.admin_back();
        }
        let n = a.users.len();
        match (&input, action) {
            (_, Some(Action::FocusNext | Action::Down)) => a.selected = cycle(a.selected, n, 1),
            (_, Some(Action::FocusPrev | Action::Up)) => a.selected = cycle(a.selected, n, -1),
            _ if action == Some(Action::NewUser) => a.form = Some(UserForm::new(None)),
            _ if action == Some(Action::ResetPin) => {
                if let Some(u) = a.users.get(a.selected) {
                    a.form = Some(UserForm::new(Some(u.id.clone())));
                }
            }
            _ if action == Some(Action::ToggleUser) => {
                if let Some(u) = a.users.get(a.selected) {
                    let me = self.user.as_ref().map(|m| m.id.clone());
                    if me.as_deref() == Some(u.id.as_str()) {
                        let text = tr(lang, "admin.not_self").to_string();
                        self.say(Level::Warn, text);
                        return vec![];
                    }
                    if u.disabled {
                        // Enabling takes nothing away: no question.
                        return vec![Effect::ToggleUser(u.id.clone())];
                    }
                    self.overlay = Some(Overlay::Confirm(Confirm::Disable {
                        id: u.id.clone(),
                        name: u.name.clone(),
                    }));
                    return vec![];
                }
            }
            _ => {}
        }
        vec![]
    }
}
