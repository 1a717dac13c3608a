//! The hub over raw HTTP (ureq without our client): status codes, limits,
//! auth, de-duplication under concurrency, tallies, restart, tus.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use jingyou::hub::{serve, HubHandle, Tokens};
use serde_json::{json, Value};
use sha1::Digest as _;

#[path = "support/backends.rs"]
mod backends;
use backends::{Backend, Place};

fn start(place: &Place, tokens: Option<Tokens>) -> HubHandle {
    let mut cfg = place.config("127.0.0.1:0");
    cfg.tokens = tokens;
    cfg.log = false;
    serve(cfg).expect("hub starts")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

fn app(id: &str, branch: &str, date: &str, service: &str) -> Value {
    json!({
        "id": id, "number": format!("{branch}-{}-0001", &date[2..].replace('-', "")),
        "service": service, "date": date, "finished_at": format!("{date}T10:00:00+08:00"),
        "clerk": "001", "branch": branch, "values": {"name": "张三"}, "materials": [],
        "fees": [], "fee_total_fen": 0, "payment": "cash", "delivery": {"mode": "pickup"},
    })
}

struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    json: Value,
}

fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
    extra: &[(&str, &str)],
) -> Reply {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    if let Some(t) = token {
        b = b.header("Authorization", format!("Bearer {t}"));
    }
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    let req = b.body(body.unwrap_or(&[]).to_vec()).expect("request");
    let mut resp = agent.run(req).expect("transport");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    Reply {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

fn post(agent: &ureq::Agent, url: &str, token: Option<&str>, body: &Value) -> Reply {
    let raw = body.to_string();
    send(
        agent,
        "POST",
        url,
        token,
        Some(raw.as_bytes()),
        &[("Content-Type", "application/json")],
    )
}

fn hdr(r: &Reply, name: &str) -> String {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn idempotent_batches_conflicts_and_errors(backend: Backend) {
    let dir = Place::new(backend);
    let hub = start(&dir, None);
    let a = agent();
    let url = format!("{}/v1/applications", hub.url());
    let batch = json!({"branch": "3301A", "applications": [
        app("id-1", "3301A", "2026-01-05", "A01"), app("id-2", "3301A", "2026-01-05", "B02"),
    ]});
    let r1 = post(&a, &url, None, &batch);
    assert_eq!(r1.status, 200);
    assert_eq!(hdr(&r1, "Tus-Resumable"), "1.0.0");
    let res = r1.json["results"].as_array().unwrap();
    assert_eq!(res.len(), 2);
    assert_eq!(res[0]["status"], "accepted");
    assert_eq!(res[0]["receipt"], "HUB-3301A-000001");
    assert_eq!(res[1]["receipt"], "HUB-3301A-000002");

    let r2 = post(&a, &url, None, &batch);
    let res2 = r2.json["results"].as_array().unwrap();
    assert_eq!(res2[0]["status"], "duplicate");
    assert_eq!(res2[0]["receipt"], res[0]["receipt"]);
    assert_eq!(res2[1]["receipt"], res[1]["receipt"]);

    // same id, different body: rejected, original kept
    let mut changed = app("id-1", "3301A", "2026-01-05", "C03");
    changed["values"]["name"] = json!("李四");
    let r3 = post(
        &a,
        &url,
        None,
        &json!({"branch": "3301A", "applications": [changed]}),
    );
    assert_eq!(r3.json["results"][0]["status"], "rejected");
    assert_eq!(r3.json["results"][0]["reason"], "conflict");
    assert_eq!(r3.json["results"][0]["retryable"], false);
    // a void or hub_receipt set on the branch side is not a change
    let mut voided = app("id-2", "3301A", "2026-01-05", "B02");
    voided["hub_receipt"] = json!("HUB-3301A-000002");
    let r4 = post(
        &a,
        &url,
        None,
        &json!({"branch": "3301A", "applications": [voided]}),
    );
    assert_eq!(r4.json["results"][0]["status"], "duplicate");
    assert_eq!(hub.app_count(), 2);

    // invalid item, wrong branch item: rejected in place, others go on
    let mixed = json!({"branch": "3301A", "applications": [
        {"id": "id-x"}, app("id-3", "3301B", "2026-01-05", "A01"), app("id-4", "3301A", "2026-01-06", "A01"),
    ]});
    let r5 = post(&a, &url, None, &mixed);
    let res5 = r5.json["results"].as_array().unwrap();
    assert_eq!(res5[0]["reason"], "invalid");
    assert_eq!(res5[1]["reason"], "branch_mismatch");
    assert_eq!(res5[2]["status"], "accepted");
    assert_eq!(res5[2]["receipt"], "HUB-3301A-000003");

    // bad JSON, wrong content type, unknown path, wrong method
    let r = send(
        &a,
        "POST",
        &url,
        None,
        Some(b"{not json"),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json["error"]["code"], "invalid_json");
    let r = send(
        &a,
        "POST",
        &url,
        None,
        Some(b"\xff\x00garbage"),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(r.status, 400);
    let r = send(
        &a,
        "POST",
        &url,
        None,
        Some(b"{}"),
        &[("Content-Type", "text/plain")],
    );
    assert_eq!(r.status, 415);
    let r = post(&a, &url, None, &json!([1, 2]));
    assert_eq!(r.status, 400);
    assert!(r.json["error"]["message"].is_string());
    let r = send(&a, "GET", &format!("{}/v2/x", hub.url()), None, None, &[]);
    assert_eq!(r.status, 404);
    assert_eq!(r.json["error"]["code"], "not_found");
    let r = send(&a, "DELETE", &url, None, None, &[]);
    assert_eq!(r.status, 405);
    // health: no auth, RFC 3339 time
    let r = send(
        &a,
        "GET",
        &format!("{}/v1/health", hub.url()),
        None,
        None,
        &[],
    );
    assert_eq!(r.json["status"], "ok");
    assert!(chrono::DateTime::parse_from_rfc3339(r.json["time"].as_str().unwrap()).is_ok());
    hub.shutdown().unwrap();
}

fn size_limits_and_gzip(backend: Backend) {
    let dir = Place::new(backend);
    let hub = start(&dir, None);
    let a = agent();
    let url = format!("{}/v1/applications", hub.url());
    // 5 MiB body: 413
    let mut big = app("big-1", "3301A", "2026-01-05", "A01");
    big["values"]["note"] = json!("x".repeat(5 * 1024 * 1024));
    let r = post(
        &a,
        &url,
        None,
        &json!({"branch": "3301A", "applications": [big]}),
    );
    assert_eq!(r.status, 413);
    assert_eq!(r.json["error"]["code"], "payload_too_large");
    // too many items: 413
    let many: Vec<Value> = (0..501)
        .map(|i| app(&format!("m-{i}"), "3301A", "2026-01-05", "A01"))
        .collect();
    let r = post(
        &a,
        &url,
        None,
        &json!({"branch": "3301A", "applications": many}),
    );
    assert_eq!(r.status, 413);
    assert_eq!(r.json["error"]["code"], "batch_too_large");
    // gzip body accepted
    let body =
        json!({"branch": "3301A", "applications": [app("gz-1", "3301A", "2026-01-05", "A01")]})
            .to_string();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, body.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let r = send(
        &a,
        "POST",
        &url,
        None,
        Some(&gz),
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json["results"][0]["status"], "accepted");
    // a gzip bomb beyond 4 MiB decoded: 413
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut enc, &vec![b' '; 6 * 1024 * 1024]).unwrap();
    let bomb = enc.finish().unwrap();
    let r = send(
        &a,
        "POST",
        &url,
        None,
        Some(&bomb),
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
    );
    assert_eq!(r.status, 413);
    // broken gzip: 400; unknown encoding: 415
    let r = send(
        &a,
        "POST",
        &url,
        None,
        Some(b"not gzip"),
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
    );
    assert_eq!(r.status, 400);
    let r = send(
        &a,
        "POST",
        &url,
        None,
        Some(b"{}"),
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "br"),
        ],
    );
    assert_eq!(r.status, 415);
    hub.shutdown().unwrap();
}

fn tokens_401_403(backend: Backend) {
    let dir = Place::new(backend);
    let tokens =
        Tokens::parse("# branches\n3301A tok-aaaaaaaa\n3301B tok-bbbbbbbb\n* tok-operator\n")
            .unwrap();
    assert!(Tokens::parse("3301A short").is_err());
    assert!(Tokens::parse("3301A").is_err());
    let hub = start(&dir, Some(tokens));
    let a = agent();
    let url = format!("{}/v1/applications", hub.url());
    let batch =
        json!({"branch": "3301A", "applications": [app("t-1", "3301A", "2026-01-05", "A01")]});
    let r = post(&a, &url, None, &batch);
    assert_eq!(r.status, 401);
    assert_eq!(r.json["error"]["code"], "unauthorized");
    assert_eq!(post(&a, &url, Some("wrong-token"), &batch).status, 401);
    assert_eq!(post(&a, &url, Some("tok-bbbbbbbb"), &batch).status, 403);
    assert_eq!(post(&a, &url, Some("tok-operator"), &batch).status, 403);
    assert_eq!(post(&a, &url, Some("tok-aaaaaaaa"), &batch).status, 200);
    // health needs no token
    assert_eq!(
        send(
            &a,
            "GET",
            &format!("{}/v1/health", hub.url()),
            None,
            None,
            &[]
        )
        .status,
        200
    );
    // reading: own branch, not another's; the operator reads all
    let t = |q: &str, tok: &str| {
        send(
            &a,
            "GET",
            &format!("{}/v1/tallies?{q}", hub.url()),
            Some(tok),
            None,
            &[],
        )
    };
    assert_eq!(
        t("from=2026-01-01&to=2026-01-31", "tok-aaaaaaaa").json["total"],
        1
    );
    assert_eq!(
        t("from=2026-01-01&to=2026-01-31&branch=3301A", "tok-bbbbbbbb").status,
        403
    );
    assert_eq!(
        t("from=2026-01-01&to=2026-01-31", "tok-bbbbbbbb").json["total"],
        0
    );
    assert_eq!(
        t("from=2026-01-01&to=2026-01-31", "tok-operator").json["total"],
        1
    );
    // tus: another branch's upload is 403
    let r = send(
        &a,
        "POST",
        &format!("{}/v1/uploads", hub.url()),
        Some("tok-aaaaaaaa"),
        None,
        &[
            ("Tus-Resumable", "1.0.0"),
            ("Upload-Length", "10"),
            ("Upload-Metadata", &meta("3301A", "t-1", "a.jpg")),
        ],
    );
    assert_eq!(r.status, 201);
    let loc = format!("{}{}", hub.url(), hdr(&r, "Location"));
    assert_eq!(
        send(
            &a,
            "HEAD",
            &loc,
            Some("tok-bbbbbbbb"),
            None,
            &[("Tus-Resumable", "1.0.0")]
        )
        .status,
        403
    );
    assert_eq!(
        send(&a, "HEAD", &loc, None, None, &[("Tus-Resumable", "1.0.0")]).status,
        401
    );
    hub.shutdown().unwrap();
}

fn concurrent_duplicates_make_one_record(backend: Backend) {
    let dir = Place::new(backend);
    let hub = start(&dir, None);
    let url = format!("{}/v1/applications", hub.url());
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let a = agent();
                let batch = json!({"branch": "3301A", "applications": [app("same-id", "3301A", "2026-01-05", "A01")]});
                barrier.wait();
                let r = post(&a, &url, None, &batch);
                assert_eq!(r.status, 200);
                (r.json["results"][0]["status"].as_str().unwrap().to_string(), r.json["results"][0]["receipt"].as_str().unwrap().to_string())
            })
        })
        .collect();
    let results: Vec<(String, String)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(
        results.iter().filter(|(s, _)| s == "accepted").count(),
        1,
        "{results:?}"
    );
    assert_eq!(results.iter().filter(|(s, _)| s == "duplicate").count(), 7);
    assert!(results.iter().all(|(_, r)| r == "HUB-3301A-000001"));
    assert_eq!(hub.app_count(), 1);
    let t = send(
        &agent(),
        "GET",
        &format!("{}/v1/tallies?from=2026-01-05&to=2026-01-05", hub.url()),
        None,
        None,
        &[],
    );
    assert_eq!(t.json["total"], 1);
    hub.shutdown().unwrap();
}

