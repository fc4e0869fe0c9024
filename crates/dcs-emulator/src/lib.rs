//! A local Huawei Cloud DCS v2 over real HTTP, for tests and examples: all 137 operations.
//!
//! It binds a loopback port in-process (or serves on a given port from the `dcs-emulator`
//! binary). One gateway layer serves every route of the generated route table: body limit,
//! `X-Request-Id`, SDK-HMAC-SHA256 signatures checked with the same verifier users get from
//! `dcs-transport`, the project check, scripted faults ([`Fault`], per operation if wanted) and
//! recording. Requests are then validated against the generated request models, checked
//! against the instance they name (404 `DCS.3022`, 400 `DCS.4026` for a change to one that is
//! not `RUNNING` and idle), and answered by one of two tiers (the `X-Dcs-Emulator-Tier`
//! header says which): *stateful* handlers for instances and their lifecycle, the Task
//! Center, jobs, backups and restores, ACL accounts, IP whitelists, tags, configuration, key
//! analyses, diagnosis and migration tasks, kept per project in memory; and *synthetic*,
//! schema-valid answers built from the spec's response models for every other operation.
//!
//! Asynchronous work walks the states the API reference documents over the operation delay
//! ([`Emulator::set_operation_delay`]), computed from an injectable clock
//! ([`Emulator::set_manual_clock`]) when asked: nothing sleeps. Its next run can be made to
//! fail ([`Emulator::fail_next`]). Scripts drive the same controls through the unsigned,
//! loopback-only HTTP API under `/_emulator/`; the crate's README lists the states, the
//! control API and the seed format.
//!
//! With an engine ([`EmulatorConfig::with_engine`], the binary's `--engine redis-server`),
//! every Redis instance is a real `redis-server` on 127.0.0.1 that ShowInstance points to and
//! the control plane acts on (password, ACL users, flush, restart, `CONFIG SET`, RDB backups
//! and restores, `maxmemory`, key analyses, slow log, client list); [`resp`] is a small
//! client to talk to it.
//!
//! It depends on `dcs-model` for the contract and on `dcs-transport` for the verifier and the
//! clock (with its `test-util` feature: the emulator is a test tool, and its manual clock is
//! [`ManualTime`]); it must not depend on any client crate.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod body;
mod control;
#[path = "generated/dispatch.rs"]
mod dispatch;
mod engine;
mod engine_params;
mod fault;
mod io;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod recorder;
pub mod resp;
mod router;
mod seed;
mod state;
mod synthetic;
mod time;
mod validate;

pub use seed::{SeedError, SeedSummary};
pub use state::{WorkKind, DEFAULT_OPERATION_DELAY};

pub use engine::{EngineConfig, EngineInfo, EngineState};
pub use fault::{Fault, ScriptedFault};

use body::{BodyAborted, EmuBody};
use bytes::Bytes;
use dcs_model::{codes, DcsErrorBody, GatewayErrorBody, ResponseKind};
use dcs_transport::signer::{verify, ReceivedRequest, VerifyError};
use dcs_transport::{Clock, SdkDate, SecretString, SystemClock};
use http_body_util::BodyExt;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use io::{AbortSwitch, AbortableStream};
use router::Resolved;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};

/// The gateway's tolerance for `X-Sdk-Date`: 15 minutes either way.
pub use dcs_transport::signer::MAX_CLOCK_SKEW_SECS;
/// The manual clock [`Emulator::set_manual_clock`] takes, re-exported so a test needs no
/// other crate for it.
pub use dcs_transport::ManualTime;

/// The most request-body bytes the emulator reads (the gateway's AK/SK limit is 12 MB).
pub const MAX_REQUEST_BODY: usize = 12 * 1024 * 1024;

/// Connections served at once, by default: a connection beyond it is answered 503 and closed,
/// so idle or stalled clients cannot use up the process's file descriptors (512 leaves room
/// under the common `ulimit -n` of 1024).
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// How long a connection may take to send a request's head (line and headers), and how long
/// an idle kept-alive connection is held, by default: then it is closed.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a request's body may take to arrive whole, by default: then the connection is
/// closed unanswered.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The most request-body bytes held across all connections at once, by default: a body that
/// would go beyond is answered 503 and its connection closed, so stalled uploads cannot pile
/// up memory (64 MiB: five bodies of the largest size the gateway takes).
pub const DEFAULT_MAX_BUFFERED_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The state of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskStatus {
    /// Finished successfully; may be deleted.
    Success,
    /// Finished with a failure; may be deleted.
    Failed,
    /// Still running; deleting it is refused with 400 `DCS.4017`.
    Running,
}

/// A request as the emulator received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Method.
    pub method: String,
    /// Path, still percent-encoded.
    pub path: String,
    /// Raw query string (without `?`).
    pub query: String,
    /// Headers in arrival order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The status the emulator answered (0 when a fault sent no head).
    pub status: u16,
}

impl RecordedRequest {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the emulator is set up. Build it from [`Default`] and change what you need.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// Keep a copy of every request (turn off for long benchmark runs).
    pub record_requests: bool,
    /// Address to bind; `127.0.0.1:0` picks a free port.
    pub bind: SocketAddr,
    /// Connections served at once; one more is answered 503 and closed
    /// ([`DEFAULT_MAX_CONNECTIONS`]).
    pub max_connections: usize,
    /// Time allowed for a request's head, and for an idle kept-alive connection
    /// ([`DEFAULT_HEADER_READ_TIMEOUT`]).
    pub header_read_timeout: Duration,
    /// Time allowed for a request's whole body ([`DEFAULT_BODY_READ_TIMEOUT`]).
    pub body_read_timeout: Duration,
    /// Request-body bytes held at once across connections
    /// ([`DEFAULT_MAX_BUFFERED_BODY_BYTES`]).
    pub max_buffered_body_bytes: usize,
    /// Print one line per request on stderr: method, path, operation, status, request id
    /// (the binary's `--log`).
    pub log_requests: bool,
    /// A real Redis behind every Redis instance (the binary's `--engine`); `None` (the
    /// default): instances are records only.
    pub engine: Option<EngineConfig>,
}

