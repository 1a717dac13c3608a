//! The worker thread: it owns the [`Runtime`] (and so the store), carries
//! out effects one at a time in the order they were sent, and answers with
//! messages on the UI loop's channel. The UI thread only draws and takes
//! keys; Argon2, `Store::open`, fsyncs and attachment hashing happen here.
//!
//! Requests from support over the control socket come through the same
//! queue, so they are ordered with the clerk's own work, and afterwards the
//! screen is read again (and after `queue retry` the relay is woken).

use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::app::msg::{Effect, Msg};
use crate::app::runtime::{Runtime, Session};
use crate::control::{Output, Request};
use crate::i18n::tr;

/// One piece of work for the worker.
pub enum Job {
    /// An effect, with the session it was asked in.
    Run(Session, Box<Effect>),
    /// A control-socket request, answered on the sender.
    Remote(Request, mpsc::Sender<Output>),
    /// Finish what was sent before, flush the store, stop the relay, end.
    Stop,
}

/// What the worker says back to the UI loop.
pub enum Report {
    Msg(Msg),
    /// One [`Job::Run`] is done (all its messages were sent before this).
    Done,
}

/// Answers a control-socket request against the app's own store.
pub type RemoteHandler = Arc<dyn Fn(Request) -> Output + Send + Sync>;

/// Where the worker reports.
pub type ReportSink = Arc<dyn Fn(Report) + Send + Sync>;

/// How long a control-socket request waits for the worker at most.
pub const REMOTE_WAIT: Duration = Duration::from_secs(600);

/// The running worker, as the UI loop holds it.
pub struct Worker {
    jobs: mpsc::Sender<Job>,
    thread: Option<JoinHandle<()>>,
}

/// True for requests that change what the clerk sees (the queue).
fn changes_queue(req: &Request) -> bool {
    req.args.first().map(String::as_str) == Some("queue")
        && matches!(
            req.args.get(1).map(String::as_str),
            Some("retry" | "quarantine")
        )
}

/// Requests answered on the socket's own thread, not through the worker:
/// `sync` waits on the relay's pass (up to minutes over a slow link) and
/// `backup` copies the whole store; neither may hold up the counter.
pub fn bypasses_worker(req: &Request) -> bool {
    matches!(
        req.args.first().map(String::as_str),
        Some("sync" | "backup")
    )
}

impl Worker {
    /// Starts the worker thread over `rt`. Background work of the runtime
    /// (the relay, a slow printer) reports through `out` too.
    /// Fails only when the thread cannot be started.
    pub fn spawn(
        mut rt: Runtime,
        remote: Option<RemoteHandler>,
        out: ReportSink,
    ) -> std::io::Result<Worker> {
        let (tx, rx) = mpsc::channel::<Job>();
        let sink = out.clone();
        rt.ui = Some(Arc::new(move |m| sink(Report::Msg(m))));
        let thread = std::thread::Builder::new()
            .name("worker".into())
            .spawn(move || work(rt, rx, remote, out))?;
        Ok(Worker {
            jobs: tx,
            thread: Some(thread),
        })
    }

    /// Sends an effect; false when the worker is gone.
    pub fn run(&self, session: Session, fx: Effect) -> bool {
        self.jobs.send(Job::Run(session, Box::new(fx))).is_ok()
    }

    /// A handler for the control socket: requests go through the worker
    /// (but see [`bypasses_worker`]; those go to `direct`).
    pub fn control_handler(&self, direct: RemoteHandler) -> RemoteHandler {
        let jobs = self.jobs.clone();
        Arc::new(move |req: Request| {
            if bypasses_worker(&req) {
                return direct(req);
            }
            let lang = req.lang;
            let (tx, rx) = mpsc::channel();
            let sent = jobs.send(Job::Remote(req, tx)).is_ok();
            let busy = || Output::fail(1, tr(lang, "cli.app_stopping").to_string());
            if !sent {
                return busy();
            }
            rx.recv_timeout(REMOTE_WAIT).unwrap_or_else(|_| busy())
        })
    }

    /// Lets the worker finish what was sent, flush and stop.
    pub fn stop(mut self) {
        if self.jobs.send(Job::Stop).is_ok() {
            if let Some(t) = self.thread.take() {
                if t.join().is_err() {
                    crate::log::warn("worker: ended by a panic");
                }
            }
        }
    }
}

