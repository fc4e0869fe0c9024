//! Our HTTP/1.1 connection pool for the client's one endpoint.
//!
//! Why not hyper-util's pool: it takes a connection back only once the connection is ready
//! for its next request, from a task it spawns for the purpose. A request that checks out in
//! the short window before that finds the pool empty and opens another connection, so at
//! concurrency 32 the bare hyper-util client holds 33 to 61 connections. Keeping them at 32
//! took a `yield_now` per request, which cost about 2 µs of CPU per request.
//!
//! This pool takes a connection back in the same task, as soon as its response body has been
//! read whole. By then hyper's connection task has normally finished with the message, so the
//! connection is ready for the next request at once; if it is not, a checkout waits for it
//! rather than open a new one. So a client never holds more connections than it has requests
//! in flight, with no task spawned and no yield per request.
//!
//! Connections are used newest first (the least likely to have been closed by the server),
//! and only by calls on the runtime whose task drives them: a client shared between runtimes
//! must not send on a connection of a runtime that is alive but not running, where the
//! request would wait for the whole attempt and end up reported as possibly sent.
//! Idle ones are dropped after the idle timeout by a timer task that runs only while the pool
//! holds idle connections, and beyond the idle cap the oldest is closed. Dropping a
//! connection's sender closes it (hyper ends the connection's task once no request can come
//! and no response is being read), so a dropped client leaves no socket behind.

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1;
use hyper_util::client::legacy::connect::HttpConnector;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

pub(crate) type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// The error a failed connect gives: DNS, TCP, TLS or the HTTP/1 handshake.
pub(crate) type ConnectError = Box<dyn std::error::Error + Send + Sync>;

/// Idle timeouts this long or longer mean "keep forever": no timer is armed.
const NEVER: Duration = Duration::from_secs(365 * 24 * 3600);

/// One HTTP/1.1 connection, exclusively ours while checked out.
pub(crate) struct Conn {
    pub(crate) tx: http1::SendRequest<Full<Bytes>>,
    /// Whether it carried a request before this checkout (a request it refuses unsent may
    /// then be sent on another connection: the server may simply have closed an idle one).
    pub(crate) reused: bool,
    /// The error the connection's task ended with, if it ends with one: the cause behind a
    /// request refused with a bare "connection closed".
    failure: tokio::sync::oneshot::Receiver<hyper::Error>,
    /// The runtime that runs the connection's task.
    runtime: tokio::runtime::Id,
}

impl Conn {
    /// Why the connection's task ended, if it ended with an error within `wait`.
    pub(crate) async fn failure(&mut self, wait: Duration) -> Option<hyper::Error> {
        tokio::time::timeout(wait, &mut self.failure)
            .await
            .ok()?
            .ok()
    }
}

/// How long a checkout waits for an idle connection that is not ready yet. It normally is
/// within microseconds; one that is not by then is stuck (its task is not being run, or the
/// server stopped reading our request) and is dropped.
const READY_WAIT: Duration = Duration::from_millis(100);

struct IdleConn {
    conn: Conn,
    since: Instant,
}

#[derive(Default)]
struct IdleList {
    /// Oldest first: check-in pushes at the end.
    conns: Vec<IdleConn>,
    reaper_running: bool,
}

impl IdleList {
    /// Drops the connections that are closed or idle for `timeout` by `now`.
    fn drop_dead(&mut self, now: Instant, timeout: Duration) {
        self.conns
            .retain(|c| !c.conn.tx.is_closed() && now.duration_since(c.since) < timeout);
    }
}

struct Shared {
    idle: Mutex<IdleList>,
    max_idle: usize,
    idle_timeout: Duration,
    connector: Connector,
    /// `scheme://authority/`: what the connector resolves and dials.
    dst: http::Uri,
}

