//! The terminal screens: pure views of the app state (`&App` in, cells out).

pub mod screens;
pub mod theme;
pub mod widgets;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::{App, Level, Overlay, Screen};
use crate::i18n::{fmt, tr};
use crate::keymap::Action;

/// The smallest screen the app draws its work screens on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Draws the whole screen from the state.
pub fn view(app: &App, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(app, f, area);
        return;
    }
    let [top, body, message, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    top_bar(app, f, top);
    match &app.screen {
        Screen::Setup(form) => screens::setup(app, form, f, body),
        Screen::Login(form) => screens::login(app, form, f, body),
        Screen::Home { selected } => screens::home(app, *selected, f, body),
        Screen::Picker(p) => screens::picker(app, p, f, body),
        Screen::FindDraft(fd) => screens::find_draft(app, fd, f, body),
        Screen::Wizard(ws) => screens::wizard(app, ws, f, body),
        Screen::Receipt(r) => screens::receipt(app, r, f, body),
        Screen::Admin { selected } => screens::admin::menu(app, *selected, f, body),
        Screen::Tally(t) => screens::admin::tally(app, t, f, body),
        Screen::Accounts(a) => screens::admin::accounts(app, a, f, body),
        Screen::Void(v) => screens::admin::void(app, v, f, body),
        Screen::Audit(a) => screens::admin::audit(app, a, f, body),
        Screen::Queue(q) => screens::admin::queue(app, q, f, body),
        Screen::Corrections(c) => screens::corrections(app, c, f, body),
    }
    message_line(app, f, message);
    footer_bar(app, f, footer);
    match &app.overlay {
        Some(Overlay::Help { page }) => widgets::help(app, *page, f, body),
        Some(Overlay::Confirm(c)) => widgets::confirm(app, c, f, body),
        Some(Overlay::Locked(pin)) => widgets::locked(app, pin, f, body),
        None => {}
    }
}

fn too_small(app: &App, f: &mut Frame, area: Rect) {
    let text = fmt(
        app.lang,
        "ui.too_small",
        &[
            ("w", &area.width),
            ("h", &area.height),
            ("mw", &MIN_WIDTH),
            ("mh", &MIN_HEIGHT),
        ],
    );
    // Training stays marked even on a terminal too small to draw on.
    let text = if app.training {
        format!("{}\n{text}", tr(app.lang, "common.training_banner").trim())
    } else {
        text
    };
    let p = Paragraph::new(text)
        .style(app.theme.roles.warn)
        .wrap(ratatui::widgets::Wrap { trim: true });
    f.render_widget(p, area);
}

fn top_bar(app: &App, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let mut spans = vec![Span::styled(
        format!(" {} ", tr(app.lang, "common.app_name")),
        r.title,
    )];
    // The training mark first: a long branch name never pushes it off.
    if app.training {
        spans.push(Span::styled(
            tr(app.lang, "common.training_banner"),
            r.training,
        ));
        spans.push(Span::raw(" "));
    }
    if let Some(b) = &app.branch {
        spans.push(Span::styled(format!("{} ({})", b.name, b.code), r.text));
    }
    if let Some(u) = &app.user {
        spans.push(Span::styled(format!(" · {} {}", u.id, u.name), r.text));
    }
    spans.push(Span::styled(format!(" · {}", app.today), r.muted));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn message_line(app: &App, f: &mut Frame, area: Rect) {
    if let Some((level, text)) = &app.message {
        let style = match level {
            Level::Info => app.theme.roles.valid,
            Level::Warn => app.theme.roles.warn,
            Level::Error => app.theme.roles.error,
        };
        f.render_widget(Paragraph::new(Span::styled(text.as_str(), style)), area);
    }
}

/// The actions worth a hint on each screen (none on the lock screen: only
/// the PIN and Enter work there).
fn footer_actions(app: &App) -> &'static [Action] {
    if matches!(app.overlay, Some(Overlay::Locked(_))) {
        return &[];
    }
    match &app.screen {
        Screen::Wizard(_) => &[
            Action::Help,
            Action::Next,
            Action::Park,
            Action::Back,
            Action::DiscardDraft,
        ],
        Screen::Home { .. } => &[
            Action::Help,
            Action::Search,
            Action::FindDraft,
            Action::SendNow,
            Action::Admin,
        ],
        Screen::Receipt(_) => &[Action::Help, Action::Print, Action::Back],
        Screen::Picker(_) | Screen::FindDraft(_) => &[Action::Help, Action::Back],
        Screen::Setup(_) => &[Action::Help, Action::Submit, Action::Training, Action::Quit],
        Screen::Login(_) => &[Action::Help, Action::Quit],
        Screen::Queue(_) => &[Action::Help, Action::SendNow, Action::Back],
        Screen::Corrections(_) => &[Action::Help, Action::Print, Action::Back],
        _ => &[Action::Help, Action::Back],
    }
}

/// The right end of the footer: work under way, the upload queue and the
/// link as they are now, in the UI's language.
pub fn status_text(app: &App) -> String {
    use crate::sync::relay::{LinkState, SyncErrorKind};
    let mut s = String::new();
    if app.busy {
        s.push_str(tr(app.lang, "status.busy"));
    }
    if app.user.is_none() {
        return s;
    }
    if !s.is_empty() {
        s.push(' ');
    }
    // A training store uploads nothing: no count that never goes down.
    if app.training {
        s.push_str(tr(app.lang, "status.training_link"));
        return s;
    }
    let link = tr(app.lang, app.sync.link.key());
    let n = &app.home.pending;
    match (app.sync.link, app.sync.error) {
        // Offline says why, when the why adds something.
        (LinkState::Offline, Some(kind)) if kind != SyncErrorKind::Stalled => s.push_str(&fmt(
            app.lang,
            "status.queue_error",
            &[("n", n), ("link", &link), ("why", &kind.words(app.lang))],
        )),
        _ => s.push_str(&fmt(app.lang, "status.queue", &[("n", n), ("link", &link)])),
    }
    if let Some((name, sent, total)) = &app.sync.attachment {
        let pct = (sent * 100).checked_div(*total).unwrap_or(100);
        s.push_str(&fmt(
            app.lang,
            "status.attachment",
            &[("name", name), ("pct", &pct)],
        ));
    } else if let Some(t) = app.sync.next_try {
        s.push_str(&fmt(
            app.lang,
            "status.next",
            &[("time", &t.format("%H:%M"))],
        ));
    }
    s
}

fn footer_bar(app: &App, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let status = status_text(app);
    // The status has the right edge; key hints take what is left, whole
    // hints only, so a narrow terminal loses hints, never the status.
    let sw = unicode_width::UnicodeWidthStr::width(status.as_str());
    let room = (area.width as usize).saturating_sub(sw + 1);
    let mut spans = Vec::new();
    let mut used = 0;
    for a in footer_actions(app) {
        let key = Span::styled(app.keymap.short(*a), r.key);
        let desc = Span::styled(format!(" {}  ", widgets::action_desc(app, *a)), r.status);
        let w = key.width() + desc.width();
        if used + w > room {
            break;
        }
        used += w;
        spans.push(key);
        spans.push(desc);
    }
    let pad = (area.width as usize).saturating_sub(used + sw);
    spans.push(Span::styled(" ".repeat(pad), r.status));
    let status_style = if app.training { r.training } else { r.status };
    spans.push(Span::styled(status, status_style));
    f.render_widget(Paragraph::new(Line::from(spans)).style(r.status), area);
}