impl EmulatorConfig {
    /// The same configuration with a real Redis behind every Redis instance: each gets its
    /// own `redis-server` on 127.0.0.1 at a free port, which the control plane acts on
    /// (password, ACL accounts, flush, restart, parameters, backups, restores, resizes,
    /// analyses). [`Emulator::start_with`] fails when the program does not run.
    pub fn with_engine(mut self, engine: EngineConfig) -> Self {
        self.engine = Some(engine);
        self
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            record_requests: true,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_buffered_body_bytes: DEFAULT_MAX_BUFFERED_BODY_BYTES,
            log_requests: false,
            engine: None,
        }
    }
}

#[derive(Debug)]
struct Account {
    sk: SecretString,
    project_id: String,
}

struct State {
    accounts: HashMap<String, Account>,
    store: state::Store,
    faults: VecDeque<ScriptedFault>,
    periodic: Option<Periodic>,
    requests: Vec<RecordedRequest>,
}

/// Every `every`-th request of an operation takes the next fault of a cycle.
struct Periodic {
    operation: String,
    every: usize,
    cycle: Vec<ScriptedFault>,
    seen: usize,
    fired: usize,
}

/// Which tier answers an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tier {
    /// A hand-written handler over the emulator's state.
    Stateful,
    /// A deterministic, schema-valid answer built from the response model.
    Synthetic,
}

impl Tier {
    /// `stateful` or `synthetic`, as in the `X-Dcs-Emulator-Tier` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Stateful => "stateful",
            Tier::Synthetic => "synthetic",
        }
    }
}

/// The response header naming the tier that answered.
pub const TIER_HEADER: &str = "x-dcs-emulator-tier";

/// The tier of each of the 137 operations, sorted by operation name.
pub fn coverage() -> Vec<(&'static str, Tier)> {
    dcs_model::OPERATIONS
        .iter()
        .map(|m| (m.name, tier_of(m.name)))
        .collect()
}

/// The coverage table as Markdown: one row per operation with its group, method, path and
/// tier, then the totals (the README embeds it).
pub fn coverage_markdown() -> String {
    let mut out =
        String::from("| operation | group | method | path | tier |\n|---|---|---|---|---|\n");
    let (mut stateful, mut synthetic) = (0, 0);
    for m in dcs_model::OPERATIONS {
        let tier = tier_of(m.name);
        match tier {
            Tier::Stateful => stateful += 1,
            Tier::Synthetic => synthetic += 1,
        }
        out.push_str(&format!(
            "| `{}` | {} | {} | `{}` | {} |\n",
            m.name,
            m.group,
            m.method,
            m.path_template,
            tier.as_str()
        ));
    }
    out.push_str(&format!(
        "\n{} operations: {stateful} stateful, {synthetic} synthetic.\n",
        stateful + synthetic
    ));
    out
}

/// The response header naming the operation the request was routed to (after validation).
pub const OPERATION_HEADER: &str = "x-dcs-emulator-operation";

/// The tier that answers operation `name`.
pub fn tier_of(name: &str) -> Tier {
    if state::STATEFUL.contains(&name) {
        Tier::Stateful
    } else {
        Tier::Synthetic
    }
}

struct Shared {
    state: Mutex<State>,
    clock: Mutex<Arc<dyn Clock>>,
    /// The clock, when it is a manual one the emulator may move (the control API's advance).
    manual: Mutex<Option<ManualTime>>,
    /// How far the emulator's work has been moved ahead of its clock (an advance with a
    /// clock that is not manual).
    skipped: Mutex<Duration>,
    record: bool,
    log: bool,
    connections: AtomicUsize,
    /// Connections answered 503 at once because the cap was reached.
    connections_refused: AtomicUsize,
    /// Request-body bytes that may still be held (a permit per byte).
    body_memory: Arc<Semaphore>,
    body_read_timeout: Duration,
    request_count: AtomicUsize,
    request_seq: AtomicU64,
    nonce: u64,
    /// The engines' host, when instances have a real Redis behind them.
    engine: Option<Arc<engine::Host>>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// The clock's time: what signatures are checked against.
    fn now(&self) -> SystemTime {
        self.clock.lock().unwrap_or_else(|e| e.into_inner()).now()
    }
    /// The time the emulator's work is at: the clock plus any skip ahead.
    fn work_now(&self) -> SystemTime {
        self.now() + *self.skipped.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn next_request_id(&self) -> String {
        let n = self.request_seq.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}{:016x}", self.nonce, n)
    }
    fn advance(&self, by: Duration) -> ClockKind {
        if let Some(m) = self
            .manual
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            m.advance(by);
            return ClockKind::Manual;
        }
        *self.skipped.lock().unwrap_or_else(|e| e.into_inner()) += by;
        ClockKind::Skipped
    }
    fn clock_kind(&self) -> ClockKind {
        if self
            .manual
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
        {
            ClockKind::Manual
        } else {
            ClockKind::Skipped
        }
    }
    fn force_status(&self, project_id: &str, instance_id: &str, status: &str) -> bool {
        let now = self.work_now();
        let mut st = self.state();
        let Some(p) = st.store.projects.get_mut(project_id) else {
            return false;
        };
        p.settle(now);
        let host = self.engine.as_ref();
        match p.instances.iter_mut().find(|i| i.id == instance_id) {
            Some(i) => {
                i.force_status(status, host);
                true
            }
            None => false,
        }
    }
    fn load_seed(&self, project_id: &str, json: &str) -> Result<SeedSummary, SeedError> {
        let now = self.work_now();
        let mut st = self.state();
        let store = &mut st.store;
        let known = |id: &str| {
            store
                .projects
                .get(project_id)
                .is_some_and(|p| p.instances.iter().any(|i| i.id == id))
        };
        let doc = seed::parse(json, &known)?;
        let summary = SeedSummary {
            instances: doc.instances.len(),
            tasks: doc.tasks.len(),
            backups: doc.backups.len(),
            accounts: doc.accounts.len(),
            jobs: doc.jobs.len(),
        };
        for i in doc.instances {
            let seed = state::InstanceSeed {
                status: i.status,
                name: i.name,
                capacity: i.capacity,
                engine_version: i.engine_version,
            };
            store.seed_instance(project_id, &i.id, seed, now);
        }
        for t in doc.tasks {
            store.seed_task(
                project_id,
                &t.id,
                &t.name,
                t.status,
                t.instance_id.as_deref(),
                now,
            );
        }
        for b in doc.backups {
            store.seed_backup(project_id, &b.instance_id, &b.id, now);
        }
        for a in doc.accounts {
            store.seed_account(project_id, &a.instance_id, &a.id, &a.name, now);
        }
        for j in doc.jobs {
            store.seed_job(project_id, &j.id, &j.job_type, &j.status, now);
        }
        Ok(summary)
    }
}

