//! The terminal: raw mode, alternate screen, bracketed paste, a panic hook
//! that restores the screen, an input thread, and the main loop that
//! blocks until something happens and draws only when something changed.

use std::io::{self, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::{execute, terminal};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use std::sync::Arc;

use crate::app::runtime::Runtime;
use crate::app::state::App;
use crate::app::update::{Effect, Input};
use crate::app::worker::{RemoteHandler, Report, Worker};
use crate::keymap::{esc_digit, Key, KeyCode2};

/// Puts the terminal back as it was. Safe to call twice.
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        event::DisableBracketedPaste,
        terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Restores the terminal before the panic message is printed, so it stays
/// readable. Only the UI thread's panic tears the screen down; a background
/// thread's (the worker answers it with a sentence on screen) goes to the
/// log, never as text over the clerk's screen.
fn install_panic_hook() {
    let main_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == main_thread {
            restore();
            previous(info);
        } else {
            crate::log::warn(&format!("panic in a background thread: {info}"));
        }
    }));
}

/// Decodes a terminal key event into an app input.
pub fn decode(ev: &crossterm::event::KeyEvent) -> Option<Input> {
    let plain = !ev
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match ev.code {
        KeyCode::Char(c) if plain => Some(Input::Char(c)),
        KeyCode::Backspace => Some(Input::Backspace),
        KeyCode::Delete => Some(Input::Delete),
        KeyCode::Home => Some(Input::Home),
        KeyCode::End => Some(Input::End),
        _ => Key::from_event(ev).map(Input::Key),
    }
}

enum Ev {
    Term(Event),
    /// The terminal changed size (SIGWINCH, seen by our own thread).
    Resized,
    Gone,
    Msg(crate::app::update::Msg),
    /// The worker finished one effect.
    Done,
}

/// Reports the terminal hanging up (its far end closed: the SSH session
/// or the window is gone) even when no SIGHUP comes (blocked, or ignored
/// under `nohup`): poll(2) reports POLLHUP on the terminal's descriptor,
/// where a read would only see end of file, again and again.
fn watch_hangup(tx: mpsc::Sender<Ev>) {
    use std::os::fd::AsRawFd;
    // SAFETY: isatty only inspects the descriptor.
    let tty: Option<std::fs::File> = if unsafe { libc::isatty(0) } == 1 {
        None
    } else {
        match std::fs::File::open("/dev/tty") {
            Ok(f) => Some(f),
            Err(_) => return,
        }
    };
    std::thread::spawn(move || {
        let fd = tty.as_ref().map_or(0, |f| f.as_raw_fd());
        loop {
            let mut p = libc::pollfd {
                fd,
                events: 0,
                revents: 0,
            };
            // SAFETY: one valid pollfd, for as long as the call.
            let rc = unsafe { libc::poll(&mut p, 1, -1) };
            if rc < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return;
            }
            if p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                let _ = tx.send(Ev::Gone);
                return;
            }
        }
    });
}

/// The control socket the running app answers on (see [`crate::control`]).
pub struct Control {
    pub store_dir: std::path::PathBuf,
    /// Answers a request against the store; called on the worker thread.
    pub handler: RemoteHandler,
}

/// After this long without an answer, the bar says 处理中.
const BUSY_AFTER: Duration = Duration::from_millis(150);

/// Runs the app until it quits. The terminal is restored on every path.
pub fn run(
    mut app: App,
    rt: Runtime,
    first: Vec<Effect>,
    idle_lock: Option<Duration>,
    control: Option<Control>,
) -> io::Result<()> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    let mut out = io::stdout();
    if let Err(e) = execute!(
        out,
        terminal::EnterAlternateScreen,
        event::EnableBracketedPaste
    ) {
        restore();
        return Err(e);
    }
    let (tx, rx) = mpsc::channel::<Ev>();
    // The worker owns the store and reports through the same channel as
    // the keyboard (relay events, reconciliation and printer results too).
    let worker_tx = std::sync::Mutex::new(tx.clone());
    let worker = match Worker::spawn(
        rt,
        control.as_ref().map(|c| c.handler.clone()),
        Arc::new(move |r| {
            if let Ok(t) = worker_tx.lock() {
                // The loop has ended: nobody to tell.
                drop(t.send(match r {
                    Report::Msg(m) => Ev::Msg(m),
                    Report::Done => Ev::Done,
                }));
            }
        }),
    ) {
        Ok(w) => w,
        Err(e) => {
            restore();
            return Err(e);
        }
    };
    // Support can query the running app; without the socket they can't, but
    // the clerk can still work, so a failure here is only a warning.
    let _socket = control.and_then(|c| {
        let handler = worker.control_handler(c.handler);
        match crate::control::serve(&c.store_dir, move |req| handler(req)) {
            Ok(guard) => Some(guard),
            Err(e) => {
                crate::log::warn(&format!("control socket: {e}"));
                None
            }
        }
    });
    let mut first = first;
    if app.branch.is_some() {
        first.insert(0, Effect::StartRelay);
    }
    let result = main_loop(&mut app, &worker, tx, rx, first, idle_lock);
    // Whatever happened, what was sent is carried out and flushed first.
    worker.stop();
    restore();
    let _ = out.flush();
    result
}

