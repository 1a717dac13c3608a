//! Finding drafts and finished applications.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::{App, FindDraft};
use crate::catalog::text::{pad, truncate};
use crate::i18n::tr;
use crate::mask;
use crate::ui::widgets::{block, input};

use super::service_name;

pub fn find_draft(app: &App, fd: &FindDraft, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [q, list] = Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
    let b = block(app, crate::ui::widgets::keyed(app, "find.title", &[]));
    let inner = b.inner(q);
    f.render_widget(b, q);
    input(f, inner, &fd.query, r.focus, true);
    if fd.searched && !fd.apps.is_empty() {
        // The finished applications below the drafts, one line each, in
        // the same selection (Enter opens one read-only).
        let drafts_h = if fd.results.is_empty() {
            0
        } else {
            fd.results.len().min(6) as u16 + 2
        };
        let [d, a] =
            Layout::vertical([Constraint::Length(drafts_h), Constraint::Min(3)]).areas(list);
        let b = block(app, crate::ui::widgets::keyed(app, "find.apps", &[]));
        let ai = b.inner(a);
        f.render_widget(b, a);
        app_lines(app, fd, f, ai);
        if fd.results.is_empty() {
            return;
        }
        return draft_lines(app, fd, f, d);
    }
    let b = block(app, tr(app.lang, "find.results").to_string());
    let inner = b.inner(list);
    f.render_widget(b, list);
    if fd.searched && fd.results.is_empty() {
        f.render_widget(
            Paragraph::new(tr(app.lang, "find.none")).style(r.warn),
            inner,
        );
        return;
    }
    if !fd.searched {
        f.render_widget(
            Paragraph::new(tr(app.lang, "find.hint")).style(r.hint),
            inner,
        );
        return;
    }
    draft_lines_in(app, fd, f, inner);
}

/// The drafts found, in a block of their own.
fn draft_lines(app: &App, fd: &FindDraft, f: &mut Frame, area: Rect) {
    let b = block(app, tr(app.lang, "find.results").to_string());
    let inner = b.inner(area);
    f.render_widget(b, area);
    draft_lines_in(app, fd, f, inner);
}

fn draft_lines_in(app: &App, fd: &FindDraft, f: &mut Frame, inner: Rect) {
    let r = &app.theme.roles;
    let lines: Vec<Line> = fd
        .results
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let id = d
                .values
                .get("id_number")
                .map(|v| mask::id_number(v))
                .unwrap_or_default();
            let style = if i == fd.selected { r.selected } else { r.text };
            Line::from(Span::styled(
                format!(
                    "{} {}  {}  {}",
                    pad(&d.number, 12),
                    d.updated.format("%m-%d %H:%M"),
                    pad(&id, 18),
                    service_name(app, &d.service)
                ),
                style,
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// One line per finished application: number, date, masked ID, service,
/// the office's review state (selected after the drafts).
fn app_lines(app: &App, fd: &FindDraft, f: &mut Frame, inner: Rect) {
    let r = &app.theme.roles;
    let rows = usize::from(inner.height).max(1);
    let sel = fd.selected.checked_sub(fd.results.len());
    let start = sel.map(|s| s.saturating_sub(rows - 1)).unwrap_or(0);
    let lines: Vec<Line> = fd
        .apps
        .iter()
        .enumerate()
        .skip(start)
        .take(rows)
        .map(|(i, found)| {
            let a = &found.app;
            let id = a
                .values
                .get("id_number")
                .map(|v| mask::id_number(v))
                .unwrap_or_default();
            let state = if a.void.is_some() {
                tr(app.lang, "find.voided_short")
            } else {
                crate::cli::find::state_label(app.lang, found.state)
            };
            let result = found
                .result()
                .map(|r| format!("  {}", truncate(&mask::escape_controls(r), 20)))
                .unwrap_or_default();
            let style = if sel == Some(i) { r.selected } else { r.text };
            Line::from(Span::styled(
                format!(
                    "{} {}  {}  {}  {state}{result}",
                    pad(&a.number, 18),
                    a.finished_at.format("%m-%d %H:%M"),
                    pad(&id, 18),
                    pad(&service_name(app, &a.service), 16),
                ),
                style,
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
