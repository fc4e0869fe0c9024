//! The real `dcs` binary against hostile services (issue 16): a loopback Task Center that
//! lies in one way at a time (404s that are not "no such task", pages that ignore `offset`
//! or `start_time`, repeated pages, control characters in its text, throttling storms), and
//! hostile pipes, files and queries. Every run has a deadline: a command still running then
//! is killed and the test fails (a hang is the bug, not a slow machine).

mod support;

use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use support::wait_or_kill;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const AK: &str = "HOSTILETESTAK0000001";
const SK: &str = "hostile-test-secret-key";
const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
/// A run still going after this long is hung: killed, and the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// A request as the lying service saw it.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: HashMap<String, String>,
}

impl Req {
    /// The task id of a `DELETE .../tasks/{id}`.
    fn task(&self) -> Option<&str> {
        (self.method == "DELETE").then(|| self.path.rsplit('/').next().unwrap_or(""))
    }
    fn is_list(&self) -> bool {
        self.method == "GET" && self.path.ends_with("/tasks")
    }
    fn offset(&self) -> usize {
        self.query
            .get("offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0)
    }
}

/// An answer, or none at all (the connection is held open, unanswered).
#[derive(Clone)]
enum Resp {
    Answer {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
        headers: Vec<(&'static str, String)>,
    },
    Never,
    /// `then`, once `ready` says so (polled every few milliseconds; at most [`DEADLINE`]).
    When {
        ready: Arc<dyn Fn() -> bool + Send + Sync>,
        then: Box<Resp>,
    },
}

fn json(status: u16, body: impl Into<String>) -> Resp {
    Resp::Answer {
        status,
        content_type: "application/json",
        body: body.into().into_bytes(),
        headers: Vec::new(),
    }
}

fn html_404() -> Resp {
    Resp::Answer {
        status: 404,
        content_type: "text/html",
        body: b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n".to_vec(),
        headers: Vec::new(),
    }
}

fn dcs_error(status: u16, code: &str, msg: &str) -> Resp {
    json(
        status,
        serde_json::json!({"error_code": code, "error_msg": msg}).to_string(),
    )
}

fn no_such_task() -> Resp {
    dcs_error(404, "DCS.4001", "The requested URL does not exist")
}

fn throttled(retry_after: &str) -> Resp {
    Resp::Answer {
        status: 429,
        content_type: "application/json",
        body: br#"{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}"#
            .to_vec(),
        headers: vec![("Retry-After", retry_after.to_string())],
    }
}

/// A task as the service lists it.
#[derive(Debug, Clone)]
struct Task {
    id: String,
    status: String,
    created_at: String,
    name: String,
}

fn task(id: &str, created_at: &str) -> Task {
    Task {
        id: id.into(),
        status: "SUCCESS".into(),
        created_at: created_at.into(),
        name: "EXTEND".into(),
    }
}

fn page(tasks: &[Task], total: Option<usize>) -> Resp {
    let list: Vec<serde_json::Value> = tasks
        .iter()
        .map(|t| {
            serde_json::json!({"id": t.id, "status": t.status, "created_at": t.created_at,
                               "name": t.name, "user_name": "hostile"})
        })
        .collect();
    let mut v = serde_json::json!({ "tasks": list });
    if let Some(t) = total {
        v["task_count"] = serde_json::json!(t.to_string());
    }
    json(200, v.to_string())
}

/// The honest paging of `tasks` (offset and limit as asked), with the true total.
fn honest_page(tasks: &[Task], r: &Req) -> Resp {
    let limit = r
        .query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10usize);
    let from = r.offset().min(tasks.len());
    let to = (from + limit).min(tasks.len());
    page(&tasks[from..to], Some(tasks.len()))
}

/// A loopback service that answers each request with what `handler` says, one request per
/// connection, and records every request.
struct Lying {
    endpoint: String,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Lying {
    async fn start(handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let rec = log.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (rec, handler) = (rec.clone(), handler.clone());
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else {
                        return;
                    };
                    rec.lock().unwrap().push(req.clone());
                    let mut resp = handler(&req);
                    while let Resp::When { ready, then } = resp {
                        let waiting = Instant::now();
                        while !ready() && waiting.elapsed() < DEADLINE {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        resp = *then;
                    }
                    match resp {
                        Resp::When { .. } => unreachable!("unwrapped above"),
                        Resp::Never => {
                            // Hold the connection open, unanswered, until the client leaves.
                            let mut sink = [0u8; 64];
                            while matches!(sock.read(&mut sink).await, Ok(n) if n > 0) {}
                        }
                        Resp::Answer {
                            status,
                            content_type,
                            body,
                            headers,
                        } => {
                            let extra: String = headers
                                .iter()
                                .map(|(k, v)| format!("{k}: {v}\r\n"))
                                .collect();
                            let head = format!(
                                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
                                body.len()
                            );
                            let _ = sock.write_all(head.as_bytes()).await;
                            let _ = sock.write_all(&body).await;
                            let _ = sock.shutdown().await;
                        }
                    }
                });
            }
        });
        Self { endpoint, log }
    }

    fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    /// The ids every DELETE named, in order.
    fn deletes(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter_map(|r| r.task().map(str::to_string))
            .collect()
    }

    fn lists(&self) -> usize {
        self.requests().iter().filter(|r| r.is_list()).count()
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Req> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let end = loop {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[end..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    let target = head.split(' ').nth(1)?.to_string();
    let method = head.split(' ').next()?.to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    Some(Req {
        method,
        path: path.to_string(),
        query,
    })
}

fn command(args: &[&str], endpoint: &str) -> Command {
    let home = std::env::temp_dir().join("dcs-cli-hostile-home-empty");
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dcs"));
    cmd.args(args)
        .env_clear()
        .env("HOME", &home)
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .env("DCS_ENDPOINT", endpoint)
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd` to its end (within the shared deadline), collecting stdout and stderr.
fn run(cmd: Command, what: &str) -> Output {
    support::run_with(cmd, None, what)
}

async fn dcs(args: &[&str], endpoint: &str) -> Output {
    let what = args.join(" ");
    let cmd = command(args, endpoint);
    tokio::task::spawn_blocking(move || run(cmd, &what))
        .await
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn summary(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)))
}

fn ids(v: &serde_json::Value, key: &str) -> Vec<String> {
    let mut ids: Vec<String> = v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| x["id"].as_str().unwrap().to_string())
        })
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A time `secs` ago, as the service writes it.
fn ago(secs: u64) -> String {
    let t = SystemTime::now() - Duration::from_secs(secs);
    let d = dcs_transport::SdkDate::from_system_time(t).to_string();
    // 20261128T010203Z -> 2026-11-28T01:02:03Z
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    )
}

/// No raw control character (but the line feeds that end lines and the tabs that separate
/// TSV fields), no bidi control.
fn assert_clean(what: &str, s: &str) {
    for c in s.chars() {
        let bad = (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "{what}: raw U+{:04X} in {s:?}", c as u32);
    }
}

// ---- row 1 -----------------------------------------------------------------------------

/// Row 1: "already gone" only when the service said the task does not exist (404
/// `DCS.4001` on a DCS error body); an HTML 404 or another code is a failure naming status,
/// code and body, for ids on the command line and for `--all`.
#[tokio::test(flavor = "multi_thread")]
async fn delete_counts_only_the_services_no_such_task_as_already_gone() {
    let svc = Lying::start(|r| match r.task() {
        Some("html-1") => html_404(),
        Some("instance-1") => dcs_error(404, "DCS.4022", "This DCS instance does not exist"),
        Some("gone-1") => no_such_task(),
        Some(_) => json(200, "{}"),
        None => page(&[], Some(0)),
    })
    .await;
    let out = dcs(
        &[
            "tasks",
            "delete",
            "html-1",
            "instance-1",
            "gone-1",
            "ok-1",
            "--output",
            "table",
        ],
        &svc.endpoint,
    )
    .await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("4 selected: 1 deleted, 1 already gone, 0 refused, 2 failed"),
        "{err}"
    );
    assert!(err.contains("failed html-1: HTTP 404 - <html>"), "{err}");
    assert!(err.contains("nginx"), "the body is named: {err}");
    assert!(
        err.contains("failed instance-1: HTTP 404 DCS.4022 This DCS instance does not exist"),
        "{err}"
    );
    assert_clean("stderr", &err);

    // 25 tasks whose every DELETE meets a proxy's HTML 404: nothing was deleted, and the
    // summary says so.
    let tasks: Vec<Task> = (0..25)
        .map(|i| task(&format!("t-{i:02}"), &ago(60)))
        .collect();
    let svc = Lying::start(move |r| {
        if r.is_list() {
            honest_page(&tasks, r)
        } else {
            html_404()
        }
    })
    .await;
    let out = dcs(
        &["tasks", "delete", "--all", "--yes", "--output", "json"],
        &svc.endpoint,
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = summary(&out);
    assert_eq!(v["selected"], 25);
    assert_eq!(ids(&v, "already_gone").len(), 0, "{v}");
    assert_eq!(ids(&v, "deleted").len(), 0, "{v}");
    let failed = v["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 25);
    assert!(failed.iter().all(|f| f["status"] == 404), "{v}");
    assert!(
        text(&out.stderr).contains("25 selected: 0 deleted, 0 already gone, 0 refused, 25 failed")
    );
}

// ---- row 2 -----------------------------------------------------------------------------

/// Row 2: a service that answers every offset with the same 1,000 tasks and no total: `list
/// --all` and `delete --all` (even `--dry-run`) stop after the second page with an error
/// saying the service ignored `offset`, and nothing is deleted.
#[tokio::test(flavor = "multi_thread")]
async fn paging_stops_when_the_service_ignores_offset() {
    let same: Vec<Task> = (0..1000)
        .map(|i| task(&format!("t-{i:04}"), &ago(60)))
        .collect();
    let svc = Lying::start(move |r| {
        if r.is_list() {
            page(&same, None)
        } else {
            json(200, "{}")
        }
    })
    .await;
    for args in [
        vec!["tasks", "list", "--all"],
        vec!["tasks", "delete", "--all", "--dry-run"],
        vec!["tasks", "delete", "--all", "--yes"],
    ] {
        let before = svc.lists();
        let out = dcs(&args, &svc.endpoint).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("ignored `offset`"), "{args:?}: {err}");
        assert_eq!(
            svc.lists() - before,
            2,
            "{args:?}: one page, and its repeat"
        );
        assert!(out.stdout.len() < 100, "{args:?}: nothing listed on a lie");
    }
    assert!(svc.deletes().is_empty(), "{:?}", svc.deletes());
}

/// Row 2: `--timeout` bounds the whole `tasks wait`, the listing included: a service that
/// never answers the list cannot hold it for the client's 90 s of retries.
#[tokio::test(flavor = "multi_thread")]
async fn wait_timeout_bounds_the_whole_wait() {
    let svc = Lying::start(|_| Resp::Never).await;
    let out = dcs(&["tasks", "wait", "t-1", "--timeout", "2s"], &svc.endpoint).await;
    let err = text(&out.stderr);
    // Waiting for the transport's own limits instead (30 s an attempt, 90 s a call) would
    // end in a transport failure (exit 3), or not before the run's deadline.
    assert_eq!(out.status.code(), Some(124), "{err}");
    assert!(err.contains("did not say"), "{err}");
    assert_eq!(svc.lists(), 1, "one list, never answered");
}

// ---- row 3 -----------------------------------------------------------------------------

/// Row 3: a service that ignores `start_time` and `end_time` cannot widen `--since` /
/// `--until`: every criterion is checked on every task listed, before anything is deleted.
#[tokio::test(flavor = "multi_thread")]
async fn since_and_until_are_checked_on_every_task_listed() {
    let mut tasks: Vec<Task> = (0..20)
        .map(|i| task(&format!("old-{i:02}"), "2020-01-01T00:00:00Z"))
        .collect();
    tasks.extend((0..3).map(|i| task(&format!("new-{i}"), &ago(600))));
    tasks.push(task("unreadable-1", "yesterday"));
    let svc = Lying::start(move |r| {
        if r.is_list() {
            // start_time and end_time are ignored.
            honest_page(&tasks, r)
        } else {
            json(200, "{}")
        }
    })
    .await;
    let out = dcs(
        &[
            "tasks", "delete", "--all", "--since", "1h", "--yes", "--output", "json",
        ],
        &svc.endpoint,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = summary(&out);
    assert_eq!(ids(&v, "deleted"), ["new-0", "new-1", "new-2"]);
    assert_eq!(sorted(svc.deletes()), ["new-0", "new-1", "new-2"]);
    assert!(
        svc.requests()
            .iter()
            .any(|r| r.is_list() && r.query.contains_key("start_time")),
        "the service was asked"
    );

    let out = dcs(
        &[
            "tasks",
            "list",
            "--all",
            "--since",
            "2019-12-31T00:00:00Z",
            "--until",
            "2020-01-02T00:00:00Z",
            "--query",
            "length(@)",
        ],
        &svc.endpoint,
    )
    .await;
    assert_eq!(text(&out.stdout).trim(), "20", "{}", text(&out.stderr));
}

// ---- row 5 -----------------------------------------------------------------------------

/// Row 5: a task whose `created_at` has a non-ASCII zone offset does not abort
/// `delete --all --older-than`: it is simply not old enough to delete.
#[tokio::test(flavor = "multi_thread")]
async fn a_non_ascii_zone_in_created_at_is_not_a_panic() {
    let tasks = vec![
        task("odd-zone", "2020-01-01T00:00:00+1\u{e9}1"),
        task("odd-digit", "2020-01-01T00:00:0\u{e9}Z"),
        task("old-1", "2020-01-01T00:00:00+01:00"),
    ];
    let svc = Lying::start(move |r| {
        if r.is_list() {
            honest_page(&tasks, r)
        } else {
            json(200, "{}")
        }
    })
    .await;
    let out = dcs(
        &[
            "tasks",
            "delete",
            "--all",
            "--older-than",
            "1d",
            "--yes",
            "--output",
            "json",
        ],
        &svc.endpoint,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(ids(&summary(&out), "deleted"), ["old-1"]);
    assert_eq!(svc.deletes(), ["old-1"]);
}

// ---- row 6 and 11 ----------------------------------------------------------------------

/// Rows 6 and 11: ESC, CR, BEL, NEL and bidi controls from the service are escaped on every
/// line `dcs` prints: dry-run lines, the refusal with counts by status, the summary's refused
/// and failed lines, tables and TSV.
#[tokio::test(flavor = "multi_thread")]
async fn server_text_is_escaped_on_every_line_dcs_prints() {
    let evil = |s: &str| format!("{s}\u{1b}]0;pwned\u{7}\r\u{85}\u{202e}\u{2066}x");
    let tasks = vec![
        Task {
            id: evil("t-1"),
            status: evil("SUCCESS"),
            created_at: ago(60),
            name: evil("EXTEND"),
        },
        Task {
            id: "busy-1".into(),
            status: evil("RUNNING"),
            created_at: ago(60),
            name: "\u{202a}\u{202b}\u{202c}\u{202d}\u{2067}\u{2068}\u{2069}".into(),
        },
    ];
    let svc = Lying::start(move |r| {
        if r.is_list() {
            honest_page(&tasks, r)
        } else {
            dcs_error(
                400,
                &format!("DCS.4017{}", "\u{1b}[2J"),
                "still \u{1b}[31mrunning\r\nfake: 0 failed",
            )
        }
    })
    .await;
    let e = &svc.endpoint;
    for (args, stream) in [
        (vec!["tasks", "delete", "--all", "--dry-run"], "stdout"),
        (vec!["tasks", "delete", "--all"], "stderr"),
        (
            vec!["tasks", "delete", "--all", "--yes", "--output", "table"],
            "stderr",
        ),
        (
            vec!["tasks", "delete", "busy-1", "--output", "table"],
            "stderr",
        ),
        (vec!["tasks", "list", "--output", "table"], "stdout"),
        (vec!["tasks", "list", "--output", "tsv"], "stdout"),
    ] {
        let out = dcs(&args, e).await;
        let (o, err) = (text(&out.stdout), text(&out.stderr));
        assert_clean(&format!("{args:?} stdout"), &o);
        assert_clean(&format!("{args:?} stderr"), &err);
        let shown = if stream == "stdout" { &o } else { &err };
        assert!(shown.contains("\\u{1b}"), "{args:?}: {shown}");
    }
    let out = dcs(&["tasks", "delete", "--all", "--dry-run"], e).await;
    assert!(text(&out.stdout).contains("would delete busy-1 (RUNNING\\u{1b}]0;pwned"));
}

// ---- row 9 -----------------------------------------------------------------------------

/// Row 9: a `Retry-After` longer than the retry policy honours is not waited for: the task
/// fails at once, named with its 429 and why it was not sent again.
#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_of_an_hour_fails_the_task_at_once() {
    let svc = Lying::start(|r| {
        if r.task().is_some() {
            throttled("3600")
        } else {
            page(&[], Some(0))
        }
    })
    .await;
    let out = dcs(
        &["tasks", "delete", "t-1", "t-2", "--output", "json"],
        &svc.endpoint,
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = summary(&out);
    assert_eq!(v["failed"][0]["status"], 429, "{v}");
    assert!(
        v["failed"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("longer than the 60 s honoured"),
        "{v}"
    );
    assert_eq!(sorted(svc.deletes()), ["t-1", "t-2"], "each sent once");
    // One id: one result, the service's answer as the error (JSON on stderr), sent once.
    let out = dcs(
        &["tasks", "delete", "t-3", "--output", "json"],
        &svc.endpoint,
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let e: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(e["error"]["status"], 429, "{e}");
    assert_eq!(e["error"]["kind"], "service", "{e}");
    assert_eq!(svc.deletes().len(), 3, "sent once");
}

/// Sends `signal` to the child once `ready` says so, and waits for its end; stdout and the
/// rest of stderr.
fn signal_when(
    mut cmd: Command,
    signal: &str,
    ready: impl Fn() -> bool,
) -> (ExitStatus, String, String) {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut v = String::new();
        let _ = out.read_to_string(&mut v);
        v
    });
    let e = std::thread::spawn(move || {
        let mut v = String::new();
        let _ = err.read_to_string(&mut v);
        v
    });
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < DEADLINE, "never ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = wait_or_kill(&mut child, "signalled run");
    (status, o.join().unwrap(), e.join().unwrap())
}

/// Row 9: Ctrl-C during a throttling pause ends the pause at once; the throttled tasks are
/// reported failed (they were sent), not "not attempted".
///
/// Both DELETEs must be sent before the first 429 comes back (the crew's pause would hold the
/// second one back otherwise, and which comes first would depend on the machine's load): the
/// first throttled answer waits until the second request has arrived.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_ends_a_throttling_pause_at_once() {
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let svc = Lying::start(move |r| {
        if r.task().is_some() {
            use std::sync::atomic::Ordering::SeqCst;
            seen.fetch_add(1, SeqCst);
            let seen = seen.clone();
            Resp::When {
                ready: Arc::new(move || seen.load(SeqCst) >= 2),
                then: Box::new(throttled("50")),
            }
        } else {
            page(&[], Some(0))
        }
    })
    .await;
    let cmd = command(
        &["tasks", "delete", "t-1", "t-2", "--output", "json"],
        &svc.endpoint,
    );
    let log = svc.log.clone();
    let started = Instant::now();
    let (status, stdout, stderr) = tokio::task::spawn_blocking(move || {
        signal_when(cmd, "-INT", move || {
            log.lock()
                .unwrap()
                .iter()
                .filter(|r| r.task().is_some())
                .count()
                == 2
        })
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    // A hang check, not a measure of speed: the pause asked for was 50 s, and the run ended
    // without sitting it out, which only the signal could do.
    assert!(started.elapsed() < Duration::from_secs(45), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["interrupted"], true);
    assert_eq!(ids(&v, "failed"), ["t-1", "t-2"], "{v}");
    assert!(ids(&v, "not_attempted").is_empty(), "{v}");
    assert_eq!(svc.deletes().len(), 2, "nothing sent after the signal");
}

// ---- row 10 ----------------------------------------------------------------------------

/// Row 10: pages that overlap (the same 50 tasks served three times, in other orders, with a
/// total of 150) are collapsed by id: 50 selected, 50 DELETEs.
#[tokio::test(flavor = "multi_thread")]
async fn tasks_listed_again_are_selected_once() {
    let tasks: Vec<Task> = (0..50)
        .map(|i| task(&format!("t-{i:02}"), &ago(60)))
        .collect();
    let svc = Lying::start(move |r| {
        if r.is_list() {
            // Each offset gets the same tasks, turned by the offset: never the same page.
            let mut turned = tasks.clone();
            turned.rotate_left(r.offset() % 50 + r.offset() / 50);
            if r.offset() >= 150 {
                page(&[], Some(150))
            } else {
                page(&turned, Some(150))
            }
        } else {
            json(200, "{}")
        }
    })
    .await;
    let out = dcs(
        &["tasks", "delete", "--all", "--yes", "--output", "json"],
        &svc.endpoint,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = summary(&out);
    assert_eq!(v["selected"], 50, "{v}");
    assert_eq!(ids(&v, "deleted").len(), 50);
    assert_eq!(svc.deletes().len(), 50);
    assert_eq!(svc.lists(), 3);
    let out = dcs(
        &["tasks", "list", "--all", "--query", "length(@)"],
        &svc.endpoint,
    )
    .await;
    assert_eq!(text(&out.stdout).trim(), "50");
}

// ---- row 12 ----------------------------------------------------------------------------

/// Runs `cmd` with its stdout (or stderr) closed before it writes a byte.
fn with_closed(mut cmd: Command, close_stdout: bool) -> (ExitStatus, String) {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let kept: Box<dyn Read + Send> = if close_stdout {
        drop(child.stdout.take());
        Box::new(child.stderr.take().unwrap())
    } else {
        drop(child.stderr.take());
        Box::new(child.stdout.take().unwrap())
    };
    let reader = std::thread::spawn(move || {
        let mut v = String::new();
        let mut kept = kept;
        let _ = kept.read_to_string(&mut v);
        v
    });
    let status = wait_or_kill(&mut child, "closed pipe run");
    (status, reader.join().unwrap())
}

/// Row 12: a closed stdout is never a panic and never a transport failure; a closed stderr
/// does not stop a bulk delete, whose summary stays right.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_or_stderr_is_never_a_panic() {
    let tasks: Vec<Task> = (0..300)
        .map(|i| task(&format!("t-{i:03}"), &ago(60)))
        .collect();
    let svc = Lying::start(move |r| {
        if r.is_list() {
            honest_page(&tasks, r)
        } else {
            json(200, "{}")
        }
    })
    .await;
    let e = svc.endpoint.clone();
    tokio::task::spawn_blocking(move || {
        for args in [
            vec!["tasks", "delete", "--all", "--dry-run"],
            vec!["call", "--list"],
            vec![
                "call",
                "ListCenterTask",
                "--input-json",
                r#"{"limit": 1000}"#,
            ],
            vec!["tasks", "list", "--all", "--output", "tsv"],
            vec!["completions", "bash"],
        ] {
            let (status, err) = with_closed(command(&args, &e), true);
            assert_eq!(status.code(), Some(0), "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
        }
        // Every bulk worker writes progress to a closed stderr: all 300 are deleted, and
        // the summary on stdout says so.
        let (status, out) = with_closed(
            command(
                &["tasks", "delete", "--all", "--yes", "--output", "json"],
                &e,
            ),
            false,
        );
        assert_eq!(status.code(), Some(0), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["selected"], 300);
        assert_eq!(v["deleted"].as_array().unwrap().len(), 300, "{v}");
    })
    .await
    .unwrap();
    assert_eq!(svc.deletes().len(), 300);
}

/// Row 12: `dcs call ... | head -c 100`: the reader leaves after 100 bytes of a long answer;
/// the call succeeded, so the exit is 0, not 3 ("transport failure").
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_reader_that_leaves_early_is_not_a_transport_failure() {
    let tasks: Vec<Task> = (0..1000)
        .map(|i| task(&format!("t-{i:04}"), &ago(60)))
        .collect();
    let svc = Lying::start(move |r| honest_page(&tasks, r)).await;
    let mut cmd = command(
        &[
            "call",
            "ListCenterTask",
            "--input-json",
            r#"{"limit": 1000}"#,
        ],
        &svc.endpoint,
    );
    let (status, err) = tokio::task::spawn_blocking(move || {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        out.read_exact(&mut first).unwrap();
        drop(out);
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        (wait_or_kill(&mut child, "call | head -c 100"), err)
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("transport"), "{err}");
}

// ---- row 13 ----------------------------------------------------------------------------

/// Row 13: `--query` with 60,000 nested parentheses, or `@` and 50,000 `[]`, is refused
/// (exit 2, naming the limit) instead of overflowing the stack.
#[tokio::test(flavor = "multi_thread")]
async fn deep_queries_are_refused_not_a_stack_overflow() {
    let tasks = vec![task("t-1", &ago(60))];
    let svc = Lying::start(move |r| honest_page(&tasks, r)).await;
    let parens = format!("{}@{}", "(".repeat(60_000), ")".repeat(60_000));
    let flatten = format!("@{}", "[]".repeat(50_000));
    let nested = format!("{}@{}", "(".repeat(1000), ")".repeat(1000));
    for q in [&parens, &flatten, &nested] {
        for args in [
            vec!["tasks", "list", "--query", q.as_str()],
            vec!["instances", "list", "--query", q.as_str()],
        ] {
            let out = dcs(&args, &svc.endpoint).await;
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{err}");
            assert!(err.contains("--query: the expression"), "{err}");
        }
    }
}

// ---- row 14 ----------------------------------------------------------------------------

/// Row 14: `--input-file /dev/zero`, and stdin from `/dev/zero`, are read up to the cap and
/// refused naming the source and the cap; nothing is sent.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn endless_input_is_capped_and_named() {
    let svc = Lying::start(|_| json(200, "{}")).await;
    let out = dcs(
        &["call", "ListCenterTask", "--input-file", "/dev/zero"],
        &svc.endpoint,
    )
    .await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the input file /dev/zero is larger than 16777216 bytes"),
        "{err}"
    );
    let mut cmd = command(
        &["call", "ListCenterTask", "--input-file", "-"],
        &svc.endpoint,
    );
    cmd.stdin(std::fs::File::open("/dev/zero").unwrap());
    let out = tokio::task::spawn_blocking(move || run(cmd, "stdin /dev/zero"))
        .await
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("the input on stdin is larger than"), "{err}");

    // A profile, regions file and CA bundle that are /dev/zero, through the binary.
    for (var, name) in [
        ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "credentials file"),
        ("HUAWEICLOUD_SDK_REGIONS_FILE", "regions file"),
        ("HUAWEICLOUD_SDK_CA_BUNDLE", "CA bundle"),
    ] {
        let mut cmd = command(&["tasks", "list"], &svc.endpoint);
        cmd.env(var, "/dev/zero");
        if var == "HUAWEICLOUD_SDK_CREDENTIALS_FILE" {
            cmd.env_remove("HUAWEICLOUD_SDK_AK")
                .env_remove("HUAWEICLOUD_SDK_SK");
        }
        if var == "HUAWEICLOUD_SDK_REGIONS_FILE" {
            cmd.env_remove("DCS_ENDPOINT")
                .env("HUAWEICLOUD_SDK_REGION", "cn-north-4");
        }
        let out = tokio::task::spawn_blocking(move || run(cmd, var))
            .await
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}: {err}");
        assert!(err.contains("/dev/zero"), "{var}: {err}");
        assert!(
            err.contains(&format!("the {name} is larger than")),
            "{var}: {err}"
        );
    }
    assert!(svc.requests().is_empty());
}

// ---- row 8 -----------------------------------------------------------------------------

/// Row 8: an endpoint URL with a password is refused without printing the password, from
/// `DCS_ENDPOINT`, `--endpoint`, `HUAWEICLOUD_SDK_REGION_DCS_*` and the regions file.
#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_password_is_never_printed() {
    const PASSWORD: &str = "S3cret-canary";
    let url = format!("https://user:{PASSWORD}@dcs.example.com");
    let dir = std::env::temp_dir().join(format!("dcs-hostile-regions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let regions = dir.join("regions.yaml");
    std::fs::write(
        &regions,
        format!("DCS:\n  - id: cn-north-4\n    endpoint: {url}\n"),
    )
    .unwrap();
    let mut cmds = Vec::new();
    cmds.push(command(&["tasks", "list"], &url));
    let mut c = command(
        &["tasks", "list", "--endpoint", &url],
        "https://dcs.example.com",
    );
    c.env_remove("DCS_ENDPOINT");
    cmds.push(c);
    let mut c = command(&["call", "ListCenterTask"], "unused");
    c.env_remove("DCS_ENDPOINT")
        .env("HUAWEICLOUD_SDK_REGION", "cn-north-4")
        .env("HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4", &url);
    cmds.push(c);
    let mut c = command(&["tasks", "list"], "unused");
    c.env_remove("DCS_ENDPOINT")
        .env("HUAWEICLOUD_SDK_REGION", "cn-north-4")
        .env("HUAWEICLOUD_SDK_REGIONS_FILE", &regions);
    cmds.push(c);
    for cmd in cmds {
        let out = tokio::task::spawn_blocking(move || run(cmd, "password endpoint"))
            .await
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("user info is not allowed"), "{err}");
        assert!(!err.contains(PASSWORD), "{err}");
        assert!(err.contains("user:** redacted **@dcs.example.com"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- row 18 ----------------------------------------------------------------------------

/// Row 18: SIGTERM during a bulk delete is treated like Ctrl-C: no more deletes, those in
/// flight finished, the summary printed, exit 143.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_a_bulk_delete_like_ctrl_c_and_exits_143() {
    let tasks: Vec<Task> = (0..2000)
        .map(|i| task(&format!("t-{i:04}"), &ago(60)))
        .collect();
    let deleted = Arc::new(Mutex::new(Vec::<String>::new()));
    let gone = deleted.clone();
    let svc = Lying::start(move |r| {
        if r.is_list() {
            return honest_page(&tasks, r);
        }
        // Each delete takes a while, so the signal lands mid-run.
        std::thread::sleep(Duration::from_millis(20));
        gone.lock().unwrap().push(r.task().unwrap().to_string());
        json(200, "{}")
    })
    .await;
    let cmd = command(
        &["tasks", "delete", "--all", "--yes", "--output", "json"],
        &svc.endpoint,
    );
    let log = svc.log.clone();
    let (status, stdout, stderr) = tokio::task::spawn_blocking(move || {
        signal_when(cmd, "-TERM", move || {
            log.lock()
                .unwrap()
                .iter()
                .filter(|r| r.task().is_some())
                .count()
                >= 50
        })
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["interrupted"], true);
    let reported = ids(&v, "deleted");
    let not_attempted = ids(&v, "not_attempted");
    assert!(!not_attempted.is_empty(), "{v}");
    assert_eq!(reported.len() + not_attempted.len(), 2000, "{v}");
    assert_eq!(reported, sorted(deleted.lock().unwrap().clone()));
    assert!(stderr.contains("selected:"), "the summary line: {stderr}");
}

// ---- the whole lie -----------------------------------------------------------------------

/// One end-to-end `dcs tasks delete` per lie (HTML 404, another 404 code, ignored offset,
/// ignored `start_time`, repeated pages): the summary names exactly what happened, and no
/// task outside the selection is ever sent a DELETE.
#[tokio::test(flavor = "multi_thread")]
async fn a_lying_service_never_makes_delete_report_what_did_not_happen() {
    // Every task the service has: 10 created in the last hour (the selection with --since
    // 1h), 10 from 2020 (outside it).
    let mut all: Vec<Task> = (0..10)
        .map(|i| task(&format!("new-{i}"), &ago(300)))
        .collect();
    all.extend((0..10).map(|i| task(&format!("old-{i}"), "2020-06-01T00:00:00Z")));
    let selection: Vec<String> = (0..10).map(|i| format!("new-{i}")).collect();

    #[derive(Clone, Copy, Debug)]
    enum Lie {
        Html404,
        OtherCode404,
        IgnoredOffset,
        IgnoredStartTime,
        RepeatedPages,
    }
    for lie in [
        Lie::Html404,
        Lie::OtherCode404,
        Lie::IgnoredOffset,
        Lie::IgnoredStartTime,
        Lie::RepeatedPages,
    ] {
        let tasks = all.clone();
        let svc = Lying::start(move |r| {
            // What an honest service lists for `start_time` (every lie but one honours it).
            let honest: Vec<Task> = if r.query.contains_key("start_time") {
                tasks
                    .iter()
                    .filter(|t| t.id.starts_with("new"))
                    .cloned()
                    .collect()
            } else {
                tasks.clone()
            };
            if r.is_list() {
                return match lie {
                    Lie::IgnoredOffset => page(&honest[..5], None),
                    Lie::IgnoredStartTime => honest_page(&tasks, r),
                    Lie::RepeatedPages => {
                        // Pages of 4 that overlap, each a different one: offset n starts at
                        // task n/2, and the total (18) counts the tasks listed twice.
                        let from = (r.offset() / 2).min(honest.len());
                        let to = (from + 4).min(honest.len());
                        page(&honest[from..to], Some(18))
                    }
                    _ => honest_page(&honest, r),
                };
            }
            let id = r.task().unwrap_or("");
            match lie {
                // Half the deletes meet the lie; the rest are deleted.
                Lie::Html404 if id.ends_with(['0', '2', '4', '6', '8']) => html_404(),
                Lie::OtherCode404 if id.ends_with(['0', '2', '4', '6', '8']) => {
                    dcs_error(404, "DCS.4022", "This DCS instance does not exist")
                }
                _ => json(200, "{}"),
            }
        })
        .await;
        let out = dcs(
            &[
                "tasks", "delete", "--all", "--since", "1h", "--yes", "--output", "json",
            ],
            &svc.endpoint,
        )
        .await;
        let err = text(&out.stderr);
        let sent = sorted(svc.deletes());
        assert!(
            sent.iter().all(|id| selection.contains(id)),
            "{lie:?}: a DELETE outside the selection: {sent:?}"
        );
        match lie {
            Lie::Html404 | Lie::OtherCode404 => {
                assert_eq!(out.status.code(), Some(1), "{lie:?}: {err}");
                let v = summary(&out);
                assert_eq!(v["selected"], 10, "{lie:?}");
                assert_eq!(
                    ids(&v, "deleted"),
                    ["new-1", "new-3", "new-5", "new-7", "new-9"]
                );
                assert_eq!(
                    ids(&v, "failed"),
                    ["new-0", "new-2", "new-4", "new-6", "new-8"]
                );
                assert!(ids(&v, "already_gone").is_empty(), "{lie:?}: {v}");
                let code = if matches!(lie, Lie::Html404) {
                    serde_json::Value::Null
                } else {
                    serde_json::json!("DCS.4022")
                };
                for f in v["failed"].as_array().unwrap() {
                    assert_eq!(f["status"], 404, "{lie:?}");
                    assert_eq!(f["code"], code, "{lie:?}");
                }
                assert!(err.contains("10 selected: 5 deleted, 0 already gone, 0 refused, 5 failed"));
                assert_eq!(sent, selection, "{lie:?}: each selected task sent once");
            }
            Lie::IgnoredOffset => {
                assert_eq!(out.status.code(), Some(1), "{lie:?}: {err}");
                assert!(err.contains("ignored `offset`"), "{err}");
                assert!(err.contains("nothing was deleted"), "{err}");
                assert!(sent.is_empty(), "{lie:?}: {sent:?}");
            }
            Lie::IgnoredStartTime | Lie::RepeatedPages => {
                assert_eq!(out.status.code(), Some(0), "{lie:?}: {err}");
                let v = summary(&out);
                assert_eq!(v["selected"], 10, "{lie:?}: {v}");
                assert_eq!(ids(&v, "deleted"), selection, "{lie:?}");
                assert_eq!(sent, selection, "{lie:?}: each selected task sent once");
                assert!(err.contains("10 selected: 10 deleted"), "{err}");
            }
        }
    }
}
