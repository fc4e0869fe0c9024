//! Injected time: a clock for signing dates and deadlines, and a sleeper for backoff.
//!
//! Production uses [`SystemClock`] and [`TokioSleeper`]. Tests use [`ManualTime`], whose
//! sleeps return at once and move its clock forward, so backoff schedules run exactly and
//! without waiting.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A source of the current time.
pub trait Clock: Send + Sync + Debug {
    /// Now.
    fn now(&self) -> SystemTime;
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

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
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
/// sleep. For tests.
#[derive(Debug, Clone)]
pub struct ManualTime {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    now: SystemTime,
    sleeps: Vec<Duration>,
}

impl ManualTime {
    /// Starts at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            inner: Arc::new(Mutex::new(ManualState {
                now: start,
                sleeps: Vec::new(),
            })),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, d: Duration) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        s.now += d;
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

impl Clock for ManualTime {
    fn now(&self) -> SystemTime {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).now
    }
}

impl Sleeper for ManualTime {
    fn sleep(&self, d: Duration) -> SleepFuture {
        {
            let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            s.now += d;
            s.sleeps.push(d);
        }
        Box::pin(std::future::ready(()))
    }
}
