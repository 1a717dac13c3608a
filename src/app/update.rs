//! Input → state change → effects. No terminal and no store here: effects
//! are carried out by the runtime, which answers with a [`Msg`].

use std::path::PathBuf;

use crate::app::input::LineInput;
use crate::app::state::*;
use crate::catalog::FieldKind;
use crate::i18n::{fmt, tr, Lang};
use crate::keymap::{Action, Key, KeyCode2};
use crate::store::{Application, Branch, Delivery, Draft, Payment, User};
use crate::wizard::{Step, Wizard};

/// One input from the terminal, already decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A printable character typed without Ctrl or Alt.
    Char(char),
    Paste(String),
    Backspace,
    Delete,
    Home,
    End,
    /// Any other key (function keys, Tab, arrows, Ctrl-…).
    Key(Key),
}

/// Work for the runtime (store, printer).
#[derive(Debug, Clone)]
pub enum Effect {
    Setup {
        branch: Branch,
        id: String,
        name: String,
        pin: String,
    },
    StartTraining,
    Login {
        id: String,
        pin: String,
    },
    Unlock {
        pin: String,
    },
    LoadHome,
    NewDraft {
        service: String,
        /// Field values to start with (carried over from another draft).
        prefill: std::collections::BTreeMap<String, String>,
    },
    OpenDraft {
        number: String,
    },
    /// Write the draft now; flush within a second.
    SaveDraft(Box<Draft>),
    /// Flush now (a step was taken).
    Flush,
    Finish(Box<Wizard>),
    /// Save, flush, and if `slip`, print the "what to bring" slip.
    Park {
        wizard: Box<Wizard>,
        slip: bool,
    },
    Discard(String),
    FindDrafts(String),
    LoadCorrections,
    /// Show (and print) the "what to bring" slip of a correction.
    CorrectionSlip(String),
    Print {
        text: String,
        what: String,
    },
    Logout,
    Quit,
    LoadTally(chrono::NaiveDate),
    LoadUsers,
    SaveUser {
        id: String,
        name: String,
        pin: String,
        supervisor: bool,
    },
    ResetPin {
        id: String,
        pin: String,
    },
    ToggleUser(String),
    VoidApp {
        number: String,
        reason: String,
    },
    LoadAudit,
    LoadQueue,
    RetryQueue(String),
    QuarantineQueue(String),
    SendNow,
    Reconcile(chrono::NaiveDate),
    /// Check and keep a file for the open draft.
    Attach {
        path: String,
        draft_id: String,
    },
    ListInbox,
    /// Delete a kept file that the clerk removed from the draft.
    Detach(String),
}

/// What the runtime reports back.
#[derive(Debug, Clone)]
pub enum Msg {
    Ready {
        branch: Branch,
        user: User,
    },
    Failed(String),
    Home(HomeData),
    Opened(Box<Wizard>),
    Finished {
        app: Box<Application>,
        receipt: String,
        file: Option<PathBuf>,
    },
    Parked {
        number: String,
        slip: Option<(String, Option<PathBuf>)>,
    },
    Found(Vec<Draft>, Vec<crate::store::Found>),
    Corrections {
        items: Vec<crate::store::Found>,
        overdue: Vec<crate::store::Found>,
    },
    CorrectionSlip {
        number: String,
        text: String,
        file: Option<std::path::PathBuf>,
    },
    Unlocked,
    Info(String),
    Warn(String),
    Tally(Box<TallyView>),
    Users(Vec<User>),
    UserSaved(String),
    Audit(Vec<crate::store::AuditEntry>),
    Queue(Vec<(String, crate::store::OutboxEntry)>),
    Voided(String),
    Reconciled(Vec<String>),
    /// From the upload relay.
    Relay(crate::sync::relay::RelayEvent),
    Attached(crate::store::AttachedFile),
    Inbox(Vec<std::path::PathBuf>),
}

impl App {
    fn t(&self, key: &str) -> String {
        tr(self.lang, key).to_string()
    }

    pub(crate) fn action_of(&self, input: &Input) -> Option<Action> {
        self.action(input)
    }

    pub fn say(&mut self, level: Level, text: String) {
        self.message = Some((level, text));
    }

    pub(crate) fn go_home(&mut self) -> Vec<Effect> {
        self.screen = Screen::Home { selected: 0 };
        vec![Effect::LoadHome]
    }

