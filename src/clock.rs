//! The branch's notion of "now" and "today" (DESIGN.md §6 "Day").
//!
//! The day is the branch's calendar day in its configured time zone:
//! `local` (the system's) or a fixed offset such as `+08:00`.
//! `JINGYOU_NOW` (RFC 3339) pins the clock, for tests, demos and training.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, Utc};

/// The branch's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// `None` = the system's local zone.
    offset: Option<FixedOffset>,
    pinned: Option<DateTime<Utc>>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

/// Parses `+08:00`, `-05:30`, `UTC`; `local` gives `Ok(None)`.
pub fn parse_offset(s: &str) -> Result<Option<FixedOffset>, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("local") || s.is_empty() {
        return Ok(None);
    }
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return Ok(FixedOffset::east_opt(0));
    }
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(s.to_string()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i32 = h.parse().map_err(|_| s.to_string())?;
    let m: i32 = m.parse().map_err(|_| s.to_string())?;
    if h > 14 || m > 59 {
        return Err(s.to_string());
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
        .map(Some)
        .ok_or_else(|| s.to_string())
}

impl Clock {
    /// The system clock in the system's zone, unless `JINGYOU_NOW` pins it.
    pub fn system() -> Clock {
        let pinned = std::env::var("JINGYOU_NOW")
            .ok()
            .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
            .map(|d| d.with_timezone(&Utc));
        Clock {
            offset: None,
            pinned,
        }
    }

    /// With the configured zone (`timezone` config key).
    pub fn with_zone(self, offset: Option<FixedOffset>) -> Clock {
        Clock { offset, ..self }
    }

    /// A clock stuck at one instant (tests).
    pub fn fixed(at: DateTime<FixedOffset>) -> Clock {
        Clock {
            offset: Some(*at.offset()),
            pinned: Some(at.with_timezone(&Utc)),
        }
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        self.pinned.unwrap_or_else(Utc::now)
    }

    /// Now, in the branch's zone.
    pub fn now(&self) -> DateTime<FixedOffset> {
        let utc = self.now_utc();
        match self.offset {
            Some(o) => utc.with_timezone(&o),
            None => utc.with_timezone(&Local).fixed_offset(),
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_offset("local"), Ok(None));
        assert_eq!(parse_offset("+08:00"), Ok(FixedOffset::east_opt(8 * 3600)));
        assert_eq!(
            parse_offset("-05:30"),
            Ok(FixedOffset::east_opt(-(5 * 3600 + 1800)))
        );
        assert!(parse_offset("+25:00").is_err());
        assert!(parse_offset("Beijing").is_err());
    }

    #[test]
    fn the_day_follows_the_branch_zone() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T17:30:00Z").expect("time");
        let beijing = Clock::fixed(at).with_zone(FixedOffset::east_opt(8 * 3600));
        assert_eq!(beijing.today().to_string(), "2026-11-28");
        let utc = Clock::fixed(at).with_zone(FixedOffset::east_opt(0));
        assert_eq!(utc.today().to_string(), "2026-11-27");
    }
}
