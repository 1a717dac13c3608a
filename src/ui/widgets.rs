//! Small shared pieces: bordered blocks, text inputs, dialogs.

use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::app::input::LineInput;
use crate::app::state::{App, Confirm};
use crate::catalog::text::{display_width, pad};
use crate::i18n::{fmt, tr};
use crate::keymap::Action;

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

/// Clears `rect` for a popup. A wide character just left of it would hide
/// the popup's left border (a terminal draws it over the next column), so it
/// is blanked too.
pub fn clear_popup(f: &mut Frame, rect: Rect) {
    f.render_widget(Clear, rect);
    if rect.x == 0 {
        return;
    }
    let buf = f.buffer_mut();
    for y in rect.y..rect.y.saturating_add(rect.height) {
        let Some(cell) = buf.cell_mut((rect.x - 1, y)) else {
            continue;
        };
        if unicode_width::UnicodeWidthStr::width(cell.symbol()) > 1 {
            cell.set_symbol(" ");
        }
    }
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

/// A locale text with every `{action}` placeholder (an action's `[keys]`
/// name: `{select}`, `{up}`, `{back}`...) filled with that action's key in
/// the key map in force, after the `extra` arguments.
pub fn keyed(app: &App, key: &str, extra: &[(&str, &dyn std::fmt::Display)]) -> String {
    fill_keys(&app.keymap, &fmt(app.lang, key, extra))
}

/// Fills every `{action}` placeholder of `text` with that action's key in
/// `keys` (for texts made where the key map is not known: a validation
/// message, a printer's error).
pub fn fill_keys(keys: &crate::keymap::KeyMap, text: &str) -> String {
    let mut out = text.to_string();
    if !out.contains('{') {
        return out;
    }
    for a in Action::ALL {
        let name = format!("{{{}}}", a.name());
        if out.contains(&name) {
            out = out.replace(&name, &keys.short(a));
        }
    }
    out
}

/// What an action does, as a footer or help names it: the admin key opens
/// the upload queue for a clerk.
pub fn action_desc(app: &App, a: Action) -> String {
    let supervisor = app
        .user
        .as_ref()
        .is_some_and(|u| u.role == crate::store::Role::Supervisor);
    if a == Action::Admin && !supervisor {
        return tr(app.lang, "keys.admin_clerk").to_string();
    }
    tr(app.lang, &a.desc_key()).to_string()
}

/// The help overlay, generated from the key map in force: keys and what
/// they do in columns sized by display width, in two columns when one does
/// not fit, and the close hint always on its last lines.
pub fn help(app: &App, page: usize, f: &mut Frame, area: Rect) {
    // Each context under its heading, global first; a heading is an entry
    // with no keys.
    let mut entries: Vec<(String, String)> = Vec::new();
    for (ctx, actions) in app.keymap.by_context() {
        entries.push((
            String::new(),
            format!("【{}】", tr(app.lang, ctx.title_key())),
        ));
        for (a, keys) in actions {
            entries.push((keys.join(" / "), action_desc(app, a)));
        }
    }
    // Two columns of what the screen holds, less the close hint (two lines
    // at most) and a page line: more than that is paged, cut at a heading
    // where one is near, a context cut in two carried on under its heading.
    let rows = usize::from(area.height.saturating_sub(2)).saturating_sub(3);
    let capacity = (2 * rows).saturating_sub(2).max(4);
    if entries.len() <= capacity + 2 {
        return help_page(app, &entries, None, f, area);
    }
    let mut pages: Vec<Vec<(String, String)>> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let mut page: Vec<(String, String)> = Vec::new();
        if !entries[start].0.is_empty() {
            // Carried on: the heading of the context it continues.
            if let Some((_, title)) = entries[..start].iter().rev().find(|(k, _)| k.is_empty()) {
                page.push((
                    String::new(),
                    fmt(app.lang, "help.continued", &[("title", title)]),
                ));
            }
        }
        let room = capacity.saturating_sub(page.len()).max(1);
        let mut end = (start + room).min(entries.len());
        if end < entries.len() {
            if let Some(h) = (start + room / 2 + 1..end)
                .rev()
                .find(|i| entries[*i].0.is_empty())
            {
                end = h;
            }
        }
        page.extend_from_slice(&entries[start..end]);
        pages.push(page);
        start = end;
    }
    let n = pages.len();
    let at = page.min(n - 1);
    let line = keyed(app, "help.page", &[("page", &(at + 1)), ("pages", &n)]);
    help_page(app, &pages[at], Some(line), f, area)
}

