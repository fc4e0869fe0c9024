//! Injected time: a clock for signing dates and deadlines, and a sleeper for backoff.
//!
//! Production uses [`SystemClock`] and [`TokioSleeper`]: the only place in the library
//! crates that reads the system clock (a clippy rule keeps `Instant::now` and
//! `SystemTime::now` out of everything else). Tests use `ManualTime` (feature `test-util`),
//! whose sleeps return at once and move its clock forward, so backoff schedules run exactly
//! and without waiting.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;

use std::time::{Duration, SystemTime};

/// A source of time: the wall clock for signing dates, and a monotonic reading for
/// deadlines (so a wall-clock step cannot stretch or cut a timeout).
pub trait Clock: Send + Sync + Debug {
    /// The wall-clock time now (signing dates).
    fn now(&self) -> SystemTime;
    /// Time elapsed since an arbitrary fixed origin, never going backwards (deadlines).
    fn monotonic(&self) -> Duration;
}

/// A boxed sleep future.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Something that can wait.
pub trait Sleeper: Send + Sync + Debug {
    /// Waits for `d`.
    fn sleep(&self, d: Duration) -> SleepFuture;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

// The one place the system clock is read.
#[allow(clippy::disallowed_methods)]
impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
    fn monotonic(&self) -> Duration {
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        ORIGIN.get_or_init(std::time::Instant::now).elapsed()
    }
}

/// A monotonic reading taken a moment ago, used once in place of reading the clock again
/// (each reading costs); after that, or when there is none, [`now`](Self::now) reads the clock.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeptReading(Option<Duration>);

impl KeptReading {
    /// `at`, for the next [`now`](Self::now) only.
    pub(crate) fn taken(at: Duration) -> Self {
        Self(Some(at))
    }
    /// The reading kept, the first time; the clock, after.
    pub(crate) fn now(&mut self, clock: &dyn Clock) -> Duration {
        self.0.take().unwrap_or_else(|| clock.monotonic())
    }
}

/// The timer deadline `left` from now: where a time left by the injected clock becomes a
/// deadline of tokio's timer (timers run on tokio's clock, whatever clock decides how long
/// they are). Fixed once per wait, so a wait re-armed in a loop (a body read chunk by chunk)
/// still ends when its time is up. Clamped to a year ("never").
pub(crate) fn timer_after(left: Duration) -> tokio::time::Instant {
    #[allow(clippy::disallowed_methods)]
    let now = tokio::time::Instant::now();
    now + left.min(Duration::from_secs(365 * 24 * 3600))
}

/// Sleeps on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, d: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(d))
    }
}

/// A clock that only moves when told to or when something sleeps on it; it records every
/// sleep. For tests (feature `test-util`).
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[derive(Debug, Clone)]
pub struct ManualTime {
    inner: std::sync::Arc<std::sync::Mutex<ManualState>>,
}

#[cfg(feature = "test-util")]
#[derive(Debug)]
struct ManualState {
    now: SystemTime,
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

#[cfg(feature = "test-util")]
impl ManualTime {
    /// Starts at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            inner: std::sync::Arc::new(std::sync::Mutex::new(ManualState {
                now: start,
                elapsed: Duration::ZERO,
                sleeps: Vec::new(),
            })),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, d: Duration) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        s.now += d;
        s.elapsed += d;
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sleeps
            .clone()
    }
}

#[cfg(feature = "test-util")]
impl Clock for ManualTime {
    fn now(&self) -> SystemTime {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).now
    }
    fn monotonic(&self) -> Duration {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).elapsed
    }
}

#[cfg(feature = "test-util")]
impl Sleeper for ManualTime {
    fn sleep(&self, d: Duration) -> SleepFuture {
        {
            let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            s.now += d;
            s.elapsed += d;
            s.sleeps.push(d);
        }
        Box::pin(std::future::ready(()))
    }
}
