//! The day's tally and the 30-day chart: services in a scrolled list with
//! the counts in a right-aligned column, clerks and payment methods beside
//! it, and the chart with its dates and scale.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, Wrap};
use ratatui::Frame;

use crate::app::state::*;
use crate::catalog::text::{display_width, pad, pad_left, truncate};
use crate::i18n::{fmt, tr};
use crate::receipt::payment_label;
use crate::store::Payment;
use crate::ui::widgets::block;
use crate::wizard::field::yuan;

/// The count column, right-aligned.
const COUNT_WIDTH: usize = 6;

/// The service rows of the day: catalogue order, then codes the catalogue
/// no longer has.
fn service_rows(app: &App, t: &TallyView) -> Vec<(String, String, u64)> {
    let d = &t.tally;
    let mut rows: Vec<(String, String, u64)> = app
        .catalog
        .services
        .iter()
        .filter_map(|s| {
            d.by_service
                .get(&s.code)
                .map(|n| (s.code.clone(), s.name(app.lang).to_string(), *n))
        })
        .collect();
    for (code, n) in &d.by_service {
        if app.catalog.get(code).is_none() {
            rows.push((code.clone(), String::new(), *n));
        }
    }
    rows
}

pub fn tally(app: &App, t: &TallyView, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [numbers, chart, keys] = Layout::vertical([
        Constraint::Min(8),
        Constraint::Length(6),
        Constraint::Length(1),
    ])
    .areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(numbers);
    let d = &t.tally;
    let b = block(app, fmt(app.lang, "tally.heading", &[("date", &t.day)]));
    let inner = b.inner(left);
    f.render_widget(b, left);
    let width = inner.width as usize;
    let mut lines = vec![
        Line::from(Span::styled(
            truncate(
                &fmt(
                    app.lang,
                    "tally.summary",
                    &[
                        ("total", &d.total),
                        ("voided", &d.voided),
                        ("fees", &yuan(d.fees_total_fen)),
                    ],
                ),
                width,
            ),
            r.title,
        )),
        Line::from(Span::styled(
            truncate(tr(app.lang, "tally.by_service"), width),
            r.label,
        )),
    ];
    let rows = service_rows(app, t);
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            tr(app.lang, "admin.tally_none"),
            r.hint,
        )));
    }
    // "  CODE name……   count": the name takes what the count leaves.
    let name_width = width.saturating_sub(2 + 4 + 1 + 1 + COUNT_WIDTH);
    let room = (inner.height as usize).saturating_sub(lines.len());
    // Scrolled to the end, the list ends on the panel's last row.
    let fit_at_end = room.saturating_sub(1);
    let scroll = t.scroll.min(rows.len().saturating_sub(fit_at_end));
    let above = scroll;
    let below_all = rows.len() - scroll;
    // One row each for the marks that are needed.
    let mut shown = room.saturating_sub(usize::from(above > 0));
    if below_all > shown {
        shown = shown.saturating_sub(1);
    }
    shown = shown.min(below_all);
    if above > 0 {
        lines.push(Line::from(Span::styled(
            fmt(app.lang, "admin.list_above", &[("n", &above)]),
            r.hint,
        )));
    }
    for (code, name, n) in rows.iter().skip(scroll).take(shown) {
        lines.push(Line::from(Span::styled(
            format!(
                "  {} {} {}",
                pad(code, 4),
                pad(name, name_width),
                pad_left(&n.to_string(), COUNT_WIDTH)
            ),
            r.text,
        )));
    }
    let below = below_all - shown;
    if below > 0 {
        lines.push(Line::from(Span::styled(
            truncate(
                &crate::ui::widgets::keyed(app, "admin.list_more", &[("n", &below)]),
                width,
            ),
            r.hint,
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);

    let b = block(app, String::new());
    let inner = b.inner(right);
    f.render_widget(b, right);
    let width = inner.width as usize;
    let mut lines = vec![Line::from(Span::styled(
        tr(app.lang, "tally.by_clerk"),
        r.label,
    ))];
    for (clerk, n) in &d.by_clerk {
        let fen = d.fees_by_clerk.get(clerk).copied().unwrap_or(0);
        lines.push(Line::from(Span::styled(
            truncate(
                &format!(
                    "  {} {} {}",
                    pad(clerk, 6),
                    pad_left(&n.to_string(), 4),
                    pad_left(&format!("¥{}", yuan(fen)), 11)
                ),
                width,
            ),
            r.text,
        )));
    }
    lines.push(Line::from(Span::styled(
        tr(app.lang, "tally.by_payment"),
        r.label,
    )));
    // The amounts end in the clerk rows' column: "  clerk(6) count(4) ¥(11)".
    let label_width = Payment::ALL
        .iter()
        .map(|p| display_width(payment_label(*p, app.lang)))
        .max()
        .unwrap_or(0)
        .max(6 + 1 + 4);
    for p in Payment::ALL {
        let fen = d.by_payment.get(p.as_str()).copied().unwrap_or(0);
        lines.push(Line::from(Span::styled(
            truncate(
                &format!(
                    "  {} {}",
                    pad(payment_label(p, app.lang), label_width),
                    pad_left(&format!("¥{}", yuan(fen)), 11)
                ),
                width,
            ),
            r.text,
        )));
    }
    // Wrapped here with a hanging indent, not by the paragraph (which
    // would start a number at the box's edge).
    let upload = fmt(
        app.lang,
        "tally.upload",
        &[
            ("pending", &d.pending),
            ("acknowledged", &d.acknowledged),
            ("quarantined", &d.quarantined),
        ],
    );
    for l in crate::catalog::wrap(upload.trim_start(), width, "  ", "    ") {
        lines.push(Line::from(Span::styled(l, r.text)));
    }
    if let Some(rec) = &t.reconcile {
        for l in rec {
            lines.push(Line::from(Span::styled(l.clone(), r.warn)));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    history_chart(app, t, f, chart);
    f.render_widget(
        Paragraph::new(crate::ui::widgets::keyed(app, "admin.tally_keys", &[]))
            .style(r.hint)
            .wrap(Wrap { trim: true }),
        keys,
    );
}

/// The 30 days ending on the tally's day: two columns a day, the highest
/// day's count in the title (the scale: a full bar is that many), the
/// first, middle and last dates under the bars.
fn history_chart(app: &App, t: &TallyView, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let max = t.history.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let b = block(app, fmt(app.lang, "admin.chart", &[("max", &max)]));
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [bars, dates] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let per_day = if (inner.width as usize) >= t.history.len() * 2 {
        2
    } else {
        1
    };
    let data: Vec<u64> = t
        .history
        .iter()
        .flat_map(|(_, n)| std::iter::repeat_n(*n, per_day))
        .collect();
    f.render_widget(
        Sparkline::default()
            .data(&data)
            .max(max.max(1))
            .style(r.valid),
        bars,
    );
    let span = t.history.len() * per_day;
    let mut axis = vec![' '; span.max(1)];
    let marks: Vec<(usize, String)> = [0, t.history.len() / 2, t.history.len().saturating_sub(1)]
        .iter()
        .filter_map(|&i| {
            t.history
                .get(i)
                .map(|(d, _)| (i * per_day, d.format("%m-%d").to_string()))
        })
        .collect();
    for (i, (col, label)) in marks.iter().enumerate() {
        // The last date ends under its bar; the others start under theirs.
        let start = if i + 1 == marks.len() {
            (col + per_day).saturating_sub(label.len())
        } else {
            *col
        };
        for (k, c) in label.chars().enumerate() {
            if let Some(slot) = axis.get_mut(start + k) {
                *slot = c;
            }
        }
    }
    f.render_widget(
        Paragraph::new(axis.into_iter().collect::<String>()).style(r.hint),
        dates,
    );
}
