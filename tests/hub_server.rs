//! The hub's HTTP layer under peers that misbehave: stalled headers and
//! bodies, idle keep-alive connections, SIGTERM with a request in flight,
//! and replies large enough to meet Nagle's algorithm.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jingyou::hub::{serve, HubConfig, HubHandle, HubStore};
use serde_json::{json, Value};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

fn app(id: &str) -> Value {
    json!({
        "id": id, "number": format!("3301A-260105-{id}"),
        "service": "A01", "date": "2026-01-05", "finished_at": "2026-01-05T10:00:00+08:00",
        "clerk": "001", "branch": "3301A", "values": {"name": "张三"}, "materials": [],
        "fees": [], "fee_total_fen": 0, "payment": "cash", "delivery": {"mode": "pickup"},
    })
}

fn post_batch(a: &ureq::Agent, base: &str, ids: &[&str]) -> (u16, Value) {
    let apps: Vec<Value> = ids.iter().map(|i| app(i)).collect();
    let body = json!({"branch": "3301A", "applications": apps}).to_string();
    let mut r = a
        .post(&format!("{base}/v1/applications"))
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .expect("transport");
    let status = r.status().as_u16();
    let v = serde_json::from_str(&r.body_mut().read_to_string().unwrap_or_default())
        .unwrap_or(Value::Null);
    (status, v)
}

fn start(dir: &std::path::Path, body_timeout: Duration) -> HubHandle {
    let mut cfg = HubConfig::new("127.0.0.1:0", dir);
    cfg.log = false;
    cfg.body_timeout = body_timeout;
    serve(cfg).expect("hub starts")
}

/// Opens a connection and sends `head` (and `body_start`), then nothing.
fn stalled(addr: SocketAddr, head: &str, body_start: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(head.as_bytes()).expect("head");
    s.write_all(body_start).expect("body start");
    s.flush().expect("flush");
    s
}

#[test]
fn sixty_four_stalled_connections_do_not_stall_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    // body deadline 3 s: long enough to measure while they stall
    let hub = start(dir.path(), Duration::from_secs(3));
    let addr = hub.local_addr();
    let mut stalls = Vec::new();
    for i in 0..64 {
        let s = match i % 4 {
            // headers, then one byte of a 100 kB body
            0 => stalled(
                addr,
                "POST /v1/applications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
                b"{",
            ),
            // a slow PATCH
            1 => stalled(
                addr,
                "PATCH /v1/uploads/abc HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 500000\r\n\r\n",
                b"x",
            ),
            // a chunked body that never ends
            2 => stalled(
                addr,
                "POST /v1/voids HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"1\r\n[\r\n",
            ),
            // headers that never end
            _ => stalled(addr, "GET /v1/tallies?from=2026-01-01&to=2026-01-02 HTTP/1.1\r\nHost: x\r\n", b""),
        };
        stalls.push(s);
    }
    std::thread::sleep(Duration::from_millis(200));
    let a = agent();
    let t = Instant::now();
    let mut r = a
        .get(&format!("{}/v1/health", hub.url()))
        .call()
        .expect("health answers");
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["status"], "ok");
    let health = t.elapsed();
    let t = Instant::now();
    let (status, v) = post_batch(&a, &hub.url(), &["s-1", "s-2"]);
    let batch = t.elapsed();
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["results"][0]["status"], "accepted", "{v}");
    assert!(
        health < Duration::from_secs(1),
        "health took {health:?} beside 64 stalled connections"
    );
    assert!(
        batch < Duration::from_secs(1),
        "a batch took {batch:?} beside 64 stalled connections"
    );
    // the body deadline: a stalled body gets 408 and the connection closes
    let mut first = stalls.swap_remove(0);
    first
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reply = String::new();
    first.read_to_string(&mut reply).expect("read until closed");
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    hub.shutdown().unwrap();
}

#[test]
fn a_large_reply_leaves_without_waiting_for_an_ack() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(dir.path(), Duration::from_secs(10));
    let a = agent();
    let ids: Vec<String> = (0..20).map(|i| format!("n-{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(post_batch(&a, &hub.url(), &refs).0, 200);
    // one keep-alive connection, by hand, so that every reply shares it
    let mut s = TcpStream::connect(hub.local_addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let mut times = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        s.write_all(b"GET /v1/applications?branch=3301A&from=2026-01-01&to=2026-01-31 HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        times.push(t.elapsed());
        assert!(length > 830, "the reply must be large: {length} bytes");
    }
    times.sort();
    let median = times[times.len() / 2];
    // Nagle + delayed ACK costs about 40 ms per reply on loopback
    assert!(
        median < Duration::from_millis(25),
        "median reply time {median:?}: {times:?}"
    );
    hub.shutdown().unwrap();
}

/// The hub binary on a free port; returns the child and its address.
fn spawn_hub(data: &std::path::Path) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jingyou-hub"))
        .args(["--listen", "127.0.0.1:0", "--quiet", "--data"])
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("jingyou-hub runs");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, addr)
}