/// What [`Emulator::advance_clock`] moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClockKind {
    /// The manual clock itself (everyone sharing it sees the new time).
    Manual,
    /// The emulator's work only: the clock is not one the emulator may move, so pending
    /// changes were moved ahead of it instead.
    Skipped,
}

impl ClockKind {
    /// `manual` or `system`, as the control API says.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::Manual => "manual",
            ClockKind::Skipped => "system",
        }
    }
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Emulator {
    /// Starts on a free loopback port. Must be called inside a tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(EmulatorConfig::default()).await
    }

    /// Starts with the given configuration. With an engine, the program must run and say
    /// it is a Redis server (else an error naming it, and nothing is started).
    pub async fn start_with(config: EmulatorConfig) -> std::io::Result<Self> {
        let engine = match &config.engine {
            Some(e) => Some(engine::Host::start(e)?),
            None => None,
        };
        let listener = match TcpListener::bind(config.bind).await {
            Ok(l) => l,
            Err(e) => {
                if let Some(h) = &engine {
                    h.shutdown();
                }
                return Err(e);
            }
        };
        let addr = listener.local_addr()?;
        let nonce = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ (u64::from(addr.port()) << 48);
        let mut store = state::Store::new(nonce as u32);
        store.engine = engine.clone();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                accounts: HashMap::new(),
                store,
                faults: VecDeque::new(),
                periodic: None,
                requests: Vec::new(),
            }),
            clock: Mutex::new(Arc::new(SystemClock)),
            manual: Mutex::new(None),
            skipped: Mutex::new(Duration::ZERO),
            record: config.record_requests,
            log: config.log_requests,
            connections: AtomicUsize::new(0),
            connections_refused: AtomicUsize::new(0),
            body_memory: Arc::new(Semaphore::new(
                config.max_buffered_body_bytes.min(Semaphore::MAX_PERMITS),
            )),
            body_read_timeout: config.body_read_timeout,
            request_count: AtomicUsize::new(0),
            request_seq: AtomicU64::new(1),
            nonce,
            engine,
        });
        let (stop, stop_rx) = watch::channel(false);
        let limits = ConnLimits {
            connections: Arc::new(Semaphore::new(
                config.max_connections.clamp(1, Semaphore::MAX_PERMITS),
            )),
            refusals: Arc::new(Semaphore::new(MAX_REFUSALS_IN_FLIGHT)),
            header_read_timeout: config.header_read_timeout,
        };
        tokio::spawn(accept_loop(listener, shared.clone(), stop_rx, limits));
        Ok(Self { addr, shared, stop })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, ready to hand to a client as its endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Registers an AK/SK pair allowed to act on `project_id`.
    pub fn add_credentials(&self, ak: &str, sk: &str, project_id: &str) {
        self.shared.state().accounts.insert(
            ak.to_string(),
            Account {
                sk: SecretString::new(sk),
                project_id: project_id.to_string(),
            },
        );
    }

    /// Adds (or replaces) a task in a project's Task Center. It keeps `status` until deleted.
    pub fn seed_task(&self, project_id: &str, task_id: &str, status: TaskStatus) {
        let now = self.shared.work_now();
        self.shared
            .state()
            .store
            .seed_task(project_id, task_id, "EXTEND", status, None, now);
    }

    /// Adds `n` finished tasks (ids `seed-task-00000` up) to a project's Task Center.
    pub fn seed_tasks(&self, project_id: &str, n: usize) {
        let now = self.shared.work_now();
        let mut st = self.shared.state();
        for i in 0..n {
            let id = format!("seed-task-{i:05}");
            st.store
                .seed_task(project_id, &id, "EXTEND", TaskStatus::Success, None, now);
        }
    }

    /// Adds (or replaces) a task of an instance: it shows in the Task Center and in the
    /// instance's background tasks.
    pub fn seed_background_task(
        &self,
        project_id: &str,
        instance_id: &str,
        task_id: &str,
        status: TaskStatus,
    ) {
        let now = self.shared.work_now();
        self.shared.state().store.seed_task(
            project_id,
            task_id,
            "EXTEND",
            status,
            Some(instance_id),
            now,
        );
    }

    /// Adds (or replaces) an instance with this id and status, which it keeps until
    /// something changes it (`RUNNING` takes changes; any other status refuses them with
    /// `DCS.4026`, as the service does).
    pub fn seed_instance(&self, project_id: &str, instance_id: &str, status: &str) {
        let now = self.shared.work_now();
        self.shared.state().store.seed_instance(
            project_id,
            instance_id,
            state::InstanceSeed {
                status: status.to_string(),
                ..Default::default()
            },
            now,
        );
    }

    /// Adds (or replaces) a finished backup (`succeed`) of an instance.
    pub fn seed_backup(&self, project_id: &str, instance_id: &str, backup_id: &str) {
        let now = self.shared.work_now();
        self.shared
            .state()
            .store
            .seed_backup(project_id, instance_id, backup_id, now);
    }

    /// Adds (or replaces) an available ACL account of an instance. Returns `false` (and adds
    /// nothing) when the instance does not exist.
    pub fn seed_account(
        &self,
        project_id: &str,
        instance_id: &str,
        account_id: &str,
        account_name: &str,
    ) -> bool {
        let now = self.shared.work_now();
        self.shared.state().store.seed_account(
            project_id,
            instance_id,
            account_id,
            account_name,
            now,
        )
    }

    /// Adds (or replaces) a finished job that `ShowJobInfo` reports (`SUCCESS`).
    pub fn seed_job(&self, project_id: &str, job_id: &str, job_type: &str) {
        let now = self.shared.work_now();
        self.shared
            .state()
            .store
            .seed_job(project_id, job_id, job_type, "SUCCESS", now);
    }

    /// Adds the resources of a seed document (JSON; the format is in the crate's README)
    /// to `project_id`. The whole document is checked first: an unknown key, a status
    /// outside the documented set or a value of the wrong type is an error naming it, and
    /// then nothing is added.
    pub fn load_seed(&self, project_id: &str, json: &str) -> Result<SeedSummary, SeedError> {
        self.shared.load_seed(project_id, json)
    }

    /// The instance's status as the emulator's clock sees it now, `None` when it does not
    /// exist.
    pub fn instance_status(&self, project_id: &str, instance_id: &str) -> Option<String> {
        let now = self.shared.work_now();
        let mut st = self.shared.state();
        let p = st.store.projects.get_mut(project_id)?;
        p.settle(now);
        p.instances
            .iter()
            .find(|i| i.id == instance_id)
            .map(|i| i.status(now).to_string())
    }

    /// How long asynchronous operations take on the emulator's clock (create, resize,
    /// restart, backup, restore, jobs, accounts, analyses, migrations, ...). Zero finishes
    /// them at once; above zero, each walks its documented states over this time.
    pub fn set_operation_delay(&self, delay: Duration) {
        self.shared.state().store.delay = delay;
    }

    /// The operation delay in effect.
    pub fn operation_delay(&self) -> Duration {
        self.shared.state().store.delay
    }

    /// Makes the next run of `kind` end in its failure state (`CREATEFAILED`, `ERROR`,
    /// `failed`, `FAIL`, ...: see [`WorkKind`]); calls add up.
    pub fn fail_next(&self, kind: WorkKind) {
        *self.shared.state().store.fail_next.entry(kind).or_insert(0) += 1;
    }

    /// Freezes the instance (`FROZEN`, ending any change in progress), as an account in
    /// arrears is; `false` when the project has no such instance.
    pub fn freeze_instance(&self, project_id: &str, instance_id: &str) -> bool {
        self.shared.force_status(project_id, instance_id, "FROZEN")
    }

    /// Sets a frozen (or any) instance back to `RUNNING` and idle; `false` when the project
    /// has no such instance.
    pub fn unfreeze_instance(&self, project_id: &str, instance_id: &str) -> bool {
        self.shared.force_status(project_id, instance_id, "RUNNING")
    }

    /// Whether the task exists.
    pub fn task_exists(&self, project_id: &str, task_id: &str) -> bool {
        self.shared
            .state()
            .store
            .projects
            .get(project_id)
            .is_some_and(|p| p.tasks.iter().any(|t| t.id == task_id))
    }

    /// How many tasks exist in all projects.
    pub fn task_count(&self) -> usize {
        self.shared
            .state()
            .store
            .projects
            .values()
            .map(|p| p.tasks.len())
            .sum()
    }

    /// Queues a fault for the next request that matches it.
    pub fn push_fault(&self, fault: impl Into<ScriptedFault>) {
        self.shared.state().faults.push_back(fault.into());
    }

    /// A steady mix of faults: every `every`-th request routed to `operation` takes the next
    /// fault of `cycle` (round robin), for as long as the emulator runs; queued faults
    /// ([`push_fault`](Self::push_fault)) still go first. An empty cycle turns it off.
    pub fn set_periodic_faults(&self, operation: &str, every: usize, cycle: Vec<ScriptedFault>) {
        self.shared.state().periodic = (!cycle.is_empty() && every > 0).then(|| Periodic {
            operation: operation.to_string(),
            every,
            cycle,
            seen: 0,
            fired: 0,
        });
    }

    /// How many periodic faults fired so far.
    pub fn periodic_faults_fired(&self) -> usize {
        self.shared.state().periodic.as_ref().map_or(0, |p| p.fired)
    }

    /// Faults still queued.
    pub fn pending_faults(&self) -> usize {
        self.shared.state().faults.len()
    }

    /// Every request received so far (empty when recording is off).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// How many requests arrived (counted even when recording is off).
    pub fn request_count(&self) -> usize {
        self.shared.request_count.load(Ordering::SeqCst)
    }

    /// How many TCP connections were answered 503 and closed at once because
    /// [`EmulatorConfig::max_connections`] were being served.
    pub fn connections_refused(&self) -> usize {
        self.shared.connections_refused.load(Ordering::SeqCst)
    }

    /// How many TCP connections were accepted.
    pub fn connections_accepted(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Replaces the emulator's clock: the gateway checks signatures against it and the
    /// stateful tier walks its states on it (for skew tests, or a [`ManualTime`] shared
    /// with the client). [`advance_clock`](Self::advance_clock) does not move a clock given
    /// here; use [`set_manual_clock`](Self::set_manual_clock) for one it may move.
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        *self.shared.clock.lock().unwrap_or_else(|e| e.into_inner()) = clock;
        *self.shared.manual.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Uses a manual clock (shared with a client, say) that
    /// [`advance_clock`](Self::advance_clock) and the control API may move.
    pub fn set_manual_clock(&self, clock: ManualTime) {
        *self.shared.clock.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(clock.clone());
        *self.shared.manual.lock().unwrap_or_else(|e| e.into_inner()) = Some(clock);
    }

    /// Moves time on by `by`. With a manual clock (set by
    /// [`set_manual_clock`](Self::set_manual_clock)) the clock itself moves, for everyone
    /// who shares it. With any other clock the emulator's work moves ahead instead: pending
    /// changes finish as if `by` had passed, while signatures are still checked against the
    /// clock (so real clients, which sign with the real time, keep being accepted).
    pub fn advance_clock(&self, by: Duration) -> ClockKind {
        self.shared.advance(by)
    }

    /// The real Redis behind an instance (its address, process, state), when the emulator
    /// has engines and the instance has one.
    pub fn engine(&self, project_id: &str, instance_id: &str) -> Option<EngineInfo> {
        let st = self.shared.state();
        st.store
            .projects
            .get(project_id)?
            .instances
            .iter()
            .find(|i| i.id == instance_id)?
            .engine()
            .map(|e| e.info())
    }

    /// The Redis version of the engines (`7.0.15`), when the emulator has them.
    pub fn engine_version(&self) -> Option<String> {
        self.shared.engine.as_ref().map(|h| h.version().to_string())
    }

    /// Waits until no engine is starting: each one started so far accepts connections or
    /// has failed. Useful after seeding instances, and with a manual clock, whose waiters
    /// would otherwise not give real processes the real time they take to start.
    pub async fn wait_for_engines(&self) {
        if let Some(h) = &self.shared.engine {
            h.settled().await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        // Every redis-server stops now, whatever the runtime does next.
        if let Some(h) = &self.shared.engine {
            h.shutdown();
        }
    }
}

/// Refused connections being answered at once; beyond, one is closed without an answer.
const MAX_REFUSALS_IN_FLIGHT: usize = 64;

/// The accept loop's limits.
struct ConnLimits {
    /// One permit per connection served.
    connections: Arc<Semaphore>,
    /// One permit per refused connection still being answered.
    refusals: Arc<Semaphore>,
    header_read_timeout: Duration,
}

/// Answers a connection beyond the cap: 503 with the gateway's body shape and
/// `Connection: close`, then a short wait for the client to read it before closing (closing
/// with its request unread would reset the connection and lose the answer).
async fn refuse(mut stream: TcpStream, shared: Arc<Shared>) {
    let body = GatewayErrorBody {
        error_code: codes::GATEWAY_BAD_REQUEST.to_string(),
        error_msg: "The emulator is serving as many connections as it takes; try again".into(),
        request_id: shared.next_request_id(),
    }
    .to_json();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json;charset=UTF-8\r\n\
         Content-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.shutdown().await?;
        // Drain what the client sends until it closes, briefly.
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    })
    .await;
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    limits: ConnLimits,
) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stop.changed() => return,
        };
        let Ok((stream, peer)) = accepted else {
            // Out of descriptors or similar: back off briefly rather than spin.
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let Ok(permit) = limits.connections.clone().try_acquire_owned() else {
            shared.connections_refused.fetch_add(1, Ordering::SeqCst);
            if let Ok(slot) = limits.refusals.clone().try_acquire_owned() {
                let shared = shared.clone();
                tokio::spawn(async move {
                    refuse(stream, shared).await;
                    drop(slot);
                });
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let shared = shared.clone();
        let mut stop = stop.clone();
        let header_read_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let abort = AbortSwitch::default();
            let io = TokioIo::new(AbortableStream::new(stream, abort.clone()));
            let svc = service_fn(move |req| {
                let shared = shared.clone();
                let abort = abort.clone();
                async move { handle(req, &shared, &abort, peer).await }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(io, svc);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {}
            }
        });
    }
}

