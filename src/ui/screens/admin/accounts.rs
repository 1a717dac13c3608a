//! Clerk accounts and the add / reset-PIN form.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::*;
use crate::i18n::{fmt, tr};
use crate::store::Role;
use crate::ui::widgets::{block, centered, labeled_input};

pub fn accounts(app: &App, a: &AccountsView, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [list, keys] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let lines: Vec<Line> = a
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let role = match u.role {
                Role::Supervisor => tr(app.lang, "admin.role_supervisor"),
                Role::Clerk => tr(app.lang, "admin.role_clerk"),
            };
            let state = if u.disabled {
                tr(app.lang, "admin.state_disabled")
            } else if u.locked_until.is_some_and(|t| t > chrono::Utc::now()) {
                tr(app.lang, "admin.state_locked")
            } else {
                tr(app.lang, "admin.state_active")
            };
            let style = if i == a.selected { r.selected } else { r.text };
            Line::from(Span::styled(
                format!(" {:<8} {:<12} {:<10} {}", u.id, u.name, role, state),
                style,
            ))
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(app, tr(app.lang, "admin.accounts").to_string())),
        list,
    );
    f.render_widget(
        Paragraph::new(tr(app.lang, "admin.accounts_keys")).style(r.hint),
        keys,
    );
    if let Some(form) = &a.form {
        let rect = centered(area, 56, 9);
        f.render_widget(ratatui::widgets::Clear, rect);
        let title = match &form.reset {
            Some(id) => fmt(app.lang, "admin.form_reset", &[("id", id)]),
            None => tr(app.lang, "admin.form_new").to_string(),
        };
        let b = block(app, title);
        let inner = b.inner(rect);
        f.render_widget(b, rect);
        let rows = Layout::vertical([Constraint::Length(1); 6]).split(inner);
        let labels = ["admin.f_id", "admin.f_name", "setup.pin", "setup.pin2"];
        let first = if form.reset.is_some() { 2 } else { 0 };
        for (row, i) in (first..4).enumerate() {
            labeled_input(
                app,
                f,
                rows[row],
                (22, 20),
                labels[i],
                &form.inputs[i],
                form.focus == i,
            );
        }
        if form.reset.is_none() {
            let role = if form.supervisor {
                tr(app.lang, "admin.role_supervisor")
            } else {
                tr(app.lang, "admin.role_clerk")
            };
            f.render_widget(Paragraph::new(format!("‹ {role} ›")).style(r.text), rows[5]);
        }
    }
}
