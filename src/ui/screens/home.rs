//! The home screen: drafts, uploads, the menu keys.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::App;
use crate::catalog::text::pad;
use crate::i18n::{fmt, tr};
use crate::keymap::Action;
use crate::mask;
use crate::ui::widgets::block;
use crate::wizard::field::yuan;

use super::service_name;

pub fn home(app: &App, selected: usize, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [summary, drafts, hint] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    let h = &app.home;
    let lines = vec![
        Line::from(Span::styled(
            fmt(
                app.lang,
                "home.today",
                &[("n", &h.clerk_count), ("amount", &yuan(h.clerk_fen))],
            ),
            r.text,
        )),
        Line::from(Span::styled(
            fmt(app.lang, "home.branch_today", &[("n", &h.day_total)]),
            r.muted,
        )),
        {
            let mut spans = vec![Span::styled(
                fmt(
                    app.lang,
                    "home.reviews",
                    &[
                        ("corrections", &h.reviews.needs_correction_on_day),
                        ("completed", &h.reviews.completed_on_day),
                        ("waiting", &h.reviews.needs_correction_now),
                    ],
                ),
                if h.reviews.needs_correction_now > 0 {
                    r.warn
                } else {
                    r.muted
                },
            )];
            if let Some(n) = h.overdue {
                spans.push(Span::styled(
                    fmt(app.lang, "home.overdue", &[("n", &n)]),
                    if n > 0 { r.warn } else { r.muted },
                ));
            }
            Line::from(spans)
        },
    ];
    f.render_widget(
        Paragraph::new(lines).block(block(app, tr(app.lang, "home.title").to_string())),
        summary,
    );
    let b = block(app, fmt(app.lang, "home.drafts", &[("n", &h.drafts.len())]));
    let inner = b.inner(drafts);
    f.render_widget(b, drafts);
    if h.drafts.is_empty() {
        f.render_widget(
            Paragraph::new(tr(app.lang, "home.no_drafts")).style(r.hint),
            inner,
        );
    } else {
        let visible = inner.height as usize;
        let start = selected.saturating_sub(visible.saturating_sub(1));
        let lines: Vec<Line> = h
            .drafts
            .iter()
            .enumerate()
            .skip(start)
            .take(visible)
            .map(|(i, d)| {
                let who = d
                    .values
                    .get("owner_name")
                    .map(|n| mask::name(n))
                    .unwrap_or_default();
                let text = format!(
                    "{} {} {}  {}  {}",
                    pad(&d.number, 12),
                    pad(&d.clerk, 6),
                    d.updated.format("%m-%d %H:%M"),
                    pad(&who, 10),
                    service_name(app, &d.service)
                );
                let style = if i == selected { r.selected } else { r.text };
                Line::from(Span::styled(text, style))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
    f.render_widget(
        Paragraph::new(crate::ui::widgets::keyed(
            app,
            "home.hint",
            &[("corrections", &app.keymap.short(Action::Corrections))],
        ))
        .style(r.hint)
        .wrap(Wrap { trim: true }),
        hint,
    );
}
