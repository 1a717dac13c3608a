//! The supervisor's screens (管理): tallies, accounts, voids, audit log,
//! and the upload queue (which clerks see too).

use chrono::Duration;

use crate::app::input::LineInput;
use crate::app::state::*;
use crate::app::update::{cycle, edit, Effect, Input, Msg};
use crate::i18n::tr;
use crate::keymap::{Action, KeyCode2};
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
                self.screen = Screen::Void(VoidForm {
                    focus: 0,
                    number: LineInput::new(24),
                    reason: LineInput::new(60),
                });
                vec![]
            }
            3 => {
                self.screen = Screen::Audit(AuditView {
                    entries: vec![],
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
                    *t = *v;
                    t.reconcile = reconcile;
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
            Msg::Audit(entries) => {
                if let Screen::Audit(a) = &mut self.screen {
                    a.entries = entries;
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
                    v.number.clear();
                    v.reason.clear();
                    v.focus = 0;
                }
                self.say(Level::Info, text);
            }
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
        let action = self.action_of(&input);
        let lang = self.lang;
        let is_enter = matches!(&input, Input::Key(k) if k.code == KeyCode2::Enter);
        let is_esc = matches!(&input, Input::Key(k) if k.code == KeyCode2::Esc);
        let supervisor = self.is_supervisor();
        if matches!(action, Some(Action::SendNow)) {
            return vec![Effect::SendNow, Effect::LoadQueue];
        }
        match &mut self.screen {
            Screen::Admin { selected } => {
                let n = ADMIN_ITEMS.len();
                if is_esc {
                    return self.go_home();
                }
                match (&input, action) {
                    (_, Some(Action::FocusNext)) if !is_enter => *selected = cycle(*selected, n, 1),
                    (_, Some(Action::FocusPrev)) => *selected = cycle(*selected, n, -1),
                    (Input::Char(c @ '1'..='5'), _) => {
                        let i = *c as usize - '1' as usize;
                        return self.open_item(i);
                    }
                    _ if is_enter => {
                        let i = *selected;
                        return self.open_item(i);
                    }
                    _ => {}
                }
                vec![]
            }
            Screen::Tally(t) => {
                if is_esc {
                    return self.admin_back();
                }
                let day = match (&input, action) {
                    (_, Some(Action::OptionPrev)) => t.day - Duration::days(1),
                    (_, Some(Action::OptionNext)) => t.day + Duration::days(1),
                    (Input::Char('t' | 'T'), _) => self.today,
                    (Input::Char('r' | 'R'), _) => return vec![Effect::Reconcile(t.day)],
                    _ => return vec![],
                };
                t.day = day;
                t.reconcile = None;
                vec![Effect::LoadTally(day)]
            }
            Screen::Accounts(a) => {
                if let Some(form) = &mut a.form {
                    if is_esc {
                        a.form = None;
                        return vec![];
                    }
                    let first = if form.reset.is_some() { 2 } else { 0 };
                    match &input {
                        Input::Key(k) => match k.code {
                            KeyCode2::Tab | KeyCode2::Down => {
                                form.focus = if form.focus + 1 >= 4 {
                                    first
                                } else {
                                    form.focus + 1
                                }
                            }
                            KeyCode2::BackTab | KeyCode2::Up => {
                                form.focus = if form.focus <= first {
                                    3
                                } else {
                                    form.focus - 1
                                }
                            }
                            KeyCode2::Left | KeyCode2::Right if form.reset.is_none() => {
                                form.supervisor = !form.supervisor
                            }
                            KeyCode2::Enter | KeyCode2::F(10) => {
                                let v: Vec<String> = form
                                    .inputs
                                    .iter()
                                    .map(|i| i.text.trim().to_string())
                                    .collect();
                                let problem = if form.reset.is_none()
                                    && (v[0].is_empty()
                                        || !v[0].chars().all(|c| c.is_ascii_alphanumeric()))
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
                    (_, Some(Action::FocusNext)) if !is_enter => {
                        a.selected = cycle(a.selected, n, 1)
                    }
                    (_, Some(Action::FocusPrev)) => a.selected = cycle(a.selected, n, -1),
                    (Input::Char('n' | 'N'), _) => a.form = Some(UserForm::new(None)),
                    (Input::Char('p' | 'P'), _) => {
                        if let Some(u) = a.users.get(a.selected) {
                            a.form = Some(UserForm::new(Some(u.id.clone())));
                        }
                    }
                    (Input::Char('d' | 'D'), _) => {
                        if let Some(u) = a.users.get(a.selected) {
                            let me = self.user.as_ref().map(|m| m.id.clone());
                            if me.as_deref() == Some(u.id.as_str()) {
                                let text = tr(lang, "admin.not_self").to_string();
                                self.say(Level::Warn, text);
                                return vec![];
                            }
                            return vec![Effect::ToggleUser(u.id.clone())];
                        }
                    }
                    _ => {}
                }
                vec![]
            }
            Screen::Void(v) => {
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
                            } else if v.number.is_empty()
                                || v.reason.text.trim().chars().count() < 2
                            {
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
            Screen::Audit(a) => {
                if is_esc {
                    return self.admin_back();
                }
                let n = a.entries.len();
                match action {
                    Some(Action::FocusNext) => a.scroll = (a.scroll + 1).min(n.saturating_sub(1)),
                    Some(Action::FocusPrev) => a.scroll = a.scroll.saturating_sub(1),
                    _ => {}
                }
                vec![]
            }
            Screen::Queue(q) => {
                if is_esc {
                    return self.admin_back();
                }
                let n = q.entries.len();
                match (&input, action) {
                    (_, Some(Action::FocusNext)) if !is_enter => {
                        q.selected = cycle(q.selected, n, 1)
                    }
                    (_, Some(Action::FocusPrev)) => q.selected = cycle(q.selected, n, -1),
                    (Input::Char('r' | 'R'), _) => {
                        if let Some((key, _)) = q.entries.get(q.selected) {
                            return vec![Effect::RetryQueue(key.clone()), Effect::LoadQueue];
                        }
                    }
                    (Input::Char('q' | 'Q'), _) if supervisor => {
                        if let Some((key, _)) = q.entries.get(q.selected) {
                            return vec![Effect::QuarantineQueue(key.clone()), Effect::LoadQueue];
                        }
                    }
                    _ => {}
                }
                vec![]
            }
            _ => vec![],
        }
    }
}
