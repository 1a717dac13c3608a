//! Voiding a finished application (作废).

use crate::app::admin::Keys;
use crate::app::state::*;
use crate::app::update::{edit, Effect, Input};
use crate::i18n::tr;
use crate::keymap::KeyCode2;

impl App {
    pub(super) fn on_void(&mut self, input: Input, k: Keys) -> Vec<Effect> {
        let Keys { lang, is_esc, .. } = k;
        let Screen::Void(v) = &mut self.screen else {
            return vec![];
        };
        if is_esc {
            return self.admin_back();
        }
        match &input {
            Input::Key(k) => match k.code {
                KeyCode2::Tab | KeyCode2::Down | KeyCode2::BackTab | KeyCode2::Up => {
                    v.focus = 1 - v.focus
                }
                KeyCode2::Left => [&mut v.number, &mut v.reason][v.focus].left(),
                KeyCode2::Right => [&mut v.number, &mut v.reason][v.focus].right(),
                KeyCode2::Enter | KeyCode2::F(10) => {
                    if v.focus == 0 && !v.number.is_empty() {
                        v.focus = 1;
                    } else if v.number.is_empty() || v.reason.text.trim().chars().count() < 2 {
                        let text = tr(lang, "admin.void_need").to_string();
                        self.say(Level::Error, text);
                    } else {
                        let c = Confirm::Void {
                            number: v.number.text.trim().to_ascii_uppercase(),
                            reason: v.reason.text.trim().to_string(),
                        };
                        self.overlay = Some(Overlay::Confirm(c));
                    }
                }
                _ => {}
            },
            other => {
                let target = if v.focus == 0 {
                    &mut v.number
                } else {
                    &mut v.reason
                };
                edit(target, other.clone(), lang);
            }
        }
        vec![]
    }
}
