//! The supervisor's screens through the update logic and a real store.

mod common;

use common::{screen_text, Harness};
use jingyou::app::state::{Confirm, Overlay, Screen};
use jingyou::i18n::Lang;
use jingyou::store::Role;

/// A finished D1 application by the supervisor; returns its number.
fn finish_one(h: &mut Harness) -> String {
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    h.tick_d1_materials();
    h.pay_cash_and_finish();
    let Screen::Receipt(_) = &h.app.screen else {
        panic!("{}", h.message())
    };
    h.key("enter");
    let day = h.rt.store.applications_on(h.app.today).expect("apps");
    day.last().expect("one").number.clone()
}

#[test]
fn a_supervisor_voids_with_a_reason_and_the_tally_follows() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    let number = finish_one(&mut h);
    assert_eq!(h.rt.store.day_tally(h.app.today).expect("t").total, 1);
    h.key("f7");
    assert!(matches!(h.app.screen, Screen::Admin { .. }));
    h.text("3");
    assert!(matches!(h.app.screen, Screen::Void(_)));
    h.text(&number.to_lowercase());
    h.key("enter");
    h.key("enter");
    assert!(
        h.message().contains("原因"),
        "a reason is required: {}",
        h.message()
    );
    h.text("客户撤回申请");
    h.key("enter");
    assert!(matches!(h.app.overlay, Some(Overlay::Confirm(_))));
    h.text("y");
    assert!(h.message().contains("已作废"), "{}", h.message());
    let t = h.rt.store.day_tally(h.app.today).expect("t");
    assert_eq!((t.total, t.voided, t.fees_total_fen), (0, 1, 0));
    let app = h.rt.store.application(&number).expect("get").expect("kept");
    assert_eq!(app.void.map(|v| v.reason), Some("客户撤回申请".to_string()));
    assert_eq!(
        h.rt.store.void_queue().expect("vq").len(),
        1,
        "the void waits for upload"
    );
    assert!(h
        .rt
        .store
        .audit_tail(20)
        .expect("audit")
        .iter()
        .any(|e| e.what == "void" && e.detail == number));
    // The tally screen shows the same numbers.
    h.key("esc");
    h.text("1");
    let Screen::Tally(tv) = &h.app.screen else {
        panic!()
    };
    assert_eq!(tv.tally.voided, 1);
    assert_eq!(tv.history.len(), 30);
    assert_eq!(tv.history.last().map(|(d, _)| *d), Some(h.app.today));
}

#[test]
fn accounts_add_a_clerk_who_logs_in_and_sees_only_the_queue() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.key("f7");
    h.text("2");
    h.text("n");
    h.text("002");
    h.key("tab");
    h.text("钱柜员");
    h.key("tab");
    h.text("2580");
    h.key("tab");
    h.text("2580");
    h.key("enter");
    assert!(h.message().contains("002"), "{}", h.message());
    let u = h.rt.store.user("002").expect("get").expect("added");
    assert_eq!(u.role, Role::Clerk);
    h.restart_to_login();
    h.text("002");
    h.key("tab");
    h.text("2580");
    h.key("enter");
    assert!(
        matches!(h.app.screen, Screen::Home { .. }),
        "{}",
        h.message()
    );
    h.key("f7");
    assert!(
        matches!(h.app.screen, Screen::Queue(_)),
        "a clerk gets the queue, not the admin menu"
    );
}

