//! The audit log.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::*;
use crate::i18n::tr;
use crate::ui::widgets::block;

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
