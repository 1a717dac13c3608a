//! The service picker: find a service in a few keys.

use crate::app::state::*;
use crate::app::update::{cycle, edit, Effect, Input};
use crate::i18n::tr;
use crate::keymap::{Action, Context, KeyCode2};

impl App {
    pub(crate) fn on_picker(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let Screen::Picker(p) = &mut self.screen else {
            return vec![];
        };
        let results = self.catalog.search(&p.query.text);
        let n = results.len();
        match input {
            Input::Key(k) => match k.code {
                _ if self.keymap.action_in(Context::List, &k) == Some(Action::Back) => {
                    return self.go_home()
                }
                KeyCode2::Down | KeyCode2::Tab => {
                    p.selected = cycle(p.selected, n, 1);
                }
                KeyCode2::Up | KeyCode2::BackTab => {
                    p.selected = cycle(p.selected, n, -1);
                }
                KeyCode2::Left => p.query.left(),
                KeyCode2::Right => p.query.right(),
                c if c == KeyCode2::Enter
                    || self.keymap.action_in(Context::Form, &k) == Some(Action::Submit) =>
                {
                    if let Some(s) = results.get(p.selected) {
                        if !s.offered {
                            // The reason is shown under the list already.
                            self.say(Level::Warn, tr(lang, "picker.refused_short").to_string());
                            return vec![];
                        }
                        return vec![Effect::NewDraft {
                            service: s.code.clone(),
                            prefill: Default::default(),
                        }];
                    }
                }
                _ => {}
            },
            other => {
                edit(&mut p.query, other, lang);
                p.selected = 0;
            }
        }
        vec![]
    }
}
