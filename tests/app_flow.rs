//! The clerk's flows through the update logic and the runtime, on a real
//! store but without a terminal.

mod common;

use common::{screen_text, Harness};
use jingyou::app::state::{Level, Overlay, Screen};
use jingyou::app::update::Input;
use jingyou::i18n::Lang;
use jingyou::wizard::Step;

fn wizard_step(h: &Harness) -> Option<Step> {
    match &h.app.screen {
        Screen::Wizard(ws) => Some(ws.wizard.step()),
        _ => None,
    }
}

#[test]
fn first_run_then_a_complete_application_gives_a_receipt_file() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Materials), "{}", h.message());
    // Finishing without the required materials is refused and says which.
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Materials));
    assert!(h.message().contains("缺少材料"), "{}", h.message());
    h.key("space");
    h.key("down");
    h.key("space");
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Payment), "{}", h.message());
    h.key("f10");
    assert_eq!(
        wizard_step(&h),
        Some(Step::Payment),
        "payment method is required"
    );
    h.text("3");
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Review), "{}", h.message());
    h.key("f10");
    // One key finishes: the receipt, no question in between.
    assert!(h.app.overlay.is_none(), "{:?}", h.app.overlay);
    let Screen::Receipt(r) = &h.app.screen else {
        panic!("no receipt: {}", h.message());
    };
    assert!(r.text.contains("公安交管业务受理回执"), "{}", r.text);
    assert!(r.text.contains("3301A-261128-0001"), "{}", r.text);
    assert!(r.text.contains("110105********002X"));
    assert!(
        !r.text.contains("11010519491231002X"),
        "full ID on a receipt"
    );
    let file = r.file.clone().expect("receipt file");
    let on_disk = std::fs::read_to_string(file).expect("read");
    assert_eq!(on_disk, r.text);
    // Counters and the draft are updated in the same finish.
    let day = h.rt.store.day_tally(h.app.today).expect("tally");
    assert_eq!(day.total, 1);
    assert_eq!(day.by_payment.get("qr"), Some(&1000));
    assert!(h.rt.store.drafts().expect("drafts").is_empty());
    assert_eq!(h.app.home.clerk_count, 1);
}

#[test]
fn invalid_fields_stop_the_first_step_and_focus_the_first_problem() {
    let mut h = Harness::new(Lang::En);
    h.setup();
    h.open_d1();
    h.text("张三");
    h.key("tab");
    h.text("36042619910102009X");
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Fields));
    let Screen::Wizard(ws) = &h.app.screen else {
        panic!()
    };
    assert_eq!(ws.wizard.focus(), 1, "focus moves to the bad ID");
    assert!(
        h.message().contains('3'),
        "names the expected check digit: {}",
        h.message()
    );
    assert_eq!(h.app.message.as_ref().map(|m| m.0), Some(Level::Error));
}

#[test]
fn a_detained_licence_is_blocked_with_a_plain_reason() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.fill_d1();
    // change 否 to 是
    h.text("y");
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Fields));
    assert!(h.message().contains("扣"), "{}", h.message());
}

#[test]
fn parking_with_missing_materials_prints_a_slip_and_the_draft_finishes_later() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    h.key("f2");
    let Screen::Receipt(slip) = &h.app.screen else {
        panic!("no slip: {}", h.message());
    };
    assert!(slip.text.contains("Z261128-001"), "{}", slip.text);
    assert!(
        slip.text.contains("授权委托书"),
        "lists the missing material: {}",
        slip.text
    );
    assert!(slip.file.as_ref().is_some_and(|f| f.exists()));
    h.key("enter");
    assert!(matches!(h.app.screen, Screen::Home { .. }));
    assert_eq!(h.app.home.drafts.len(), 1);
    // The customer comes back: find by ID number, reopen where it was left.
    h.key("f4");
    h.text("11010519491231002X");
    h.key("enter");
    h.key("enter");
    assert_eq!(wizard_step(&h), Some(Step::Materials), "{}", h.message());
    let Screen::Wizard(ws) = &h.app.screen else {
        panic!()
    };
    assert_eq!(ws.wizard.raw("owner_name"), "张三", "nothing retyped");
    h.key("space");
    h.key("down");
    h.key("space");
    h.key("f10");
    h.pay_cash_and_finish();
    assert!(h.rt.store.drafts().expect("drafts").is_empty());
}