fn tallies_listing_voids_and_restart(backend: Backend) {
    let dir = Place::new(backend);
    let hub = start(&dir, None);
    let a = agent();
    let base = hub.url();
    let batch = json!({"branch": "3301A", "applications": [
        app("d1", "3301A", "2026-01-04", "A01"), app("d2", "3301A", "2026-01-05", "A01"),
        app("d3", "3301A", "2026-01-05", "B02"), app("d4", "3301A", "2026-01-07", "A01"),
    ]});
    post(&a, &format!("{base}/v1/applications"), None, &batch);
    post(
        &a,
        &format!("{base}/v1/applications"),
        None,
        &json!({"branch": "3301B", "applications": [app("e1", "3301B", "2026-01-05", "A01")]}),
    );
    let voids = json!({"branch": "3301A", "voids": [
        {"id": "d2", "reason": "客户撤回", "at": "2026-01-05T11:00:00+08:00"},
        {"id": "nope", "reason": "x", "at": "2026-01-05T11:00:00+08:00"},
        {"id": "e1", "reason": "x", "at": "2026-01-05T11:00:00+08:00"},
        {"id": "d3", "reason": "x"},
    ]});
    let r = post(&a, &format!("{base}/v1/voids"), None, &voids);
    let res = r.json["results"].as_array().unwrap();
    assert_eq!(res[0]["status"], "accepted");
    assert_eq!(res[0]["receipt"], "HUB-3301A-000002");
    assert_eq!(res[1]["reason"], "unknown_application");
    assert_eq!(res[1]["retryable"], true);
    assert_eq!(res[2]["reason"], "branch_mismatch");
    assert_eq!(res[3]["reason"], "invalid");
    let r = post(
        &a,
        &format!("{base}/v1/voids"),
        None,
        &json!({"branch": "3301A", "voids": [
            {"id": "d2", "reason": "客户撤回", "at": "2026-01-05T11:00:00+08:00"},
            {"id": "d2", "reason": "another", "at": "2026-01-05T11:00:00+08:00"},
        ]}),
    );
    assert_eq!(r.json["results"][0]["status"], "duplicate");
    assert_eq!(r.json["results"][1]["reason"], "conflict");

    let check = |base: &str| {
        let t = send(
            &a,
            "GET",
            &format!("{base}/v1/tallies?from=2026-01-05&to=2026-01-07"),
            None,
            None,
            &[],
        );
        assert_eq!(t.status, 200);
        assert_eq!(t.json["from"], "2026-01-05");
        assert_eq!(t.json["total"], 3, "{}", t.json);
        let b = &t.json["branches"];
        assert_eq!(b[0]["branch"], "3301A");
        assert_eq!(b[0]["total"], 2);
        assert_eq!(b[0]["by_service"], json!({"A01": 1, "B02": 1}));
        assert_eq!(b[1]["branch"], "3301B");
        let t = send(
            &a,
            "GET",
            &format!("{base}/v1/tallies?from=2026-01-04&to=2026-01-04&branch=3301A"),
            None,
            None,
            &[],
        );
        assert_eq!(t.json["total"], 1);
        let l = send(
            &a,
            "GET",
            &format!("{base}/v1/applications?branch=3301A&from=2026-01-05&to=2026-01-07"),
            None,
            None,
            &[],
        );
        let apps = l.json["applications"].as_array().unwrap();
        let ids: Vec<&str> = apps.iter().map(|x| x["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["d2", "d3", "d4"]);
        assert_eq!(apps[0]["voided"], true);
        assert_eq!(apps[1]["voided"], false);
        assert_eq!(apps[0]["receipt"], "HUB-3301A-000002");
        assert_eq!(apps[2]["number"], "3301A-260107-0001");
    };
    check(&base);
    let bad = send(
        &a,
        "GET",
        &format!("{base}/v1/tallies?from=2026-13-01&to=2026-01-07"),
        None,
        None,
        &[],
    );
    assert_eq!(bad.status, 400);
    let bad = send(
        &a,
        "GET",
        &format!("{base}/v1/tallies?from=2026-01-09&to=2026-01-07"),
        None,
        None,
        &[],
    );
    assert_eq!(bad.status, 400);

    hub.shutdown().unwrap();
    let hub = start(&dir, None);
    let base = hub.url();
    check(&base);
    // receipts continue, duplicates still found
    let r = post(
        &a,
        &format!("{base}/v1/applications"),
        None,
        &json!({"branch": "3301A", "applications": [
            app("d1", "3301A", "2026-01-04", "A01"), app("d5", "3301A", "2026-01-07", "A01"),
        ]}),
    );
    assert_eq!(r.json["results"][0]["status"], "duplicate");
    assert_eq!(r.json["results"][0]["receipt"], "HUB-3301A-000001");
    assert_eq!(r.json["results"][1]["receipt"], "HUB-3301A-000005");
    hub.shutdown().unwrap();
}

fn meta(branch: &str, app: &str, file: &str) -> String {
    let b = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    format!(
        "branch {},application {},filename {}",
        b(branch),
        b(app),
        b(file)
    )
}

fn tus_protocol_details(backend: Backend) {
    let dir = Place::new(backend);
    let hub = start(&dir, None);
    let a = agent();
    let base = hub.url();
    let r = send(
        &a,
        "OPTIONS",
        &format!("{base}/v1/uploads"),
        None,
        None,
        &[],
    );
    assert_eq!(r.status, 204);
    assert_eq!(hdr(&r, "Tus-Version"), "1.0.0");
    assert!(hdr(&r, "Tus-Extension").contains("checksum"));
    // missing Tus-Resumable: 412
    let r = send(
        &a,
        "POST",
        &format!("{base}/v1/uploads"),
        None,
        None,
        &[("Upload-Length", "10")],
    );
    assert_eq!(r.status, 412);
    // too long: 413
    let r = send(
        &a,
        "POST",
        &format!("{base}/v1/uploads"),
        None,
        None,
        &[
            ("Tus-Resumable", "1.0.0"),
            ("Upload-Length", "999999999999"),
            ("Upload-Metadata", &meta("3301A", "x1", "a.jpg")),
        ],
    );
    assert_eq!(r.status, 413);
    let r = send(
        &a,
        "POST",
        &format!("{base}/v1/uploads"),
        None,
        None,
        &[
            ("Tus-Resumable", "1.0.0"),
            ("Upload-Length", "10"),
            ("Upload-Metadata", &meta("3301A", "x1", "a.jpg")),
        ],
    );
    assert_eq!(r.status, 201);
    let loc = format!("{base}{}", hdr(&r, "Location"));
    let patch = |off: &str, data: &[u8], sum: Option<String>| {
        let mut h = vec![
            ("Tus-Resumable", "1.0.0"),
            ("Upload-Offset", off),
            ("Content-Type", "application/offset+octet-stream"),
        ];
        let s;
        if let Some(x) = sum {
            s = x;
            h.push(("Upload-Checksum", &s));
        }
        send(&a, "PATCH", &loc, None, Some(data), &h)
    };
    let sha1 = |d: &[u8]| {
        format!(
            "sha1 {}",
            base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(d))
        )
    };
    // checksum mismatch: 460, offset unchanged
    let r = patch("0", b"hello", Some(sha1(b"HELLO")));
    assert_eq!(r.status, 460);
    assert_eq!(hdr(&r, "Tus-Resumable"), "1.0.0");
    let r = patch("0", b"hello", Some(sha1(b"hello")));
    assert_eq!(r.status, 204);
    assert_eq!(hdr(&r, "Upload-Offset"), "5");
    // offset mismatch: 409
    let r = patch("0", b"world", Some(sha1(b"world")));
    assert_eq!(r.status, 409);
    // past the length: 400; wrong type: 415
    assert_eq!(patch("5", b"world!", None).status, 400);
    let r = send(
        &a,
        "PATCH",
        &loc,
        None,
        Some(b"x"),
        &[
            ("Tus-Resumable", "1.0.0"),
            ("Upload-Offset", "5"),
            ("Content-Type", "text/plain"),
        ],
    );
    assert_eq!(r.status, 415);
    let r = send(&a, "HEAD", &loc, None, None, &[("Tus-Resumable", "1.0.0")]);
    assert_eq!(r.status, 200);
    assert_eq!(hdr(&r, "Upload-Offset"), "5");
    assert_eq!(hdr(&r, "Upload-Length"), "10");
    assert_eq!(hdr(&r, "Cache-Control"), "no-store");
    // survives a restart
    hub.shutdown().unwrap();
    let hub = start(&dir, None);
    let loc = loc.replace(&base, &hub.url());
    let r = send(&a, "HEAD", &loc, None, None, &[("Tus-Resumable", "1.0.0")]);
    assert_eq!(hdr(&r, "Upload-Offset"), "5");
    let r = send(
        &a,
        "HEAD",
        &format!("{}/v1/uploads/doesnotexist", hub.url()),
        None,
        None,
        &[("Tus-Resumable", "1.0.0")],
    );
    assert_eq!(r.status, 404);
    hub.shutdown().unwrap();
}

fn overload_gives_503_with_retry_after(backend: Backend) {
    let dir = Place::new(backend);
    let faults = Arc::new(jingyou::hub::Faults::default());
    faults
        .stall_ms
        .store(400, std::sync::atomic::Ordering::SeqCst);
    let mut cfg = dir.config("127.0.0.1:0");
    cfg.log = false;
    cfg.workers = 1;
    cfg.max_waiting = 1;
    cfg.retry_after_secs = 3;
    cfg.faults = Some(faults);
    let hub = serve(cfg).unwrap();
    let url = format!("{}/v1/tallies?from=2026-01-01&to=2026-01-02", hub.url());
    let threads: Vec<_> = (0..5)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let r = send(&agent(), "GET", &url, None, None, &[]);
                (r.status, hdr(&r, "Retry-After"))
            })
        })
        .collect();
    let got: Vec<(u16, String)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(got.iter().any(|(s, ra)| *s == 503 && ra == "3"), "{got:?}");
    assert!(got.iter().any(|(s, _)| *s == 200), "{got:?}");
    hub.shutdown().unwrap();
}

