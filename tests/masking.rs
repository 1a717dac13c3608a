//! Personal data never leaves masked places: exports are masked unless a
//! supervisor's PIN is given (and that is audited); the audit log itself is
//! for supervisors only.

use std::process::Command;

use jingyou::store::Store;

const BIN: &str = env!("CARGO_BIN_EXE_jingyou");

fn run(data: &std::path::Path, args: &[&str], pin: Option<&str>) -> (i32, String, String) {
    let mut c = Command::new(BIN);
    c.arg("--data-dir").arg(data).args(args);
    c.env_remove("JINGYOU_SUPERVISOR_PIN");
    c.env("HOME", data).env("XDG_CONFIG_HOME", data.join("cfg"));
    c.env("JINGYOU_NOW", "2026-11-28T10:00:00+08:00");
    if let Some(p) = pin {
        c.env("JINGYOU_SUPERVISOR_PIN", p);
    }
    let out = c.output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every ID number, phone and name in the store.
fn secrets(data: &std::path::Path) -> Vec<String> {
    let store = Store::open(&data.join("store"), 8).expect("store");
    let mut out = Vec::new();
    store
        .for_each_application(|_, a| {
            for (k, v) in &a.values {
                if k == "id_number" || k == "phone" || k == "owner_name" {
                    out.push(v.clone());
                }
            }
        })
        .expect("scan");
    out
}

#[test]
fn exports_are_masked_unless_a_supervisor_asks_and_that_is_audited() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let (code, _, err) = run(data, &["seed", "--count", "60", "--days", "3"], None);
    assert_eq!(code, 0, "{err}");
    let secret = secrets(data);
    assert!(secret.len() > 60);
    for format in ["csv", "json"] {
        let (code, out, err) = run(
            data,
            &[
                "export",
                "--from",
                "2026-11-26",
                "--to",
                "today",
                "--format",
                format,
            ],
            None,
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("3301S-261128-"), "{out}");
        for s in &secret {
            // names are masked to the first character, so only check longer ones
            if s.chars().count() > 2 {
                assert!(!out.contains(s.as_str()), "{format} export shows {s}");
            }
        }
    }
    let (code, _, err) = run(
        data,
        &["export", "--from", "today", "--to", "today", "--unmasked"],
        Some("9999"),
    );
    assert_eq!(code, 1);
    assert!(!err.contains("panicked"));
    let (code, out, _) = run(
        data,
        &[
            "export",
            "--from",
            "2026-11-26",
            "--to",
            "today",
            "--unmasked",
            "--format",
            "json",
        ],
        Some("1234"),
    );
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(rows.as_array().map(|a| a.len()), Some(60));
    assert!(
        secret.iter().any(|s| out.contains(s.as_str())),
        "unmasked export shows the data"
    );
    // The audit log names both attempts, and is for supervisors only.
    let (code, _, _) = run(data, &["audit"], None);
    assert_eq!(code, 1, "no PIN, no audit log");
    let (code, _, err) = run(data, &["audit"], Some("9999"));
    assert_eq!(code, 1, "a wrong PIN, no audit log");
    assert!(
        err.contains("未显示审计日志"),
        "says audit, not export: {err}"
    );
    let (code, audit, err) = run(data, &["audit", "--format", "csv"], Some("1234"));
    assert_eq!(code, 0, "{err}");
    assert!(audit.contains("export_refused"), "{audit}");
    assert!(audit.contains("export_unmasked"), "{audit}");
    assert!(audit.contains("audit_refused"), "{audit}");
    for s in &secret {
        if s.chars().count() > 2 {
            assert!(!audit.contains(s.as_str()), "audit shows {s}");
        }
    }
}