    /// Applies a runtime report.
    pub fn on_msg(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        match msg {
            Msg::Ready { branch, user } => {
                self.message = Some((
                    Level::Info,
                    fmt(self.lang, "home.welcome", &[("name", &user.name)]),
                ));
                self.branch = Some(branch);
                self.user = Some(user);
                self.overlay = None;
                self.go_home()
            }
            Msg::Failed(e) => {
                self.say(Level::Error, e);
                vec![]
            }
            Msg::Info(s) => {
                self.say(Level::Info, s);
                vec![]
            }
            Msg::Warn(s) => {
                self.say(Level::Warn, s);
                vec![]
            }
            Msg::Home(h) => {
                self.home = h;
                if let Screen::Home { selected } = &mut self.screen {
                    *selected = (*selected).min(self.home.drafts.len().saturating_sub(1));
                }
                vec![]
            }
            Msg::Opened(w) => {
                let input = focused_input(&w);
                let address = match &w.draft.delivery {
                    Delivery::Ems { address } => LineInput::with_text(address, 120),
                    Delivery::Pickup => LineInput::new(120),
                };
                self.screen = Screen::Wizard(Box::new(WizardScreen {
                    wizard: *w,
                    input,
                    address,
                    attach: LineInput::new(300),
                    inbox: vec![],
                    inbox_pos: None,
                }));
                vec![]
            }
            Msg::Attached(file) => {
                if let Screen::Wizard(ws) = &mut self.screen {
                    let text = fmt(self.lang, "wizard.attached", &[("name", &file.name)]);
                    ws.wizard.draft.attachments.push(file);
                    ws.attach.clear();
                    ws.inbox_pos = None;
                    let fx = vec![
                        Effect::SaveDraft(Box::new(ws.wizard.draft.clone())),
                        Effect::Flush,
                    ];
                    self.say(Level::Info, text);
                    return fx;
                }
                // The wizard was left meanwhile: the file stays with nothing
                // pointing at it until the draft dir is cleaned.
                vec![]
            }
            Msg::Inbox(files) => {
                if let Screen::Wizard(ws) = &mut self.screen {
                    if files.is_empty() {
                        let text = tr(self.lang, "wizard.inbox_empty").to_string();
                        self.say(Level::Warn, text);
                        return vec![];
                    }
                    ws.inbox = files;
                    ws.inbox_pos = Some(0);
                    let p = ws.inbox[0].display().to_string();
                    ws.attach.set(&p);
                }
                vec![]
            }
            Msg::Finished { app, receipt, file } => {
                self.say(
                    Level::Info,
                    fmt(self.lang, "wizard.finished", &[("number", &app.number)]),
                );
                self.screen = Screen::Receipt(ReceiptView {
                    title: fmt(self.lang, "receipt.title", &[("number", &app.number)]),
                    text: receipt,
                    file,
                    scroll: 0,
                });
                vec![Effect::LoadHome]
            }
            Msg::Parked { number, slip } => {
                let text = fmt(self.lang, "wizard.parked", &[("number", &number)]);
                self.say(Level::Info, text);
                match slip {
                    Some((slip, file)) => {
                        self.screen = Screen::Receipt(ReceiptView {
                            title: fmt(self.lang, "slip.title", &[("number", &number)]),
                            text: slip,
                            file,
                            scroll: 0,
                        });
                        vec![Effect::LoadHome]
                    }
                    None => self.go_home(),
                }
            }
            Msg::Found(results, apps) => {
                if let Screen::FindDraft(f) = &mut self.screen {
                    f.results = results;
                    f.apps = apps;
                    f.selected = 0;
                    f.searched = true;
                }
                vec![]
            }
            Msg::Corrections { items, overdue } => {
                if let Screen::Corrections(c) = &mut self.screen {
                    c.items = items;
                    c.overdue = overdue;
                    c.selected = c.selected.min(c.items.len().saturating_sub(1));
                    c.loaded = true;
                }
                vec![]
            }
            Msg::CorrectionSlip { number, text, file } => {
                self.screen = Screen::Receipt(ReceiptView {
                    title: fmt(self.lang, "slip.title", &[("number", &number)]),
                    text,
                    file,
                    scroll: 0,
                });
                vec![]
            }
            Msg::Unlocked => {
                self.overlay = None;
                self.message = None;
                vec![]
            }
            Msg::Relay(ev) => self.on_relay(ev),
            other => self.on_admin_msg(other),
        }
    }

