//! The day's tally and the 30-day chart.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, Wrap};
use ratatui::Frame;

use crate::app::state::*;
use crate::i18n::{fmt, tr};
use crate::receipt::payment_label;
use crate::store::Payment;
use crate::ui::widgets::block;
use crate::wizard::field::yuan;

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
