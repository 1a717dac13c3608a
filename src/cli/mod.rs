//! The subcommands of `jingyou` (DESIGN.md §2). Each returns the exit code;
//! errors are one sentence on stderr in the chosen language.

pub mod args;
mod audit;
mod backup;
mod doctor;
mod export;
pub mod find;
mod queue;
mod store_cmd;
mod sync;
mod tally;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::control::{self, Output, Request};
use args::{Cli, Command};

use crate::app::runtime::{prepare_training, Runtime};
use crate::app::state::{App, HomeData, LoginForm, Screen, SetupForm};
use crate::app::update::Effect;
use crate::catalog::Catalog;
use crate::clock::{self, Clock};
use crate::config::Config;
use crate::i18n::{fmt, tr, Lang};
use crate::keymap::KeyMap;
use crate::store::Store;
use crate::ui::theme::Theme;
use crate::{ident, paths};

/// Exit codes of DESIGN.md §2.
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// What every command needs: where things are, the config, the language.
pub struct Globals {
    pub data_dir: PathBuf,
    pub config_file: PathBuf,
    pub config: Config,
    pub lang: Lang,
    pub training: bool,
    pub clock: Clock,
    /// Problems with config files, to show once the UI is up.
    pub warnings: Vec<String>,
}

impl Globals {
    pub fn new(
        data_dir: Option<PathBuf>,
        config: Option<PathBuf>,
        lang: Option<&str>,
        training: bool,
    ) -> Result<Globals, ExitCode> {
        let flag_lang = match lang {
            Some(s) => match Lang::parse(s) {
                Some(l) => Some(l),
                None => {
                    say_error(&fmt(Lang::Zh, "cli.bad_lang", &[("lang", &s)]));
                    return Err(ExitCode::from(EXIT_USAGE));
                }
            },
            None => None,
        };
        let asked_for = config.is_some();
        let config_file = paths::config_file(config.as_deref());
        let (config, problem) = Config::load(&config_file);
        let lang = flag_lang.or(config.lang).unwrap_or_default();
        let mut warnings = Vec::new();
        if let Some(p) = problem {
            warnings.push(p.message(lang));
        } else if asked_for && !config_file.exists() {
            // A file named with --config that is not there is said, not
            // silently replaced by the defaults.
            warnings.push(fmt(
                lang,
                "config.missing",
                &[("file", &config_file.display())],
            ));
        }
        let zone = match clock::parse_offset(&config.timezone) {
            Ok(z) => z,
            Err(bad) => {
                warnings.push(fmt(lang, "cli.bad_timezone", &[("value", &bad)]));
                None
            }
        };
        Ok(Globals {
            data_dir: paths::data_dir(data_dir.as_deref()),
            config_file,
            config,
            lang,
            training,
            clock: Clock::system().with_zone(zone),
            warnings,
        })
    }

    /// Prints config warnings on stderr (commands without a screen).
    pub fn print_warnings(&self) {
        for w in &self.warnings {
            say_error(w);
        }
    }

    pub fn store_dir(&self) -> PathBuf {
        paths::store_dir(&self.data_dir, self.training)
    }

    /// The catalogue with the local override applied; override problems
    /// are returned as sentences.
    pub fn catalog(&self) -> (Catalog, Vec<String>) {
        let path = self
            .config
            .catalog
            .override_file
            .clone()
            .unwrap_or_else(|| paths::config_dir().join("catalog.toml"));
        let (catalog, errors) = Catalog::load(Some(&path));
        let msgs = errors.iter().map(|e| e.text(self.lang)).collect();
        (catalog, msgs)
    }

    pub fn open_store(&self) -> Result<Store, ExitCode> {
        Store::open(&self.store_dir(), self.config.store.cache_mib)
            .map(|s| s.with_reserve_mib(self.config.store.reserve_mib))
            .map_err(|e| {
                eprintln!("{}", crate::mask::escape_controls(&e.message(self.lang)));
                ExitCode::from(EXIT_FAILURE)
            })
    }
}

