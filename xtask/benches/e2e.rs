//! End-to-end DeleteCenterTask over loopback: `TasksClient` against a bare hyper client.
//!
//! `cargo bench -p xtask --bench e2e [-- OPTIONS]` (or `cargo xtask bench`).
//!
//! Without a mode flag this binary is the orchestrator. It re-executes itself
//! (`std::env::current_exe()`) once per measurement, so that every mode runs in a fresh process
//! with its own loopback server, and its peak RSS (`VmHWM`) belongs to that mode alone:
//!
//! 1. a byte-identity check: one request from each client, captured raw off the socket, with
//!    the same signing time, must be the same bytes;
//! 2. the ratios: `--ab-runs` processes per concurrency (1 and 32), each holding both clients
//!    served by one server thread (a port each), taking turns in short slices (bare, ours,
//!    ours, bare, ...) so that drift of this shared 2-core machine hits both alike; ratios
//!    are per adjacent slice pair; one more process per concurrency runs bare against bare
//!    (A/A), to show the method's own spread;
//! 3. `--rounds` rounds of {bare, ours} x {concurrency 1, 32}, one process each, the order
//!    alternating between rounds: peak RSS, connections accepted, absolute rates, CPU split;
//! 4. a server probe: a raw keep-alive TCP client replaying pre-signed bytes, to show what the
//!    server can answer on this machine;
//! 5. bulk deletes (`--bulk 10000`, `--bulk 100000`) with 32 in flight, for memory flatness;
//! 6. client construction time (`--build-time 50`);
//! 7. when `DCS_OFFICIAL_SDK_PYTHON` names a Python with `huaweicloudsdkdcs`, the official
//!    Python SDK's sequential deletes against the same kind of server, for scale.
//!
//! The server is a minimal hyper HTTP/1.1 server on its own thread and current-thread tokio
//! runtime: it answers 200 with an empty body to anything and counts accepted connections.
//! The clients run on a 2-worker multi-thread runtime. The bare baseline signs every request
//! itself with `dcs_transport::signer::sign`, as any client of this API would have to.
//!
//! Only 127.0.0.1 is ever contacted. Every loop is bounded in count and in time, and the
//! orchestrator kills a child that overruns its time limit.

use bytes::Bytes;
use dcs_tasks::{Credentials, TasksClient};
use dcs_transport::config::default_user_agent;
use dcs_transport::signer::{self, SignableRequest};
use dcs_transport::{ManualTime, SdkDate, SecretString};
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PROJECT_ID: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
const TASK_ID: &str = "ff8080818e1c6f1b018e2b7d5a3c0042";
const ACCESS_KEY: &str = "QTWAOYTTINDUT2QVKYUC";
const SECRET_KEY: &str = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc";
const CONTENT_TYPE: &str = "application/json;charset=utf-8";
const FIXED_UNIX_TIME: u64 = 1_710_490_150;
const CLIENT_WORKERS: usize = 2;
/// Hard cap on requests in one measured phase, whatever the duration.
const MAX_REQUESTS_PER_PHASE: u64 = 3_000_000;
/// Hard cap on the bulk mode's size.
const MAX_BULK: u64 = 1_000_000;
/// A bulk child gives up after this long.
const BULK_TIME_LIMIT: Duration = Duration::from_secs(120);

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, BoxError>;

fn main() -> ExitCode {
    // `cargo bench` appends `--bench`; it means nothing here.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let outcome = match args.first().map(String::as_str) {
        Some("--child") => child_throughput(&args[1..]),
        Some("--ab") => child_ab(&args[1..]),
        Some("--bulk") => child_bulk(&args[1..]),
        Some("--build-time") => child_build_time(&args[1..]),
        Some("--check-identical") => check_identical().map(|_| ()),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Options::parse(&args).and_then(orchestrate),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("e2e: error: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "\
e2e [--ab-runs N] [--slices N] [--slice-ms MS] [--rounds N] [--secs S] [--warmup-ms MS]
    [--builds N] [--no-bulk] [--bulk-sizes A,B] [--no-pin]
    orchestrates every measurement (each in a child process) and prints the summary
e2e --ab <concurrency> <slices> <slice-ms> <warmup-ms> [aa]
    bare and ours in one process on one server thread, alternating slices; prints the ratios
    (aa: bare on both sides, to see the method's own bias and spread)
e2e --child <ours|bare|raw> <concurrency> <secs> <warmup-ms>
    one client kind in this process (peak RSS, connections, CPU)
e2e --bulk <N> [concurrency]
    N deletes with TasksClient, bounded concurrency (default 32), then peak RSS
e2e --build-time <N>
    times N TasksClient builds (TLS roots loaded each time)
e2e --check-identical
    checks that TasksClient and the bare client put the same bytes on the wire";

// ---------------------------------------------------------------------------------------------
// Small utilities: argument parsing, /proc readers, a constant-memory latency histogram.

fn parse_num<T: std::str::FromStr>(what: &str, v: Option<&String>) -> Res<T> {
    let v = v.ok_or_else(|| format!("{what} needs a value"))?;
    v.parse()
        .map_err(|_| format!("{what}: cannot parse {v:?}").into())
}

/// A field of `/proc/self/status` in kB (`VmHWM`, `VmRSS`).
fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Nanoseconds a thread has run on a CPU (first field of its schedstat).
fn thread_cpu_ns(tid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Nanoseconds all live threads of this process have run on a CPU.
fn process_cpu_ns() -> Option<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let name = entry.ok()?.file_name();
        total += thread_cpu_ns(name.to_str()?)?;
    }
    Some(total)
}

/// The id of the calling thread, from the `/proc/thread-self` link (`PID/task/TID`).
fn current_tid() -> Option<String> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    Some(link.file_name()?.to_str()?.to_string())
}

/// Latency histogram in nanoseconds with under 0.8% relative error and a fixed size (17 KiB),
/// so recording never allocates and memory does not grow with the request count.
#[derive(Clone)]
struct Hist {
    counts: Vec<u32>,
    n: u64,
}

impl Hist {
    const SUB_BITS: u32 = 7;
    const SUB: usize = 1 << Self::SUB_BITS;
    /// Values are clamped below 2^40 ns (about 18 minutes).
    const MAX_BITS: u32 = 40;
    const LEN: usize = Self::SUB + (Self::MAX_BITS - Self::SUB_BITS) as usize * Self::SUB;

    fn new() -> Self {
        Self {
            counts: vec![0; Self::LEN],
            n: 0,
        }
    }

    fn index(v: u64) -> usize {
        let v = v.min((1 << Self::MAX_BITS) - 1);
        if v < Self::SUB as u64 {
            return v as usize;
        }
        let shift = 63 - v.leading_zeros() - Self::SUB_BITS;
        let mantissa = (v >> shift) as usize - Self::SUB;
        Self::SUB + shift as usize * Self::SUB + mantissa
    }

    /// The midpoint of a bucket.
    fn value(idx: usize) -> u64 {
        if idx < Self::SUB {
            return idx as u64;
        }
        let shift = ((idx - Self::SUB) / Self::SUB) as u32;
        let mantissa = ((idx - Self::SUB) % Self::SUB + Self::SUB) as u64;
        (mantissa << shift) + ((1u64 << shift) >> 1)
    }

    fn record(&mut self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let slot = &mut self.counts[Self::index(ns)];
        *slot = slot.saturating_add(1);
        self.n += 1;
    }

    fn merge(&mut self, other: &Hist) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = a.saturating_add(*b);
        }
        self.n += other.n;
    }

    /// The `q` quantile (0..=1) in nanoseconds.
    fn quantile(&self, q: f64) -> u64 {
        if self.n == 0 {
            return 0;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0u64;
        for (i, c) in self.counts.iter().enumerate() {
            seen += u64::from(*c);
            if seen >= rank {
                return Self::value(i);
            }
        }
        Self::value(Self::LEN - 1)
    }
}

