//! Carries out effects against the store and the printer, and reports back.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::sync::Arc;

use crate::app::state::{App, HomeData};
use crate::app::update::{Effect, Msg};
use crate::auth::{self, LoginOutcome};
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::config::Config;
use crate::i18n::{fmt, tr, Lang};
use crate::store::{Branch, Draft, Role, Store, User};
use crate::wizard::Wizard;
use crate::{mask, paths, receipt};

/// The training branch and clerk that a training store opens with.
pub const TRAINING_BRANCH: &str = "PX";
pub const TRAINING_CLERK: &str = "T01";
pub const TRAINING_PIN: &str = "0000";

/// The relay thread's handle, shared with the control socket's handler.
pub type RelaySlot = std::sync::Arc<std::sync::Mutex<Option<crate::sync::relay::RelayHandle>>>;

/// Where background work reports (the UI loop's channel): relay events,
/// reconciliation results.
pub type UiSink = std::sync::Arc<dyn Fn(Msg) + Send + Sync>;

/// What the runtime knows of the session, copied from `App` and sent
/// along with each effect: the runtime never sees `App` itself.
#[derive(Debug, Clone)]
pub struct Session {
    pub lang: Lang,
    pub user: Option<User>,
    pub branch: Option<Branch>,
}

/// The session and the catalog, as an effect sees them.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<User>,
    pub branch: Option<Branch>,
    pub catalog: Arc<Catalog>,
}

impl App {
    /// The part of the state that effects need, for the runtime.
    pub fn session(&self) -> Session {
        Session {
            lang: self.lang,
            user: self.user.clone(),
            branch: self.branch.clone(),
        }
    }
}

/// Owns the store and carries out effects (on the worker thread while the
/// TUI runs, inline in tests). It never touches `App`: what it learns (the
/// date, the link, a training store) goes back as messages.
pub struct Runtime {
    /// The upload relay, once it runs.
    pub relay: RelaySlot,
    /// Set by the terminal loop; without it no relay is started and
    /// background work runs inline.
    pub ui: Option<UiSink>,
    pub store: Store,
    pub data_dir: PathBuf,
    pub training: bool,
    pub config: Config,
    pub clock: Clock,
    /// When unflushed draft writes must be flushed at the latest.
    pub flush_due: Option<Instant>,
    /// The services, for effects that open or print a draft.
    pub catalog: Arc<Catalog>,
    /// The date last reported to the UI.
    reported_today: Option<chrono::NaiveDate>,
    /// Messages an effect produced besides its answer (link, date, …),
    /// delivered before it.
    notes: Vec<Msg>,
}

/// Why a log-in (or unlock) was refused, for the person at the counter.
fn refusal(outcome: &LoginOutcome, lang: Lang) -> String {
    match outcome {
        LoginOutcome::WrongPin { left } => fmt(lang, "login.wrong_left", &[("left", left)]),
        LoginOutcome::Locked { until } => {
            fmt(lang, "login.locked", &[("until", &until.format("%H:%M"))])
        }
        LoginOutcome::Disabled => tr(lang, "login.disabled").to_string(),
        LoginOutcome::Ok => String::new(),
    }
}

