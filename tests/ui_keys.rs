//! Keys, hints and footers come from the key map in force: F1 lists every
//! context (global first) on every screen, footers show only keys that work
//! there (Esc+digit on a VT100, nothing but the PIN on the lock screen), and
//! hints follow `[keys]` overrides.

mod common;

use std::collections::BTreeMap;

use common::{screen_text, Harness};

fn screen(h: &Harness) -> String {
    screen_text(h, 80, 24)
}
use jingyou::app::state::{Overlay, Screen};
use jingyou::i18n::{tr, Lang};
use jingyou::keymap::{Action, Context, KeyMap};

fn footer(h: &Harness) -> String {
    screen(h).lines().last().unwrap_or_default().to_string()
}

fn help_lists_every_context(h: &mut Harness, what: &str) {
    h.key("f1");
    assert!(
        matches!(h.app.overlay, Some(Overlay::Help { .. })),
        "{what}: no help"
    );
    // Every page of it, turned with PgDn (the help stays open meanwhile).
    let mut s = screen(h);
    for _ in 0..4 {
        h.key("pgdn");
        assert!(
            matches!(h.app.overlay, Some(Overlay::Help { .. })),
            "{what}: PgDn closed the help"
        );
        let next = screen(h);
        if s.ends_with(&next) {
            break;
        }
        s.push_str(&next);
    }
    let mut at = Vec::new();
    for c in Context::ALL {
        let title = tr(h.app.lang, c.title_key());
        let pos = s
            .find(title)
            .unwrap_or_else(|| panic!("{what}: help lacks {title}:\n{s}"));
        at.push(pos);
    }
    assert!(
        at[1..].iter().all(|p| *p > at[0]),
        "{what}: global keys not first:\n{s}"
    );
    // every action is listed (none cut off at 80x24)
    for a in Action::ALL {
        let desc = jingyou::ui::widgets::action_desc(&h.app, a);
        assert!(s.contains(&desc), "{what}: help lacks {a:?} ({desc}):\n{s}");
    }
    h.key("esc");
}

#[test]
fn f1_lists_every_context_global_first_on_every_screen() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::new(lang);
        help_lists_every_context(&mut h, "setup");
        h.setup();
        h.app.message = None;
        help_lists_every_context(&mut h, "home");
        h.open_d1();
        help_lists_every_context(&mut h, "wizard");
        h.key("esc");
        h.key("f7");
        help_lists_every_context(&mut h, "admin");
    }
}

#[test]
fn footers_show_the_keys_that_work() {
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.app.message = None;
    assert!(footer(&h).contains("F1 帮助"), "{}", footer(&h));

    // a VT100 may have no function keys: Esc+digit in footers and hints
    h.app.keymap = KeyMap::defaults().for_terminal("vt100");
    let f = footer(&h);
    assert!(
        f.contains("Esc 1 帮助") && f.contains("Esc 4 找草稿"),
        "{f}"
    );
    assert!(screen(&h).contains("Esc 1 帮助"));
    h.app.keymap = KeyMap::defaults();

    // F7 for a clerk opens the upload queue and says so
    if let Some(u) = h.app.user.as_mut() {
        u.role = jingyou::store::Role::Clerk;
    }
    let f = footer(&h);
    assert!(f.contains("F7 上传队列") && !f.contains("管理"), "{f}");

    // F9 in the wizard says why it does not log out
    h.open_d1();
    h.key("f9");
    assert!(matches!(h.app.screen, Screen::Wizard(_)));
    assert!(h.message().contains("F2"), "{}", h.message());

    // the lock screen shows no wizard keys
    h.key("f12");
    assert!(matches!(h.app.overlay, Some(Overlay::Locked(_))));
    let f = footer(&h);
    assert!(
        !f.contains("F10") && !f.contains("F2") && !f.contains("F8"),
        "{f}"
    );
}

#[test]
fn hints_follow_the_key_overrides() {
    let over = BTreeMap::from([
        ("training".to_string(), vec!["ctrl-y".to_string()]),
        (
            "confirm".to_string(),
            vec!["j".to_string(), "enter".to_string()],
        ),
        ("next".to_string(), vec!["ctrl-g".to_string()]),
    ]);
    let (map, problems) = KeyMap::with_overrides(&over);
    assert!(problems.is_empty(), "{problems:?}");
    let mut h = Harness::new(Lang::Zh);
    h.app.keymap = map;
    let s = screen(&h);
    assert!(s.contains("按 Ctrl-Y 进入培训模式"), "{s}");
    assert!(!s.contains("F3"), "{s}");
    h.setup();
    h.open_d1();
    h.fill_d1();
    h.key("ctrl-g");
    assert!(
        screen(&h).contains("Ctrl-G 下一步"),
        "Ctrl-G now moves on:\n{}",
        screen(&h)
    );
    h.key("f8");
    let s = screen(&h);
    assert!(s.contains("j / Enter 确认"), "{s}");
    // the overridden confirm key confirms; the old one no longer does
    h.text("y");
    assert!(h.app.overlay.is_none() && matches!(h.app.screen, Screen::Wizard(_)));
    h.key("f8");
    h.text("j");
    assert!(matches!(h.app.screen, Screen::Home { .. }), "j confirmed");
}

