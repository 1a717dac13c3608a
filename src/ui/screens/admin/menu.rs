//! The supervisor's menu.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::*;
use crate::i18n::tr;
use crate::ui::widgets::{block, centered};

pub fn menu(app: &App, selected: usize, f: &mut Frame, area: Rect) {
    let rect = centered(area, 40, ADMIN_ITEMS.len() as u16 + 5);
    let backup = match app.home.last_backup {
        Some(at) if (app.today - at.date_naive()).num_days() <= crate::doctor::BACKUP_OLD_DAYS => {
            Span::styled(
                crate::i18n::fmt(
                    app.lang,
                    "backup.last",
                    &[("at", &at.format("%Y-%m-%d %H:%M"))],
                ),
                app.theme.roles.hint,
            )
        }
        Some(at) => Span::styled(
            crate::i18n::fmt(
                app.lang,
                "backup.last",
                &[("at", &at.format("%Y-%m-%d %H:%M"))],
            ),
            app.theme.roles.warn,
        ),
        None => Span::styled(tr(app.lang, "backup.never_short"), app.theme.roles.warn),
    };
    let lines: Vec<Line> = ADMIN_ITEMS
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let style = if i == selected {
                app.theme.roles.selected
            } else {
                app.theme.roles.text
            };
            Line::from(Span::styled(
                format!(" {} {}", i + 1, tr(app.lang, key)),
                style,
            ))
        })
        .chain(std::iter::once(Line::from(Span::styled(
            crate::ui::widgets::keyed(app, "admin.menu_hint", &[]),
            app.theme.roles.hint,
        ))))
        .chain(std::iter::once(Line::from(backup)))
        .collect();
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(block(app, tr(app.lang, "admin.title").to_string())),
        rect,
    );
}
