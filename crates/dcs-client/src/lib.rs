//! The Huawei Cloud DCS client: every DCS v2 operation, sent through one generic path.
//!
//! This crate is where the model (`dcs-model`: requests, answers, rules) and the transport
//! (`dcs-transport`: signing, sending, retries) meet. It holds no schema and no HTTP logic of
//! its own: the operations are generated from the service model under `codegen/`.
//!
//! # Getting started
//!
//! [`DcsClient`] has one method per operation, named as in the official SDKs
//! (`list_instances`, `delete_center_task`, ...), grouped by resource group on its page. Path
//! ids are the method's arguments; it returns the operation's call type
//! ([`calls::CreateInstanceCall`], ...) with a setter per query parameter and body field; then
//! `send()`. The answer dereferences to the operation's typed output and keeps the request
//! id. Build one client and reuse it: it owns the connection pool, and clones share it.
//!
//! ```no_run
//! use dcs_client::{Credentials, DcsClient};
//!
//! # async fn run() -> Result<(), dcs_client::Error> {
//! let client = DcsClient::builder()
//!     .region("cn-north-4")
//!     .credentials(Credentials::new("MY_AK", "MY_SK"))
//!     .project_id("0a1b2c3d4e5f40718293a4b5c6d7e8f9")
//!     .build()?;
//!
//! let mut pages = client.list_instances().status("RUNNING").into_paginator().items();
//! while let Some(instance) = pages.next().await {
//!     let instance = instance?;
//!     println!("{:?} {:?}", instance.instance_id, instance.name);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! An application needs tokio with a runtime (`tokio = { version = "1", features = ["macros",
//! "rt-multi-thread"] }`).
//!
//! # Configuration
//!
//! What the builder is not told is found where the official SDKs look: credentials in
//! `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK` (and `HUAWEICLOUD_SDK_SECURITY_TOKEN`), the
//! profile file (`~/.huaweicloud/credentials`), Pod Identity, then the ECS metadata service;
//! the region in `HUAWEICLOUD_SDK_REGION` or the profile; the endpoint in `DCS_ENDPOINT`,
//! `HUAWEICLOUD_SDK_REGION_DCS_{REGION}` or the regions file; the project id in
//! `HUAWEICLOUD_SDK_PROJECT_ID`, the profile, or an IAM lookup by region at the first call.
//! See [`DcsClientBuilder`] and the README's table.
//!
//! # Requests are checked before they are sent
//!
//! `send()` checks the request against the reviewed rules of the API reference (required
//! fields, lengths, ranges, documented value sets, formats such as `yyyyMMddHHmmss`) and sends
//! nothing when one fails: the [`Error`] lists every problem at once, each with its field path
//! (`body.tags[1].key`). The rules are never stricter than the service (every documented
//! capacity passes); for the day the service accepts more than the reference says,
//! [`RequestOptions::validate`]`(false)` sends what was set.
//!
//! Value sets ([`types::InstanceStatus`], [`types::Engine`], ...) are enums you can match on;
//! a value this version does not know decodes as `Unknown` and never fails an answer.
//!
//! # Errors
//!
//! Every failure is one [`Error`]: [`Error::kind`] says what kind, accessors give what is
//! known (status, error code, message, request id, the documented meaning of the code with
//! [`Error::code_info`]), and predicates answer the usual questions:
//! [`is_instance_not_found`](Error::is_instance_not_found),
//! [`is_instance_busy`](Error::is_instance_busy), [`is_task_running`](Error::is_task_running),
//! [`is_throttled`](Error::is_throttled), [`is_timeout`](Error::is_timeout), and
//! [`is_outcome_uncertain`](Error::is_outcome_uncertain) (the request may have been applied
//! although an error is reported). Every documented code is in [`codes`].
//!
//! # Retries
//!
//! Connection failures (nothing was sent) and throttling (the gateway refused before the
//! service saw it) are retried for every operation, with full-jitter exponential backoff,
//! `Retry-After`, and a client-wide retry budget. Resets, timeouts and 5xx answers are retried
//! only for operations whose retry safety was reviewed (every GET and DELETE, and the PUTs and
//! POSTs that set an absolute value), never a create, switchover, restart or password change.
//! Per call: [`RequestOptions`] (timeouts, attempts, response cap, validation, busy retries).
//!
//! # Paging
//!
//! The 19 offset/limit operations have `into_paginator()`: [`Paginator::next`] gives pages,
//! [`Paginator::items`] items across pages. Paging stops at the total or an empty page, and
//! ends with an error when the service repeats a page (it ignored `offset`).
//!
//! # Waiting for asynchronous work
//!
//! Creating, resizing, restarting, backing up, restoring, analysing and many other operations
//! finish after they answer. Their call types have `send_and_wait()`, which sends once and then
//! polls what the reviewed completion table says (the instance's status, a job, a background
//! task, the resource's own status) until a success state, failing at once on a failure
//! state, within a budget ([`WaitOptions`]). [`DcsClient`] also has named waiters
//! ([`DcsClient::wait_until_instance_running`], [`DcsClient::wait_for_job`],
//! [`DcsClient::wait_until_backup_done`], ...). With [`RequestOptions::busy_retry`], an
//! operation refused because the instance is busy waits for it and is sent again (only if
//! it is safe to send twice).
//!
//! ```no_run
//! # async fn run(client: dcs_client::DcsClient) -> Result<(), dcs_client::Error> {
//! let resized = client
//!     .resize_instance("INSTANCE_ID")
//!     .spec_code("redis.ha.xu1.large.r2.8")
//!     .new_capacity(8)
//!     .send_and_wait()
//!     .await?;
//! println!("done: {:?}", resized.completions);
//! # Ok(())
//! # }
//! ```
//!
//! # Testing against the emulator
//!
//! The `dcs-emulator` crate serves the whole API on loopback, with state (instances walk
//! their documented states on an injectable clock), signature checks, scripted faults and a
//! control API. Point a client at `Emulator::endpoint()` with the emulator's credentials; see
//! that crate's README for a `#[tokio::test]` example.
//!
//! # Cargo features
//!
//! Each resource group (`instances`, `nodes`, `network`, `bandwidth`, `accounts`, `config`,
//! `backups`, `migration`, `analysis`, `diagnosis`, `clients`, `logs`, `tasks`, `tags`,
//! `catalog`, `monitoring`) is a feature, all on by default. `default-features = false,
//! features = ["tasks"]` compiles the Task Center alone. A waiter needs the group of what it
//! polls too (`tasks` for jobs, `instances` for instance states).
//!
//! # Logging
//!
//! The client logs with `tracing` (spans `dcs.call` per operation and `dcs.http` per attempt;
//! secrets never appear). Install a subscriber, e.g. `tracing_subscriber` with
//! `RUST_LOG=dcs_client=debug,dcs_transport=debug`.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod call;
mod error;
mod generated;
mod paginator;
mod waiter;