    fn on_relay(&mut self, ev: crate::sync::relay::RelayEvent) -> Vec<Effect> {
        use crate::sync::relay::RelayEvent;
        match ev {
            RelayEvent::Link(l) => self.sync.link = l,
            RelayEvent::Attachment { name, sent, total } => {
                self.sync.attachment = (sent < total).then_some((name, sent, total));
            }
            RelayEvent::Progress { .. } => return vec![],
            RelayEvent::Done(r) => {
                if let Some(l) = r.link {
                    self.sync.link = l;
                }
                self.sync.next_try = r.next_try.filter(|_| r.pending > 0);
                self.sync.last_error = r.last_error.clone().or(r.refused.clone());
                self.sync.attachment = None;
                self.home.pending = r.pending;
                if let Some(why) = &r.refused {
                    self.say(
                        Level::Error,
                        fmt(self.lang, "sync.refused", &[("why", why)]),
                    );
                }
                let mut fx = vec![];
                if matches!(self.screen, Screen::Home { .. }) {
                    fx.push(Effect::LoadHome);
                }
                if matches!(self.screen, Screen::Queue(_)) {
                    fx.push(Effect::LoadQueue);
                }
                return fx;
            }
        }
        vec![]
    }

    /// Applies one input.
    pub fn on_input(&mut self, input: Input) -> Vec<Effect> {
        self.dirty = true;
        // Ctrl-C / Ctrl-Q: quit safely from anywhere but the lock screen.
        if let Input::Key(k) = &input {
            if self.keymap.action(k) == Some(Action::Quit)
                && !matches!(self.overlay, Some(Overlay::Locked(_)))
            {
                return self.quit_safely();
            }
        }
        if let Some(overlay) = self.overlay.clone() {
            return self.on_overlay(overlay, input);
        }
        if let Input::Key(k) = &input {
            match self.keymap.action(k) {
                Some(Action::Help) => {
                    self.overlay = Some(Overlay::Help);
                    return vec![];
                }
                Some(Action::Lock) if self.user.is_some() => {
                    return self.lock();
                }
                _ => {}
            }
        }
        match &self.screen {
            Screen::Setup(_) => self.on_setup(input),
            Screen::Login(_) => self.on_login(input),
            Screen::Home { .. } => self.on_home(input),
            Screen::Picker(_) => self.on_picker(input),
            Screen::FindDraft(_) => self.on_find(input),
            Screen::Corrections(_) => self.on_corrections(input),
            Screen::Wizard(_) => self.on_wizard(input),
            Screen::Receipt(_) => self.on_receipt(input),
            Screen::Admin { .. }
            | Screen::Tally(_)
            | Screen::Accounts(_)
            | Screen::Void(_)
            | Screen::Audit(_)
            | Screen::Queue(_) => self.on_admin(input),
        }
    }

    /// Locks the screen (idle timeout or the lock key); the wizard stays.
    pub fn lock(&mut self) -> Vec<Effect> {
        if self.user.is_none() || matches!(self.overlay, Some(Overlay::Locked(_))) {
            return vec![];
        }
        self.dirty = true;
        self.overlay = Some(Overlay::Locked(LineInput::secret(12)));
        let mut fx = self.save_wizard();
        fx.push(Effect::Flush);
        fx
    }

    /// The terminal went away (hang-up, SIGTERM, closed input): save what
    /// is typed, flush, quit.
    pub fn terminal_gone(&mut self) -> Vec<Effect> {
        self.quit_safely()
    }

    fn quit_safely(&mut self) -> Vec<Effect> {
        let mut fx = self.save_wizard();
        fx.push(Effect::Flush);
        fx.push(Effect::Quit);
        self.quit = true;
        fx
    }

    fn save_wizard(&mut self) -> Vec<Effect> {
        match &mut self.screen {
            Screen::Wizard(ws) => {
                let lang = self.lang;
                commit_input(ws, lang);
                vec![Effect::SaveDraft(Box::new(ws.wizard.draft.clone()))]
            }
            _ => vec![],
        }
    }

    fn action(&self, input: &Input) -> Option<Action> {
        match input {
            Input::Key(k) => self.keymap.action(k),
            Input::Char(c) => self.keymap.action(&Key {
                code: KeyCode2::Char(c.to_ascii_lowercase()),
                ctrl: false,
            }),
            _ => None,
        }
    }

