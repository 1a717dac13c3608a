//! The supervisor's screens through the update logic and a real store.

mod common;

use common::Harness;
use jingyou::app::state::{Overlay, Screen};
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
