//! A real `redis-server` behind each emulated Redis instance ([`EngineConfig`], the binary's
//! `--engine redis-server[=PATH]`).
//!
//! Each engine is one `redis-server` process on 127.0.0.1 at a free port, in a private data
//! directory, started from a configuration file the emulator writes (the password, the
//! memory limit from the capacity, no automatic snapshots), and then configured over RESP
//! (the instance's parameters, its ACL accounts). The emulator keeps one admin connection to
//! it, named `dcs-emulator` (left out of the client list and the slow log it reports).
//!
//! Operations on an engine run one at a time (its admin connection is behind an async
//! mutex), in a task of their own so that a client going away mid-restart does not leave the
//! engine half done.
//!
//! **No orphans.** Every engine joins one process group led by a watchdog: `/bin/sh` reading
//! a pipe whose other end only the emulator holds. The emulator stops each engine it deletes
//! and every engine when it is dropped or its binary gets SIGTERM or SIGINT; if the emulator
//! dies any other way (SIGKILL, a crash), the kernel closes the pipe, the watchdog's `read`
//! returns, and it sends SIGTERM to the group, removes the data directory and ends the group
//! with SIGKILL. This needs no `unsafe` (the workspace forbids it): `prctl(PR_SET_PDEATHSIG)`
//! would need a `pre_exec` hook, which is unsafe.

use crate::resp::{RespConnection, RespValue};
use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;

/// The name of the emulator's own connection to each engine (`CLIENT SETNAME`).
pub(crate) const ADMIN_CLIENT_NAME: &str = "dcs-emulator";
/// How long a `redis-server` may take to say it accepts connections.
const BOOT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stopped `redis-server` may take to exit before it is killed.
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Lines of an engine's log kept for error messages.
const LOG_LINES: usize = 40;
/// The most keys a big key or hot key analysis looks at.
pub(crate) const MAX_SCANNED_KEYS: usize = 1_000_000;

/// The watchdog: waits for the emulator's end of its stdin to close, then ends the process
/// group (every engine) and removes the data directory (`$1`).
const WATCHDOG: &str = "trap '' INT HUP; read -r _; trap '' TERM; kill -TERM 0 2>/dev/null; \
                        sleep 1; rm -rf -- \"$1\"; kill -KILL 0";

/// Which `redis-server` to run behind each Redis instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    program: PathBuf,
}

impl EngineConfig {
    /// `redis-server` from `PATH`; an error of kind `NotFound` saying so when there is none.
    pub fn redis_server() -> io::Result<Self> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("redis-server");
            if is_executable(&candidate) {
                return Ok(Self { program: candidate });
            }
        }
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no redis-server on PATH: install Redis (Debian: apt-get install redis-server), \
             or name the program: --engine redis-server=/path/to/redis-server",
        ))
    }

    /// The `redis-server` program at `path` (checked when the emulator starts).
    pub fn redis_server_at(path: impl Into<PathBuf>) -> Self {
        Self {
            program: path.into(),
        }
    }

    /// The program that is run.
    pub fn program(&self) -> &Path {
        &self.program
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What an engine is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineState {
    /// Starting (or restarting, or loading a backup): not yet accepting connections.
    Starting,
    /// Accepting connections.
    Running,
    /// It did not start, or it exited on its own; the message says why.
    Failed(String),
    /// Stopped by the emulator (the instance was deleted, or the emulator is ending).
    Stopped,
}

impl EngineState {
    /// `starting`, `running`, `failed` or `stopped`.
    pub fn as_str(&self) -> &'static str {
        match self {
            EngineState::Starting => "starting",
            EngineState::Running => "running",
            EngineState::Failed(_) => "failed",
            EngineState::Stopped => "stopped",
        }
    }
}

/// What the emulator knows of an instance's engine ([`crate::Emulator::engine`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EngineInfo {
    /// `127.0.0.1:PORT`: where a Redis client connects (ShowInstance reports the same).
    pub address: std::net::SocketAddr,
    /// The `redis-server` process, while there is one.
    pub pid: Option<u32>,
    /// Starting, running, failed or stopped.
    pub state: EngineState,
    /// The engine's private data directory (its `redis.conf` and `dump.rdb`).
    pub data_dir: PathBuf,
    /// How long its first start took, from the instance's creation to the first accepted
    /// connection.
    pub ready_after: Option<Duration>,
}

/// An ACL account as the engine has it.
#[derive(Clone)]
pub(crate) struct AclUser {
    pub(crate) role: String,
    /// `None`: no password yet (a seeded account), so nobody can log in as it.
    pub(crate) password: Option<String>,
}

/// What an engine is set up with; written into its configuration at every start, and kept
/// up to date by every change.
#[derive(Clone, Default)]
pub(crate) struct Desired {
    /// The default user's password (`requirepass`); `None` for password-free access.
    pub(crate) password: Option<String>,
    /// `maxmemory`, from the capacity.
    pub(crate) maxmemory: u64,
    /// Instance parameters (`timeout`, `maxmemory-policy`, ...) by name.
    pub(crate) params: BTreeMap<String, String>,
    /// ACL accounts by name.
    pub(crate) accounts: BTreeMap<String, AclUser>,
    /// A single-node instance (no persistence: a restart loses the data).
    pub(crate) single: bool,
}

impl std::fmt::Debug for Desired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desired")
            .field(
                "password",
                &self.password.as_ref().map(|_| "** redacted **"),
            )
            .field("maxmemory", &self.maxmemory)
            .field("params", &self.params)
            .field("accounts", &self.accounts.keys().collect::<Vec<_>>())
            .field("single", &self.single)
            .finish()
    }
}

