//! Counter printers: a receipt printed to a device file in GB18030 decodes
//! back to the receipt laid out for the paper; printer failures reach the
//! clerk in the UI's language.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Harness;
use jingyou::app::state::Screen;
use jingyou::app::update::Msg;
use jingyou::config::PrintEncoding;
use jingyou::i18n::Lang;
use unicode_width::UnicodeWidthStr;

/// Finishes one D1 application; its number.
fn finish_one(h: &mut Harness) -> String {
    h.setup();
    h.open_d1();
    h.fill_d1();
    h.key("f10");
    h.tick_d1_materials();
    h.pay_cash_and_finish();
    "3301A-261128-0001".to_string()
}

#[test]
fn a_receipt_printed_to_a_device_in_gb18030_decodes_back_to_the_receipt() {
    let mut h = Harness::new(Lang::Zh);
    let device = h.dir.path().join("lp0");
    std::fs::write(&device, b"").expect("device file");
    h.rt.config.print.device = Some(device.clone());
    h.rt.config.print.encoding = PrintEncoding::Gb18030;
    h.rt.config.print.width = 32;
    let number = finish_one(&mut h);

    let bytes = std::fs::read(&device).expect("printed");
    assert!(!bytes.is_empty(), "nothing printed");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "GB18030 Chinese text is not valid UTF-8"
    );
    let (printed, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
    assert!(!had_errors, "not GB18030");
    let saved =
        std::fs::read_to_string(h.dir.path().join("receipts").join(format!("{number}.txt")))
            .expect("saved receipt");
    assert!(saved.contains("公安交管业务受理回执"), "{saved}");
    assert_eq!(printed, jingyou::printer::layout(&saved, 32));
    for line in printed.lines() {
        assert!(line.width() <= 32, "{line:?} is wider than the paper");
    }
    // Same words, only the line breaks moved.
    let squash = |s: &str| s.split_whitespace().collect::<String>().replace('-', "");
    assert_eq!(squash(&printed), squash(&saved));
    // And the F5 reprint appends the same bytes again.
    h.key("f5");
    assert!(h.message().contains("lp0"), "{}", h.message());
    let again = std::fs::read(&device).expect("printed");
    assert_eq!(again.len(), bytes.len() * 2);
}

#[test]
fn an_unplugged_printer_is_reported_to_the_clerk_in_chinese() {
    let mut h = Harness::new(Lang::Zh);
    let device = h.dir.path().join("usb").join("lp0");
    h.rt.config.print.device = Some(device.clone());
    finish_one(&mut h);
    assert!(matches!(h.app.screen, Screen::Receipt(_)));
    h.key("f5");
    let m = h.message();
    assert!(m.contains("无法打开打印机") && m.contains("lp0"), "{m}");
    assert!(m.contains("设备不存在"), "{m}");
    assert!(m.contains("可按 F5 重打") && !m.contains('{'), "{m}");
    assert!(!device.exists(), "a missing device must not be created");
    // The key it names is the print key in force.
    let over =
        std::collections::BTreeMap::from([("print".to_string(), vec!["ctrl-g".to_string()])]);
    h.app.keymap = jingyou::keymap::KeyMap::with_overrides(&over).0;
    h.key("ctrl-g");
    let m = h.message();
    assert!(m.contains("可按 Ctrl-G 重打") && !m.contains("F5"), "{m}");
}

#[test]
fn a_failing_print_command_is_reported_through_the_ui_loop() {
    let mut h = Harness::new(Lang::En);
    let seen: Arc<Mutex<Vec<Msg>>> = Arc::default();
    let sink = seen.clone();
    h.rt.ui = Some(Arc::new(move |m| {
        if let Ok(mut v) = sink.lock() {
            v.push(m);
        }
    }));
    h.rt.config.print.command =
        Some("cat >/dev/null; echo 'lp: printer offline' >&2; exit 2".into());
    finish_one(&mut h);
    let deadline = Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let found = seen.lock().ok().and_then(|v| {
            v.iter().find_map(|m| match m {
                Msg::Failed(t) => Some(t.clone()),
                _ => None,
            })
        });
        if let Some(t) = found {
            break t;
        }
        assert!(Instant::now() < deadline, "no printer error reported");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(failed.contains("Printing failed"), "{failed}");
    assert!(failed.contains("exit status 2"), "{failed}");
    assert!(failed.contains("printer offline"), "{failed}");
}

#[test]
fn print_keys_parse_and_a_bad_width_is_refused_with_its_line() {
    let c = jingyou::config::Config::parse(
        "[print]\ndevice = \"/dev/usb/lp0\"\nencoding = \"gb18030\"\nwidth = 48\n",
        std::path::Path::new("c.toml"),
    )
    .expect("parses");
    assert_eq!(c.print.encoding, PrintEncoding::Gb18030);
    assert_eq!(c.print.width, 48);
    let e = jingyou::config::Config::parse(
        "[print]\nencoding = \"utf-8\"\nwidth = 4\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap_err();
    let m = e.message(Lang::En);
    assert!(m.contains("line 3") && m.contains("16 to 255"), "{m}");
    let e = jingyou::config::Config::parse(
        "[print]\nencoding = \"big5\"\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap_err();
    let m = e.message(Lang::En);
    assert!(m.contains("line 2") && m.contains("gb18030"), "{m}");
}
