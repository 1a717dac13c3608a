//! The app's state: which screen, what is typed, what the store told us.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::app::input::LineInput;
use crate::catalog::Catalog;
use crate::i18n::Lang;
use crate::keymap::KeyMap;
use crate::store::{Branch, Draft, User};
use crate::ui::theme::Theme;
use crate::wizard::Wizard;

/// What the home screen shows (read from the day's counters, never a scan).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HomeData {
    pub clerk_count: u64,
    pub clerk_fen: u64,
    pub day_total: u64,
    pub drafts: Vec<Draft>,
    pub pending: u64,
    pub hub_configured: bool,
    /// When the last `backup --to` was taken (shown to the supervisor).
    pub last_backup: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// The vehicle office's answers today, and those waiting for the customer.
    pub reviews: crate::store::ReviewCounts,
    /// Past the statutory time limit (counted for the supervisor only).
    pub overdue: Option<usize>,
}

/// First run: the branch and its supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupForm {
    pub focus: usize,
    /// branch code, branch name, supervisor number, supervisor name, PIN, PIN again
    pub inputs: Vec<LineInput>,
}

impl SetupForm {
    pub const LABELS: [&'static str; 6] = [
        "setup.branch_code",
        "setup.branch_name",
        "setup.sup_id",
        "setup.sup_name",
        "setup.pin",
        "setup.pin2",
    ];

    pub fn new() -> SetupForm {
        SetupForm {
            focus: 0,
            inputs: vec![
                LineInput::new(8),
                LineInput::new(30),
                LineInput::with_text("001", 6),
                LineInput::new(20),
                LineInput::secret(12),
                LineInput::secret(12),
            ],
        }
    }
}

