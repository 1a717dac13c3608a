//! The supervisor's screens: menu, tally with a 30-day chart, accounts,
//! void, audit log, and the upload queue.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, Wrap};
use ratatui::Frame;

use crate::app::state::*;
use crate::i18n::{fmt, tr};
use crate::receipt::payment_label;
use crate::store::{Payment, Role};
use crate::ui::widgets::{block, centered, input, labeled_input};
use crate::wizard::field::yuan;

pub fn menu(app: &App, selected: usize, f: &mut Frame, area: Rect) {
    let rect = centered(area, 40, ADMIN_ITEMS.len() as u16 + 5);
    let backup = match app.home.last_backup {
        Some(at) if (app.today - at.date_naive()).num_days() <= crate::doctor::BACKUP_OLD_DAYS => {
            Span::styled(
                crate::i18n::fmt(
                    app.lang,
                    "backup.last",
                    &[("at", &at.format("%Y-%m-%d %H:%M"))],
                ),
                app.theme.roles.hint,
            )
        }
        Some(at) => Span::styled(
            crate::i18n::fmt(
                app.lang,
                "backup.last",
                &[("at", &at.format("%Y-%m-%d %H:%M"))],
            ),
            app.theme.roles.warn,
        ),
        None => Span::styled(tr(app.lang, "backup.never_short"), app.theme.roles.warn),
    };
    let lines: Vec<Line> = ADMIN_ITEMS
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let style = if i == selected {
                app.theme.roles.selected
            } else {
                app.theme.roles.text
            };
            Line::from(Span::styled(
                format!(" {} {}", i + 1, tr(app.lang, key)),
                style,
            ))
        })
        .chain(std::iter::once(Line::from(Span::styled(
            tr(app.lang, "admin.menu_hint"),
            app.theme.roles.hint,
        ))))
        .chain(std::iter::once(Line::from(backup)))
        .collect();
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(block(app, tr(app.lang, "admin.title").to_string())),
        rect,
    );
}

pub fn tally(app: &App, t: &TallyView, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [numbers, chart, keys] = Layout::vertical([
        Constraint::Min(8),
        Constraint::Length(5),
        Constraint::Length(1),
    ])
    .areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(numbers);
    let d = &t.tally;
    let mut lines = vec![Line::from(Span::styled(
        fmt(
            app.lang,
            "tally.summary",
            &[
                ("total", &d.total),
                ("voided", &d.voided),
                ("fees", &yuan(d.fees_total_fen)),
            ],
        ),
        r.title,
    ))];
    lines.push(Line::from(Span::styled(
        tr(app.lang, "tally.by_service"),
        r.label,
    )));
    for s in &app.catalog.services {
        if let Some(n) = d.by_service.get(&s.code) {
            lines.push(Line::from(Span::styled(
                format!("  {:<4} {} {n}", s.code, s.name(app.lang)),
                r.text,
            )));
        }
    }
    f.render_widget(
        Paragraph::new(lines).block(block(
            app,
            fmt(app.lang, "tally.heading", &[("date", &t.day)]),
        )),
        left,
    );
    let mut lines = vec![Line::from(Span::styled(
        tr(app.lang, "tally.by_clerk"),
        r.label,
    ))];
    for (clerk, n) in &d.by_clerk {
        let fen = d.fees_by_clerk.get(clerk).copied().unwrap_or(0);
        lines.push(Line::from(Span::styled(
            format!("  {clerk:<6} {n:>4}  ¥{}", yuan(fen)),
            r.text,
        )));
    }
    lines.push(Line::from(Span::styled(
        tr(app.lang, "tally.by_payment"),
        r.label,
    )));
    for p in Payment::ALL {
        let fen = d.by_payment.get(p.as_str()).copied().unwrap_or(0);
        lines.push(Line::from(Span::styled(
            format!("  {} ¥{}", payment_label(p, app.lang), yuan(fen)),
            r.text,
        )));
    }
    lines.push(Line::from(Span::styled(
        fmt(
            app.lang,
            "tally.upload",
            &[
                ("pending", &d.pending),
                ("acknowledged", &d.acknowledged),
                ("quarantined", &d.quarantined),
            ],
        ),
        r.text,
    )));
    if let Some(rec) = &t.reconcile {
        for l in rec {
            lines.push(Line::from(Span::styled(l.clone(), r.warn)));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(block(app, String::new())),
        right,
    );
    let data: Vec<u64> = t.history.iter().map(|(_, n)| *n).collect();
    let spark = Sparkline::default()
        .data(&data)
        .style(r.valid)
        .block(block(app, tr(app.lang, "admin.chart").to_string()));
    f.render_widget(spark, chart);
    f.render_widget(
        Paragraph::new(tr(app.lang, "admin.tally_keys")).style(r.hint),
        keys,
    );
}

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

pub fn audit(app: &App, a: &AuditView, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let b = block(app, tr(app.lang, "admin.audit").to_string());
    let inner = b.inner(area);
    f.render_widget(b, area);
    if a.entries.is_empty() {
        f.render_widget(
            Paragraph::new(tr(app.lang, "admin.audit_empty")).style(r.hint),
            inner,
        );
        return;
    }
    let lines: Vec<Line> = a
        .entries
        .iter()
        .skip(a.scroll)
        .take(inner.height as usize)
        .map(|e| {
            Line::from(Span::styled(
                format!(
                    "{}  {:<6} {:<18} {}",
                    e.at.format("%m-%d %H:%M:%S"),
                    e.who,
                    e.what,
                    e.detail
                ),
                r.text,
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn queue(app: &App, q: &QueueView, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [list, detail, keys] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(4),
        Constraint::Length(1),
    ])
    .areas(area);
    let b = block(
        app,
        format!("{} ({})", tr(app.lang, "admin.queue"), q.entries.len()),
    );
    let inner = b.inner(list);
    f.render_widget(b, list);
    if q.entries.is_empty() {
        f.render_widget(
            Paragraph::new(tr(app.lang, "admin.queue_empty")).style(r.hint),
            inner,
        );
    } else {
        let start = q
            .selected
            .saturating_sub((inner.height as usize).saturating_sub(1));
        let lines: Vec<Line> = q
            .entries
            .iter()
            .enumerate()
            .skip(start)
            .take(inner.height as usize)
            .map(|(i, (_, e))| {
                let state = tr(app.lang, &format!("queue.state.{}", e.state.as_str())).to_string();
                let next = e
                    .next_try
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_else(|| "-".into());
                let style = if i == q.selected { r.selected } else { r.text };
                Line::from(Span::styled(
                    format!(
                        " {:<19} {:<4} {:<8} {:>3} {}",
                        e.number, e.service, state, e.attempts, next
                    ),
                    style,
                ))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
    let err = q
        .entries
        .get(q.selected)
        .and_then(|(_, e)| e.last_error.as_deref())
        // The relay's English detail in the UI's words (it stays in the
        // log and `jingyou queue --format json`).
        .map(|t| match crate::sync::relay::SyncErrorKind::of_text(t) {
            Some(kind) => kind.words(app.lang).to_string(),
            None => crate::mask::escape_controls(t),
        })
        .unwrap_or_default();
    f.render_widget(
        Paragraph::new(err)
            .style(r.warn)
            .wrap(Wrap { trim: true })
            .block(block(app, tr(app.lang, "queue.col.error").to_string())),
        detail,
    );
    f.render_widget(
        Paragraph::new(tr(app.lang, "admin.queue_keys")).style(r.hint),
        keys,
    );
}
