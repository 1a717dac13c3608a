//! The 需补正 list.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::{App, CorrectionsView};
use crate::i18n::{fmt, tr};
use crate::mask;
use crate::ui::widgets::block;

use super::service_name;

/// 需补正: what the office sent back, each with its note (Enter prints the
/// "what to bring" slip); for the supervisor, 超期 below.
pub fn corrections(app: &App, c: &CorrectionsView, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let lang = app.lang;
    let supervisor = app.home.overdue.is_some();
    let [list, late, hint] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(if supervisor { 8 } else { 0 }),
        Constraint::Length(1),
    ])
    .areas(area);
    let b = block(
        app,
        fmt(lang, "corrections.title", &[("n", &c.items.len())]),
    );
    let inner = b.inner(list);
    f.render_widget(b, list);
    if c.loaded && c.items.is_empty() {
        f.render_widget(
            Paragraph::new(tr(lang, "corrections.none")).style(r.hint),
            inner,
        );
    } else {
        let visible = (inner.height as usize / 2).max(1);
        let start = c.selected.saturating_sub(visible.saturating_sub(1));
        let mut lines = Vec::new();
        for (i, item) in c.items.iter().enumerate().skip(start).take(visible) {
            let style = if i == c.selected { r.selected } else { r.text };
            let last = item.review.as_ref().and_then(|x| x.last());
            let at = last
                .and_then(|x| chrono::DateTime::parse_from_rfc3339(&x.at).ok())
                .map(|t| t.format("%m-%d %H:%M").to_string())
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!(
                    "{}  {}  {}",
                    item.app.number,
                    at,
                    service_name(app, &item.app.service)
                ),
                style,
            )));
            let note = last
                .and_then(|x| x.note.as_deref())
                .map(mask::escape_controls)
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!("    {}", crate::catalog::text::truncate(&note, 70)),
                r.muted,
            )));
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
    if supervisor {
        let b = block(
            app,
            fmt(lang, "corrections.overdue", &[("n", &c.overdue.len())]),
        );
        let inner = b.inner(late);
        f.render_widget(b, late);
        let lines: Vec<Line> = c
            .overdue
            .iter()
            .take(inner.height as usize)
            .map(|o| {
                Line::from(Span::styled(
                    format!(
                        "{}  {}  {}  {}",
                        o.number,
                        o.date,
                        crate::cli::find::state_label(lang, Some(o.state)),
                        service_name(app, &o.service)
                    ),
                    r.warn,
                ))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
    f.render_widget(
        Paragraph::new(crate::ui::widgets::keyed(
            app,
            "corrections.hint",
            &[
                ("print", &app.keymap.short(crate::keymap::Action::Print)),
                ("back", &app.keymap.short(crate::keymap::Action::Back)),
            ],
        ))
        .style(r.hint),
        hint,
    );
}
