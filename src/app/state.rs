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
}

/// A receipt or slip on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptView {
    pub title: String,
    pub text: String,
    pub file: Option<PathBuf>,
    pub scroll: u16,
}

#[derive(Debug, Clone)]
pub enum Screen {
    Setup(SetupForm),
    Login(LoginForm),
    Home { selected: usize },
    Picker(Picker),
    FindDraft(FindDraft),
    Wizard(Box<WizardScreen>),
    Receipt(ReceiptView),
}

/// A question the clerk must answer before something is thrown away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Discard the draft with this number.
    Discard(String),
    /// Quit the app (drafts are saved first).
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
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
    pub today: NaiveDate,
    pub quit: bool,
    /// Something changed since the last draw.
    pub dirty: bool,
}
