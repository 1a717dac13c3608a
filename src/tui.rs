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
    Gone,
    Msg(crate::app::update::Msg),
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
    let backend = CrosstermBackend::new(crate::term_out::CompactWriter::new(io::stdout()));
    let mut terminal = Terminal::new(backend)?;
    terminal.clear()?;
    let (tx, rx) = mpsc::channel::<Ev>();
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
            Ev::Gone => return Ok(()),
            Ev::Msg(m) => queue.extend(app.on_msg(m)),
            Ev::Term(Event::Resize(_, _)) => {
                terminal.autoresize()?;
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