/// Runs the parsed command line.
pub fn main(cli: Cli) -> ExitCode {
    let globals = match Globals::new(cli.data_dir, cli.config, cli.lang.as_deref(), cli.training) {
        Ok(g) => g,
        Err(code) => return code,
    };
    // Logs go to the data dir (training has its own), only if it exists:
    // a command never creates a data dir just to log.
    let log_root = if globals.training {
        globals.data_dir.join("training")
    } else {
        globals.data_dir.clone()
    };
    if log_root.is_dir() || cli.command.is_none() {
        crate::log::init(&log_root);
    }
    for w in &globals.warnings {
        crate::log::warn(w);
    }
    match cli.command {
        None => tui(&globals),
        Some(Command::Catalog { json, guide }) => catalog(&globals, json, guide.as_deref()),
        Some(Command::Check { kind, value, json }) => check(&globals, &kind, &value, json),
        Some(Command::Seed {
            count,
            days,
            acknowledged,
        }) => seed(&globals, count, days, acknowledged),
        // Not a plain store command: it must report even when the store
        // cannot be opened, and the terminal facts are the caller's.
        Some(Command::Doctor { bundle, json }) => doctor::main(&globals, bundle.as_deref(), json),
        // Never through the running app: they need the store to themselves.
        Some(Command::Store { action }) => store_cmd::main(&globals, &action),
        Some(Command::Restore { from }) => backup::restore(&globals, &from),
        Some(cmd) => store_command(&globals, &cmd),
    }
}

/// One CSV field, quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// What a store command needs: the store (ours, or the running app's).
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
    pub lang: Lang,
    pub clock: Clock,
    pub data_dir: &'a Path,
    pub training: bool,
    /// The running app's relay, when the command reached the app.
    pub relay: Option<&'a crate::sync::relay::RelayHandle>,
}

/// Runs a command that needs the store, here or in the running app.
pub fn run_store_command(ctx: &Ctx, cmd: &Command, pin: Option<&str>) -> Output {
    match cmd {
        Command::Queue { action, format } => queue::run(ctx, action.as_ref(), *format),
        Command::Sync { once, max_wait } => sync::run(ctx, *once, *max_wait),
        Command::Find { query, format } => find::run(ctx, query, *format),
        Command::Tally {
            date,
            days,
            format,
            rebuild,
            reconcile,
        } => tally::run(ctx, date.as_deref(), *days, *format, *rebuild, *reconcile),
        Command::Export {
            from,
            to,
            format,
            unmasked,
            excel,
            encoding,
            headers,
        } => export::run(
            ctx,
            export::Request {
                from,
                to,
                format: *format,
                unmasked: *unmasked,
                csv: export::CsvOptions {
                    excel: *excel,
                    encoding: *encoding,
                    headers: *headers,
                },
            },
            pin,
        ),
        Command::Audit { from, to, format } => {
            audit::run(ctx, from.as_deref(), to.as_deref(), *format, pin)
        }
        // Reached over the control socket: the store part only, as JSON.
        Command::Doctor { bundle, .. } => doctor::remote(ctx, bundle.is_some()),
        Command::Backup { to } => backup::run(ctx, to),
        _ => Output::fail(EXIT_USAGE, String::new()),
    }
}

/// A store command: asks the running app first (it holds the store), else
/// opens the store itself.
fn store_command(g: &Globals, cmd: &Command) -> ExitCode {
    g.print_warnings();
    let pin = match cmd {
        Command::Export { unmasked: true, .. } | Command::Audit { .. } => {
            match supervisor_pin(g.lang) {
                Some(p) => Some(p),
                None => {
                    eprintln!("{}", tr(g.lang, "export.no_pin"));
                    return ExitCode::from(EXIT_FAILURE);
                }
            }
        }
        _ => None,
    };
    // Arguments that are not UTF-8 (a path) cannot travel to the running
    // app; then the store is opened here (and is busy if the app runs).
    let args: Option<Vec<String>> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string().ok())
        .collect();
    let req = Request {
        args: args.clone().unwrap_or_default(),
        lang: g.lang,
        pin,
    };
    if args.is_some() {
        if let Some(out) = control::ask(&g.store_dir(), &req, Duration::from_secs(600)) {
            return out.emit();
        }
    }
    let store = match g.open_store() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let ctx = Ctx {
        store: &store,
        config: &g.config,
        lang: g.lang,
        clock: g.clock,
        data_dir: &g.data_dir,
        training: g.training,
        relay: None,
    };
    run_store_command(&ctx, cmd, req.pin.as_deref()).emit()
}