type Resp = hyper::Response<EmuBody>;

/// The error a service returns to make hyper drop the connection.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by scripted fault")
    }
}

impl std::error::Error for DropConnection {}

async fn handle(
    req: hyper::Request<hyper::body::Incoming>,
    shared: &Shared,
    abort: &AbortSwitch,
    peer: SocketAddr,
) -> Result<Resp, DropConnection> {
    shared.request_count.fetch_add(1, Ordering::SeqCst);
    let request_id = shared.next_request_id();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let (r, operation) = serve(req, shared, abort, peer, &request_id).await;
    if shared.log {
        let status = match &r {
            Ok(resp) => resp.status().as_u16().to_string(),
            Err(_) => "-".to_string(),
        };
        // The path as received (percent-encoded, so one line and no control characters);
        // a closed stderr is no reason to stop serving.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "{method} {path} {operation} {status} {request_id}"
        );
    }
    r
}

/// Answers one request; also says which operation it was for the log (`-` when none,
/// `_emulator` for the control API).
async fn serve(
    req: hyper::Request<hyper::body::Incoming>,
    shared: &Shared,
    abort: &AbortSwitch,
    peer: SocketAddr,
    request_id: &str,
) -> (Result<Resp, DropConnection>, &'static str) {
    let request_id = request_id.to_string();
    let (parts, incoming) = req.into_parts();
    // The body's bytes stay counted against the shared memory cap until the answer is made.
    let (body, _held) = match read_body(incoming, shared).await {
        Ok(b) => b,
        // The client went away, broke the body, or took too long: no one to answer.
        Err(BodyRefusal::Dropped) => return (Err(DropConnection), "-"),
        Err(BodyRefusal::TooLarge) => {
            let resp = gateway_error(
                413,
                codes::GATEWAY_BAD_REQUEST,
                "Request entity too large",
                &request_id,
            );
            record(shared, &parts, Bytes::new(), resp.status().as_u16());
            return (Ok(with_request_id(resp, &request_id)), "-");
        }
        Err(BodyRefusal::Busy) => {
            let mut resp = gateway_error(
                503,
                codes::GATEWAY_BAD_REQUEST,
                "The emulator holds as many request bodies as it takes; try again",
                &request_id,
            );
            resp.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
            record(shared, &parts, Bytes::new(), resp.status().as_u16());
            return (Ok(with_request_id(resp, &request_id)), "-");
        }
    };
    let path = parts.uri.path().to_string();
    // The control API: unsigned, loopback only, never faulted or recorded.
    if control::is_control(&path) {
        let resp = control::handle(&parts, &body, shared, peer);
        return (Ok(with_request_id(resp, &request_id)), "_emulator");
    }
    let resolved = router::resolve(parts.method.as_str(), &path);
    let op_name = match &resolved {
        Resolved::Op { meta, .. } => Some(meta.name),
        _ => None,
    };
    let operation = op_name.unwrap_or("-");
    let fault = {
        let mut st = shared.state();
        let pos = st.faults.iter().position(|f| {
            f.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
                && f.operation.as_deref().is_none_or(|o| Some(o) == op_name)
        });
        match pos.and_then(|i| st.faults.remove(i)) {
            Some(f) => Some(f),
            None => match &mut st.periodic {
                Some(p) if Some(p.operation.as_str()) == op_name => {
                    p.seen += 1;
                    if p.seen % p.every == 0 {
                        let f = p.cycle[p.fired % p.cycle.len()].clone();
                        p.fired += 1;
                        Some(f)
                    } else {
                        None
                    }
                }
                _ => None,
            },
        }
    };

    let (resp, status_for_record) = match fault {
        None => {
            let r = route_full(&parts, &body, shared, &request_id, &resolved).await;
            let s = r.status().as_u16();
            (Ok(r), s)
        }
        Some(f) => {
            if f.apply_first {
                // The real answer is discarded: the client never learns it was applied.
                let _ = route_full(&parts, &body, shared, &request_id, &resolved).await;
            }
            let r = misbehave(
                f.fault,
                &parts,
                &body,
                shared,
                &request_id,
                &resolved,
                abort,
            )
            .await;
            let s = r.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
            (r, s)
        }
    };
    record(shared, &parts, body, status_for_record);
    (resp.map(|r| with_request_id(r, &request_id)), operation)
}

