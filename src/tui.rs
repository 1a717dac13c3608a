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

use crate::app::runtime::Runtime;
use crate::app::state::App;
use crate::app::update::{Effect, Input};
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
/// readable. Only the UI thread's panic tears the screen down.
fn install_panic_hook() {
    let main_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == main_thread {
            restore();
        }
        previous(info);
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

/// Runs the app until it quits. The terminal is restored on every path.
pub fn run(
    mut app: App,
    mut rt: Runtime,
    first: Vec<Effect>,
    idle_lock: Option<Duration>,
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
    let result = main_loop(&mut app, &mut rt, first, idle_lock);
    if let Some(h) = rt.relay.lock().ok().and_then(|r| r.clone()) {
        h.shutdown();
    }
    // Whatever happened, nothing typed is left unflushed.
    let _ = rt.store.flush();
    restore();
    let _ = out.flush();
    result
}

fn main_loop(
    app: &mut App,
    rt: &mut Runtime,
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
    let (tx, rx) = mpsc::channel::<Ev>();
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
    // Background work (the upload relay, reconciliation) reports through
    // the same channel as the keyboard.
    let relay_tx = std::sync::Mutex::new(tx.clone());
    rt.ui = Some(std::sync::Arc::new(move |msg| {
        if let Ok(t) = relay_tx.lock() {
            let _ = t.send(Ev::Msg(msg));
        }
    }));
    if let Some(branch) = app.branch.clone() {
        app.sync.link = rt.start_relay(&branch);
    }
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
    let mut queue: Vec<Effect> = first;
    let mut last_input = Instant::now();
    let mut pending_esc: Option<Instant> = None;
    let mut resized = false;
    const ESC_WAIT: Duration = Duration::from_millis(600);
    app.dirty = true;
    loop {
        // Carry out effects until none are left.
        while !queue.is_empty() {
            let fx = queue.remove(0);
            if let Some(msg) = rt.run(app, fx) {
                queue.extend(app.on_msg(msg));
            }
        }
        if app.quit {
            return Ok(());
        }
        if app.dirty {
            if std::mem::take(&mut resized) {
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
        let mut deadline: Option<Instant> = rt.flush_due;
        if let Some(e) = pending_esc {
            deadline = Some(deadline.map_or(e + ESC_WAIT, |d| d.min(e + ESC_WAIT)));
        }
        if let (Some(idle), true) = (idle_lock, app.user.is_some()) {
            let due = last_input + idle;
            if app.overlay.is_none()
                || !matches!(app.overlay, Some(crate::app::state::Overlay::Locked(_)))
            {
                deadline = Some(deadline.map_or(due, |d| d.min(due)));
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
        if let Some(msg) = rt.flush_if_due(now) {
            queue.extend(app.on_msg(msg));
        }
        let Some(ev) = ev else {
            if let Some(e) = pending_esc {
                if now >= e + ESC_WAIT {
                    pending_esc = None;
                    queue.extend(app.on_input(Input::Key(Key {
                        code: KeyCode2::Esc,
                        ctrl: false,
                    })));
                }
            }
            if let Some(idle) = idle_lock {
                if now >= last_input + idle {
                    queue.extend(app.lock());
                    last_input = now;
                }
            }
            continue;
        };
        match ev {
            // Whatever is typed is saved, then the loop ends (no drawing:
            // there may be no terminal left to draw on).
            Ev::Gone => queue.extend(app.terminal_gone()),
            Ev::Msg(m) => queue.extend(app.on_msg(m)),
            Ev::Term(Event::Resize(_, _)) | Ev::Resized => {
                resized = true;
                app.dirty = true;
            }
            Ev::Term(Event::Paste(s)) => {
                last_input = now;
                queue.extend(app.on_input(Input::Paste(s)));
            }
            Ev::Term(Event::Key(k)) if k.kind != KeyEventKind::Release => {
                last_input = now;
                let Some(input) = decode(&k) else { continue };
                // Esc then a digit = F1..F10 (VT100); a lone Esc acts after a pause.
                if pending_esc.take().is_some() {
                    if let Input::Char(c) = input {
                        if let Some(fk) = esc_digit(c) {
                            queue.extend(app.on_input(Input::Key(fk)));
                            continue;
                        }
                    }
                    queue.extend(app.on_input(Input::Key(Key {
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
                    pending_esc = Some(now);
                    continue;
                }
                queue.extend(app.on_input(input));
            }
            Ev::Term(_) => {}
        }
    }
}
