//! Finding drafts and finished applications.

use crate::app::state::*;
use crate::app::update::{cycle, edit, Effect, Input};
use crate::keymap::{Action, Context};

impl App {
    pub(crate) fn on_find(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let Screen::FindDraft(f) = &mut self.screen else {
            return vec![];
        };
        // One selection over the drafts, then the finished applications.
        let n = f.results.len() + f.apps.len();
        match input {
            Input::Key(k) => match self.keymap.action_in(Context::Form, &k) {
                Some(Action::Back) => return self.go_home(),
                Some(Action::Down | Action::FocusNext) => {
                    f.selected = cycle(f.selected, n, 1);
                }
                Some(Action::Up | Action::FocusPrev) => {
                    f.selected = cycle(f.selected, n, -1);
                }
                Some(Action::Select | Action::Submit) => {
                    if f.searched {
                        if let Some(d) = f.results.get(f.selected) {
                            return vec![Effect::OpenDraft {
                                number: d.number.clone(),
                            }];
                        }
                        if let Some(a) = f
                            .selected
                            .checked_sub(f.results.len())
                            .and_then(|i| f.apps.get(i))
                        {
                            return vec![Effect::ShowApp(a.app.number.clone())];
                        }
                    }
                    return vec![Effect::FindDrafts(f.query.text.clone())];
                }
                _ => {}
            },
            other => {
                edit(&mut f.query, other, lang);
                f.searched = false;
                f.results.clear();
                f.apps.clear();
                f.selected = 0;
            }
        }
        vec![]
    }
}
