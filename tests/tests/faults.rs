//! The fault matrix: every scripted fault against TasksClient, asserting the typed outcome,
//! the number of requests the emulator saw, and whether the task still exists afterwards
//! (it is deleted exactly when the client says so; for outcomes the client reports as
//! uncertain, either state is allowed). A new fault is one row.

use dcs_e2e::{test_config, Fixture, AK, PROJECT, SK, TASK};
use dcs_emulator::{Fault, ScriptedFault};
use dcs_model::BodyShape;
use dcs_tasks::{ClientConfig, Credentials, Error, ErrorKind, RetryPolicy, TimeoutKind};
use std::time::Duration;

/// The attempt timeout for rows whose fault stalls, and a delay far beyond it.
const SHORT_ATTEMPT: Duration = Duration::from_secs(1);
const LONG_DELAY: Duration = Duration::from_secs(60);

/// What a row expects.
enum Expect {
    /// `Ok(())`.
    Deleted,
    /// An error of this kind and status, with more checks.
    Fails {
        kind: ErrorKind,
        status: Option<u16>,
        check: fn(&Error),
    },
}

struct Row {
    name: &'static str,
    faults: Vec<ScriptedFault>,
    max_attempts: u32,
    expect: Expect,
    /// Requests the emulator must have seen.
    seen: usize,
}

fn f(x: Fault) -> ScriptedFault {
    ScriptedFault::new(x)
}

fn status(s: u16) -> Fault {
    Fault::Status {
        status: s,
        retry_after: None,
    }
}

