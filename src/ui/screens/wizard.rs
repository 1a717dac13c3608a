//! The wizard screen: step tabs, then the page of the current step.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::app::state::{App, WizardScreen};
use crate::catalog::text::{display_width, pad, pad_left, truncate};
use crate::catalog::{FieldKind, Need};
use crate::i18n::{fmt, tr, Lang};
use crate::keymap::Action;
use crate::receipt::payment_label;
use crate::rules::Severity;
use crate::store::{Delivery, Payment};
use crate::ui::widgets::{block, input};
use crate::wizard::field::{display_value, yuan};
use crate::wizard::{Status, Step};

/// Cuts text to `width` display columns, with `…` where it was cut.
fn fit(s: &str, width: usize) -> String {
    truncate(s, width)
}

pub fn wizard(app: &App, ws: &WizardScreen, f: &mut Frame, area: Rect) {
    let w = &ws.wizard;
    let r = &app.theme.roles;
    let name = match app.lang {
        Lang::Zh => &w.service.name_zh,
        Lang::En => &w.service.name_en,
    };
    let title = fmt(
        app.lang,
        "wizard.title",
        &[
            ("name", name),
            ("code", &w.service.code),
            ("number", &w.draft.number),
        ],
    );
    let b = block(app, title);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [tabs, page] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    // Only the steps shown are numbered (a free service with nothing to
    // deliver has three).
    let mut spans = Vec::new();
    for (n, s) in w.shown_steps(app.today).into_iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(">", r.muted));
        }
        let style = if s == w.step() { r.selected } else { r.muted };
        spans.push(Span::styled(
            format!(" {} {} ", n + 1, tr(app.lang, s.title_key())),
            style,
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), tabs);
    match w.step() {
        Step::Fields => fields(app, ws, f, page),
        Step::Materials => materials(app, ws, f, page),
        Step::Payment => payment(app, ws, f, page),
        Step::Review => review(app, ws, f, page),
    }
}

const LABEL_W: u16 = 22;
const VALUE_W: u16 = 24;

