//! Our HTTP/1.1 connection pool for one endpoint (a client holds one per endpoint).
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
//!
//! Open connections are capped: each holds a slot from the moment its connect starts until
//! its task ends (the socket is closed then), and a checkout that finds neither an idle
//! connection nor a free slot waits, within the caller's connect timeout, for one of them.
//! A connection older than the maximum lifetime is not used again, so a busy client still
//! re-resolves DNS now and then.
//!
//! Ages and idle times are readings of the client's injected clock, like every other time in
//! the client.

use crate::time::{Clock, KeptReading};
use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// A reading of the client's monotonic clock ([`Clock::monotonic`]).
type Reading = Duration;

pub(crate) type Connector = hyper_rustls::HttpsConnector<crate::proxy::Dialer>;

/// The error a failed connect gives: DNS, TCP, TLS or the HTTP/1 handshake.
pub(crate) type ConnectError = Box<dyn std::error::Error + Send + Sync>;

/// Idle timeouts this long or longer mean "keep forever": no timer is armed.
const NEVER: Duration = Duration::from_secs(365 * 24 * 3600);

/// One HTTP/1.1 connection, exclusively ours while checked out.
pub(crate) struct Conn {
    pub(crate) tx: http1::SendRequest<Full<Bytes>>,
    /// When its connect finished.
    born: Reading,
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
    since: Reading,
}

#[derive(Default)]
struct IdleList {
    /// Oldest first: check-in pushes at the end.
    conns: Vec<IdleConn>,
    reaper_running: bool,
    /// Connections open or being opened (slots taken).
    open: usize,
}

/// How long connections may be idle, and live.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetimes {
    pub(crate) idle: Duration,
    pub(crate) max: Duration,
}

impl Lifetimes {
    /// When `c` may no longer be used.
    fn expiry(&self, c: &IdleConn) -> Reading {
        let idle_until = c.since.checked_add(self.idle.min(NEVER));
        let life_until = c.conn.born.checked_add(self.max.min(NEVER));
        match (idle_until, life_until) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(c.since),
        }
    }
}

impl IdleList {
    /// Drops the connections that are closed, idle too long or too old by `now`.
    fn drop_dead(&mut self, now: Reading, limits: Lifetimes) {
        self.conns
            .retain(|c| !c.conn.tx.is_closed() && now < limits.expiry(c));
    }
}

/// A taken place under the connection cap. It moves into the connection's task and is given
/// back when that task ends, or here if the connect fails.
struct Slot {
    pool: Weak<Shared>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(shared) = self.pool.upgrade() {
            shared.idle().open -= 1;
            shared.wake.notify_one();
        }
    }
}

/// Why a checkout has not got a connection yet (read by the caller when its timer fires).
pub(crate) mod phase {
    /// Looking at idle connections or connecting.
    pub(crate) const CONNECTING: u8 = 0;
    /// Every slot is taken: waiting for a connection to come back or close.
    pub(crate) const POOL_FULL: u8 = 1;
}

/// What a checkout found under the lock.
enum Found {
    Idle(Conn),
    Slot(Slot),
    /// An idle connection of another runtime, taken out to free its slot.
    Evicted(Conn),
    Full,
}

