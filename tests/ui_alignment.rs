//! Layout by display width, independent of the reviewed snapshots: every
//! screen, zh and en, at 80x24 and 120x40, rendered into a ratatui
//! TestBackend and checked for
//! - rows exactly as wide as the terminal (nothing spills over);
//! - boxes whose borders are whole: a popup drawn over wide characters must
//!   not lose its left border, corners or bottom line;
//! - tables whose columns line up by display width: in a run of rows with the
//!   same number of columns (cells apart by two or more spaces), each column
//!   starts (or, when right-aligned, ends) at the same display column.

mod common;

use common::{grid, Grid, Harness};
use jingyou::i18n::Lang;
use unicode_width::UnicodeWidthStr;

fn text(g: &Grid) -> String {
    g.iter()
        .map(|r| r.iter().flatten().map(String::as_str).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn at(g: &Grid, x: usize, y: usize) -> &str {
    g.get(y)
        .and_then(|r| r.get(x))
        .and_then(|c| c.as_deref())
        .unwrap_or("\u{0}")
}

fn is_box(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| ('\u{2500}'..='\u{257f}').contains(&c))
}

/// Rows as wide as the terminal, no wider.
fn widths(g: &Grid, w: usize) -> Result<(), String> {
    for (y, row) in g.iter().enumerate() {
        let line: String = row.iter().flatten().map(String::as_str).collect();
        if line.width() != w {
            return Err(format!("row {y} is {} columns, not {w}", line.width()));
        }
    }
    Ok(())
}

/// Every box closed by its bottom-right corner is whole: its bottom line
/// reaches a `└`, its right side a `┐`, and its left side is a `│` on every
/// row up to a `┌`. A border may be crossed by another box drawn over it
/// (any box-drawing character), never by text or half a wide character.
fn boxes(g: &Grid) -> Result<(), String> {
    for (y, row) in g.iter().enumerate() {
        for x in 0..row.len() {
            if at(g, x, y) != "┘" {
                continue;
            }
            let mut left = x;
            while left > 0 && at(g, left - 1, y) == "─" {
                left -= 1;
            }
            if left == 0 {
                return Err(format!(
                    "box ending at ({x},{y}): bottom line has no corner"
                ));
            }
            let corner = at(g, left - 1, y);
            if corner != "└" {
                if is_box(corner) {
                    continue; // covered by another box
                }
                return Err(format!(
                    "box ending at ({x},{y}): bottom line broken at column {} by {corner:?}",
                    left - 1
                ));
            }
            let left = left - 1;
            let mut top = y;
            while top > 0 && matches!(at(g, x, top - 1), "│" | "┤") {
                top -= 1;
            }
            if top == 0 || !is_box(at(g, x, top - 1)) {
                return Err(format!(
                    "box ending at ({x},{y}): right side broken at row {}",
                    top.saturating_sub(1)
                ));
            }
            if at(g, x, top - 1) != "┐" {
                continue;
            }
            let top = top - 1;
            for yy in top..y {
                let c = at(g, left, yy);
                if !is_box(c) {
                    return Err(format!(
                        "box ({left},{top})-({x},{y}): left side broken at row {yy} by {c:?}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A cell of a table row: first column, end column, text.
type Cell = (usize, usize, String);

/// The cells of a row: (first column, end column, text), apart by two or
/// more blank columns; a box-drawing character always separates.
fn cells(row: &[Option<String>]) -> Vec<Cell> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    let mut blanks = 0;
    let mut end = 0;
    for (x, c) in row.iter().enumerate() {
        let s = match c {
            None => {
                end = x + 1;
                continue;
            }
            Some(s) => s.as_str(),
        };
        let blank = s == " " || s.is_empty() || is_box(s);
        if blank {
            blanks += if is_box(s) { 2 } else { 1 };
            if blanks >= 2 {
                if let Some((start, t)) = cur.take() {
                    out.push((start, end, t.trim_end().to_string()));
                }
            }
            if let Some((_, t)) = cur.as_mut() {
                t.push(' ');
            }
            continue;
        }
        blanks = 0;
        match cur.as_mut() {
            Some((_, t)) => t.push_str(s),
            None => cur = Some((x, s.to_string())),
        }
        end = x + 1;
    }
    if let Some((start, t)) = cur {
        out.push((start, end, t.trim_end().to_string()));
    }
    out
}

/// Where a row has box sides: rows of one table lie in the same boxes.
fn sides(row: &[Option<String>]) -> Vec<(usize, bool)> {
    row.iter()
        .enumerate()
        .filter_map(|(x, c)| match c.as_deref() {
            Some("│" | "├" | "┤") => Some((x, true)),
            Some("┌" | "┐" | "└" | "┘" | "┬" | "┴" | "┼") => Some((x, false)),
            _ => None,
        })
        .collect()
}

/// In each run of non-blank rows (a heading counts as blank) within the
/// same boxes, rows with the same number (≥ 2) of cells have each cell
/// starting, or each ending, at one column. Boxes side by side are tables
/// of their own: cells are grouped by the box they lie in.
fn tables(g: &Grid) -> Result<(), String> {
    let width = g.first().map(Vec::len).unwrap_or(0);
    for segment in 0..=width {
        // A heading (【…】, as in help) starts a new table, like a blank row.
        let rows: Vec<Vec<Cell>> = g
            .iter()
            .map(|r| {
                let walls: Vec<usize> = sides(r).into_iter().map(|(x, _)| x).collect();
                let c: Vec<Cell> = cells(r)
                    .into_iter()
                    .filter(|(start, _, _)| {
                        walls.iter().filter(|x| **x < *start).count() == segment
                    })
                    .collect();
                if c.iter().any(|(_, _, t)| t.contains('【')) {
                    vec![]
                } else {
                    c
                }
            })
            .collect();
        table_runs(g, &rows)?;
    }
    Ok(())
}

fn table_runs(g: &Grid, rows: &[Vec<Cell>]) -> Result<(), String> {
    let mut y = 0;
    while y < rows.len() {
        if rows[y].is_empty() {
            y += 1;
            continue;
        }
        let start = y;
        let frame = sides(&g[y]);
        while y < rows.len() && !rows[y].is_empty() && sides(&g[y]) == frame {
            y += 1;
        }
        let run = &rows[start..y];
        let mut counts: Vec<usize> = run.iter().map(Vec::len).filter(|n| *n >= 2).collect();
        counts.sort_unstable();
        counts.dedup();
        for n in counts {
            let same: Vec<(usize, &Vec<Cell>)> = run
                .iter()
                .enumerate()
                .filter(|(_, r)| r.len() == n)
                .map(|(i, r)| (start + i, r))
                .collect();
            if same.len() < 2 {
                continue;
            }
            for j in 1..n {
                let starts = same.iter().all(|(_, r)| r[j].0 == same[0].1[j].0);
                let ends = same.iter().all(|(_, r)| r[j].1 == same[0].1[j].1);
                if !starts && !ends {
                    let rows: Vec<String> = same
                        .iter()
                        .map(|(yy, r)| format!("row {yy} col {}: {:?}", r[j].0, r[j].2))
                        .collect();
                    return Err(format!("column {j} does not line up:\n{}", rows.join("\n")));
                }
            }
        }
    }
    Ok(())
}

/// Checks the screen the harness is on at two sizes; failures are collected
/// with the screen's name so one run shows them all.
fn check(name: &str, h: &Harness, failures: &mut Vec<String>) {
    for (w, rows) in [(80u16, 24u16), (120, 40)] {
        let g = grid(h, w, rows);
        for (what, r) in [
            ("width", widths(&g, w as usize)),
            ("box", boxes(&g)),
            ("table", tables(&g)),
        ] {
            if let Err(e) = r {
                failures.push(format!("{name} at {w}x{rows} ({what}): {e}\n{}", text(&g)));
            }
        }
    }
}

/// The help popup ends with how to close it, whatever the screen's size.
fn shows_help_close(name: &str, h: &Harness, failures: &mut Vec<String>) {
    let close = jingyou::i18n::tr(h.app.lang, "help.close");
    let head: String = close.chars().take(8).collect();
    for (w, rows) in [(80u16, 24u16), (120, 40)] {
        let s = text(&grid(h, w, rows));
        if !s.contains(&head) {
            failures.push(format!("{name} at {w}x{rows}: no close hint {head:?}\n{s}"));
        }
    }
}

fn each_lang(f: impl Fn(Lang, &str, &mut Vec<String>)) {
    let mut failures = Vec::new();
    f(Lang::Zh, "zh", &mut failures);
    f(Lang::En, "en", &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Two drafts with customers whose names differ in width.
fn two_drafts(h: &mut Harness) {
    for name in ["张三", "欧阳娜娜"] {
        h.open_d1();
        h.text(name);
        h.key("tab");
        h.text("11010519491231002X");
        h.key("esc");
    }
    h.app.message = None;
}

#[test]
fn clerk_screens_line_up_by_display_width() {
    each_lang(|lang, tag, failures| {
        let mut h = Harness::new(lang);
        h.text("3301A");
        check(&format!("setup_{tag}"), &h, failures);

        let mut h = Harness::new(lang);
        h.setup();
        h.app.message = None;
        check(&format!("home_empty_{tag}"), &h, failures);
        two_drafts(&mut h);
        check(&format!("home_{tag}"), &h, failures);
        h.key("f1");
        check(&format!("help_home_{tag}"), &h, failures);
        shows_help_close(&format!("help_home_{tag}"), &h, failures);
        h.key("esc");
        h.text("hl");
        check(&format!("picker_hl_{tag}"), &h, failures);
        h.key("esc");
        h.text("bl");
        check(&format!("picker_bl_{tag}"), &h, failures);
        h.key("esc");
        h.key("f4");
        h.text("Z261128");
        h.key("enter");
        check(&format!("find_{tag}"), &h, failures);
        h.key("esc");

        h.open_d1();
        h.fill_d1();
        check(&format!("wizard_fields_{tag}"), &h, failures);
        h.key("f1");
        check(&format!("help_wizard_{tag}"), &h, failures);
        shows_help_close(&format!("help_wizard_{tag}"), &h, failures);
        h.key("esc");
        h.key("f10");
        check(&format!("wizard_materials_{tag}"), &h, failures);
        h.tick_d1_materials();
        h.text("1");
        h.key("tab");
        h.text("2");
        check(&format!("wizard_payment_ems_{tag}"), &h, failures);
        h.key("f8");
        check(&format!("confirm_discard_{tag}"), &h, failures);
        h.text("n");
        h.key("f12");
        check(&format!("locked_{tag}"), &h, failures);
    });
}

#[test]
fn receipt_and_corrections_line_up_by_display_width() {
    each_lang(|lang, tag, failures| {
        let mut h = Harness::new(lang);
        h.setup();
        for _ in 0..2 {
            h.open_d1();
            h.fill_d1();
            h.key("f10");
            h.tick_d1_materials();
            h.text("1");
            h.key("f10");
            check(&format!("wizard_review_{tag}"), &h, failures);
            h.key("f10");
            h.app.message = None;
            check(&format!("receipt_{tag}"), &h, failures);
            h.key("esc");
        }
        h.key("f11");
        check(&format!("corrections_{tag}"), &h, failures);
        h.key("esc");
        h.key("f4");
        h.text("0001");
        h.key("enter");
        check(&format!("find_finished_{tag}"), &h, failures);
    });
}

#[test]
fn supervisor_screens_line_up_by_display_width() {
    each_lang(|lang, tag, failures| {
        let mut h = Harness::new(lang);
        h.setup();
        jingyou::seed::seed(&h.rt.store, &h.app.catalog, &h.rt.clock, 120, 30).expect("seed");
        h.app.message = None;
        h.key("f7");
        check(&format!("admin_menu_{tag}"), &h, failures);
        for (item, name) in [
            ("1", "tally"),
            ("2", "accounts"),
            ("3", "void"),
            ("4", "audit"),
            ("5", "queue"),
        ] {
            h.text(item);
            check(&format!("admin_{name}_{tag}"), &h, failures);
            h.key("esc");
        }
    });
}

/// The screen's text with box drawing and spaces taken out, rows joined:
/// a sentence wrapped over several rows reads as one.
fn flat(g: &Grid) -> String {
    text(g)
        .chars()
        .filter(|c| !c.is_whitespace() && !('\u{2500}'..='\u{257f}').contains(c))
        .collect()
}

/// A label is never only cut: at 200x60 every D1 label is whole, and at
/// 80x24 the focused field's full label is in the checks box; a choice
/// field's checks box lists its options.
#[test]
fn labels_are_whole_somewhere_and_choice_fields_list_their_options() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    for _ in 0..5 {
        h.key("tab");
    }
    let label = "驾驶证是否被扣押、扣留或暂扣";
    let wide = text(&grid(&h, 200, 60));
    assert!(wide.contains(label), "cut at 200x60:\n{wide}");
    let g = grid(&h, 80, 24);
    assert!(
        flat(&g).contains(label),
        "no full label at 80x24:\n{}",
        text(&g)
    );
    assert!(
        flat(&g).contains("Y是N否"),
        "no options in the checks box:\n{}",
        text(&g)
    );
}

/// The checks box shows its last line: W1 without 12123 has a long
/// refusal sentence, and all of it is on the screen.
#[test]
fn the_checks_box_never_hides_its_last_line() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::new(lang);
        h.setup();
        h.text("clwf");
        h.key("enter");
        for v in ["张三", "11010519491231002X", "13812345678", "浙A12345"] {
            h.text(v);
            h.key("tab");
        }
        h.text("n");
        h.key("tab");
        h.text("n");
        h.key("tab");
        h.text("33010012345");
        h.key("tab");
        h.text("200");
        h.key("tab");
        h.text("2026-09-01");
        h.key("shift-tab");
        h.key("shift-tab");
        h.app.message = None;
        let ws = match &h.app.screen {
            jingyou::app::state::Screen::Wizard(ws) => ws,
            _ => panic!("no wizard"),
        };
        let findings = ws.wizard.findings(h.app.today, lang);
        assert!(!findings.is_empty());
        let g = grid(&h, 80, 24);
        for fd in findings {
            let want: String = fd.message.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(flat(&g).contains(&want), "{want} hidden:\n{}", text(&g));
        }
    }
}

/// A Chinese receipt has one style of colon (full-width), wrapped lines keep
/// their indent, and no field label carries a form hint in brackets (labels
/// are printed on receipts; hints belong in the field's hint).
#[test]
fn receipt_typography() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    h.tick_d1_materials();
    h.pay_cash_and_finish();
    let text = match &h.app.screen {
        jingyou::app::state::Screen::Receipt(r) => r.text.clone(),
        other => panic!("no receipt: {other:?}"),
    };
    for line in text.lines() {
        assert!(!line.contains(": "), "half-width colon: {line:?}\n{text}");
    }
    let lines: Vec<&str> = text.lines().collect();
    for pair in lines.windows(2) {
        if pair[0].starts_with("  [x] ")
            && !pair[1].starts_with("  [x] ")
            && !pair[1].starts_with('-')
        {
            assert!(
                pair[1].starts_with("      "),
                "indent lost: {pair:?}\n{text}"
            );
        }
    }
    assert!(
        lines.iter().any(|l| l.starts_with("      ")),
        "D1's power of attorney wraps on the slip:\n{text}"
    );
    for s in &h.app.catalog.services {
        for f in &s.fields {
            for label in [&f.label_zh, &f.label_en] {
                assert!(
                    !label.contains('填') && !label.contains("for organisations"),
                    "{}: form hint in the label {label:?}",
                    s.code
                );
            }
        }
    }
}
