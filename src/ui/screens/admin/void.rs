//! The void form.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::*;
use crate::i18n::tr;
use crate::ui::widgets::{block, centered, input};

pub fn void(app: &App, v: &VoidForm, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let rect = centered(area, 70, 8);
    let b = block(app, tr(app.lang, "admin.void").to_string());
    let inner = b.inner(rect);
    f.render_widget(b, rect);
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .split(inner);
    for (i, (key, line)) in [
        ("admin.void_number", &v.number),
        ("admin.void_reason", &v.reason),
    ]
    .into_iter()
    .enumerate()
    {
        let [l, val] =
            Layout::horizontal([Constraint::Length(16), Constraint::Min(10)]).areas(rows[i]);
        f.render_widget(Paragraph::new(tr(app.lang, key)).style(r.label), l);
        let style = if v.focus == i { r.focus } else { r.field };
        input(f, val, line, style, v.focus == i);
    }
    f.render_widget(
        Paragraph::new(tr(app.lang, "admin.void_hint"))
            .style(r.hint)
            .wrap(Wrap { trim: true }),
        rows[3],
    );
}