fn kill(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill {signal}");
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if t.elapsed() > within {
            child.kill().ok();
            panic!("the hub did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_hub(dir.path());
    let body = json!({"branch": "3301A", "applications": [app("t-1")]}).to_string();
    let (half, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut s = stalled(
        addr,
        &format!(
            "POST /v1/applications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        ),
        half,
    );
    std::thread::sleep(Duration::from_millis(300));
    kill(&child, "-TERM");
    std::thread::sleep(Duration::from_millis(300));
    // still in flight: the rest of the body arrives after the signal
    s.write_all(rest).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"accepted\""), "{reply}");
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status:?}");
    // new connections are refused once it is gone, and the record is durable
    assert!(TcpStream::connect(addr).is_err());
    let store = HubStore::open(dir.path(), 1 << 20).expect("store reopens");
    assert!(store.get_app("t-1").unwrap().is_some());
}

fn task_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_thousand_idle_keep_alive_connections_cost_no_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_hub(dir.path());
    let pid = child.id();
    let mut conns = Vec::new();
    for _ in 0..1000 {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        conns.push(s);
    }
    // every one answered, and kept open (keep-alive)
    for s in &mut conns {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200");
    }
    let tasks = task_count(pid);
    let rss = rss_kib(pid);
    eprintln!("1000 idle keep-alive connections: {tasks} threads, RSS {rss} KiB");
    assert!(
        tasks > 0 && tasks < 32,
        "{tasks} threads for 1000 idle connections"
    );
    // the hub still answers someone else
    let mut r = agent()
        .get(&format!("http://{addr}/v1/health"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.body_mut().read_to_string().is_ok());
    drop(conns);
    kill(&child, "-TERM");
    assert_eq!(
        wait_exit(&mut child, Duration::from_secs(10)).code(),
        Some(0)
    );
}

#[test]
fn health_is_never_refused_for_being_busy() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let faults = std::sync::Arc::new(jingyou::hub::Faults::default());
    faults.stall_ms.store(1500, Ordering::SeqCst);
    let mut cfg = HubConfig::new("127.0.0.1:0", dir.path());
    cfg.log = false;
    cfg.workers = 1;
    cfg.max_waiting = 1;
    cfg.faults = Some(faults);
    let hub = serve(cfg).unwrap();
    let url = format!("{}/v1/tallies?from=2026-01-01&to=2026-01-02", hub.url());
    // two requests take both places (one working, one waiting)
    let busy: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || agent().get(&url).call().map(|r| r.status().as_u16()))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let r = agent().get(&url).call().unwrap();
    assert_eq!(r.status().as_u16(), 503, "the store queue is full");
    assert!(r.headers().get("Retry-After").is_some());
    let t = Instant::now();
    let r = agent()
        .get(&format!("{}/v1/health", hub.url()))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "health while busy");
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    for b in busy {
        assert_eq!(b.join().unwrap().unwrap(), 200);
    }
    hub.shutdown().unwrap();
}

/// Reads a reply's status line and headers from a raw connection.
fn reply_head(s: &mut TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut r = BufReader::new(s);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    head
}

#[test]
fn request_bodies_in_memory_stay_within_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = HubConfig::new("127.0.0.1:0", dir.path());
    cfg.log = false;
    cfg.body_timeout = Duration::from_secs(5);
    cfg.body_budget = 1024 * 1024;
    let hub = serve(cfg).unwrap();
    let addr = hub.local_addr();
    let big = |n: usize| {
        format!(
            "POST /v1/applications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n\r\n"
        )
    };
    // One slow 700 kB body holds most of the 1 MiB budget while it arrives.
    let holder = stalled(addr, &big(700_000), b"{");
    std::thread::sleep(Duration::from_millis(200));
    // A second one does not fit: 503 + Retry-After at once, its body unread.
    let t = Instant::now();
    let mut second = stalled(addr, &big(700_000), b"{");
    let head = reply_head(&mut second);
    assert!(head.starts_with("HTTP/1.1 503"), "{head}");
    assert!(head.to_ascii_lowercase().contains("retry-after"), "{head}");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    // What still fits is served, and health never waits.
    let a = agent();
    let r = a.get(&format!("{}/v1/health", hub.url())).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, v) = post_batch(&a, &hub.url(), &["b-1"]);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["results"][0]["status"], "accepted", "{v}");
    // The room comes back when the slow body goes away.
    drop(holder);
    std::thread::sleep(Duration::from_millis(200));
    let body = json!({"branch": "3301A", "applications": [app("b-2")], "pad": "x".repeat(600_000)})
        .to_string();
    let mut r = a
        .post(&format!("{}/v1/applications", hub.url()))
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .expect("transport");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    assert_ne!(status, 503, "{text}");
    hub.shutdown().unwrap();
}