fn fields(app: &App, ws: &WizardScreen, f: &mut Frame, area: Rect) {
    let w = &ws.wizard;
    let r = &app.theme.roles;
    let findings = w.findings(app.today, app.lang);
    let label_of = |field: &crate::catalog::Field| {
        let text = match app.lang {
            Lang::Zh => &field.label_zh,
            Lang::En => &field.label_en,
        };
        format!("{}{text}", if field.required { "*" } else { " " })
    };
    // Labels get the room they need, up to 30% of the width (at least 22
    // columns); the focused field's label, when still cut, is shown whole
    // in the checks box.
    let widest = w
        .service
        .fields
        .iter()
        .map(|fl| display_width(&label_of(fl)))
        .max()
        .unwrap_or(0);
    let label_w = widest.clamp(
        usize::from(LABEL_W),
        usize::from(LABEL_W).max(usize::from(area.width) * 3 / 10),
    ) as u16;
    // The focused field's full notes and the rules' findings.
    let mut lines = Vec::new();
    if let Some(field) = w.service.fields.get(w.focus()) {
        let full = label_of(field);
        if display_width(&full) > usize::from(label_w) {
            lines.push(Line::from(Span::styled(
                full.trim_start().to_string(),
                r.label,
            )));
        }
        if matches!(field.kind, FieldKind::Choice | FieldKind::YesNo) {
            let options: Vec<String> = if field.kind == FieldKind::YesNo {
                vec![
                    format!("Y {}", tr(app.lang, "wizard.yes")),
                    format!("N {}", tr(app.lang, "wizard.no")),
                ]
            } else {
                field
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| format!("{} {}", i + 1, display_value(field, &o.value, app.lang)))
                    .collect()
            };
            lines.push(Line::from(Span::styled(
                fmt(
                    app.lang,
                    "wizard.choice_keys",
                    &[
                        ("options", &options.join("  ")),
                        ("prev", &app.keymap.short(Action::OptionPrev)),
                        ("next", &app.keymap.short(Action::OptionNext)),
                    ],
                ),
                r.hint,
            )));
        }
    }
    match w.status(w.focus(), app.today, app.lang) {
        Status::Valid(v) if v.notes.len() > 1 => {
            lines.push(Line::from(Span::styled(v.notes.join("；"), r.hint)));
        }
        Status::Invalid(why) => lines.push(Line::from(Span::styled(
            crate::ui::widgets::fill_keys(&app.keymap, &why),
            r.invalid,
        ))),
        _ => {}
    }
    if let Some(field) = w.service.fields.get(w.focus()) {
        let hint = match app.lang {
            Lang::Zh => field.hint_zh.as_deref(),
            Lang::En => field.hint_en.as_deref(),
        };
        if let Some(h) = hint {
            lines.push(Line::from(Span::styled(h.to_string(), r.hint)));
        }
    }
    for fd in &findings {
        let style = match fd.severity {
            Severity::Info => r.valid,
            Severity::Warn => r.warn,
            Severity::Block => r.invalid,
        };
        lines.push(Line::from(Span::styled(fd.message.clone(), style)));
    }
    // As tall as the wrapped sentences need (a rule's sentence is the reason
    // a service is refused: it must be readable), leaving the field list at
    // least 4 rows. Wrapped here, by display width, so that what is counted
    // is what is drawn; a last line that still does not fit ends in `…`.
    let inner = usize::from(area.width.saturating_sub(2)).max(1);
    let mut wrapped: Vec<Line> = Vec::new();
    for l in &lines {
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        let style = l.spans.first().map(|s| s.style).unwrap_or_default();
        for piece in crate::catalog::wrap(&text, inner, "", "") {
            wrapped.push(Line::from(Span::styled(piece, style)));
        }
    }
    let max_h = area.height.saturating_sub(4).max(3);
    let notes_h = (wrapped.len() as u16 + 2).clamp(3, max_h);
    let room = usize::from(notes_h - 2);
    if wrapped.len() > room && room > 0 {
        wrapped.truncate(room);
        if let Some(last) = wrapped.last_mut() {
            let text: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            let style = last.spans.first().map(|s| s.style).unwrap_or_default();
            let cut = truncate(&format!("{text}……"), inner);
            *last = Line::from(Span::styled(cut, style));
        }
    }
    let lines = wrapped;
    let [list, notes] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(notes_h)]).areas(area);
    let rows = list.height as usize;
    let start = w.focus().saturating_sub(rows.saturating_sub(1));
    for (row, (i, field)) in w
        .service
        .fields
        .iter()
        .enumerate()
        .skip(start)
        .take(rows)
        .enumerate()
    {
        let y = list.y + row as u16;
        let line = Rect::new(list.x, y, list.width, 1);
        let [label, value, status] = Layout::horizontal([
            Constraint::Length(label_w),
            Constraint::Length(VALUE_W),
            Constraint::Min(1),
        ])
        .spacing(1)
        .areas(line);
        f.render_widget(
            Paragraph::new(fit(&label_of(field), usize::from(label_w))).style(r.label),
            label,
        );
        let focused = i == w.focus();
        let st = w.status(i, app.today, app.lang);
        let style = if focused { r.focus } else { r.field };
        match field.kind {
            FieldKind::Choice | FieldKind::YesNo => {
                let raw = w.raw(&field.key);
                let shown = if raw.is_empty() {
                    tr(app.lang, "wizard.choose").to_string()
                } else {
                    display_value(field, raw, app.lang)
                };
                let shown = fit(&format!("‹ {shown} ›"), VALUE_W as usize);
                let pad = (VALUE_W as usize).saturating_sub(shown.width());
                f.render_widget(
                    Paragraph::new(Span::styled(format!("{shown}{}", " ".repeat(pad)), style)),
                    value,
                );
            }
            _ => {
                if focused {
                    input(f, value, &ws.input, style, true);
                } else {
                    let raw = w.raw(&field.key);
                    let shown = fit(raw, VALUE_W as usize);
                    let pad = (VALUE_W as usize).saturating_sub(shown.width());
                    f.render_widget(
                        Paragraph::new(Span::styled(format!("{shown}{}", " ".repeat(pad)), style)),
                        value,
                    );
                }
            }
        }
        // A field whose value makes a rule block finishing is not valid,
        // whatever its own check says.
        let blocked = findings.iter().find(|fd| {
            fd.severity == Severity::Block && fd.rule.reads().contains(&field.key.as_str())
        });
        let (mark, style) = match (&st, blocked) {
            (Status::Empty, _) => (String::new(), r.hint),
            (Status::Valid(_), Some(fd)) => (format!("✗ {}", fd.message), r.invalid),
            (Status::Valid(v), None) => (
                format!("✓ {}", v.notes.first().cloned().unwrap_or_default()),
                r.valid,
            ),
            (Status::Invalid(why), _) => (
                format!("✗ {}", crate::ui::widgets::fill_keys(&app.keymap, why)),
                r.invalid,
            ),
        };
        let mark = if app.theme.ascii_borders {
            mark.replace('✓', "OK").replace('✗', "X")
        } else {
            mark
        };
        f.render_widget(
            Paragraph::new(fit(&mark, status.width as usize)).style(style),
            status,
        );
    }
    f.render_widget(
        Paragraph::new(lines).block(block(app, tr(app.lang, "wizard.checks").to_string())),
        notes,
    );
}