/// The effects sent to the worker and not yet done, oldest first: for
/// each, whether keys wait for it.
#[derive(Default)]
struct InFlight {
    holds: std::collections::VecDeque<bool>,
    /// Since when keys wait.
    since: Option<Instant>,
}

impl InFlight {
    fn holding(&self) -> bool {
        self.holds.iter().any(|h| *h)
    }
}

fn send(worker: &Worker, app: &App, flight: &mut InFlight, fx: Vec<Effect>) {
    for e in fx {
        let holds = e.holds_input();
        if holds && flight.since.is_none() {
            flight.since = Some(Instant::now());
        }
        flight.holds.push_back(holds);
        if !worker.run(app.session(), e) {
            crate::log::warn("worker: gone; effect dropped");
            flight.holds.pop_back();
        }
    }
}

fn main_loop(
    app: &mut App,
    worker: &Worker,
    tx: mpsc::Sender<Ev>,
    rx: mpsc::Receiver<Ev>,
    first: Vec<Effect>,
    idle_lock: Option<Duration>,
) -> io::Result<()> {
    // Each frame's colour sequences are compacted before they leave
    // (fewer bytes per keystroke over SSH; 16-colour SGR for the console).
    // Cleared by hand: ratatui's `clear()` first asks the terminal where
    // its cursor is and gives up after 2 s without an answer (slow SSH).
    execute!(io::stdout(), terminal::Clear(terminal::ClearType::All))?;
    let backend = CrosstermBackend::new(crate::term_out::CompactWriter::new(io::stdout()));
    let mut terminal = Terminal::new(backend)?;
    // The terminal going away (SIGHUP: the SSH session dropped, the window
    // closed), a shutdown (SIGTERM) or an interrupt from outside (raw mode
    // turns Ctrl-C into a key): the app quits as safely as on its own key.
    // SIGWINCH too: crossterm's reader blocks in read(2) after input that
    // makes no event (a byte that is no UTF-8, a cut-short sequence) until
    // the next key, and the resizes it would report wait with it.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGWINCH,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGQUIT,
    ])?;
    let signal_tx = tx.clone();
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let ev = if signal == signal_hook::consts::SIGWINCH {
                Ev::Resized
            } else {
                Ev::Gone
            };
            let gone = matches!(ev, Ev::Gone);
            if signal_tx.send(ev).is_err() || gone {
                break;
            }
        }
    });
    watch_hangup(tx.clone());
    std::thread::spawn(move || loop {
        match event::read() {
            Ok(ev) => {
                if tx.send(Ev::Term(ev)).is_err() {
                    break;
                }
            }
            Err(_) => {
                let _ = tx.send(Ev::Gone);
                break;
            }
        }
    });
    let mut flight = InFlight::default();
    let mut held: std::collections::VecDeque<Ev> = std::collections::VecDeque::new();
    let mut keys = Keys {
        last_input: Instant::now(),
        pending_esc: None,
        resized: false,
    };
    send(worker, app, &mut flight, first);
    app.dirty = true;
    loop {
        // Keys typed while the worker had an answer due, in order, now
        // that it is in (one may ask for more work: the rest wait again).
        while !flight.holding() && !app.quit {
            let Some(ev) = held.pop_front() else { break };
            let fx = keys.apply(app, ev);
            send(worker, app, &mut flight, fx);
        }
        if app.quit {
            return Ok(());
        }
        let busy = flight
            .since
            .is_some_and(|t| t.elapsed() >= BUSY_AFTER && flight.holding());
        if busy != app.busy {
            app.busy = busy;
            app.dirty = true;
        }
        if app.dirty {
            if std::mem::take(&mut keys.resized) {
                // Redrawn whole, whatever size ratatui last saw: after a
                // storm of resizes the terminal may have reflowed or
                // cleared what a diff against the last frame assumes.
                let size = terminal.size()?;
                terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))?;
            }
            terminal.draw(|f| crate::ui::view(app, f))?;
            app.dirty = false;
        }
        // Sleep until an event, or the next thing that is due.
        let now = Instant::now();
        let mut deadline: Option<Instant> = None;
        let mut due = |at: Instant| {
            deadline = Some(deadline.map_or(at, |d: Instant| d.min(at)));
        };
        if let (Some(e), false) = (keys.pending_esc, flight.holding()) {
            due(e + ESC_WAIT);
        }
        if let (Some(t), false) = (flight.since, app.busy) {
            due(t + BUSY_AFTER);
        }
        if let (Some(idle), true) = (idle_lock, app.user.is_some()) {
            if !matches!(app.overlay, Some(crate::app::state::Overlay::Locked(_))) {
                due(keys.last_input + idle);
            }
        }
        let ev = match deadline {
            Some(d) => match rx.recv_timeout(d.saturating_duration_since(now)) {
                Ok(ev) => Some(ev),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            },
            None => match rx.recv() {
                Ok(ev) => Some(ev),
                Err(_) => return Ok(()),
            },
        };
        let now = Instant::now();
        let Some(ev) = ev else {
            let mut fx = Vec::new();
            if let Some(e) = keys.pending_esc {
                if now >= e + ESC_WAIT && !flight.holding() {
                    keys.pending_esc = None;
                    fx.extend(app.on_input(Input::Key(Key {
                        code: KeyCode2::Esc,
                        ctrl: false,
                    })));
                }
            }
            if let Some(idle) = idle_lock {
                if now >= keys.last_input + idle {
                    fx.extend(app.lock());
                    keys.last_input = now;
                }
            }
            send(worker, app, &mut flight, fx);
            continue;
        };
        match ev {
            Ev::Done => {
                flight.holds.pop_front();
                if !flight.holding() {
                    flight.since = None;
                }
            }
            Ev::Msg(m) => {
                let fx = app.on_msg(m);
                send(worker, app, &mut flight, fx);
            }
            // Typed while an answer is due: it waits its turn.
            ev @ (Ev::Term(Event::Key(_)) | Ev::Term(Event::Paste(_))) if flight.holding() => {
                keys.last_input = now;
                held.push_back(ev);
            }
            ev => {
                let fx = keys.apply(app, ev);
                send(worker, app, &mut flight, fx);
            }
        }
    }
}