#[test]
fn esc_on_the_first_step_keeps_the_draft_and_discard_needs_a_confirm() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.text("李四");
    h.key("esc");
    assert!(matches!(h.app.screen, Screen::Home { .. }));
    assert_eq!(h.app.home.drafts.len(), 1, "Esc never throws work away");
    assert_eq!(
        h.app.home.drafts[0]
            .values
            .get("owner_name")
            .map(String::as_str),
        Some("李四")
    );
    h.key("f8");
    assert!(matches!(h.app.overlay, Some(Overlay::Confirm(_))));
    h.text("n");
    assert_eq!(
        h.rt.store.drafts().expect("d").len(),
        1,
        "any other key cancels"
    );
    h.key("f8");
    h.text("y");
    assert!(h.rt.store.drafts().expect("d").is_empty());
}

#[test]
fn wrong_pins_lock_the_account_and_the_screen_never_tells_which_ids_exist() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.restart_to_login();
    // An ID that does not exist.
    h.text("999");
    h.key("tab");
    h.text("000000");
    h.key("enter");
    let unknown = h.message();
    assert!(unknown.contains("柜员号或 PIN 不正确"), "{unknown}");
    h.restart_to_login();
    h.text("001");
    h.key("tab");
    h.text("000000");
    h.key("enter");
    assert_eq!(h.message(), unknown, "a wrong PIN reads as an unknown ID");
    for _ in 0..4 {
        h.text("000000");
        h.key("enter");
    }
    assert_eq!(
        h.message(),
        unknown,
        "the lock-out is not told to a guesser"
    );
    h.text("123456");
    h.key("enter");
    assert!(h.app.user.is_none(), "locked account must not log in");
    assert!(
        h.message().contains("锁定"),
        "the right PIN hears why: {}",
        h.message()
    );
    let audit = h.rt.store.audit_tail(10).expect("audit");
    assert!(audit.iter().any(|e| e.what == "login_failed"));
}

#[test]
fn the_lock_screen_keeps_the_wizard_and_unlocks_with_the_pin() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.text("王五");
    h.key("f12");
    assert!(matches!(h.app.overlay, Some(Overlay::Locked(_))));
    h.text("bljsz");
    assert!(
        matches!(h.app.screen, Screen::Wizard(_)),
        "typing on the lock screen goes to the PIN"
    );
    h.key("enter");
    assert!(
        matches!(h.app.overlay, Some(Overlay::Locked(_))),
        "wrong PIN stays locked"
    );
    h.text("123456");
    h.key("enter");
    assert!(h.app.overlay.is_none(), "{}", h.message());
    let Screen::Wizard(ws) = &h.app.screen else {
        panic!()
    };
    assert_eq!(ws.wizard.raw("owner_name"), "王五");
}

#[test]
fn a_huge_paste_is_cut_with_a_warning_and_controls_removed() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    let huge = format!("张\u{1b}[2J{}", "三".repeat(1_000_000));
    h.input(Input::Paste(huge));
    let Screen::Wizard(ws) = &h.app.screen else {
        panic!()
    };
    let v = ws.wizard.raw("owner_name");
    assert!(v.chars().count() <= 200, "{}", v.chars().count());
    assert!(!v.contains('\u{1b}'));
    assert_eq!(h.app.message.as_ref().map(|m| m.0), Some(Level::Warn));
}

#[test]
fn refused_services_are_found_but_cannot_be_started() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.text("补领登记证书");
    h.key("enter");
    assert!(matches!(h.app.screen, Screen::Picker(_)));
    assert!(h.message().contains("不能代办"), "{}", h.message());
    let found = h.app.catalog.search("补领登记证书");
    let reason = found[0]
        .refusal_reason
        .clone()
        .expect("refused services carry a reason");
    assert!(reason.contains("第八十六条"), "{reason}");
}

