//! The one shared runtime configuration: what configuration loading may look at
//! (environment variables, files, the clock) and how everything reaches the network (HTTP
//! settings with proxy and CA bundle, timeouts, the sleeper between retries).
//!
//! Every provider, the metadata client, the IAM lookup and the DCS client itself take the
//! same [`Context`], as aws-config hands one `ProviderConfig` to each of its providers: so a
//! proxy, a custom CA or a timeout set once applies to every request the SDK makes, and tests
//! hand in their own environment, files and time without touching the process.
//!
//! [`Context::from_process`] reads the real process; [`Context::new`] takes any [`Env`],
//! [`Fs`] and [`Clock`]. `MapEnv` and `MapFs` (feature `test-util`) are in-memory versions
//! for tests.

use dcs_transport::{
    ClientConfig, Clock, ConfigError, Endpoint, HttpClient, HttpClientBuilder, Jitter,
    ProvideCredentials, RetryPolicy, Sleeper, SystemClock, TokioSleeper,
};
#[cfg(feature = "test-util")]
use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Environment variables.
pub trait Env: Send + Sync + fmt::Debug {
    /// The variable's raw value, or `None` when it is not set.
    fn var_os(&self, name: &str) -> Option<OsString>;
}

/// Files.
pub trait Fs: Send + Sync + fmt::Debug {
    /// The whole file. A missing file is an error of kind [`io::ErrorKind::NotFound`].
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;

    /// The whole file if it holds at most `max_bytes`; a larger one (or an endless one such as
    /// `/dev/zero`) is an error of kind [`io::ErrorKind::FileTooLarge`] ([`too_large`]), and no
    /// more than `max_bytes + 1` bytes of it are read. Configuration loading reads every file
    /// this way, each with its documented cap ([`MAX_PROFILE_FILE_BYTES`],
    /// [`MAX_REGIONS_FILE_BYTES`], [`MAX_CA_BUNDLE_BYTES`], [`MAX_TOKEN_FILE_BYTES`]).
    ///
    /// The default reads the whole file with [`read`](Self::read) and then checks its size;
    /// an implementation over real files should stop reading at the cap instead.
    fn read_capped(&self, path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
        let bytes = self.read(path)?;
        if bytes.len() as u64 > max_bytes {
            return Err(too_large(max_bytes));
        }
        Ok(bytes)
    }
}

/// The most bytes read of the credentials (profile) file: 1 MiB.
pub const MAX_PROFILE_FILE_BYTES: u64 = 1024 * 1024;
/// The most bytes read of the regions file: 1 MiB.
pub const MAX_REGIONS_FILE_BYTES: u64 = 1024 * 1024;
/// The most bytes read of the extra CA bundle (`HUAWEICLOUD_SDK_CA_BUNDLE`): 4 MiB, twenty
/// times the size of the whole web PKI's roots in PEM.
pub const MAX_CA_BUNDLE_BYTES: u64 = 4 * 1024 * 1024;
/// The most bytes read of the Pod Identity token file: 64 KiB.
pub const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// The error of a file larger than the `max_bytes` that are read of it (kind
/// [`io::ErrorKind::FileTooLarge`]; its text names the cap, the caller names the file).
pub fn too_large(max_bytes: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than the {max_bytes} bytes this SDK reads of it"),
    )
}

/// Reads at most `max_bytes` of `path`: the whole file, or [`too_large`] when there is more.
pub fn read_file_capped(path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    read_capped_from(file, max_bytes)
}

/// Reads `source` to its end if it holds at most `max_bytes`; else [`too_large`], having
/// read `max_bytes + 1` bytes at most.
pub fn read_capped_from(source: impl io::Read, max_bytes: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    source
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(max_bytes));
    }
    Ok(bytes)
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

impl Fs for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn read_capped(&self, path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
        read_file_capped(path, max_bytes)
    }
}

/// Environment variables from a map. Values print in `Debug` as their names only, since some
/// hold secrets. For tests (feature `test-util`).
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[derive(Clone, Default)]
pub struct MapEnv {
    vars: HashMap<String, OsString>,
}

#[cfg(feature = "test-util")]
impl MapEnv {
    /// From `(name, value)` pairs.
    pub fn from_pairs<K: Into<String>, V: Into<OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Sets one more variable.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }
}

#[cfg(feature = "test-util")]
impl fmt::Debug for MapEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.vars.keys().collect();
        names.sort();
        f.debug_struct("MapEnv").field("names", &names).finish()
    }
}

#[cfg(feature = "test-util")]
impl Env for MapEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.vars.get(name).cloned()
    }
}

/// Files from a map; any other path is "not found". Contents never print in `Debug`. For
/// tests (feature `test-util`).
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[derive(Clone, Default)]
pub struct MapFs {
    files: HashMap<PathBuf, Result<Vec<u8>, io::ErrorKind>>,
}

