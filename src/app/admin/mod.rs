//! The supervisor's screens (管理): tallies, accounts, voids, audit log,
//! and the upload queue (which clerks see too). One file per screen; this
//! one opens them and dispatches keys and reports.

mod accounts;
mod audit;
mod menu;
mod queue;
mod tally;
mod void;

use crate::app::state::*;
use crate::app::update::{Effect, Input, Msg};
use crate::i18n::Lang;
use crate::keymap::{Action, Context};
use crate::store::Role;

impl App {
    fn is_supervisor(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == Role::Supervisor)
    }

    /// The admin key: the menu for supervisors, the queue for clerks.
    pub(crate) fn open_admin(&mut self) -> Vec<Effect> {
        if self.is_supervisor() {
            self.screen = Screen::Admin { selected: 0 };
            vec![]
        } else {
            self.screen = Screen::Queue(QueueView {
                entries: vec![],
                selected: 0,
            });
            vec![Effect::LoadQueue]
        }
    }

    fn open_item(&mut self, i: usize) -> Vec<Effect> {
        match i {
            0 => {
                let day = self.today;
                self.screen = Screen::Tally(TallyView {
                    day,
                    tally: Default::default(),
                    history: vec![],
                    reconcile: None,
                    scroll: 0,
                });
                vec![Effect::LoadTally(day)]
            }
            1 => {
                self.screen = Screen::Accounts(AccountsView {
                    users: vec![],
                    selected: 0,
                    form: None,
                });
                vec![Effect::LoadUsers]
            }
            2 => {
                self.screen = Screen::Void(VoidForm::new());
                vec![Effect::LoadVoidable]
            }
            3 => {
                self.screen = Screen::Audit(AuditView {
                    entries: vec![],
                    reasons: Default::default(),
                    scroll: 0,
                });
                vec![Effect::LoadAudit]
            }
            _ => {
                self.screen = Screen::Queue(QueueView {
                    entries: vec![],
                    selected: 0,
                });
                vec![Effect::LoadQueue]
            }
        }
    }

    /// Where Esc goes from an admin page.
    fn admin_back(&mut self) -> Vec<Effect> {
        if self.is_supervisor() && !matches!(self.screen, Screen::Admin { .. }) {
            self.screen = Screen::Admin { selected: 0 };
            vec![]
        } else {
            self.go_home()
        }
    }

    pub(crate) fn on_admin_msg(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Tally(v) => {
                if let Screen::Tally(t) = &mut self.screen {
                    let reconcile = t.reconcile.take().filter(|_| t.day == v.day);
                    let rows = v.tally.by_service.len();
                    let scroll = t.scroll.min(rows.saturating_sub(tally::TALLY_PAGE));
                    *t = *v;
                    t.reconcile = reconcile;
                    t.scroll = scroll;
                }
            }
            Msg::Users(users) => {
                if let Screen::Accounts(a) = &mut self.screen {
                    a.selected = a.selected.min(users.len().saturating_sub(1));
                    a.users = users;
                }
            }
            Msg::UserSaved(text) => {
                if let Screen::Accounts(a) = &mut self.screen {
                    a.form = None;
                }
                self.say(Level::Info, text);
                return vec![Effect::LoadUsers];
            }
            Msg::Audit(entries, reasons) => {
                if let Screen::Audit(a) = &mut self.screen {
                    a.scroll = a.scroll.min(entries.len().saturating_sub(1));
                    a.entries = entries;
                    a.reasons = reasons;
                }
            }
            Msg::Queue(entries) => {
                if let Screen::Queue(q) = &mut self.screen {
                    q.selected = q.selected.min(entries.len().saturating_sub(1));
                    q.entries = entries;
                }
            }
            Msg::Voided(text) => {
                if let Screen::Void(v) = &mut self.screen {
                    *v = VoidForm::new();
                }
                self.say(Level::Info, text);
                return vec![Effect::LoadVoidable];
            }
            Msg::Voidable(recent) => {
                if let Screen::Void(v) = &mut self.screen {
                    v.selected = None;
                    v.recent = recent;
                }
            }
            Msg::VoidTarget(t) => self.on_void_target(t),
            Msg::Reconciled(lines) => {
                if let Screen::Tally(t) = &mut self.screen {
                    t.reconcile = Some(lines);
                }
            }
            _ => {}
        }
        vec![]
    }

    pub(crate) fn on_admin(&mut self, input: Input) -> Vec<Effect> {
        // Each screen looks its keys up in its own context (the three with
        // letter commands have one each; the others are lists).
        let context = match &self.screen {
            Screen::Accounts(_) => Context::Accounts,
            Screen::Queue(_) => Context::Queue,
            Screen::Tally(_) => Context::Tally,
            _ => Context::List,
        };
        let action = self.action_in(context, &input);
        let keys = Keys {
            action,
            lang: self.lang,
            form: self.action_in(Context::Form, &input),
            is_enter: action == Some(Action::Select),
            is_esc: action == Some(Action::Back),
            supervisor: self.is_supervisor(),
        };
        if matches!(keys.action, Some(Action::SendNow)) {
            return vec![Effect::SendNow, Effect::LoadQueue];
        }
        match &self.screen {
            Screen::Admin { .. } => self.on_menu(input, keys),
            Screen::Tally(_) => self.on_tally(input, keys),
            Screen::Accounts(_) => self.on_accounts(input, keys),
            Screen::Void(_) => self.on_void(input, keys),
            Screen::Audit(_) => self.on_audit(input, keys),
            Screen::Queue(_) => self.on_queue(input, keys),
            _ => vec![],
        }
    }
}

/// What every admin handler needs to know about the key pressed.
#[derive(Clone, Copy)]
pub(super) struct Keys {
    /// The action on a list (global and list keys).
    pub action: Option<Action>,
    /// The action in a form (global and form keys: Submit).
    pub form: Option<Action>,
    pub lang: Lang,
    /// The key is bound to Select (Enter).
    pub is_enter: bool,
    /// The key is bound to Back (Esc).
    pub is_esc: bool,
    pub supervisor: bool,
}