#[test]
fn ems_delivery_adds_postage_and_needs_an_address() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    h.key("space");
    h.key("down");
    h.key("space");
    h.key("f10");
    h.text("1");
    h.key("tab");
    h.text("2");
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Payment), "address missing");
    let Screen::Wizard(ws) = &h.app.screen else {
        panic!()
    };
    assert_eq!(ws.wizard.focus(), 2, "focus moves to the address");
    h.text("浙江省杭州市西湖区文三路100号");
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Review), "{}", h.message());
    let Screen::Wizard(ws) = &h.app.screen else {
        panic!()
    };
    assert_eq!(ws.wizard.fee_total(h.app.today), 1000 + 1500);
}

#[test]
fn a_photo_is_checked_kept_and_finished_with_the_application() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    h.key("space");
    h.key("down");
    h.key("space");
    // The attachment input is the last line of the materials step.
    h.key("up");
    h.key("up");
    {
        let Screen::Wizard(ws) = &h.app.screen else {
            panic!()
        };
        assert_eq!(
            ws.wizard.attachment_focus(),
            Some(ws.wizard.focus()),
            "on the attachment input"
        );
    }
    let bad = h.dir.path().join("virus.jpg");
    std::fs::write(&bad, b"MZ not an image").expect("write");
    h.input(Input::Paste(bad.display().to_string()));
    h.key("enter");
    assert!(h.message().contains("JPEG"), "{}", h.message());
    let photo = h.dir.path().join("张三.jpg");
    std::fs::write(&photo, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4]).expect("write");
    // clear the input, then type the good path
    for _ in 0..bad.display().to_string().chars().count() {
        h.input(Input::Backspace);
    }
    h.input(Input::Paste(photo.display().to_string()));
    h.key("enter");
    assert!(h.message().contains("张三.jpg"), "{}", h.message());
    std::fs::remove_file(&photo).expect("the clerk may delete the original");
    let files = |h: &Harness| match &h.app.screen {
        Screen::Wizard(ws) => ws
            .wizard
            .draft
            .attachments
            .iter()
            .map(|a| a.name.clone())
            .collect::<Vec<_>>(),
        _ => panic!("left the wizard"),
    };
    // A second file, then Backspace on the empty path: nothing is removed.
    let scan = h.dir.path().join("scan.png");
    std::fs::write(&scan, b"\x89PNG\r\n\x1a\n0000").expect("write");
    h.input(Input::Paste(scan.display().to_string()));
    h.key("enter");
    assert_eq!(files(&h), vec!["张三.jpg", "scan.png"], "{}", h.message());
    for _ in 0..3 {
        h.input(Input::Backspace);
    }
    assert_eq!(
        files(&h),
        vec!["张三.jpg", "scan.png"],
        "Backspace removed a file"
    );
    assert!(h.app.overlay.is_none());
    // Delete asks, naming the last file; any other key keeps it.
    h.input(Input::Delete);
    assert!(
        matches!(&h.app.overlay, Some(Overlay::Confirm(jingyou::app::state::Confirm::Detach { name, .. })) if name == "scan.png"),
        "{:?}",
        h.app.overlay
    );
    h.text("n");
    assert!(h.app.overlay.is_none());
    assert_eq!(files(&h).len(), 2);
    // ← chooses the other file; Enter removes that one only.
    h.input(Input::Delete);
    h.key("left");
    assert!(
        matches!(&h.app.overlay, Some(Overlay::Confirm(jingyou::app::state::Confirm::Detach { name, .. })) if name == "张三.jpg"),
        "{:?}",
        h.app.overlay
    );
    h.key("enter");
    assert_eq!(files(&h), vec!["scan.png"], "{}", h.message());
    assert!(h.message().contains("张三.jpg"), "{}", h.message());
    // The saved draft agrees.
    let drafts = h.rt.store.drafts().expect("drafts");
    assert_eq!(drafts[0].attachments.len(), 1);
    // Ctrl-X, which a VT100 can send (it has no Delete key), asks the same.
    h.key("ctrl-x");
    assert!(
        matches!(&h.app.overlay, Some(Overlay::Confirm(jingyou::app::state::Confirm::Detach { name, .. })) if name == "scan.png"),
        "{:?}",
        h.app.overlay
    );
    h.text("n");
    assert_eq!(files(&h).len(), 1);
    // Put the photo back for the rest of the flow.
    std::fs::write(&photo, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4]).expect("write");
    for _ in 0..scan.display().to_string().chars().count() {
        h.input(Input::Backspace);
    }
    h.input(Input::Delete);
    h.key("enter");
    assert!(files(&h).is_empty());
    h.input(Input::Paste(photo.display().to_string()));
    h.key("enter");
    assert_eq!(files(&h), vec!["张三.jpg"], "{}", h.message());
    h.key("f10");
    h.pay_cash_and_finish();
    let app =
        h.rt.store
            .applications_on(h.app.today)
            .expect("apps")
            .pop()
            .expect("one");
    assert_eq!(app.attachments.len(), 1);
    let kept = h.dir.path().join(&app.attachments[0].path);
    assert_eq!(
        std::fs::read(kept).expect("kept copy"),
        vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4]
    );
    assert_eq!(app.attachments[0].mime, "image/jpeg");
}

