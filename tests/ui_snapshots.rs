//! Every screen rendered at 80x24 (and the "too small" one), zh and en,
//! compared with the reviewed snapshots in tests/snapshots/.

mod common;

use common::{screen_text as render, Harness};
use jingyou::app::state::Overlay;
use jingyou::app::update::Input;
use jingyou::i18n::Lang;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use unicode_width::UnicodeWidthStr;

fn check_widths(screen: &str, w: usize) {
    for (i, line) in screen.lines().enumerate() {
        assert_eq!(line.width(), w, "row {i} is not {w} columns: {line:?}");
    }
}

fn snap(name: &str, h: &Harness) {
    let s = render(h, 80, 24);
    check_widths(&s, 80);
    // The temporary data dir differs per run.
    let dir = h.dir.path().display().to_string();
    let s = s.replace(
        &dir,
        &"<DATA>"
            .chars()
            .chain(std::iter::repeat_n(' ', dir.len().saturating_sub(6)))
            .collect::<String>(),
    );
    insta::assert_snapshot!(name, s);
}

fn each_lang(f: impl Fn(Lang, &str)) {
    f(Lang::Zh, "zh");
    f(Lang::En, "en");
}

#[test]
fn setup_and_login() {
    each_lang(|lang, tag| {
        let mut h = Harness::new(lang);
        h.text("3301A");
        snap(&format!("setup_{tag}"), &h);
        h.setup();
        h.restart_to_login();
        h.text("001");
        snap(&format!("login_{tag}"), &h);
    });
}

#[test]
fn home_picker_and_find() {
    each_lang(|lang, tag| {
        let mut h = Harness::new(lang);
        h.setup();
        h.open_d1();
        h.text("张三");
        h.key("esc");
        h.app.message = None;
        snap(&format!("home_{tag}"), &h);
        h.text("hl");
        snap(&format!("picker_{tag}"), &h);
        h.key("esc");
        h.text("补领登记证书");
        h.key("enter");
        snap(&format!("picker_refused_{tag}"), &h);
        h.key("esc");
        h.key("f4");
        h.text("Z261128-001");
        h.key("enter");
        snap(&format!("find_{tag}"), &h);
    });
}

#[test]
fn wizard_pages() {
    each_lang(|lang, tag| {
        let mut h = Harness::new(lang);
        h.setup();
        h.open_d1();
        h.text("张三");
        h.key("tab");
        h.text("36042619910102009X");
        h.key("tab");
        h.text("13812345678");
        h.app.message = None;
        snap(&format!("wizard_fields_invalid_{tag}"), &h);
        h.key("shift-tab");
        for _ in 0.."36042619910102009X".len() {
            h.input(Input::Backspace);
        }
        h.text("11010519491231002X");
        h.key("tab");
        h.key("tab");
        h.key("tab");
        h.text("430101758218");
        h.key("tab");
        h.text("n");
        h.key("f10");
        snap(&format!("wizard_materials_{tag}"), &h);
        h.key("space");
        h.key("down");
        h.key("space");
        h.key("f10");
        h.text("2");
        snap(&format!("wizard_payment_{tag}"), &h);
        h.key("f10");
        snap(&format!("wizard_review_{tag}"), &h);
        h.key("f10");
        h.app.message = None;
        snap(&format!("receipt_{tag}"), &h);
    });
}

#[test]
fn overlays_and_small_terminals() {
    each_lang(|lang, tag| {
        let mut h = Harness::new(lang);
        h.setup();
        h.app.message = None;
        h.key("f1");
        snap(&format!("help_{tag}"), &h);
        h.key("enter");
        h.open_d1();
        h.key("f8");
        snap(&format!("confirm_discard_{tag}"), &h);
        h.text("n");
        h.key("f12");
        assert!(matches!(h.app.overlay, Some(Overlay::Locked(_))));
        snap(&format!("locked_{tag}"), &h);
        let small = render(&h, 20, 5);
        check_widths(&small, 20);
        insta::assert_snapshot!(format!("too_small_{tag}"), small);
    });
}