struct Shared {
    idle: Mutex<IdleList>,
    max_idle: usize,
    max_open: usize,
    lifetimes: Lifetimes,
    /// Told when a connection comes back idle or a slot is freed.
    wake: tokio::sync::Notify,
    connector: Connector,
    /// `scheme://authority/`: what the connector resolves and dials.
    dst: http::Uri,
    clock: Arc<dyn Clock>,
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
        max_open: usize,
        lifetimes: Lifetimes,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                idle: Mutex::new(IdleList::default()),
                max_idle,
                max_open: max_open.max(1),
                lifetimes,
                wake: tokio::sync::Notify::new(),
                connector,
                dst,
                clock,
            }),
        }
    }

    /// An idle connection ready for a request, or else a new one, waiting for one of them
    /// while the pool is full (`phase` says so meanwhile). Whatever fails here, no request
    /// has been written anywhere.
    ///
    /// `now` is a reading of the client's clock taken just before (the first look judges
    /// idle connections by it; a look after waiting reads the clock again).
    pub(crate) async fn checkout(
        &self,
        phase: &AtomicU8,
        now: Duration,
    ) -> Result<Conn, ConnectError> {
        let here = tokio::runtime::Handle::try_current()
            .map_err(|e| -> ConnectError { Box::new(e) })?
            .id();
        let mut reading = KeptReading::taken(now);
        loop {
            // Registered before looking, so a wake-up between the look and the wait is kept.
            let mut woken = std::pin::pin!(self.shared.wake.notified());
            woken.as_mut().enable();
            match self.find(here, reading.now(&*self.shared.clock)) {
                Found::Idle(mut conn) => {
                    if conn.tx.is_ready() {
                        return Ok(conn);
                    }
                    // It finished its last response a moment ago and its task has not caught
                    // up yet: waiting for it is far cheaper than a new connection. An error
                    // means the connection closed instead, and no answer in time that it is
                    // stuck: drop it and look again.
                    if let Ok(Ok(())) = tokio::time::timeout(READY_WAIT, conn.tx.ready()).await {
                        return Ok(conn);
                    }
                }
                // Boxed: a connect (TCP, TLS, handshake) is rare next to the checkouts that
                // find an idle connection, and inline it made every call's future 1.4 kB
                // larger.
                Found::Slot(slot) => return Box::pin(self.connect(slot)).await,
                // Its task ends once the sender is gone, which frees the slot and wakes us.
                Found::Evicted(conn) => drop(conn),
                Found::Full => {
                    phase.store(phase::POOL_FULL, Ordering::Relaxed);
                    woken.await;
                    phase.store(phase::CONNECTING, Ordering::Relaxed);
                }
            }
        }
    }

    /// Under the lock: the newest live idle connection of runtime `here`, else a free slot,
    /// else an idle connection of another runtime to close.
    fn find(&self, here: tokio::runtime::Id, now: Duration) -> Found {
        let shared = &self.shared;
        let mut idle = shared.idle();
        if !idle.conns.is_empty() {
            idle.drop_dead(now, shared.lifetimes);
            let ours = |c: &IdleConn| c.conn.runtime == here;
            let at = idle
                .conns
                .iter()
                .rposition(|c| ours(c) && c.conn.tx.is_ready())
                .or_else(|| idle.conns.iter().rposition(ours));
            if let Some(at) = at {
                return Found::Idle(idle.conns.remove(at).conn);
            }
        }
        if idle.open < shared.max_open {
            idle.open += 1;
            return Found::Slot(Slot {
                pool: Arc::downgrade(shared),
            });
        }
        if idle.conns.is_empty() {
            Found::Full
        } else {
            Found::Evicted(idle.conns.remove(0).conn)
        }
    }

    /// Takes back a connection whose response was read to the end (and did not ask for
    /// the connection to be closed).
    pub(crate) fn checkin(&self, mut conn: Conn) {
        let shared = &self.shared;
        let now = shared.clock.monotonic();
        if conn.tx.is_closed()
            || shared.max_idle == 0
            || shared.lifetimes.idle.is_zero()
            || now.saturating_sub(conn.born) >= shared.lifetimes.max
        {
            return;
        }
        conn.reused = true;
        let runtime = tokio::runtime::Handle::try_current().ok();
        let (evicted, start_reaper) = {
            let mut idle = shared.idle();
            let evicted = (idle.conns.len() >= shared.max_idle).then(|| idle.conns.remove(0));
            idle.conns.push(IdleConn { conn, since: now });
            let start = !idle.reaper_running
                && shared.lifetimes.idle.min(shared.lifetimes.max) < NEVER
                && runtime.is_some();
            if start {
                idle.reaper_running = true;
            }
            (evicted, start)
        };
        drop(evicted);
        shared.wake.notify_one();
        // Spawned with the lock released: a runtime that is shutting down drops the task on
        // the spot, and its flag's drop takes the lock.
        if let (true, Some(rt)) = (start_reaper, runtime) {
            rt.spawn(reap(ReaperFlag {
                pool: Arc::downgrade(shared),
                armed: true,
            }));
        }
    }

    async fn connect(&self, slot: Slot) -> Result<Conn, ConnectError> {
        let shared = &self.shared;
        let mut connector = shared.connector.clone();
        std::future::poll_fn(|cx| tower_service::Service::poll_ready(&mut connector, cx)).await?;
        let io = tower_service::Service::call(&mut connector, shared.dst.clone()).await?;
        let (tx, connection) = http1::Builder::new().handshake(io).await?;
        let (report, failure) = tokio::sync::oneshot::channel();
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|e| -> ConnectError { Box::new(e) })?;
        runtime.spawn(async move {
            // The slot is held as long as the socket is open.
            let _slot = slot;
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed with an error");
                let _ = report.send(e);
            }
        });
        Ok(Conn {
            tx,
            born: shared.clock.monotonic(),
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
            let now = shared.clock.monotonic();
            let limits = shared.lifetimes;
            idle.drop_dead(now, limits);
            match idle.conns.iter().map(|c| limits.expiry(c)).min() {
                None => {
                    // Cleared under the same lock a check-in takes to look at it.
                    idle.reaper_running = false;
                    flag.armed = false;
                    return;
                }
                // The millisecond keeps a just-due entry from spinning this loop.
                Some(first) => first.saturating_sub(now).max(Duration::from_millis(1)),
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