fn need_label(need: Need) -> &'static str {
    match need {
        Need::Required => "wizard.need.required",
        Need::OneOf => "wizard.need.one_of",
        Need::Conditional => "wizard.need.conditional",
        Need::Optional => "wizard.need.optional",
    }
}

fn materials(app: &App, ws: &WizardScreen, f: &mut Frame, area: Rect) {
    let w = &ws.wizard;
    let r = &app.theme.roles;
    let missing = w.missing_materials(app.today);
    let attach_h = if w.takes_attachments() {
        3 + w.draft.attachments.len().min(3) as u16
    } else {
        0
    };
    let [list, attach, info] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(attach_h),
        Constraint::Length(4),
    ])
    .areas(area);
    if let Some(af) = w.attachment_focus() {
        attachments(app, ws, af == w.focus(), f, attach);
    }
    let need_w = [
        "wizard.need.required",
        "wizard.need.one_of",
        "wizard.need.conditional",
        "wizard.need.optional",
        "wizard.need.not_now",
    ]
    .iter()
    .map(|k| display_width(tr(app.lang, k)) + 2)
    .max()
    .unwrap_or(0);
    let lines: Vec<Line> = w
        .service
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let tick = if w.ticked(&m.id) { "[x]" } else { "[ ]" };
            let text = match app.lang {
                Lang::Zh => &m.zh,
                Lang::En => &m.en,
            };
            let needed = w.material_needed(i, app.today);
            let need = if m.need == Need::Conditional && !needed {
                tr(app.lang, "wizard.need.not_now")
            } else {
                tr(app.lang, need_label(m.need))
            };
            let why = w
                .material_reason(i, app.today, app.lang)
                .unwrap_or_default();
            let style = if i == w.focus() { r.focus } else { r.text };
            // The need first, in a column as wide as its longest label, so
            // that neither column depends on the other's width.
            Line::from(vec![
                Span::styled(format!(" {tick} "), style),
                Span::styled(pad(&format!("({need})"), need_w), r.hint),
                Span::styled(format!("  {text}"), style),
                Span::styled(why, r.hint),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
    let text = if missing.is_empty() {
        Line::from(Span::styled(tr(app.lang, "wizard.materials_ok"), r.valid))
    } else {
        let names: Vec<&str> = missing.iter().map(|(_, m)| m.text(app.lang)).collect();
        Line::from(Span::styled(
            fmt(
                app.lang,
                "wizard.materials_missing",
                &[("list", &names.join("、"))],
            ),
            r.warn,
        ))
    };
    f.render_widget(
        Paragraph::new(vec![
            text,
            Line::from(Span::styled(
                crate::ui::widgets::keyed(
                    app,
                    "wizard.materials_keys",
                    &[("next", &app.keymap.short(Action::Next))],
                ),
                r.hint,
            )),
        ])
        .wrap(Wrap { trim: true })
        .block(block(app, tr(app.lang, "wizard.checks").to_string())),
        info,
    );
}

fn attachments(app: &App, ws: &WizardScreen, focused: bool, f: &mut Frame, area: Rect) {
    let r = &app.theme.roles;
    let w = &ws.wizard;
    let rows: Vec<Rect> = (0..area.height)
        .map(|i| Rect::new(area.x, area.y + i, area.width, 1))
        .collect();
    if rows.is_empty() {
        return;
    }
    let kinds: Vec<&str> = w
        .service
        .attachments
        .iter()
        .map(|a| match a {
            crate::catalog::Attachment::Photo => tr(app.lang, "catalog.table.photo"),
            crate::catalog::Attachment::Scan => tr(app.lang, "catalog.table.scan"),
        })
        .collect();
    let [l, v] = Layout::horizontal([Constraint::Length(LABEL_W), Constraint::Min(10)])
        .spacing(1)
        .areas(rows[0]);
    f.render_widget(
        Paragraph::new(fit(
            &format!(
                "{}（{}）",
                tr(app.lang, "wizard.attachment"),
                kinds.join("/")
            ),
            LABEL_W as usize,
        ))
        .style(r.label),
        l,
    );
    let style = if focused { r.focus } else { r.field };
    input(f, v, &ws.attach, style, focused);
    let mut line = 1;
    if w.draft.attachments.is_empty() {
        f.render_widget(
            Paragraph::new(tr(app.lang, "wizard.no_attachment")).style(r.hint),
            rows[1],
        );
        line = 2;
    }
    for a in w.draft.attachments.iter().rev().take(3) {
        if line >= rows.len() - 1 {
            break;
        }
        f.render_widget(
            Paragraph::new(format!(
                "  [x] {}  {} KB  {}",
                a.name,
                a.size.div_ceil(1024),
                a.mime
            ))
            .style(r.valid),
            rows[line],
        );
        line += 1;
    }
    if focused {
        f.render_widget(
            Paragraph::new(crate::ui::widgets::keyed(app, "wizard.attach_keys", &[])).style(r.hint),
            rows[line.min(rows.len() - 1)],
        );
    }
}

fn payment(app: &App, ws: &WizardScreen, f: &mut Frame, area: Rect) {
    let w = &ws.wizard;
    let r = &app.theme.roles;
    let lines_fees = w.fee_lines(app.today);
    let fee_h = lines_fees.len() as u16 + 3;
    let [fees, choices] =
        Layout::vertical([Constraint::Length(fee_h), Constraint::Min(3)]).areas(area);
    let mut lines: Vec<Line> = lines_fees
        .iter()
        .map(|fl| {
            let t = match app.lang {
                Lang::Zh => &fl.zh,
                Lang::En => &fl.en,
            };
            Line::from(Span::styled(
                format!("  {} ¥{}", pad(t, 24), pad_left(&yuan(fl.fen), 8)),
                r.text,
            ))
        })
        .collect();
    lines.push(Line::from(Span::styled(
        fmt(
            app.lang,
            "wizard.total",
            &[("amount", &yuan(w.fee_total(app.today)))],
        ),
        r.title,
    )));
    f.render_widget(
        Paragraph::new(lines).block(block(app, tr(app.lang, "wizard.fees").to_string())),
        fees,
    );
    let rows = Layout::vertical([Constraint::Length(1); 5]).split(choices);
    let focus = w.focus();
    let pay = w
        .draft
        .payment
        .map(|p| payment_label(p, app.lang).to_string())
        .unwrap_or_else(|| tr(app.lang, "wizard.choose").to_string());
    let opts: Vec<String> = Payment::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{} {}", i + 1, payment_label(*p, app.lang)))
        .collect();
    let ems = matches!(w.draft.delivery, Delivery::Ems { .. });
    let items = [
        (
            tr(app.lang, "wizard.payment"),
            format!("‹ {pay} ›"),
            opts.join("  "),
        ),
        (
            tr(app.lang, "wizard.delivery"),
            format!(
                "‹ {} ›",
                if ems {
                    tr(app.lang, "delivery.ems")
                } else {
                    tr(app.lang, "delivery.pickup")
                }
            ),
            format!(
                "1 {}  2 {}",
                tr(app.lang, "delivery.pickup"),
                tr(app.lang, "delivery.ems")
            ),
        ),
    ];
    // Only the questions asked: no method when nothing is to be paid, no
    // delivery when nothing can be posted.
    let stops = w.focus_stops(Step::Payment, app.today);
    let mut row = 0;
    for (i, (label, value, hint)) in items.iter().enumerate() {
        if !stops.contains(&i) {
            continue;
        }
        let [l, v, h] = Layout::horizontal([
            Constraint::Length(LABEL_W),
            Constraint::Length(VALUE_W),
            Constraint::Min(1),
        ])
        .spacing(1)
        .areas(rows[row]);
        row += 1;
        f.render_widget(Paragraph::new(*label).style(r.label), l);
        let style = if focus == i { r.focus } else { r.field };
        f.render_widget(Paragraph::new(fit(value, VALUE_W as usize)).style(style), v);
        f.render_widget(Paragraph::new(fit(hint, h.width as usize)).style(r.hint), h);
    }
    if !stops.contains(&2) {
        f.render_widget(
            Paragraph::new(crate::ui::widgets::keyed(app, "wizard.payment_keys", &[]))
                .style(r.hint),
            rows[4],
        );
        return;
    }
    let [l, v] = Layout::horizontal([Constraint::Length(LABEL_W), Constraint::Min(10)])
        .spacing(1)
        .areas(rows[row]);
    let label_style = if ems { r.label } else { r.muted };
    f.render_widget(
        Paragraph::new(tr(app.lang, "wizard.address")).style(label_style),
        l,
    );
    let style = if focus == 2 { r.focus } else { r.field };
    input(f, v, &ws.address, style, focus == 2);
    f.render_widget(
        Paragraph::new(crate::ui::widgets::keyed(
            app,
            "wizard.payment_keys",
            &[("next", &app.keymap.short(Action::Next))],
        ))
        .style(r.hint),
        rows[4],
    );
}

fn review(app: &App, ws: &WizardScreen, f: &mut Frame, area: Rect) {
    let w = &ws.wizard;
    let r = &app.theme.roles;
    let mut lines = Vec::new();
    let values = w.normalised(app.today);
    let ems_to = match &w.draft.delivery {
        Delivery::Ems { address } => Some(address.trim()),
        Delivery::Pickup => None,
    };
    for field in &w.service.fields {
        if let Some(v) = values.get(&field.key) {
            // The mailing address is shown once when it is the EMS address,
            // and masked as the delivery line masks it.
            let is_address = field.key == crate::app::wizard::MAILING_ADDRESS;
            if is_address && ems_to == Some(v.trim()) {
                continue;
            }
            let label = match app.lang {
                Lang::Zh => &field.label_zh,
                Lang::En => &field.label_en,
            };
            let shown = if is_address {
                crate::mask::address(v)
            } else {
                display_value(field, v, app.lang)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{}: ", label), r.label),
                Span::styled(shown, r.text),
            ]));
        }
    }
    let ticked = w.draft.materials.len();
    lines.push(Line::from(Span::styled(
        fmt(app.lang, "wizard.review_materials", &[("n", &ticked)]),
        r.text,
    )));
    let total = w.fee_total(app.today);
    let pay = w
        .draft
        .payment
        .map(|p| payment_label(p, app.lang))
        .unwrap_or("-");
    lines.push(Line::from(Span::styled(
        if total == 0 {
            tr(app.lang, "wizard.review_free").to_string()
        } else {
            fmt(
                app.lang,
                "wizard.review_fee",
                &[("amount", &yuan(total)), ("method", &pay)],
            )
        },
        r.title,
    )));
    lines.push(Line::from(Span::styled(
        crate::wizard::delivery_text(&w.service, &w.draft.delivery, app.today, app.lang),
        r.text,
    )));
    let limit = match app.lang {
        Lang::Zh => &w.service.time_limit,
        Lang::En => &w.service.time_limit_en,
    };
    lines.push(Line::from(Span::styled(
        fmt(app.lang, "receipt.time_limit", &[("limit", limit)]),
        r.text,
    )));
    let blockers = w.blockers(Step::Review, app.today, app.lang);
    lines.push(Line::from(""));
    if blockers.is_empty() {
        lines.push(Line::from(Span::styled(
            fmt(
                app.lang,
                "wizard.ready",
                &[("next", &app.keymap.short(Action::Next))],
            ),
            r.valid,
        )));
    } else {
        for b in blockers.iter().take(4) {
            lines.push(Line::from(Span::styled(
                format!(
                    "✗ {}",
                    crate::ui::widgets::fill_keys(&app.keymap, &b.message)
                ),
                r.invalid,
            )));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
