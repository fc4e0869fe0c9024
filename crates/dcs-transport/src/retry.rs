//! When to try again, and how long to wait first.
//!
//! [`RetryPolicy`] holds the knobs (attempts, backoff base and cap, the cap on a server's
//! `Retry-After`); [`RetryBudget`] is a client-wide token bucket so a failing region is not
//! hammered: every retry spends tokens, every success earns one back, and when the bucket is
//! empty no more retries are made until successes refill it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How a client retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    budget_capacity: u32,
    retry_cost: u32,
    timeout_retry_cost: u32,
}

impl Default for RetryPolicy {
    /// 3 attempts, full-jitter exponential backoff from 100 ms capped at 20 s, `Retry-After`
    /// honoured up to 60 s, a budget of 500 tokens (a retry costs 5, a retry after a timeout
    /// 10, a success earns 1).
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            budget_capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (one attempt).
    pub fn disabled() -> Self {
        Self::default().max_attempts(1)
    }

    /// Total attempts, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first backoff step; step `n` is `base * 2^n`, capped, then fully jittered.
    pub fn base_backoff(mut self, d: Duration) -> Self {
        self.base_backoff = d;
        self
    }

    /// The largest backoff before jitter.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` the client will wait; a server asking for longer ends the
    /// retries and its answer is returned.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The size of the client-wide retry budget (tokens).
    pub fn budget_capacity(mut self, tokens: u32) -> Self {
        self.budget_capacity = tokens;
        self
    }

    /// Tokens a retry costs (after a timeout: twice that).
    pub fn retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self.timeout_retry_cost = tokens.saturating_mul(2);
        self
    }

    /// Total attempts.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The longest `Retry-After` honoured.
    pub fn get_max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The backoff before retry number `retry` (0 for the first retry), given a uniform
    /// random `unit` in `[0, 1)`: `unit * min(max_backoff, base * 2^retry)`.
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
        let ceiling = self
            .base_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff);
        // NaN or infinite input (a faulty jitter source) must not panic: treat it as zero.
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        ceiling.mul_f64(unit)
    }

    pub(crate) fn new_budget(&self) -> RetryBudget {
        RetryBudget::new(self.budget_capacity)
    }

    pub(crate) fn cost(&self, after_timeout: bool) -> u32 {
        if after_timeout {
            self.timeout_retry_cost
        } else {
            self.retry_cost
        }
    }
}

/// A client-wide token bucket limiting retries.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    tokens: Arc<AtomicU32>,
    capacity: u32,
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        Self {
            tokens: Arc::new(AtomicU32::new(capacity)),
            capacity,
        }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// Takes `cost` tokens if there are that many.
    pub fn try_spend(&self, cost: u32) -> bool {
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Gives back `n` tokens, up to the capacity.
    pub fn refund(&self, n: u32) {
        let cap = self.capacity;
        // The common case, a healthy client with a full bucket, must not write the shared
        // cache line on every success.
        if self.tokens.load(Ordering::Relaxed) >= cap {
            return;
        }
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(n).min(cap))
            });
    }
}

/// HTTP statuses worth another attempt: throttling and the transient server errors.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Whether an answer with this status may come after the service acted on the request: the
/// transient server errors (a backend's 500, or a gateway's 502, 503 or 504 when it gave up
/// waiting) can follow a change that was made. A 429 is refused before it reaches the
/// service.
pub fn status_may_follow_apply(status: u16) -> bool {
    is_retryable_status(status) && status != 429
}

/// Parses a `Retry-After` value: whole seconds, or an HTTP date (relative to `now`; a date in
/// the past means zero). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn backoff_grows_and_caps() {
        let p = RetryPolicy::default()
            .base_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        assert_eq!(p.backoff(0, 0.999_999).as_millis(), 99);
        assert_eq!(p.backoff(1, 0.5), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 0.5), Duration::from_millis(200));
        assert_eq!(p.backoff(10, 0.5), Duration::from_millis(500));
        assert_eq!(p.backoff(40, 1.0), Duration::from_secs(1));
        assert_eq!(p.backoff(3, 0.0), Duration::ZERO);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
            assert_eq!(p.backoff(1, bad), Duration::ZERO, "{bad}");
        }
        assert_eq!(p.backoff(1, 7.0), Duration::from_millis(200));
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:40:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn budget_spends_and_refills_to_capacity() {
        let b = RetryBudget::new(10);
        assert!(b.try_spend(5));
        assert!(b.try_spend(5));
        assert!(!b.try_spend(1));
        b.refund(3);
        assert_eq!(b.available(), 3);
        b.refund(100);
        assert_eq!(b.available(), 10);
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [200, 400, 401, 403, 404, 405, 409, 413, 501] {
            assert!(!is_retryable_status(s));
        }
    }

    proptest! {
        #[test]
        fn backoff_never_exceeds_cap(retry in 0u32..100, unit in 0.0f64..1.0, base_ms in 0u64..10_000, cap_ms in 0u64..100_000) {
            let p = RetryPolicy::default()
                .base_backoff(Duration::from_millis(base_ms))
                .max_backoff(Duration::from_millis(cap_ms));
            prop_assert!(p.backoff(retry, unit) <= Duration::from_millis(cap_ms));
        }
    }
}
