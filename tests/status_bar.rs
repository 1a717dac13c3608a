//! The status bar tells the truth: the app with its upload relay running
//! against the project's own hub on loopback (and against no hub, and a
//! hub that never answers). Relay events are pumped into `update` as the
//! UI loop would; the bar's text is read with `ui::status_text`.

mod common;

use std::net::TcpListener;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Harness;
use jingyou::app::state::Screen;
use jingyou::app::update::{Effect, Msg};
use jingyou::hub::{serve, HubConfig, HubHandle, Tokens};
use jingyou::i18n::Lang;
use jingyou::sync::relay::{LinkState, RelayEvent};
use jingyou::ui::status_text;

struct Live {
    h: Harness,
    rx: mpsc::Receiver<Msg>,
}

fn start_hub(dir: &std::path::Path) -> HubHandle {
    let mut cfg = HubConfig::new("127.0.0.1:0", dir);
    cfg.log = false;
    serve(cfg).expect("hub starts")
}

/// The harness with its relay reporting into a channel, set up against `url`.
fn live(url: &str, lang: Lang) -> Live {
    let mut h = Harness::new(lang);
    h.rt.config.hub.url = Some(url.to_string());
    h.rt.config.sync.connect_timeout_ms = 500;
    h.rt.config.sync.stall_timeout_ms = 500;
    h.rt.config.sync.request_timeout_ms = 3_000;
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    h.rt.ui = Some(Arc::new(move |m| {
        if let Ok(t) = tx.lock() {
            drop(t.send(m));
        }
    }));
    h.setup();
    Live { h, rx }
}

impl Live {
    /// Applies what the relay reports until `done` holds; how long it took.
    fn until(&mut self, what: &str, done: impl Fn(&Harness, &Msg) -> bool) -> Duration {
        let started = Instant::now();
        loop {
            let left = Duration::from_secs(20).saturating_sub(started.elapsed());
            let m = self.rx.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "{what}: not within 20 s; bar {:?}, message {:?}",
                    status_text(&self.h.app),
                    self.h.message()
                )
            });
            let fx = self.h.app.on_msg(m.clone());
            self.h.run(fx);
            if done(&self.h, &m) {
                return started.elapsed();
            }
        }
    }

    fn pass_done(&mut self, what: &str) -> Duration {
        self.until(what, |_, m| matches!(m, Msg::Relay(RelayEvent::Done(_))))
    }

    fn bar(&self) -> String {
        status_text(&self.h.app)
    }

    fn finish_one(&mut self) {
        self.h.open_d1();
        self.h.fill_d1();
        self.h.key("f10");
        self.h.tick_d1_materials();
        self.h.pay_cash_and_finish();
    }
}

#[test]
fn with_the_hub_up_the_bar_says_online_and_a_finish_is_sent_at_once() {
    let hub_dir = tempfile::tempdir().expect("tmp");
    let hub = start_hub(hub_dir.path());
    let mut l = live(&hub.url(), Lang::Zh);
    l.pass_done("first pass");
    assert_eq!(l.h.app.sync.link, LinkState::Online, "{}", l.bar());
    assert_eq!(l.bar(), "待上传 0 · 在线");

    // A finish wakes the relay: sent in well under its 60 s round.
    l.finish_one();
    assert!(matches!(l.h.app.screen, Screen::Receipt(_)));
    let took = l.until("the new application acknowledged", |h, m| {
        matches!(m, Msg::Relay(RelayEvent::Done(r)) if r.acknowledged == 1)
            && h.app.home.pending == 0
    });
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(l.h.rt.store.pending_count().expect("count"), 0);
    assert_eq!(l.bar(), "待上传 0 · 在线");

    // "Sending…" goes when the pass is done, with how it went.
    l.h.run(vec![Effect::SendNow]);
    assert_eq!(l.h.message(), "正在上传…");
    l.pass_done("send now");
    assert_eq!(l.h.message(), "已全部上传。");

    // Logging in again keeps the link as it is.
    l.h.restart_to_login();
    l.h.text("001");
    l.h.key("tab");
    l.h.text("123456");
    l.h.key("enter");
    assert!(l.h.app.user.is_some(), "{}", l.h.message());
    assert_eq!(l.h.app.sync.link, LinkState::Online);
    assert_eq!(l.bar(), "待上传 0 · 在线");
    drop(hub);
}

/// A port nothing listens on.
fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    drop(l);
    url
}

#[test]
fn with_no_hub_the_bar_says_offline_and_why_in_the_ui_language() {
    for (lang, want) in [
        (Lang::Zh, "待上传 1 · 离线（连不上上传服务器）"),
        (
            Lang::En,
            "Queue 1 · offline (cannot reach the upload server)",
        ),
    ] {
        let mut l = live(&closed_port(), lang);
        l.pass_done("first pass");
        l.finish_one();
        l.until("the finish tried", |h, m| {
            matches!(m, Msg::Relay(RelayEvent::Done(_))) && h.app.home.pending == 1
        });
        let bar = l.bar();
        assert!(bar.starts_with(want), "{lang:?}: {bar}");
        assert!(
            !bar.contains("os error") && !bar.contains("refused"),
            "{bar}"
        );
        if lang == Lang::Zh {
            l.h.run(vec![Effect::SendNow]);
            l.pass_done("send now");
            assert_eq!(l.h.message(), "还有 1 笔待上传：连不上上传服务器。");
            // The English detail stays for the log and doctor.
            let detail = l.h.app.sync.last_error.clone().unwrap_or_default();
            assert!(detail.contains("connection failed"), "{detail}");
        }
    }
}

#[test]
fn a_hub_that_takes_the_connection_and_never_answers_shows_as_stalled() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let mut l = live(&url, Lang::Zh);
    l.pass_done("first pass");
    assert_eq!(l.h.app.sync.link, LinkState::Stalled, "{}", l.bar());
    assert!(
        l.bar().starts_with("待上传 0 · 服务器无响应"),
        "{}",
        l.bar()
    );
}

#[test]
fn a_hub_that_refuses_our_token_says_so_in_words_and_stops() {
    let hub_dir = tempfile::tempdir().expect("tmp");
    let mut cfg = HubConfig::new("127.0.0.1:0", hub_dir.path());
    cfg.log = false;
    cfg.tokens = Some(Tokens::from_pairs([("3301A", "the-right-token-1")]));
    let hub = serve(cfg).expect("hub starts");
    // No token configured on the branch PC: 401.
    let mut l = live(&hub.url(), Lang::Zh);
    l.pass_done("first pass");
    assert_eq!(l.h.app.sync.link, LinkState::Refused, "{}", l.bar());
    assert_eq!(l.bar(), "待上传 0 · 被拒绝");
    let said = l.h.message();
    assert!(
        said.starts_with("交管服务器拒绝了本网点的凭据（HTTP 401）"),
        "{said}"
    );
    assert!(
        !said.chars().any(|c| c.is_ascii_lowercase()),
        "English in the message: {said}"
    );
    drop(hub);
}