#[test]
fn disable_and_pin_reset_take_effect_and_are_audited() {
    let mut h = Harness::new(Lang::En);
    h.setup();
    h.key("f7");
    h.text("2");
    h.text("n");
    h.text("003");
    h.key("tab");
    h.text("Sun");
    h.key("tab");
    h.text("1111");
    h.key("tab");
    h.text("1111");
    h.key("enter");
    // select 003 (users are listed by number: 001, 003)
    h.key("down");
    h.text("d");
    // Disabling asks first, naming the clerk; "n" keeps the account.
    match &h.app.overlay {
        Some(Overlay::Confirm(Confirm::Disable { id, name })) => {
            assert_eq!((id.as_str(), name.as_str()), ("003", "Sun"))
        }
        other => panic!("no confirm before disabling: {other:?}"),
    }
    h.text("n");
    assert!(!h.rt.store.user("003").expect("u").expect("u").disabled);
    h.text("d");
    h.text("y");
    assert!(h.rt.store.user("003").expect("u").expect("u").disabled);
    // Enabling takes nothing away and asks nothing.
    h.text("d");
    assert!(h.app.overlay.is_none());
    assert!(!h.rt.store.user("003").expect("u").expect("u").disabled);
    h.text("d");
    h.text("y");
    assert!(h.rt.store.user("003").expect("u").expect("u").disabled);
    h.text("p");
    h.text("2222");
    h.key("tab");
    h.text("2222");
    h.key("enter");
    let u = h.rt.store.user("003").expect("u").expect("u");
    assert!(jingyou::auth::verify_pin("2222", &u.pin_hash));
    h.restart_to_login();
    h.text("003");
    h.key("tab");
    h.text("2222");
    h.key("enter");
    assert!(h.app.user.is_none(), "a disabled clerk cannot log in");
    let audit = h.rt.store.audit_tail(50).expect("audit");
    for what in ["user_add", "user_disable", "pin_reset"] {
        assert!(audit.iter().any(|e| e.what == what), "{what} not audited");
    }
    // The supervisor cannot disable themself.
    h.restart_to_login();
    h.text("001");
    h.key("tab");
    h.text("123456");
    h.key("enter");
    h.key("f7");
    h.text("2");
    h.text("d");
    assert!(!h.rt.store.user("001").expect("u").expect("u").disabled);
}

/// Opens the void screen from home (supervisor logged in).
fn open_void(h: &mut Harness) {
    h.key("f7");
    h.text("3");
    assert!(matches!(h.app.screen, Screen::Void(_)));
}

#[test]
fn a_void_is_picked_from_todays_list_and_shown_before_the_confirm() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    let first = finish_one(&mut h);
    let second = finish_one(&mut h);
    open_void(&mut h);
    let Screen::Void(v) = &h.app.screen else {
        panic!()
    };
    let listed: Vec<&str> = v.recent.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(
        listed,
        vec![second.as_str(), first.as_str()],
        "newest first"
    );
    h.key("down");
    h.key("down");
    let Screen::Void(v) = &h.app.screen else {
        panic!()
    };
    assert_eq!(v.number.text, first, "↓↓ picks the second row");
    let t = v.target.as_ref().expect("shown before confirming");
    assert_eq!(t.customer, jingyou::mask::name("张三"), "customer masked");
    assert!(!t.customer.contains("张三"));
    h.key("enter");
    h.text("重复受理");
    h.key("enter");
    let Some(Overlay::Confirm(Confirm::Void { number, what, .. })) = &h.app.overlay else {
        panic!("no confirm: {}", h.message())
    };
    assert_eq!(number, &first);
    assert!(what.contains("D1") && what.contains("¥"), "{what}");
    assert!(what.contains(&jingyou::mask::name("张三")), "{what}");
    let s = screen_text(&h, 80, 24);
    for part in ["原因：重复受理", "收费 ¥", &first] {
        assert!(s.contains(part), "the confirm shows {part}:\n{s}");
    }
    h.text("y");
    assert!(h.message().contains("已作废"), "{}", h.message());
    let Screen::Void(v) = &h.app.screen else {
        panic!()
    };
    let listed: Vec<&str> = v.recent.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(
        listed,
        vec![second.as_str()],
        "a voided one leaves the list"
    );
    assert!(h
        .rt
        .store
        .application(&first)
        .expect("get")
        .expect("kept")
        .void
        .is_some());
}

#[test]
fn a_number_that_does_not_exist_is_refused_before_the_confirm() {
    for (lang, words) in [(Lang::Zh, "没有受理编号为"), (Lang::En, "No application")] {
        let mut h = Harness::new(lang);
        h.setup();
        finish_one(&mut h);
        open_void(&mut h);
        h.text("3301a-261128-9999");
        h.key("enter");
        assert!(h.app.overlay.is_none(), "refused before any confirm");
        assert!(h.message().contains(words), "{}", h.message());
        assert!(h.message().contains("3301A-261128-9999"), "{}", h.message());
        let Screen::Void(v) = &h.app.screen else {
            panic!()
        };
        assert!(v.target.is_none());
        assert_eq!(v.focus, 0, "still on the number");
        // Typing a reason does not get past it either.
        h.key("tab");
        h.text("客户撤回");
        h.key("enter");
        assert!(h.app.overlay.is_none());
    }
}

