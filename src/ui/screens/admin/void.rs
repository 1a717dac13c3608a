//! The void form: number and reason, the application they name, and
//! today's voidable applications under it (newest first).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::*;
use crate::catalog::text::{pad, pad_left, truncate};
use crate::i18n::{fmt, tr};
use crate::ui::widgets::{block, input};
use crate::wizard::field::yuan;

pub fn void(app: &App, v: &VoidForm, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [form, list] = Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(area);
    let b = block(app, tr(app.lang, "admin.void").to_string());
    let inner = b.inner(form);
    f.render_widget(b, form);
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
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
    if let Some(t) = &v.target {
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(tr(app.lang, "admin.void_target"), r.label),
                Span::styled(app.void_what(t), r.text),
            ]))
            .wrap(Wrap { trim: true }),
            rows[2],
        );
    }
    f.render_widget(
        Paragraph::new(crate::ui::widgets::keyed(app, "admin.void_hint", &[]))
            .style(r.hint)
            .wrap(Wrap { trim: true }),
        rows[3],
    );

    let b = block(app, crate::ui::widgets::keyed(app, "admin.void_today", &[]));
    let inner = b.inner(list);
    f.render_widget(b, list);
    if v.recent.is_empty() {
        f.render_widget(
            Paragraph::new(crate::ui::widgets::keyed(app, "admin.void_none_today", &[]))
                .style(r.hint)
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let height = inner.height as usize;
    let width = inner.width as usize;
    let selected = v.selected.unwrap_or(0);
    // Room for the "more" line when not everything fits.
    let shown = if v.recent.len() > height {
        height.saturating_sub(1)
    } else {
        height
    };
    let start = selected.saturating_sub(shown.saturating_sub(1));
    let mut lines: Vec<Line> = v
        .recent
        .iter()
        .enumerate()
        .skip(start)
        .take(shown)
        .map(|(i, t)| {
            let service = app
                .catalog
                .get(&t.service)
                .map(|s| format!("{} {}", t.service, s.name(app.lang)))
                .unwrap_or_else(|| t.service.clone());
            let text = format!(
                " {}  {}  {}  {}  {}",
                pad(&t.number, 19),
                t.finished_at.format("%H:%M"),
                pad(&t.customer, 6),
                pad_left(&yuan(t.fee_total_fen), 9),
                service
            );
            let style = if v.selected == Some(i) {
                r.selected
            } else {
                r.text
            };
            Line::from(Span::styled(truncate(&text, width), style))
        })
        .collect();
    let hidden = v.recent.len() - lines.len();
    if hidden > 0 {
        lines.push(Line::from(Span::styled(
            fmt(app.lang, "admin.void_more", &[("n", &hidden)]),
            r.hint,
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