fn garbage_never_breaks_the_hub(backend: Backend) {
    let dir = Place::new(backend);
    let hub = start(&dir, None);
    let a = agent();
    let url = format!("{}/v1/applications", hub.url());
    let bodies: Vec<Value> = vec![
        json!(null),
        json!("x"),
        json!({"branch": 5, "applications": []}),
        json!({"branch": "bad branch!", "applications": []}),
        json!({"branch": "3301A", "applications": "x"}),
        json!({"branch": "3301A", "applications": [1, null, [], {"id": 7}, {"id": "a/b"}, {"id": "x".repeat(65)}]}),
        json!({"branch": "3301A", "applications": [{"id": "g1", "number": "n", "service": "s", "date": "2026-02-30", "branch": "3301A"}]}),
        json!({"branch": "3301A", "applications": [{"id": "g2", "number": "n", "service": "s", "date": "2026-02-03", "branch": "3301A", "attachments": "x"}]}),
        json!({"branch": "3301A", "applications": [{"id": "g3", "number": "n", "service": "s", "date": "2026-02-03", "branch": "3301A", "attachments": [{"upload_id": "zz"}]}]}),
    ];
    for b in &bodies {
        let r = post(&a, &url, None, b);
        assert!(r.status == 200 || r.status == 400, "{b}: {}", r.status);
        if r.status == 200 {
            assert!(
                r.json["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|x| x["status"] == "rejected"),
                "{}",
                r.json
            );
        } else {
            assert!(r.json["error"]["code"].is_string());
        }
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let r = send(
        &a,
        "POST",
        &url,
        None,
        Some(deep.as_bytes()),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(r.status, 400);
    for q in [
        "",
        "?from=%zz&to=%",
        "?from=2026-01-01&to=2026-01-02&branch=%00",
        "?from=%EF%BC%92026-01-01&to=2026-01-02",
    ] {
        let r = send(
            &a,
            "GET",
            &format!("{}/v1/tallies{q}", hub.url()),
            None,
            None,
            &[],
        );
        assert_eq!(r.status, 400, "{q}");
    }
    let r = send(
        &a,
        "POST",
        &format!("{}/v1/uploads", hub.url()),
        None,
        None,
        &[
            ("Tus-Resumable", "1.0.0"),
            ("Upload-Length", "-1"),
            ("Upload-Metadata", "branch !!!,,"),
        ],
    );
    assert_eq!(r.status, 400);
    let r = send(
        &a,
        "PATCH",
        &format!("{}/v1/uploads/../../etc", hub.url()),
        None,
        Some(b"x"),
        &[
            ("Tus-Resumable", "1.0.0"),
            ("Upload-Offset", "0"),
            ("Content-Type", "application/offset+octet-stream"),
        ],
    );
    assert!(r.status == 404 || r.status == 400, "{}", r.status);
    // raw junk on the socket
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(hub.local_addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s.write_all(b"\x16\x03\x01 not http at all\r\n\r\n")
        .unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    // still alive
    let r = send(
        &a,
        "GET",
        &format!("{}/v1/health", hub.url()),
        None,
        None,
        &[],
    );
    assert_eq!(r.status, 200);
    hub.shutdown().unwrap();
}

conformance!(
    idempotent_batches_conflicts_and_errors,
    size_limits_and_gzip,
    tokens_401_403,
    concurrent_duplicates_make_one_record,
    tallies_listing_voids_and_restart,
    tus_protocol_details,
    overload_gives_503_with_retry_after,
    garbage_never_breaks_the_hub,
);