impl Default for SetupForm {
    fn default() -> Self {
        SetupForm::new()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginForm {
    pub focus: usize,
    pub id: LineInput,
    pub pin: LineInput,
}

impl Default for LoginForm {
    fn default() -> Self {
        LoginForm {
            focus: 0,
            id: LineInput::new(6),
            pin: LineInput::secret(12),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub query: LineInput,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindDraft {
    pub query: LineInput,
    pub results: Vec<Draft>,
    /// Finished applications the same query found, with their review states.
    pub apps: Vec<crate::store::Found>,
    pub selected: usize,
    pub searched: bool,
}

/// The wizard being walked, with the cursor of the focused text.
#[derive(Debug, Clone)]
pub struct WizardScreen {
    pub wizard: Wizard,
    /// The focused field's text being edited (mirrors the draft value).
    pub input: LineInput,
    /// The EMS address on the payment step.
    pub address: LineInput,
    /// The path of a file to attach (materials step).
    pub attach: LineInput,
    /// Files in the configured inbox folder, newest first, once listed.
    pub inbox: Vec<std::path::PathBuf>,
    pub inbox_pos: Option<usize>,
}

/// A receipt or slip on screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceiptView {
    pub title: String,
    pub text: String,
    pub file: Option<PathBuf>,
    pub scroll: u16,
    /// Lines shown above the text and never printed (a finished
    /// application's state, opened read-only from F4).
    pub header: Vec<String>,
    /// The application whose receipt this is a reprint of: printing it is
    /// audited as a reprint.
    pub reprint: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Screen {
    Setup(SetupForm),
    Login(LoginForm),
    Home {
        selected: usize,
    },
    Picker(Picker),
    FindDraft(FindDraft),
    Wizard(Box<WizardScreen>),
    Receipt(ReceiptView),
    /// Supervisor menu (管理).
    Admin {
        selected: usize,
    },
    Tally(TallyView),
    Accounts(AccountsView),
    Void(VoidForm),
    Audit(AuditView),
    Queue(QueueView),
    /// Applications the office sent back (需补正), and for the supervisor
    /// those past their time limit (超期).
    Corrections(CorrectionsView),
}

/// The supervisor's menu entries, in order.
pub const ADMIN_ITEMS: [&str; 5] = [
    "admin.tally",
    "admin.accounts",
    "admin.void",
    "admin.audit",
    "admin.queue",
];

/// One day's tally and the 30 days before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyView {
    pub day: NaiveDate,
    pub tally: crate::store::DayTally,
    /// (day, finished) for the 30 days ending on `day`.
    pub history: Vec<(NaiveDate, u64)>,
    /// The hub's view, once asked (reconciliation lines).
    pub reconcile: Option<Vec<String>>,
    /// The first service row shown (↑/↓, PgUp/PgDn).
    pub scroll: usize,
}

/// Adding a clerk or resetting a PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserForm {
    /// `None`: a new user; `Some(id)`: a PIN reset for that user.
    pub reset: Option<String>,
    pub focus: usize,
    /// number, name, PIN, PIN again (a reset uses only the PINs)
    pub inputs: Vec<LineInput>,
    pub supervisor: bool,
}

impl UserForm {
    pub fn new(reset: Option<String>) -> UserForm {
        let focus = if reset.is_some() { 2 } else { 0 };
        UserForm {
            reset,
            focus,
            inputs: vec![
                LineInput::new(6),
                LineInput::new(20),
                LineInput::secret(12),
                LineInput::secret(12),
            ],
            supervisor: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsView {
    pub users: Vec<User>,
    pub selected: usize,
    pub form: Option<UserForm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidForm {
    /// 0: the number (and the list under it), 1: the reason.
    pub focus: usize,
    pub number: LineInput,
    pub reason: LineInput,
    /// Today's finished applications not voided yet, newest first.
    pub recent: Vec<VoidTarget>,
    /// The row of `recent` picked with ↑/↓, if any.
    pub selected: Option<usize>,
    /// The application the number names, looked up before any confirm.
    pub target: Option<VoidTarget>,
}

impl VoidForm {
    pub fn new() -> VoidForm {
        VoidForm {
            focus: 0,
            number: LineInput::new(24),
            reason: LineInput::new(60),
            recent: vec![],
            selected: None,
            target: None,
        }
    }
}

impl Default for VoidForm {
    fn default() -> Self {
        VoidForm::new()
    }
}

/// What the supervisor sees of an application before voiding it: no
/// personal field unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidTarget {
    pub number: String,
    pub service: String,
    /// The customer's name (or ID number) masked; empty once purged.
    pub customer: String,
    pub fee_total_fen: u64,
    pub finished_at: chrono::DateTime<chrono::FixedOffset>,
}

impl VoidTarget {
    pub fn of(a: &crate::store::Application) -> VoidTarget {
        let customer = a
            .values
            .iter()
            .find(|(k, _)| k.as_str() == "name" || k.ends_with("_name"))
            .or_else(|| a.values.iter().find(|(k, _)| k.as_str() == "id_number"))
            .map(|(k, v)| crate::mask::by_key(k, v))
            .unwrap_or_default();
        VoidTarget {
            number: a.number.clone(),
            service: a.service.clone(),
            customer,
            fee_total_fen: a.fee_total_fen,
            finished_at: a.finished_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditView {
    /// Newest first.
    pub entries: Vec<crate::store::AuditEntry>,
    /// Void reasons by application number, for the void lines.
    pub reasons: std::collections::BTreeMap<String, String>,
    pub scroll: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorrectionsView {
    pub items: Vec<crate::store::Found>,
    pub overdue: Vec<crate::overdue::Late>,
    pub selected: usize,
    pub loaded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueView {
    pub entries: Vec<(String, crate::store::OutboxEntry)>,
    pub selected: usize,
}

/// A question the clerk must answer before something is thrown away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Discard the draft with this number.
    Discard(String),
    /// Void the application with this number, for this reason.
    /// `what` is the application in a few words (service, masked
    /// customer, fee, time).
    Void {
        number: String,
        reason: String,
        what: String,
    },
    /// Disable the account `id` (named `name`).
    Disable { id: String, name: String },
    /// Quit the app (drafts are saved first).
    Quit,
    /// Remove attachment `index` (named `name`) from the open draft; ←/→
    /// choose another.
    Detach { index: usize, name: String },
    /// Do `service` (named `name`) first, starting with `prefill` carried
    /// over from draft `draft` (which is kept).
    Offer {
        service: String,
        name: String,
        draft: String,
        prefill: std::collections::BTreeMap<String, String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// The key help, at this page (when every context does not fit on
    /// one screen).
    Help {
        page: usize,
    },
    Confirm(Confirm),
    /// The screen is locked; the PIN being typed.
    Locked(LineInput),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// The upload relay as the status bar shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncStatus {
    pub link: crate::sync::relay::LinkState,
    pub next_try: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// A large attachment on its way: name, bytes acknowledged, total.
    pub attachment: Option<(String, u64, u64)>,
    /// English detail of the last upload error (for the log and doctor).
    pub last_error: Option<String>,
    /// Its kind, shown in the UI's words.
    pub error: Option<crate::sync::relay::SyncErrorKind>,
}

impl Default for SyncStatus {
    fn default() -> Self {
        SyncStatus {
            link: crate::sync::relay::LinkState::NoHub,
            next_try: None,
            attachment: None,
            last_error: None,
            error: None,
        }
    }
}

/// Everything the view draws.
#[derive(Debug, Clone)]
pub struct App {
    pub lang: Lang,
    pub training: bool,
    pub branch: Option<Branch>,
    pub user: Option<User>,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub message: Option<(Level, String)>,
    pub catalog: Catalog,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub home: HomeData,
    pub sync: SyncStatus,
    pub today: NaiveDate,
    pub quit: bool,
    /// Something changed since the last draw.
    pub dirty: bool,
    /// Work the person waits for has taken a moment already (the bar
    /// says 处理中; keys typed meanwhile wait their turn).
    pub busy: bool,
}

impl App {
    /// A digest of everything the view draws that a message can change:
    /// equal before and after a message means nothing on screen changed.
    /// `None` if it could not be made (then: redraw).
    pub fn view_fingerprint(&self) -> Option<u64> {
        use std::hash::{Hash, Hasher};
        struct Feed<'a>(&'a mut std::collections::hash_map::DefaultHasher);
        impl std::fmt::Write for Feed<'_> {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                s.hash(self.0);
                Ok(())
            }
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        // Streamed into the hasher: no copy of the state is made.
        let fed = std::fmt::write(
            &mut Feed(&mut h),
            format_args!(
                "{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
                self.screen,
                self.overlay,
                self.message,
                self.home,
                self.sync,
                self.today,
                self.training,
                self.busy,
                self.user,
                self.branch,
                self.quit
            ),
        );
        fed.ok().map(|()| h.finish())
    }
}