/// The call type of each operation (`CreateInstanceCall`, ...): what a `DcsClient` method
/// returns, with a setter per parameter and body field, then `send()`.
pub mod calls {
    #[allow(unused_imports)] // empty in a build without any resource group
    pub use crate::generated::*;
}

#[allow(unused_imports)] // used by the generated call types of the enabled groups
pub(crate) use call::{call_methods, paged_call};
pub use call::{ByteStream, CallBuilder, OperationCall, Output, RequestOptions};
pub use error::{sanitize, Error, ErrorKind, ServiceError};
pub use paginator::{ItemPaginator, Paginator};
pub use waiter::{
    Completion, Observation, Signal, WaitError, WaitFailure, WaitOptions, WaitSpec, Waited, Waiter,
};

/// The API contract: ids, operations, models, validation (the `dcs-model` crate).
pub use dcs_model as model;
/// Every generated type: models, value sets, requests and answers, at one path each.
pub use dcs_model::types;
pub use dcs_model::{codes, Operation, OperationMeta, Paginated};
pub use dcs_transport::{
    BodyState, ClientConfig, Clock, Context, Credentials, MapEnv, MapFs, ProvideCredentials,
    RetryPolicy, Sleeper, TimeoutKind, TransportErrorKind,
};

use dcs_model::ProjectId;
use dcs_transport::client::Jitter;
use dcs_transport::{HttpClient, Overrides, ProjectIdSource, ProxySettings, ResolvedConfig};
use std::sync::Arc;

/// The DCS service name in endpoint host names.
pub const SERVICE: &str = "dcs";

