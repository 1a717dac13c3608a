//! Small shared pieces: bordered blocks, text inputs, dialogs.

use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::input::LineInput;
use crate::app::state::{App, Confirm};
use crate::i18n::{fmt, tr};

/// Borders a VT100 or the Linux console can draw.
pub const ASCII: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// A bordered block titled `title`, in the theme's border style.
pub fn block<'a>(app: &App, title: String) -> Block<'a> {
    let set = if app.theme.ascii_borders {
        ASCII
    } else {
        border::PLAIN
    };
    Block::default()
        .borders(Borders::ALL)
        .border_set(set)
        .border_style(app.theme.roles.border)
        .title(Span::styled(format!(" {title} "), app.theme.roles.title))
}

/// A rectangle of `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [c] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    c
}

/// Draws a one-line input; with `focused`, places the terminal cursor.
pub fn input(f: &mut Frame, area: Rect, line: &LineInput, style: Style, focused: bool) {
    let (shown, col) = line.visible(area.width as usize);
    let pad =
        (area.width as usize).saturating_sub(unicode_width::UnicodeWidthStr::width(shown.as_str()));
    let text = format!("{shown}{}", " ".repeat(pad));
    f.render_widget(Paragraph::new(Span::styled(text, style)), area);
    if focused {
        f.set_cursor_position(Position::new(
            area.x + (col as u16).min(area.width.saturating_sub(1)),
            area.y,
        ));
    }
}

/// A label and its input on one row: `label_w` columns of label, then
/// `field_w` columns of input (focused: the focus style and the cursor).
pub fn labeled_input(
    app: &App,
    f: &mut Frame,
    row: Rect,
    (label_w, field_w): (u16, u16),
    label_key: &str,
    line: &LineInput,
    focused: bool,
) {
    let [label, field] =
        Layout::horizontal([Constraint::Length(label_w), Constraint::Length(field_w)]).areas(row);
    f.render_widget(
        Paragraph::new(tr(app.lang, label_key)).style(app.theme.roles.label),
        label,
    );
    let style = if focused {
        app.theme.roles.focus
    } else {
        app.theme.roles.field
    };
    input(f, field, line, style, focused);
}

/// The help overlay, generated from the key map in force.
pub fn help(app: &App, f: &mut Frame, area: Rect) {
    let all = app.keymap.all();
    let h = (all.len() as u16 + 5).min(area.height);
    let rect = centered(area, 70, h);
    f.render_widget(Clear, rect);
    let mut lines = Vec::new();
    for (action, keys) in all {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<28}", keys.join(" / ")), app.theme.roles.key),
            Span::styled(
                tr(app.lang, &action.desc_key()).to_string(),
                app.theme.roles.text,
            ),
        ]));
    }
    lines.push(Line::from(Span::styled(
        tr(app.lang, "help.close"),
        app.theme.roles.hint,
    )));
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block(app, tr(app.lang, "help.title").to_string()));
    f.render_widget(p, rect);
}

/// A yes/no question.
pub fn confirm(app: &App, c: &Confirm, f: &mut Frame, area: Rect) {
    let question = match c {
        Confirm::Discard(n) => fmt(app.lang, "confirm.discard", &[("number", n)]),
        Confirm::Quit => tr(app.lang, "confirm.quit").to_string(),
        Confirm::Detach { name, .. } => fmt(
            app.lang,
            "confirm.detach",
            &[("name", &crate::mask::escape_controls(name))],
        ),
        Confirm::Void {
            number,
            reason,
            what,
        } => fmt(
            app.lang,
            "admin.confirm_void",
            &[("number", number), ("reason", reason), ("what", what)],
        ),
        Confirm::Disable { id, name } => fmt(
            app.lang,
            "admin.confirm_disable",
            &[("id", id), ("name", name)],
        ),
        Confirm::Offer {
            service,
            name,
            draft,
            ..
        } => fmt(
            app.lang,
            "confirm.offer",
            &[("code", service), ("name", name), ("number", draft)],
        ),
    };
    let rect = centered(
        area,
        60,
        if matches!(c, Confirm::Offer { .. } | Confirm::Void { .. }) {
            8
        } else {
            6
        },
    );
    f.render_widget(Clear, rect);
    let p = Paragraph::new(vec![
        Line::from(Span::styled(question, app.theme.roles.warn)),
        Line::from(""),
        Line::from(Span::styled(
            tr(
                app.lang,
                if matches!(c, Confirm::Detach { .. }) {
                    "confirm.detach_keys"
                } else {
                    "confirm.keys"
                },
            ),
            app.theme.roles.hint,
        )),
    ])
    .wrap(Wrap { trim: true })
    .block(block(app, tr(app.lang, "confirm.title").to_string()));
    f.render_widget(p, rect);
}

/// The lock screen: the work underneath stays, hidden.
pub fn locked(app: &App, pin: &LineInput, f: &mut Frame, area: Rect) {
    f.render_widget(Clear, area);
    let rect = centered(area, 50, 7);
    let who = app
        .user
        .as_ref()
        .map(|u| format!("{} {}", u.id, u.name))
        .unwrap_or_default();
    let b = block(app, tr(app.lang, "lock.title").to_string());
    let inner = b.inner(rect);
    f.render_widget(b, rect);
    let [l1, _, l3, l4] = Layout::vertical([Constraint::Length(1); 4]).areas(inner);
    f.render_widget(
        Paragraph::new(fmt(app.lang, "lock.who", &[("who", &who)])).style(app.theme.roles.text),
        l1,
    );
    let [label, field] =
        Layout::horizontal([Constraint::Length(10), Constraint::Length(14)]).areas(l3);
    f.render_widget(
        Paragraph::new(tr(app.lang, "login.pin")).style(app.theme.roles.label),
        label,
    );
    input(f, field, pin, app.theme.roles.focus, true);
    f.render_widget(
        Paragraph::new(tr(app.lang, "lock.hint")).style(app.theme.roles.hint),
        l4,
    );
}
