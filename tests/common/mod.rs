//! Drives the app's update loop and runtime against a real temporary store,
//! without a terminal: input → update → effects → runtime → messages.
#![allow(dead_code)]

use chrono::DateTime;
use jingyou::app::runtime::Runtime;
use jingyou::app::state::{App, HomeData, LoginForm, Screen, SetupForm};
use jingyou::app::update::{Effect, Input};
use jingyou::catalog::Catalog;
use jingyou::clock::Clock;
use jingyou::config::{Config, SecurityConfig};
use jingyou::i18n::Lang;
use jingyou::keymap::{Key, KeyMap};
use jingyou::store::Store;
use jingyou::ui::theme::Theme;

pub const NOW: &str = "2026-11-28T10:00:00+08:00";

/// The app on its first-run screen, with no store and no runtime (for
/// tests of `update` alone).
pub fn app(lang: Lang, today: chrono::NaiveDate) -> App {
    App {
        lang,
        training: false,
        branch: None,
        user: None,
        screen: Screen::Setup(SetupForm::new()),
        overlay: None,
        message: None,
        catalog: Catalog::builtin().expect("catalog"),
        keymap: KeyMap::defaults(),
        theme: Theme::builtin("default").expect("theme"),
        home: HomeData::default(),
        sync: Default::default(),
        today,
        quit: false,
        dirty: true,
        busy: false,
    }
}

pub struct Harness {
    pub app: App,
    pub rt: Runtime,
    pub dir: tempfile::TempDir,
}

pub fn config() -> Config {
    Config {
        security: SecurityConfig {
            pin_hash_memory_kib: 64,
            pin_hash_iterations: 1,
            ..SecurityConfig::default()
        },
        ..Config::default()
    }
}

impl Harness {
    /// A new store (first-run screen), or with `training` the training store.
    pub fn new(lang: Lang) -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("store"), 8).expect("store");
        let clock = Clock::fixed(DateTime::parse_from_rfc3339(NOW).expect("now"));
        let app = app(lang, clock.today());
        let rt = Runtime::new(
            store,
            dir.path().to_path_buf(),
            false,
            config(),
            clock,
            std::sync::Arc::new(app.catalog.clone()),
        );
        Harness { app, rt, dir }
    }

    pub fn run(&mut self, mut fx: Vec<Effect>) {
        while !fx.is_empty() {
            let e = fx.remove(0);
            for msg in self.rt.handle(&self.app.session(), e) {
                fx.extend(self.app.on_msg(msg));
            }
        }
    }

    pub fn input(&mut self, i: Input) {
        let fx = self.app.on_input(i);
        self.run(fx);
    }

    pub fn key(&mut self, k: &str) {
        let key = Key::parse(k).unwrap_or_else(|| panic!("bad key {k}"));
        self.input(Input::Key(key));
    }

    pub fn text(&mut self, s: &str) {
        for c in s.chars() {
            self.input(Input::Char(c));
        }
    }

    /// First run: branch 3301A 城关邮政所, supervisor 001 王主管, PIN 123456.
    pub fn setup(&mut self) {
        self.text("3301A");
        self.key("tab");
        self.text("城关邮政所");
        self.key("tab");
        self.key("tab");
        self.text("王主管");
        self.key("tab");
        self.text("123456");
        self.key("tab");
        self.text("123456");
        self.key("enter");
        assert!(
            matches!(self.app.screen, Screen::Home { .. }),
            "setup did not reach home: {:?}",
            self.app.message
        );
    }

    /// Back to the log-in screen, as after a restart.
    pub fn restart_to_login(&mut self) {
        self.app.user = None;
        self.app.screen = Screen::Login(LoginForm::default());
    }

    /// Opens the D1 (补领驾驶证) wizard from home by pinyin.
    pub fn open_d1(&mut self) {
        self.text("bljsz");
        self.key("enter");
        assert!(
            matches!(self.app.screen, Screen::Wizard(_)),
            "no wizard: {:?}",
            self.app.message
        );
    }

    /// Fills every D1 field validly.
    pub fn fill_d1(&mut self) {
        self.text("张三");
        self.key("tab");
        self.text("11010519491231002X");
        self.key("tab");
        self.text("13812345678");
        self.key("tab");
        self.key("tab");
        self.text("430101758218");
        self.key("tab");
        self.text("n");
    }

    /// From the payment step: cash, review, finish.
    pub fn pay_cash_and_finish(&mut self) {
        self.text("1");
        self.key("f10");
        self.key("f10");
        assert!(
            matches!(self.app.screen, Screen::Receipt(_)),
            "no receipt: {}",
            self.message()
        );
    }

    /// On the materials step: ticks the two required D1 materials and goes on.
    pub fn tick_d1_materials(&mut self) {
        self.key("space");
        self.key("down");
        self.key("space");
        self.key("f10");
    }

    pub fn message(&self) -> String {
        self.app
            .message
            .as_ref()
            .map(|m| m.1.clone())
            .unwrap_or_default()
    }
}

/// The screen as drawn at `w`x`rows`, one entry per cell: `None` for the
/// second half of a wide character (a terminal shows that character there).
pub type Grid = Vec<Vec<Option<String>>>;

pub fn grid(h: &Harness, w: u16, rows: u16) -> Grid {
    use unicode_width::UnicodeWidthStr;
    let mut t =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, rows)).expect("terminal");
    t.draw(|f| jingyou::ui::view(&h.app, f)).expect("draw");
    let buf = t.backend().buffer().clone();
    let mut out = Vec::new();
    for y in 0..rows {
        let mut row = Vec::new();
        let mut skip = 0;
        for x in 0..w {
            if skip > 0 {
                skip -= 1;
                row.push(None);
                continue;
            }
            let sym = buf[(x, y)].symbol().to_string();
            skip = sym.width().saturating_sub(1);
            row.push(Some(sym));
        }
        out.push(row);
    }
    out
}

/// The screen as text, one line per row ending in a newline, a wide
/// character once; trailing spaces kept so that widths can be checked.
pub fn screen_text(h: &Harness, w: u16, rows: u16) -> String {
    let mut out = String::new();
    for row in grid(h, w, rows) {
        row.iter().flatten().for_each(|s| out.push_str(s));
        out.push('\n');
    }
    out
}
