//! `update` alone: inputs and messages in, state and effects out. No
//! store, no runtime, no terminal; what the runtime would be asked to do is
//! asserted from the returned effects.

mod common;

use chrono::NaiveDate;
use jingyou::app::state::{App, HomeData, LoginForm, QueueView, Screen};
use jingyou::app::update::{Effect, Input, Msg};
use jingyou::i18n::Lang;
use jingyou::keymap::Key;
use jingyou::store::{Branch, Role, User};
use jingyou::sync::relay::{LinkState, PassReport, RelayEvent};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")
}

fn branch() -> Branch {
    Branch {
        code: "3301A".into(),
        name: "城关邮政所".into(),
        training: false,
        generated: false,
    }
}

fn user() -> User {
    User {
        id: "001".into(),
        name: "王主管".into(),
        role: Role::Supervisor,
        pin_hash: String::new(),
        disabled: false,
        failures: 0,
        locked_until: None,
    }
}

fn key(app: &mut App, k: &str) -> Vec<Effect> {
    app.on_input(Input::Key(Key::parse(k).expect("key")))
}

fn text(app: &mut App, s: &str) -> Vec<Effect> {
    s.chars()
        .flat_map(|c| app.on_input(Input::Char(c)))
        .collect()
}

/// Logged in, on home, nothing left to redraw.
fn at_home() -> App {
    let mut app = common::app(Lang::Zh, today());
    let fx = app.on_msg(Msg::Ready {
        branch: branch(),
        user: user(),
    });
    assert!(matches!(fx.as_slice(), [Effect::LoadHome]), "{fx:?}");
    assert!(matches!(app.screen, Screen::Home { .. }));
    app.dirty = false;
    app
}

#[test]
fn logging_in_asks_the_runtime_for_exactly_one_log_in() {
    let mut app = common::app(Lang::Zh, today());
    app.branch = Some(branch());
    app.screen = Screen::Login(LoginForm::default());
    assert!(text(&mut app, "001").is_empty(), "typing asks nothing");
    assert!(key(&mut app, "tab").is_empty());
    assert!(text(&mut app, "123456").is_empty());
    let fx = key(&mut app, "enter");
    match fx.as_slice() {
        [Effect::Login { id, pin }] => {
            assert_eq!(id, "001");
            assert_eq!(pin, "123456");
        }
        other => panic!("{other:?}"),
    }
    // The answer takes the clerk home and asks for its data.
    let fx = app.on_msg(Msg::Ready {
        branch: branch(),
        user: user(),
    });
    assert!(matches!(fx.as_slice(), [Effect::LoadHome]), "{fx:?}");
    assert_eq!(app.user.as_ref().map(|u| u.id.as_str()), Some("001"));
}

#[test]
fn facts_from_the_runtime_are_applied_by_update() {
    let mut app = at_home();
    let next = today().succ_opt().expect("next");
    assert!(app.on_msg(Msg::Today(next)).is_empty());
    assert_eq!(app.today, next);
    assert!(app.dirty, "a new date is drawn");
    assert!(app.on_msg(Msg::Training).is_empty());
    assert!(app.training);
    let fx = app.on_msg(Msg::Relay(RelayEvent::Link(LinkState::Online)));
    assert!(fx.is_empty());
    assert_eq!(app.sync.link, LinkState::Online);
}

#[test]
fn a_pass_or_a_support_request_reads_the_screen_again() {
    let mut app = at_home();
    let fx = app.on_msg(Msg::Relay(RelayEvent::Done(PassReport::default())));
    assert!(matches!(fx.as_slice(), [Effect::LoadHome]), "{fx:?}");
    let fx = app.on_msg(Msg::Remote);
    assert!(matches!(fx.as_slice(), [Effect::LoadHome]), "{fx:?}");
    app.screen = Screen::Queue(QueueView {
        entries: vec![],
        selected: 0,
    });
    let fx = app.on_msg(Msg::Remote);
    assert!(
        matches!(fx.as_slice(), [Effect::LoadHome, Effect::LoadQueue]),
        "{fx:?}"
    );
    let fx = app.on_msg(Msg::Relay(RelayEvent::Done(PassReport::default())));
    assert!(matches!(fx.as_slice(), [Effect::LoadQueue]), "{fx:?}");
}

#[test]
fn send_now_asks_the_relay_and_its_answer_replaces_sending() {
    let mut app = at_home();
    app.on_msg(Msg::Info("正在上传…".into()));
    let report = PassReport {
        pending: 2,
        link: Some(LinkState::Offline),
        last_error: Some("temporary failure: connection failed".into()),
        error_kind: Some(jingyou::sync::relay::SyncErrorKind::Unreachable),
        ..PassReport::default()
    };
    app.on_msg(Msg::Relay(RelayEvent::Done(report)));
    let (_, said) = app.message.clone().expect("message");
    assert_eq!(said, "还有 2 笔待上传：连不上上传服务器。");
    assert_eq!(
        jingyou::ui::status_text(&app),
        "待上传 2 · 离线（连不上上传服务器）"
    );
}

#[test]
fn a_message_that_changes_nothing_on_screen_does_not_redraw() {
    let mut app = at_home();
    let home = HomeData {
        pending: 3,
        ..HomeData::default()
    };
    app.on_msg(Msg::Home(home.clone()));
    assert!(app.dirty, "new home data is drawn");
    app.dirty = false;
    // The same data again (a relay pass reloads home): nothing to draw.
    app.on_msg(Msg::Home(home));
    assert!(!app.dirty, "the same home data redrew");
    app.on_msg(Msg::Relay(RelayEvent::Link(LinkState::Online)));
    assert!(app.dirty, "a new link state is drawn");
    app.dirty = false;
    app.on_msg(Msg::Relay(RelayEvent::Link(LinkState::Online)));
    assert!(!app.dirty, "the same link state redrew");
    let pass = PassReport {
        pending: 3,
        link: Some(LinkState::Online),
        ..PassReport::default()
    };
    app.on_msg(Msg::Relay(RelayEvent::Done(pass.clone())));
    assert!(!app.dirty, "a pass that changed nothing redrew");
    app.on_msg(Msg::Relay(RelayEvent::Progress { done: 1, due: 3 }));
    assert!(!app.dirty, "progress is not drawn in the TUI");
    app.on_msg(Msg::Today(today()));
    assert!(!app.dirty, "the same date redrew");
    app.on_msg(Msg::Relay(RelayEvent::Done(PassReport {
        pending: 0,
        ..pass
    })));
    assert!(app.dirty, "an emptied queue is drawn");
}

#[test]
fn the_bar_says_working_while_an_answer_is_awaited_and_training_has_no_count() {
    let mut app = common::app(Lang::Zh, today());
    // Before log-in (the PIN being hashed): only the busy mark.
    app.busy = true;
    assert_eq!(jingyou::ui::status_text(&app), "处理中…");
    let mut app = at_home();
    app.busy = true;
    app.home.pending = 1;
    app.sync.link = LinkState::Online;
    assert_eq!(jingyou::ui::status_text(&app), "处理中… 待上传 1 · 在线");
    app.busy = false;
    app.training = true;
    assert_eq!(jingyou::ui::status_text(&app), "培训：不上传");
}