#[cfg(feature = "test-util")]
impl MapFs {
    /// No files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file.
    pub fn with_file(mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), Ok(contents.into()));
        self
    }

    /// Adds a path whose reading fails with `kind` (e.g. permission denied).
    pub fn with_error(mut self, path: impl Into<PathBuf>, kind: io::ErrorKind) -> Self {
        self.files.insert(path.into(), Err(kind));
        self
    }
}

#[cfg(feature = "test-util")]
impl fmt::Debug for MapFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut paths: Vec<&PathBuf> = self.files.keys().collect();
        paths.sort();
        f.debug_struct("MapFs").field("paths", &paths).finish()
    }
}

#[cfg(feature = "test-util")]
impl Fs for MapFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(Ok(bytes)) => Ok(bytes.clone()),
            Some(Err(kind)) => Err(io::Error::from(*kind)),
            None => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }
}

/// A variable that is set but cannot be used: empty, or not valid UTF-8. Never treated as
/// unset, so a mistake in a deployment shows instead of silently picking other credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {name} is {problem}")]
#[non_exhaustive]
pub struct EnvVarError {
    /// The variable.
    pub name: String,
    /// `"empty"` or `"not valid UTF-8"`.
    pub problem: &'static str,
}

/// Default connect timeout for the metadata and Pod Identity services.
pub const DEFAULT_METADATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Default limit on one whole metadata or Pod Identity exchange.
pub const DEFAULT_METADATA_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// The most body bytes read from the metadata and Pod Identity services.
pub const MAX_CREDENTIAL_ANSWER_BYTES: usize = 64 * 1024;

/// The shared runtime configuration: environment, files, clock, sleeper, and the HTTP
/// settings (timeouts, retries, proxy, extra CA) every request of the SDK goes out with.
/// Cheap to clone.
#[derive(Clone)]
pub struct Context {
    env: Arc<dyn Env>,
    fs: Arc<dyn Fs>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    jitter: Option<Jitter>,
    http: ClientConfig,
    ca_bundle: Option<Arc<Vec<u8>>>,
    metadata_connect_timeout: Duration,
    metadata_attempt_timeout: Duration,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("env", &self.env)
            .field("fs", &self.fs)
            .field("clock", &self.clock)
            .field("sleeper", &self.sleeper)
            .field("http", &self.http)
            .field("ca_bundle_bytes", &self.ca_bundle.as_ref().map(|b| b.len()))
            .field("metadata_connect_timeout", &self.metadata_connect_timeout)
            .field("metadata_attempt_timeout", &self.metadata_attempt_timeout)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// The real process: its environment, the file system, the system clock, tokio's timer,
    /// and the default HTTP settings.
    pub fn from_process() -> Self {
        Self::new(
            Arc::new(ProcessEnv),
            Arc::new(RealFs),
            Arc::new(SystemClock),
        )
    }

    /// A context over the given environment, files and clock, with tokio's timer and the
    /// default HTTP settings.
    pub fn new(env: Arc<dyn Env>, fs: Arc<dyn Fs>, clock: Arc<dyn Clock>) -> Self {
        Self {
            env,
            fs,
            clock,
            sleeper: Arc::new(TokioSleeper),
            jitter: None,
            http: ClientConfig::default(),
            ca_bundle: None,
            metadata_connect_timeout: DEFAULT_METADATA_CONNECT_TIMEOUT,
            metadata_attempt_timeout: DEFAULT_METADATA_ATTEMPT_TIMEOUT,
        }
    }