impl Desired {
    /// An instance of `capacity` GB, single-node or not, with the parameters' defaults.
    pub(crate) fn new(capacity: f64, single: bool, password: Option<String>) -> Self {
        Self {
            password,
            maxmemory: maxmemory_of(capacity),
            params: crate::engine_params::PARAMS
                .iter()
                .map(|p| (p.name.to_string(), p.default.to_string()))
                .collect(),
            accounts: BTreeMap::new(),
            single,
        }
    }

    /// Whether a restart keeps the data: not for a single-node instance, nor with
    /// `appendonly` off.
    pub(crate) fn persistent(&self) -> bool {
        !self.single && self.params.get("appendonly").is_none_or(|v| v == "yes")
    }
}

/// `maxmemory` in bytes for a capacity in GB.
pub(crate) fn maxmemory_of(capacity_gb: f64) -> u64 {
    (capacity_gb.max(0.0) * 1024.0 * 1024.0 * 1024.0) as u64
}

/// The engines of one emulator: the program, the data directory, the watchdog.
pub(crate) struct Host {
    program: PathBuf,
    version: String,
    root: PathBuf,
    backups: PathBuf,
    rt: tokio::runtime::Handle,
    watchdog: Mutex<Option<Child>>,
    /// The process group every engine joins (the watchdog's).
    pgid: i32,
    engines: Mutex<Vec<Weak<Inner>>>,
    closed: AtomicBool,
    seq: AtomicU64,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("program", &self.program)
            .field("version", &self.version)
            .field("root", &self.root)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn private_dir(p: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(p)
}

impl Host {
    /// Checks the program (it must run and say it is a Redis server), makes the data
    /// directory and starts the watchdog. Must be called inside a tokio runtime.
    pub(crate) fn start(config: &EngineConfig) -> io::Result<Arc<Host>> {
        let program = &config.program;
        let out = Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("the engine {}: cannot run it: {e}", program.display()),
                )
            })?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let version = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("v="))
            .filter(|_| out.status.success() && text.starts_with("Redis server"))
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "the engine {} is not a Redis server (`--version` said {:?})",
                        program.display(),
                        text.trim()
                    ),
                )
            })?
            .to_string();
        let rt = tokio::runtime::Handle::try_current().map_err(|_| {
            io::Error::other("the engine needs a tokio runtime: start the emulator inside one")
        })?;
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let root =
            std::env::temp_dir().join(format!("dcs-emulator-{}-{nonce:08x}", std::process::id()));
        private_dir(&root)?;
        let backups = root.join("backups");
        private_dir(&backups)?;
        let watchdog = Command::new("/bin/sh")
            .args(["-c", WATCHDOG, "dcs-emulator-watchdog"])
            .arg(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&root);
                io::Error::new(
                    e.kind(),
                    format!("cannot start the engines' watchdog (/bin/sh): {e}"),
                )
            })?;
        let pgid = watchdog.id() as i32;
        Ok(Arc::new(Host {
            program: program.clone(),
            version,
            root,
            backups,
            rt,
            watchdog: Mutex::new(Some(watchdog)),
            pgid,
            engines: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            seq: AtomicU64::new(0),
        }))
    }

    /// The Redis version the program reports (`7.0.15`).
    pub(crate) fn version(&self) -> &str {
        &self.version
    }

    pub(crate) fn program(&self) -> &Path {
        &self.program
    }

    /// Starts an engine for a new instance; it is `Starting` until it accepts connections.
    pub(crate) fn start_engine(self: &Arc<Self>, desired: Desired) -> Engine {
        let id = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let inner = Arc::new(Inner {
            host: self.clone(),
            dir: self.root.join(format!("engine-{id}")),
            created: Instant::now(),
            st: Mutex::new(EngState {
                phase: EngineState::Starting,
                pending: "CREATING",
                port: 0,
                pid: None,
                gen: 0,
                ever_ready: false,
                ready_after: None,
                desired,
                log: VecDeque::new(),
            }),
            ops: Arc::new(tokio::sync::Mutex::new(Admin::default())),
            child: Mutex::new(None),
        });
        {
            let mut all = lock(&self.engines);
            all.retain(|w| w.strong_count() > 0);
            all.push(Arc::downgrade(&inner));
        }
        // The boot holds the engine's operation lock from now on, so that anything asked of
        // the engine waits for it.
        let guard = inner.ops.clone().try_lock_owned();
        let engine = Engine(inner.clone());
        if let Ok(mut guard) = guard {
            self.rt.spawn(async move {
                if let Err(e) = inner.boot(&mut guard).await {
                    inner.fail(e);
                }
            });
        }
        engine
    }

    /// Waits until no engine is starting.
    pub(crate) async fn settled(&self) {
        let engines: Vec<Arc<Inner>> = lock(&self.engines)
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for e in engines {
            // Taking the operation lock waits for a boot in progress; a boot that is about
            // to take it (a task not yet run) is waited for too.
            loop {
                let _held = e.ops.lock().await;
                if lock(&e.st).phase != EngineState::Starting {
                    break;
                }
                drop(_held);
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }

    /// The RDB snapshot file of a new backup.
    fn backup_path(&self) -> PathBuf {
        let n = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        self.backups.join(format!("backup-{n}.rdb"))
    }

    /// Stops every engine and the watchdog, and removes the data directory (synchronous:
    /// used when the emulator is dropped or its binary is told to stop).
    pub(crate) fn shutdown(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let engines: Vec<Arc<Inner>> = lock(&self.engines)
            .drain(..)
            .filter_map(|w| w.upgrade())
            .collect();
        for e in engines {
            e.stop_now();
        }
        if let Some(mut w) = lock(&self.watchdog).take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The admin connection, behind the engine's operation lock.
#[derive(Default)]
pub(crate) struct Admin {
    conn: Option<RespConnection>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("connected", &self.conn.is_some())
            .finish()
    }
}

struct EngState {
    phase: EngineState,
    /// The instance status shown while starting: `CREATING`, `RESTARTING`, `RESTORING`.
    pending: &'static str,
    port: u16,
    pid: Option<u32>,
    /// Bumped by every start and stop: a log reader of an older process ends quietly.
    gen: u64,
    ever_ready: bool,
    ready_after: Option<Duration>,
    desired: Desired,
    log: VecDeque<String>,
}

pub(crate) struct Inner {
    host: Arc<Host>,
    dir: PathBuf,
    created: Instant,
    st: Mutex<EngState>,
    ops: Arc<tokio::sync::Mutex<Admin>>,
    child: Mutex<Option<Child>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// One instance's engine (cheap to clone; the process stops when the instance is deleted).
#[derive(Clone)]
pub(crate) struct Engine(Arc<Inner>);

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = lock(&self.0.st);
        f.debug_struct("Engine")
            .field("port", &st.port)
            .field("state", &st.phase)
            .finish()
    }
}

/// The engine's operation lock, held across an operation's two phases.
pub(crate) type OpsGuard = tokio::sync::OwnedMutexGuard<Admin>;

impl Engine {
    pub(crate) fn info(&self) -> EngineInfo {
        let st = lock(&self.0.st);
        EngineInfo {
            address: std::net::SocketAddr::from(([127, 0, 0, 1], st.port)),
            pid: st.pid,
            state: st.phase.clone(),
            data_dir: self.0.dir.clone(),
            ready_after: st.ready_after,
        }
    }

    /// Whether it accepts connections.
    pub(crate) fn running(&self) -> bool {
        lock(&self.0.st).phase == EngineState::Running
    }

    /// The instance status to show instead of `RUNNING`, while the engine is not running:
    /// the pending status of its start (`CREATING`, ...), or the failure (`CREATEFAILED`
    /// when it never ran, else `ERROR`).
    pub(crate) fn status_override(&self) -> Option<&'static str> {
        let st = lock(&self.0.st);
        match st.phase {
            EngineState::Running | EngineState::Stopped => None,
            EngineState::Starting => Some(st.pending),
            EngineState::Failed(_) if st.ever_ready => Some("ERROR"),
            EngineState::Failed(_) => Some("CREATEFAILED"),
        }
    }

    pub(crate) fn port(&self) -> u16 {
        lock(&self.0.st).port
    }

    /// A copy of what the engine is set up with.
    pub(crate) fn desired(&self) -> Desired {
        lock(&self.0.st).desired.clone()
    }

    /// Changes what the engine is set up with, without telling the running process (the
    /// next start uses it); see [`Engine::apply_later`] to tell it too.
    pub(crate) fn edit(&self, f: impl FnOnce(&mut Desired)) {
        f(&mut lock(&self.0.st).desired);
    }

    /// Stops the process now (SIGKILL) and removes its data directory.
    pub(crate) fn stop_now(&self) {
        self.0.stop_now();
    }

    /// Takes the engine's operation lock.
    pub(crate) async fn lock_ops(&self) -> OpsGuard {
        self.0.ops.clone().lock_owned().await
    }

    /// Brings the running process in line with an account added while nothing else could
    /// be awaited (a seeded account): in a task of its own, after whatever runs now.
    pub(crate) fn apply_later(&self) {
        let inner = self.0.clone();
        self.0.host.rt.spawn(async move {
            let mut g = inner.ops.clone().lock_owned().await;
            if lock(&inner.st).phase == EngineState::Running {
                let _ = inner.apply_accounts(&mut g).await;
            }
        });
    }

    /// Starts a failed engine again (its instance was set `RUNNING` by force: the control
    /// API's unfreeze or status).
    pub(crate) fn ensure_started(&self) {
        {
            let mut st = lock(&self.0.st);
            if !matches!(st.phase, EngineState::Failed(_)) {
                return;
            }
            st.phase = EngineState::Starting;
            st.pending = "RESTARTING";
        }
        let inner = self.0.clone();
        self.0.host.rt.spawn(async move {
            let mut g = inner.ops.clone().lock_owned().await;
            if let Err(e) = inner.boot(&mut g).await {
                inner.fail(e);
            }
        });
    }

    /// Runs `need` (in a task of its own, so it finishes even if the request is dropped),
    /// holding the operation lock `guard`; gives the lock back with the outcome.
    pub(crate) async fn run(
        &self,
        need: Need,
        guard: OpsGuard,
    ) -> (Result<Fact, String>, OpsGuard) {
        let inner = self.0.clone();
        let task = self.0.host.rt.spawn(async move {
            let mut guard = guard;
            let r = inner.run(need, &mut guard).await;
            (r, guard)
        });
        match task.await {
            Ok(done) => done,
            Err(e) => {
                // The task panicked or the runtime is ending: the lock went with it.
                let g = self.lock_ops().await;
                (Err(format!("the engine operation did not finish: {e}")), g)
            }
        }
    }
}

