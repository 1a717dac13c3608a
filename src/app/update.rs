//! Input → state change → effects. No terminal and no store here: effects
//! are carried out by the runtime, which answers with a [`Msg`].

use crate::app::input::LineInput;
use crate::app::state::*;
use crate::i18n::{fmt, tr, Lang};
use crate::keymap::{Action, Context, Key, KeyCode2};
use crate::store::Delivery;

pub use crate::app::msg::{Effect, Input, Msg};
use crate::app::wizard::commit_input;
pub use crate::app::wizard::focused_input;

impl App {
    pub(crate) fn t(&self, key: &str) -> String {
        tr(self.lang, key).to_string()
    }

    pub fn say(&mut self, level: Level, text: String) {
        // A text made without the key map (a printer's error) names its
        // keys as `{action}`: the keys in force fill them.
        let text = crate::ui::widgets::fill_keys(&self.keymap, &text);
        self.message = Some((level, text));
    }

    pub(crate) fn go_home(&mut self) -> Vec<Effect> {
        self.screen = Screen::Home { selected: 0 };
        vec![Effect::LoadHome]
    }

    /// Applies a runtime report. A message on the status line that this
    /// report did not set is cleared if the report changed the screen. The
    /// screen is marked for redrawing only when the report changed
    /// something drawn (a relay pass that changes nothing, the same home
    /// data again: no redraw).
    pub fn on_msg(&mut self, msg: Msg) -> Vec<Effect> {
        let before = self.view_fingerprint();
        let mark = self.message_mark();
        let fx = self.apply_msg(msg);
        self.drop_stale_message(mark, false);
        if before.is_none() || self.view_fingerprint() != before {
            self.dirty = true;
        }
        fx
    }
    /// Where the status line's message stands before an input or report:
    /// the screen's kind and the message then.
    fn message_mark(&self) -> (std::mem::Discriminant<Screen>, Option<(Level, String)>) {
        (std::mem::discriminant(&self.screen), self.message.clone())
    }

    /// A message belongs to the screen and the action that caused it. One
    /// left unchanged by the input or report just handled goes when that
    /// changed the screen (the greeting does not follow onto the supervisor's
    /// screens, `已添加柜员 002` not onto the log-in screen) or when the input
    /// edited text (the clerk is correcting what the message was about, e.g.
    /// the second PIN after `两次输入的 PIN 不一致`).
    fn drop_stale_message(
        &mut self,
        (kind, message): (std::mem::Discriminant<Screen>, Option<(Level, String)>),
        edited: bool,
    ) {
        if message.is_none() || self.message != message {
            return;
        }
        if edited || std::mem::discriminant(&self.screen) != kind {
            self.message = None;
        }
    }