#[test]
fn the_receipt_goes_to_the_print_command_and_the_print_is_audited() {
    let mut h = Harness::new(Lang::Zh);
    let printed = h.dir.path().join("printed.txt");
    h.rt.config.print.command = Some(format!("cat > '{}'", printed.display()));
    h.setup();
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    h.tick_d1_materials();
    h.pay_cash_and_finish();
    // The printer runs on its own thread: wait for it.
    let text = wait_printed(&printed, "3301A-261128-0001");
    assert!(text.contains("110105********002X") && !text.contains("11010519491231002X"));
    assert_audited(&h, "print", "3301A-261128-0001");
}

/// What the print command wrote, once it holds `needle` (10 s at most).
fn wait_printed(printed: &std::path::Path, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(printed).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing printed with {needle:?}: {text:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The audit log's last lines hold `what` for `detail`.
fn assert_audited(h: &Harness, what: &str, detail: &str) {
    let audit = h.rt.store.audit_tail(20).expect("audit");
    assert!(
        audit.iter().any(|e| e.what == what && e.detail == detail),
        "{audit:?}"
    );
}

/// W1 fields up to the 12123 questions: name, ID, phone, plate.
fn fill_w1_person(h: &mut Harness) {
    h.text("clwf");
    h.key("enter");
    assert!(matches!(h.app.screen, Screen::Wizard(_)), "{}", h.message());
    h.text("张三");
    h.key("tab");
    h.text("11010519491231002X");
    h.key("tab");
    h.text("13812345678");
    h.key("tab");
    h.text("浙A12345");
    h.key("tab");
}

#[test]
fn w1_without_12123_offers_u1_with_the_details_carried_over() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    fill_w1_person(&mut h);
    h.text("n");
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Fields));
    assert!(h.message().contains("12123"), "{}", h.message());
    assert!(
        matches!(
            &h.app.overlay,
            Some(Overlay::Confirm(
                jingyou::app::state::Confirm::Offer { service, .. }
            )) if service == "U1"
        ),
        "{:?}",
        h.app.overlay
    );
    h.key("enter");
    let Screen::Wizard(ws) = &h.app.screen else {
        panic!("no U1 wizard: {}", h.message());
    };
    assert_eq!(ws.wizard.service.code, "U1");
    assert_eq!(ws.wizard.raw("owner_name"), "张三");
    assert_eq!(ws.wizard.raw("id_number"), "11010519491231002X");
    assert_eq!(ws.wizard.raw("phone"), "13812345678");
    // The W1 draft is kept for later.
    let drafts = h.rt.store.drafts().expect("drafts");
    assert!(drafts.iter().any(|d| d.service == "W1"), "{drafts:?}");
}

