//! The sync client against a real in-process hub: classification of every
//! fault knob, idempotent retries, tus resume, attachments before applications.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jingyou::hub::{serve, Faults, HubConfig, HubHandle, Tokens};
use jingyou::store::{Application, Delivery, Payment};
use jingyou::sync::client::{
    sha256_hex, upload_id, ClientConfig, ClientError, HubClient, ItemStatus, UploadMeta,
    UploadSource, VoidItem,
};
use serde_json::json;

#[path = "support/fake_hub.rs"]
mod fake_hub;
use fake_hub::FakeHub;

fn start(dir: &std::path::Path, tokens: Option<Tokens>) -> (HubHandle, Arc<Faults>) {
    let faults = Arc::new(Faults::default());
    let mut cfg = HubConfig::new("127.0.0.1:0", dir);
    cfg.tokens = tokens;
    cfg.log = false;
    cfg.faults = Some(faults.clone());
    (serve(cfg).expect("hub starts"), faults)
}

/// A client with 300 ms timeouts, for fault tests.
fn client(hub: &HubHandle, branch: &str, token: Option<&str>) -> HubClient {
    client_with(hub, branch, token, Duration::from_millis(300))
}

/// A patient client (fsync per request can take a while on a busy CI box).
fn patient(hub: &HubHandle, branch: &str) -> HubClient {
    client_with(hub, branch, None, Duration::from_secs(5))
}

fn client_with(hub: &HubHandle, branch: &str, token: Option<&str>, stall: Duration) -> HubClient {
    let mut c = ClientConfig::new(hub.url(), branch);
    c.token = token.map(str::to_string);
    c.connect_timeout = Duration::from_millis(300);
    c.stall_timeout = stall;
    c.body_timeout = Duration::from_secs(5);
    HubClient::new(c).expect("client")
}

fn application(id: &str, branch: &str, day: u32, service: &str) -> Application {
    let date = NaiveDate::from_ymd_opt(2026, 2, day).unwrap();
    Application {
        id: id.into(),
        number: format!("{branch}-2602{day:02}-0001"),
        service: service.into(),
        date,
        finished_at: chrono::DateTime::parse_from_rfc3339(&format!(
            "2026-02-{day:02}T09:30:00+08:00"
        ))
        .unwrap(),
        clerk: "001".into(),
        branch: branch.into(),
        values: BTreeMap::from([("name".to_string(), "王五".to_string())]),
        materials: vec!["id_card".into()],
        fees: vec![],
        fee_total_fen: 1000,
        payment: Some(Payment::Cash),
        delivery: Delivery::Pickup,
        draft_number: None,
        void: None,
        generated: false,
        purged: false,
        hub_receipt: None,
        attachments: vec![],
    }
}

#[test]
fn batches_voids_listing_through_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, _) = start(dir.path(), None);
    let c = patient(&hub, "3301A");
    let h = c.health().unwrap();
    assert_eq!(h.status, "ok");
    assert!(h.elapsed < Duration::from_secs(1));

    // 40 applications: the body is above 1 KiB, so it goes gzipped
    let apps: Vec<Application> = (0..40)
        .map(|i| application(&format!("c-{i}"), "3301A", 1 + i % 3, "A01"))
        .collect();
    let r1 = c.post_applications(&apps).unwrap();
    assert_eq!(r1.len(), 40);
    assert!(r1.iter().all(|r| r.status == ItemStatus::Accepted));
    let r2 = c.post_applications(&apps).unwrap();
    assert!(r2.iter().all(|r| r.status == ItemStatus::Duplicate));
    let receipts =
        |v: &[jingyou::sync::ItemResult]| v.iter().map(|r| r.receipt.clone()).collect::<Vec<_>>();
    assert_eq!(receipts(&r1), receipts(&r2));

    // conflict
    let mut other = apps[0].clone();
    other.service = "B02".into();
    let r = c.post_applications(&[other]).unwrap();
    assert_eq!(r[0].status, ItemStatus::Rejected);
    assert_eq!(r[0].reason.as_deref(), Some("conflict"));
    assert!(!r[0].retryable);

    let v = c
        .post_voids(&[VoidItem {
            id: "c-0".into(),
            reason: "录入错误".into(),
            at: "2026-02-01T10:00:00+08:00".into(),
        }])
        .unwrap();
    assert_eq!(v[0].status, ItemStatus::Accepted);
    assert_eq!(v[0].receipt, r1[0].receipt);

    let d = |day| NaiveDate::from_ymd_opt(2026, 2, day).unwrap();
    let t = c.tallies(d(1), d(3)).unwrap();
    assert_eq!(t.total, 39);
    assert_eq!(t.branches[0].by_service["A01"], 39);
    let list = c.applications(d(1), d(1)).unwrap();
    assert_eq!(list.len(), 14);
    assert!(list.iter().any(|a| a.id == "c-0" && a.voided));
    hub.shutdown().unwrap();
}

