//! The first start: the branch and its first supervisor.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::{App, SetupForm};
use crate::i18n::{fmt, tr};
use crate::keymap::Action;
use crate::ui::widgets::{block, centered, labeled_input};

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
        Paragraph::new(crate::ui::widgets::keyed(
            app,
            "setup.keys",
            &[("submit", &app.keymap.short(Action::Submit))],
        ))
        .style(app.theme.roles.hint),
        rows[9],
    );
    f.render_widget(
        Paragraph::new(fmt(
            app.lang,
            "setup.training",
            &[("keys", &app.keymap.joined(Action::Training))],
        ))
        .style(app.theme.roles.hint),
        rows[10],
    );
}