#[test]
fn w1_receipt_shows_the_surcharge_free_deadline_and_no_platform_material() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    fill_w1_person(&mut h);
    h.text("y");
    h.key("tab");
    h.text("y");
    h.key("tab");
    h.key("tab");
    h.text("200");
    h.key("tab");
    // A decision received tomorrow is an error, not a finding to ignore.
    let tomorrow = h.app.today + chrono::Duration::days(1);
    h.text(&tomorrow.to_string());
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Fields), "{}", h.message());
    assert!(h.message().contains("晚于今天"), "{}", h.message());
    let received = h.app.today - chrono::Duration::days(3);
    for _ in 0..12 {
        h.input(Input::Backspace);
    }
    h.text(&received.to_string());
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Materials), "{}", h.message());
    h.key("space");
    h.key("down");
    h.key("space");
    h.key("f10");
    // Nothing to pay and nothing to post: no fee and delivery step, not
    // counted, and Back goes over it too.
    assert_eq!(wizard_step(&h), Some(Step::Review), "{}", h.message());
    {
        let Screen::Wizard(ws) = &h.app.screen else {
            panic!()
        };
        assert_eq!(
            ws.wizard.shown_steps(h.app.today),
            vec![Step::Fields, Step::Materials, Step::Review]
        );
    }
    h.key("esc");
    assert_eq!(wizard_step(&h), Some(Step::Materials), "{}", h.message());
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Review), "{}", h.message());
    h.key("f10");
    let Screen::Receipt(r) = &h.app.screen else {
        panic!("no receipt: {}", h.message());
    };
    let deadline = received + chrono::Duration::days(15);
    assert!(r.text.contains(&deadline.to_string()), "{}", r.text);
    assert!(!r.text.contains("U1"), "{}", r.text);
    // Nothing to pay: no method asked, none stored, the receipt says so.
    assert!(r.text.contains("合计：免收费"), "{}", r.text);
    assert!(!r.text.contains("现金"), "{}", r.text);
    // Nothing delivered: the catalogue's words, not "collected at the branch".
    assert!(
        r.text.contains("交付方式：处理结果在交管12123查询"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("网点自取"), "{}", r.text);
    let today = h.app.today;
    let apps = h.rt.store.applications_between(today, today).expect("apps");
    let w1 = apps.iter().find(|a| a.service == "W1").expect("the W1");
    assert_eq!(w1.payment, None, "a free service is not cash");
    let day = h.rt.store.day_tally(today).expect("tally");
    assert!(day.by_payment.is_empty(), "{:?}", day.by_payment);
}

#[test]
fn f4_finds_a_finished_application_shows_it_read_only_and_reprints_its_receipt() {
    let mut h = Harness::new(Lang::Zh);
    let printed = h.dir.path().join("printed.txt");
    h.rt.config.print.command = Some(format!("cat > '{}'", printed.display()));
    h.setup();
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    h.tick_d1_materials();
    h.pay_cash_and_finish();
    h.key("enter");
    assert!(matches!(h.app.screen, Screen::Home { .. }));
    // By part of its number and by the customer's ID.
    for query in ["261128-0001", "11010519491231002X"] {
        h.key("f4");
        h.text(query);
        h.key("enter");
        let Screen::FindDraft(f) = &h.app.screen else {
            panic!("no find screen")
        };
        assert!(f.results.is_empty(), "no draft is left");
        assert_eq!(f.apps.len(), 1, "{query}: {}", h.message());
        h.key("esc");
    }
    h.key("f4");
    h.text("0001");
    h.key("enter");
    h.key("enter");
    let Screen::Receipt(r) = &h.app.screen else {
        panic!("not opened: {}", h.message());
    };
    assert_eq!(r.reprint.as_deref(), Some("3301A-261128-0001"));
    let head = r.header.join("\n");
    for want in [
        "补领驾驶证",
        "张*",
        "110105********002X",
        "¥10.00",
        "有效",
        "车管所审核",
    ] {
        assert!(head.contains(want), "{want} missing: {head}");
    }
    assert!(!head.contains("11010519491231002X"), "full ID: {head}");
    assert!(r.text.contains("公安交管业务受理回执"), "{}", r.text);
    assert!(r.text.contains("（补打）"), "{}", r.text);
    // Read-only: typing changes nothing and keeps the screen.
    h.text("x");
    assert!(matches!(h.app.screen, Screen::Receipt(_)));
    h.key("f5");
    let text = wait_printed(&printed, "补打时间");
    assert!(text.contains("（补打）"), "{text}");
    assert_audited(&h, "reprint", "3301A-261128-0001");
}

