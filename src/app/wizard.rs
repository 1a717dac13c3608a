//! The wizard: fields, materials, fee, delivery, confirm, finish.

use crate::app::input::LineInput;
use crate::app::state::*;
use crate::app::update::{cycle, edit, Effect, Input};
use crate::catalog::FieldKind;
use crate::i18n::{fmt, tr, Lang};
use crate::keymap::{Action, Context, KeyCode2};
use crate::store::{Delivery, Payment};
use crate::wizard::{Step, Wizard};

impl App {
    pub(crate) fn on_wizard(&mut self, input: Input) -> Vec<Effect> {
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
            // Removing an attachment (Delete on an empty path, or Ctrl-X)
            // asks which file to remove (the last one first), naming it;
            // Backspace never removes a file. Delete on a typed path edits it.
            if action == Some(Action::RemoveAttachment)
                && (ws.attach.is_empty() || input != Input::Delete)
            {
                let Some(last) = ws.wizard.draft.attachments.len().checked_sub(1) else {
                    let text = tr(lang, "wizard.nothing_to_detach").to_string();
                    self.say(Level::Warn, text);
                    return vec![];
                };
                let name = ws.wizard.draft.attachments[last].name.clone();
                self.overlay = Some(Overlay::Confirm(Confirm::Detach { index: last, name }));
                return vec![];
            }
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
                    if ws.wizard.back(today) {
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
                Some(
                    Action::FocusNext
                    | Action::FocusPrev
                    | Action::Select
                    | Action::Down
                    | Action::Up,
                ) => {
                    commit_input(ws, lang);
                    let d = if matches!(action, Some(Action::FocusPrev | Action::Up)) {
                        -1
                    } else {
                        1
                    };
                    ws.wizard.move_focus(d, today);
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
                                    self.say(Level::Warn, text);
                                }
                                let Screen::Wizard(ws) = &mut self.screen else {
                                    return vec![];
                                };
                                ws.wizard.set_raw(&field.key, &ws.input.text.clone());
                                return vec![Effect::SaveDraft(Box::new(ws.wizard.draft.clone()))];
                            }
                        }
                    }
                }
            }
            Step::Materials => {
                if matches!(action, Some(Action::Toggle | Action::Tick)) {
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
                        if ems && ws.address.text.trim().is_empty() {
                            let typed = mailing_address(&ws.wizard);
                            ws.address.set(&typed);
                        }
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
                if action == Some(Action::Select) {
                    return self.wizard_next();
                }
            }
        }
        let Screen::Wizard(ws) = &mut self.screen else {
            return vec![];
        };
        if changed {
            vec![Effect::SaveDraft(Box::new(ws.wizard.draft.clone()))]
        } else {
            vec![]
        }
    }

    pub(crate) fn wizard_next(&mut self) -> Vec<Effect> {
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
        // The mailing address typed on step 1 is the EMS address's default.
        if ws.wizard.step() == Step::Payment && ws.address.text.trim().is_empty() {
            let typed = mailing_address(&ws.wizard);
            ws.address.set(&typed);
            if let Delivery::Ems { address } = &mut ws.wizard.draft.delivery {
                *address = typed;
            }
        }
        let fx = vec![
            Effect::SaveDraft(Box::new(ws.wizard.draft.clone())),
            Effect::Flush,
        ];
        match result {
            Ok(_) => self.message = None,
            Err(b) => {
                let missing = ws.wizard.missing_materials(today);
                let hint = if b.step == Step::Materials && !missing.is_empty() {
                    format!(
                        "{} — {}",
                        b.message,
                        fmt(
                            lang,
                            "wizard.park_hint",
                            &[("park", &self.keymap.short(Action::Park))]
                        )
                    )
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
    pub(crate) fn offer(&mut self, offer: Option<&'static str>) {
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

    pub(crate) fn wizard_park(&mut self) -> Vec<Effect> {
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
/// (Left/Right), Enter adds it (Delete on an empty line, handled by the
/// caller, asks which file to remove). `None`: the key is not the input's (Tab, F10, Esc...).
pub(crate) fn attach_input(
    ws: &mut WizardScreen,
    input: &Input,
    action: Option<Action>,
    lang: Lang,
) -> Option<Vec<Effect>> {
    match (input, action) {
        (Input::Key(_), Some(Action::Select)) => {
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
        (Input::Key(_), _) => None,
        (other, _) => {
            edit(&mut ws.attach, other.clone(), lang);
            ws.inbox_pos = None;
            Some(vec![])
        }
    }
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
pub(crate) fn commit_input(ws: &mut WizardScreen, _lang: Lang) {
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

impl App {
    /// The answer to [`Confirm::Detach`]: ←/→ choose another file (the
    /// question stays), yes removes the one named, anything else keeps all.
    pub(crate) fn on_detach_confirm(
        &mut self,
        index: usize,
        input: Input,
        action: Option<Action>,
    ) -> Vec<Effect> {
        let lang = self.lang;
        let yes = self.action_in(Context::Confirm, &input) == Some(Action::Confirm);
        let Screen::Wizard(ws) = &mut self.screen else {
            self.overlay = None;
            return vec![];
        };
        let files = &ws.wizard.draft.attachments;
        if matches!(action, Some(Action::OptionNext | Action::OptionPrev)) && !files.is_empty() {
            let d = if action == Some(Action::OptionNext) {
                1
            } else {
                -1
            };
            let index = cycle(index, files.len(), d);
            let name = files[index].name.clone();
            self.overlay = Some(Overlay::Confirm(Confirm::Detach { index, name }));
            return vec![];
        }
        self.overlay = None;
        if !yes || index >= files.len() {
            return vec![];
        }
        let removed = ws.wizard.draft.attachments.remove(index);
        // The draft stops pointing at the file before the file goes: a
        // crash in between leaves a spare file, never a missing one.
        let fx = vec![
            Effect::SaveDraft(Box::new(ws.wizard.draft.clone())),
            Effect::Flush,
            Effect::Detach(removed.path),
        ];
        self.say(
            Level::Info,
            fmt(lang, "wizard.detached", &[("name", &removed.name)]),
        );
        fx
    }
}

/// The mailing address typed among the service's fields (`address`), the
/// default of the EMS address; empty when there is none.
pub fn mailing_address(w: &Wizard) -> String {
    w.raw(MAILING_ADDRESS).trim().to_string()
}

/// The field key of the customer's mailing address.
pub const MAILING_ADDRESS: &str = "address";
