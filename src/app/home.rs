//! The home screen: drafts, the status of uploads, the menu keys.

use crate::app::input::LineInput;
use crate::app::state::*;
use crate::app::update::{cycle, Effect, Input};
use crate::keymap::Action;

impl App {
    pub(crate) fn on_home(&mut self, input: Input) -> Vec<Effect> {
        let n = self.home.drafts.len();
        let action = self.action(&input);
        let Screen::Home { selected } = &mut self.screen else {
            return vec![];
        };
        // Typing a letter starts a search with it.
        if let Input::Char(c) = input {
            if c != '/' && !c.is_whitespace() {
                let mut query = LineInput::new(30);
                query.insert(&c.to_string());
                self.screen = Screen::Picker(Picker { query, selected: 0 });
                return vec![];
            }
        }
        match action {
            Some(Action::Search) => {
                self.screen = Screen::Picker(Picker {
                    query: LineInput::new(30),
                    selected: 0,
                });
            }
            Some(Action::FindDraft) => {
                self.screen = Screen::FindDraft(FindDraft {
                    query: LineInput::new(30),
                    results: vec![],
                    apps: vec![],
                    selected: 0,
                    searched: false,
                });
            }
            Some(Action::FocusNext | Action::Down) => {
                *selected = cycle(*selected, n, 1);
            }
            Some(Action::FocusPrev | Action::Up) => {
                *selected = cycle(*selected, n, -1);
            }
            Some(Action::Logout) => {
                let who = self.user.take().map(|u| u.id).unwrap_or_default();
                self.screen = Screen::Login(LoginForm::default());
                return vec![Effect::Logout { who }];
            }
            Some(Action::DiscardDraft) => {
                if let Some(d) = self.home.drafts.get(*selected) {
                    self.overlay = Some(Overlay::Confirm(Confirm::Discard(d.number.clone())));
                }
            }
            Some(Action::Back) => {
                self.overlay = Some(Overlay::Confirm(Confirm::Quit));
            }
            Some(Action::Admin) => return self.open_admin(),
            Some(Action::Corrections) => {
                self.screen = Screen::Corrections(CorrectionsView::default());
                return vec![Effect::LoadCorrections];
            }
            Some(Action::SendNow) => {
                // Send now and show the queue: each record's error is one key away.
                self.screen = Screen::Queue(QueueView {
                    entries: vec![],
                    selected: 0,
                });
                return vec![Effect::SendNow, Effect::LoadQueue];
            }
            Some(Action::Select) => {
                if let Some(d) = self.home.drafts.get(*selected) {
                    return vec![Effect::OpenDraft {
                        number: d.number.clone(),
                    }];
                }
            }
            _ => {}
        }
        vec![]
    }
}