/// A `key=value` result line, the only thing a child prints on stdout.
struct Report(String);

impl Report {
    fn new() -> Self {
        Report(String::from("E2E"))
    }
    fn put(&mut self, k: &str, v: impl std::fmt::Display) -> &mut Self {
        let _ = write!(self.0, " {k}={v}");
        self
    }
    fn print(&self) {
        println!("{}", self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// The loopback server.

/// Answers 200 with an empty body to every request, on its own thread and runtime.
struct Server {
    /// One listening port per client it serves; [`Server::port`] is the first.
    ports: Vec<u16>,
    port: u16,
    tid: Option<String>,
    /// Connections accepted on each port.
    accepted: Vec<Arc<AtomicU64>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Res<Server> {
        Self::start_with_ports(1)
    }

    /// One server thread listening on `n` ports, so that clients sharing the thread still
    /// have their connections counted apart.
    fn start_with_ports(n: usize) -> Res<Server> {
        let accepted: Vec<Arc<AtomicU64>> = (0..n).map(|_| Arc::new(AtomicU64::new(0))).collect();
        let counters = accepted.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Res<(Vec<u16>, Option<String>)>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("e2e-server".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                rt.block_on(async move {
                    let mut ports = Vec::with_capacity(counters.len());
                    for counter in counters {
                        let listener = match TcpListener::bind("127.0.0.1:0").await {
                            Ok(l) => l,
                            Err(e) => {
                                let _ = ready_tx.send(Err(e.into()));
                                return;
                            }
                        };
                        ports.push(listener.local_addr().map(|a| a.port()).unwrap_or(0));
                        // Accept loops run on this thread's runtime and end with it.
                        tokio::spawn(accept_loop(listener, counter));
                    }
                    let _ = ready_tx.send(Ok((ports, current_tid())));
                    let _ = stop_rx.await;
                });
            })?;
        let (ports, tid) = ready_rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "the loopback server did not start")??;
        Ok(Server {
            port: ports[0],
            ports,
            tid,
            accepted,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    fn accepted(&self) -> u64 {
        self.accepted_on(0)
    }

    fn accepted_on(&self, i: usize) -> u64 {
        self.accepted[i].load(Ordering::Relaxed)
    }

    fn cpu_ns(&self) -> Option<u64> {
        thread_cpu_ns(self.tid.as_deref()?)
    }
}

/// Accepts connections on `listener`, counting them, and answers `200` with an empty body to
/// every request on each.
async fn accept_loop(listener: TcpListener, counter: Arc<AtomicU64>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(|_req| async {
                Ok::<_, Infallible>(hyper::Response::new(Empty::<Bytes>::new()))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The clients.

fn ours(port: u16, fixed_time: bool) -> Res<TasksClient> {
    let mut b = TasksClient::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY))
        .project_id(PROJECT_ID);
    if fixed_time {
        b = b.clock(Arc::new(ManualTime::new(
            UNIX_EPOCH + Duration::from_secs(FIXED_UNIX_TIME),
        )));
    }
    Ok(b.build()?)
}

/// hyper-util's legacy client over plain `HttpConnector`, configured like ours (TCP_NODELAY,
/// 90 s idle, 64 idle per host), signing each request itself. No timeouts, retries, tracing,
/// validation or response cap: the least any signed client has to do.
struct Bare {
    client: HyperClient<HttpConnector, Full<Bytes>>,
    uri: http::Uri,
    authority: String,
    path: String,
    user_agent: String,
    secret: SecretString,
    fixed_date: Option<SdkDate>,
}

impl Bare {
    fn new(port: u16, fixed_time: bool) -> Res<Bare> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(64)
            .pool_timer(TokioTimer::new())
            .build(connector);
        let authority = format!("127.0.0.1:{port}");
        let path = format!("/v2/{PROJECT_ID}/tasks/{TASK_ID}");
        let uri = format!("http://{authority}{path}").parse()?;
        Ok(Bare {
            client,
            uri,
            authority,
            path,
            user_agent: default_user_agent(),
            secret: SecretString::new(SECRET_KEY),
            fixed_date: fixed_time.then(|| SdkDate::from_unix_seconds(FIXED_UNIX_TIME as i64)),
        })
    }

    fn request(&self) -> Res<http::Request<Full<Bytes>>> {
        let headers = [
            ("Content-Type", CONTENT_TYPE),
            ("User-Agent", self.user_agent.as_str()),
            ("X-Project-Id", PROJECT_ID),
        ];
        let date = self
            .fixed_date
            .unwrap_or_else(|| SdkDate::from_system_time(SystemTime::now()));
        let signable = SignableRequest {
            method: "DELETE",
            authority: &self.authority,
            path: &self.path,
            query: &[],
            headers: &headers,
            body: &[],
        };
        let signed = signer::sign(&signable, ACCESS_KEY, &self.secret, date)?;
        let mut b = http::Request::builder()
            .method(http::Method::DELETE)
            .uri(self.uri.clone());
        for (n, v) in headers {
            b = b.header(n, v);
        }
        for (n, v) in &signed.added_headers {
            b = b.header(*n, v.as_str());
        }
        Ok(b.body(Full::new(Bytes::new()))?)
    }

    async fn delete(&self) -> Res<()> {
        let resp = self.client.request(self.request()?).await?;
        let status = resp.status();
        resp.into_body().collect().await?;
        if !status.is_success() {
            return Err(format!("bare client got HTTP {status}").into());
        }
        Ok(())
    }
}

/// The server probe: one keep-alive connection replaying fixed, pre-signed request bytes and
/// reading up to the end of each (body-less) answer. Almost no client work, so its rate is
/// close to what the server can answer on this machine.
struct Raw {
    port: u16,
    request: Arc<Vec<u8>>,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Raw {
    fn request_bytes(port: u16) -> Res<Vec<u8>> {
        let bare = Bare::new(port, false)?;
        let req = bare.request()?;
        let mut out = format!("DELETE {} HTTP/1.1\r\n", bare.path).into_bytes();
        for (n, v) in req.headers() {
            out.extend_from_slice(n.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        Ok(out)
    }

    async fn delete(&mut self) -> Res<()> {
        if self.stream.is_none() {
            let s = TcpStream::connect(("127.0.0.1", self.port)).await?;
            s.set_nodelay(true)?;
            self.stream = Some(s);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err("no connection".into());
        };
        stream.write_all(&self.request).await?;
        self.buf.clear();
        let mut chunk = [0u8; 512];
        // Bounded: an answer head longer than 64 KiB is an error.
        while self.buf.len() < 64 * 1024 {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
            if self.buf.windows(4).any(|w| w == b"\r\n\r\n") {
                if !self.buf.starts_with(b"HTTP/1.1 200") {
                    return Err("the server did not answer 200".into());
                }
                return Ok(());
            }
        }
        Err("answer head too long".into())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    Ours,
    Bare,
    Raw,
}

impl Kind {
    fn parse(s: &str) -> Res<Kind> {
        match s {
            "ours" => Ok(Kind::Ours),
            "bare" => Ok(Kind::Bare),
            "raw" => Ok(Kind::Raw),
            _ => Err(format!("unknown client kind {s:?}").into()),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Bare => "bare",
            Kind::Raw => "raw",
        }
    }
}

/// One in-flight slot: it sends one delete at a time.
enum Worker {
    Ours(TasksClient),
    Bare(Arc<Bare>),
    Raw(Raw),
}

impl Worker {
    async fn delete(&mut self, task_id: Option<&str>) -> Res<()> {
        match self {
            Worker::Ours(c) => c
                .delete_center_task(task_id.unwrap_or(TASK_ID))
                .send()
                .await
                .map(|_| ())
                .map_err(Into::into),
            Worker::Bare(b) => b.delete().await,
            Worker::Raw(r) => r.delete().await,
        }
    }
}

fn client_runtime() -> Res<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(CLIENT_WORKERS)
        .thread_name("e2e-client")
        .enable_all()
        .build()?)
}

struct PhaseResult {
    workers: Vec<Worker>,
    hist: Hist,
    elapsed: Duration,
    errors: u64,
    first_error: Option<String>,
}

/// Runs every worker in its own task until `dur` has passed or `max` requests were started.
async fn run_phase(workers: Vec<Worker>, dur: Duration, max: u64) -> Res<PhaseResult> {
    let started = Instant::now();
    let stop_at = started + dur;
    let issued = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::with_capacity(workers.len());
    for mut w in workers {
        let issued = issued.clone();
        handles.push(tokio::spawn(async move {
            let mut hist = Hist::new();
            let mut error = None;
            while Instant::now() < stop_at && issued.fetch_add(1, Ordering::Relaxed) < max {
                let t0 = Instant::now();
                match w.delete(None).await {
                    Ok(()) => hist.record(t0.elapsed()),
                    Err(e) => {
                        error = Some(e.to_string());
                        break;
                    }
                }
            }
            (w, hist, error)
        }));
    }
    let mut out = PhaseResult {
        workers: Vec::with_capacity(handles.len()),
        hist: Hist::new(),
        elapsed: Duration::ZERO,
        errors: 0,
        first_error: None,
    };
    for h in handles {
        let (w, hist, error) = h.await?;
        out.workers.push(w);
        out.hist.merge(&hist);
        if let Some(e) = error {
            out.errors += 1;
            out.first_error.get_or_insert(e);
        }
    }
    out.elapsed = started.elapsed();
    Ok(out)
}

fn make_workers(kind: Kind, conc: usize, port: u16) -> Res<Vec<Worker>> {
    let mut workers = Vec::with_capacity(conc);
    match kind {
        Kind::Ours => {
            let c = ours(port, false)?;
            workers.extend((0..conc).map(|_| Worker::Ours(c.clone())));
        }
        Kind::Bare => {
            let b = Arc::new(Bare::new(port, false)?);
            workers.extend((0..conc).map(|_| Worker::Bare(b.clone())));
        }
        Kind::Raw => {
            let request = Arc::new(Raw::request_bytes(port)?);
            workers.extend((0..conc).map(|_| {
                Worker::Raw(Raw {
                    port,
                    request: request.clone(),
                    stream: None,
                    buf: Vec::with_capacity(512),
                })
            }));
        }
    }
    Ok(workers)
}

// ---------------------------------------------------------------------------------------------
// Child modes.

/// One client of the interleaved comparison.
struct Side {
    kind: Kind,
    /// Connections the server accepted while this side was running.
    conns: u64,
    workers: Vec<Worker>,
    hist: Hist,
    requests: u64,
    secs: f64,
    client_cpu_ns: u64,
    slice_rps: Vec<f64>,
    slice_p99_ns: Vec<u64>,
}

/// `--ab CONC SLICES SLICE_MS WARMUP_MS [aa]`: bare and ours in one process, served by one
/// server thread, taking turns in short slices (bare-ours, ours-bare, ...), so that machine
/// drift hits both alike. Ratios are taken per adjacent pair of slices. With `aa`, both
/// sides are the bare client: the ratios then show the method's own bias and spread.
///
/// One server thread for both matters: with a server thread each, an A/A run at conc 1
/// unpinned gave the second side 0.89–0.96 of the first in every one of 8 processes (the two
/// threads are scheduled differently). With one thread the A/A medians centre on 1.00, though
/// a single unpinned process can still be off by 20 %. The thread listens on a port per
/// side, so each side's connections are counted apart (bare's pool finishes connects in the
/// background, after its slice may have ended).
fn child_ab(args: &[String]) -> Res<()> {
    let conc: usize = parse_num("concurrency", args.first())?;
    let slices: usize = parse_num("slices", args.get(1))?;
    let slice_ms: u64 = parse_num("slice-ms", args.get(2))?;
    let warmup_ms: u64 = parse_num("warmup-ms", args.get(3))?;
    if !(1..=1024).contains(&conc)
        || !(1..=100).contains(&slices)
        || !(20..=10_000).contains(&slice_ms)
        || warmup_ms > 10_000
    {
        return Err("concurrency 1..=1024, slices 1..=100, slice-ms 20..=10000".into());
    }
    let aa = match args.get(4).map(String::as_str) {
        None => false,
        Some("aa") => true,
        Some(other) => return Err(format!("unexpected {other:?} (only `aa`)").into()),
    };
    let rt = client_runtime()?;
    let server = Server::start_with_ports(2)?;
    let mut sides = Vec::with_capacity(2);
    let second = if aa { Kind::Bare } else { Kind::Ours };
    for (i, kind) in [Kind::Bare, second].into_iter().enumerate() {
        let workers = make_workers(kind, conc, server.ports[i])?;
        sides.push(Side {
            kind,
            conns: 0,
            workers,
            hist: Hist::new(),
            requests: 0,
            secs: 0.0,
            client_cpu_ns: 0,
            slice_rps: Vec::with_capacity(slices),
            slice_p99_ns: Vec::with_capacity(slices),
        });
    }
    let warm = Duration::from_millis(warmup_ms);
    let slice = Duration::from_millis(slice_ms);
    rt.block_on(async {
        for side in sides.iter_mut() {
            let w = run_phase(
                std::mem::take(&mut side.workers),
                warm,
                MAX_REQUESTS_PER_PHASE,
            )
            .await?;
            if let Some(e) = w.first_error {
                return Err(format!("{} warm-up failed: {e}", side.kind.name()).into());
            }
            side.workers = w.workers;
        }
        for i in 0..slices {
            let order = if i % 2 == 0 { [0, 1] } else { [1, 0] };
            for idx in order {
                let before = (process_cpu_ns(), server.cpu_ns());
                let side = &mut sides[idx];
                let m = run_phase(
                    std::mem::take(&mut side.workers),
                    slice,
                    MAX_REQUESTS_PER_PHASE,
                )
                .await?;
                if let Some(e) = m.first_error {
                    return Err(format!("{} failed: {e}", side.kind.name()).into());
                }
                side.workers = m.workers;
                let secs = m.elapsed.as_secs_f64();
                side.requests += m.hist.n;
                side.secs += secs;
                side.slice_rps.push(m.hist.n as f64 / secs);
                side.slice_p99_ns.push(m.hist.quantile(0.99));
                side.hist.merge(&m.hist);
                let after = (process_cpu_ns(), server.cpu_ns());
                if let ((Some(p0), Some(s0)), (Some(p1), Some(s1))) = (before, after) {
                    let client = p1.saturating_sub(p0).saturating_sub(s1.saturating_sub(s0));
                    sides[idx].client_cpu_ns += client;
                }
            }
        }
        Ok::<_, BoxError>(())
    })?;
    for (i, side) in sides.iter_mut().enumerate() {
        side.conns = server.accepted_on(i);
    }
    let (bare, ours) = (&sides[0], &sides[1]);
    let pair_rps: Vec<f64> = ours
        .slice_rps
        .iter()
        .zip(&bare.slice_rps)
        .map(|(a, b)| a / b)
        .collect();
    let pair_p99: Vec<f64> = ours
        .slice_p99_ns
        .iter()
        .zip(&bare.slice_p99_ns)
        .map(|(a, b)| *a as f64 / *b as f64)
        .collect();
    let mut r = Report::new();
    r.put("kind", "ab")
        .put("conc", conc)
        .put("slices", slices)
        .put("aa", u8::from(aa));
    for (side, k) in [(bare, "bare"), (ours, "ours")] {
        r.put(&format!("{k}_requests"), side.requests)
            .put(
                &format!("{k}_rps"),
                format!("{:.0}", side.requests as f64 / side.secs),
            )
            .put(
                &format!("{k}_p50_us"),
                format!("{:.1}", side.hist.quantile(0.50) as f64 / 1e3),
            )
            .put(
                &format!("{k}_p99_us"),
                format!("{:.1}", side.hist.quantile(0.99) as f64 / 1e3),
            )
            .put(&format!("{k}_conns"), side.conns);
        if side.requests > 0 && side.client_cpu_ns > 0 {
            r.put(
                &format!("{k}_client_cpu_us_per_req"),
                format!(
                    "{:.2}",
                    side.client_cpu_ns as f64 / 1e3 / side.requests as f64
                ),
            );
        }
    }
    r.put(
        "rps_ratio_median",
        format!("{:.4}", median(pair_rps.clone())),
    )
    .put("rps_ratio_range", spread(&pair_rps))
    .put(
        "p99_ratio_median",
        format!("{:.4}", median(pair_p99.clone())),
    )
    .put("p99_ratio_range", spread(&pair_p99))
    .put("errors", 0);
    r.print();
    drop(rt);
    drop(sides);
    drop(server);
    Ok(())
}

/// `--child KIND CONC SECS WARMUP_MS`
fn child_throughput(args: &[String]) -> Res<()> {
    let kind = Kind::parse(args.first().ok_or("--child needs a client kind")?)?;
    let conc: usize = parse_num("concurrency", args.get(1))?;
    let secs: f64 = parse_num("secs", args.get(2))?;
    let warmup_ms: u64 = parse_num("warmup-ms", args.get(3))?;
    if !(1..=1024).contains(&conc) || !(0.05..=60.0).contains(&secs) || warmup_ms > 10_000 {
        return Err("concurrency 1..=1024, secs 0.05..=60, warmup-ms <= 10000".into());
    }
    let server = Server::start()?;
    let rt = client_runtime()?;
    let workers = make_workers(kind, conc, server.port)?;
    let (measured, cpu) = rt.block_on(async {
        let warm = run_phase(
            workers,
            Duration::from_millis(warmup_ms),
            MAX_REQUESTS_PER_PHASE,
        )
        .await?;
        if let Some(e) = warm.first_error {
            return Err(format!("warm-up failed: {e}").into());
        }
        let cpu0 = (process_cpu_ns(), server.cpu_ns());
        let m = run_phase(
            warm.workers,
            Duration::from_secs_f64(secs),
            MAX_REQUESTS_PER_PHASE,
        )
        .await?;
        let cpu1 = (process_cpu_ns(), server.cpu_ns());
        Ok::<_, BoxError>((m, (cpu0, cpu1)))
    })?;
    let wall = measured.elapsed.as_secs_f64();
    let n = measured.hist.n;
    let mut r = Report::new();
    r.put("kind", kind.name())
        .put("conc", conc)
        .put("requests", n)
        .put("secs", format!("{wall:.3}"))
        .put("rps", format!("{:.0}", n as f64 / wall))
        .put(
            "p50_us",
            format!("{:.1}", measured.hist.quantile(0.50) as f64 / 1e3),
        )
        .put(
            "p99_us",
            format!("{:.1}", measured.hist.quantile(0.99) as f64 / 1e3),
        )
        .put("conns", server.accepted())
        .put("errors", measured.errors);
    if let ((Some(p0), Some(s0)), (Some(p1), Some(s1))) = cpu {
        let server_ns = s1.saturating_sub(s0);
        let client_ns = p1.saturating_sub(p0).saturating_sub(server_ns);
        r.put(
            "server_cpu",
            format!("{:.2}", server_ns as f64 / 1e9 / wall),
        )
        .put(
            "client_cpu",
            format!("{:.2}", client_ns as f64 / 1e9 / wall),
        );
        if n > 0 {
            r.put(
                "client_cpu_us_per_req",
                format!("{:.1}", client_ns as f64 / 1e3 / n as f64),
            )
            .put(
                "server_cpu_us_per_req",
                format!("{:.1}", server_ns as f64 / 1e3 / n as f64),
            );
        }
    }
    r.put("hwm_kb", proc_status_kb("VmHWM").unwrap_or(0));
    if let Some(e) = measured.first_error {
        r.put("first_error", format!("{e:?}").replace(' ', "_"));
    }
    r.print();
    drop(rt);
    drop(server);
    Ok(())
}

/// `--bulk N [CONC]`: N deletes of distinct task ids through one `TasksClient`, at most CONC
/// in flight. Keeps nothing per request; prints peak RSS at 10% steps and at the end.
fn child_bulk(args: &[String]) -> Res<()> {
    let total: u64 = parse_num("--bulk", args.first())?;
    let conc: usize = match args.get(1) {
        Some(_) => parse_num("concurrency", args.get(1))?,
        None => 32,
    };
    if !(1..=MAX_BULK).contains(&total) || !(1..=1024).contains(&conc) {
        return Err(format!("--bulk 1..={MAX_BULK}, concurrency 1..=1024").into());
    }
    let server = Server::start()?;
    let rt = client_runtime()?;
    let client = ours(server.port, false)?;
    let hwm_start = proc_status_kb("VmHWM").unwrap_or(0);
    let checkpoints = Arc::new(std::sync::Mutex::new(Vec::<(u64, u64)>::new()));
    let step = (total / 10).max(1);
    let started = Instant::now();
    let (hist, errors, first_error) = rt.block_on(async {
        let next = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicU64::new(0));
        let mut handles = Vec::with_capacity(conc);
        for _ in 0..conc {
            let client = client.clone();
            let next = next.clone();
            let done = done.clone();
            let checkpoints = checkpoints.clone();
            handles.push(tokio::spawn(async move {
                let mut hist = Hist::new();
                let mut id = String::with_capacity(32);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || started.elapsed() > BULK_TIME_LIMIT {
                        return (hist, None);
                    }
                    id.clear();
                    let _ = write!(id, "ff808081{i:024x}");
                    let t0 = Instant::now();
                    if let Err(e) = client.delete_center_task(id.as_str()).send().await {
                        return (hist, Some(e.to_string()));
                    }
                    hist.record(t0.elapsed());
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if d.is_multiple_of(step) {
                        let kb = proc_status_kb("VmHWM").unwrap_or(0);
                        if let Ok(mut c) = checkpoints.lock() {
                            c.push((d, kb));
                        }
                    }
                }
            }));
        }
        let mut all = Hist::new();
        let mut errors = 0u64;
        let mut first = None;
        for h in handles {
            let (hist, err) = h.await?;
            all.merge(&hist);
            if let Some(e) = err {
                errors += 1;
                first.get_or_insert(e);
            }
        }
        Ok::<_, BoxError>((all, errors, first))
    })?;
    let wall = started.elapsed().as_secs_f64();
    if let Some(e) = first_error {
        return Err(format!("bulk delete failed ({errors} workers stopped): {e}").into());
    }
    if hist.n != total {
        return Err(format!("bulk: only {} of {total} deletes in time", hist.n).into());
    }
    let mut cps = checkpoints.lock().map(|c| c.clone()).unwrap_or_default();
    cps.sort_unstable();
    let cps: Vec<String> = cps.iter().map(|(d, kb)| format!("{d}:{kb}")).collect();
    let mut r = Report::new();
    r.put("kind", "bulk")
        .put("requests", hist.n)
        .put("conc", conc)
        .put("secs", format!("{wall:.3}"))
        .put("rps", format!("{:.0}", hist.n as f64 / wall))
        .put("p50_us", format!("{:.1}", hist.quantile(0.50) as f64 / 1e3))
        .put("p99_us", format!("{:.1}", hist.quantile(0.99) as f64 / 1e3))
        .put("conns", server.accepted())
        .put("hwm_start_kb", hwm_start)
        .put("hwm_kb", proc_status_kb("VmHWM").unwrap_or(0))
        .put("rss_kb", proc_status_kb("VmRSS").unwrap_or(0))
        .put("checkpoints", cps.join(","));
    r.print();
    drop(rt);
    drop(server);
    Ok(())
}

/// `--build-time N`: times N `TasksClient` builds for the real regional HTTPS endpoint (the
/// rustls config with the webpki roots is built every time). Nothing is sent.
fn child_build_time(args: &[String]) -> Res<()> {
    let n: usize = parse_num("--build-time", args.first())?;
    if !(1..=10_000).contains(&n) {
        return Err("--build-time 1..=10000".into());
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t0 = Instant::now();
        let client = TasksClient::builder()
            .region("cn-north-4")
            .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY))
            .project_id(PROJECT_ID)
            .build()?;
        times.push(t0.elapsed());
        drop(client);
    }
    let first = times[0];
    times.sort_unstable();
    let mut r = Report::new();
    r.put("kind", "build")
        .put("builds", n)
        .put("first_us", format!("{:.1}", first.as_secs_f64() * 1e6))
        .put(
            "median_us",
            format!("{:.1}", times[n / 2].as_secs_f64() * 1e6),
        )
        .put("max_us", format!("{:.1}", times[n - 1].as_secs_f64() * 1e6));
    r.print();
    Ok(())
}

/// Sends one request from each client (same signing time) to a listener that keeps the raw
/// bytes, and compares them. Returns the size of the request.
fn check_identical() -> Res<usize> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (a, b) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let capture = tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..2 {
                let (mut s, _) = listener.accept().await?;
                got.push(read_request(&mut s).await?);
                s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await?;
                s.shutdown().await?;
            }
            Ok::<_, BoxError>(got)
        });
        let deadline = Duration::from_secs(10);
        let ours = ours(port, true)?;
        tokio::time::timeout(deadline, ours.delete_center_task(TASK_ID).send()).await??;
        let bare = Bare::new(port, true)?;
        tokio::time::timeout(deadline, bare.delete()).await??;
        let mut got = tokio::time::timeout(deadline, capture).await???;
        let b = got.pop().ok_or("nothing captured")?;
        let a = got.pop().ok_or("nothing captured")?;
        Ok::<_, BoxError>((a, b))
    })?;
    if a != b {
        return Err(format!(
            "the two clients sent different bytes:\n--- ours\n{}\n--- bare\n{}",
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        )
        .into());
    }
    println!(
        "byte-identical: yes ({} bytes; method, path, headers in order, empty body)",
        a.len()
    );
    Ok(a.len())
}