fn rows() -> Vec<Row> {
    use Expect::*;
    vec![
        Row {
            name: "429 with Retry-After, then success",
            faults: vec![f(Fault::Status {
                status: 429,
                retry_after: Some("1".into()),
            })],
            max_attempts: 3,
            expect: Deleted,
            seen: 2,
        },
        Row {
            name: "500 then success",
            faults: vec![f(status(500))],
            max_attempts: 3,
            expect: Deleted,
            seen: 2,
        },
        Row {
            name: "503 on every attempt keeps the last answer",
            faults: vec![f(status(503)), f(status(503)), f(status(503))],
            max_attempts: 3,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(503),
                check: |e| {
                    assert_eq!(e.error_code(), Some("APIGW.0201"));
                    assert_eq!(e.error_msg(), Some("Backend unavailable"));
                    assert_eq!(e.attempts(), 3);
                    assert!(e.request_id().is_some());
                    assert!(e.is_server_error());
                    assert!(e.to_string().contains("after 3 attempts"), "{e}");
                },
            },
            seen: 3,
        },
        Row {
            name: "429 asking for longer than we honour is returned at once",
            faults: vec![f(Fault::Status {
                status: 429,
                retry_after: Some("120".into()),
            })],
            max_attempts: 3,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(429),
                check: |e| {
                    assert!(e.is_throttled());
                    assert_eq!(e.error_code(), Some("APIGW.0308"));
                    assert!(e.error_msg().unwrap().contains("throttling threshold"));
                    assert_eq!(e.attempts(), 1);
                },
            },
            seen: 1,
        },
        Row {
            name: "HTML 502 without retries",
            faults: vec![f(Fault::Html502)],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(502),
                check: |e| {
                    let b = e.service_error().unwrap().body();
                    assert_eq!(b.shape(), BodyShape::NotJson);
                    assert!(e.error_msg().unwrap().contains("502 Bad Gateway"));
                    assert_eq!(e.error_code(), None);
                },
            },
            seen: 1,
        },
        Row {
            name: "applied, then an HTML 502 without retries: uncertain",
            faults: vec![f(Fault::Html502).after_applying()],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(502),
                check: |e| {
                    assert!(
                        e.is_outcome_uncertain(),
                        "a 502 cannot say what the backend did"
                    );
                    assert!(!e.to_string().contains('\n'), "one line: {e}");
                },
            },
            seen: 1,
        },
        Row {
            name: "HTML 502 then success",
            faults: vec![f(Fault::Html502)],
            max_attempts: 3,
            expect: Deleted,
            seen: 2,
        },
        Row {
            name: "reset before headers, then success",
            faults: vec![f(Fault::ResetBeforeHeaders)],
            max_attempts: 3,
            expect: Deleted,
            seen: 2,
        },
        Row {
            name: "reset before headers on every attempt",
            faults: vec![f(Fault::ResetBeforeHeaders); 3],
            max_attempts: 3,
            expect: Fails {
                kind: ErrorKind::Transport,
                status: None,
                check: |e| {
                    assert_eq!(e.attempts(), 3);
                    assert!(!e.is_timeout());
                    assert!(
                        e.is_outcome_uncertain(),
                        "a reset after sending may hide a success"
                    );
                },
            },
            seen: 3,
        },
        Row {
            name: "applied, then reset: the retry's 404 is reported as uncertain",
            faults: vec![f(Fault::ResetBeforeHeaders).after_applying()],
            max_attempts: 3,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(404),
                check: |e| {
                    assert!(e.is_not_found());
                    assert!(e.is_outcome_uncertain());
                    assert_eq!(e.attempts(), 2);
                    assert!(e.to_string().contains("uncertain"), "{e}");
                },
            },
            seen: 2,
        },
        Row {
            name: "reset mid-body of a 500, then success",
            faults: vec![f(Fault::ResetMidBody { status: 500 })],
            max_attempts: 3,
            expect: Deleted,
            seen: 2,
        },
        Row {
            name: "delay before headers beyond the attempt timeout, then success",
            faults: vec![f(Fault::DelayBeforeHeaders(LONG_DELAY))],
            max_attempts: 3,
            expect: Deleted,
            seen: 2,
        },
        Row {
            name: "delay before headers without retries times out",
            faults: vec![f(Fault::DelayBeforeHeaders(LONG_DELAY))],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Transport,
                status: None,
                check: |e| {
                    assert!(e.is_timeout());
                    assert!(e.is_outcome_uncertain());
                    assert_eq!(e.attempts(), 1);
                },
            },
            seen: 1,
        },
        Row {
            name: "stall mid-body of a 500, then success",
            faults: vec![f(Fault::StallMidBody { status: 500 })],
            max_attempts: 3,
            expect: Deleted,
            seen: 2,
        },
        Row {
            name: "stall mid-body of a 404 without retries keeps status and prefix",
            faults: vec![f(Fault::StallMidBody { status: 404 })],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(404),
                check: |e| {
                    let b = e.service_error().unwrap().body();
                    assert!(b.raw_truncated());
                    assert!(!b.raw().is_empty());
                    assert!(e.to_string().contains("TimedOut"), "{e}");
                },
            },
            seen: 1,
        },
        Row {
            name: "20 MB error body is cut at the cap",
            faults: vec![f(Fault::Oversize {
                status: 500,
                bytes: 20 << 20,
            })],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(500),
                check: |e| {
                    assert!(e.is_body_too_large());
                    let b = e.service_error().unwrap().body();
                    assert!(b.raw_truncated());
                    assert!(b.raw().len() <= dcs_model::limits::RAW_BODY_KEEP_BYTES);
                },
            },
            seen: 1,
        },
        Row {
            name: "endless chunked body is cut at the cap",
            faults: vec![f(Fault::EndlessChunked { status: 400 })],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(400),
                check: |e| assert!(e.is_body_too_large()),
            },
            seen: 1,
        },
        Row {
            name: "applied, then a 200 with a 20 MB body",
            faults: vec![f(Fault::Oversize {
                status: 200,
                bytes: 20 << 20,
            })
            .after_applying()],
            max_attempts: 3,
            expect: Fails {
                kind: ErrorKind::IncompleteResponse,
                status: Some(200),
                check: |e| {
                    assert!(e.is_body_too_large());
                    // Issue 12 row 6: the service said 200, so the request was applied.
                    assert!(e.to_string().contains("so the request was applied"), "{e}");
                    assert!(e.was_applied() && e.is_outcome_uncertain(), "{e}");
                },
            },
            seen: 1,
        },
        Row {
            name: "invalid UTF-8 body",
            faults: vec![f(Fault::InvalidUtf8 { status: 400 })],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(400),
                check: |e| {
                    let b = e.service_error().unwrap().body();
                    assert_eq!(b.shape(), BodyShape::NotJson);
                    assert!(b.raw().contains(&0xff));
                    assert!(e.error_msg().unwrap().contains('\u{fffd}'));
                },
            },
            seen: 1,
        },
        Row {
            name: "truncated JSON",
            faults: vec![f(Fault::TruncatedJson { status: 404 })],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(404),
                check: |e| {
                    let b = e.service_error().unwrap().body();
                    assert_eq!(b.shape(), BodyShape::NotJson);
                    assert!(e
                        .error_msg()
                        .unwrap()
                        .starts_with("{\"error_code\":\"DCS.4001\""));
                },
            },
            seen: 1,
        },
        Row {
            name: "over-limit fields are kept whole and flagged",
            faults: vec![f(Fault::OverLimitFields { status: 400 })],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(400),
                check: |e| {
                    assert_eq!(e.error_code(), Some("DCS.40010000"));
                    assert_eq!(e.error_msg().unwrap().chars().count(), 1034);
                    let b = e.service_error().unwrap().body();
                    let fields: Vec<_> = b.violations().iter().map(|v| v.field).collect();
                    assert_eq!(fields, ["error_code", "error_msg", "error_ext_msg"]);
                },
            },
            seen: 1,
        },
        Row {
            name: "JSON of the wrong types",
            faults: vec![f(Fault::WrongTypes { status: 400 })],
            max_attempts: 1,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(400),
                check: |e| {
                    assert_eq!(e.error_code(), Some("111400063"));
                    let b = e.service_error().unwrap().body();
                    assert!(b.code_was_number());
                    assert!(e.error_msg().unwrap().contains("nested object"));
                },
            },
            seen: 1,
        },
        Row {
            name: "a transport failure after a 503 still carries the 503's code and request id",
            faults: vec![
                f(status(503)),
                f(Fault::ResetBeforeHeaders),
                f(Fault::ResetBeforeHeaders),
            ],
            max_attempts: 3,
            expect: Fails {
                kind: ErrorKind::Transport,
                status: Some(503),
                check: |e| {
                    assert_eq!(e.error_code(), Some("APIGW.0201"));
                    assert!(e.request_id().is_some());
                    assert_eq!(e.attempts(), 3);
                    assert!(e.to_string().contains("APIGW.0201"), "{e}");
                },
            },
            seen: 3,
        },
        Row {
            name: "applied then 503, then a 429 we will not wait for: uncertain",
            faults: vec![
                f(status(503)).after_applying(),
                f(Fault::Status {
                    status: 429,
                    retry_after: Some("120".into()),
                }),
            ],
            max_attempts: 3,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(429),
                check: |e| {
                    assert!(e.is_throttled());
                    assert!(e.is_outcome_uncertain(), "the 503'd attempt was applied");
                    assert_eq!(e.attempts(), 2);
                },
            },
            seen: 2,
        },
        Row {
            name: "a redirect is not followed",
            faults: vec![f(Fault::Redirect {
                location: "http://127.0.0.1:9/elsewhere".into(),
            })],
            max_attempts: 3,
            expect: Fails {
                kind: ErrorKind::Service,
                status: Some(302),
                check: |e| assert_eq!(e.attempts(), 1),
            },
            seen: 1,
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let mut failures = Vec::new();
    for row in rows() {
        let fx = Fixture::new().await;
        for fault in &row.faults {
            fx.emu.push_fault(fault.clone());
        }
        // Rows whose fault outlasts an attempt get a short attempt timeout; the others a
        // generous one, so a slow machine never turns them into timeouts.
        let stalls = row.faults.iter().any(|f| {
            matches!(
                f.fault(),
                Fault::DelayBeforeHeaders(_) | Fault::StallMidBody { .. }
            )
        });
        let config = test_config()
            .retry(RetryPolicy::default().max_attempts(row.max_attempts))
            .attempt_timeout(if stalls {
                SHORT_ATTEMPT
            } else {
                Duration::from_secs(10)
            });
        let client = fx.client_with(Credentials::new(AK, SK), config);
        let outcome = client.delete_center_task(TASK).send().await;
        let name = row.name;
        let seen = fx.emu.request_count();
        let exists = fx.emu.task_exists(PROJECT, TASK);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match (&row.expect, &outcome) {
                (Expect::Deleted, Ok(_)) => {
                    assert!(!exists, "client said deleted but the task exists");
                }
                (
                    Expect::Fails {
                        kind,
                        status,
                        check,
                    },
                    Err(e),
                ) => {
                    assert_eq!(e.kind(), *kind, "{e}");
                    assert_eq!(e.status(), *status, "{e}");
                    check(e);
                    let applied = e.kind() == ErrorKind::IncompleteResponse;
                    if !e.is_outcome_uncertain() {
                        assert_eq!(!exists, applied, "task state disagrees with the error");
                    }
                }
                (_, other) => panic!("unexpected outcome {other:?}"),
            }
            assert_eq!(seen, row.seen, "requests seen by the emulator");
        }));
        if let Err(p) = result {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{name}: {msg}"));
        }
        if let Expect::Deleted = row.expect {
            // Retries slept on the manual clock: once per retry, and at least the server's
            // Retry-After when it sent one.
            let sleeps = fx.time.sleeps();
            if row.faults.iter().any(|f| {
                matches!(
                    f.fault(),
                    Fault::Status {
                        retry_after: Some(_),
                        ..
                    }
                )
            }) && !sleeps.iter().any(|d| *d >= Duration::from_secs(1))
            {
                failures.push(format!("{name}: Retry-After not honoured: {sleeps:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_single_5xx_is_uncertain_for_what_it_is_not_for_an_earlier_attempt() {
    // One attempt, one 503: the gateway may have given up after the backend acted, so the
    // outcome is uncertain, but there was no earlier attempt to blame.
    let fx = Fixture::new().await;
    fx.emu.push_fault(f(status(503)));
    let client = fx.client_with(
        Credentials::new(AK, SK),
        test_config().retry(RetryPolicy::default().max_attempts(1)),
    );
    let e = client.delete_center_task(TASK).send().await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(e.attempts(), 1);
    assert!(e.is_outcome_uncertain());
    let text = e.to_string();
    assert!(
        text.contains("a 503 may come after the service acted"),
        "{text}"
    );
    assert!(!text.contains("earlier attempt"), "{text}");

    // A 429 is refused before it reaches the service: certain.
    fx.emu.push_fault(f(status(429)));
    let e = client.delete_center_task(TASK).send().await.unwrap_err();
    assert_eq!(e.status(), Some(429));
    assert!(!e.is_outcome_uncertain(), "{e}");
}

#[tokio::test]
async fn total_timeout_bounds_the_whole_call() {
    let fx = Fixture::new().await;
    for _ in 0..3 {
        fx.emu.push_fault(Fault::DelayBeforeHeaders(LONG_DELAY));
    }
    let config = ClientConfig::default()
        .attempt_timeout(Duration::from_secs(2))
        .total_timeout(Duration::from_secs(3))
        .retry(RetryPolicy::default().max_attempts(5));
    // The real clock here: the attempts' timers run on it, so the deadline must too.
    let client = dcs_tasks::TasksClient::builder()
        .endpoint(fx.emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(config)
        .jitter(std::sync::Arc::new(|| 0.5))
        .build()
        .unwrap();
    let e = client.delete_center_task(TASK).send().await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    // Attempt 1 hits its own 2 s timeout and backs off 50 ms; attempt 2 gets only the
    // second or so left of the 3 s and hits the total timeout, after which nothing more is
    // tried although 5 attempts were allowed.
    assert_eq!(e.attempts(), 2, "{e:?}");
    let inner = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<dcs_transport::TransportError>())
        .expect("transport error inside");
    assert_eq!(inner.timeout_kind(), Some(TimeoutKind::Total));
    assert_eq!(fx.emu.request_count(), 2);
}

#[tokio::test]
async fn retry_budget_is_shared_by_the_client() {
    let fx = Fixture::new().await;
    for _ in 0..6 {
        fx.emu.push_fault(status(503));
    }
    // Room for exactly one retry in the whole client.
    let policy = RetryPolicy::default()
        .max_attempts(3)
        .budget_capacity(5)
        .retry_cost(5);
    let client = fx.client_with(Credentials::new(AK, SK), test_config().retry(policy));
    let first = client.delete_center_task(TASK).send().await.unwrap_err();
    assert_eq!(first.attempts(), 2, "one retry, then the budget is empty");
    let second = client.delete_center_task(TASK).send().await.unwrap_err();
    assert_eq!(second.attempts(), 1, "no budget left for retries");
    assert_eq!(fx.emu.request_count(), 3);
    assert_eq!(client.retry_budget_available(), 0);
}

#[tokio::test]
async fn backoff_sleeps_follow_the_jittered_exponential_schedule() {
    let fx = Fixture::new().await;
    fx.emu.push_fault(status(500));
    fx.emu.push_fault(status(500));
    let policy = RetryPolicy::default()
        .max_attempts(3)
        .base_backoff(Duration::from_millis(200))
        .max_backoff(Duration::from_millis(300));
    let client = dcs_tasks::TasksClient::builder()
        .endpoint(fx.emu.endpoint())
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(test_config().retry(policy))
        .clock(std::sync::Arc::new(fx.time.clone()))
        .sleeper(std::sync::Arc::new(fx.time.clone()))
        .jitter(std::sync::Arc::new(|| 0.5))
        .build()
        .unwrap();
    client.delete_center_task(TASK).send().await.unwrap();
    // Step n waits jitter * min(cap, base * 2^n): 0.5 * 200 ms, then 0.5 * min(300, 400) ms.
    assert_eq!(
        fx.time.sleeps(),
        [Duration::from_millis(100), Duration::from_millis(150)]
    );
    assert_eq!(fx.emu.request_count(), 3);
}

#[tokio::test]
async fn a_non_idempotent_request_is_not_resent_after_it_may_have_arrived() {
    let fx = Fixture::new().await;
    fx.emu.push_fault(Fault::ResetBeforeHeaders);
    let http = dcs_transport::HttpClient::builder(
        dcs_transport::Endpoint::parse(&fx.emu.endpoint()).unwrap(),
        dcs_transport::Credentials::new(AK, SK),
    )
    .sleeper(std::sync::Arc::new(fx.time.clone()))
    .build()
    .unwrap();
    let post = dcs_transport::Request::new(dcs_transport::Method::POST, "/v2/p/things");
    let e = http.send(&post).await.unwrap_err();
    assert_eq!(e.attempts(), 1);
    assert!(e.may_have_been_sent());
    // Nor after an answer that may follow an apply, a 503: the answer proves it arrived.
    fx.emu.push_fault(status(503));
    assert_eq!(http.send(&post).await.unwrap().status(), 503);
    // A 429 is the exception: the gateway refused it before it reached the service, so it
    // is sent again whatever the method (issue 16 row 17).
    fx.emu.push_fault(status(429));
    let r = http.send(&post).await.unwrap();
    assert_ne!(r.status(), 429);
    assert_eq!(r.attempts(), 2);
    // The same reset on an idempotent DELETE is retried.
    fx.emu.push_fault(Fault::ResetBeforeHeaders);
    let del = dcs_transport::Request::new(dcs_transport::Method::DELETE, "/v2/p/things");
    let r = http.send(&del).await.unwrap();
    assert_eq!(r.attempts(), 2);
    assert_eq!(fx.emu.request_count(), 6);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error_and_nothing_was_sent() {
    // Bind and drop to find a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let time = dcs_transport::ManualTime::new(std::time::SystemTime::now());
    let client = dcs_tasks::TasksClient::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .sleeper(std::sync::Arc::new(time.clone()))
        .build()
        .unwrap();
    let e = client.delete_center_task(TASK).send().await.unwrap_err();
    assert!(e.is_connect(), "{e}");
    assert!(!e.is_outcome_uncertain());
    assert_eq!(e.attempts(), 3, "connect failures are always safe to retry");
    assert_eq!(time.sleeps().len(), 2);
}

#[tokio::test]
async fn connect_timeout_when_the_server_never_accepts() {
    // A listener whose accept queue is full and never drained: further SYNs go unanswered,
    // so connecting hangs until the connect timeout (all on loopback).
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            fillers.push(s);
        } else {
            break;
        }
    }
    let time = dcs_transport::ManualTime::new(std::time::SystemTime::now());
    let client = dcs_tasks::TasksClient::builder()
        .endpoint(format!("http://{addr}"))
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(
            ClientConfig::default()
                .connect_timeout(Duration::from_millis(300))
                .retry(RetryPolicy::default().max_attempts(2)),
        )
        .sleeper(std::sync::Arc::new(time))
        .build()
        .unwrap();
    let e = client.delete_center_task(TASK).send().await.unwrap_err();
    let inner = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<dcs_transport::TransportError>())
        .expect("transport error inside");
    assert_eq!(inner.timeout_kind(), Some(TimeoutKind::Connect), "{e}");
    assert!(e.is_timeout() && e.is_connect());
    assert!(!e.is_outcome_uncertain(), "nothing was sent");
    assert_eq!(e.attempts(), 2, "a connect timeout is safe to retry");

    // When the attempt's own timer is the one that fires while still connecting, the client
    // must still know nothing was sent: a POST is then retried too.
    let http = dcs_transport::HttpClient::builder(
        dcs_transport::Endpoint::parse(&format!("http://{addr}")).unwrap(),
        dcs_transport::Credentials::new(AK, SK),
    )
    .config(
        ClientConfig::default()
            .connect_timeout(Duration::from_secs(30))
            .attempt_timeout(Duration::from_millis(300))
            .retry(RetryPolicy::default().max_attempts(2)),
    )
    .sleeper(std::sync::Arc::new(dcs_transport::ManualTime::new(
        std::time::SystemTime::now(),
    )))
    .build()
    .unwrap();
    let post = dcs_transport::Request::new(dcs_transport::Method::POST, "/v2/x");
    let e = http.send(&post).await.unwrap_err();
    assert_eq!(e.timeout_kind(), Some(TimeoutKind::Connect), "{e}");
    assert!(!e.may_have_been_sent());
    assert_eq!(
        e.attempts(),
        2,
        "never sent, so even a POST may be tried again"
    );
    drop(fillers);
}

#[tokio::test]
async fn a_failed_tls_handshake_is_not_retried() {
    // The emulator speaks plain HTTP; an https client's handshake with it fails.
    let fx = Fixture::new().await;
    let client = dcs_tasks::TasksClient::builder()
        .endpoint(fx.emu.endpoint().replace("http://", "https://"))
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .sleeper(std::sync::Arc::new(fx.time.clone()))
        .build()
        .unwrap();
    let e = client.delete_center_task(TASK).send().await.unwrap_err();
    let inner = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<dcs_transport::TransportError>())
        .expect("transport error inside");
    assert_eq!(inner.kind(), dcs_transport::TransportErrorKind::Tls, "{e}");
    assert!(e.is_connect() && !e.is_outcome_uncertain());
    assert_eq!(e.attempts(), 1, "a TLS failure will not heal by retrying");
    assert!(fx.time.sleeps().is_empty());
}