#[test]
fn tokens_map_to_unauthorized() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = Tokens::from_pairs([("3301A", "secret-a-123"), ("3301B", "secret-b-123")]);
    let (hub, _) = start(dir.path(), Some(tokens));
    let apps = [application("u-1", "3301A", 1, "A01")];
    for token in [None, Some("bad-token-x"), Some("secret-b-123")] {
        match client(&hub, "3301A", token).post_applications(&apps) {
            Err(ClientError::Unauthorized { status, .. }) => {
                assert_eq!(
                    status,
                    if token == Some("secret-b-123") {
                        403
                    } else {
                        401
                    }
                )
            }
            other => panic!("{token:?}: {other:?}"),
        }
    }
    assert!(client(&hub, "3301A", None).health().is_ok());
    let ok = client_with(&hub, "3301A", Some("secret-a-123"), Duration::from_secs(5))
        .post_applications(&apps)
        .unwrap();
    assert_eq!(ok[0].status, ItemStatus::Accepted);
    hub.shutdown().unwrap();
}

#[test]
fn fault_knobs_are_classified() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, faults) = start(dir.path(), None);
    let c = client(&hub, "3301A", None);
    let apps = [application("f-1", "3301A", 2, "A01")];

    // captive portal: 200 + HTML
    faults.html_200.store(1, Ordering::SeqCst);
    let e = c.post_applications(&apps).unwrap_err();
    assert!(matches!(e, ClientError::NotAcknowledged { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert_eq!(hub.app_count(), 0);

    // 503 + Retry-After
    faults
        .status_503_with_retry_after
        .store(1, Ordering::SeqCst);
    faults.retry_after_secs.store(42, Ordering::SeqCst);
    let e = c.post_applications(&apps).unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(42)), "{e:?}");

    // stall beyond the 300 ms stall timeout: a quick timeout
    faults.stall_ms.store(1500, Ordering::SeqCst);
    let t0 = Instant::now();
    let e = c
        .tallies(
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 2).unwrap(),
        )
        .unwrap_err();
    assert!(matches!(e, ClientError::Retryable { .. }), "{e:?}");
    assert!(
        t0.elapsed() < Duration::from_millis(1200),
        "{:?}",
        t0.elapsed()
    );
    faults.stall_ms.store(0, Ordering::SeqCst);
    // The stalled request is still asleep in the hub; let it finish before
    // arming the next fault, or it could take that fault instead.
    std::thread::sleep(Duration::from_millis(1700));

    // reply dropped after commit: retryable; the retry is a duplicate with the same receipt
    faults.drop_reply_after_commit.store(1, Ordering::SeqCst);
    let e = c.post_applications(&apps).unwrap_err();
    assert!(matches!(e, ClientError::Retryable { .. }), "{e:?}");
    assert_eq!(hub.app_count(), 1);
    let p = patient(&hub, "3301A");
    let r = p.post_applications(&apps).unwrap();
    assert_eq!(r[0].status, ItemStatus::Duplicate);
    assert_eq!(r[0].receipt.as_deref(), Some("HUB-3301A-000001"));

    // garbage after commit, truncated reply: retryable, then duplicate
    let apps2 = [application("f-2", "3301A", 2, "A01")];
    faults.garbage_reply_after_commit.store(1, Ordering::SeqCst);
    let e = c.post_applications(&apps2).unwrap_err();
    assert!(e.is_retryable(), "{e:?}");
    let apps3 = [application("f-3", "3301A", 2, "A01")];
    faults.truncate_reply.store(1, Ordering::SeqCst);
    let e = c.post_applications(&apps3).unwrap_err();
    assert!(matches!(e, ClientError::Retryable { .. }), "{e:?}");
    let r = c
        .post_applications(&[apps2[0].clone(), apps3[0].clone()])
        .unwrap();
    assert!(r.iter().all(|x| x.status == ItemStatus::Duplicate));
    assert_eq!(hub.app_count(), 3);

    // nothing listening: retryable
    let mut cfg = ClientConfig::new("http://127.0.0.1:1", "3301A");
    cfg.connect_timeout = Duration::from_millis(300);
    let e = HubClient::new(cfg).unwrap().health().unwrap_err();
    assert!(matches!(e, ClientError::Retryable { .. }), "{e:?}");
    hub.shutdown().unwrap();
}

