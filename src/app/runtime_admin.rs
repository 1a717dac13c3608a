//! The runtime's side of the supervisor screens: reads and changes that
//! the store does, each audited.

use chrono::Duration;

use crate::app::runtime::{Ctx, Runtime};
use crate::app::state::{TallyView, VoidTarget};
use crate::app::update::{Effect, Msg};
use crate::auth;
use crate::i18n::{fmt, tr};
use crate::mask::escape_controls;
use crate::store::{Role, StoreError, User};

impl Runtime {
    pub(crate) fn run_admin(&mut self, app: &Ctx, fx: Effect) -> Option<Msg> {
        let lang = app.lang;
        let now = self.clock.now();
        let who = app.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
        let supervisor = app
            .user
            .as_ref()
            .is_some_and(|u| u.role == Role::Supervisor);
        // A refusal (no such application, already voided) is a warning in
        // words; anything else is a failure.
        let fail = |e: crate::store::StoreError| {
            Some(if e.is_refusal() {
                Msg::Warn(e.message(lang))
            } else {
                Msg::Failed(e.message(lang))
            })
        };
        // Everything but the queue and "send now" is for supervisors only.
        let needs_supervisor = !matches!(
            fx,
            Effect::LoadQueue
                | Effect::RetryQueue(_)
                | Effect::SendNow
                | Effect::Attach { .. }
                | Effect::ListInbox
                | Effect::Detach(_)
        );
        if needs_supervisor && !supervisor {
            return Some(Msg::Failed(tr(lang, "admin.supervisor_only").to_string()));
        }
        match fx {
            Effect::LoadTally(day) => {
                let tally = match self.store.day_tally(day) {
                    Ok(t) => t,
                    Err(e) => return fail(e),
                };
                let mut history = Vec::with_capacity(30);
                for back in (0..30).rev() {
                    let d = day - Duration::days(back);
                    match self.store.day_tally(d) {
                        Ok(t) => history.push((d, t.total)),
                        Err(e) => return fail(e),
                    }
                }
                Some(Msg::Tally(Box::new(TallyView {
                    day,
                    tally,
                    history,
                    reconcile: None,
                    scroll: 0,
                })))
            }
            Effect::LoadUsers => match self.store.users() {
                Ok(u) => Some(Msg::Users(u)),
                Err(e) => fail(e),
            },
            Effect::SaveUser {
                id,
                name,
                pin,
                supervisor,
            } => {
                match self.store.user(&id) {
                    Ok(Some(_)) => {
                        return Some(Msg::Failed(fmt(lang, "admin.user_exists", &[("id", &id)])))
                    }
                    Ok(None) => {}
                    Err(e) => return fail(e),
                }
                let pin_hash = match auth::hash_pin(&pin, &self.config.security) {
                    Ok(h) => h,
                    Err(e) => return Some(Msg::Failed(e.to_string())),
                };
                let user = User {
                    id: id.clone(),
                    name,
                    role: if supervisor {
                        Role::Supervisor
                    } else {
                        Role::Clerk
                    },
                    pin_hash,
                    disabled: false,
                    failures: 0,
                    locked_until: None,
                };
                let r = self
                    .store
                    .audit(now, &who, "user_add", &id)
                    .and_then(|_| self.store.put_user(&user));
                match r {
                    Ok(()) => Some(Msg::UserSaved(fmt(
                        lang,
                        "admin.user_added",
                        &[("id", &id)],
                    ))),
                    Err(e) => fail(e),
                }
            }
            Effect::ResetPin { id, pin } => {
                let mut user = match self.store.user(&id) {
                    Ok(Some(u)) => u,
                    Ok(None) => {
                        return Some(Msg::Failed(fmt(lang, "admin.no_user", &[("id", &id)])))
                    }
                    Err(e) => return fail(e),
                };
                user.pin_hash = match auth::hash_pin(&pin, &self.config.security) {
                    Ok(h) => h,
                    Err(e) => return Some(Msg::Failed(e.to_string())),
                };
                user.failures = 0;
                user.locked_until = None;
                let r = self
                    .store
                    .audit(now, &who, "pin_reset", &id)
                    .and_then(|_| self.store.put_user(&user));
                match r {
                    Ok(()) => Some(Msg::UserSaved(fmt(lang, "admin.pin_reset", &[("id", &id)]))),
                    Err(e) => fail(e),
                }
            }
            Effect::ToggleUser(id) => {
                let mut user = match self.store.user(&id) {
                    Ok(Some(u)) => u,
                    Ok(None) => {
                        return Some(Msg::Failed(fmt(lang, "admin.no_user", &[("id", &id)])))
                    }
                    Err(e) => return fail(e),
                };
                user.disabled = !user.disabled;
                let what = if user.disabled {
                    "user_disable"
                } else {
                    "user_enable"
                };
                let r = self
                    .store
                    .audit(now, &who, what, &id)
                    .and_then(|_| self.store.put_user(&user));
                match r {
                    Ok(()) => {
                        let key = if user.disabled {
                            "admin.disabled"
                        } else {
                            "admin.enabled"
                        };
                        Some(Msg::UserSaved(fmt(lang, key, &[("id", &id)])))
                    }
                    Err(e) => fail(e),
                }
            }
            Effect::VoidApp { number, reason } => {
                match self.store.void(&number, &reason, &who, now) {
                    Ok(a) => {
                        crate::log::info(&format!("void {} by {who}", a.number));
                        self.wake_relay();
                        Some(Msg::Voided(fmt(
                            lang,
                            "admin.voided",
                            &[("number", &a.number)],
                        )))
                    }
                    Err(e) => fail(e),
                }
            }
            Effect::LoadVoidable => match self.store.applications_on(self.clock.today()) {
                Ok(apps) => {
                    let mut recent: Vec<VoidTarget> = apps
                        .iter()
                        .filter(|a| a.void.is_none())
                        .map(VoidTarget::of)
                        .collect();
                    recent.sort_by(|a, b| {
                        (b.finished_at, &b.number).cmp(&(a.finished_at, &a.number))
                    });
                    Some(Msg::Voidable(recent))
                }
                Err(e) => fail(e),
            },
            Effect::LookupVoid(number) => match self.store.application(&number) {
                Ok(Some(a)) if a.void.is_some() => fail(StoreError::AlreadyVoided(a.number)),
                Ok(Some(a)) => Some(Msg::VoidTarget(VoidTarget::of(&a))),
                Ok(None) => fail(StoreError::NotFound(escape_controls(&number))),
                Err(e) => fail(e),
            },
            // Who looked is written before the log is shown.
            Effect::LoadAudit => match self
                .store
                .audit(now, &who, "audit_view", "")
                .and_then(|_| self.store.audit_tail(500))
            {
                Ok(entries) => {
                    let reasons = crate::audit_log::void_reasons(&self.store, &entries);
                    Some(Msg::Audit(entries, reasons))
                }
                Err(e) => fail(e),
            },
            Effect::LoadQueue => match self.store.queue() {
                Ok(q) => Some(Msg::Queue(q)),
                Err(e) => fail(e),
            },
            Effect::RetryQueue(key) => match self.store.retry(&key) {
                Ok(_) => {
                    self.wake_relay();
                    self.store
                        .audit(now, &who, "queue_retry", &key)
                        .err()
                        .and_then(fail)
                }
                Err(e) => fail(e),
            },
            Effect::QuarantineQueue(key) => {
                match self.store.quarantine(&key, tr(lang, "queue.by_support")) {
                    Ok(_) => self
                        .store
                        .audit(now, &who, "queue_quarantine", &key)
                        .err()
                        .and_then(fail),
                    Err(e) => fail(e),
                }
            }
            Effect::SendNow => {
                if self.wake_relay() {
                    Some(Msg::Info(tr(lang, "status.sending").to_string()))
                } else {
                    Some(Msg::Warn(tr(lang, "status.no_hub_long").to_string()))
                }
            }
            Effect::Reconcile(day) => {
                let branch = app
                    .branch
                    .as_ref()
                    .map(|b| b.code.clone())
                    .unwrap_or_default();
                let cfg = match crate::sync::relay::client_config(&self.config, &branch) {
                    Ok(Some(c)) if !self.training => c,
                    Ok(_) => return Some(Msg::Warn(tr(lang, "status.no_hub_long").to_string())),
                    Err(e) => return Some(Msg::Failed(fmt(lang, "sync.token", &[("error", &e)]))),
                };
                let store = self.store.clone();
                let job = move || -> Msg {
                    let result = crate::sync::client::HubClient::new(cfg)
                        .map_err(crate::reconcile::ReconcileError::from)
                        .and_then(|c| crate::reconcile::reconcile(&store, &c, day, day));
                    match result {
                        Ok(r) => Msg::Reconciled(crate::reconcile::lines(&r, lang)),
                        Err(e) => {
                            crate::log::warn(&format!("reconcile: {e}"));
                            Msg::Failed(fmt(
                                lang,
                                "reconcile.need_hub",
                                &[("error", &e.message(lang))],
                            ))
                        }
                    }
                };
                // Over a slow link this takes a while: never on the UI thread.
                match self.ui.clone() {
                    Some(sink) => {
                        std::thread::spawn(move || sink(job()));
                        Some(Msg::Info(fmt(lang, "reconcile.running", &[("date", &day)])))
                    }
                    None => Some(job()),
                }
            }
            Effect::Attach { path, draft_id } => {
                let max = self.config.attachments.max_kib.saturating_mul(1024);
                match crate::attach::keep(
                    std::path::Path::new(&path),
                    &self.data_dir,
                    &draft_id,
                    max,
                ) {
                    Ok(file) => Some(Msg::Attached(file)),
                    Err(e) => Some(Msg::Failed(e.message(lang))),
                }
            }
            Effect::ListInbox => match &self.config.attachments.inbox {
                Some(dir) => Some(Msg::Inbox(crate::attach::inbox_files(dir))),
                None => Some(Msg::Warn(tr(lang, "wizard.no_inbox").to_string())),
            },
            Effect::Detach(rel) => {
                // Only files inside the data dir's attachments are ever removed.
                if rel.starts_with("attachments/") && !rel.contains("..") {
                    // The draft no longer points at it: a file left behind
                    // is only space, but support should know.
                    if let Err(e) = std::fs::remove_file(self.data_dir.join(&rel)) {
                        if e.kind() != std::io::ErrorKind::NotFound {
                            crate::log::warn(&format!("removing attachment {rel}: {e}"));
                        }
                    }
                }
                None
            }
            _ => None,
        }
    }
}