/// One page of the key help: `entries` in one or two columns, the close
/// hint under them (and which page this is, when there are more).
fn help_page(
    app: &App,
    entries: &[(String, String)],
    page_line: Option<String>,
    f: &mut Frame,
    area: Rect,
) {
    let r = &app.theme.roles;
    let key_w = entries
        .iter()
        .map(|(k, _)| display_width(k))
        .max()
        .unwrap_or(0);
    let desc_w = entries
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(_, d)| display_width(d))
        .max()
        .unwrap_or(0);
    let entry_w = key_w + 2 + desc_w;
    let max_inner = usize::from(area.width.saturating_sub(2));
    let close_w = display_width(tr(app.lang, "help.close"));
    let fit_rows = usize::from(area.height.saturating_sub(2));
    // One column if it fits (with the close hint on two lines at most),
    // else two.
    let cols = if entries.len() + 2 <= fit_rows || 2 * entry_w + 3 > max_inner {
        1
    } else {
        2
    };
    let mut inner_w = (cols * entry_w + (cols - 1) * 3)
        .max(close_w.min(max_inner))
        .min(max_inner);
    // Within a few columns of the screen's width: take all of it, rather
    // than leave a sliver of the screen beneath showing at one side.
    if inner_w + 4 > max_inner {
        inner_w = max_inner;
    }
    let mut close: Vec<String> = page_line
        .iter()
        .flat_map(|l| crate::catalog::wrap(l, inner_w, "", ""))
        .collect();
    close.extend(crate::catalog::wrap(
        tr(app.lang, "help.close"),
        inner_w,
        "",
        "",
    ));
    // Two columns split at the heading nearest the middle, so that no
    // context is cut in two; when that leaves a column too long for the
    // screen, split in the middle and head the second column with the
    // context it continues.
    let rows_free = fit_rows.saturating_sub(close.len());
    let (split, carried) = if cols == 1 {
        (entries.len(), None)
    } else {
        let half = entries.len().div_ceil(2);
        let at_heading = (1..entries.len())
            .filter(|i| entries[*i].0.is_empty())
            .min_by_key(|i| i.abs_diff(half))
            .unwrap_or(half);
        if at_heading.max(entries.len() - at_heading) <= rows_free || entries[half].0.is_empty() {
            (at_heading, None)
        } else {
            let title = entries[..half]
                .iter()
                .rev()
                .find(|(k, _)| k.is_empty())
                .map(|(_, d)| d.clone())
                .unwrap_or_default();
            let cont = fmt(app.lang, "help.continued", &[("title", &title)]);
            (half, Some((String::new(), cont)))
        }
    };
    let mut second: Vec<(String, String)> = carried.into_iter().collect();
    second.extend_from_slice(&entries[split..]);
    let columns: [&[(String, String)]; 2] = [&entries[..split], &second];
    let per_col = split.max(second.len());
    let h = (per_col + close.len() + 2).min(usize::from(area.height));
    let rect = centered(area, (inner_w + 2) as u16, h as u16);
    clear_popup(f, rect);
    let b = block(app, tr(app.lang, "help.title").to_string());
    let inner = b.inner(rect);
    f.render_widget(b, rect);
    let close_h = (close.len() as u16).min(inner.height);
    let [list, hint] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(close_h)]).areas(inner);
    let mut lines = Vec::new();
    for row in 0..per_col {
        let mut spans = Vec::new();
        for (c, column) in columns.iter().enumerate().take(cols) {
            let Some((k, d)) = column.get(row) else {
                // An empty cell keeps the next column in place.
                if c + 1 < cols {
                    spans.push(Span::raw(" ".repeat(entry_w)));
                }
                continue;
            };
            if c > 0 {
                spans.push(Span::raw("   "));
            }
            let last = c + 1 == cols;
            if k.is_empty() {
                let d = if last {
                    d.clone()
                } else {
                    pad(d, key_w + 2 + desc_w)
                };
                spans.push(Span::styled(d, r.title));
                continue;
            }
            spans.push(Span::styled(pad(k, key_w + 2), r.key));
            let d = if last { d.clone() } else { pad(d, desc_w) };
            spans.push(Span::styled(d, r.text));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), list);
    let close: Vec<Line> = close
        .into_iter()
        .map(|l| Line::from(Span::styled(l, r.hint)))
        .collect();
    f.render_widget(Paragraph::new(close), hint);
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
    // As wide as the question needs, at most 60 columns (wrapped by
    // display width), as tall as the wrapped lines.
    let keys = &if matches!(c, Confirm::Detach { .. }) {
        crate::ui::widgets::keyed(app, "confirm.detach_keys", &[])
    } else {
        fmt(
            app.lang,
            "confirm.keys",
            &[("yes", &app.keymap.joined(Action::Confirm))],
        )
    };
    let want = display_width(&question).max(display_width(keys)).max(30);
    let inner_w = want.min(58).min(usize::from(area.width.saturating_sub(2)));
    let r = &app.theme.roles;
    let mut lines: Vec<Line> = crate::catalog::wrap(&question, inner_w, "", "")
        .into_iter()
        .map(|l| Line::from(Span::styled(l, r.warn)))
        .collect();
    lines.push(Line::from(""));
    lines.extend(
        crate::catalog::wrap(keys, inner_w, "", "")
            .into_iter()
            .map(|l| Line::from(Span::styled(l, r.hint))),
    );
    let rect = centered(area, (inner_w + 2) as u16, lines.len() as u16 + 2);
    clear_popup(f, rect);
    let p = Paragraph::new(lines).block(block(app, tr(app.lang, "confirm.title").to_string()));
    f.render_widget(p, rect);
}

/// The lock screen: the work underneath stays, hidden.
pub fn locked(app: &App, pin: &LineInput, f: &mut Frame, area: Rect) {
    clear_popup(f, area);
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
        Paragraph::new(crate::ui::widgets::keyed(app, "lock.hint", &[]))
            .style(app.theme.roles.hint),
        l4,
    );
}