/// Writes `text` to `dir/name` (creating the dir); the path on success.
fn write_text(dir: &Path, name: &str, text: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

impl Runtime {
    /// A runtime over `store` (no relay, no UI loop yet).
    pub fn new(
        store: Store,
        data_dir: PathBuf,
        training: bool,
        config: Config,
        clock: Clock,
        catalog: Arc<Catalog>,
    ) -> Runtime {
        Runtime {
            relay: RelaySlot::default(),
            ui: None,
            store,
            data_dir,
            training,
            config,
            clock,
            flush_due: None,
            catalog,
            reported_today: None,
            notes: Vec::new(),
        }
    }

    /// Carries out one effect for `session`: the messages to apply, in
    /// order. The one entry point, for the worker loop and for tests.
    pub fn handle(&mut self, session: &Session, fx: Effect) -> Vec<Msg> {
        let today = self.clock.today();
        if self.reported_today != Some(today) {
            self.reported_today = Some(today);
            self.notes.push(Msg::Today(today));
        }
        let cx = Ctx {
            lang: session.lang,
            user: session.user.clone(),
            branch: session.branch.clone(),
            catalog: self.catalog.clone(),
        };
        let answer = self.run(&cx, fx);
        let mut out = std::mem::take(&mut self.notes);
        out.extend(answer);
        out
    }

    /// Starts the upload relay for `branch` if a hub is configured and this
    /// is not a training store. The link state to show, or `None` when a
    /// relay runs already (its own reports keep the state).
    pub fn start_relay(&mut self, branch: &Branch) -> Option<crate::sync::relay::LinkState> {
        use crate::sync::relay::{self, LinkState};
        if self.training || branch.training {
            return Some(LinkState::NoHub);
        }
        if self.relay.lock().map(|r| r.is_some()).unwrap_or(false) {
            return None;
        }
        let Some(sink) = self.ui.clone() else {
            return Some(LinkState::NoHub);
        };
        let config = match relay::client_config(&self.config, &branch.code) {
            Ok(Some(c)) => c,
            Ok(None) => return Some(LinkState::NoHub),
            Err(e) => {
                crate::log::warn(&format!("hub token: {e}"));
                return Some(LinkState::Refused);
            }
        };
        let client = match crate::sync::client::HubClient::new(config) {
            Ok(c) => c,
            Err(e) => {
                crate::log::warn(&format!("hub client: {e}"));
                return Some(LinkState::Offline);
            }
        };
        let handle = relay::spawn(
            self.store.clone(),
            client,
            relay::Settings::from_config(&self.config),
            self.clock,
            self.data_dir.clone(),
            move |ev| sink(Msg::Relay(ev)),
        );
        if let Ok(mut slot) = self.relay.lock() {
            *slot = Some(handle);
        }
        Some(LinkState::Unknown)
    }

    /// Starts the relay and notes the link state it gives, if any.
    fn start_relay_noted(&mut self, branch: &Branch) {
        if let Some(link) = self.start_relay(branch) {
            self.notes
                .push(Msg::Relay(crate::sync::relay::RelayEvent::Link(link)));
        }
    }

    /// Wakes the relay ("send now", ignoring the backoff); false when none runs.
    pub fn wake_relay(&self) -> bool {
        self.wake_relay_with(crate::sync::relay::Wake::Now)
    }

    /// Wakes the relay for what is due now (a new finish, a retried
    /// entry), keeping the backoff of the rest; false when none runs.
    pub fn wake_relay_due(&self) -> bool {
        self.wake_relay_with(crate::sync::relay::Wake::Due)
    }

    fn wake_relay_with(&self, wake: crate::sync::relay::Wake) -> bool {
        match self.relay.lock().ok().and_then(|r| r.clone()) {
            Some(h) => h.wake.send(wake).is_ok(),
            None => false,
        }
    }

    fn lang(&self, app: &Ctx) -> Lang {
        app.lang
    }

    /// A refusal (not there, already done) is a warning in words; anything
    /// else a failure.
    fn store_err(&self, lang: Lang, e: crate::store::StoreError) -> Msg {
        if e.is_refusal() {
            Msg::Warn(e.message(lang))
        } else {
            Msg::Failed(e.message(lang))
        }
    }

    /// Flushes draft writes if their second is up.
    pub fn flush_if_due(&mut self, now: Instant) -> Option<Msg> {
        match self.flush_due {
            Some(due) if now >= due => {
                self.flush_due = None;
                self.store
                    .flush()
                    .err()
                    .map(|e| Msg::Failed(e.message(Lang::Zh)))
            }
            _ => None,
        }
    }

    /// Carries out one effect (see [`Runtime::handle`]).
    fn run(&mut self, app: &Ctx, fx: Effect) -> Option<Msg> {
        let lang = self.lang(app);
        let now = self.clock.now();
        let today = self.clock.today();
        match fx {
            Effect::Setup {
                branch,
                id,
                name,
                pin,
            } => {
                let hash = match auth::hash_pin(&pin, &self.config.security) {
                    Ok(h) => h,
                    Err(e) => return Some(Msg::Failed(e.to_string())),
                };
                let user = User {
                    id: id.clone(),
                    name,
                    role: Role::Supervisor,
                    pin_hash: hash,
                    disabled: false,
                    failures: 0,
                    locked_until: None,
                };
                let r = self
                    .store
                    .put_user(&user)
                    .and_then(|_| self.store.audit(now, &id, "setup", &branch.code))
                    .and_then(|_| self.store.set_branch(&branch));
                Some(match r {
                    Ok(()) => {
                        self.start_relay_noted(&branch);
                        Msg::Ready { branch, user }
                    }
                    Err(e) => self.store_err(lang, e),
                })
            }
            Effect::StartTraining => {
                let dir = paths::store_dir(&self.data_dir, true);
                // Open the training store first, so a failure leaves the real one in use.
                match Store::open(&dir, self.config.store.cache_mib)
                    .map(|s| s.with_reserve_mib(self.config.store.reserve_mib))
                {
                    Ok(store) => {
                        self.store = store;
                        self.training = true;
                        self.notes.push(Msg::Training);
                        match prepare_training(&self.store, &self.config, &self.clock) {
                            Ok((branch, user)) => Some(Msg::Ready { branch, user }),
                            Err(e) => Some(self.store_err(lang, e)),
                        }
                    }
                    Err(e) => Some(self.store_err(lang, e)),
                }
            }
            Effect::Login { id, pin } => {
                let mut user = match self.store.user(&id) {
                    Ok(Some(u)) => u,
                    Ok(None) => {
                        // As long as a wrong PIN takes, and the same words:
                        // the screen does not tell which clerk IDs exist.
                        drop(auth::hash_pin(&pin, &self.config.security));
                        return Some(Msg::Failed(tr(lang, "login.wrong").to_string()));
                    }
                    Err(e) => return Some(self.store_err(lang, e)),
                };
                let outcome = auth::attempt(&mut user, &pin, now, &self.config.security);
                let what = if outcome == LoginOutcome::Ok {
                    "login"
                } else {
                    "login_failed"
                };
                let saved = self
                    .store
                    .audit(now, &id, what, "")
                    .and_then(|_| self.store.put_user(&user));
                if let Err(e) = saved {
                    return Some(self.store_err(lang, e));
                }
                Some(match outcome {
                    LoginOutcome::Ok => match self.store.branch() {
                        Ok(Some(branch)) => {
                            self.start_relay_noted(&branch);
                            Msg::Ready { branch, user }
                        }
                        Ok(None) => Msg::Failed(tr(lang, "login.no_branch").to_string()),
                        Err(e) => self.store_err(lang, e),
                    },
                    // Why an account is refused (locked, disabled) only to
                    // someone who knows its PIN; anyone else hears what an
                    // unknown ID hears.
                    refused @ (LoginOutcome::Locked { .. } | LoginOutcome::Disabled)
                        if auth::verify_pin(&pin, &user.pin_hash) =>
                    {
                        Msg::Failed(refusal(&refused, lang))
                    }
                    _ => Msg::Failed(tr(lang, "login.wrong").to_string()),
                })
            }
            Effect::Unlock { pin } => {
                let Some(current) = app.user.clone() else {
                    return Some(Msg::Unlocked);
                };
                let mut user = match self.store.user(&current.id) {
                    Ok(Some(u)) => u,
                    Ok(None) => current,
                    Err(e) => return Some(self.store_err(lang, e)),
                };
                let outcome = auth::attempt(&mut user, &pin, now, &self.config.security);
                if let Err(e) = self.store.put_user(&user) {
                    return Some(self.store_err(lang, e));
                }
                Some(match outcome {
                    LoginOutcome::Ok => Msg::Unlocked,
                    refused => Msg::Failed(refusal(&refused, lang)),
                })
            }
            Effect::LoadHome => Some(match self.home_data(app) {
                Ok(h) => Msg::Home(h),
                Err(e) => self.store_err(lang, e),
            }),
            Effect::NewDraft { service, prefill } => {
                let Some(svc) = app.catalog.get(&service).cloned() else {
                    return Some(Msg::Failed(service));
                };
                let clerk = app.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
                let number = match self.store.next_draft_number(today) {
                    Ok(n) => n,
                    Err(e) => return Some(self.store_err(lang, e)),
                };
                let mut draft = Draft::new(number, &svc.code, &clerk, now);
                draft.values = prefill;
                let r = self
                    .store
                    .save_draft(&draft)
                    .and_then(|_| self.store.flush());
                Some(match r {
                    Ok(()) => Msg::Opened(Box::new(Wizard::new(svc, draft))),
                    Err(e) => self.store_err(lang, e),
                })
            }
            Effect::OpenDraft { number } => match self.store.draft(&number) {
                Ok(Some(d)) => match app.catalog.get(&d.service) {
                    Some(svc) => Some(Msg::Opened(Box::new(Wizard::new(svc.clone(), d)))),
                    None => Some(Msg::Failed(fmt(
                        lang,
                        "home.service_gone",
                        &[("code", &d.service)],
                    ))),
                },
                Ok(None) => Some(Msg::Failed(fmt(
                    lang,
                    "home.no_draft",
                    &[("number", &number)],
                ))),
                Err(e) => Some(self.store_err(lang, e)),
            },
            Effect::SaveDraft(mut d) => {
                d.updated = now;
                if let Err(e) = self.store.save_draft(&d) {
                    return Some(self.store_err(lang, e));
                }
                if self.flush_due.is_none() {
                    self.flush_due = Some(Instant::now() + Duration::from_millis(900));
                }
                None
            }
            Effect::Flush | Effect::Quit => {
                self.flush_due = None;
                self.store.flush().err().map(|e| self.store_err(lang, e))
            }
            Effect::Finish(w) => Some(self.finish(app, &w)),
            Effect::Park { wizard, slip } => {
                let mut d = wizard.draft.clone();
                d.updated = now;
                let r = self.store.park_draft(&d);
                self.flush_due = None;
                if let Err(e) = r {
                    return Some(self.store_err(lang, e));
                }
                let slip = if slip {
                    let branch = app.branch.clone().unwrap_or_else(|| Branch {
                        code: String::new(),
                        name: String::new(),
                        training: self.training,
                        generated: false,
                    });
                    let w = Wizard::new(wizard.service.clone(), d.clone());
                    let text = receipt::slip(&w, &branch, &self.config.ui.hours, today, lang);
                    let file = write_text(
                        &paths::receipts_dir(&self.data_dir, self.training),
                        &format!("slip-{}.txt", d.number),
                        &text,
                    )
                    .ok();
                    // A failure reaches the clerk through the UI loop (and
                    // is logged); the draft is parked either way.
                    self.print(lang, &text, &d.clerk, &d.number);
                    Some((text, file))
                } else {
                    None
                };
                Some(Msg::Parked {
                    number: d.number,
                    slip,
                })
            }
            Effect::Discard(number) => {
                let who = app.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
                if let Ok(Some(d)) = self.store.draft(&number) {
                    crate::attach::remove_draft_files(&self.data_dir, &d.id);
                }
                let r = self.store.discard_draft(&number, &who, now);
                Some(match r {
                    Ok(()) => Msg::Info(fmt(lang, "home.discarded", &[("number", &number)])),
                    Err(e) => self.store_err(lang, e),
                })
            }
            Effect::FindDrafts(q) => Some(
                match self.store.find_drafts(&q).and_then(|d| {
                    let since = self.config.retention.id_since(self.clock.today());
                    Ok((d, self.store.find_applications(&q, since)?))
                }) {
                    Ok((drafts, apps)) => Msg::Found(drafts, apps),
                    Err(e) => self.store_err(lang, e),
                },
            ),
            Effect::ShowApp(number) => Some(match self.shown(app, &number) {
                Ok(Some((header, text))) => Msg::Shown {
                    number,
                    header,
                    text,
                },
                Ok(None) => Msg::Failed(fmt(lang, "find.gone", &[("number", &number)])),
                Err(e) => self.store_err(lang, e),
            }),
            Effect::Reprint(number) => Some(match self.shown(app, &number) {
                // A service no longer in the catalogue has no receipt to print.
                Ok(Some((_, text))) if text.is_empty() => {
                    Msg::Failed(fmt(lang, "find.no_receipt", &[("number", &number)]))
                }
                Ok(Some((_, text))) => {
                    let who = app.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
                    match self.print_as(lang, &text, &who, "reprint", &number) {
                        Some(Ok(target)) => {
                            Msg::Info(fmt(lang, "print.sent", &[("target", &target)]))
                        }
                        Some(Err(m)) => Msg::Failed(m),
                        None => Msg::Warn(tr(lang, "find.no_printer").to_string()),
                    }
                }
                Ok(None) => Msg::Failed(fmt(lang, "find.gone", &[("number", &number)])),
                Err(e) => self.store_err(lang, e),
            }),
            Effect::LoadCorrections => {
                let supervisor = app
                    .user
                    .as_ref()
                    .is_some_and(|u| u.role == crate::store::Role::Supervisor);
                let items = self.store.corrections();
                let overdue = if supervisor {
                    crate::overdue::overdue(&self.store, &app.catalog, self.clock.today())
                } else {
                    Ok(Vec::new())
                };
                Some(match items.and_then(|i| Ok((i, overdue?))) {
                    Ok((items, overdue)) => Msg::Corrections { items, overdue },
                    Err(e) => self.store_err(lang, e),
                })
            }
            Effect::CorrectionSlip(number) => {
                let found = match self.store.corrections() {
                    Ok(c) => c.into_iter().find(|f| f.app.number == number),
                    Err(e) => return Some(self.store_err(lang, e)),
                };
                let found = found?;
                let branch = app.branch.clone().unwrap_or_else(|| Branch {
                    code: String::new(),
                    name: String::new(),
                    training: self.training,
                    generated: false,
                });
                let text = receipt::correction_slip(
                    &found,
                    app.catalog.get(&found.app.service),
                    &branch,
                    &self.config.ui.hours,
                    lang,
                );
                let file = write_text(
                    &paths::receipts_dir(&self.data_dir, self.training),
                    &format!("correction-{number}.txt"),
                    &text,
                )
                .ok();
                let who = app.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
                self.print(lang, &text, &who, &number);
                Some(Msg::CorrectionSlip { number, text, file })
            }
            Effect::Print { text, what } => {
                let who = app.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
                Some(match self.print(lang, &text, &who, &what) {
                    Some(Ok(target)) => Msg::Info(fmt(lang, "print.sent", &[("target", &target)])),
                    Some(Err(m)) => Msg::Failed(m),
                    None => Msg::Warn(tr(lang, "receipt.no_printer").to_string()),
                })
            }
            Effect::Logout { who } => {
                // The audit line is journaled (durable on return); one
                // that cannot be written is said, not dropped.
                self.store
                    .audit(now, &who, "logout", "")
                    .err()
                    .map(|e| self.store_err(lang, e))
            }
            Effect::StartRelay => {
                if let Some(branch) = &app.branch {
                    self.start_relay_noted(branch);
                }
                None
            }
            other => self.run_admin(app, other),
        }
    }

    fn home_data(&self, app: &Ctx) -> crate::store::Result<HomeData> {
        let today = self.clock.today();
        let day = self.store.day_tally(today)?;
        let clerk = app.user.as_ref().map(|u| u.id.as_str()).unwrap_or("");
        Ok(HomeData {
            clerk_count: day.by_clerk.get(clerk).copied().unwrap_or(0),
            clerk_fen: day.fees_by_clerk.get(clerk).copied().unwrap_or(0),
            day_total: day.total,
            drafts: self.store.drafts()?,
            pending: self.store.pending_count()?,
            hub_configured: !self.training && self.config.hub.url.is_some(),
            last_backup: self.store.last_backup()?,
            reviews: self.store.review_counts(today)?,
            overdue: if app
                .user
                .as_ref()
                .is_some_and(|u| u.role == crate::store::Role::Supervisor)
            {
                Some(crate::overdue::overdue(&self.store, &app.catalog, today)?.len())
            } else {
                None
            },
        })
    }

    fn finish(&mut self, app: &Ctx, w: &Wizard) -> Msg {
        let lang = app.lang;
        let now = self.clock.now();
        let today = self.clock.today();
        let Some(branch) = app.branch.clone() else {
            return Msg::Failed(tr(lang, "login.no_branch").to_string());
        };
        let mut new = match w.finish(now, today, lang, true) {
            Ok(n) => n,
            Err(b) => return Msg::Failed(b.first().map(|b| b.message.clone()).unwrap_or_default()),
        };
        new.generated = self.training || w.draft.generated;
        let stored = match self.store.finish(&branch, new) {
            Ok(a) => a,
            Err(e) => return self.store_err(lang, e),
        };
        self.flush_due = None;
        // Sent at once, not at the relay's next round.
        self.wake_relay_due();
        let clerk_name = app
            .user
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let text = receipt::receipt(&stored, &w.service, &branch, &clerk_name, lang);
        let file = write_text(
            &paths::receipts_dir(&self.data_dir, self.training),
            &format!("{}.txt", stored.number),
            &text,
        )
        .map_err(|e| crate::log::warn(&format!("receipt {}: not written: {e}", stored.number)))
        .ok();
        // Without the UI loop a failure here is only logged: the receipt
        // screen comes next either way, and F5 prints again.
        self.print(lang, &text, &stored.clerk, &stored.number);
        Msg::Finished {
            app: Box::new(stored),
            receipt: text,
            file,
        }
    }

    /// A finished application read-only: its state lines (service, masked
    /// customer, fee, date, state, the office's review) and its receipt as
    /// a reprint. `None`: no application has this number.
    fn shown(
        &self,
        app: &Ctx,
        number: &str,
    ) -> crate::store::Result<Option<(Vec<String>, String)>> {
        let lang = app.lang;
        let Some(found) = self
            .store
            .find_applications(number, self.config.retention.id_since(self.clock.today()))?
            .into_iter()
            .find(|f| f.app.number == number)
        else {
            return Ok(None);
        };
        let a = &found.app;
        let Some(branch) = app.branch.clone() else {
            return Ok(None);
        };
        let service = app.catalog.get(&a.service).cloned();
        let clerk_name = self
            .store
            .user(&a.clerk)?
            .map(|u| u.name)
            .unwrap_or_default();
        let name = service
            .as_ref()
            .map(|s| s.name(lang).to_string())
            .unwrap_or_else(|| a.service.clone());
        let customer = [
            a.values.get("owner_name").map(|v| mask::name(v)),
            a.values.get("id_number").map(|v| mask::id_number(v)),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let fee = match a.payment {
            Some(p) if a.fee_total_fen > 0 => fmt(
                lang,
                "receipt.total",
                &[
                    ("amount", &crate::wizard::field::yuan(a.fee_total_fen)),
                    ("method", &receipt::payment_label(p, lang)),
                ],
            ),
            _ => tr(lang, "receipt.free").to_string(),
        };
        let state = match &a.void {
            Some(v) => fmt(
                lang,
                "find.voided",
                &[("reason", &mask::escape_controls(&v.reason))],
            ),
            None => tr(lang, "find.valid").to_string(),
        };
        let mut header = vec![
            fmt(lang, "receipt.service", &[("service", &name)]),
            fmt(lang, "find.customer", &[("customer", &customer)]),
            fee,
            fmt(
                lang,
                "find.date",
                &[("time", &a.finished_at.format("%Y-%m-%d %H:%M"))],
            ),
            fmt(lang, "find.state", &[("state", &state)]),
            fmt(
                lang,
                "find.review",
                &[("state", &crate::cli::find::state_label(lang, found.state))],
            ),
        ];
        // The office's answers, oldest first, with their notes and results.
        for c in found.review.iter().flat_map(|r| r.history.iter()) {
            let at = chrono::DateTime::parse_from_rfc3339(&c.at)
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|_| mask::escape_controls(&c.at));
            let text = c.note.as_deref().or(c.result.as_deref()).unwrap_or("");
            header.push(format!(
                "  {at}  {}  {}",
                crate::cli::find::state_label(lang, Some(c.state)),
                mask::escape_controls(text)
            ));
        }
        let text = match &service {
            Some(s) => receipt::reprint(a, s, &branch, &clerk_name, lang, self.clock.now()),
            None => String::new(),
        };
        Ok(Some((header, text)))
    }

    /// Sends text to the configured printer (audited as a print of `what`
    /// by `who`). With the UI loop running the printer is waited for on a
    /// thread, and a failure is logged and reported to the clerk in `lang`;
    /// without it (tests) it is waited for here. `None`: no printer is
    /// configured; else the target, or why it failed here.
    fn print(
        &self,
        lang: Lang,
        text: &str,
        who: &str,
        what: &str,
    ) -> Option<Result<String, String>> {
        self.print_as(lang, text, who, "print", what)
    }

    /// Prints `text`, audited as `action` (`print`, `reprint`) of `what`.
    fn print_as(
        &self,
        lang: Lang,
        text: &str,
        who: &str,
        action: &str,
        what: &str,
    ) -> Option<Result<String, String>> {
        let target = crate::printer::Target::of(&self.config.print)?;
        if let Err(e) = self.store.audit(self.clock.now(), who, action, what) {
            crate::log::warn(&format!("audit of a print: {e}"));
        }
        let bytes = crate::printer::render(text, &self.config.print);
        let shown = target.describe();
        let send = move || {
            crate::printer::send(&target, &bytes, crate::printer::COMMAND_TIMEOUT).map_err(|e| {
                crate::log::warn(&format!("print: {e}"));
                e.message(lang)
            })
        };
        match self.ui.clone() {
            // The printer may be slow: never block the counter on it.
            Some(sink) => {
                std::thread::spawn(move || {
                    if let Err(m) = send() {
                        sink(Msg::Failed(m));
                    }
                });
                Some(Ok(shown))
            }
            None => Some(send().map(|()| shown)),
        }
    }
}

/// A training store opens straight to work: its branch, a clerk with a
/// known PIN, and a few example drafts.
pub fn prepare_training(
    store: &Store,
    config: &Config,
    clock: &Clock,
) -> crate::store::Result<(Branch, User)> {
    let branch = match store.branch()? {
        Some(b) => b,
        None => {
            let b = Branch {
                code: TRAINING_BRANCH.into(),
                name: "培训网点 Training".into(),
                training: true,
                generated: true,
            };
            store.set_branch(&b)?;
            b
        }
    };
    let user = match store.user(TRAINING_CLERK)? {
        Some(u) => u,
        None => {
            let cheap = crate::config::SecurityConfig {
                pin_hash_memory_kib: 64,
                pin_hash_iterations: 1,
                ..config.security.clone()
            };
            let u = User {
                id: TRAINING_CLERK.into(),
                name: "培训柜员".into(),
                role: Role::Supervisor,
                pin_hash: auth::hash_pin(TRAINING_PIN, &cheap)
                    .map_err(|e| crate::store::StoreError::Conflict(e.to_string()))?,
                disabled: false,
                failures: 0,
                locked_until: None,
            };
            store.put_user(&u)?;
            let now = clock.now();
            for (service, values) in [
                (
                    "D1",
                    vec![("owner_name", "张三"), ("id_number", "11010519491231002X")],
                ),
                ("V1", vec![("owner_name", "李四"), ("plate", "京A12345")]),
            ] {
                let number = store.next_draft_number(clock.today())?;
                let mut draft = Draft::new(number, service, TRAINING_CLERK, now);
                draft.values = values
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                draft.generated = true;
                store.save_draft(&draft)?;
            }
            store.flush()?;
            u
        }
    };
    Ok((branch, user))
}
