//! The command line (DESIGN.md §2), shared by the binary and by the running
//! app, which parses the same arguments when a command reaches it over the
//! control socket.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// 警邮 jingyou — traffic-police business at the post-office counter.
#[derive(Parser, Debug, Clone)]
#[command(name = "jingyou", version, about, long_about = None)]
pub struct Cli {
    /// Data directory (default: $JINGYOU_DATA, $XDG_DATA_HOME/jingyou, ~/.local/share/jingyou)
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Config file (default: $XDG_CONFIG_HOME/jingyou/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Interface language: zh or en
    #[arg(long, global = true, value_name = "zh|en")]
    pub lang: Option<String>,
    /// Act on the training store (<data-dir>/training/); nothing is sent to a real hub
    #[arg(long, global = true)]
    pub training: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TallyFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// The character encoding of a CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CsvEncoding {
    #[default]
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// What Excel on a Chinese Windows reads without asking.
    #[value(name = "gb18030", alias = "gbk")]
    Gb18030,
}

/// The header row of a CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CsvHeaders {
    /// Column codes (`number,date,service,…`), for programs.
    #[default]
    Codes,
    /// Chinese column names (受理编号,办结日期,…).
    Zh,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Every service in the catalogue, offered or refused at this branch
    Catalog {
        /// Machine-readable JSON (an array of services)
        #[arg(long)]
        json: bool,
        /// Print the customer guide (办事指南) of one service
        #[arg(long, value_name = "CODE")]
        guide: Option<String>,
    },
    /// Validate one identifier: id, plate, vin, phone, licence-file, decision, uscc
    Check {
        /// id | plate | vin | phone | licence-file | decision | uscc
        kind: String,
        /// The value to check (quote it if it has spaces)
        value: String,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// The upload queue: each record's state and last error; retry or quarantine one
    Queue {
        #[command(subcommand)]
        action: Option<QueueAction>,
        #[arg(long, value_enum, default_value = "table")]
        format: TableOrJson,
    },
    /// Upload what is pending (progress on stderr). Exit 0 nothing pending,
    /// 3 some left, 4 refused by the hub, 5 no hub configured
    Sync {
        /// One pass over everything pending now, ignoring the backoff schedule
        #[arg(long)]
        once: bool,
        /// Give up after this many seconds (with --once too: no request runs past it)
        #[arg(long, default_value_t = 300, value_name = "SECS")]
        max_wait: u64,
    },
    /// Finished applications by number, part of a number or the customer's ID
    /// number, with the vehicle office's review state, history and result.
    /// Exit 0 found, 1 none
    Find {
        /// A number (3301A-261128-0042), part of one (0042), or an ID number
        query: String,
        #[arg(long, value_enum, default_value = "table")]
        format: TableOrJson,
    },
    /// Daily tallies (日结): per service, clerk, payment method and upload state
    Tally {
        /// The day (YYYY-MM-DD or `today`); with --days, the last day
        #[arg(long, value_name = "D")]
        date: Option<String>,
        /// The N days ending on --date (an array in JSON, oldest first)
        #[arg(long, value_name = "N")]
        days: Option<u32>,
        #[arg(long, value_enum, default_value = "table")]
        format: TallyFormat,
        /// Recount every day from the applications and report disagreements
        #[arg(long)]
        rebuild: bool,
        /// Compare with what the hub acknowledged, listing every difference by application
        #[arg(long, conflicts_with = "rebuild")]
        reconcile: bool,
    },
    /// Applications of a date range (personal data masked unless --unmasked)
    Export {
        /// First day (YYYY-MM-DD or today), inclusive
        #[arg(long, value_name = "D")]
        from: String,
        /// Last day, inclusive
        #[arg(long, value_name = "D")]
        to: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Show personal data (asks for a supervisor PIN, or reads JINGYOU_SUPERVISOR_PIN); audited
        #[arg(long)]
        unmasked: bool,
        /// CSV for Excel: a byte-order mark (UTF-8) and CRLF line ends; cells that Excel would take for a formula start with '
        #[arg(long)]
        excel: bool,
        /// CSV encoding: utf-8, or gb18030 (what Excel on a Chinese Windows opens by double-click)
        #[arg(long, value_enum, default_value = "utf-8")]
        encoding: CsvEncoding,
        /// CSV header row: codes (for programs) or zh (Chinese column names)
        #[arg(long, value_enum, default_value = "codes")]
        headers: CsvHeaders,
    },
    /// The audit log (log-ins, finishes, voids, exports, prints, configuration changes); supervisor only
    Audit {
        /// First day (YYYY-MM-DD or today), inclusive; default: 30 days ago
        #[arg(long, value_name = "D")]
        from: Option<String>,
        /// Last day, inclusive; default: today
        #[arg(long, value_name = "D")]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: TallyFormat,
    },
    /// Diagnostics for support: paths, store counts, queue, a timed hub probe,
    /// clock and terminal facts (personal data and tokens masked)
    Doctor {
        /// Write a .tar.gz of diagnostics and scrubbed logs to FILE (never overwrites)
        #[arg(long, value_name = "FILE")]
        bundle: Option<PathBuf>,
        /// Machine-readable JSON (stable keys)
        #[arg(long)]
        json: bool,
    },
    /// The working store against the journal (the record): verify, or repair from it
    Store {
        #[command(subcommand)]
        action: StoreAction,
    },
    /// Copy the journal, drafts and attachments to DIR (a USB stick); incremental
    Backup {
        /// Where to write (a folder `jingyou-backup` is made in it)
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Build this data dir (on a new PC) from a backup made by `backup --to`
    Restore {
        /// The folder given to `backup --to` (or its `jingyou-backup` folder)
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
    /// Make N finished demo applications over the last D days (training, demos, benchmarks)
    Seed {
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Mark them acknowledged by a hub, those over 20 days old also
        /// answered by the office (history for benchmarks): old ones then
        /// leave the working store as real ones would
        #[arg(long)]
        acknowledged: bool,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum StoreAction {
    /// Compare the working store with the journal; exit 0 whole, 1 damaged
    Verify,
    /// Move a damaged store aside (never deleted), rebuild it from the journal, verify
    Repair,
    /// Rewrite the working store with only its live data (after many old
    /// applications left it); the journal is not touched
    Compact,
}

#[derive(Subcommand, Debug, Clone)]
pub enum QueueAction {
    /// Put a quarantined record back in the queue (or send a pending one on the next pass)
    Retry {
        /// Application number (e.g. 3301A-261128-0042) or id
        id: String,
    },
    /// Take a record out of the upload rotation
    Quarantine {
        /// Application number or id
        id: String,
        /// Why (shown in the queue)
        #[arg(long, default_value = "")]
        reason: String,
    },
}

impl Command {
    /// Whether this command may take SIGPIPE's default action (end at once
    /// when its reader goes away). Only commands that print and hand no
    /// bytes to another process: `sync` writes customer texts to the
    /// `[notify]` command, and a gateway that exits without reading them
    /// must be a failed send, not the end of the whole sync. A new command
    /// is left out until it is known to be one of these.
    pub fn ends_quietly_on_a_closed_pipe(&self) -> bool {
        matches!(
            self,
            Command::Catalog { .. }
                | Command::Check { .. }
                | Command::Queue { .. }
                | Command::Find { .. }
                | Command::Tally { .. }
                | Command::Export { .. }
                | Command::Audit { .. }
                | Command::Doctor { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn command(args: &[&str]) -> Command {
        let mut argv = vec!["jingyou"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)
            .ok()
            .and_then(|c| c.command)
            .unwrap_or_else(|| panic!("{args:?} does not parse"))
    }

    #[test]
    fn only_printing_commands_end_on_a_closed_pipe() {
        assert!(command(&["catalog"]).ends_quietly_on_a_closed_pipe());
        assert!(command(&["tally"]).ends_quietly_on_a_closed_pipe());
        // sync hands texts to the notify command: a gateway that does not
        // read them must not kill it.
        assert!(!command(&["sync", "--once"]).ends_quietly_on_a_closed_pipe());
        assert!(!command(&["seed", "--count", "1"]).ends_quietly_on_a_closed_pipe());
    }
}
