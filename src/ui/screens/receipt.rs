//! A receipt or slip on screen.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::{App, ReceiptView};
use crate::i18n::fmt;
use crate::keymap::Action;
use crate::ui::widgets::block;

pub fn receipt(app: &App, rv: &ReceiptView, f: &mut Frame, area: Rect) {
    let head_h = if rv.header.is_empty() {
        0
    } else {
        rv.header.len() as u16 + 2
    };
    let [head, body, file] = Layout::vertical([
        Constraint::Length(head_h),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    if !rv.header.is_empty() {
        let lines: Vec<&str> = rv.header.iter().map(String::as_str).collect();
        f.render_widget(
            Paragraph::new(lines.join("\n"))
                .style(app.theme.roles.text)
                .block(block(app, rv.title.clone())),
            head,
        );
    }
    // Read-only: the state above, titled with the application; the
    // receipt below under its own title.
    let title = match &rv.reprint {
        Some(number) => fmt(app.lang, "receipt.title", &[("number", number)]),
        None => rv.title.clone(),
    };
    let p = Paragraph::new(rv.text.as_str())
        .style(app.theme.roles.text)
        .scroll((rv.scroll, 0))
        .block(block(app, title));
    f.render_widget(p, body);
    if rv.reprint.is_some() {
        f.render_widget(
            Paragraph::new(crate::ui::widgets::keyed(
                app,
                "find.reprint_hint",
                &[
                    ("print", &app.keymap.short(Action::Print)),
                    ("back", &app.keymap.short(Action::Back)),
                ],
            ))
            .style(app.theme.roles.hint),
            file,
        );
    } else if let Some(path) = &rv.file {
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
            Paragraph::new(crate::i18n::fmt(
                app.lang,
                "receipt.not_saved",
                &[("print", &app.keymap.short(crate::keymap::Action::Print))],
            ))
            .style(app.theme.roles.warn),
            file,
        );
    }
}
