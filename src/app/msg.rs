//! The messages of the one-way flow: [`Input`] from the terminal, [`Effect`]s
//! for the runtime, [`Msg`] reports back.

use std::path::PathBuf;

use crate::app::state::*;
use crate::keymap::Key;
use crate::store::{Application, Branch, Draft, User};
use crate::wizard::Wizard;

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
    /// Open a finished application read-only, its receipt as a reprint.
    ShowApp(String),
    /// Print a finished application's receipt again (audited `reprint`).
    Reprint(String),
    LoadCorrections,
    /// Show (and print) the "what to bring" slip of a correction.
    CorrectionSlip(String),
    Print {
        text: String,
        what: String,
    },
    /// Log-out of this clerk (the audit line names them).
    Logout {
        who: String,
    },
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
    /// Today's applications that can still be voided, for the void screen.
    LoadVoidable,
    /// Look up an application by number before asking to void it.
    LookupVoid(String),
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
    /// Start the upload relay for the session's branch (when the UI loop
    /// starts with a known branch; a log-in starts it otherwise).
    StartRelay,
}

impl Effect {
    /// Whether keys typed meanwhile wait for this effect's answer (as they
    /// would on one thread): anything that may change the screen. Saving
    /// and flushing a draft never does, so typing never waits for them.
    pub fn holds_input(&self) -> bool {
        !matches!(
            self,
            Effect::SaveDraft(_) | Effect::Flush | Effect::Detach(_) | Effect::StartRelay
        )
    }
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
    /// A finished application opened read-only: its state lines and the
    /// receipt as it would be reprinted.
    Shown {
        number: String,
        header: Vec<String>,
        text: String,
    },
    Corrections {
        items: Vec<crate::store::Found>,
        overdue: Vec<crate::overdue::Late>,
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
    /// The newest audit entries and the reasons of the voids among them.
    Audit(
        Vec<crate::store::AuditEntry>,
        std::collections::BTreeMap<String, String>,
    ),
    Queue(Vec<(String, crate::store::OutboxEntry)>),
    Voided(String),
    /// Today's voidable applications, newest first.
    Voidable(Vec<crate::app::state::VoidTarget>),
    /// The application a typed number names (not voided).
    VoidTarget(crate::app::state::VoidTarget),
    Reconciled(Vec<String>),
    /// From the upload relay.
    Relay(crate::sync::relay::RelayEvent),
    Attached(crate::store::AttachedFile),
    Inbox(Vec<std::path::PathBuf>),
    /// The branch's date (first report, and after midnight).
    Today(chrono::NaiveDate),
    /// The runtime switched to the training store.
    Training,
    /// Support changed the store over the control socket (e.g. `queue
    /// retry`): what is on screen is read again.
    Remote,
}
