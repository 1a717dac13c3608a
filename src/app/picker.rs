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
            // ←/→ move the cursor in the query (text editing keys).
            Input::Key(k) if k.code == KeyCode2::Left => p.query.left(),
            Input::Key(k) if k.code == KeyCode2::Right => p.query.right(),
            Input::Key(k) => match self.keymap.action_in(Context::Form, &k) {
                Some(Action::Back) => return self.go_home(),
                Some(Action::Down | Action::FocusNext) => {
                    p.selected = cycle(p.selected, n, 1);
                }
                Some(Action::Up | Action::FocusPrev) => {
                    p.selected = cycle(p.selected, n, -1);
                }
                Some(Action::Select | Action::Submit) => {
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
