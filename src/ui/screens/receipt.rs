//! A receipt or slip on screen.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::{App, ReceiptView};
use crate::i18n::fmt;
use crate::ui::widgets::block;

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
