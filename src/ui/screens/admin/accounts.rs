//! Clerk accounts and the add / reset-PIN form.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::*;
use crate::catalog::text::{pad, truncate};
use crate::i18n::{fmt, tr};
use crate::store::Role;
use crate::ui::widgets::{block, centered, labeled_input};

pub fn accounts(app: &App, a: &AccountsView, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [list, keys] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let width = list.width.saturating_sub(2) as usize;
    // The header row, then as many accounts as fit, the selected one shown.
    let visible = (list.height.saturating_sub(3) as usize).max(1);
    let start = a.selected.saturating_sub(visible - 1);
    let header = Line::from(Span::styled(
        truncate(
            &format!(
                " {} {} {} {}",
                pad(tr(app.lang, "admin.f_id"), 10),
                pad(tr(app.lang, "admin.f_name"), 12),
                pad(tr(app.lang, "admin.col_role"), 10),
                tr(app.lang, "admin.col_state")
            ),
            width,
        ),
        r.label,
    ));
    let lines: Vec<Line> = std::iter::once(header)
        .chain(
            a.users
                .iter()
                .enumerate()
                .skip(start)
                .take(visible)
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
                        truncate(
                            &format!(
                                " {} {} {} {}",
                                pad(&u.id, 10),
                                pad(&u.name, 12),
                                pad(role, 10),
                                state
                            ),
                            width,
                        ),
                        style,
                    ))
                }),
        )
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(app, tr(app.lang, "admin.accounts").to_string())),
        list,
    );
    f.render_widget(
        Paragraph::new(crate::ui::widgets::keyed(app, "admin.accounts_keys", &[])).style(r.hint),
        keys,
    );
    if let Some(form) = &a.form {
        let rect = centered(area, 56, 9);
        f.render_widget(ratatui::widgets::Clear, rect);
        let title = match &form.reset {
            Some(id) => fmt(app.lang, "admin.form_reset", &[("id", id)]),
            None => crate::ui::widgets::keyed(app, "admin.form_new", &[]),
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
