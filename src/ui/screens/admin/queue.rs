//! The upload queue.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::*;
use crate::catalog::text::{pad, pad_left, truncate};
use crate::i18n::tr;
use crate::ui::widgets::block;

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
                    truncate(
                        &format!(
                            " {} {} {} {} {}",
                            pad(&e.number, 19),
                            pad(&e.service, 4),
                            pad(&state, 8),
                            pad_left(&e.attempts.to_string(), 3),
                            next
                        ),
                        inner.width as usize,
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
        // log and `jingyou queue --format json`); the hub's own reason for
        // refusing one record is shown as it came, escaped.
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
        Paragraph::new(crate::ui::widgets::keyed(app, "admin.queue_keys", &[])).style(r.hint),
        keys,
    );
}
