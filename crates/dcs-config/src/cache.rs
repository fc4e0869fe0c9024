//! A cache in front of a provider of expiring credentials: it refreshes them before they
//! expire, one refresh at a time, and keeps still-valid credentials when a refresh fails.
//!
//! When: with less than `min(40 min, lifetime / 2)` left. 40 minutes is the official SDKs'
//! threshold; the half-lifetime cap keeps short-lived credentials (IAM allows 15 minutes)
//! from being re-fetched before every request, as the official SDKs do.
//!
//! How: callers that find fresh credentials return at once. Callers that need a refresh queue
//! on one async lock; the first fetches, the others then see its result (new credentials,
//! or its error) instead of fetching again. New credentials replace the old as one value, so
//! no caller ever sees the AK of one set with the SK of another. If a refresh fails while the
//! held credentials are still valid, they are kept and the refresh is tried again only after
//! a pause ([`CachingProvider::with_retry_after_failure`]).

use crate::fetch::{ExpiringCredentials, FetchCredentials};
use dcs_transport::{Clock, Credentials, CredentialsFuture, ProvideCredentials, ProviderError};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// The official SDKs' refresh threshold: 40 minutes before expiry.
pub const DEFAULT_REFRESH_THRESHOLD: Duration = Duration::from_secs(40 * 60);

/// How long to wait before trying again after a failed refresh, while the held credentials
/// are still valid.
pub const DEFAULT_RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct Cached {
    credentials: Credentials,
    expires_at: Option<SystemTime>,
    fetched_at: SystemTime,
}

#[derive(Debug, Default)]
struct RefreshState {
    /// When the last refresh failed, and how; cleared by a success.
    last_failure: Option<(SystemTime, ProviderError)>,
}

/// Caches what an inner [`FetchCredentials`] gives and refreshes it before expiry (see the
/// module documentation).
pub struct CachingProvider<F> {
    inner: F,
    clock: Arc<dyn Clock>,
    threshold: Duration,
    retry_after_failure: Duration,
    current: RwLock<Option<Arc<Cached>>>,
    /// Bumped after every fetch attempt, so a caller that waited on the lock knows whether
    /// someone fetched meanwhile.
    attempts: AtomicU64,
    refresh: tokio::sync::Mutex<RefreshState>,
}

impl<F: FetchCredentials> CachingProvider<F> {
    /// Wraps `inner`, reading time from `clock`.
    pub fn new(inner: F, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner,
            clock,
            threshold: DEFAULT_REFRESH_THRESHOLD,
            retry_after_failure: DEFAULT_RETRY_AFTER_FAILURE,
            current: RwLock::new(None),
            attempts: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
        }
    }

    /// The most time before expiry at which a refresh starts (default 40 min; half the
    /// lifetime is used when that is less).
    pub fn with_refresh_threshold(mut self, threshold: Duration) -> Self {
        self.threshold = threshold;
        self
    }

    /// The pause after a failed refresh while the held credentials still work (default 10 s).
    pub fn with_retry_after_failure(mut self, pause: Duration) -> Self {
        self.retry_after_failure = pause;
        self
    }

    /// The inner provider.
    pub fn inner(&self) -> &F {
        &self.inner
    }

    fn held(&self) -> Option<Arc<Cached>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn needs_refresh(&self, c: &Cached, now: SystemTime) -> bool {
        let Some(expires_at) = c.expires_at else {
            return false;
        };
        let lifetime = expires_at
            .duration_since(c.fetched_at)
            .unwrap_or(Duration::ZERO);
        let threshold = self.threshold.min(lifetime / 2);
        let left = expires_at.duration_since(now).unwrap_or(Duration::ZERO);
        left <= threshold
    }

    async fn get(&self) -> Result<Credentials, ProviderError> {
        let now = self.clock.now();
        if let Some(c) = self.held() {
            if !self.needs_refresh(&c, now) {
                return Ok(c.credentials.clone());
            }
        }
        let seen_attempts = self.attempts.load(Ordering::Acquire);
        let mut state = self.refresh.lock().await;
        let now = self.clock.now();
        let held = self.held();
        if let Some(c) = &held {
            if !self.needs_refresh(c, now) {
                return Ok(c.credentials.clone());
            }
        }
        let still_valid = held
            .as_ref()
            .filter(|c| c.expires_at.is_none_or(|e| now < e))
            .cloned();
        if let Some((failed_at, err)) = &state.last_failure {
            let pause_over = now
                .duration_since(*failed_at)
                .is_ok_and(|d| d >= self.retry_after_failure);
            if let Some(c) = &still_valid {
                if !pause_over {
                    return Ok(c.credentials.clone());
                }
            } else if self.attempts.load(Ordering::Acquire) != seen_attempts {
                // We queued behind an attempt that failed: its answer is ours.
                return Err(err.clone());
            }
        }
        let fetched = self.inner.fetch().await;
        self.attempts.fetch_add(1, Ordering::AcqRel);
        match fetched {
            Ok(ExpiringCredentials {
                credentials,
                expires_at,
            }) => {
                let fresh = Arc::new(Cached {
                    credentials: credentials.clone(),
                    expires_at,
                    fetched_at: self.clock.now(),
                });
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(fresh);
                state.last_failure = None;
                Ok(credentials)
            }
            Err(e) => {
                let now = self.clock.now();
                state.last_failure = Some((now, e.clone()));
                match still_valid.filter(|c| c.expires_at.is_none_or(|x| now < x)) {
                    Some(c) => {
                        tracing::warn!(
                            provider = self.inner.name(),
                            error = %e,
                            "credential refresh failed; keeping the current credentials until they expire"
                        );
                        Ok(c.credentials.clone())
                    }
                    None => Err(e),
                }
            }
        }
    }
}