fn work(
    mut rt: Runtime,
    jobs: mpsc::Receiver<Job>,
    remote: Option<RemoteHandler>,
    out: ReportSink,
) {
    loop {
        let job = match rt.flush_due {
            Some(due) => match jobs.recv_timeout(due.saturating_duration_since(Instant::now())) {
                Ok(j) => j,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(m) = rt.flush_if_due(Instant::now()) {
                        out(Report::Msg(m));
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            },
            None => match jobs.recv() {
                Ok(j) => j,
                Err(_) => break,
            },
        };
        match job {
            Job::Run(session, fx) => {
                let lang = session.lang;
                // A bug in one effect must not leave the screen waiting for
                // an answer that never comes: it is said, and work goes on
                // (the store's writes are transactions).
                let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    rt.handle(&session, *fx)
                }));
                match answered {
                    Ok(msgs) => msgs.into_iter().for_each(|m| out(Report::Msg(m))),
                    Err(_) => {
                        crate::log::warn("worker: an effect panicked");
                        out(Report::Msg(Msg::Failed(
                            tr(lang, "cli.worker_failed").to_string(),
                        )));
                    }
                }
                out(Report::Done);
            }
            Job::Remote(req, reply) => {
                let wake = changes_queue(&req);
                let answer = match &remote {
                    Some(h) => h(req),
                    None => Output::fail(1, tr(req.lang, "cli.app_stopping").to_string()),
                };
                // The asker may have given up waiting; nothing to tell then.
                drop(reply.send(answer));
                if wake {
                    rt.wake_relay_due();
                }
                out(Report::Msg(Msg::Remote));
            }
            Job::Stop => break,
        }
    }
    if let Some(h) = rt.relay.lock().ok().and_then(|r| r.clone()) {
        h.shutdown();
    }
    // Whatever happened, nothing typed is left unflushed.
    if let Err(e) = rt.store.flush() {
        crate::log::warn(&format!("store: flush at exit: {e}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::i18n::Lang;
    use crate::store::Store;

    fn runtime(dir: &std::path::Path) -> Runtime {
        let store = Store::open(&dir.join("store"), 8).expect("store");
        Runtime::new(
            store,
            dir.to_path_buf(),
            false,
            crate::config::Config::default(),
            Clock::system(),
            Arc::new(crate::catalog::Catalog::builtin().expect("catalog")),
        )
    }

    fn collect(rx: &mpsc::Receiver<Report>) -> Vec<Msg> {
        let mut msgs = Vec::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(10)).expect("report") {
                Report::Msg(m) => msgs.push(m),
                Report::Done => return msgs,
            }
        }
    }

    #[test]
    fn effects_are_answered_in_order_and_requests_refresh_the_screen() {
        let dir = tempfile::tempdir().expect("tmp");
        let (tx, rx) = mpsc::channel();
        let tx = std::sync::Mutex::new(tx);
        let sink: ReportSink = Arc::new(move |r| {
            if let Ok(t) = tx.lock() {
                drop(t.send(r));
            }
        });
        let remote: RemoteHandler = Arc::new(|r: Request| Output::ok(r.args.join(" ")));
        let worker =
            Worker::spawn(runtime(dir.path()), Some(remote.clone()), sink).expect("worker");
        let session = Session {
            lang: Lang::En,
            user: None,
            branch: None,
        };
        assert!(worker.run(session.clone(), Effect::LoadHome));
        let first = collect(&rx);
        assert!(
            matches!(first.as_slice(), [Msg::Today(_), Msg::Home(_)]),
            "the date first, then the answer: {first:?}"
        );
        assert!(worker.run(session, Effect::LoadHome));
        let second = collect(&rx);
        assert!(
            matches!(second.as_slice(), [Msg::Home(_)]),
            "the date only when it changes: {second:?}"
        );
        // A support request goes through the worker and the screen is read again.
        let handler = worker.control_handler(Arc::new(|_| Output::fail(9, "direct".into())));
        let out = handler(Request {
            args: vec!["queue".into(), "retry".into(), "x".into()],
            lang: Lang::En,
            pin: None,
        });
        assert_eq!(out.stdout, "queue retry x");
        match rx.recv_timeout(Duration::from_secs(10)).expect("report") {
            Report::Msg(Msg::Remote) => {}
            _ => panic!("no refresh after a support request"),
        }
        // `sync` waits on the relay: answered beside the worker.
        let out = handler(Request {
            args: vec!["sync".into()],
            lang: Lang::En,
            pin: None,
        });
        assert_eq!(out.code, 9);
        worker.stop();
    }
}