/// Builds a [`DcsClient`].
///
/// What is not set here is found where the official SDKs look (see
/// [`dcs_transport::ResolvedConfig`]): credentials from `HUAWEICLOUD_SDK_AK`/`_SK`/
/// `_SECURITY_TOKEN`, the profile file (`~/.huaweicloud/credentials` or
/// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, section `[basic]` or `HUAWEICLOUD_SDK_PROFILE`), Pod
/// Identity, then the ECS metadata service; the region from `HUAWEICLOUD_SDK_REGION` or the
/// profile; the endpoint from `DCS_ENDPOINT`, `HUAWEICLOUD_SDK_REGION_DCS_{REGION}`, the
/// regions file, the official table, or the standard pattern (a source that lists several,
/// comma-separated, gives fallbacks: the first is used, and an attempt that cannot connect to
/// the one in use, sending nothing, moves on to the next, see
/// [`HttpClientBuilder::fallback_endpoints`](dcs_transport::HttpClientBuilder::fallback_endpoints));
/// the project id from
/// `HUAWEICLOUD_SDK_PROJECT_ID`, the profile, or an IAM lookup by region at the first call;
/// proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`; an extra CA bundle from
/// `HUAWEICLOUD_SDK_CA_BUNDLE`.
#[derive(Default)]
pub struct DcsClientBuilder {
    endpoints: Vec<String>,
    region: Option<String>,
    credentials: Option<Credentials>,
    provider: Option<Arc<dyn ProvideCredentials>>,
    project_id: Option<String>,
    profile: Option<String>,
    iam_endpoint: Option<String>,
    context: Option<Context>,
    config: Option<ClientConfig>,
    clock: Option<Arc<dyn Clock>>,
    sleeper: Option<Arc<dyn Sleeper>>,
    jitter: Option<Jitter>,
}

impl std::fmt::Debug for DcsClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DcsClientBuilder")
            .field("endpoints", &self.endpoints)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("provider", &self.provider)
            .field("project_id", &self.project_id)
            .field("profile", &self.profile)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl DcsClientBuilder {
    /// The full endpoint URL, e.g. `https://dcs.cn-north-4.myhuaweicloud.com`. Wins over
    /// [`region`](Self::region) and every other source.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints = vec![url.into()];
        self
    }
    /// The region id; the endpoint is found from it.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// Fixed AK/SK credentials (with a security token for temporary ones).
    pub fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(c);
        self.provider = None;
        self
    }
    /// A credentials provider, asked before every attempt (for credentials that expire).
    pub fn credentials_provider(mut self, p: Arc<dyn ProvideCredentials>) -> Self {
        self.provider = Some(p);
        self.credentials = None;
        self
    }
    /// The project every request acts on (sent in the path and as `X-Project-Id`).
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }
    /// The profile-file section to read (instead of `HUAWEICLOUD_SDK_PROFILE` or `basic`).
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }
    /// The IAM endpoint for the project id lookup.
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }
    /// Where the environment, files and clock are read from (default: the process). For
    /// tests, and for programs that keep configuration elsewhere.
    pub fn context(mut self, ctx: Context) -> Self {
        self.context = Some(ctx);
        self
    }
    /// Timeouts, retries, body cap, user agent, proxy.
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = Some(config);
        self
    }
    /// Injects the clock (signing dates, deadlines). For tests.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
    /// Injects the sleeper used between retries. For tests.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }
    /// Injects the backoff jitter source (uniform in `[0, 1)`). For tests.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = Some(jitter);
        self
    }

    /// Finds what was not set, checks everything and builds the client. Nothing goes over
    /// the network here: metadata credentials and the IAM project lookup happen at the first
    /// call. Build one and reuse it: it owns the connection pool.
    pub fn build(self) -> Result<DcsClient, Error> {
        const OP: &str = "DcsClient::build";
        if let Some(c) = &self.credentials {
            c.validate()
                .map_err(|e| Error::config(OP, dcs_transport::ConfigError::from(e)))?;
        }
        if let Some(p) = &self.project_id {
            ProjectId::new(p.as_str()).map_err(|e| Error::invalid(OP, e))?;
        }
        let ctx = self.context.unwrap_or_else(Context::from_process);
        let overrides = Overrides {
            credentials: match (self.credentials, self.provider) {
                (Some(c), _) => Some(Arc::new(c)),
                (None, p) => p,
            },
            project_id: self.project_id,
            region: self.region,
            endpoints: self.endpoints,
            profile: self.profile,
            iam_endpoint: self.iam_endpoint,
            ..Overrides::default()
        };
        let resolved = ResolvedConfig::load(&ctx, overrides).map_err(|e| Error::load(OP, e))?;
        // The first endpoint is used; the others (a comma-separated list in the
        // configuration) are fallbacks when it cannot be connected to.
        let (endpoint, fallbacks) = resolved
            .endpoints()
            .split_first()
            .ok_or_else(|| Error::config(OP, dcs_transport::ConfigError::Invalid("no endpoint")))?;
        let mut config = self.config.unwrap_or_default();
        if config.get_proxy().is_none() {
            let lookup = |k: &str| ctx.var(k).ok().flatten();
            let proxies = ProxySettings::from_lookup(lookup).map_err(|e| Error::config(OP, e))?;
            if proxies != ProxySettings::default() {
                config = config.proxy(proxies);
            }
        }
        let ca_bundle = match ctx
            .var("HUAWEICLOUD_SDK_CA_BUNDLE")
            .map_err(|e| Error::load(OP, e))?
        {
            Some(path) => Some(
                ctx.fs()
                    .read_capped(
                        std::path::Path::new(&path),
                        dcs_transport::context::MAX_CA_BUNDLE_BYTES,
                    )
                    .map_err(|e| {
                        let why = if e.kind() == std::io::ErrorKind::FileTooLarge {
                            format!(
                                "the CA bundle is larger than {} bytes, the most read of it",
                                dcs_transport::context::MAX_CA_BUNDLE_BYTES
                            )
                        } else {
                            format!("cannot read it: {e}")
                        };
                        Error::load(OP, format!("HUAWEICLOUD_SDK_CA_BUNDLE {path}: {why}"))
                    })?,
            ),
            None => None,
        };
        let mut b = HttpClient::builder(endpoint.clone(), Credentials::new("unused", "unused"))
            .fallback_endpoints(fallbacks.to_vec())
            .credentials_provider(resolved.credentials().clone())
            .config(config);
        if let Some(pem) = ca_bundle {
            b = b.ca_bundle_pem(pem);
        }
        let clock: Arc<dyn Clock> = self
            .clock
            .unwrap_or_else(|| Arc::new(dcs_transport::time::SystemClock));
        let sleeper: Arc<dyn Sleeper> = self
            .sleeper
            .unwrap_or_else(|| Arc::new(dcs_transport::time::TokioSleeper));
        b = b.clock(clock.clone()).sleeper(sleeper.clone());
        let jitter = self.jitter.clone();
        if let Some(j) = self.jitter {
            b = b.jitter(j);
        }
        let http = b.build().map_err(|e| Error::config(OP, e))?;
        Ok(DcsClient {
            inner: Arc::new(Inner {
                http,
                project: resolved.project_id().clone(),
                region: resolved.region().map(|r| r.to_string()),
                clock,
                sleeper,
                jitter,
            }),
        })
    }
}