#[test]
fn quitting_mid_wizard_asks_first_and_elsewhere_does_not() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.text("张三");
    h.key("ctrl-q");
    assert!(!h.app.quit, "quit without asking");
    assert_eq!(
        h.app.overlay,
        Some(Overlay::Confirm(jingyou::app::state::Confirm::Quit))
    );
    // What was typed is saved while the question is up.
    let drafts = h.rt.store.drafts().expect("drafts");
    assert_eq!(
        drafts[0].values.get("owner_name").map(String::as_str),
        Some("张三")
    );
    // No: back in the wizard, nothing lost.
    h.text("n");
    assert!(!h.app.quit && h.app.overlay.is_none());
    assert_eq!(wizard_step(&h), Some(Step::Fields));
    // Ctrl-C asks too; yes quits.
    h.key("ctrl-c");
    assert!(!h.app.quit);
    h.key("enter");
    assert!(h.app.quit);

    // Mid-wizard, the terminal going away quits at once (and saves).
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.text("李四");
    let fx = h.app.terminal_gone();
    h.run(fx);
    assert!(h.app.quit && h.app.overlay.is_none());
    let drafts = h.rt.store.drafts().expect("drafts");
    assert_eq!(
        drafts[0].values.get("owner_name").map(String::as_str),
        Some("李四")
    );

    // On the home screen Ctrl-Q quits at once.
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.key("ctrl-q");
    assert!(h.app.quit && h.app.overlay.is_none());
}

#[test]
fn the_mailing_address_of_step_one_is_the_ems_default_and_shown_once_masked() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.open_d1();
    h.text("张三");
    h.key("tab");
    h.text("11010519491231002X");
    h.key("tab");
    h.text("13812345678");
    h.key("tab");
    h.text("浙江省杭州市西湖区文三路100号");
    h.key("tab");
    h.text("430101758218");
    h.key("tab");
    h.text("n");
    h.key("f10");
    h.tick_d1_materials();
    assert_eq!(wizard_step(&h), Some(Step::Payment), "{}", h.message());
    h.text("1");
    h.key("tab");
    h.text("2");
    {
        let Screen::Wizard(ws) = &h.app.screen else {
            panic!()
        };
        assert_eq!(ws.address.text, "浙江省杭州市西湖区文三路100号");
        assert_eq!(
            ws.wizard.draft.delivery,
            jingyou::store::Delivery::Ems {
                address: "浙江省杭州市西湖区文三路100号".into()
            }
        );
    }
    // Nothing to retype: the address step passes.
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Review), "{}", h.message());
    let screen = screen_text(&h, 80, 24);
    assert!(
        !screen.contains("文三路100号"),
        "an unmasked copy:\n{screen}"
    );
    assert_eq!(
        screen.matches("浙江省杭州市****").count(),
        1,
        "shown once, masked:\n{screen}"
    );
}