    fn on_overlay(&mut self, overlay: Overlay, input: Input) -> Vec<Effect> {
        match overlay {
            Overlay::Help => {
                self.overlay = None;
                vec![]
            }
            Overlay::Confirm(c) => {
                let yes = matches!(input, Input::Char('y' | 'Y' | '是'))
                    || matches!(&input, Input::Key(k) if k.code == KeyCode2::Enter);
                self.overlay = None;
                if !yes {
                    return vec![];
                }
                match c {
                    Confirm::Discard(number) => {
                        self.screen = Screen::Home { selected: 0 };
                        vec![Effect::Discard(number), Effect::LoadHome]
                    }
                    Confirm::Quit => self.quit_safely(),
                    Confirm::Void { number, reason } => vec![Effect::VoidApp { number, reason }],
                    Confirm::Offer {
                        service, prefill, ..
                    } => {
                        self.screen = Screen::Home { selected: 0 };
                        vec![Effect::NewDraft { service, prefill }]
                    }
                }
            }
            Overlay::Locked(mut pin) => {
                match input {
                    Input::Char(c) => {
                        pin.insert(&c.to_string());
                    }
                    Input::Backspace => pin.backspace(),
                    Input::Key(k) if k.code == KeyCode2::Enter => {
                        let typed = pin.text.clone();
                        pin.clear();
                        self.overlay = Some(Overlay::Locked(pin));
                        return vec![Effect::Unlock { pin: typed }];
                    }
                    _ => {}
                }
                self.overlay = Some(Overlay::Locked(pin));
                vec![]
            }
        }
    }

    fn on_setup(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let Screen::Setup(form) = &mut self.screen else {
            return vec![];
        };
        match input {
            Input::Key(k)
                if k.code == KeyCode2::F(10) || (k.ctrl && k.code == KeyCode2::Char('n')) =>
            {
                return self.submit_setup();
            }
            Input::Key(k)
                if k.code == KeyCode2::F(3) || (k.ctrl && k.code == KeyCode2::Char('t')) =>
            {
                return vec![Effect::StartTraining];
            }
            Input::Key(k) => match k.code {
                KeyCode2::Tab | KeyCode2::Down => form.focus = (form.focus + 1) % form.inputs.len(),
                KeyCode2::BackTab | KeyCode2::Up => {
                    form.focus = (form.focus + form.inputs.len() - 1) % form.inputs.len()
                }
                KeyCode2::Enter => {
                    if form.focus + 1 == form.inputs.len() {
                        return self.submit_setup();
                    }
                    form.focus += 1;
                }
                KeyCode2::Left => form.inputs[form.focus].left(),
                KeyCode2::Right => form.inputs[form.focus].right(),
                _ => {}
            },
            other => {
                edit(&mut form.inputs[form.focus], other, lang);
            }
        }
        vec![]
    }