/// Why a request's body was not read.
enum BodyRefusal {
    /// The client went away, broke the body, or did not send it within the body timeout.
    Dropped,
    /// Over [`MAX_REQUEST_BODY`].
    TooLarge,
    /// Holding it would go beyond the memory cap for request bodies.
    Busy,
}

/// Reads a request's body within the body timeout and the shared memory cap; the body, and
/// the permits that count it until dropped.
async fn read_body(
    mut incoming: hyper::body::Incoming,
    shared: &Shared,
) -> Result<(Bytes, Option<tokio::sync::OwnedSemaphorePermit>), BodyRefusal> {
    let read = async {
        let mut buf = bytes::BytesMut::new();
        // Permits for every byte of the buffer's capacity (what it really holds), taken
        // before it grows.
        let mut held: Option<tokio::sync::OwnedSemaphorePermit> = None;
        let mut charged = 0usize;
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|_| BodyRefusal::Dropped)?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if buf.len() + data.len() > MAX_REQUEST_BODY {
                return Err(BodyRefusal::TooLarge);
            }
            let needed = buf.len() + data.len();
            if needed > buf.capacity() {
                // Grow by doubling (bounded by the largest body), paid for first.
                let target = needed.max(buf.capacity() * 2).min(MAX_REQUEST_BODY);
                if target > charged {
                    let n = u32::try_from(target - charged).map_err(|_| BodyRefusal::TooLarge)?;
                    let more = shared
                        .body_memory
                        .clone()
                        .try_acquire_many_owned(n)
                        .map_err(|_| BodyRefusal::Busy)?;
                    match held.as_mut() {
                        Some(h) => h.merge(more),
                        None => held = Some(more),
                    }
                    charged = target;
                }
                buf.reserve(target - buf.len());
            }
            buf.extend_from_slice(&data);
        }
        Ok((buf.freeze(), held))
    };
    tokio::time::timeout(shared.body_read_timeout, read)
        .await
        .unwrap_or(Err(BodyRefusal::Dropped))
}

