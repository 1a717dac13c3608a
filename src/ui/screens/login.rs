//! The log-in screen.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::state::{App, LoginForm};
use crate::i18n::tr;
use crate::ui::widgets::{block, centered, labeled_input};

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
        Paragraph::new(crate::ui::widgets::keyed(
            app,
            "login.keys",
            &[("quit", &app.keymap.short(crate::keymap::Action::Quit))],
        ))
        .style(app.theme.roles.hint),
        rows[5],
    );
}