const ESC_WAIT: Duration = Duration::from_millis(600);

/// The keyboard's own state: Esc waiting for a digit, the last key's time.
struct Keys {
    last_input: Instant,
    pending_esc: Option<Instant>,
    resized: bool,
}

impl Keys {
    /// Applies one terminal event to the app; the effects to send.
    fn apply(&mut self, app: &mut App, ev: Ev) -> Vec<Effect> {
        let now = Instant::now();
        match ev {
            // Whatever is typed is saved, then the loop ends (no drawing:
            // there may be no terminal left to draw on).
            Ev::Gone => app.terminal_gone(),
            Ev::Msg(m) => app.on_msg(m),
            Ev::Done => vec![],
            Ev::Term(Event::Resize(_, _)) | Ev::Resized => {
                self.resized = true;
                app.dirty = true;
                vec![]
            }
            Ev::Term(Event::Paste(s)) => {
                self.last_input = now;
                app.on_input(Input::Paste(s))
            }
            Ev::Term(Event::Key(k)) if k.kind != KeyEventKind::Release => {
                self.last_input = now;
                let Some(input) = decode(&k) else {
                    return vec![];
                };
                let mut fx = Vec::new();
                // Esc then a digit = F1..F10 (VT100); a lone Esc acts after a pause.
                if self.pending_esc.take().is_some() {
                    if let Input::Char(c) = input {
                        if let Some(fk) = esc_digit(c) {
                            return app.on_input(Input::Key(fk));
                        }
                    }
                    fx.extend(app.on_input(Input::Key(Key {
                        code: KeyCode2::Esc,
                        ctrl: false,
                    })));
                }
                if matches!(
                    &input,
                    Input::Key(Key {
                        code: KeyCode2::Esc,
                        ctrl: false
                    })
                ) {
                    self.pending_esc = Some(now);
                    return fx;
                }
                fx.extend(app.on_input(input));
                fx
            }
            Ev::Term(_) => vec![],
        }
    }
}