/// A client for every DCS v2 operation. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct DcsClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: HttpClient,
    project: ProjectIdSource,
    region: Option<String>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    jitter: Option<Jitter>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("http", &self.http)
            .field("project", &self.project)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl DcsClient {
    /// Starts building a client.
    pub fn builder() -> DcsClientBuilder {
        DcsClientBuilder::default()
    }

    /// The project this client acts on, when it is known without a lookup.
    pub fn project_id(&self) -> Option<&str> {
        self.inner.project.get()
    }

    /// The region the configuration named, if any.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The underlying transport client.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The clock the client signs and measures waits with.
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock.clone()
    }

    /// The sleeper between retries and polls.
    pub(crate) fn sleeper(&self) -> Arc<dyn Sleeper> {
        self.inner.sleeper.clone()
    }

    /// A uniform draw in `[0, 1)` for jitter (the injected source in tests).
    pub(crate) fn jitter_unit(&self) -> f64 {
        match &self.inner.jitter {
            Some(j) => j(),
            None => fastrand::f64(),
        }
    }

    /// Sends any operation's request, with default options.
    pub async fn send<O: Operation>(&self, request: O) -> Result<Output<O::Output>, Error> {
        CallBuilder::new(self.clone(), request).send().await
    }

    /// The project id for a call: known, or looked up in IAM once (then cached). `None` for
    /// an operation whose path has no project when none is configured.
    pub(crate) async fn project_for(
        &self,
        meta: &'static OperationMeta,
    ) -> Result<Option<String>, Error> {
        if let Some(p) = self.inner.project.get() {
            return Ok(Some(p.to_string()));
        }
        if !meta.has_project_id() {
            return Ok(None);
        }
        match self.inner.project.project_id().await {
            Ok(p) => {
                ProjectId::new(p.as_str()).map_err(|e| Error::invalid(meta.name, e))?;
                Ok(Some(p))
            }
            Err(e) => Err(Error::project(meta.name, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_send_sync_static<T: Send + Sync + 'static>() {}

    #[test]
    fn client_error_and_builders_can_cross_threads() {
        is_send_sync_static::<DcsClient>();
        is_send_sync_static::<Error>();
        is_send_sync_static::<CallBuilder<types::DeleteCenterTaskRequest>>();
        is_send_sync_static::<calls::DeleteCenterTaskCall>();
    }

    #[test]
    fn the_redaction_marks_agree() {
        assert_eq!(
            dcs_model::redact::REDACTED,
            dcs_transport::credentials::REDACTED
        );
    }
}