#[test]
fn a_conditional_material_says_which_answer_made_it_needed() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.text("bljdchp");
    h.key("enter");
    assert!(matches!(h.app.screen, Screen::Wizard(_)), "{}", h.message());
    h.text("2"); // 单位
    h.key("tab");
    h.text("杭州某某公司");
    h.key("tab");
    h.text("11010519491231002X");
    h.key("tab");
    h.text("13812345678");
    h.key("tab");
    h.key("tab");
    h.key("tab");
    h.text("浙A12345");
    h.key("tab");
    h.key("tab");
    h.text("2"); // 两面: the remaining-plate material is not needed
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Materials), "{}", h.message());
    let why = "（因：所有人类型为单位）";
    let screen = screen_text(&h, 100, 30);
    let lines: Vec<&str> = screen.lines().filter(|l| l.contains(why)).collect();
    assert!(
        lines.iter().any(|l| l.contains("营业执照")),
        "on screen:\n{screen}"
    );
    assert!(
        !screen
            .lines()
            .any(|l| l.contains("另一面号牌") && l.contains("因")),
        "a material not needed names no reason:\n{screen}"
    );
    // The slip of what to bring says it too.
    h.key("f2");
    let Screen::Receipt(slip) = &h.app.screen else {
        panic!("no slip: {}", h.message());
    };
    assert!(
        slip.text.contains(why) || slip.text.replace('\n', "").contains(why),
        "{}",
        slip.text
    );
    // Back, tick everything needed, finish: the receipt says it as well.
    h.key("enter");
    h.key("f4");
    h.text("Z261128-001");
    h.key("enter");
    h.key("enter");
    assert_eq!(wizard_step(&h), Some(Step::Materials), "{}", h.message());
    for _ in 0..4 {
        h.key("space");
        h.key("down");
    }
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Payment), "{}", h.message());
    h.pay_cash_and_finish();
    let Screen::Receipt(r) = &h.app.screen else {
        panic!()
    };
    let flat = r.text.replace('\n', "");
    assert!(flat.contains(why), "{}", r.text);
}

#[test]
fn training_is_marked_on_every_line_and_in_narrow_footers_and_never_counts_uploads() {
    let mut h = Harness::new(Lang::Zh);
    h.key("f3");
    assert!(h.app.training, "{}", h.message());
    assert!(
        matches!(h.app.screen, Screen::Home { .. }),
        "{}",
        h.message()
    );
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    // The wizard's footer is the fullest: at 80 columns and narrower the
    // training mark stays, and no upload count shows.
    let screen = screen_text(&h, 80, 24);
    let footer = screen.lines().last().expect("footer");
    assert!(footer.contains("培训"), "{footer:?}");
    assert!(!screen.contains("待上传"), "{screen}");
    let top = screen.lines().next().expect("top");
    assert!(top.contains("培训"), "{top:?}");
    // Narrower than the app can draw on: the mark is still there.
    let screen = screen_text(&h, 60, 20);
    assert!(screen.contains("培训"), "{screen}");
    h.key("f2");
    let Screen::Receipt(slip) = &h.app.screen else {
        panic!("no slip: {}", h.message());
    };
    for line in slip.text.lines() {
        assert!(line.ends_with("培训 样本 无效"), "slip line {line:?}");
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 40,
            "{line:?}"
        );
    }
    let number = h
        .message()
        .split_whitespace()
        .last()
        .map(|n| n.trim_end_matches('。').to_string())
        .expect("draft number");
    h.key("enter");
    h.key("f4");
    h.text(&number);
    h.key("enter");
    h.key("enter");
    h.tick_d1_materials();
    h.pay_cash_and_finish();
    let Screen::Receipt(r) = &h.app.screen else {
        panic!()
    };
    assert!(r.text.contains("公安交管业务受理回执"), "{}", r.text);
    for line in r.text.lines() {
        assert!(line.ends_with("培训 样本 无效"), "receipt line {line:?}");
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 40,
            "{line:?}"
        );
    }
    let screen = screen_text(&h, 80, 24);
    assert!(!screen.contains("待上传"), "{screen}");
}