impl<F: FetchCredentials> ProvideCredentials for CachingProvider<F> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.get())
    }
}

impl<F: fmt::Debug> fmt::Debug for CachingProvider<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|c| (c.credentials.access_key_id().to_string(), c.expires_at));
        f.debug_struct("CachingProvider")
            .field("inner", &self.inner)
            .field("threshold", &self.threshold)
            .field("held_access_key_and_expiry", &held)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, feature = "test-util"))]
mod tests {
    use super::*;
    use crate::fetch::FetchFuture;
    use dcs_transport::ManualTime;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    /// Hands out `AK{n}` with the given lifetime, or fails when told to.
    #[derive(Debug)]
    struct Counting {
        clock: ManualTime,
        lifetime: Duration,
        calls: AtomicUsize,
        fail: Mutex<bool>,
    }

    impl FetchCredentials for Arc<Counting> {
        fn name(&self) -> &'static str {
            "counting"
        }
        fn fetch(&self) -> FetchFuture<'_> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                if *self.fail.lock().unwrap() {
                    return Err(ProviderError::broken("counting", "down"));
                }
                Ok(ExpiringCredentials {
                    credentials: Credentials::new(format!("AK{n}"), "SK").with_security_token("t"),
                    expires_at: Some(self.clock.now() + self.lifetime),
                })
            })
        }
    }

    fn setup(lifetime: Duration) -> (ManualTime, Arc<Counting>, CachingProvider<Arc<Counting>>) {
        let clock = ManualTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let inner = Arc::new(Counting {
            clock: clock.clone(),
            lifetime,
            calls: AtomicUsize::new(0),
            fail: Mutex::new(false),
        });
        let p = CachingProvider::new(inner.clone(), Arc::new(clock.clone()));
        (clock, inner, p)
    }

    async fn ak(p: &CachingProvider<Arc<Counting>>) -> String {
        p.provide_credentials()
            .await
            .unwrap()
            .access_key_id()
            .to_string()
    }

    #[tokio::test]
    async fn refreshes_at_forty_minutes_for_long_lived_credentials() {
        let (clock, inner, p) = setup(Duration::from_secs(6 * 3600));
        assert_eq!(ak(&p).await, "AK1");
        clock.advance(Duration::from_secs(6 * 3600 - 41 * 60));
        assert_eq!(ak(&p).await, "AK1", "41 min left: no refresh yet");
        clock.advance(Duration::from_secs(2 * 60));
        assert_eq!(ak(&p).await, "AK2", "39 min left: refreshed");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn short_lived_credentials_refresh_at_half_life_not_every_call() {
        let (clock, inner, p) = setup(Duration::from_secs(15 * 60));
        assert_eq!(ak(&p).await, "AK1");
        clock.advance(Duration::from_secs(7 * 60));
        assert_eq!(ak(&p).await, "AK1");
        assert_eq!(ak(&p).await, "AK1");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
        clock.advance(Duration::from_secs(60));
        assert_eq!(ak(&p).await, "AK2");
    }

    #[tokio::test]
    async fn failed_refresh_keeps_valid_credentials_then_fails_after_expiry() {
        let (clock, inner, p) = setup(Duration::from_secs(3600));
        assert_eq!(ak(&p).await, "AK1");
        *inner.fail.lock().unwrap() = true;
        clock.advance(Duration::from_secs(45 * 60));
        assert_eq!(ak(&p).await, "AK1", "refresh failed, old still valid");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
        assert_eq!(ak(&p).await, "AK1", "within the pause: no new attempt");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
        clock.advance(DEFAULT_RETRY_AFTER_FAILURE);
        assert_eq!(ak(&p).await, "AK1");
        assert_eq!(
            inner.calls.load(Ordering::SeqCst),
            3,
            "tried again after the pause"
        );
        clock.advance(Duration::from_secs(15 * 60));
        let e = p.provide_credentials().await.unwrap_err();
        assert!(e.to_string().contains("down"), "{e}");
        *inner.fail.lock().unwrap() = false;
        assert_eq!(ak(&p).await, "AK5");
    }

    #[tokio::test]
    async fn first_fetch_failure_is_not_cached() {
        let (_clock, inner, p) = setup(Duration::from_secs(3600));
        *inner.fail.lock().unwrap() = true;
        assert!(p.provide_credentials().await.is_err());
        *inner.fail.lock().unwrap() = false;
        assert_eq!(ak(&p).await, "AK2");
    }

    #[test]
    fn debug_has_no_secret() {
        let (_c, _i, p) = setup(Duration::from_secs(60));
        let s = format!("{p:?}");
        assert!(s.contains("CachingProvider"));
    }
}