impl Shared {
    /// The idle list. Nothing panics while holding it, but a poisoned lock would still hold a
    /// consistent list, so poisoning is ignored.
    fn idle(&self) -> std::sync::MutexGuard<'_, IdleList> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The pool. Cheap to share: the client holds one, and a response stream a clone.
#[derive(Clone)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

impl Pool {
    pub(crate) fn new(
        connector: Connector,
        dst: http::Uri,
        max_idle: usize,
        idle_timeout: Duration,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                idle: Mutex::new(IdleList::default()),
                max_idle,
                idle_timeout,
                connector,
                dst,
            }),
        }
    }

    /// An idle connection ready for a request, or else a new one. Whatever fails here, no
    /// request has been written anywhere.
    pub(crate) async fn checkout(&self) -> Result<Conn, ConnectError> {
        let here = tokio::runtime::Handle::current().id();
        while let Some(mut conn) = self.take_idle(here) {
            if conn.tx.is_ready() {
                return Ok(conn);
            }
            // It finished its last response a moment ago and its task has not caught up yet:
            // waiting for it is far cheaper than a new connection. An error means the
            // connection closed instead, and no answer in time that it is stuck: drop it and
            // look again.
            if let Ok(Ok(())) = tokio::time::timeout(READY_WAIT, conn.tx.ready()).await {
                return Ok(conn);
            }
        }
        self.connect().await
    }

    /// Takes back a connection whose response was read to the end (and did not ask for
    /// the connection to be closed).
    pub(crate) fn checkin(&self, mut conn: Conn) {
        let shared = &self.shared;
        if conn.tx.is_closed() || shared.max_idle == 0 || shared.idle_timeout.is_zero() {
            return;
        }
        conn.reused = true;
        let runtime = tokio::runtime::Handle::try_current().ok();
        let (evicted, start_reaper) = {
            let mut idle = shared.idle();
            let evicted = (idle.conns.len() >= shared.max_idle).then(|| idle.conns.remove(0));
            idle.conns.push(IdleConn {
                conn,
                since: Instant::now(),
            });
            let start = !idle.reaper_running && shared.idle_timeout < NEVER && runtime.is_some();
            if start {
                idle.reaper_running = true;
            }
            (evicted, start)
        };
        drop(evicted);
        // Spawned with the lock released: a runtime that is shutting down drops the task on
        // the spot, and its flag's drop takes the lock.
        if let (true, Some(rt)) = (start_reaper, runtime) {
            rt.spawn(reap(ReaperFlag {
                pool: Arc::downgrade(shared),
                armed: true,
            }));
        }
    }

    /// The newest live idle connection of runtime `here`, preferring one already ready; drops
    /// closed and expired ones on the way.
    fn take_idle(&self, here: tokio::runtime::Id) -> Option<Conn> {
        let shared = &self.shared;
        let mut idle = shared.idle();
        if idle.conns.is_empty() {
            return None;
        }
        idle.drop_dead(Instant::now(), shared.idle_timeout);
        let ours = |c: &IdleConn| c.conn.runtime == here;
        let at = idle
            .conns
            .iter()
            .rposition(|c| ours(c) && c.conn.tx.is_ready())
            .or_else(|| idle.conns.iter().rposition(ours))?;
        Some(idle.conns.remove(at).conn)
    }

    async fn connect(&self) -> Result<Conn, ConnectError> {
        let shared = &self.shared;
        let mut connector = shared.connector.clone();
        std::future::poll_fn(|cx| tower_service::Service::poll_ready(&mut connector, cx)).await?;
        let io = tower_service::Service::call(&mut connector, shared.dst.clone()).await?;
        let (tx, connection) = http1::Builder::new().handshake(io).await?;
        let (report, failure) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Handle::current();
        runtime.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed with an error");
                let _ = report.send(e);
            }
        });
        Ok(Conn {
            tx,
            reused: false,
            failure,
            runtime: runtime.id(),
        })
    }
}

/// Closes idle connections as they pass the idle timeout; ends when none are left (the next
/// check-in starts another) or when the pool is gone.
///
/// The flag comes in as an argument, not a local: a runtime that shuts down drops its tasks,
/// even ones never polled, and an argument is dropped with the task where a local of a body
/// that never ran would not exist. Either way the next check-in is then free to start another.
async fn reap(mut flag: ReaperFlag) {
    let pool = flag.pool.clone();
    loop {
        let wait = {
            let Some(shared) = pool.upgrade() else { return };
            let mut idle = shared.idle();
            let now = Instant::now();
            let timeout = shared.idle_timeout;
            idle.drop_dead(now, timeout);
            match idle.conns.first() {
                None => {
                    // Cleared under the same lock a check-in takes to look at it.
                    idle.reaper_running = false;
                    flag.armed = false;
                    return;
                }
                // The oldest expires first; the millisecond keeps a just-due entry from
                // spinning this loop.
                Some(oldest) => (oldest.since + timeout)
                    .saturating_duration_since(now)
                    .max(Duration::from_millis(1)),
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// Clears `reaper_running` when the reaper is dropped before it could do so itself.
struct ReaperFlag {
    pool: Weak<Shared>,
    armed: bool,
}

impl Drop for ReaperFlag {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if let Some(shared) = self.pool.upgrade() {
            shared.idle().reaper_running = false;
        }
    }
}