#[test]
fn a_message_stays_with_the_screen_and_action_that_caused_it() {
    let mut h = Harness::new(Lang::Zh);
    // First run: the PINs differ; retyping the second one clears the error.
    h.text("3301A");
    h.key("tab");
    h.text("城关邮政所");
    h.key("tab");
    h.key("tab");
    h.text("王主管");
    h.key("tab");
    h.text("123456");
    h.key("tab");
    h.text("123457");
    h.key("enter");
    assert!(h.message().contains("不一致"), "{}", h.message());
    h.input(Input::Backspace);
    assert_eq!(h.message(), "", "the error outlived the correction");
    h.text("6");
    h.key("enter");
    assert!(
        matches!(h.app.screen, Screen::Home { .. }),
        "{}",
        h.message()
    );
    // The greeting belongs to the home screen, not the supervisor's menu.
    assert!(h.message().contains("您好"), "{}", h.message());
    h.key("f7");
    assert!(matches!(h.app.screen, Screen::Admin { .. }));
    assert_eq!(h.message(), "", "greeting on the admin menu");
    // A clerk added: said on the accounts screen, gone on the log-in one.
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
    assert!(h.message().contains("已添加柜员 002"), "{}", h.message());
    h.key("esc");
    assert_eq!(h.message(), "", "kept onto the admin menu");
    // A message set by the action that changes the screen stays with it.
    h.key("esc");
    h.open_d1();
    h.fill_d1();
    h.key("f2");
    assert!(h.message().contains("已暂存"), "{}", h.message());
    h.key("enter");
    assert!(matches!(h.app.screen, Screen::Home { .. }));
    assert_eq!(h.message(), "", "the slip's message followed home");
    h.key("f9");
    assert!(matches!(h.app.screen, Screen::Login(_)), "{}", h.message());
    assert_eq!(h.message(), "", "a message on the log-in screen");
}

#[test]
fn a_free_services_draft_saved_on_the_fee_step_opens_on_the_confirm_step() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").expect("time");
    let mut d = jingyou::store::Draft::new("Z261128-009".into(), "U1", "001", now);
    d.step = Step::Payment.index();
    h.rt.store.save_draft(&d).expect("save");
    h.run(vec![jingyou::app::update::Effect::OpenDraft {
        number: "Z261128-009".into(),
    }]);
    assert_eq!(wizard_step(&h), Some(Step::Review), "{}", h.message());
}

#[test]
fn v5_asks_the_delivery_only_until_ems_makes_postage_due() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.text("bljyhgbz");
    h.key("enter");
    assert!(matches!(h.app.screen, Screen::Wizard(_)), "{}", h.message());
    h.text("1"); // 个人
    h.key("tab");
    h.text("张三");
    h.key("tab");
    h.text("11010519491231002X");
    h.key("tab");
    h.text("13812345678");
    h.key("tab");
    h.text("浙江省杭州市西湖区文三路100号");
    h.key("tab");
    h.key("tab");
    h.text("浙A12345");
    h.key("tab");
    h.key("tab");
    let expiry = h.app.today + chrono::Duration::days(100);
    h.text(&expiry.to_string());
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Materials), "{}", h.message());
    h.key("space");
    h.key("down");
    h.key("down");
    h.key("space");
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Payment), "{}", h.message());
    let screen = screen_text(&h, 80, 24);
    assert!(!screen.contains("1 现金"), "nothing to pay yet:\n{screen}");
    assert!(
        screen.contains("交付方式") || screen.contains("领取方式"),
        "{screen}"
    );
    {
        let Screen::Wizard(ws) = &h.app.screen else {
            panic!()
        };
        assert_eq!(ws.wizard.focus(), 1, "on the delivery");
    }
    // EMS: the postage is due, the method is asked and required.
    h.text("2");
    let screen = screen_text(&h, 80, 24);
    assert!(screen.contains("1 现金"), "{screen}");
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Payment), "method required");
    {
        let Screen::Wizard(ws) = &h.app.screen else {
            panic!()
        };
        assert_eq!(ws.wizard.focus(), 0, "on the method now asked");
    }
    // Back to collecting: free again, straight to the confirm step.
    h.key("tab");
    h.text("1");
    let screen = screen_text(&h, 80, 24);
    assert!(
        !screen.contains("1 现金"),
        "nothing to pay again:\n{screen}"
    );
    h.key("f10");
    assert_eq!(wizard_step(&h), Some(Step::Review), "{}", h.message());
    h.key("f10");
    let Screen::Receipt(r) = &h.app.screen else {
        panic!("no receipt: {}", h.message());
    };
    assert!(r.text.contains("合计：免收费"), "{}", r.text);
}