/// An error sentence on stderr. It may echo what was typed (an argument, a
/// path, a line of a file): control characters are escaped, never sent raw.
pub(crate) fn say_error(text: &str) {
    eprintln!("{}", crate::mask::escape_controls(text));
}

/// A supervisor's PIN from `JINGYOU_SUPERVISOR_PIN`, or asked on the
/// terminal without echo.
fn supervisor_pin(lang: Lang) -> Option<String> {
    if let Ok(p) = std::env::var("JINGYOU_SUPERVISOR_PIN") {
        return Some(p);
    }
    read_secret(tr(lang, "export.ask_pin"))
}

/// A line typed on the terminal without echo (Esc or Ctrl-C: none).
pub(crate) fn read_secret(prompt: &str) -> Option<String> {
    use std::io::{IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    crossterm::terminal::enable_raw_mode().ok()?;
    let mut pin = String::new();
    let result = loop {
        match crossterm::event::read() {
            Ok(crossterm::event::Event::Key(k))
                if k.kind != crossterm::event::KeyEventKind::Release =>
            {
                match k.code {
                    crossterm::event::KeyCode::Enter => break Some(pin),
                    crossterm::event::KeyCode::Esc => break None,
                    crossterm::event::KeyCode::Char('c')
                        if k.modifiers
                            .contains(crossterm::event::KeyModifiers::CONTROL) =>
                    {
                        break None
                    }
                    crossterm::event::KeyCode::Backspace => {
                        pin.pop();
                    }
                    crossterm::event::KeyCode::Char(c) if pin.len() < 32 => pin.push(c),
                    _ => {}
                }
            }
            Ok(_) => {}
            Err(_) => break None,
        }
    };
    let _ = crossterm::terminal::disable_raw_mode();
    eprintln!();
    result
}

/// The running app's answer to a command sent over the control socket.
pub fn answer_remote(store: &Store, g: &RemoteCtx, req: Request) -> Output {
    let mut argv = vec!["jingyou".to_string()];
    argv.extend(req.args);
    let cli = match <Cli as clap::Parser>::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => return Output::fail(EXIT_USAGE, e.to_string()),
    };
    let Some(cmd) = cli.command else {
        return Output::fail(EXIT_USAGE, String::new());
    };
    let relay = g.relay.lock().ok().and_then(|r| r.clone());
    let ctx = Ctx {
        store,
        config: &g.config,
        lang: req.lang,
        clock: g.clock,
        data_dir: &g.data_dir,
        training: g.training,
        relay: relay.as_ref(),
    };
    run_store_command(&ctx, &cmd, req.pin.as_deref())
}

/// What the running app keeps to answer remote commands.
#[derive(Clone)]
pub struct RemoteCtx {
    pub config: Config,
    pub clock: Clock,
    pub data_dir: PathBuf,
    pub training: bool,
    /// The app's relay, once it runs (shared with the runtime).
    pub relay: crate::app::runtime::RelaySlot,
}

/// `jingyou catalog [--json] [--guide CODE]`.
pub fn catalog(g: &Globals, json: bool, guide: Option<&str>) -> ExitCode {
    g.print_warnings();
    let (catalog, problems) = g.catalog();
    for p in &problems {
        say_error(&p.to_string());
    }
    if let Some(code) = guide {
        return match catalog.guide(code, g.lang, g.clock.today()) {
            Some(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            None => {
                say_error(&fmt(g.lang, "cli.no_service", &[("code", &code)]));
                ExitCode::from(EXIT_FAILURE)
            }
        };
    }
    if json {
        match serde_json::to_string_pretty(&catalog.to_json()) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(EXIT_FAILURE);
            }
        }
    } else {
        print!("{}", catalog.render_table(g.lang));
    }
    ExitCode::SUCCESS
}