/// What a request needs done by an engine before it can be answered.
#[derive(Debug, Clone)]
pub(crate) enum Need {
    /// `FLUSHALL`.
    Flush,
    /// A restart of the process; the data is kept (snapshot, then loaded) when `keep`.
    Restart { keep: bool },
    /// Replace the data with a backup's snapshot (`None`: a backup with no snapshot, such as
    /// a seeded one: the data is emptied).
    Restore(Option<PathBuf>),
    /// An RDB snapshot kept as a backup.
    Snapshot,
    /// The default user's password (`None`: password-free).
    SetPassword(Option<String>),
    /// A password change that must name the current password first.
    ChangePassword { old: String, new: String },
    /// An ACL account created (or replaced) with this role and password.
    CreateUser {
        name: String,
        role: String,
        password: String,
    },
    /// An ACL account's role.
    SetRole { name: String, role: String },
    /// An ACL account's password.
    SetUserPassword { name: String, password: String },
    /// An ACL account deleted.
    DeleteUser(String),
    /// `maxmemory` (a resize).
    Maxmemory(u64),
    /// Instance parameters (`UpdateConfigurations`): refused as a whole when one is not
    /// taken.
    SetParams(Vec<(String, String)>),
    /// The instance parameters' values.
    Params,
    /// A big key analysis.
    BigKeys,
    /// A hot key analysis (needs an LFU `maxmemory-policy`).
    HotKeys,
    /// The slow log.
    SlowLog,
    /// The client list.
    Clients,
    /// Close every client connection but the emulator's.
    KillClients,
}