#[test]
fn the_linux_console_gets_ascii_borders_and_mono_has_no_colour() {
    let mut h = Harness::new(Lang::En);
    h.app.theme = jingyou::ui::theme::Theme::select(
        Lang::En,
        "auto",
        std::path::Path::new("/nonexistent"),
        "linux",
        false,
    )
    .0;
    h.setup();
    let s = render(&h, 80, 24);
    assert!(
        !s.contains('─') && !s.contains('│'),
        "box drawing on TERM=linux:\n{s}"
    );
    assert!(s.contains("+-"), "{s}");
    h.app.theme = jingyou::ui::theme::Theme::builtin("mono").expect("mono");
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    t.draw(|f| jingyou::ui::view(&h.app, f)).expect("draw");
    let buf = t.backend().buffer().clone();
    for cell in buf.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

#[test]
fn supervisor_screens() {
    each_lang(|lang, tag| {
        let mut h = Harness::new(lang);
        h.setup();
        jingyou::seed::seed(&h.rt.store, &h.app.catalog, &h.rt.clock, 120, 30).expect("seed");
        h.app.message = None;
        h.key("f7");
        snap(&format!("admin_menu_{tag}"), &h);
        h.text("1");
        snap(&format!("admin_tally_{tag}"), &h);
        h.key("esc");
        h.text("2");
        h.text("n");
        snap(&format!("admin_accounts_form_{tag}"), &h);
        h.key("esc");
        h.key("esc");
        h.text("3");
        snap(&format!("admin_void_{tag}"), &h);
        h.key("esc");
        h.text("5");
        snap(&format!("admin_queue_{tag}"), &h);
    });
}

/// A field whose value makes a rule block finishing shows ✗ with the rule's
/// sentence, never a green ✓ (D6 for a 34-year-old: art. 74 does not apply),
/// and W1 without 12123 offers U1 in a dialogue.
#[test]
fn blocked_fields_show_no_check_mark_and_w1_offers_u1() {
    each_lang(|lang, tag| {
        let mut h = Harness::new(lang);
        h.setup();
        h.text("tjsttjzm");
        h.key("enter");
        h.text("张三");
        h.key("tab");
        h.text("11010119920101001X");
        h.key("tab");
        let s = render(&h, 80, 24);
        let row = s
            .lines()
            .find(|l| l.contains("11010119920101001X"))
            .unwrap_or_else(|| panic!("no ID row:\n{s}"));
        assert!(row.contains('✗') && !row.contains('✓'), "{row}");
        assert!(row.contains("34"), "{row}");
        snap(&format!("wizard_blocked_field_{tag}"), &h);

        let mut h = Harness::new(lang);
        h.setup();
        h.text("clwf");
        h.key("enter");
        for v in ["张三", "11010519491231002X", "13812345678", "浙A12345"] {
            h.text(v);
            h.key("tab");
        }
        h.text("n");
        h.key("f10");
        assert!(matches!(h.app.overlay, Some(Overlay::Confirm(_))));
        snap(&format!("wizard_offer_u1_{tag}"), &h);
    });
}

/// F4 finds a finished application by part of its number and shows the
/// vehicle office's answer: state, history, result.
#[test]
fn find_shows_the_office_review() {
    each_lang(|lang, tag| {
        let mut h = Harness::new(lang);
        h.setup();
        h.open_d1();
        h.fill_d1();
        h.key("f10");
        h.tick_d1_materials();
        h.pay_cash_and_finish();
        h.key("enter");
        let app =
            h.rt.store
                .applications_on(h.app.today)
                .expect("apps")
                .pop()
                .expect("one");
        let change = |cursor: &str, state, note: Option<&str>, result: Option<&str>, at: &str| {
            jingyou::wire::Change {
                cursor: cursor.into(),
                id: app.id.clone(),
                number: app.number.clone(),
                state,
                at: at.into(),
                note: note.map(str::to_string),
                result: result.map(str::to_string),
                materials: vec![],
                review_id: format!("r{cursor}"),
            }
        };
        use jingyou::wire::ReviewState as S;
        h.rt.store
            .record_changes(
                &[
                    change(
                        "1",
                        S::NeedsCorrection,
                        Some("照片不合格"),
                        None,
                        "2026-11-28T14:00:00+08:00",
                    ),
                    change("2", S::Accepted, None, None, "2026-11-29T09:30:00+08:00"),
                    change(
                        "3",
                        S::Completed,
                        None,
                        Some("EMS 1190000000001"),
                        "2026-12-01T16:05:00+08:00",
                    ),
                ],
                "3",
            )
            .expect("record");
        h.key("f4");
        h.text("0001");
        h.key("enter");
        snap(&format!("find_reviewed_{tag}"), &h);
    });
}

/// The home screen counts the office's answers of the day; F11 lists what
/// was sent back with the office's note, Enter gives the "what to bring"
/// slip; the supervisor sees applications past their time limit.
#[test]
fn corrections_slip_and_overdue() {
    use jingyou::store::Decision;
    use jingyou::wire::ReviewState as S;
    each_lang(|lang, tag| {
        let mut h = Harness::new(lang);
        h.setup();
        for _ in 0..2 {
            h.open_d1();
            h.fill_d1();
            h.key("f10");
            h.tick_d1_materials();
            h.pay_cash_and_finish();
            h.key("enter");
        }
        let queue = h.rt.store.queue().expect("queue");
        let decisions: Vec<(String, Decision)> = queue
            .iter()
            .map(|(k, _)| (k.clone(), Decision::Acknowledge(format!("HUB-{k}"))))
            .collect();
        h.rt.store.settle(&decisions).expect("acknowledged");
        let mut apps = h.rt.store.applications_on(h.app.today).expect("apps");
        apps.sort_by(|a, b| a.number.cmp(&b.number));
        let change = |cursor: &str, i: usize, state, note: Option<&str>, materials: &[&str]| {
            jingyou::wire::Change {
                cursor: cursor.into(),
                id: apps[i].id.clone(),
                number: apps[i].number.clone(),
                state,
                at: "2026-11-28T14:00:00+08:00".into(),
                note: note.map(str::to_string),
                result: None,
                materials: materials.iter().map(|m| m.to_string()).collect(),
                review_id: format!("r{cursor}"),
            }
        };
        h.rt.store
            .record_changes(
                &[
                    change("1", 0, S::NeedsCorrection, Some("照片不合格"), &["photo"]),
                    change("2", 1, S::Accepted, None, &[]),
                ],
                "2",
            )
            .expect("record");
        h.run(vec![jingyou::app::update::Effect::LoadHome]);
        let r = h.app.home.reviews;
        assert_eq!(
            (
                r.needs_correction_on_day,
                r.completed_on_day,
                r.needs_correction_now
            ),
            (1, 0, 1)
        );
        assert_eq!(h.app.home.overdue, Some(0), "within the time limit today");
        // a week on, the accepted one is past D1's 1 working day; the one
        // waiting for the customer is not counted
        let late = jingyou::overdue::overdue(
            &h.rt.store,
            &h.app.catalog,
            h.app.today + chrono::Duration::days(7),
        )
        .expect("overdue");
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].number, apps[1].number);
        h.key("f11");
        snap(&format!("corrections_{tag}"), &h);
        h.key("enter");
        let text = match &h.app.screen {
            jingyou::app::state::Screen::Receipt(r) => r.text.clone(),
            other => panic!("no slip: {other:?}"),
        };
        assert!(text.contains("照片不合格"), "{text}");
        let photo = if lang == Lang::Zh {
            "近期一寸白底彩色照片"
        } else {
            "Recent 1-inch photo"
        };
        assert!(text.contains(photo), "{text}");
        assert!(text.contains(&apps[0].number), "{text}");
        assert!(!text.contains("11010519491231002X"), "ID masked: {text}");
        let file = h
            .dir
            .path()
            .join("receipts")
            .join(format!("correction-{}.txt", apps[0].number));
        assert!(
            std::fs::read_to_string(&file).is_ok_and(|t| t == text),
            "kept as {}",
            file.display()
        );
    });
}