/// The screen with its lines joined and spaces dropped (a hint may wrap
/// anywhere); compare with [`has`].
fn flat(h: &Harness) -> String {
    screen(h)
        .chars()
        .filter(|c| !c.is_whitespace() && !('\u{2500}'..='\u{257f}').contains(c))
        .collect()
}

fn has(flat: &str, needle: &str) -> bool {
    flat.contains(
        &needle
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>(),
    )
}

#[test]
fn overridden_keys_drive_every_screen_and_show_in_its_hints() {
    let over = BTreeMap::from([
        ("select".to_string(), vec!["ctrl-g".to_string()]),
        ("up".to_string(), vec!["ctrl-u".to_string()]),
        ("down".to_string(), vec!["ctrl-b".to_string()]),
        ("page_down".to_string(), vec!["ctrl-y".to_string()]),
        ("back".to_string(), vec!["ctrl-k".to_string()]),
        ("remove_attachment".to_string(), vec!["ctrl-w".to_string()]),
    ]);
    let (map, problems) = KeyMap::with_overrides(&over);
    assert!(problems.is_empty(), "{problems:?}");
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.app.message = None;
    h.app.keymap = map;

    // home
    let s = flat(&h);
    assert!(has(&s, "Ctrl-U/Ctrl-B 选草稿，Ctrl-G 继续办理"), "{s}");

    // the picker: its detail names the select key, which opens the service
    h.text("bljsz");
    let s = flat(&h);
    assert!(has(&s, "Ctrl-G 开始办理"), "{s}");
    h.key("enter");
    assert!(
        matches!(h.app.screen, Screen::Picker(_)),
        "Enter is unbound now"
    );
    h.key("ctrl-g");
    assert!(matches!(h.app.screen, Screen::Wizard(_)), "{}", h.message());
    // the wizard: select moves to the next field like Tab did with Enter
    let focus = |h: &Harness| match &h.app.screen {
        Screen::Wizard(ws) => ws.wizard.focus(),
        _ => usize::MAX,
    };
    assert_eq!(focus(&h), 0);
    h.key("ctrl-b");
    assert_eq!(focus(&h), 1);
    h.key("ctrl-u");
    assert_eq!(focus(&h), 0);
    h.key("ctrl-k");
    assert!(
        matches!(h.app.screen, Screen::Home { .. }),
        "back is Ctrl-K"
    );

    // the lock screen
    h.key("f12");
    let s = flat(&h);
    assert!(has(&s, "按 Ctrl-G 解锁") && !has(&s, "Enter"), "{s}");
    h.text("123456");
    h.key("ctrl-g");
    assert!(h.app.overlay.is_none(), "Ctrl-G unlocks: {}", h.message());

    // find
    h.key("f4");
    let s = flat(&h);
    assert!(has(&s, "按 Ctrl-G"), "{s}");
    h.key("ctrl-k");

    // the admin menu: up/down/select overridden
    h.key("f7");
    let s = flat(&h);
    assert!(
        has(&s, "Ctrl-U/Ctrl-B 选择，Ctrl-G 或数字进入，Ctrl-K 返回"),
        "{s}"
    );
    h.key("ctrl-b");
    assert!(matches!(h.app.screen, Screen::Admin { selected: 1 }));
    h.key("ctrl-u");
    // tally: page down by the overridden key
    h.key("ctrl-g");
    assert!(
        matches!(h.app.screen, Screen::Tally(_)),
        "{:?}",
        h.app.screen
    );
    let s = flat(&h);
    assert!(
        has(&s, "Ctrl-U/Ctrl-B") && has(&s, "/Ctrl-Y") && has(&s, "Ctrl-K 返回"),
        "{s}"
    );
    h.key("ctrl-k");
    // void: its list hint names the select key
    h.text("3");
    assert!(
        matches!(h.app.screen, Screen::Void(_)),
        "{:?}",
        h.app.screen
    );
    let s = flat(&h);
    assert!(has(&s, "按 Ctrl-G"), "{s}");
    h.key("ctrl-k");
    // accounts: the list and the form
    h.text("2");
    let s = flat(&h);
    assert!(has(&s, "Ctrl-K 返回"), "{s}");
    h.key("ctrl-k");
    h.key("ctrl-k");
    assert!(
        matches!(h.app.screen, Screen::Home { .. }),
        "{:?}",
        h.app.screen
    );

    // log-in
    h.key("f9");
    assert!(matches!(h.app.screen, Screen::Login(_)));
    let s = flat(&h);
    assert!(has(&s, "Ctrl-G 登录"), "{s}");
    h.text("001");
    h.key("ctrl-g");
    h.text("123456");
    h.key("ctrl-g");
    assert!(
        matches!(h.app.screen, Screen::Home { .. }),
        "{}",
        h.message()
    );
}