    fn apply_msg(&mut self, msg: Msg) -> Vec<Effect> {
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
            Msg::Opened(mut w) => {
                // A draft left on a step this service no longer shows (the
                // fee step of a free service, saved by an older version)
                // opens on the next one shown.
                while !w.shows(w.step(), self.today) && w.step() != crate::wizard::Step::Review {
                    w.draft.step += 1;
                    w.draft.focus = 0;
                }
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
                    ..Default::default()
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
                            ..Default::default()
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
            Msg::Shown {
                number,
                header,
                text,
            } => {
                self.screen = Screen::Receipt(ReceiptView {
                    title: fmt(self.lang, "find.shown_title", &[("number", &number)]),
                    text,
                    header,
                    reprint: Some(number),
                    ..Default::default()
                });
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
                    ..Default::default()
                });
                vec![]
            }
            Msg::Unlocked => {
                self.overlay = None;
                self.message = None;
                vec![]
            }
            Msg::Relay(ev) => self.on_relay(ev),
            Msg::Today(day) => {
                self.today = day;
                vec![]
            }
            Msg::Training => {
                self.training = true;
                vec![]
            }
            Msg::Remote => {
                // The bar's count on every screen, the list on the queue.
                let mut fx = vec![Effect::LoadHome];
                if matches!(self.screen, Screen::Queue(_)) {
                    fx.push(Effect::LoadQueue);
                }
                fx
            }
            other => self.on_admin_msg(other),
        }
    }

    pub(crate) fn on_relay(&mut self, ev: crate::sync::relay::RelayEvent) -> Vec<Effect> {
        use crate::sync::relay::RelayEvent;
        match ev {
            RelayEvent::Link(l) => self.sync.link = l,
            RelayEvent::Attachment { name, sent, total } => {
                self.sync.attachment = (sent < total).then_some((name, sent, total));
            }
            RelayEvent::Progress { .. } => return vec![],
            RelayEvent::Done(r) => {
                use crate::sync::relay::SyncErrorKind;
                if let Some(l) = r.link {
                    self.sync.link = l;
                }
                self.sync.next_try = r.next_try.filter(|_| r.pending > 0);
                self.sync.last_error = r.last_error.clone().or(r.refused.clone());
                self.sync.error = if r.refused.is_some() {
                    Some(SyncErrorKind::Refused)
                } else {
                    r.error_kind
                };
                self.sync.attachment = None;
                self.home.pending = r.pending;
                if let Some(why) = &r.refused {
                    // The status code for support; the hub's own English
                    // stays in the log.
                    let code = why.split(':').next().unwrap_or_default().to_string();
                    self.say(
                        Level::Error,
                        fmt(self.lang, "sync.refused", &[("why", &code)]),
                    );
                } else if self
                    .message
                    .as_ref()
                    .is_some_and(|(_, m)| *m == self.t("status.sending"))
                {
                    // "Sending…" is answered by how it went.
                    match (r.pending, self.sync.error) {
                        (0, _) => self.say(Level::Info, self.t("status.sent_all")),
                        (n, kind) => {
                            let why = match kind {
                                Some(k) => k.words(self.lang).to_string(),
                                None => self.t(self.sync.link.key()),
                            };
                            self.say(
                                Level::Warn,
                                fmt(self.lang, "status.sent_left", &[("n", &n), ("why", &why)]),
                            );
                        }
                    }
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

    /// Applies one input (and drops a message it made stale, see
    /// [`App::drop_stale_message`]).
    pub fn on_input(&mut self, input: Input) -> Vec<Effect> {
        let before = self.message_mark();
        let edited = matches!(
            input,
            Input::Char(_) | Input::Paste(_) | Input::Backspace | Input::Delete
        );
        let fx = self.apply_input(input);
        self.drop_stale_message(before, edited);
        fx
    }

    fn apply_input(&mut self, input: Input) -> Vec<Effect> {
        self.dirty = true;
        // Ctrl-C / Ctrl-Q: quit safely from anywhere but the lock screen;
        // in a wizard ask first (the draft is saved either way), and the
        // same key again on that question quits.
        if let Input::Key(k) = &input {
            if self.keymap.action(k) == Some(Action::Quit)
                && !matches!(self.overlay, Some(Overlay::Locked(_)))
            {
                let asked = matches!(self.overlay, Some(Overlay::Confirm(Confirm::Quit)));
                if matches!(self.screen, Screen::Wizard(_)) && !asked {
                    self.overlay = Some(Overlay::Confirm(Confirm::Quit));
                    let mut fx = self.save_wizard();
                    fx.push(Effect::Flush);
                    return fx;
                }
                return self.quit_safely();
            }
        }
        if let Some(overlay) = self.overlay.clone() {
            return self.on_overlay(overlay, input);
        }
        if let Input::Key(k) = &input {
            match self.keymap.action(k) {
                Some(Action::Help) => {
                    self.overlay = Some(Overlay::Help { page: 0 });
                    return vec![];
                }
                Some(Action::Lock) if self.user.is_some() => {
                    return self.lock();
                }
                // Log-out is a list key: in the wizard, say what to do first.
                Some(Action::Logout) if matches!(self.screen, Screen::Wizard(_)) => {
                    let park = self.keymap.short(Action::Park);
                    let msg = fmt(self.lang, "wizard.logout_first", &[("park", &park)]);
                    self.message = Some((Level::Warn, msg));
                    return vec![];
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

    pub(crate) fn quit_safely(&mut self) -> Vec<Effect> {
        let mut fx = self.save_wizard();
        fx.push(Effect::Flush);
        fx.push(Effect::Quit);
        self.quit = true;
        fx
    }

    pub(crate) fn save_wizard(&mut self) -> Vec<Effect> {
        match &mut self.screen {
            Screen::Wizard(ws) => {
                let lang = self.lang;
                commit_input(ws, lang);
                vec![Effect::SaveDraft(Box::new(ws.wizard.draft.clone()))]
            }
            _ => vec![],
        }
    }

    /// The action `input` asks for on a clerk's screen: the global, list
    /// and wizard keys together (home discards a draft with the wizard's
    /// key; a receipt goes on with its next key). An override that gives one
    /// key two of these actions is reported at start.
    pub(crate) fn action(&self, input: &Input) -> Option<Action> {
        self.keymap.action(&input_key(input)?)
    }

    /// The action `input` asks for in `ctx` (a typed letter as its key).
    pub(crate) fn action_in(&self, ctx: Context, input: &Input) -> Option<Action> {
        self.keymap.action_in(ctx, &input_key(input)?)
    }

    pub(crate) fn on_overlay(&mut self, overlay: Overlay, input: Input) -> Vec<Effect> {
        match overlay {
            // Down / PgDn and Up / PgUp turn the pages (the view clamps to
            // the last); any other key closes.
            Overlay::Help { page } => {
                self.overlay = match self.action_in(Context::List, &input) {
                    Some(Action::Down | Action::PageDown) => Some(Overlay::Help { page: page + 1 }),
                    Some(Action::Up | Action::PageUp) if page > 0 => {
                        Some(Overlay::Help { page: page - 1 })
                    }
                    Some(Action::Up | Action::PageUp) => Some(Overlay::Help { page }),
                    _ => None,
                };
                vec![]
            }
            Overlay::Confirm(Confirm::Detach { index, .. }) => {
                let action = self.action_in(Context::Wizard, &input);
                self.on_detach_confirm(index, input, action)
            }
            Overlay::Confirm(c) => {
                let yes = self.action_in(Context::Confirm, &input) == Some(Action::Confirm);
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
                    // Answered above.
                    Confirm::Detach { .. } => vec![],
                    Confirm::Void { number, reason, .. } => {
                        vec![Effect::VoidApp { number, reason }]
                    }
                    Confirm::Disable { id, .. } => vec![Effect::ToggleUser(id)],
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
                    Input::Key(k)
                        if self.keymap.action_in(Context::Form, &k) == Some(Action::Select) =>
                    {
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
}

/// The key an input stands for in the key map: a typed character is its
/// letter's key, Delete the Delete key (text editing keys have none).
pub(crate) fn input_key(input: &Input) -> Option<Key> {
    match input {
        Input::Key(k) => Some(*k),
        Input::Char(c) => Some(Key {
            code: KeyCode2::Char(c.to_ascii_lowercase()),
            ctrl: false,
        }),
        Input::Delete => Some(Key {
            code: KeyCode2::Delete,
            ctrl: false,
        }),
        _ => None,
    }
}

/// Moves a selection in a list of `n` by `delta`, wrapping; 0 for an empty list.
pub fn cycle(selected: usize, n: usize, delta: isize) -> usize {
    if n == 0 {
        return 0;
    }
    (selected as isize + delta).rem_euclid(n as isize) as usize
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
