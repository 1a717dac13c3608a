//! The customer notification outbox: one short text (one SMS) per review
//! change of an application whose customer left a phone number, kept in
//! `meta` `notice/<id>` (id `n<cursor>`, the change's place in the hub's
//! feed, so a change never makes two notices).
//!
//! A notice is made by the same journal record that stores the change
//! (`reviewed`), and every change of its state is journaled: `sending` is
//! durable before the command runs, so a crash while sending leaves it
//! `sending`, and the next send pass marks it `uncertain` instead of sending
//! it again. Never sent twice; a failure (exit status, timeout) is tried
//! again later.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::apply::{get_json, put_json, Abort, Kv, T};
use super::{Application, Branch, Result, Store};
use crate::journal::Entry;
use crate::wire::Change;

pub const PREFIX: &str = "notice/";
/// `notice_by_app/<application id>` → the ids of its notices.
pub const BY_APP: &str = "notice_by_app/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    Pending,
    Sending,
    Sent,
    /// A crash while the command ran: it may or may not have gone out.
    Uncertain,
}

impl NoticeState {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Pending => "pending",
            NoticeState::Sending => "sending",
            NoticeState::Sent => "sent",
            NoticeState::Uncertain => "uncertain",
        }
    }
}

/// One notice. Only what the message needs: the phone to send to and the
/// text (number, branch, the office's words); no name, no ID number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    pub number: String,
    pub phone: String,
    pub text: String,
    pub state: NoticeState,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub next_try: Option<DateTime<FixedOffset>>,
}

/// Makes the notice of change `c` if its application is in the working
/// store with a phone number (and was not purged).
pub fn notice_for(kv: &dyn Kv, c: &Change) -> std::result::Result<(), Abort> {
    let id = format!("n{}", c.cursor);
    let key = format!("{PREFIX}{id}");
    if kv.get(T::Meta, key.as_bytes())?.is_some() {
        return Ok(());
    }
    let Some(app_key) = kv.get(T::Meta, format!("by_number/{}", c.number).as_bytes())? else {
        return Ok(());
    };
    let Some(app) = get_json::<Application>(kv, T::Apps, &app_key)? else {
        return Ok(());
    };
    // Demo data (`seed`) has made-up phone numbers: never texted.
    if app.id != c.id || app.purged || app.generated {
        return Ok(());
    }
    let Some(phone) = app.values.get("phone").filter(|p| !p.trim().is_empty()) else {
        return Ok(());
    };
    let branch: Option<Branch> = get_json(kv, T::Meta, b"branch")?;
    let branch_name = branch.map(|b| b.name).unwrap_or_default();
    let notice = Notice {
        id,
        number: c.number.clone(),
        phone: phone.clone(),
        text: crate::notify::text(c, &branch_name),
        state: NoticeState::Pending,
        attempts: 0,
        last_error: None,
        next_try: None,
    };
    put_json(kv, T::Meta, key.as_bytes(), &notice)?;
    // the application's notices, for the retention purge
    let idx = format!("{BY_APP}{}", app.id);
    let mut ids: Vec<String> = get_json(kv, T::Meta, idx.as_bytes())?.unwrap_or_default();
    ids.push(notice.id);
    put_json(kv, T::Meta, idx.as_bytes(), &ids)
}

/// The retention purge reaches the outbox: the application's notices go
/// (with the phone number in them; one not sent yet is then never sent).
/// A store rebuilt from the purged journal has none either: its `finish`
/// record no longer holds the phone a notice is made from.
pub fn purge_notices(kv: &dyn Kv, app_id: &str) -> std::result::Result<(), Abort> {
    let idx = format!("{BY_APP}{app_id}");
    let ids: Vec<String> = get_json(kv, T::Meta, idx.as_bytes())?.unwrap_or_default();
    for id in ids {
        kv.del(T::Meta, format!("{PREFIX}{id}").as_bytes())?;
    }
    kv.del(T::Meta, idx.as_bytes())
}

pub fn apply_notice(
    kv: &dyn Kv,
    id: &str,
    state: NoticeState,
    attempts: u32,
    error: &Option<String>,
    next_try: Option<DateTime<FixedOffset>>,
) -> std::result::Result<(), Abort> {
    let key = format!("{PREFIX}{id}");
    let Some(mut n) = get_json::<Notice>(kv, T::Meta, key.as_bytes())? else {
        return Ok(());
    };
    n.state = state;
    n.attempts = attempts;
    n.last_error = error.clone();
    n.next_try = next_try;
    put_json(kv, T::Meta, key.as_bytes(), &n)
}

impl Store {
    /// Every notice, by id.
    pub fn notices(&self) -> Result<Vec<Notice>> {
        self.meta_under(PREFIX)
    }

    /// Journals a notice's new state (durable on return).
    pub fn set_notice(
        &self,
        n: &Notice,
        state: NoticeState,
        error: Option<String>,
        next_try: Option<DateTime<FixedOffset>>,
    ) -> Result<()> {
        let at = chrono::Local::now().fixed_offset();
        let attempts = if state == NoticeState::Sending {
            n.attempts.saturating_add(1)
        } else {
            n.attempts
        };
        self.record(at, |_| {
            Ok((
                vec![Entry::Notice {
                    id: n.id.clone(),
                    state,
                    attempts,
                    error,
                    next_try,
                }],
                (),
            ))
        })
    }
}
