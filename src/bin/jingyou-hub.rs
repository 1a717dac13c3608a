//! `jingyou-hub`: the receiver of the upload protocol (docs/protocol.md), and
//! its operator's subcommands.
//!
//! ```text
//! jingyou-hub --listen ADDR (--data DIR | --db URL) [--tokens FILE] [--quiet]
//! jingyou-hub migrate (--data DIR | --db URL)
//! jingyou-hub tally --from D --to D [--branch B] [--format table|csv|json] (--data DIR | --db URL)
//! jingyou-hub review ID --state S [--note T] [--result R] [--material M]… (--data DIR | --db URL | --hub URL)
//! jingyou-hub review --list [--state S] [--branch B] [--format table|json] (--data DIR | --db URL | --hub URL)
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use jingyou::hub::backend::Backend;
use jingyou::hub::store::BranchDay;
use jingyou::hub::{pg, serve, HubConfig, HubStore, Tokens};

#[derive(Parser)]
#[command(
    name = "jingyou-hub",
    version,
    about = "警邮 hub: the receiver of the /v1 upload protocol (sled or PostgreSQL)"
)]
struct Args {
    /// Address to listen on (plain HTTP; terminate TLS in front), e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Directory of the embedded sled store (created if missing).
    #[arg(long, value_name = "DIR", global = true, conflicts_with = "db")]
    data: Option<PathBuf>,
    /// PostgreSQL instead of sled, e.g. postgres://hub@127.0.0.1/jingyou.
    #[arg(long, value_name = "URL", global = true, env = "JINGYOU_HUB_DB")]
    db: Option<String>,
    /// One `BRANCH TOKEN` per line; then every request but /v1/health needs a valid token.
    #[arg(long, value_name = "FILE")]
    tokens: Option<PathBuf>,
    /// Store work at once (and PostgreSQL connections).
    #[arg(long, default_value_t = 4, value_name = "N")]
    workers: usize,
    /// Memory for request bodies being read or handled at once, in MiB;
    /// a request beyond it is answered 503 + Retry-After.
    #[arg(long, default_value_t = 256, value_name = "MIB")]
    body_budget_mib: usize,
    /// No per-request log lines on stderr.
    #[arg(long)]
    quiet: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the schema migrations (PostgreSQL; also done on every start)
    Migrate,
    /// What the hub holds, per branch and service, for a range of days
    Tally {
        /// First day (YYYY-MM-DD), inclusive
        #[arg(long, value_name = "D")]
        from: String,
        /// Last day (YYYY-MM-DD), inclusive
        #[arg(long, value_name = "D")]
        to: String,
        /// One branch only
        #[arg(long, value_name = "B")]
        branch: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Set the review state of an application (the vehicle office's answer), or list them
    #[command(after_help = "\
States and the changes allowed:
  received          -> accepted | needs_correction | rejected
  needs_correction  -> accepted | rejected
  accepted          -> completed (with --result)
  rejected, completed: final

Exit: 0 done, 1 refused (unknown id, change not allowed), 2 usage.
With --hub URL the running hub is asked over HTTP with the office token in JINGYOU_HUB_TOKEN.")]
    Review(ReviewArgs),
}

#[derive(clap::Args)]
struct ReviewArgs {
    /// The application's client id (as the branch sent it)
    #[arg(
        value_name = "ID",
        required_unless_present = "list",
        conflicts_with = "list"
    )]
    id: Option<String>,
    /// The new state (with ID), or only this state (with --list; `all` for every state)
    #[arg(long, value_name = "S")]
    state: Option<String>,
    /// What is missing or wrong (needs_correction), the legal reason (rejected)
    #[arg(long, value_name = "TEXT", conflicts_with = "list")]
    note: Option<String>,
    /// The result (completed), e.g. the EMS tracking number or the new document's number
    #[arg(long, value_name = "TEXT", conflicts_with = "list")]
    result: Option<String>,
    /// A catalogue material code the customer must bring (needs_correction); repeatable
    #[arg(long = "material", value_name = "CODE", conflicts_with = "list")]
    materials: Vec<String>,
    /// Makes the review idempotent: the same id again changes nothing (default: a new one)
    #[arg(long, value_name = "ID", conflicts_with = "list")]
    review_id: Option<String>,
    /// The office named in the history (without --hub; with it, the token's office)
    #[arg(
        long,
        value_name = "NAME",
        default_value = "hub",
        conflicts_with = "list"
    )]
    office: String,
    /// The office's work list (default: every state not final)
    #[arg(long)]
    list: bool,
    /// One branch only (with --list)
    #[arg(long, value_name = "B", requires = "list")]
    branch: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
    /// Ask this running hub (e.g. http://127.0.0.1:8080) instead of opening the store
    #[arg(long, value_name = "URL")]
    hub: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("jingyou-hub: {message}");
    ExitCode::from(1)
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("jingyou-hub: {message}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    jingyou::paths::private_umask();
    let args = Args::parse();
    match &args.command {
        None => run_hub(&args),
        Some(Command::Migrate) => migrate(&args),
        Some(Command::Tally {
            from,
            to,
            branch,
            format,
        }) => tally(&args, from, to, branch.as_deref(), *format),
        Some(Command::Review(r)) => review::run(&args, r),
    }
}