#[test]
fn voiding_twice_says_already_voided_in_the_ui_language() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::new(lang);
        h.setup();
        let number = finish_one(&mut h);
        h.rt.store
            .void(&number, "测试", "001", h.rt.clock.now())
            .expect("first void");
        open_void(&mut h);
        h.text(&number);
        h.key("enter");
        assert!(h.app.overlay.is_none(), "refused before any confirm");
        let m = h.message();
        match lang {
            Lang::Zh => {
                assert!(m.contains("已作废，无需再次作废"), "{m}");
                assert!(!m.contains("数据库") && !m.contains("voided"), "{m}");
            }
            Lang::En => {
                assert!(m.contains("already voided"), "{m}");
                assert!(!m.contains("失败") && !m.contains("作废"), "{m}");
            }
        }
        assert!(matches!(
            h.app.message,
            Some((jingyou::app::state::Level::Warn, _))
        ));
        // The store's own refusal (voided meanwhile) reads the same.
        let e =
            h.rt.store
                .void(&number, "测试", "001", h.rt.clock.now())
                .expect_err("twice");
        assert!(e.is_refusal());
        assert_eq!(e.message(lang), m);
    }
}

#[test]
fn the_audit_screen_is_in_words_with_headers_reasons_and_who_logged_out() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    let number = finish_one(&mut h);
    // Log out with F9 from home, then back in.
    h.key("f9");
    assert!(matches!(h.app.screen, Screen::Login(_)));
    h.text("001");
    h.key("tab");
    h.text("0000");
    h.key("enter");
    h.key("tab");
    h.key("tab");
    h.text("123456");
    h.key("enter");
    assert!(
        matches!(h.app.screen, Screen::Home { .. }),
        "{}",
        h.message()
    );
    let log = h.rt.store.audit_tail(50).expect("audit");
    let logout = log.iter().find(|e| e.what == "logout").expect("logout");
    assert_eq!(logout.who, "001", "the user of a log-out is filled in");
    open_void(&mut h);
    h.text(&number);
    h.key("enter");
    h.text("客户撤回");
    h.key("enter");
    h.text("y");
    h.key("esc");
    h.text("4");
    assert!(matches!(h.app.screen, Screen::Audit(_)));
    let s = screen_text(&h, 80, 24);
    for words in [
        "时间",
        "柜员",
        "操作",
        "详情",
        "登录失败",
        "退出登录",
        "作废",
    ] {
        assert!(s.contains(words), "no {words}:\n{s}");
    }
    assert!(s.contains("原因：客户撤回"), "the void's reason:\n{s}");
    for code in ["login_failed", "logout", "void"] {
        assert!(!s.contains(code), "code {code} shown:\n{s}");
    }
    let logout_row = s
        .lines()
        .find(|l| l.contains("退出登录"))
        .expect("logout row");
    assert!(logout_row.contains("001"), "{logout_row}");
}

/// The service rows of a rendered tally screen: `(code, the column after
/// the count)` for every `  CODE name… count` line of the left panel.
fn tally_rows(s: &str) -> Vec<(String, usize)> {
    use unicode_width::UnicodeWidthStr;
    s.lines()
        .filter_map(|l| {
            let left = l.split('│').nth(1)?;
            let code = left.strip_prefix("  ")?.split(' ').next()?;
            let ok = code.len() >= 2
                && code.chars().next()?.is_ascii_uppercase()
                && code.chars().skip(1).all(|c| c.is_ascii_alphanumeric());
            let end = left.trim_end();
            (ok && end.ends_with(|c: char| c.is_ascii_digit()))
                .then(|| (code.to_string(), end.width()))
        })
        .collect()
}