/// Reads one HTTP/1.1 request (head plus a Content-Length body), at most 64 KiB.
async fn read_request(s: &mut TcpStream) -> Res<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                buf.truncate(end + 4 + len);
                return Ok(buf);
            }
        }
        if buf.len() > 64 * 1024 {
            return Err("request too large".into());
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err("connection closed mid-request".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

// ---------------------------------------------------------------------------------------------
// The orchestrator.

struct Options {
    ab_runs: usize,
    slices: usize,
    slice_ms: u64,
    rounds: usize,
    secs: f64,
    warmup_ms: u64,
    builds: usize,
    bulk_sizes: Vec<u64>,
    pin: bool,
}

impl Options {
    fn parse(args: &[String]) -> Res<Options> {
        let mut o = Options {
            ab_runs: 3,
            slices: 8,
            slice_ms: 250,
            rounds: 3,
            secs: 1.5,
            warmup_ms: 300,
            builds: 50,
            bulk_sizes: vec![10_000, 100_000],
            pin: true,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--ab-runs" => o.ab_runs = parse_num(a, it.next())?,
                "--slices" => o.slices = parse_num(a, it.next())?,
                "--slice-ms" => o.slice_ms = parse_num(a, it.next())?,
                "--rounds" => o.rounds = parse_num(a, it.next())?,
                "--secs" => o.secs = parse_num(a, it.next())?,
                "--warmup-ms" => o.warmup_ms = parse_num(a, it.next())?,
                "--builds" => o.builds = parse_num(a, it.next())?,
                "--no-bulk" => o.bulk_sizes.clear(),
                "--no-pin" => o.pin = false,
                "--bulk-sizes" => {
                    let v = it.next().ok_or("--bulk-sizes needs a value")?;
                    o.bulk_sizes = v
                        .split(',')
                        .map(|s| s.trim().parse())
                        .collect::<Result<_, _>>()
                        .map_err(|_| format!("--bulk-sizes: cannot parse {v:?}"))?;
                }
                other => return Err(format!("unknown argument {other:?}\n{USAGE}").into()),
            }
        }
        if !(1..=20).contains(&o.ab_runs)
            || !(1..=100).contains(&o.slices)
            || !(20..=10_000).contains(&o.slice_ms)
        {
            return Err("--ab-runs 1..=20, --slices 1..=100, --slice-ms 20..=10000".into());
        }
        if !(1..=20).contains(&o.rounds) || !(0.05..=60.0).contains(&o.secs) {
            return Err("--rounds 1..=20, --secs 0.05..=60".into());
        }
        if o.warmup_ms > 10_000 || !(1..=10_000).contains(&o.builds) {
            return Err("--warmup-ms <= 10000, --builds 1..=10000".into());
        }
        if o.bulk_sizes.iter().any(|n| !(1..=MAX_BULK).contains(n)) {
            return Err(format!("bulk sizes must be 1..={MAX_BULK}").into());
        }
        Ok(o)
    }
}

type Fields = HashMap<String, String>;

fn field<T: std::str::FromStr + Default>(f: &Fields, k: &str) -> T {
    f.get(k).and_then(|v| v.parse().ok()).unwrap_or_default()
}

/// Runs this binary with `args`, kills it after `limit`, and parses its `E2E` line.
fn run_child(args: &[String], limit: Duration) -> Res<Fields> {
    run_child_on(None, args, limit)
}

/// Whether `taskset` (util-linux) can pin a child to one CPU here.
fn taskset_available() -> bool {
    Command::new("taskset")
        .args(["-c", "0", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Like [`run_child`], pinned to `cpu` with `taskset` when given.
fn run_child_on(cpu: Option<usize>, args: &[String], limit: Duration) -> Res<Fields> {
    let exe = std::env::current_exe()?;
    let mut cmd = match cpu {
        Some(c) => {
            let mut t = Command::new("taskset");
            t.arg("-c").arg(c.to_string()).arg(exe);
            t
        }
        None => Command::new(exe),
    };
    cmd.args(args);
    run_command(cmd, &format!("child {args:?}"), "E2E ", limit)
}

/// Runs `cmd` for at most `limit` (killed beyond it) and parses the `key=value` fields of the
/// first stdout line starting with `prefix`. A run that reports errors is an error.
fn run_command(mut cmd: Command, what: &str, prefix: &str, limit: Duration) -> Res<Fields> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{what} ran over {limit:?} and was killed").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        std::io::Read::read_to_string(&mut stdout, &mut out)?;
    }
    if !status.success() {
        return Err(format!("{what} failed ({status})").into());
    }
    let line = out
        .lines()
        .find(|l| l.starts_with(prefix))
        .ok_or_else(|| format!("{what} printed no result"))?;
    let fields: Fields = line
        .split_whitespace()
        .skip(1)
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if field::<u64>(&fields, "errors") > 0 {
        return Err(format!("{what} saw errors: {line}").into());
    }
    Ok(fields)
}

/// The official Python SDK (`huaweicloudsdkdcs`, run by `python`) deleting sequentially for
/// `secs` against a loopback server like the one the other measurements use, through
/// `tests/interop/official_python.py`.
fn official_python(python: &std::ffi::OsStr, secs: f64) -> Res<Fields> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/interop/official_python.py");
    let server = Server::start()?;
    let mut cmd = Command::new(python);
    cmd.arg(script)
        .arg("bench")
        .arg(format!("http://127.0.0.1:{}", server.port))
        .args([ACCESS_KEY, SECRET_KEY, PROJECT_ID, TASK_ID])
        .arg(secs.to_string());
    let limit = Duration::from_secs_f64(secs) + Duration::from_secs(60);
    let mut f = run_command(cmd, "the official Python SDK", "OFFICIAL ", limit)?;
    f.insert("conns".into(), server.accepted().to_string());
    Ok(f)
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn spread(v: &[f64]) -> String {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if min >= 100.0 {
        format!("{min:.0}..{max:.0}")
    } else {
        format!("{min:.3}..{max:.3}")
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "MET"
    } else {
        "MISSED"
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn get<'a>(f: &'a Fields, k: &str) -> &'a str {
    f.get(k).map_or("?", String::as_str)
}

fn orchestrate(o: Options) -> Res<()> {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("e2e: DeleteCenterTask over 127.0.0.1, TasksClient (ours) vs bare hyper-util client");
    println!(
        "machine: {cores} cpus, {}; client runtime: {CLIENT_WORKERS} workers; server: 1 thread per server",
        cpu_model()
    );
    check_identical()?;
    let concs = [1usize, 32];
    let mut targets: Vec<(String, bool)> = Vec::new();

    // 1. Interleaved A/B in one process: the ratios.
    println!(
        "\n[1] interleaved: {} runs x conc {{1, 32}} (unpinned conc 1: 2 processes per run); each process has both clients on one server thread (a port each), {} slices of {} ms per client, bare/ours order alternating",
        o.ab_runs, o.slices, o.slice_ms
    );
    let ab_limit = Duration::from_millis(2 * o.slices as u64 * o.slice_ms + 2 * o.warmup_ms)
        + Duration::from_secs(30);
    let mut ab: HashMap<String, Vec<Fields>> = HashMap::new();
    println!(
        "{:>4} {:>6} | {:>8} {:>7} {:>7} {:>6} | {:>8} {:>7} {:>7} {:>6} | {:>9} {:>13} {:>9} {:>13}",
        "run", "conc", "bare r/s", "p50 µs", "p99 µs", "µs/rq", "ours r/s", "p50 µs", "p99 µs", "µs/rq",
        "rps ratio", "pair range", "p99 ratio", "pair range"
    );
    // Variants: (label, concurrency, CPU to pin the whole process to, processes per run).
    // Unpinned conc 1 gets twice the processes: its ratio varies most between processes
    // (the A/A check below shows by how much), and a median of three is not enough there.
    let pin = o.pin && taskset_available();
    let mut variants: Vec<(String, usize, Option<usize>, usize)> = concs
        .iter()
        .map(|&c| (c.to_string(), c, None, if c == 1 { 2 } else { 1 }))
        .collect();
    if pin {
        variants.push(("1@cpu0".to_string(), 1, Some(0), 1));
    }
    for run in 1..=o.ab_runs {
        for (label, conc, cpu, per_run) in &variants {
            for _ in 0..*per_run {
                let f = run_child_on(
                    *cpu,
                    &[
                        "--ab".into(),
                        conc.to_string(),
                        o.slices.to_string(),
                        o.slice_ms.to_string(),
                        o.warmup_ms.to_string(),
                    ],
                    ab_limit,
                )?;
                println!(
                "{:>4} {:>6} | {:>8} {:>7} {:>7} {:>6} | {:>8} {:>7} {:>7} {:>6} | {:>9} {:>13} {:>9} {:>13}",
                run,
                label,
                get(&f, "bare_rps"),
                get(&f, "bare_p50_us"),
                get(&f, "bare_p99_us"),
                get(&f, "bare_client_cpu_us_per_req"),
                get(&f, "ours_rps"),
                get(&f, "ours_p50_us"),
                get(&f, "ours_p99_us"),
                get(&f, "ours_client_cpu_us_per_req"),
                get(&f, "rps_ratio_median"),
                get(&f, "rps_ratio_range"),
                get(&f, "p99_ratio_median"),
                get(&f, "p99_ratio_range"),
            );
                ab.entry(label.clone()).or_default().push(f);
            }
        }
    }
    // The method's own resolution: the same interleaving with bare on both sides.
    let mut aa = Vec::new();
    for conc in concs {
        let f = run_child(
            &[
                "--ab".into(),
                conc.to_string(),
                o.slices.to_string(),
                o.slice_ms.to_string(),
                o.warmup_ms.to_string(),
                "aa".into(),
            ],
            ab_limit,
        )?;
        aa.push(format!(
            "conc {conc} {} (pairs {})",
            get(&f, "rps_ratio_median"),
            get(&f, "rps_ratio_range")
        ));
    }
    println!(
        "method check (A/A: bare against bare, one process each): req/s ratio {}",
        aa.join(", ")
    );

    if pin {
        println!("(1@cpu0: the conc-1 run again with the whole process pinned to CPU 0 by taskset, so no request pays a cross-CPU wake-up)");
    }

    // 2. One process per client and concurrency: peak RSS, connections, absolute figures.
    println!(
        "\n[2] separate processes: {} rounds x conc {{1, 32}} x {{bare, ours}}, {:.2} s after {} ms warm-up, order alternating per round",
        o.rounds, o.secs, o.warmup_ms
    );
    let limit = Duration::from_secs_f64(o.secs + o.warmup_ms as f64 / 1e3 + 30.0);
    let child_args = |kind: Kind, conc: usize| -> Vec<String> {
        vec![
            "--child".into(),
            kind.name().into(),
            conc.to_string(),
            o.secs.to_string(),
            o.warmup_ms.to_string(),
        ]
    };
    let mut sep: HashMap<(usize, Kind), Vec<Fields>> = HashMap::new();
    println!(
        "{:<5} {:<5} {:>5} {:>9} {:>9} {:>9} {:>6} {:>8} {:>7} {:>7} {:>9}",
        "round",
        "kind",
        "conc",
        "req/s",
        "p50 µs",
        "p99 µs",
        "conns",
        "hwm KiB",
        "cli cpu",
        "srv cpu",
        "cli µs/rq"
    );
    let print_row = |round: &str, f: &Fields| {
        println!(
            "{:<5} {:<5} {:>5} {:>9} {:>9} {:>9} {:>6} {:>8} {:>7} {:>7} {:>9}",
            round,
            get(f, "kind"),
            get(f, "conc"),
            get(f, "rps"),
            get(f, "p50_us"),
            get(f, "p99_us"),
            get(f, "conns"),
            get(f, "hwm_kb"),
            get(f, "client_cpu"),
            get(f, "server_cpu"),
            get(f, "client_cpu_us_per_req"),
        );
    };
    for round in 1..=o.rounds {
        let order = if round % 2 == 1 {
            [Kind::Bare, Kind::Ours]
        } else {
            [Kind::Ours, Kind::Bare]
        };
        for conc in concs {
            for kind in order {
                let f = run_child(&child_args(kind, conc), limit)?;
                print_row(&round.to_string(), &f);
                sep.entry((conc, kind)).or_default().push(f);
            }
        }
    }
    let mut probes = HashMap::new();
    for conc in concs {
        let f = run_child(&child_args(Kind::Raw, conc), limit)?;
        print_row("probe", &f);
        probes.insert(conc, f);
    }

    println!("\nsummary");
    let mut labels: Vec<String> = concs.iter().map(|c| c.to_string()).collect();
    if pin {
        labels.insert(1, "1@cpu0".to_string());
    }
    for label in &labels {
        let runs = &ab[label];
        let conc: usize = if label == "1@cpu0" { 1 } else { label.parse()? };
        let col = |v: &[Fields], k: &str| v.iter().map(|f| field::<f64>(f, k)).collect::<Vec<_>>();
        let rps_ratio = median(col(runs, "rps_ratio_median"));
        let p99_ratio = median(col(runs, "p99_ratio_median"));
        let p99_merged: Vec<f64> = runs
            .iter()
            .map(|f| field::<f64>(f, "ours_p99_us") / field::<f64>(f, "bare_p99_us"))
            .collect();
        println!(
            "conc {label}, interleaved (medians of {} processes):",
            runs.len()
        );
        for k in ["bare", "ours"] {
            println!(
                "  {k}: {:>6.0} req/s, p50 {:.1} µs, p99 {:.1} µs, client CPU {:.2} µs/req",
                median(col(runs, &format!("{k}_rps"))),
                median(col(runs, &format!("{k}_p50_us"))),
                median(col(runs, &format!("{k}_p99_us"))),
                median(col(runs, &format!("{k}_client_cpu_us_per_req"))),
            );
        }
        println!(
            "  ours/bare: req/s {rps_ratio:.3} (process medians {}), p99 {p99_ratio:.3} per slice pair (process medians {}), p99 over whole processes {:.3}",
            spread(&col(runs, "rps_ratio_median")),
            spread(&col(runs, "p99_ratio_median")),
            median(p99_merged),
        );
        let rps_target = if conc == 1 { 0.95 } else { 0.90 };
        targets.push((
            format!(
                "conc {label}: ours/bare req/s >= {rps_target:.2} (interleaved, got {rps_ratio:.3})"
            ),
            rps_ratio >= rps_target,
        ));
        targets.push((
            format!("conc {label}: ours/bare p99 <= 1.20 (interleaved, got {p99_ratio:.3})"),
            p99_ratio <= 1.20,
        ));
        if label == "1@cpu0" {
            continue;
        }
        let ours = &sep[&(conc, Kind::Ours)];
        let bare = &sep[&(conc, Kind::Bare)];
        let max_conns =
            |v: &[Fields], k: &str| v.iter().map(|f| field::<u64>(f, k)).max().unwrap_or(0);
        println!(
            "conc {conc}, separate processes (medians of {} rounds):",
            ours.len()
        );
        for (name, v) in [("bare", bare), ("ours", ours)] {
            let rps = col(v, "rps");
            println!(
                "  {name}: {:>6.0} req/s (rounds {}), p50 {:.1} µs, p99 {:.1} µs, conns max {}, peak RSS {:.0} KiB, server CPU {:.2} cores",
                median(rps.clone()),
                spread(&rps),
                median(col(v, "p50_us")),
                median(col(v, "p99_us")),
                max_conns(v, "conns"),
                median(col(v, "hwm_kb")),
                median(col(v, "server_cpu")),
            );
        }
        let per_round: Vec<f64> = ours
            .iter()
            .zip(bare)
            .map(|(a, b)| field::<f64>(a, "rps") / field::<f64>(b, "rps"))
            .collect();
        let hwm_delta: Vec<f64> = ours
            .iter()
            .zip(bare)
            .map(|(a, b)| field::<f64>(a, "hwm_kb") - field::<f64>(b, "hwm_kb"))
            .collect();
        println!(
            "  ours/bare per round: req/s {:.3} (rounds {}); peak RSS ours - bare {:+.0} KiB",
            median(per_round.clone()),
            spread(&per_round),
            median(hwm_delta),
        );
        let probe = &probes[&conc];
        println!(
            "  server probe (raw replay, separate process): {} req/s, server thread {} cores busy",
            get(probe, "rps"),
            get(probe, "server_cpu"),
        );
        let conns = max_conns(ours, "conns").max(max_conns(runs, "ours_conns"));
        let bare_conns = max_conns(bare, "conns").max(max_conns(runs, "bare_conns"));
        let allowed = if conc == 1 { 1 } else { conc as u64 + 2 };
        targets.push((
            format!(
                "conc {conc}: connections accepted <= {allowed} (ours max {conns}, bare max {bare_conns}, over all runs)"
            ),
            conns <= allowed,
        ));
    }

    if !o.bulk_sizes.is_empty() {
        println!("\nbulk: TasksClient, 32 in flight, distinct task ids, one process per size");
        let mut hwms = Vec::new();
        for &n in &o.bulk_sizes {
            let f = run_child(
                &["--bulk".to_string(), n.to_string()],
                BULK_TIME_LIMIT + Duration::from_secs(30),
            )?;
            println!(
                "  {n:>7} deletes: {:>6} s, {:>6} req/s, p50 {} µs, p99 {} µs, conns {}, peak RSS {} KiB (at start {} KiB), VmRSS at end {} KiB",
                get(&f, "secs"),
                get(&f, "rps"),
                get(&f, "p50_us"),
                get(&f, "p99_us"),
                get(&f, "conns"),
                get(&f, "hwm_kb"),
                get(&f, "hwm_start_kb"),
                get(&f, "rss_kb"),
            );
            println!(
                "           peak RSS (KiB) by deletes done: {}",
                get(&f, "checkpoints")
            );
            hwms.push((n, field::<f64>(&f, "hwm_kb")));
            let conns: u64 = field(&f, "conns");
            targets.push((
                format!("bulk {n}: connections accepted <= 34 with 32 in flight (got {conns})"),
                conns <= 34,
            ));
        }
        if let (Some(&(n0, a)), Some(&(n1, b))) = (hwms.first(), hwms.last()) {
            if n0 != n1 && a > 0.0 {
                targets.push((
                    format!(
                        "bulk: peak RSS({n1}) <= 1.10 x peak RSS({n0}) (got {:.3}: {b:.0} vs {a:.0} KiB)",
                        b / a
                    ),
                    b <= 1.10 * a,
                ));
            }
        }
    }

    let f = run_child(
        &["--build-time".to_string(), o.builds.to_string()],
        Duration::from_secs(120),
    )?;
    let build_median: f64 = field(&f, "median_us");
    println!(
        "\nclient construction (TasksClient::build, webpki roots): median {build_median:.1} µs over {} builds, first {} µs, max {} µs",
        o.builds,
        get(&f, "first_us"),
        get(&f, "max_us"),
    );
    targets.push((
        format!("build: median < 20 ms (got {:.4} ms)", build_median / 1e3),
        build_median < 20_000.0,
    ));

    // 7. The official Python SDK, when there is one to run: the same sequential deletes.
    match std::env::var_os("DCS_OFFICIAL_SDK_PYTHON") {
        None => println!(
            "\nofficial Python SDK: skipped (set DCS_OFFICIAL_SDK_PYTHON to a Python with huaweicloudsdkdcs)"
        ),
        Some(python) => match official_python(&python, 2.0) {
            // Optional, and last: a broken Python must not cost the verdicts below.
            Err(e) => println!("\nofficial Python SDK: FAILED ({e}); see its output above"),
            Ok(f) => {
            let theirs: f64 = field(&f, "rps");
            let ours_rps = sep
                .get(&(1, Kind::Ours))
                .map(|v| median(v.iter().map(|f| field::<f64>(f, "rps")).collect()))
                .unwrap_or(0.0);
            println!(
                "\nofficial Python SDK (huaweicloudsdkdcs), sequential, separate process: {theirs:.0} req/s, p50 {} µs, p99 {} µs, conns {}",
                get(&f, "p50_us"),
                get(&f, "p99_us"),
                get(&f, "conns"),
            );
            if theirs > 0.0 {
                println!(
                    "  ours at conc 1 (separate processes, median): {ours_rps:.0} req/s = {:.1} x the official Python SDK",
                    ours_rps / theirs
                );
            }
            }
        },
    }

    println!("\ntargets:");
    for (what, ok) in &targets {
        println!("  [{}] {what}", verdict(*ok));
    }
    Ok(())
}