    /// Replaces the clock (signing dates, deadlines, credential expiry).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the sleeper (waits between retries).
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Replaces the backoff jitter source (uniform in `[0, 1)`), so backoff schedules are
    /// exact in tests.
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = Some(jitter);
        self
    }

    /// Replaces the HTTP settings: timeouts, retries, body cap, user agent, proxy. A proxy
    /// set here wins over the environment's (`HTTPS_PROXY`...).
    pub fn with_http(mut self, config: ClientConfig) -> Self {
        self.http = config;
        self
    }

    /// Trusts the CA certificates in `pem` besides the web PKI roots, for every request
    /// (wins over `HUAWEICLOUD_SDK_CA_BUNDLE`). Checked when a client is built.
    pub fn with_ca_bundle_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_bundle = Some(Arc::new(pem.into()));
        self
    }

    /// Changes the timeouts for the metadata and Pod Identity services (connect, whole
    /// exchange). Defaults: 1 s and 3 s.
    pub fn with_metadata_timeouts(mut self, connect: Duration, attempt: Duration) -> Self {
        self.metadata_connect_timeout = connect;
        self.metadata_attempt_timeout = attempt;
        self
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The sleeper.
    pub fn sleeper(&self) -> &Arc<dyn Sleeper> {
        &self.sleeper
    }

    /// The injected jitter source, if one was given.
    pub fn jitter(&self) -> Option<&Jitter> {
        self.jitter.as_ref()
    }

    /// The HTTP settings.
    pub fn http(&self) -> &ClientConfig {
        &self.http
    }

    /// The extra CA certificates (PEM), if any.
    pub fn ca_bundle_pem(&self) -> Option<&[u8]> {
        self.ca_bundle.as_deref().map(Vec::as_slice)
    }

    /// A client for `endpoint` (and `fallbacks`) that signs with what `credentials` gives,
    /// set up as every request of the SDK is: this context's HTTP settings, proxy, extra CA,
    /// clock, sleeper and jitter. Add to it, then build.
    pub fn http_client_builder(
        &self,
        endpoint: Endpoint,
        fallbacks: Vec<Endpoint>,
        credentials: Arc<dyn ProvideCredentials>,
    ) -> HttpClientBuilder {
        self.finish(
            HttpClient::builder_with_provider(endpoint, credentials)
                .fallback_endpoints(fallbacks)
                .config(self.http.clone()),
        )
    }

    /// An unsigned client for a link-local credential service (ECS metadata, Pod Identity):
    /// this context's network setup, with the metadata timeouts (connect, whole exchange), one
    /// attempt, plain HTTP allowed, and answers read up to [`MAX_CREDENTIAL_ANSWER_BYTES`].
    pub(crate) fn credential_service_client(
        &self,
        endpoint: Endpoint,
    ) -> Result<HttpClient, ConfigError> {
        let config = self
            .http
            .clone()
            .connect_timeout(self.metadata_connect_timeout)
            .attempt_timeout(self.metadata_attempt_timeout)
            .total_timeout(self.metadata_attempt_timeout)
            .retry(RetryPolicy::disabled())
            .max_response_bytes(MAX_CREDENTIAL_ANSWER_BYTES)
            .allow_insecure_http(true)
            .correct_clock_skew(false);
        self.finish(HttpClient::builder_unsigned(endpoint).config(config))
            .build()
    }

    fn finish(&self, mut b: HttpClientBuilder) -> HttpClientBuilder {
        b = b.clock(self.clock.clone()).sleeper(self.sleeper.clone());
        if let Some(j) = &self.jitter {
            b = b.jitter(j.clone());
        }
        if let Some(pem) = &self.ca_bundle {
            b = b.ca_bundle_pem(pem.as_slice());
        }
        b
    }

    /// The file system.
    pub fn fs(&self) -> &Arc<dyn Fs> {
        &self.fs
    }

    /// The environment.
    pub fn env(&self) -> &Arc<dyn Env> {
        &self.env
    }

    /// A variable as text: `Ok(None)` when unset; an error when set but empty or not UTF-8.
    pub fn var(&self, name: &str) -> Result<Option<String>, EnvVarError> {
        let Some(raw) = self.env.var_os(name) else {
            return Ok(None);
        };
        let text = raw.into_string().map_err(|_| EnvVarError {
            name: name.to_string(),
            problem: "not valid UTF-8",
        })?;
        if text.trim().is_empty() {
            return Err(EnvVarError {
                name: name.to_string(),
                problem: "empty",
            });
        }
        Ok(Some(text))
    }

    /// The home directory: `HOME`, else `USERPROFILE` (Windows), as the official SDKs take it.
    pub fn home_dir(&self) -> Result<Option<PathBuf>, EnvVarError> {
        if let Some(h) = self.var("HOME")? {
            return Ok(Some(PathBuf::from(h)));
        }
        Ok(self.var("USERPROFILE")?.map(PathBuf::from))
    }
}

#[cfg(all(test, feature = "test-util"))]
mod tests {
    use super::*;

    fn ctx(env: MapEnv) -> Context {
        Context::new(Arc::new(env), Arc::new(MapFs::new()), Arc::new(SystemClock))
    }

    #[test]
    fn empty_and_unset_differ() {
        let c = ctx(MapEnv::from_pairs([("A", "x"), ("B", ""), ("C", "  ")]));
        assert_eq!(c.var("A").unwrap().as_deref(), Some("x"));
        assert_eq!(c.var("Z").unwrap(), None);
        assert_eq!(c.var("B").unwrap_err().problem, "empty");
        assert_eq!(c.var("C").unwrap_err().name, "C");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_is_an_error() {
        use std::os::unix::ffi::OsStringExt;
        let c = ctx(MapEnv::default().with("A", OsString::from_vec(vec![0xff, b'a'])));
        let e = c.var("A").unwrap_err();
        assert_eq!(e.problem, "not valid UTF-8");
        assert!(e.to_string().contains("A"));
    }

    #[test]
    fn debug_shows_no_values() {
        let e = MapEnv::from_pairs([("HUAWEICLOUD_SDK_SK", "canary-sk")]);
        let f = MapFs::new().with_file("/c", "sk = canary-file");
        let s = format!("{e:?} {f:?}");
        assert!(!s.contains("canary"));
        assert!(s.contains("HUAWEICLOUD_SDK_SK"));
    }
}