/// A key an analysis found.
#[derive(Debug, Clone)]
pub(crate) struct KeyInfo {
    pub(crate) db: u32,
    pub(crate) name: String,
    pub(crate) kind: String,
    /// Bytes for a string, elements for the other types.
    pub(crate) size: u64,
    /// `byte` or `count`.
    pub(crate) unit: &'static str,
    /// OBJECT FREQ (hot keys only).
    pub(crate) freq: Option<u64>,
}

/// A slow log entry.
#[derive(Debug, Clone)]
pub(crate) struct SlowEntry {
    pub(crate) id: i64,
    pub(crate) unix_secs: u64,
    pub(crate) micros: u64,
    pub(crate) command: String,
    pub(crate) client: String,
}

/// What an engine answered.
#[derive(Debug, Clone)]
pub(crate) enum Fact {
    /// Done.
    Done,
    /// Refused, with the message to answer (a wrong old password, a value the engine does
    /// not take, an analysis the engine's settings do not allow).
    Refused(String),
    /// Parameter values by name.
    Params(BTreeMap<String, String>),
    /// A backup's snapshot file.
    Snapshot(PathBuf),
    /// Keys an analysis found.
    Keys(Vec<KeyInfo>),
    /// The slow log, newest first.
    SlowLog(Vec<SlowEntry>),
    /// The client list: one map of `CLIENT LIST` fields per client.
    Clients(Vec<BTreeMap<String, String>>),
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

/// A value for `redis.conf`: double-quoted, every byte but letters and digits escaped, so
/// any password reads back as it was given.
fn conf_quote(v: &str) -> String {
    let mut s = String::from("\"");
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s.push('"');
    s
}

/// The ACL rules of a role: every command but administration, and no writes for `read`.
fn role_rules(role: &str) -> Vec<&'static str> {
    let mut r = vec!["nocommands", "+@all", "-@admin"];
    if role != "write" {
        r.push("-@write");
    }
    r
}