    fn submit_setup(&mut self) -> Vec<Effect> {
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

    fn on_login(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let Screen::Login(form) = &mut self.screen else {
            return vec![];
        };
        match input {
            Input::Key(k) => match k.code {
                KeyCode2::Tab | KeyCode2::Down | KeyCode2::Up | KeyCode2::BackTab => {
                    form.focus = 1 - form.focus
                }
                KeyCode2::Enter | KeyCode2::F(10) => {
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

    fn on_home(&mut self, input: Input) -> Vec<Effect> {
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
            Some(Action::FocusNext) if !matches!(&input, Input::Key(k) if k.code == KeyCode2::Enter) =>
            {
                *selected = cycle(*selected, n, 1);
            }
            Some(Action::FocusPrev) => {
                *selected = cycle(*selected, n, -1);
            }
            Some(Action::Logout) => {
                self.user = None;
                self.screen = Screen::Login(LoginForm::default());
                return vec![Effect::Logout];
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
            _ => {
                if let Input::Key(k) = &input {
                    if k.code == KeyCode2::Enter {
                        if let Some(d) = self.home.drafts.get(*selected) {
                            return vec![Effect::OpenDraft {
                                number: d.number.clone(),
                            }];
                        }
                    }
                }
            }
        }
        vec![]
    }

    fn on_picker(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let Screen::Picker(p) = &mut self.screen else {
            return vec![];
        };
        let results = self.catalog.search(&p.query.text);
        let n = results.len();
        match input {
            Input::Key(k) => match k.code {
                KeyCode2::Esc => return self.go_home(),
                KeyCode2::Down | KeyCode2::Tab => {
                    p.selected = cycle(p.selected, n, 1);
                }
                KeyCode2::Up | KeyCode2::BackTab => {
                    p.selected = cycle(p.selected, n, -1);
                }
                KeyCode2::Left => p.query.left(),
                KeyCode2::Right => p.query.right(),
                KeyCode2::Enter | KeyCode2::F(10) => {
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

    fn on_corrections(&mut self, input: Input) -> Vec<Effect> {
        let action = self.action(&input);
        let Screen::Corrections(c) = &mut self.screen else {
            return vec![];
        };
        match action {
            Some(Action::Back) => return self.go_home(),
            Some(Action::FocusPrev) => c.selected = cycle(c.selected, c.items.len(), -1),
            Some(Action::FocusNext) if !matches!(&input, Input::Key(k) if k.code == KeyCode2::Enter) => {
                c.selected = cycle(c.selected, c.items.len(), 1)
            }
            Some(Action::Next | Action::Print) | Some(Action::FocusNext) => {
                if let Some(f) = c.items.get(c.selected) {
                    return vec![Effect::CorrectionSlip(f.app.number.clone())];
                }
            }
            _ => {}
        }
        vec![]
    }

    fn on_find(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let Screen::FindDraft(f) = &mut self.screen else {
            return vec![];
        };
        match input {
            Input::Key(k) => match k.code {
                KeyCode2::Esc => return self.go_home(),
                KeyCode2::Down | KeyCode2::Tab => {
                    f.selected = cycle(f.selected, f.results.len(), 1);
                }
                KeyCode2::Up | KeyCode2::BackTab => {
                    f.selected = cycle(f.selected, f.results.len(), -1);
                }
                KeyCode2::Enter | KeyCode2::F(10) => {
                    if f.searched {
                        if let Some(d) = f.results.get(f.selected) {
                            return vec![Effect::OpenDraft {
                                number: d.number.clone(),
                            }];
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
            }
        }
        vec![]
    }

    fn on_receipt(&mut self, input: Input) -> Vec<Effect> {
        let action = self.action(&input);
        let Screen::Receipt(r) = &mut self.screen else {
            return vec![];
        };
        match action {
            Some(Action::Print) => {
                let what = r.title.clone();
                return vec![Effect::Print {
                    text: r.text.clone(),
                    what,
                }];
            }
            Some(Action::FocusNext) if !matches!(&input, Input::Key(k) if k.code == KeyCode2::Enter) => {
                r.scroll = r.scroll.saturating_add(1)
            }
            Some(Action::FocusPrev) => r.scroll = r.scroll.saturating_sub(1),
            _ => {
                if matches!(&input, Input::Key(k) if matches!(k.code, KeyCode2::Enter | KeyCode2::Esc | KeyCode2::F(10)))
                {
                    return self.go_home();
                }
            }
        }
        vec![]
    }

    fn on_wizard(&mut self, input: Input) -> Vec<Effect> {
        let lang = self.lang;
        let today = self.today;
        let action = self.action(&input);
        let Screen::Wizard(ws) = &mut self.screen else {
            return vec![];
        };
        let step = ws.wizard.step();
        let on_text = match step {
            Step::Fields => ws
                .wizard
                .service
                .fields
                .get(ws.wizard.focus())
                .map(|f| !matches!(f.kind, FieldKind::Choice | FieldKind::YesNo))
                .unwrap_or(false),
            Step::Payment => ws.wizard.focus() == 2,
            _ => false,
        };
        // The attachment input on the materials step takes its own keys.
        if step == Step::Materials && ws.wizard.attachment_focus() == Some(ws.wizard.focus()) {
            if let Some(fx) = attach_input(ws, &input, action, lang) {
                return fx;
            }
        }
        // Keys bound to wizard-wide actions first.
        if let Input::Key(_) = &input {
            match action {
                Some(Action::Next) => return self.wizard_next(),
                Some(Action::Park) => return self.wizard_park(),
                Some(Action::DiscardDraft) => {
                    let number = ws.wizard.draft.number.clone();
                    self.overlay = Some(Overlay::Confirm(Confirm::Discard(number)));
                    return vec![];
                }
                Some(Action::Back) => {
                    commit_input(ws, lang);
                    let mut fx = vec![
                        Effect::SaveDraft(Box::new(ws.wizard.draft.clone())),
                        Effect::Flush,
                    ];
                    if ws.wizard.back() {
                        ws.input = focused_input(&ws.wizard);
                    } else {
                        // Leaving the first step keeps the draft (saved above).
                        let number = ws.wizard.draft.number.clone();
                        let text = fmt(lang, "wizard.kept", &[("number", &number)]);
                        self.say(Level::Info, text);
                        fx.extend(self.go_home());
                    }
                    return fx;
                }
                Some(Action::FocusNext) | Some(Action::FocusPrev) => {
                    commit_input(ws, lang);
                    let d = if action == Some(Action::FocusNext) {
                        1
                    } else {
                        -1
                    };
                    ws.wizard.move_focus(d);
                    ws.input = focused_input(&ws.wizard);
                    return vec![Effect::SaveDraft(Box::new(ws.wizard.draft.clone()))];
                }
                _ => {}
            }
        }
        let mut changed = false;
        match step {
            Step::Fields => {
                let Some(field) = ws.wizard.service.fields.get(ws.wizard.focus()).cloned() else {
                    return vec![];
                };
                match field.kind {
                    FieldKind::Choice | FieldKind::YesNo => {
                        let options: Vec<String> = if field.kind == FieldKind::YesNo {
                            vec!["yes".into(), "no".into()]
                        } else {
                            field.options.iter().map(|o| o.value.clone()).collect()
                        };
                        let current = ws.wizard.raw(&field.key).to_string();
                        let pos = options.iter().position(|o| *o == current);
                        let n = options.len();
                        let pick = match (&input, action) {
                            (_, Some(Action::OptionNext)) | (_, Some(Action::Toggle)) => {
                                Some(pos.map(|p| (p + 1) % n).unwrap_or(0))
                            }
                            (_, Some(Action::OptionPrev)) => {
                                Some(pos.map(|p| (p + n - 1) % n).unwrap_or(n.saturating_sub(1)))
                            }
                            (Input::Char(c), _) => match c.to_ascii_lowercase() {
                                'y' | '是' if field.kind == FieldKind::YesNo => Some(0),
                                'n' | '否' if field.kind == FieldKind::YesNo => Some(1),
                                d if d.is_ascii_digit() => {
                                    (d as usize).checked_sub('1' as usize).filter(|i| *i < n)
                                }
                                _ => None,
                            },
                            (Input::Backspace | Input::Delete, _) => {
                                ws.wizard.set_raw(&field.key, "");
                                changed = true;
                                None
                            }
                            _ => None,
                        };
                        if let Some(i) = pick.filter(|_| n > 0) {
                            ws.wizard.set_raw(&field.key, &options[i]);
                            changed = true;
                        }
                    }
                    _ => {
                        if on_text {
                            if let Input::Key(k) = &input {
                                match k.code {
                                    KeyCode2::Left => ws.input.left(),
                                    KeyCode2::Right => ws.input.right(),
                                    _ => {}
                                }
                            } else {
                                let cut = edit(&mut ws.input, input, lang);
                                if cut {
                                    let text = tr(lang, "wizard.pasted_cut").to_string();
                                    self.message = Some((Level::Warn, text));
                                }
                                let Screen::Wizard(ws) = &mut self.screen else {
                                    return vec![];
                                };
                                ws.wizard.set_raw(&field.key, &ws.input.text.clone());
                                changed = true;
                                if changed {
                                    return vec![Effect::SaveDraft(Box::new(
                                        ws.wizard.draft.clone(),
                                    ))];
                                }
                            }
                        }
                    }
                }
            }
            Step::Materials => {
                if matches!(action, Some(Action::Toggle))
                    || matches!(&input, Input::Char('x' | 'X'))
                {
                    let i = ws.wizard.focus();
                    ws.wizard.toggle_material(i);
                    changed = true;
                }
            }
            Step::Payment => match ws.wizard.focus() {
                0 => {
                    let cur = ws
                        .wizard
                        .draft
                        .payment
                        .and_then(|p| Payment::ALL.iter().position(|x| *x == p));
                    let pick = match (&input, action) {
                        (_, Some(Action::OptionNext)) | (_, Some(Action::Toggle)) => {
                            Some(cur.map(|p| (p + 1) % 3).unwrap_or(0))
                        }
                        (_, Some(Action::OptionPrev)) => {
                            Some(cur.map(|p| (p + 2) % 3).unwrap_or(2))
                        }
                        (Input::Char(c @ '1'..='3'), _) => Some(*c as usize - '1' as usize),
                        _ => None,
                    };
                    if let Some(i) = pick {
                        ws.wizard.draft.payment = Some(Payment::ALL[i]);
                        changed = true;
                    }
                }
                1 => {
                    let flip = matches!(
                        action,
                        Some(Action::OptionNext | Action::OptionPrev | Action::Toggle)
                    ) || matches!(&input, Input::Char('1' | '2'));
                    if flip {
                        let ems = match &input {
                            Input::Char('1') => false,
                            Input::Char('2') => true,
                            _ => matches!(ws.wizard.draft.delivery, Delivery::Pickup),
                        };
                        ws.wizard.draft.delivery = if ems {
                            Delivery::Ems {
                                address: ws.address.text.clone(),
                            }
                        } else {
                            Delivery::Pickup
                        };
                        changed = true;
                    }
                }
                _ => match &input {
                    Input::Key(k) if k.code == KeyCode2::Left => ws.address.left(),
                    Input::Key(k) if k.code == KeyCode2::Right => ws.address.right(),
                    Input::Key(_) => {}
                    other => {
                        edit(&mut ws.address, other.clone(), lang);
                        ws.wizard.draft.delivery = Delivery::Ems {
                            address: ws.address.text.clone(),
                        };
                        changed = true;
                    }
                },
            },
            Step::Review => {
                if matches!(&input, Input::Key(k) if k.code == KeyCode2::Enter) {
                    return self.wizard_next();
                }
            }
        }
        let Screen::Wizard(ws) = &mut self.screen else {
            return vec![];
        };
        if changed {
            let _ = today;
            vec![Effect::SaveDraft(Box::new(ws.wizard.draft.clone()))]
        } else {
            vec![]
        }
    }

    fn wizard_next(&mut self) -> Vec<Effect> {
        let lang = self.lang;
        let today = self.today;
        let Screen::Wizard(ws) = &mut self.screen else {
            return vec![];
        };
        commit_input(ws, lang);
        let was = ws.wizard.step();
        if was == Step::Review {
            let blockers = ws.wizard.blockers(Step::Review, today, lang);
            let save = Effect::SaveDraft(Box::new(ws.wizard.draft.clone()));
            let Some(b) = crate::wizard::first_blocker(blockers) else {
                return vec![save, Effect::Finish(Box::new(ws.wizard.clone()))];
            };
            ws.wizard.draft.step = b.step.index();
            ws.wizard.set_focus(b.focus);
            ws.input = focused_input(&ws.wizard);
            let fx = vec![
                Effect::SaveDraft(Box::new(ws.wizard.draft.clone())),
                Effect::Flush,
            ];
            let m = b.message.clone();
            let offer = b.offer;
            self.say(Level::Error, m);
            self.offer(offer);
            return fx;
        }
        let result = ws.wizard.next(today, lang);
        ws.input = focused_input(&ws.wizard);
        let fx = vec![
            Effect::SaveDraft(Box::new(ws.wizard.draft.clone())),
            Effect::Flush,
        ];
        match result {
            Ok(_) => self.message = None,
            Err(b) => {
                let missing = ws.wizard.missing_materials(today);
                let hint = if b.step == Step::Materials && !missing.is_empty() {
                    format!("{} — {}", b.message, tr(lang, "wizard.park_hint"))
                } else {
                    b.message
                };
                self.say(Level::Error, hint);
                self.offer(b.offer);
            }
        }
        fx
    }

    /// Asks whether to do service `offer` first, with the wizard's values
    /// carried over (W1 without a 12123 account offers U1). The wizard's
    /// draft was saved by the caller and stays on the home screen's list.
    fn offer(&mut self, offer: Option<&'static str>) {
        let Some(code) = offer else {
            return;
        };
        let Screen::Wizard(ws) = &self.screen else {
            return;
        };
        let Some(target) = self.catalog.get(code).filter(|s| s.offered) else {
            return;
        };
        let prefill = ws.wizard.carry_over(target);
        let name = match self.lang {
            Lang::Zh => target.name_zh.clone(),
            Lang::En => target.name_en.clone(),
        };
        self.overlay = Some(Overlay::Confirm(Confirm::Offer {
            service: code.to_string(),
            name,
            draft: ws.wizard.draft.number.clone(),
            prefill,
        }));
    }

    fn wizard_park(&mut self) -> Vec<Effect> {
        let lang = self.lang;
        let today = self.today;
        let Screen::Wizard(ws) = &mut self.screen else {
            return vec![];
        };
        commit_input(ws, lang);
        let slip = !ws.wizard.missing_materials(today).is_empty();
        let w = ws.wizard.clone();
        self.screen = Screen::Home { selected: 0 };
        vec![Effect::Park {
            wizard: Box::new(w),
            slip,
        }]
    }
}

/// Keys on the attachment input: a path typed or picked from the inbox
/// (Left/Right), Enter adds it, Backspace on an empty line removes the last
/// file. `None`: the key is not the input's (Tab, F10, Esc...).
fn attach_input(
    ws: &mut WizardScreen,
    input: &Input,
    action: Option<Action>,
    lang: Lang,
) -> Option<Vec<Effect>> {
    match (input, action) {
        (Input::Key(k), _) if k.code == KeyCode2::Enter => {
            let path = ws.attach.text.trim().to_string();
            if path.is_empty() {
                return None;
            }
            Some(vec![Effect::Attach {
                path,
                draft_id: ws.wizard.draft.id.clone(),
            }])
        }
        (_, Some(Action::OptionNext | Action::OptionPrev)) => {
            if ws.inbox.is_empty() {
                return Some(vec![Effect::ListInbox]);
            }
            let n = ws.inbox.len();
            let d = if action == Some(Action::OptionNext) {
                1
            } else {
                -1
            };
            let pos = ws.inbox_pos.map(|p| cycle(p, n, d)).unwrap_or(0);
            ws.inbox_pos = Some(pos);
            let p = ws.inbox[pos].display().to_string();
            ws.attach.set(&p);
            Some(vec![])
        }
        (Input::Backspace, _) if ws.attach.is_empty() => {
            let removed = ws.wizard.draft.attachments.pop()?;
            Some(vec![
                Effect::Detach(removed.path),
                Effect::SaveDraft(Box::new(ws.wizard.draft.clone())),
                Effect::Flush,
            ])
        }
        (Input::Key(_), _) => None,
        (other, _) => {
            edit(&mut ws.attach, other.clone(), lang);
            ws.inbox_pos = None;
            Some(vec![])
        }
    }
}

/// Moves a selection in a list of `n` by `delta`, wrapping; 0 for an empty list.
pub fn cycle(selected: usize, n: usize, delta: isize) -> usize {
    if n == 0 {
        return 0;
    }
    (selected as isize + delta).rem_euclid(n as isize) as usize
}

/// The input box for the wizard's focused text (field or nothing).
pub fn focused_input(w: &Wizard) -> LineInput {
    match w.step() {
        Step::Fields => w
            .service
            .fields
            .get(w.focus())
            .map(|f| LineInput::with_text(w.raw(&f.key), crate::wizard::field::MAX_FIELD_CHARS))
            .unwrap_or_default(),
        _ => LineInput::new(crate::wizard::field::MAX_FIELD_CHARS),
    }
}

/// Copies the focused input back into the draft.
fn commit_input(ws: &mut WizardScreen, _lang: Lang) {
    if ws.wizard.step() == Step::Fields {
        if let Some(f) = ws.wizard.service.fields.get(ws.wizard.focus()) {
            if !matches!(f.kind, FieldKind::Choice | FieldKind::YesNo) {
                let key = f.key.clone();
                let text = ws.input.text.clone();
                ws.wizard.set_raw(&key, &text);
            }
        }
    }
}

/// Applies an editing input to a line; true when a paste had to be cut.
pub(crate) fn edit(line: &mut LineInput, input: Input, _lang: Lang) -> bool {
    match input {
        Input::Char(c) => !line.insert(&c.to_string()),
        Input::Paste(s) => {
            // One line only: a pasted newline ends the text.
            let first = s.split(['\n', '\r']).next().unwrap_or("");
            !line.insert(first) || first.len() < s.trim_end().len()
        }
        Input::Backspace => {
            line.backspace();
            false
        }
        Input::Delete => {
            line.delete();
            false
        }
        Input::Home => {
            line.home();
            false
        }
        Input::End => {
            line.end();
            false
        }
        Input::Key(_) => false,
    }
}
