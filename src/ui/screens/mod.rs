//! One function per screen.

pub mod admin;
mod wizard;

pub use wizard::wizard;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::{
    App, CorrectionsView, FindDraft, LoginForm, Picker, ReceiptView, SetupForm,
};
use crate::i18n::{fmt, tr, Lang};
use crate::mask;
use crate::ui::widgets::{block, centered, input, labeled_input};
use crate::wizard::field::yuan;

fn service_name(app: &App, code: &str) -> String {
    app.catalog
        .get(code)
        .map(|s| match app.lang {
            Lang::Zh => s.name_zh.clone(),
            Lang::En => s.name_en.clone(),
        })
        .unwrap_or_else(|| code.to_string())
}

pub fn setup(app: &App, form: &SetupForm, f: &mut Frame, area: Rect) {
    let rect = centered(area, 64, 14);
    let b = block(app, tr(app.lang, "setup.title").to_string());
    let inner = b.inner(rect);
    f.render_widget(b, rect);
    let rows = Layout::vertical([Constraint::Length(1); 12]).split(inner);
    // The intro may take two lines (English is longer).
    let intro = Rect::new(rows[0].x, rows[0].y, rows[0].width, 2);
    f.render_widget(
        Paragraph::new(tr(app.lang, "setup.intro"))
            .style(app.theme.roles.hint)
            .wrap(Wrap { trim: true }),
        intro,
    );
    for (i, key) in SetupForm::LABELS.iter().enumerate() {
        labeled_input(
            app,
            f,
            rows[i + 2],
            (22, 30),
            key,
            &form.inputs[i],
            form.focus == i,
        );
    }
    f.render_widget(
        Paragraph::new(tr(app.lang, "setup.keys")).style(app.theme.roles.hint),
        rows[9],
    );
    f.render_widget(
        Paragraph::new(tr(app.lang, "setup.training")).style(app.theme.roles.hint),
        rows[10],
    );
}

pub fn login(app: &App, form: &LoginForm, f: &mut Frame, area: Rect) {
    let rect = centered(area, 50, 8);
    let b = block(app, tr(app.lang, "login.title").to_string());
    let inner = b.inner(rect);
    f.render_widget(b, rect);
    let rows = Layout::vertical([Constraint::Length(1); 6]).split(inner);
    for (i, (key, line)) in [("login.id", &form.id), ("login.pin", &form.pin)]
        .into_iter()
        .enumerate()
    {
        labeled_input(
            app,
            f,
            rows[i * 2 + 1],
            (14, 16),
            key,
            line,
            form.focus == i,
        );
    }
    f.render_widget(
        Paragraph::new(tr(app.lang, "login.keys")).style(app.theme.roles.hint),
        rows[5],
    );
}

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
                    "{:<12} {:<6} {}  {}  {}",
                    d.number,
                    d.clerk,
                    d.updated.format("%m-%d %H:%M"),
                    who,
                    service_name(app, &d.service)
                );
                let style = if i == selected { r.selected } else { r.text };
                Line::from(Span::styled(text, style))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
    f.render_widget(
        Paragraph::new(tr(app.lang, "home.hint"))
            .style(r.hint)
            .wrap(Wrap { trim: true }),
        hint,
    );
}

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
                format!("    {}", crate::cli::find::cut(&note, 70)),
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
                        o.app.number,
                        o.app.date,
                        crate::cli::find::state_label(lang, o.state),
                        service_name(app, &o.app.service)
                    ),
                    r.warn,
                ))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
    f.render_widget(
        Paragraph::new(tr(lang, "corrections.hint")).style(r.hint),
        hint,
    );
}

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
                "  ".to_string()
            } else {
                tr(app.lang, "picker.refused_mark").to_string()
            };
            let text = format!("{:<4} {:<10} {mark} {name}", s.code, s.pinyin);
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
            fmt(
                app.lang,
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

pub fn find_draft(app: &App, fd: &FindDraft, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let [q, list] = Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
    let b = block(app, tr(app.lang, "find.title").to_string());
    let inner = b.inner(q);
    f.render_widget(b, q);
    input(f, inner, &fd.query, r.focus, true);
    if fd.searched && !fd.apps.is_empty() {
        // The finished applications below the drafts: state, history, result.
        let text = crate::cli::find::table(app.lang, &fd.apps);
        let drafts_h = if fd.results.is_empty() {
            0
        } else {
            fd.results.len().min(6) as u16 + 2
        };
        let [d, a] =
            Layout::vertical([Constraint::Length(drafts_h), Constraint::Min(3)]).areas(list);
        let b = block(app, tr(app.lang, "lookup.title").to_string());
        let ai = b.inner(a);
        f.render_widget(b, a);
        f.render_widget(Paragraph::new(text).style(r.text), ai);
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
                    "{:<12} {}  {}  {}",
                    d.number,
                    d.updated.format("%m-%d %H:%M"),
                    id,
                    service_name(app, &d.service)
                ),
                style,
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn receipt(app: &App, rv: &ReceiptView, f: &mut Frame, area: Rect) {
    let [body, file] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let p = Paragraph::new(rv.text.as_str())
        .style(app.theme.roles.text)
        .scroll((rv.scroll, 0))
        .block(block(app, rv.title.clone()));
    f.render_widget(p, body);
    if let Some(path) = &rv.file {
        f.render_widget(
            Paragraph::new(fmt(
                app.lang,
                "receipt.saved_to",
                &[("path", &path.display())],
            ))
            .style(app.theme.roles.hint),
            file,
        );
    } else {
        // The record is safe in the journal; only the text file is missing.
        f.render_widget(
            Paragraph::new(tr(app.lang, "receipt.not_saved")).style(app.theme.roles.warn),
            file,
        );
    }
}