fn text(v: &RespValue) -> String {
    v.as_bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .or_else(|| v.as_int().map(|n| n.to_string()))
        .unwrap_or_default()
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, EngState> {
        lock(&self.st)
    }

    fn fail(&self, why: String) {
        let mut st = self.state();
        if st.phase != EngineState::Stopped {
            st.phase = EngineState::Failed(why);
        }
    }

    fn stop_now(&self) {
        {
            let mut st = self.state();
            st.gen += 1;
            st.phase = EngineState::Stopped;
            st.pid = None;
        }
        if let Some(mut c) = lock(&self.child).take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    fn conf(&self, port: u16) -> String {
        let st = self.state();
        let d = &st.desired;
        let mut c = String::new();
        let dir = self.dir.to_string_lossy();
        for line in [
            "bind 127.0.0.1".to_string(),
            format!("port {port}"),
            "protected-mode no".into(),
            "daemonize no".into(),
            "supervised no".into(),
            "logfile \"\"".into(),
            "loglevel notice".into(),
            "always-show-logo no".into(),
            "tcp-backlog 128".into(),
            "databases 256".into(),
            format!("dir {}", conf_quote(&dir)),
            "dbfilename dump.rdb".into(),
            "save \"\"".into(),
            "appendonly no".into(),
            "stop-writes-on-bgsave-error no".into(),
            format!("maxmemory {}", d.maxmemory),
        ] {
            c.push_str(&line);
            c.push('\n');
        }
        if let Some(pw) = &d.password {
            c.push_str(&format!("requirepass {}\n", conf_quote(pw)));
        }
        c
    }

    /// Starts `redis-server` on `port`; its log (stdout and stderr) comes back through the
    /// returned pipe.
    fn spawn(&self, port: u16) -> Result<tokio::net::unix::pipe::Receiver, String> {
        let conf_path = self.dir.join("redis.conf");
        let conf = self.conf(port);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&conf_path)
            .map_err(|e| format!("cannot write {}: {e}", conf_path.display()))?;
        f.write_all(conf.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", conf_path.display()))?;
        drop(f);
        let (reader, writer) = std::io::pipe().map_err(|e| format!("no pipe: {e}"))?;
        let writer2 = writer.try_clone().map_err(|e| format!("no pipe: {e}"))?;
        let mut child_slot = lock(&self.child);
        if self.host.closed.load(Ordering::SeqCst) {
            return Err("the emulator is stopping".into());
        }
        // Deleted while it was starting: it stays stopped.
        if self.state().phase == EngineState::Stopped {
            return Err("the instance was deleted".into());
        }
        let mut cmd = Command::new(&self.host.program);
        cmd.arg(&conf_path)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(writer2)
            .process_group(self.host.pgid);
        let child = match cmd.spawn() {
            Ok(c) => c,
            // The watchdog's group is gone (someone killed it): a group of its own.
            Err(_) => cmd
                .process_group(0)
                .spawn()
                .map_err(|e| format!("cannot run {}: {e}", self.host.program.display()))?,
        };
        drop(cmd);
        {
            let mut st = self.state();
            st.pid = Some(child.id());
            st.port = port;
        }
        *child_slot = Some(child);
        drop(child_slot);
        tokio::net::unix::pipe::Receiver::from_owned_fd(reader.into())
            .map_err(|e| format!("cannot read the engine's log: {e}"))
    }

    fn remember(&self, line: &str) {
        let mut st = self.state();
        if st.log.len() == LOG_LINES {
            st.log.pop_front();
        }
        st.log.push_back(line.to_string());
    }

    fn log_tail(&self) -> String {
        let st = self.state();
        st.log
            .iter()
            .rev()
            .take(4)
            .rev()
            .cloned()
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// Reaps the process after it ended on its own.
    fn reap(&self) -> String {
        match lock(&self.child).take() {
            Some(mut c) => match c.wait() {
                Ok(s) => s.to_string(),
                Err(e) => e.to_string(),
            },
            None => "stopped".to_string(),
        }
    }

    /// Starts the process (in the directory as it is: a `dump.rdb` there is loaded), waits
    /// until it accepts connections, then sets it up over RESP.
    async fn boot(self: &Arc<Self>, admin: &mut Admin) -> Result<(), String> {
        private_dir(&self.dir).map_err(|e| format!("cannot make {}: {e}", self.dir.display()))?;
        admin.conn = None;
        let mut attempt = 0;
        let (reader, gen) = loop {
            attempt += 1;
            // The same port again on a restart, if it is still free.
            let previous = self.state().port;
            let port = if attempt == 1 && previous != 0 {
                previous
            } else {
                free_port()?
            };
            let gen = {
                let mut st = self.state();
                if st.phase == EngineState::Stopped {
                    return Err("the instance was deleted".into());
                }
                st.gen += 1;
                st.phase = EngineState::Starting;
                st.log.clear();
                st.gen
            };
            let pipe = self.spawn(port)?;
            let mut lines = tokio::io::BufReader::new(pipe).lines();
            let ready = tokio::time::timeout(BOOT_TIMEOUT, async {
                while let Ok(Some(line)) = lines.next_line().await {
                    self.remember(&line);
                    if line.contains("Ready to accept connections")
                        || line.contains("ready to accept connections")
                    {
                        return true;
                    }
                }
                false
            })
            .await
            .unwrap_or(false);
            if ready {
                break (lines, gen);
            }
            if let Some(mut c) = lock(&self.child).take() {
                let _ = c.kill();
                let _ = c.wait();
            }
            let tail = self.log_tail();
            if tail.contains("Address already in use") && attempt < 5 {
                continue;
            }
            return Err(format!("redis-server did not start: {tail}"));
        };
        // Keep reading the log (the process would stop on a full pipe); an end of it that
        // nobody asked for is a crash.
        let me = self.clone();
        self.host.rt.spawn(async move {
            let mut lines = reader;
            while let Ok(Some(line)) = lines.next_line().await {
                me.remember(&line);
            }
            let crashed = {
                let st = me.state();
                st.gen == gen && st.phase == EngineState::Running
            };
            if crashed {
                let status = me.reap();
                let why = format!("redis-server exited ({status}): {}", me.log_tail());
                me.fail(why);
            }
        });
        self.connect(admin).await?;
        self.apply_params(admin).await;
        self.apply_accounts(admin).await?;
        let mut st = self.state();
        st.phase = EngineState::Running;
        if !st.ever_ready {
            st.ever_ready = true;
            st.ready_after = Some(self.created.elapsed());
        }
        Ok(())
    }

    async fn connect(&self, admin: &mut Admin) -> Result<(), String> {
        let (port, password) = {
            let st = self.state();
            (st.port, st.desired.password.clone())
        };
        let mut c = RespConnection::connect(("127.0.0.1", port))
            .await
            .map_err(|e| format!("cannot connect to the engine on port {port}: {e}"))?;
        if let Some(pw) = password {
            let r = c
                .command(&["AUTH", pw.as_str()])
                .await
                .map_err(|e| e.to_string())?;
            if let Some(e) = r.error() {
                return Err(format!("the engine refused the instance password: {e}"));
            }
        }
        let _ = c.command(&["CLIENT", "SETNAME", ADMIN_CLIENT_NAME]).await;
        admin.conn = Some(c);
        Ok(())
    }

    /// One command on the admin connection (connecting again once if it was lost); an
    /// error reply is `Err` with the server's message.
    async fn cmd<A: AsRef<[u8]>>(
        &self,
        admin: &mut Admin,
        args: &[A],
    ) -> Result<RespValue, String> {
        for round in 0..2 {
            if admin.conn.is_none() {
                self.connect(admin).await?;
            }
            let Some(c) = admin.conn.as_mut() else {
                continue;
            };
            match c.command(args).await {
                Ok(v) => return v.into_result(),
                Err(e) if round == 0 => {
                    admin.conn = None;
                    let _ = e;
                }
                Err(e) => return Err(format!("the engine did not answer: {e}")),
            }
        }
        Err("the engine did not answer".into())
    }

    async fn pipeline(
        &self,
        admin: &mut Admin,
        cmds: &[Vec<Vec<u8>>],
    ) -> Result<Vec<RespValue>, String> {
        if admin.conn.is_none() {
            self.connect(admin).await?;
        }
        let Some(c) = admin.conn.as_mut() else {
            return Err("the engine did not answer".into());
        };
        match c.pipeline(cmds).await {
            Ok(v) => Ok(v),
            Err(e) => {
                admin.conn = None;
                Err(format!("the engine did not answer: {e}"))
            }
        }
    }

    /// The instance parameters the engine knows, as they should be (a parameter this
    /// Redis version does not know is left to the emulator's record).
    async fn apply_params(&self, admin: &mut Admin) {
        let params: Vec<(String, String)> = self
            .state()
            .desired
            .params
            .iter()
            .filter(|(k, _)| crate::engine_params::at_boot(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in params {
            if let Err(e) = self
                .cmd(admin, &["CONFIG", "SET", k.as_str(), v.as_str()])
                .await
            {
                self.remember(&format!("dcs-emulator: CONFIG SET {k} not taken: {e}"));
            }
        }
    }

    async fn apply_accounts(&self, admin: &mut Admin) -> Result<(), String> {
        let accounts: Vec<(String, AclUser)> = self
            .state()
            .desired
            .accounts
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (name, user) in accounts {
            self.set_user(admin, &name, &user.role, user.password.as_deref())
                .await?;
        }
        Ok(())
    }

    async fn set_user(
        &self,
        admin: &mut Admin,
        name: &str,
        role: &str,
        password: Option<&str>,
    ) -> Result<(), String> {
        let mut args: Vec<String> = vec![
            "ACL".into(),
            "SETUSER".into(),
            name.into(),
            "reset".into(),
            "on".into(),
            "allkeys".into(),
            "allchannels".into(),
        ];
        if let Some(pw) = password {
            args.push(format!(">{pw}"));
        }
        args.extend(role_rules(role).into_iter().map(String::from));
        self.cmd(admin, &args).await.map(|_| ())
    }

    /// Asks the process to stop (without a snapshot) and waits until it is gone.
    async fn halt(&self, admin: &mut Admin, pending: &'static str) -> Result<(), String> {
        {
            let mut st = self.state();
            if st.phase == EngineState::Stopped {
                return Err("the instance was deleted".into());
            }
            st.gen += 1;
            st.phase = EngineState::Starting;
            st.pending = pending;
        }
        if let Some(c) = admin.conn.as_mut() {
            // The connection closes as the server goes: no answer to wait for.
            let _ = c.command(&["SHUTDOWN", "NOSAVE"]).await;
        }
        admin.conn = None;
        let deadline = Instant::now() + EXIT_TIMEOUT;
        loop {
            let done = {
                let mut slot = lock(&self.child);
                match slot.as_mut().map(|c| c.try_wait()) {
                    None => true,
                    Some(Ok(Some(_))) => {
                        slot.take();
                        true
                    }
                    Some(Ok(None)) if Instant::now() >= deadline => {
                        if let Some(mut c) = slot.take() {
                            let _ = c.kill();
                            let _ = c.wait();
                        }
                        true
                    }
                    Some(Ok(None)) => false,
                    Some(Err(e)) => return Err(format!("cannot wait for the engine: {e}")),
                }
            };
            if done {
                self.state().pid = None;
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn run(self: &Arc<Self>, need: Need, admin: &mut Admin) -> Result<Fact, String> {
        if self.state().phase != EngineState::Running {
            let why = match &self.state().phase {
                EngineState::Failed(w) => w.clone(),
                other => format!("it is {}", other.as_str()),
            };
            return Err(format!("the instance's redis-server is not running: {why}"));
        }
        match need {
            Need::Flush => self.cmd(admin, &["FLUSHALL"]).await.map(|_| Fact::Done),
            Need::Restart { keep } => {
                if keep {
                    self.cmd(admin, &["SAVE"]).await?;
                }
                self.halt(admin, "RESTARTING").await?;
                if !keep {
                    let _ = std::fs::remove_file(self.dir.join("dump.rdb"));
                }
                self.reboot(admin).await
            }
            Need::Restore(snapshot) => {
                self.halt(admin, "RESTORING").await?;
                let dump = self.dir.join("dump.rdb");
                match snapshot {
                    Some(p) => {
                        std::fs::copy(&p, &dump)
                            .map_err(|e| format!("cannot restore {}: {e}", p.display()))?;
                    }
                    None => {
                        let _ = std::fs::remove_file(&dump);
                    }
                }
                self.reboot(admin).await
            }
            Need::Snapshot => {
                self.cmd(admin, &["SAVE"]).await?;
                let to = self.host.backup_path();
                std::fs::copy(self.dir.join("dump.rdb"), &to)
                    .map_err(|e| format!("cannot keep the snapshot: {e}"))?;
                Ok(Fact::Snapshot(to))
            }
            Need::SetPassword(pw) => {
                self.cmd(
                    admin,
                    &["CONFIG", "SET", "requirepass", pw.as_deref().unwrap_or("")],
                )
                .await?;
                self.state().desired.password = pw;
                Ok(Fact::Done)
            }
            Need::ChangePassword { old, new } => {
                let current = self.state().desired.password.clone();
                if current.as_deref().unwrap_or("") != old {
                    return Ok(Fact::Refused("the old password is wrong".into()));
                }
                self.cmd(admin, &["CONFIG", "SET", "requirepass", new.as_str()])
                    .await?;
                self.state().desired.password = Some(new);
                Ok(Fact::Done)
            }
            Need::CreateUser {
                name,
                role,
                password,
            } => {
                self.set_user(admin, &name, &role, Some(&password)).await?;
                self.state().desired.accounts.insert(
                    name,
                    AclUser {
                        role,
                        password: Some(password),
                    },
                );
                Ok(Fact::Done)
            }
            Need::SetRole { name, role } => {
                let mut args: Vec<String> = vec!["ACL".into(), "SETUSER".into(), name.clone()];
                args.extend(role_rules(&role).into_iter().map(String::from));
                self.cmd(admin, &args).await?;
                if let Some(u) = self.state().desired.accounts.get_mut(&name) {
                    u.role = role;
                }
                Ok(Fact::Done)
            }
            Need::SetUserPassword { name, password } => {
                let pw = format!(">{password}");
                self.cmd(
                    admin,
                    &["ACL", "SETUSER", name.as_str(), "resetpass", pw.as_str()],
                )
                .await?;
                if let Some(u) = self.state().desired.accounts.get_mut(&name) {
                    u.password = Some(password);
                }
                Ok(Fact::Done)
            }
            Need::DeleteUser(name) => {
                self.cmd(admin, &["ACL", "DELUSER", name.as_str()]).await?;
                self.state().desired.accounts.remove(&name);
                Ok(Fact::Done)
            }
            Need::Maxmemory(bytes) => {
                let b = bytes.to_string();
                self.cmd(admin, &["CONFIG", "SET", "maxmemory", b.as_str()])
                    .await?;
                self.state().desired.maxmemory = bytes;
                Ok(Fact::Done)
            }
            Need::SetParams(pairs) => self.set_params(admin, pairs).await,
            Need::Params => {
                let names: Vec<&str> = crate::engine_params::PARAMS
                    .iter()
                    .filter(|p| p.engine)
                    .map(|p| p.name)
                    .collect();
                let cmds: Vec<Vec<Vec<u8>>> = names
                    .iter()
                    .map(|n| vec![b"CONFIG".to_vec(), b"GET".to_vec(), n.as_bytes().to_vec()])
                    .collect();
                let replies = self.pipeline(admin, &cmds).await?;
                let mut values = BTreeMap::new();
                for (name, r) in names.iter().zip(replies) {
                    if let Some([_, v]) = r.as_array() {
                        values.insert(name.to_string(), text(v));
                    }
                }
                Ok(Fact::Params(values))
            }
            Need::BigKeys => self.scan(admin, false).await,
            Need::HotKeys => {
                let r = self
                    .cmd(admin, &["CONFIG", "GET", "maxmemory-policy"])
                    .await?;
                let policy = r
                    .as_array()
                    .and_then(|a| a.get(1))
                    .map(text)
                    .unwrap_or_default();
                if !policy.ends_with("-lfu") {
                    return Ok(Fact::Refused(format!(
                        "hot key analysis needs maxmemory-policy allkeys-lfu or volatile-lfu; the instance has {policy}"
                    )));
                }
                self.scan(admin, true).await
            }
            Need::SlowLog => {
                let r = self.cmd(admin, &["SLOWLOG", "GET", "1024"]).await?;
                let mut out = Vec::new();
                for e in r.as_array().unwrap_or(&[]) {
                    let Some(f) = e.as_array() else { continue };
                    let name = f.get(5).map(text).unwrap_or_default();
                    if name == ADMIN_CLIENT_NAME {
                        continue;
                    }
                    let args: Vec<String> = f
                        .get(3)
                        .and_then(RespValue::as_array)
                        .unwrap_or(&[])
                        .iter()
                        .map(text)
                        .collect();
                    out.push(SlowEntry {
                        id: f.first().and_then(RespValue::as_int).unwrap_or(0),
                        unix_secs: f.get(1).and_then(RespValue::as_int).unwrap_or(0).max(0) as u64,
                        micros: f.get(2).and_then(RespValue::as_int).unwrap_or(0).max(0) as u64,
                        command: args.join(" "),
                        client: f.get(4).map(text).unwrap_or_default(),
                    });
                }
                Ok(Fact::SlowLog(out))
            }
            Need::Clients => {
                let r = self.cmd(admin, &["CLIENT", "LIST"]).await?;
                let list = text(&r);
                let clients = list
                    .lines()
                    .map(|line| {
                        line.split(' ')
                            .filter_map(|kv| kv.split_once('='))
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect::<BTreeMap<_, _>>()
                    })
                    .filter(|m| m.get("name").map(String::as_str) != Some(ADMIN_CLIENT_NAME))
                    .collect();
                Ok(Fact::Clients(clients))
            }
            Need::KillClients => {
                for kind in ["normal", "pubsub"] {
                    self.cmd(admin, &["CLIENT", "KILL", "TYPE", kind, "SKIPME", "yes"])
                        .await?;
                }
                Ok(Fact::Done)
            }
        }
    }

    async fn reboot(self: &Arc<Self>, admin: &mut Admin) -> Result<Fact, String> {
        match self.boot(admin).await {
            Ok(()) => Ok(Fact::Done),
            Err(e) => {
                self.fail(e.clone());
                Err(e)
            }
        }
    }

    /// `UpdateConfigurations`: every parameter must be one the instance has; the ones the
    /// engine knows are set with `CONFIG SET` (and all set back when one is refused).
    async fn set_params(
        &self,
        admin: &mut Admin,
        pairs: Vec<(String, String)>,
    ) -> Result<Fact, String> {
        for (name, _) in &pairs {
            if crate::engine_params::find(name).is_none() {
                return Ok(Fact::Refused(format!(
                    "{name} is not a parameter of this instance"
                )));
            }
        }
        let mut undo: Vec<(String, String)> = Vec::new();
        for (name, value) in &pairs {
            if !crate::engine_params::on_engine(name) {
                continue;
            }
            let old = self
                .cmd(admin, &["CONFIG", "GET", name.as_str()])
                .await?
                .as_array()
                .and_then(|a| a.get(1))
                .map(text);
            match self
                .cmd(admin, &["CONFIG", "SET", name.as_str(), value.as_str()])
                .await
            {
                Ok(_) => {
                    if let Some(old) = old {
                        undo.push((name.clone(), old));
                    }
                }
                Err(e) => {
                    for (n, v) in undo.iter().rev() {
                        let _ = self
                            .cmd(admin, &["CONFIG", "SET", n.as_str(), v.as_str()])
                            .await;
                    }
                    return Ok(Fact::Refused(format!(
                        "{name} = {value:?} was refused: {e}"
                    )));
                }
            }
        }
        let mut st = self.state();
        for (name, value) in pairs {
            st.desired.params.insert(name, value);
        }
        Ok(Fact::Done)
    }

    /// Walks every key of every database (SCAN), with its type, size (STRLEN or the
    /// element count), MEMORY USAGE and, for hot keys, OBJECT FREQ; keeps the big keys (a
    /// string over 10 KB; another type over 5,000 elements or 50 MB), or the most used
    /// keys.
    async fn scan(&self, admin: &mut Admin, hot: bool) -> Result<Fact, String> {
        let info = self.cmd(admin, &["INFO", "keyspace"]).await?;
        let dbs: Vec<u32> = text(&info)
            .lines()
            .filter_map(|l| l.strip_prefix("db"))
            .filter_map(|l| l.split(':').next())
            .filter_map(|n| n.parse().ok())
            .collect();
        let mut found: Vec<KeyInfo> = Vec::new();
        let mut seen = 0usize;
        'dbs: for db in dbs {
            let dbs = db.to_string();
            self.cmd(admin, &["SELECT", dbs.as_str()]).await?;
            let mut cursor = "0".to_string();
            loop {
                let r = self
                    .cmd(admin, &["SCAN", cursor.as_str(), "COUNT", "1000"])
                    .await?;
                let Some([next, keys]) = r.as_array() else {
                    return Err("an unexpected SCAN answer".into());
                };
                cursor = text(next);
                let keys: Vec<Vec<u8>> = keys
                    .as_array()
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|k| k.as_bytes().map(<[u8]>::to_vec))
                    .collect();
                seen += keys.len();
                let types = self
                    .pipeline(
                        admin,
                        &keys
                            .iter()
                            .map(|k| vec![b"TYPE".to_vec(), k.clone()])
                            .collect::<Vec<_>>(),
                    )
                    .await?;
                let mut cmds = Vec::with_capacity(keys.len() * 3);
                for (k, t) in keys.iter().zip(&types) {
                    let size_cmd: &[u8] = match text(t).as_str() {
                        "string" => b"STRLEN",
                        "list" => b"LLEN",
                        "hash" => b"HLEN",
                        "set" => b"SCARD",
                        "zset" => b"ZCARD",
                        "stream" => b"XLEN",
                        _ => b"EXISTS",
                    };
                    cmds.push(vec![size_cmd.to_vec(), k.clone()]);
                    cmds.push(vec![b"MEMORY".to_vec(), b"USAGE".to_vec(), k.clone()]);
                    cmds.push(vec![b"OBJECT".to_vec(), b"FREQ".to_vec(), k.clone()]);
                }
                let sizes = self.pipeline(admin, &cmds).await?;
                for (i, (k, t)) in keys.iter().zip(&types).enumerate() {
                    let kind = text(t);
                    let size = sizes[i * 3].as_int().unwrap_or(0).max(0) as u64;
                    let memory = sizes[i * 3 + 1].as_int().unwrap_or(0).max(0) as u64;
                    let freq = sizes[i * 3 + 2].as_int().map(|f| f.max(0) as u64);
                    let is_string = kind == "string";
                    let keep = if hot {
                        freq.is_some_and(|f| f > 0)
                    } else if is_string {
                        size > 10 * 1024
                    } else {
                        size > 5000 || memory > 50 * 1024 * 1024
                    };
                    if keep {
                        found.push(KeyInfo {
                            db,
                            name: String::from_utf8_lossy(k).into_owned(),
                            kind,
                            size,
                            unit: if is_string { "byte" } else { "count" },
                            freq: if hot { freq } else { None },
                        });
                    }
                }
                if cursor == "0" {
                    break;
                }
                if seen >= MAX_SCANNED_KEYS {
                    break 'dbs;
                }
            }
        }
        let _ = self.cmd(admin, &["SELECT", "0"]).await;
        if hot {
            found.sort_by(|a, b| b.freq.cmp(&a.freq).then_with(|| a.name.cmp(&b.name)));
            found.truncate(100);
        } else {
            // The service keeps at most 20 big keys of each type, the largest.
            found.sort_by(|a, b| {
                a.kind
                    .cmp(&b.kind)
                    .then(b.size.cmp(&a.size))
                    .then_with(|| a.name.cmp(&b.name))
            });
            let mut per_type: BTreeMap<String, usize> = BTreeMap::new();
            found.retain(|k| {
                let n = per_type.entry(k.kind.clone()).or_default();
                *n += 1;
                *n <= 20
            });
            found.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
        }
        Ok(Fact::Keys(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_values_are_quoted_so_any_password_survives() {
        assert_eq!(conf_quote("abc123"), "\"abc123\"");
        assert_eq!(conf_quote("a \"b\"\\"), "\"a\\x20\\x22b\\x22\\x5c\"");
        assert_eq!(conf_quote("Ünï"), "\"\\xc3\\x9cn\\xc3\\xaf\"");
    }

    #[test]
    fn roles_map_to_acl_rules() {
        assert_eq!(role_rules("write"), ["nocommands", "+@all", "-@admin"]);
        assert_eq!(
            role_rules("read"),
            ["nocommands", "+@all", "-@admin", "-@write"]
        );
    }

    #[test]
    fn capacity_becomes_maxmemory() {
        assert_eq!(maxmemory_of(1.0), 1 << 30);
        assert_eq!(maxmemory_of(0.125), 128 << 20);
    }

    #[test]
    fn persistence_follows_the_instance_type_and_appendonly() {
        let mut d = Desired::new(1.0, false, None);
        assert!(d.persistent());
        d.params.insert("appendonly".into(), "no".into());
        assert!(!d.persistent());
        assert!(!Desired::new(1.0, true, None).persistent());
        let shown = format!("{:?}", Desired::new(1.0, false, Some("canary-pw".into())));
        assert!(!shown.contains("canary-pw"), "{shown}");
    }
}
