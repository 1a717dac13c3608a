//! The service picker.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::{App, Picker};
use crate::catalog::text::{display_width, pad};
use crate::i18n::{fmt, tr, Lang};
use crate::ui::widgets::{block, input};
use crate::wizard::field::yuan;

pub fn picker(app: &App, p: &Picker, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [q, list, why] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    let b = block(app, tr(app.lang, "picker.title").to_string());
    let inner = b.inner(q);
    f.render_widget(b, q);
    input(f, inner, &p.query, r.focus, true);
    let results = app.catalog.search(&p.query.text);
    let b = block(app, fmt(app.lang, "picker.count", &[("n", &results.len())]));
    let inner = b.inner(list);
    f.render_widget(b, list);
    let visible = inner.height as usize;
    let start = p.selected.saturating_sub(visible.saturating_sub(1));
    // Columns as wide as their widest entry, by display width.
    let pinyin_w = results
        .iter()
        .map(|s| display_width(&s.pinyin))
        .max()
        .unwrap_or(0);
    let mark_w = display_width(tr(app.lang, "picker.refused_mark")).max(2);
    let lines: Vec<Line> = results
        .iter()
        .enumerate()
        .skip(start)
        .take(visible)
        .map(|(i, s)| {
            let name = match app.lang {
                Lang::Zh => &s.name_zh,
                Lang::En => &s.name_en,
            };
            let mark = if s.offered {
                ""
            } else {
                tr(app.lang, "picker.refused_mark")
            };
            let text = format!(
                "{} {} {} {name}",
                pad(&s.code, 4),
                pad(&s.pinyin, pinyin_w),
                pad(mark, mark_w)
            );
            let style = if i == p.selected {
                r.selected
            } else if s.offered {
                r.text
            } else {
                r.muted
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    if lines.is_empty() {
        f.render_widget(
            Paragraph::new(tr(app.lang, "picker.none")).style(r.hint),
            inner,
        );
    } else {
        f.render_widget(Paragraph::new(lines), inner);
    }
    if let Some(s) = results.get(p.selected) {
        let text = if s.offered {
            let limit = match app.lang {
                Lang::Zh => &s.time_limit,
                Lang::En => &s.time_limit_en,
            };
            crate::ui::widgets::keyed(
                app,
                "picker.detail",
                &[
                    ("fee", &yuan(s.fee_required_on(app.today))),
                    ("limit", limit),
                ],
            )
        } else {
            let reason = match app.lang {
                Lang::Zh => s.refusal_reason.clone(),
                Lang::En => s.refusal_reason_en.clone(),
            };
            fmt(
                app.lang,
                "picker.refused",
                &[("reason", &reason.unwrap_or_default())],
            )
        };
        let style = if s.offered { r.hint } else { r.warn };
        f.render_widget(
            Paragraph::new(text).style(style).wrap(Wrap { trim: true }),
            why,
        );
    }
}
