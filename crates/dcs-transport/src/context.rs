//! What configuration loading may look at: environment variables, files and the clock, behind
//! small traits, so tests hand in their own and never touch the process environment.
//!
//! [`Context::from_process`] reads the real process; [`Context::new`] takes any
//! [`Env`], [`Fs`] and [`Clock`]. [`MapEnv`] and [`MapFs`] are in-memory versions for tests.

use crate::time::{Clock, SystemClock};
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
/// hold secrets.
#[derive(Clone, Default)]
pub struct MapEnv {
    vars: HashMap<String, OsString>,
}

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

impl fmt::Debug for MapEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.vars.keys().collect();
        names.sort();
        f.debug_struct("MapEnv").field("names", &names).finish()
    }
}

impl Env for MapEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.vars.get(name).cloned()
    }
}

/// Files from a map; any other path is "not found". Contents never print in `Debug`.
#[derive(Clone, Default)]
pub struct MapFs {
    files: HashMap<PathBuf, Result<Vec<u8>, io::ErrorKind>>,
}

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

impl fmt::Debug for MapFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut paths: Vec<&PathBuf> = self.files.keys().collect();
        paths.sort();
        f.debug_struct("MapFs").field("paths", &paths).finish()
    }
}

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

/// Everything configuration loading reads from the outside world. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Context {
    env: Arc<dyn Env>,
    fs: Arc<dyn Fs>,
    clock: Arc<dyn Clock>,
    metadata_connect_timeout: Duration,
    metadata_attempt_timeout: Duration,
}

impl Context {
    /// The real process: its environment, the file system, the system clock.
    pub fn from_process() -> Self {
        Self::new(
            Arc::new(ProcessEnv),
            Arc::new(RealFs),
            Arc::new(SystemClock),
        )
    }

    /// A context over the given environment, files and clock.
    pub fn new(env: Arc<dyn Env>, fs: Arc<dyn Fs>, clock: Arc<dyn Clock>) -> Self {
        Self {
            env,
            fs,
            clock,
            metadata_connect_timeout: DEFAULT_METADATA_CONNECT_TIMEOUT,
            metadata_attempt_timeout: DEFAULT_METADATA_ATTEMPT_TIMEOUT,
        }
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

    /// The file system.
    pub fn fs(&self) -> &Arc<dyn Fs> {
        &self.fs
    }

    /// The environment.
    pub fn env(&self) -> &Arc<dyn Env> {
        &self.env
    }

    pub(crate) fn metadata_timeouts(&self) -> (Duration, Duration) {
        (self.metadata_connect_timeout, self.metadata_attempt_timeout)
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

#[cfg(test)]
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