/// `jingyou check KIND VALUE`: 0 valid, 1 invalid, 2 usage.
pub fn check(g: &Globals, kind: &str, value: &str, json: bool) -> ExitCode {
    let Some(k) = ident::Kind::parse(kind) else {
        say_error(&fmt(g.lang, "cli.bad_kind", &[("kind", &kind)]));
        return ExitCode::from(EXIT_USAGE);
    };
    match ident::check(k, value, g.clock.today()) {
        Ok(c) => {
            if json {
                println!("{}", c.to_json_in(g.lang));
            } else {
                println!("{}", fmt(g.lang, "cli.valid", &[("value", &c.value)]));
                for line in c.describe(g.lang) {
                    println!("  {line}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"kind": k.as_str(), "valid": false, "reason": e.message(g.lang)})
                );
            } else {
                println!(
                    "{}",
                    fmt(g.lang, "cli.invalid", &[("reason", &e.message(g.lang))])
                );
            }
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// The most applications `seed` makes in one call (enough for benchmarks
/// of a decade of a big branch; more would only fill the disk).
pub const SEED_MAX: u64 = 10_000_000;

/// `jingyou seed --count N [--days D]`.
pub fn seed(g: &Globals, count: u64, days: u32, acknowledged: bool) -> ExitCode {
    g.print_warnings();
    if count > SEED_MAX {
        eprintln!(
            "{}",
            fmt(
                g.lang,
                "seed.too_many",
                &[("count", &count), ("max", &SEED_MAX)]
            )
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let store = match g.open_store() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (catalog, _) = g.catalog();
    let done = crate::seed::seed(&store, &catalog, &g.clock, count, days.max(1)).and_then(|r| {
        if acknowledged {
            crate::seed::acknowledge_all(&store, g.clock.today(), g.config.store.keep_days)?;
        }
        Ok(r)
    });
    drop(store);
    // History that left the working store: give sled its space back.
    if acknowledged && done.is_ok() {
        if let Err(e) = crate::store::compact(&g.store_dir(), g.config.store.cache_mib) {
            eprintln!("{}", crate::mask::escape_controls(&e.message(g.lang)));
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    match done {
        Ok(report) => {
            println!("{}", report.message(g.lang));
            ExitCode::SUCCESS
        }
        Err(e) => {
            say_error(&e.message(g.lang));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn theme_dir() -> PathBuf {
    paths::config_dir().join("themes")
}

/// The start state: setup on a new store, log-in otherwise, straight to
/// work in training.
fn start(
    g: &Globals,
    store: &Store,
    catalog: Catalog,
    warnings: Vec<String>,
) -> Result<(App, Vec<Effect>), String> {
    let term = std::env::var("TERM").unwrap_or_default();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (theme, theme_problem) =
        Theme::select(g.lang, &g.config.ui.theme, &theme_dir(), &term, no_color);
    let (keymap, key_problems) = KeyMap::with_overrides(&g.config.keys);
    let keymap = keymap.for_terminal(&term);
    let mut warnings = warnings;
    warnings.extend(theme_problem);
    for p in key_problems {
        warnings.push(key_problem(g.lang, &p));
    }
    let branch = store.branch().map_err(|e| e.message(g.lang))?;
    let mut app = App {
        lang: g.lang,
        training: g.training,
        branch: branch.clone(),
        user: None,
        screen: Screen::Login(LoginForm::default()),
        overlay: None,
        message: warnings
            .first()
            .map(|w| (crate::app::state::Level::Warn, w.clone())),
        catalog,
        keymap,
        theme,
        home: HomeData::default(),
        sync: Default::default(),
        today: g.clock.today(),
        quit: false,
        dirty: true,
        busy: false,
    };
    let mut first = Vec::new();
    if g.training {
        let (b, u) = prepare_training(store, &g.config, &g.clock).map_err(|e| e.message(g.lang))?;
        app.branch = Some(b);
        app.user = Some(u);
        app.screen = Screen::Home { selected: 0 };
        first.push(Effect::LoadHome);
    } else if branch.is_none() {
        app.screen = Screen::Setup(SetupForm::new());
    }
    Ok((app, first))
}

/// `jingyou`: the clerk's terminal.
pub fn tui(g: &Globals) -> ExitCode {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!("{}", tr(g.lang, "cli.not_a_terminal"));
        return ExitCode::from(EXIT_FAILURE);
    }
    crate::log::info(&format!(
        "jingyou {} starting (training: {})",
        env!("CARGO_PKG_VERSION"),
        g.training
    ));
    // The catalogue is read while the store opens (sled's open mostly
    // waits on the disk and its own threads): both are on the way to the
    // first frame.
    let (opened, (catalog, mut warnings)) = std::thread::scope(|s| {
        let catalog = s.spawn(|| g.catalog());
        let opened = Store::open(&g.store_dir(), g.config.store.cache_mib);
        // A panic in the read (a bug) goes on here, as if it had been read here.
        let catalog = catalog
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (opened, catalog)
    });
    let store = match opened {
        Ok(s) => s.with_reserve_mib(g.config.store.reserve_mib),
        Err(e) => {
            crate::log::warn("the store could not be opened");
            eprintln!("{}", crate::mask::escape_controls(&e.message(g.lang)));
            let damaged = matches!(e, crate::store::StoreError::Damaged { .. });
            // A supervisor may repair it from here, then work goes on.
            if damaged && store_cmd::offer_repair(g) {
                return tui(g);
            }
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    for w in &warnings {
        crate::log::warn(w);
    }
    warnings.splice(0..0, g.warnings.iter().cloned());
    let (app, first) = match start(g, &store, catalog, warnings) {
        Ok(x) => x,
        Err(e) => {
            say_error(&e.to_string());
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let idle = match g.config.ui.idle_lock_minutes {
        0 => None,
        m => Some(Duration::from_secs(m * 60)),
    };
    let rt = Runtime::new(
        store.clone(),
        g.data_dir.clone(),
        g.training,
        g.config.clone(),
        g.clock,
        std::sync::Arc::new(app.catalog.clone()),
    );
    let remote = RemoteCtx {
        config: g.config.clone(),
        clock: g.clock,
        data_dir: g.data_dir.clone(),
        training: g.training,
        relay: rt.relay.clone(),
    };
    // Support's commands are answered against this store (the one the
    // socket belongs to), on the worker thread, in turn with the clerk's work.
    let served = store;
    let control = crate::tui::Control {
        store_dir: g.store_dir(),
        handler: std::sync::Arc::new(move |req| answer_remote(&served, &remote, req)),
    };
    match crate::tui::run(app, rt, first, idle, Some(control)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The terminal is restored by now, so this stays on screen.
            say_error(&fmt(g.lang, "cli.terminal_error", &[("error", &e)]));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// For tests: a data dir's store path.
pub fn store_path(data: &Path, training: bool) -> PathBuf {
    paths::store_dir(data, training)
}

/// A `[keys]` problem in the UI's language, what the user wrote escaped.
pub fn key_problem(lang: Lang, p: &crate::keymap::KeyMapProblem) -> String {
    use crate::keymap::ProblemKind;
    let entry = crate::mask::escape_controls(&p.entry);
    match p.kind {
        ProblemKind::Conflict(a, b) => fmt(
            lang,
            "cli.key_conflict",
            &[
                ("key", &entry),
                ("a", &a.named(lang)),
                ("b", &b.named(lang)),
            ],
        ),
        ProblemKind::UnknownAction => fmt(lang, "cli.unknown_action", &[("entry", &entry)]),
        ProblemKind::UnknownKey(a) => fmt(
            lang,
            "cli.unknown_key",
            &[("key", &entry), ("action", &a.named(lang))],
        ),
    }
}