#[test]
fn key_warnings_are_in_the_ui_language_with_input_escaped() {
    let over = BTreeMap::from([
        (
            "nonsense\u{1b}]0;x\u{7}".to_string(),
            vec!["f1".to_string()],
        ),
        ("park".to_string(), vec!["hyper-\u{1b}x".to_string()]),
        ("logout".to_string(), vec!["f12".to_string()]),
    ]);
    let (_, problems) = KeyMap::with_overrides(&over);
    assert_eq!(problems.len(), 3, "{problems:?}");
    for lang in [Lang::Zh, Lang::En] {
        for p in &problems {
            let text = jingyou::cli::key_problem(lang, p);
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{text:?}"
            );
            if lang == Lang::Zh {
                for word in ["unknown", "action", "key", "lock", "logout", "park"] {
                    // only inside the quoted [keys] name (“…”（park）)
                    let outside: String = text
                        .replace("（park）", "")
                        .replace("（lock）", "")
                        .replace("（logout）", "")
                        .replace("[keys]", "");
                    assert!(!outside.contains(word), "{word} in {text}");
                }
            }
        }
    }
}

#[test]
fn texts_made_without_the_key_map_name_the_keys_in_force() {
    let over = BTreeMap::from([("option_next".to_string(), vec!["ctrl-g".to_string()])]);
    let (m, problems) = KeyMap::with_overrides(&over);
    assert!(problems.is_empty(), "{problems:?}");
    for lang in [Lang::Zh, Lang::En] {
        let s = jingyou::ui::widgets::fill_keys(&m, tr(lang, "wizard.bad_choice"));
        assert!(s.contains("←/Ctrl-G") && !s.contains('{'), "{s}");
        let d = jingyou::ui::widgets::fill_keys(&KeyMap::defaults(), tr(lang, "wizard.bad_choice"));
        assert!(d.contains("←/→"), "{d}");
    }
}

/// The letter commands of the supervisor's screens are actions of each
/// screen's own context: R retries on the queue and reconciles on the
/// tally by default, and an override moves them, hint and all.
#[test]
fn letter_commands_are_actions_of_their_screen() {
    let defaults = KeyMap::defaults();
    let r = jingyou::keymap::Key::parse("r").expect("r");
    assert_eq!(defaults.action_in(Context::Queue, &r), Some(Action::Retry));
    assert_eq!(
        defaults.action_in(Context::Tally, &r),
        Some(Action::Reconcile)
    );
    // not a command where text is typed
    for c in [Context::List, Context::Form, Context::Wizard] {
        assert_eq!(defaults.action_in(c, &r), None, "{c:?}");
    }

    let over = BTreeMap::from([
        ("new_user".to_string(), vec!["a".to_string()]),
        ("today".to_string(), vec!["h".to_string()]),
    ]);
    let (map, problems) = KeyMap::with_overrides(&over);
    assert!(problems.is_empty(), "{problems:?}");
    let mut h = Harness::new(Lang::Zh);
    h.setup();
    h.app.message = None;
    h.app.keymap = map;
    h.key("f7");
    h.text("2");
    assert!(
        matches!(h.app.screen, Screen::Accounts(_)),
        "{:?}",
        h.app.screen
    );
    let s = flat(&h);
    assert!(has(&s, "a 新增柜员") && !has(&s, "n 新增柜员"), "{s}");
    h.text("n");
    assert!(
        matches!(&h.app.screen, Screen::Accounts(a) if a.form.is_none()),
        "n is no longer the new-clerk key"
    );
    h.text("a");
    assert!(
        matches!(&h.app.screen, Screen::Accounts(a) if a.form.is_some()),
        "a opens the new-clerk form"
    );
    h.key("esc");
    h.key("esc");
    h.text("1");
    assert!(
        matches!(h.app.screen, Screen::Tally(_)),
        "{:?}",
        h.app.screen
    );
    let s = flat(&h);
    assert!(has(&s, "h 今天"), "{s}");

    // an override that gives one key two actions of one screen is said
    let clash = BTreeMap::from([("retry".to_string(), vec!["q".to_string()])]);
    let (_, problems) = KeyMap::with_overrides(&clash);
    assert!(
        problems.iter().any(|p| matches!(
            p.kind,
            jingyou::keymap::ProblemKind::Conflict(Action::Retry, Action::Quarantine)
                | jingyou::keymap::ProblemKind::Conflict(Action::Quarantine, Action::Retry)
        )),
        "q retries and quarantines: {problems:?}"
    );
}