#[test]
fn the_audit_log_is_in_words_with_headers_and_json_keeps_the_codes() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let (code, _, err) = run(data, &["seed", "--count", "5", "--days", "1"], None);
    assert_eq!(code, 0, "{err}");
    // A void with a reason that carries a phone number (scrubbed when shown).
    let number = {
        let store = Store::open(&data.join("store"), 8).expect("store");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("day");
        let apps = store.applications_on(day).expect("apps");
        let app = apps.iter().find(|a| a.void.is_none()).expect("one");
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").expect("at");
        store
            .void(&app.number, "客户撤回 13812345678", "001", at)
            .expect("void");
        app.number.clone()
    };
    // A wrong PIN: refused, and the refusal is in the log.
    let (code, _, err) = run(data, &["audit"], Some("9999"));
    assert_eq!(code, 1);
    assert!(
        err.contains("未显示审计日志") && !err.contains("导出"),
        "{err}"
    );
    let (code, table, err) = run(data, &["audit"], Some("1234"));
    assert_eq!(code, 0, "{err}");
    let head = table.lines().next().unwrap_or_default();
    for col in ["时间", "柜员", "操作", "详情"] {
        assert!(head.contains(col), "no column {col}: {head}");
    }
    assert!(table.contains("审计日志被拒"), "{table}");
    assert!(
        !table.contains("audit_refused"),
        "codes in the table: {table}"
    );
    let void_line = table
        .lines()
        .find(|l| l.contains(&number) && l.contains("作废"))
        .unwrap_or_else(|| panic!("no void line: {table}"));
    assert!(void_line.contains("原因：客户撤回"), "{void_line}");
    assert!(
        !void_line.contains("13812345678"),
        "phone shown: {void_line}"
    );
    let (code, table, _) = run(data, &["--lang", "en", "audit"], Some("1234"));
    assert_eq!(code, 0);
    assert!(table.lines().next().unwrap_or_default().contains("Action"));
    assert!(
        table.contains("Audit log refused") && table.contains("reason: "),
        "{table}"
    );
    let (code, json, _) = run(data, &["audit", "--format", "json"], Some("1234"));
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&json).expect("json");
    let whats: Vec<&str> = rows
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["what"].as_str())
        .collect();
    assert!(
        whats.contains(&"audit_refused") && whats.contains(&"void"),
        "{whats:?}"
    );
    assert!(!json.contains("审计日志被拒"));
    let (code, csv, _) = run(data, &["audit", "--format", "csv"], Some("1234"));
    assert_eq!(code, 0);
    assert!(csv.starts_with("at,who,what,action,detail\n"), "{csv}");
    assert!(csv.contains(",audit_refused,审计日志被拒,"), "{csv}");
}

fn run_bytes(data: &std::path::Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let mut c = Command::new(BIN);
    c.arg("--data-dir").arg(data).args(args);
    c.env_remove("JINGYOU_SUPERVISOR_PIN");
    c.env("HOME", data).env("XDG_CONFIG_HOME", data.join("cfg"));
    c.env("JINGYOU_NOW", "2026-11-28T10:00:00+08:00");
    let out = c.output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn csv_for_excel_has_a_bom_and_crlf_gb18030_and_chinese_headers_decode() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let (code, _, err) = run(data, &["seed", "--count", "20", "--days", "1"], None);
    assert_eq!(code, 0, "{err}");
    // A void reason that Excel would run as a formula.
    {
        let store = Store::open(&data.join("store"), 8).expect("store");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("day");
        let apps = store.applications_on(day).expect("apps");
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").expect("at");
        store
            .void(&apps[0].number, "=HYPERLINK(\"x\")", "001", at)
            .expect("void");
    }
    let base = ["export", "--from", "today", "--to", "today"];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let args = with(&["--excel"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, bytes, err) = run_bytes(data, &args);
    assert_eq!(code, 0, "{err}");
    assert!(bytes.starts_with(b"\xef\xbb\xbf"), "no BOM");
    let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
    assert!(text.ends_with("\r\n"));
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "CRLF only"
    );
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 21, "header and 20 rows");
    assert!(lines[0].starts_with("number,date,service,service_name,clerk,fee_total_fen,fee_yuan,payment,payment_name,delivery,delivery_name,"), "{}", lines[0]);
    // Codes come with their names.
    assert!(
        text.contains(",现金,") || text.contains(",银行卡,") || text.contains(",扫码,"),
        "{text}"
    );
    assert!(
        text.contains(",网点自取,") || text.contains(",EMS 寄递,"),
        "{text}"
    );
    assert!(
        text.contains("\"'=HYPERLINK(\"\"x\"\")\""),
        "formula kept as text: {text}"
    );

    let args = with(&["--encoding", "gb18030", "--headers", "zh"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, gb, err) = run_bytes(data, &args);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::str::from_utf8(&gb).is_err(),
        "Chinese in GB18030 is not UTF-8"
    );
    let (decoded, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(&gb);
    assert!(!had_errors);
    assert!(
        decoded.starts_with("受理编号,办结日期,业务代码,业务名称,柜员,收费（分）,收费（元）,"),
        "{decoded}"
    );
    let args = with(&["--headers", "zh"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_, utf8, _) = run_bytes(data, &args);
    assert_eq!(
        decoded,
        String::from_utf8(utf8).expect("utf-8"),
        "same text"
    );

    let args = with(&["--format", "json", "--excel"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run_bytes(data, &args);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("只用于 CSV"), "{err}");
}