/// Every answer carries the request id, as the real gateway's do.
fn with_request_id(mut r: Resp, request_id: &str) -> Resp {
    if let Ok(v) = http::HeaderValue::from_str(request_id) {
        r.headers_mut()
            .insert(dcs_transport::client::REQUEST_ID_HEADER, v);
    }
    r
}

/// Headers as (lower-case name, value) text pairs, in arrival order.
fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn record(shared: &Shared, parts: &http::request::Parts, body: Bytes, status: u16) {
    if !shared.record {
        return;
    }
    let rec = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: header_pairs(&parts.headers),
        body: body.to_vec(),
        status,
    };
    shared.state().requests.push(rec);
}

fn json_response(status: u16, body: Vec<u8>) -> Resp {
    let mut r = hyper::Response::new(EmuBody::bytes(body));
    *r.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

/// A DCS error body; the text is cut to the model's limits so every body obeys them.
fn dcs_error(status: u16, code: &str, msg: &str) -> Resp {
    let msg: String = msg
        .chars()
        .take(dcs_model::limits::ERROR_MSG_MAX_CHARS)
        .collect();
    // A code over the limit is the emulator's own bug; answer "busy" rather than break the
    // contract.
    let body = DcsErrorBody::new(code, msg)
        .or_else(|_| DcsErrorBody::new(codes::SYSTEM_BUSY, "The system is busy"))
        .map(|b| b.to_json())
        .unwrap_or_default();
    json_response(status, body)
}

fn gateway_error(status: u16, code: &str, msg: &str, request_id: &str) -> Resp {
    let body = GatewayErrorBody {
        error_code: code.to_string(),
        error_msg: msg.to_string(),
        request_id: request_id.to_string(),
    };
    json_response(status, body.to_json())
}

/// An answer, or the engine work needed before there can be one.
enum Routed {
    Resp(Resp),
    Engine(state::EngineWork),
}

impl From<Resp> for Routed {
    fn from(r: Resp) -> Self {
        Routed::Resp(r)
    }
}

/// [`route`], and when the request needs the instances' real Redis first: takes each
/// engine's operation lock (in instance id order, so two requests never wait on each
/// other), handles the request's first pass again under the locks (the state may have moved
/// while it waited), has the engines do the work, and answers from what they said.
async fn route_full(
    parts: &http::request::Parts,
    body: &[u8],
    shared: &Shared,
    request_id: &str,
    resolved: &Resolved,
) -> Resp {
    let mut held: Vec<(String, engine::OpsGuard)> = Vec::new();
    let mut facts: Option<state::Facts> = None;
    for _ in 0..4 {
        let work = match route(parts, body, shared, request_id, resolved, facts.as_ref()) {
            Routed::Resp(r) => return r,
            Routed::Engine(w) => w,
        };
        let mut items = work.items;
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let same = held.len() == items.len() && held.iter().zip(&items).all(|(h, i)| h.0 == i.0);
        if !same {
            held.clear();
            for (id, e, _) in &items {
                held.push((id.clone(), e.lock_ops().await));
            }
            continue;
        }
        let mut answers = state::Facts::new();
        let mut relocked = Vec::with_capacity(held.len());
        for ((id, e, need), (_, guard)) in items.into_iter().zip(held.drain(..)) {
            let (fact, guard) = e.run(need, guard).await;
            answers.insert(id.clone(), fact);
            relocked.push((id, guard));
        }
        held = relocked;
        facts = Some(answers);
    }
    dcs_error(
        503,
        codes::SYSTEM_BUSY,
        "The instance kept changing while its Redis was being asked; try again",
    )
}

/// The gateway, then validation, then the tier that answers (`facts`: what the instances'
/// engines said, on a request's second pass).
fn route(
    parts: &http::request::Parts,
    body: &[u8],
    shared: &Shared,
    request_id: &str,
    resolved: &Resolved,
    facts: Option<&state::Facts>,
) -> Routed {
    let raw_path = parts.uri.path();
    if let Resolved::NoRoute = resolved {
        return gateway_error(
            404,
            codes::GATEWAY_API_NOT_FOUND,
            "The API does not exist or has not been published in the environment",
            request_id,
        )
        .into();
    }

    // 1. The gateway authenticates.
    let header_pairs = header_pairs(&parts.headers);
    let headers: Vec<(&str, &str)> = header_pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let received = ReceivedRequest {
        method: parts.method.as_str(),
        path: raw_path,
        raw_query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body,
    };
    let now_time = shared.now();
    let now = SdkDate::from_system_time(now_time);
    let verified = {
        let st = shared.state();
        verify(
            &received,
            |ak| st.accounts.get(ak).map(|a| a.sk.clone()),
            now,
            MAX_CLOCK_SKEW_SECS,
        )
        .map(|v| {
            st.accounts
                .get(&v.access_key_id)
                .map(|a| a.project_id.clone())
                .unwrap_or_default()
        })
    };
    let allowed_project = match verified {
        Ok(v) => v,
        Err(e) => {
            let detail = match &e {
                VerifyError::UnknownAccessKey => {
                    "Get secretKey failed,err:ak not exist".to_string()
                }
                VerifyError::Expired { .. } => format!("calc aksk signature fail:{e}"),
                other => other.to_string(),
            };
            return gateway_error(
                401,
                codes::GATEWAY_AUTH_FAILED,
                &format!("Incorrect IAM authentication information: {detail}"),
                request_id,
            )
            .into();
        }
    };

    // 2. The route's method.
    let Resolved::Op { meta, params } = resolved else {
        return dcs_error(
            405,
            codes::METHOD_NOT_ALLOWED,
            "This request method is not allowed",
        )
        .into();
    };

    match answer(
        meta,
        params,
        &received,
        allowed_project,
        shared,
        shared.work_now(),
        facts,
    ) {
        Routed::Resp(mut resp) => {
            resp.headers_mut()
                .insert(OPERATION_HEADER, http::HeaderValue::from_static(meta.name));
            Routed::Resp(resp)
        }
        work => work,
    }
}

/// Steps 3 to 5 for a request routed to `meta` and authenticated for `allowed_project`.
fn answer(
    meta: &'static dcs_model::OperationMeta,
    params: &[(&'static str, String)],
    received: &ReceivedRequest<'_>,
    allowed_project: String,
    shared: &Shared,
    now_time: SystemTime,
    facts: Option<&state::Facts>,
) -> Routed {
    // 3. The project (two operations have none in their path).
    let project = params
        .iter()
        .find(|(n, _)| *n == "project_id")
        .map(|(_, v)| v.clone());
    if let Some(project) = &project {
        let header_project = received
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(dcs_transport::signer::HEADER_PROJECT_ID))
            .map(|(_, v)| *v);
        if *project != allowed_project || header_project.is_some_and(|h| h != project) {
            return dcs_error(
                403,
                codes::POLICY_DENIED,
                &format!(
                    "Policy does not allow dcs:{}:{} to be performed on project {project}",
                    meta.group, meta.method_name
                ),
            )
            .into();
        }
    }
    let project = project.unwrap_or(allowed_project);

    // 4. The request against the generated model.
    let input = match validate::check(meta, params, received.raw_query, received.body) {
        Ok(v) => v,
        Err(r) => return dcs_error(400, r.code, &r.message).into(),
    };

    // 5. The tier.
    let reply = shared.state().store.handle(&state::Call {
        meta,
        project: &project,
        input: &input,
        now: now_time,
        facts,
    });
    // An operation answered from the instance's real Redis is stateful, whatever it is
    // without one.
    let tier = match &reply {
        Some(r)
            if state::ENGINE_ONLY.contains(&meta.name) && !matches!(r, state::Reply::Synthetic) =>
        {
            Tier::Stateful
        }
        _ => tier_of(meta.name),
    };
    let mut resp = match reply {
        Some(state::Reply::Engine(work)) => return Routed::Engine(work),
        Some(state::Reply::Error(status, code, msg)) => dcs_error(status, code, &msg),
        Some(state::Reply::Empty) => empty_ok(),
        Some(state::Reply::Json(v)) => json_response(200, v.to_string().into_bytes()),
        Some(state::Reply::Synthetic) | None => synthetic_response(meta, params),
    };
    resp.headers_mut()
        .insert(TIER_HEADER, http::HeaderValue::from_static(tier.as_str()));
    Routed::Resp(resp)
}

fn empty_ok() -> Resp {
    json_response(200, Vec::new()).map(|_| EmuBody::empty())
}

fn synthetic_response(meta: &dcs_model::OperationMeta, params: &[(&'static str, String)]) -> Resp {
    let answer = synthetic::answer(meta.name, params);
    match meta.response_kind {
        ResponseKind::Empty => empty_ok(),
        ResponseKind::Stream => {
            let bytes = answer.as_str().unwrap_or_default().as_bytes().to_vec();
            let mut r = hyper::Response::new(EmuBody::bytes(bytes));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/octet-stream"),
            );
            r
        }
        // JSON objects, whole bodies, and any kind a later spec adds.
        _ => json_response(200, answer.to_string().into_bytes()),
    }
}

fn fault_body_for(status: u16, request_id: &str) -> Vec<u8> {
    match status {
        429 => GatewayErrorBody {
            error_code: codes::GATEWAY_THROTTLED.into(),
            error_msg: "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 minute".into(),
            request_id: request_id.into(),
        }
        .to_json(),
        503 => GatewayErrorBody {
            error_code: codes::GATEWAY_BAD_REQUEST.into(),
            error_msg: "Backend unavailable".into(),
            request_id: request_id.into(),
        }
        .to_json(),
        500 => DcsErrorBody::new(codes::SYSTEM_BUSY, "The system is busy")
            .map(|b| b.to_json())
            .unwrap_or_default(),
        s => DcsErrorBody::new(format!("DCS.{s}"), "scripted error")
            .map(|b| b.to_json())
            .unwrap_or_default(),
    }
}

fn streamed(
    status: u16,
    content_length: Option<usize>,
) -> (Resp, mpsc::Sender<Result<Bytes, BodyAborted>>) {
    let (tx, rx) = mpsc::channel(4);
    let mut r = hyper::Response::new(EmuBody::Stream(rx));
    *r.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    if let Some(n) = content_length {
        r.headers_mut()
            .insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(n));
    }
    (r, tx)
}

async fn misbehave(
    fault: Fault,
    parts: &http::request::Parts,
    body: &[u8],
    shared: &Shared,
    request_id: &str,
    resolved: &Resolved,
    abort: &AbortSwitch,
) -> Result<Resp, DropConnection> {
    match fault {
        Fault::Status { status, retry_after } => {
            let mut r = json_response(status, fault_body_for(status, request_id));
            if let Some(ra) = retry_after {
                if let Ok(v) = http::HeaderValue::from_str(&ra) {
                    r.headers_mut().insert(http::header::RETRY_AFTER, v);
                }
            }
            Ok(r)
        }
        Fault::Html502 => {
            let mut r = hyper::Response::new(EmuBody::bytes(
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n",
            ));
            *r.status_mut() = http::StatusCode::BAD_GATEWAY;
            r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/html"));
            Ok(r)
        }
        Fault::ResetBeforeHeaders => {
            abort.trip();
            Err(DropConnection)
        }
        Fault::ResetMidBody { status } => {
            let full = fault_body_for(status, request_id);
            let (r, tx) = streamed(status, Some(full.len() + 100));
            let half = Bytes::copy_from_slice(&full[..full.len() / 2]);
            let abort = abort.clone();
            tokio::spawn(async move {
                let _ = tx.send(Ok(half)).await;
                tokio::time::sleep(Duration::from_millis(30)).await;
                abort.trip();
                let _ = tx.send(Err(BodyAborted)).await;
            });
            Ok(r)
        }
        Fault::DelayBeforeHeaders(d) => {
            tokio::time::sleep(d).await;
            Ok(route_full(parts, body, shared, request_id, resolved).await)
        }
        Fault::StallMidBody { status } => {
            let full = fault_body_for(status, request_id);
            let (r, tx) = streamed(status, Some(full.len()));
            let half = Bytes::copy_from_slice(&full[..full.len() / 2]);
            tokio::spawn(async move {
                let _ = tx.send(Ok(half)).await;
                // Hold the sender (and so the body) open until the client gives up.
                tx.closed().await;
            });
            Ok(r)
        }
        Fault::Oversize { status, bytes } => {
            let (r, tx) = streamed(status, Some(bytes));
            tokio::spawn(async move {
                let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
                let mut left = bytes;
                while left > 0 {
                    let n = left.min(chunk.len());
                    if tx.send(Ok(chunk.slice(..n))).await.is_err() {
                        return;
                    }
                    left -= n;
                }
            });
            Ok(r)
        }
        Fault::EndlessChunked { status } => {
            let (r, tx) = streamed(status, None);
            tokio::spawn(async move {
                let chunk = Bytes::from(vec![b'y'; 16 * 1024]);
                while tx.send(Ok(chunk.clone())).await.is_ok() {}
            });
            Ok(r)
        }
        Fault::InvalidUtf8 { status } => {
            let mut b = br#"{"error_code":"DCS.5000","error_msg":"bad "#.to_vec();
            b.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
            b.extend_from_slice(br#""}"#);
            Ok(json_response(status, b))
        }
        Fault::TruncatedJson { status } => Ok(json_response(
            status,
            br#"{"error_code":"DCS.4001","error_msg":"The requested URL does not ex"#.to_vec(),
        )),
        Fault::OverLimitFields { status } => {
            let body = serde_json::json!({
                "error_code": "DCS.40010000",
                "error_msg": "m".repeat(dcs_model::limits::ERROR_MSG_MAX_CHARS + 10),
                "error_ext_msg": "e".repeat(dcs_model::limits::ERROR_EXT_MSG_MAX_CHARS + 1),
            });
            Ok(json_response(status, body.to_string().into_bytes()))
        }
        Fault::WrongTypes { status } => Ok(json_response(
            status,
            br#"{"error_code":111400063,"error_msg":{"text":"nested object"},"error_ext_msg":[1,2]}"#.to_vec(),
        )),
        Fault::EchoRequestHeaders { status } => {
            let echoed: Vec<String> = parts
                .headers
                .iter()
                .map(|(n, v)| format!("{}:{}", n, String::from_utf8_lossy(v.as_bytes())))
                .collect();
            let body = GatewayErrorBody {
                error_code: codes::GATEWAY_AUTH_FAILED.into(),
                error_msg: format!("verify aksk signature fail, headers: {}", echoed.join("|")),
                request_id: request_id.into(),
            };
            Ok(json_response(status, body.to_json()))
        }
        Fault::Redirect { location } => {
            let mut r = hyper::Response::new(EmuBody::empty());
            *r.status_mut() = http::StatusCode::FOUND;
            if let Ok(v) = http::HeaderValue::from_str(&location) {
                r.headers_mut().insert(http::header::LOCATION, v);
            }
            Ok(r)
        }
    }
}