#[test]
fn redirects_and_strict_results_are_not_acknowledged() {
    // a tiny fake server answering a fixed reply to every request
    fn fake(reply: &'static str) -> FakeHub {
        let (status, rest) = reply.split_once(' ').unwrap();
        FakeHub::start(
            FakeHub::json_reply(
                status.parse().unwrap(),
                &["Location: http://elsewhere/"],
                rest,
            ),
            usize::MAX,
            Duration::ZERO,
        )
    }
    let apps = [
        application("s-1", "3301A", 1, "A01"),
        application("s-2", "3301A", 1, "A01"),
    ];
    for reply in [
        "302 {}",
        r#"200 {"results": [{"id": "s-1", "status": "accepted", "receipt": "R1", "reason": null}]}"#,
        r#"200 {"results": [{"id": "s-2", "status": "accepted", "receipt": "R1", "reason": null}, {"id": "s-1", "status": "accepted", "receipt": "R2", "reason": null}]}"#,
        r#"200 {"results": [{"id": "s-1", "status": "accepted", "receipt": null, "reason": null}, {"id": "s-2", "status": "accepted", "receipt": "R2", "reason": null}]}"#,
        r#"200 {"ok": true}"#,
    ] {
        let hub = fake(reply);
        let mut cfg = ClientConfig::new(hub.url.clone(), "3301A");
        cfg.stall_timeout = Duration::from_secs(2);
        let e = HubClient::new(cfg)
            .unwrap()
            .post_applications(&apps)
            .unwrap_err();
        assert!(
            matches!(e, ClientError::NotAcknowledged { .. }),
            "{reply}: {e:?}"
        );
        assert_eq!(hub.requests.load(Ordering::SeqCst), 1, "{reply}");
    }
}

#[test]
fn tus_upload_resumes_and_gates_the_application() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, _faults) = start(dir.path(), None);
    let c = patient(&hub, "3301A");
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = sha256_hex(&data);
    let meta = UploadMeta {
        application_id: "att-1".into(),
        filename: "scan.jpg".into(),
        sha256: Some(sha.clone()),
    };
    const CHUNK: usize = 64 * 1024;

    // the first attempt is cut after 3 chunks (the callback stands in for a dead link)
    struct Cut;
    let mut saved_url = None;
    let mut seen = 0;
    let cut = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        c.upload_attachment(UploadSource::Bytes(&data), &meta, None, CHUNK, &mut |p| {
            saved_url.get_or_insert_with(|| p.url.to_string());
            seen += 1;
            if p.offset >= 3 * CHUNK as u64 {
                std::panic::panic_any(Cut);
            }
        })
    }));
    assert!(cut.is_err());
    let url = saved_url.expect("url reported on creation");
    let stats = hub.stats();
    assert_eq!(stats.patch_bytes.load(Ordering::SeqCst), 3 * CHUNK as u64);

    // application before its attachment completes: rejected, retryable
    let mut app = serde_json::to_value(application("att-1", "3301A", 3, "A01")).unwrap();
    app["attachments"] = json!([{"upload_id": upload_id(&url), "sha256": sha, "size": data.len()}]);
    let r = c.post_applications(&[app.clone()]).unwrap();
    assert_eq!(r[0].status, ItemStatus::Rejected);
    assert_eq!(r[0].reason.as_deref(), Some("attachments_incomplete"));
    assert!(r[0].retryable);

    // resume from the hub's offset, across a hub restart: nothing acknowledged is resent
    hub.shutdown().unwrap();
    let (hub, _faults) = start(dir.path(), None);
    let c = patient(&hub, "3301A");
    let url = url
        .rsplit_once("/v1/")
        .map(|(_, p)| format!("{}/v1/{p}", hub.url()))
        .unwrap();
    let mut first_offset = None;
    let done = c
        .upload_attachment(
            UploadSource::Bytes(&data),
            &meta,
            Some(&url),
            CHUNK,
            &mut |p| {
                first_offset.get_or_insert(p.offset);
            },
        )
        .unwrap();
    assert_eq!(done, url);
    assert_eq!(first_offset, Some(4 * CHUNK as u64));
    assert_eq!(
        hub.stats().patch_bytes.load(Ordering::SeqCst),
        data.len() as u64 - 3 * CHUNK as u64
    );
    assert_eq!(
        c.upload_offset(&url).unwrap(),
        Some((data.len() as u64, data.len() as u64))
    );

    let r = c.post_applications(&[app.clone()]).unwrap();
    assert_eq!(r[0].status, ItemStatus::Accepted, "{r:?}");
    // a wrong sha256 for a complete upload is a mismatch, not retryable
    let mut bad = serde_json::to_value(application("att-2", "3301A", 3, "A01")).unwrap();
    bad["attachments"] = json!([{"upload_id": upload_id(&url), "sha256": sha, "size": data.len()}]);
    let r = c.post_applications(&[bad]).unwrap();
    assert_eq!(r[0].reason.as_deref(), Some("attachment_mismatch"));

    // a file source, and an unknown URL makes a new upload
    let f = dir.path().join("small.bin");
    std::fs::write(&f, &data[..100_000]).unwrap();
    let meta2 = UploadMeta {
        application_id: "att-3".into(),
        filename: "small.bin".into(),
        sha256: None,
    };
    let gone = format!("{}/v1/uploads/0000000000000000", hub.url());
    let u2 = c
        .upload_attachment(
            UploadSource::File(&f),
            &meta2,
            Some(&gone),
            CHUNK,
            &mut |_| {},
        )
        .unwrap();
    assert_ne!(u2, gone);
    assert_eq!(c.upload_offset(&u2).unwrap(), Some((100_000, 100_000)));
    hub.shutdown().unwrap();
}