#[test]
fn the_tally_scrolls_through_every_service_with_counts_in_a_column() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::new(lang);
        h.setup();
        jingyou::seed::seed(&h.rt.store, &h.app.catalog, &h.rt.clock, 400, 1).expect("seed");
        h.key("f7");
        h.text("1");
        let Screen::Tally(t) = &h.app.screen else {
            panic!()
        };
        let total = t.tally.by_service.len();
        assert!(total > 13, "the seed covers many services: {total}");
        let mut seen = std::collections::BTreeSet::new();
        let first = screen_text(&h, 80, 24);
        let rows = tally_rows(&first);
        assert!(!rows.is_empty() && rows.len() < total, "{first}");
        let more = if lang == Lang::Zh {
            "↓ 另有"
        } else {
            "more ("
        };
        assert!(first.contains(more), "no more mark:\n{first}");
        // Counts end in one column, English names or not.
        let mut columns: Vec<usize> = rows.iter().map(|(_, c)| *c).collect();
        columns.dedup();
        assert_eq!(columns.len(), 1, "counts not in a column:\n{first}");
        seen.extend(rows.into_iter().map(|(c, _)| c));
        for _ in 0..5 {
            h.key("pgdn");
            let s = screen_text(&h, 80, 24);
            seen.extend(tally_rows(&s).into_iter().map(|(c, _)| c));
        }
        assert_eq!(
            seen.len(),
            total,
            "every service can be reached: {seen:?}\n{}",
            screen_text(&h, 80, 24)
        );
        let bottom = screen_text(&h, 80, 24);
        let above = if lang == Lang::Zh {
            "↑ 上方还有"
        } else {
            "more above"
        };
        assert!(bottom.contains(above), "{bottom}");
        for _ in 0..40 {
            h.key("up");
        }
        let top = screen_text(&h, 80, 24);
        assert_eq!(tally_rows(&top), tally_rows(&first), "back at the top");
        // The chart has its dates and its scale.
        assert!(top.contains("10-30") && top.contains("11-28"), "{top}");
        assert!(top.contains("4") && (top.contains("最高") || top.contains("highest")));
        // ←/→ stop at today.
        let today = h.app.today;
        h.key("right");
        let Screen::Tally(t) = &h.app.screen else {
            panic!()
        };
        assert_eq!(t.day, today, "no future days");
        h.key("left");
        h.key("right");
        h.key("right");
        let Screen::Tally(t) = &h.app.screen else {
            panic!()
        };
        assert_eq!(t.day, today);
    }
}

/// The display column where `needle` starts on `line`.
fn column_of(line: &str, needle: &str) -> Option<usize> {
    use unicode_width::UnicodeWidthStr;
    line.find(needle).map(|i| line[..i].width())
}

#[test]
fn admin_tables_pad_by_display_width() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    for (id, name, pin) in [("002", "Sun", "2580"), ("003", "欧阳小明", "2581")] {
        h.key("f7");
        h.text("2");
        h.text("n");
        h.text(id);
        h.key("tab");
        h.text(name);
        h.key("tab");
        h.text(pin);
        h.key("tab");
        h.text(pin);
        h.key("enter");
        assert!(h.message().contains(id), "{}", h.message());
        h.key("esc");
        h.key("esc");
    }
    h.key("f7");
    h.text("2");
    let s = screen_text(&h, 80, 24);
    let role_cols: Vec<usize> = ["001", "002", "003"]
        .iter()
        .map(|id| {
            let line = s
                .lines()
                .find(|l| l.starts_with(&format!("│ {id} ")))
                .unwrap_or_else(|| panic!("no {id}:\n{s}"));
            column_of(line, "柜员")
                .or_else(|| column_of(line, "负责人"))
                .unwrap_or_else(|| panic!("no role on {line}"))
        })
        .collect();
    assert!(
        role_cols.windows(2).all(|w| w[0] == w[1]),
        "roles not in one column {role_cols:?}:\n{s}"
    );
    let header = s.lines().find(|l| l.contains("角色")).expect("header");
    assert_eq!(column_of(header, "角色"), Some(role_cols[0]), "{s}");
}

/// The queue's error column: the relay's English detail in the UI's words,
/// the hub's own reason for one record as it came (escaped).
#[test]
fn the_queue_shows_upload_errors_in_words() {
    use jingyou::app::state::QueueView;
    use jingyou::store::{OutboxEntry, UploadState};
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    let entry = |e: &str| OutboxEntry {
        id: "a1".into(),
        number: "3301A-261128-0001".into(),
        service: "D3".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
        state: UploadState::Pending,
        attempts: 2,
        last_error: Some(e.into()),
        next_try: None,
        uploads: Default::default(),
    };
    h.app.screen = Screen::Queue(QueueView {
        entries: vec![(
            "k".into(),
            entry("temporary failure: connection failed: Connection refused (os error 111)"),
        )],
        selected: 0,
    });
    let s = screen_text(&h, 80, 24);
    assert!(!s.contains("Connection refused"), "{s}");
    assert!(s.contains("连不上上传服务器"), "{s}");
    h.app.screen = Screen::Queue(QueueView {
        entries: vec![("k".into(), entry("号牌\u{1b}]0;x不符"))],
        selected: 0,
    });
    let s = screen_text(&h, 80, 24);
    assert!(!s.contains('\u{1b}') && s.contains("号牌"), "{s}");
}