fn run_hub(args: &Args) -> ExitCode {
    let Some(listen) = &args.listen else {
        return usage("--listen ADDR is required to serve (or give a subcommand; see --help)");
    };
    let mut config = match (&args.db, &args.data) {
        (Some(url), _) => {
            let mut c = HubConfig::new(listen.clone(), PathBuf::new());
            c.db = Some(url.clone());
            c
        }
        (None, Some(dir)) => HubConfig::new(listen.clone(), dir.clone()),
        (None, None) => return usage("give --data DIR (sled) or --db URL (PostgreSQL)"),
    };
    config.workers = args.workers.clamp(1, 64);
    config.body_budget = args.body_budget_mib.clamp(16, 65_536) * 1024 * 1024;
    config.log = !args.quiet;
    config.handle_signals = true;
    match &args.tokens {
        Some(path) => match Tokens::load(path) {
            Ok(t) => config.tokens = Some(t),
            Err(e) => return fail(e),
        },
        None => eprintln!(
            "jingyou-hub: warning: no --tokens file, so any branch is accepted without a token"
        ),
    }
    match serve(config) {
        Ok(handle) => {
            println!("jingyou-hub listening on http://{}", handle.local_addr());
            match handle.wait() {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
        Err(e) => fail(e),
    }
}

fn migrate(args: &Args) -> ExitCode {
    match (&args.db, &args.data) {
        (Some(url), _) => {
            let applied = pg::parse_url(url).and_then(|c| pg::migrate(&c));
            match applied {
                Ok(v) if v.is_empty() => {
                    println!("the database schema is up to date");
                    ExitCode::SUCCESS
                }
                Ok(v) => {
                    let list: Vec<String> = v.iter().map(i32::to_string).collect();
                    println!("applied migration(s) {}", list.join(", "));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        (None, Some(_)) => {
            println!("the sled store has no schema to migrate");
            ExitCode::SUCCESS
        }
        (None, None) => usage("give --data DIR (sled) or --db URL (PostgreSQL)"),
    }
}

fn open_backend(args: &Args) -> Result<Backend, ExitCode> {
    match (&args.db, &args.data) {
        (Some(url), _) => pg::PgStore::open(url, 1)
            .map(Backend::Postgres)
            .map_err(fail),
        (None, Some(dir)) => HubStore::open(dir, 8 * 1024 * 1024)
            .map(Backend::Sled)
            .map_err(|e| {
                fail(format!(
                    "cannot open the hub store in {} ({e}); if a jingyou-hub is serving it, \
                     ask that hub instead (GET /v1/tallies with the operator token; \
                     `review --hub URL` with JINGYOU_HUB_TOKEN) or stop it first",
                    dir.display()
                ))
            }),
        (None, None) => Err(usage("give --data DIR (sled) or --db URL (PostgreSQL)")),
    }
}

#[path = "jingyou-hub/review.rs"]
mod review;

fn valid_day(s: &str) -> bool {
    s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

fn tally(args: &Args, from: &str, to: &str, branch: Option<&str>, format: Format) -> ExitCode {
    if !valid_day(from) || !valid_day(to) {
        return usage("--from and --to must be days written YYYY-MM-DD");
    }
    if from > to {
        return usage("--from is after --to");
    }
    if let Some(b) = branch {
        if !jingyou::wire::valid_branch(b) {
            return usage(format!(
                "--branch {} is not a branch code (1-32 of A-Z a-z 0-9 - _)",
                b.escape_default()
            ));
        }
    }
    let backend = match open_backend(args) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let tallies = match backend.tallies(from, to, branch) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let reviews = match backend.review_tallies(from, to, branch) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    print!("{}", render(from, to, &tallies, &reviews, format));
    ExitCode::SUCCESS
}

/// A CSV field, quoted when it must be.
fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `s` padded with spaces to `width` display columns (never cut).
fn pad(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn render(
    from: &str,
    to: &str,
    tallies: &std::collections::BTreeMap<String, BranchDay>,
    reviews: &std::collections::BTreeMap<String, jingyou::wire::ReviewTally>,
    format: Format,
) -> String {
    use jingyou::wire::ReviewState;
    let review_states = [
        ReviewState::Accepted,
        ReviewState::NeedsCorrection,
        ReviewState::Rejected,
        ReviewState::Completed,
    ];
    let total: u64 = tallies.values().map(|d| d.total).sum();
    match format {
        Format::Json => {
            let branches: Vec<serde_json::Value> = tallies
                .iter()
                .map(|(b, d)| {
                    serde_json::json!({"branch": b, "total": d.total, "by_service": d.by_service})
                })
                .collect();
            let reviews: Vec<&jingyou::wire::ReviewTally> = reviews.values().collect();
            format!(
                "{}\n",
                serde_json::json!({"from": from, "to": to, "total": total, "branches": branches,
                                   "reviews": reviews})
            )
        }
        Format::Csv => {
            let mut out = String::from("branch,service,count\n");
            for (b, d) in tallies {
                for (s, n) in &d.by_service {
                    out.push_str(&format!("{},{},{n}\n", csv(b), csv(s)));
                }
            }
            // the office's answers of those days: `review:STATE` rows
            for (b, r) in reviews {
                for s in review_states {
                    if r.get(s) > 0 {
                        out.push_str(&format!("{},review:{},{}\n", csv(b), s.as_str(), r.get(s)));
                    }
                }
            }
            out
        }
        Format::Table => {
            let mut out = format!(
                "{from} .. {to}\n{} {} {:>10}\n",
                pad("branch", 32),
                pad("service", 12),
                "count"
            );
            for (b, d) in tallies {
                for (s, n) in &d.by_service {
                    out.push_str(&format!("{} {} {n:>10}\n", pad(b, 32), pad(s, 12)));
                }
                out.push_str(&format!(
                    "{} {} {:>10}\n",
                    pad(b, 32),
                    pad("(all)", 12),
                    d.total
                ));
            }
            out.push_str(&format!(
                "{} {} {total:>10}\n",
                pad("total", 32),
                pad("", 12)
            ));
            if !reviews.is_empty() {
                out.push_str(&format!(
                    "\nreview changes made {from} .. {to}\n{} {:>10} {:>16} {:>10} {:>10}\n",
                    pad("branch", 32),
                    "accepted",
                    "needs_correction",
                    "rejected",
                    "completed"
                ));
                for (b, r) in reviews {
                    out.push_str(&format!(
                        "{} {:>10} {:>16} {:>10} {:>10}\n",
                        pad(b, 32),
                        r.accepted,
                        r.needs_correction,
                        r.rejected,
                        r.completed
                    ));
                }
            }
            out
        }
    }
}
