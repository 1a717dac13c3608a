//! A hand-rolled loopback "hub" for client tests: it reads one request per
//! connection and answers with raw bytes, optionally the body one byte at a
//! time with a pause between (a hub that trickles its reply).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub struct FakeHub {
    pub url: String,
    /// Requests read so far.
    pub requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    addr: std::net::SocketAddr,
}

/// Reads a request (headers and a Content-Length body); `false` on EOF.
fn read_request(stream: &mut TcpStream) -> bool {
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    let mut first = true;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        if first {
            first = false;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).is_ok()
}

impl FakeHub {
    /// Answers every request with `reply` (a whole HTTP response): its head
    /// at once, then its body `chunk` bytes at a time with `pause` between.
    pub fn start(reply: Vec<u8>, chunk: usize, pause: Duration) -> FakeHub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let thread = {
            let stop = stop.clone();
            let requests = requests.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok((mut s, _)) = listener.accept() else {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    let reply = reply.clone();
                    let stop = stop.clone();
                    let requests = requests.clone();
                    std::thread::spawn(move || {
                        s.set_nonblocking(false).ok();
                        s.set_nodelay(true).ok();
                        while read_request(&mut s) {
                            requests.fetch_add(1, Ordering::SeqCst);
                            // the head at once, then the body in chunks
                            let split = reply
                                .windows(4)
                                .position(|w| w == b"\r\n\r\n")
                                .map_or(0, |p| p + 4);
                            let (head, body) = reply.split_at(split);
                            if s.write_all(head).is_err() {
                                return;
                            }
                            for part in body.chunks(chunk.max(1)) {
                                if stop.load(Ordering::SeqCst) || s.write_all(part).is_err() {
                                    return;
                                }
                                if !pause.is_zero() {
                                    std::thread::sleep(pause);
                                }
                            }
                        }
                    });
                }
            })
        };
        FakeHub {
            url: format!("http://{addr}"),
            requests,
            stop,
            thread: Some(thread),
            addr,
        }
    }

    /// A JSON reply with this status and extra header lines.
    pub fn json_reply(status: u16, extra_headers: &[&str], body: &str) -> Vec<u8> {
        let mut s = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for h in extra_headers {
            s.push_str(h);
            s.push_str("\r\n");
        }
        s.push_str("\r\n");
        s.push_str(body);
        s.into_bytes()
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // wake the accept loop
        TcpStream::connect(self.addr).ok();
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}
