//! The retry policy's knobs, each shown to take effect: attempts, the backoff base and cap,
//! the longest `Retry-After` honoured, and the client-wide budget (its size and what a retry
//! costs, twice that after a timeout). Also which statuses are retried and which may follow
//! a change the service made.

use dcs_transport::retry::{
    is_retryable_status, parse_retry_after, status_may_follow_apply, RetryBudget, RetryPolicy,
};
use dcs_transport::{ClientConfig, Credentials, Endpoint, HttpClient};
use std::time::{Duration, SystemTime};

#[test]
fn attempts_are_at_least_one() {
    assert_eq!(RetryPolicy::default().get_max_attempts(), 3);
    assert_eq!(RetryPolicy::disabled().get_max_attempts(), 1);
    assert_eq!(RetryPolicy::default().max_attempts(0).get_max_attempts(), 1);
    assert_eq!(RetryPolicy::default().max_attempts(7).get_max_attempts(), 7);
}

#[test]
fn the_backoff_base_and_cap_are_the_ones_set() {
    let p = RetryPolicy::default()
        .base_backoff(Duration::from_millis(250))
        .max_backoff(Duration::from_secs(3));
    assert_eq!(p.backoff(0, 1.0), Duration::from_millis(250));
    assert_eq!(p.backoff(2, 1.0), Duration::from_secs(1));
    assert_eq!(p.backoff(3, 1.0), Duration::from_secs(2));
    assert_eq!(p.backoff(4, 1.0), Duration::from_secs(3));
    assert_eq!(p.backoff(4, 0.5), Duration::from_millis(1500));
    // The defaults: 100 ms doubling, capped at 20 s.
    let d = RetryPolicy::default();
    assert_eq!(d.backoff(0, 1.0), Duration::from_millis(100));
    assert_eq!(d.backoff(20, 1.0), Duration::from_secs(20));
}

#[test]
fn the_longest_retry_after_honoured_is_the_one_set() {
    assert_eq!(
        RetryPolicy::default().get_max_retry_after(),
        Duration::from_secs(60)
    );
    assert_eq!(
        RetryPolicy::default()
            .max_retry_after(Duration::from_secs(5))
            .get_max_retry_after(),
        Duration::from_secs(5)
    );
}

fn client(policy: RetryPolicy) -> HttpClient {
    HttpClient::builder(
        Endpoint::parse("http://127.0.0.1:9").unwrap(),
        Credentials::new("HWTESTAKRETRY0000001", "retry-secret"),
    )
    .config(ClientConfig::default().retry(policy))
    .build()
    .unwrap()
}

#[test]
fn the_budget_has_the_size_set_and_a_retry_costs_what_was_set() {
    let c = client(RetryPolicy::default().budget_capacity(12).retry_cost(4));
    assert_eq!(c.retry_budget_available(), 12);
    assert!(c.try_spend_retry(false));
    assert_eq!(c.retry_budget_available(), 8, "a retry costs 4");
    assert!(c.try_spend_retry(true));
    assert_eq!(c.retry_budget_available(), 0, "after a timeout, 8");
    assert!(!c.try_spend_retry(false));
    // The defaults: 500 tokens, 5 a retry, 10 after a timeout.
    let c = client(RetryPolicy::default());
    assert_eq!(c.retry_budget_available(), 500);
    assert!(c.try_spend_retry(false));
    assert_eq!(c.retry_budget_available(), 495);
    assert!(c.try_spend_retry(true));
    assert_eq!(c.retry_budget_available(), 485);
}

#[test]
fn a_budget_spends_exactly_and_refills_to_its_capacity_only() {
    let b = RetryBudget::new(10);
    assert_eq!(b.available(), 10);
    assert!(!b.try_spend(11));
    assert_eq!(b.available(), 10);
    assert!(b.try_spend(10));
    assert_eq!(b.available(), 0);
    b.refund(1);
    assert_eq!(b.available(), 1);
    b.refund(50);
    assert_eq!(b.available(), 10);
    b.refund(1);
    assert_eq!(b.available(), 10);
    // Clones share one bucket.
    let c = b.clone();
    assert!(c.try_spend(4));
    assert_eq!(b.available(), 6);
}

#[test]
fn which_statuses_are_retried_and_which_may_follow_a_change() {
    for s in [429, 500, 502, 503, 504] {
        assert!(is_retryable_status(s), "{s}");
    }
    for s in [200, 204, 400, 401, 403, 404, 409, 501, 505] {
        assert!(!is_retryable_status(s), "{s}");
        assert!(!status_may_follow_apply(s), "{s}");
    }
    for s in [500, 502, 503, 504] {
        assert!(status_may_follow_apply(s), "{s}");
    }
    // A 429 is refused before it reaches the service.
    assert!(!status_may_follow_apply(429));
}

#[test]
fn retry_after_is_seconds_or_a_date() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
    assert_eq!(
        parse_retry_after("120", now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(parse_retry_after("", now), None);
    assert_eq!(parse_retry_after("  ", now), None);
    assert_eq!(parse_retry_after("1.5", now), None);
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
        Some(Duration::from_secs(10))
    );
}

/// A loopback server answering every request with `answer`; counts requests.
async fn serve(answer: &'static str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = s.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, count)
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_returns_the_answer_and_one_within_is_waited() {
    const SLOW_DOWN: &str =
        "HTTP/1.1 429 Too Many\r\nretry-after: 10\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    const SHORT: &str =
        "HTTP/1.1 429 Too Many\r\nretry-after: 3\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    for (answer, max, requests, sleeps) in [
        (SLOW_DOWN, 5, 1, vec![]),
        (SLOW_DOWN, 60, 2, vec![Duration::from_secs(10)]),
        (SHORT, 5, 2, vec![Duration::from_secs(3)]),
    ] {
        let (url, count) = serve(answer).await;
        let time = dcs_transport::ManualTime::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        );
        let c = HttpClient::builder(
            Endpoint::parse(&url).unwrap(),
            Credentials::new("HWTESTAKRETRY0000001", "retry-secret"),
        )
        .config(
            ClientConfig::default().retry(
                RetryPolicy::default()
                    .max_attempts(2)
                    .max_retry_after(Duration::from_secs(max)),
            ),
        )
        .sleeper(std::sync::Arc::new(time.clone()))
        .clock(std::sync::Arc::new(time.clone()))
        .build()
        .unwrap();
        let r = c
            .send(&dcs_transport::Request::new(
                dcs_transport::Method::GET,
                "/v2/p/tasks",
            ))
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            requests,
            "max {max}"
        );
        assert_eq!(time.sleeps(), sleeps, "max {max}");
    }
}
