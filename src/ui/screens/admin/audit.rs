//! The audit log: newest first, one line per entry under column headers,
//! actions in words, a void's reason beside its number.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::*;
use crate::audit_log;
use crate::catalog::text::truncate;
use crate::i18n::tr;
use crate::ui::widgets::block;

/// The time column: `11-28 10:00:00`.
const TIME_WIDTH: usize = 14;

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
    let width = inner.width as usize;
    // One row for the headers; one for the "more" mark when rows are hidden.
    let room = (inner.height as usize).saturating_sub(1);
    let scroll = a.scroll.min(a.entries.len().saturating_sub(1));
    let below = a.entries.len() - scroll;
    let shown = if below > room {
        room.saturating_sub(1)
    } else {
        below
    };
    let mut lines = vec![Line::from(Span::styled(
        truncate(&audit_log::header(app.lang, TIME_WIDTH), width),
        r.label,
    ))];
    lines.extend(a.entries.iter().skip(scroll).take(shown).map(|e| {
        let time = e.at.format("%m-%d %H:%M:%S").to_string();
        Line::from(Span::styled(
            truncate(
                &audit_log::row(app.lang, e, &a.reasons, &time, TIME_WIDTH),
                width,
            ),
            r.text,
        ))
    }));
    let hidden = below - shown;
    if hidden > 0 {
        lines.push(Line::from(Span::styled(
            crate::ui::widgets::keyed(app, "admin.list_more", &[("n", &hidden)]),
            r.hint,
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
