//! The Huawei Cloud DCS client: every DCS v2 operation, sent through one generic path.
//!
//! [`DcsClient`] has one method per operation, named as in the official SDKs
//! (`list_instances`, `delete_center_task`, ...). Each returns a [`CallBuilder`] that owns a
//! cheap clone of the client (so its future can be spawned): set parameters, then
//! [`send`](CallBuilder::send). Sending validates the request (nothing is sent on invalid
//! input), writes path, query and body (dcs-model), signs and sends with retries
//! (dcs-transport), and decodes the answer into the operation's typed output, which keeps the
//! request id. Every failure is one [`Error`].
//!
//! This crate is where the model and the transport meet; it holds no schema of its own (the
//! generated code is data from the spec) and no HTTP logic of its own.
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
#![deny(missing_docs)]

mod call;
mod error;
mod generated;
mod paginator;

pub use call::{ByteStream, CallBuilder, Output, RequestOptions};
pub use error::{sanitize, Error, ErrorKind, ServiceError};
pub use paginator::{ItemPaginator, Paginator};

/// The API contract: ids, operations, models, validation (the `dcs-model` crate).
pub use dcs_model as model;
/// The generated request and response types, one module per resource group.
pub use dcs_model::generated as types;
pub use dcs_model::{codes, Operation, OperationMeta, Paginated};
pub use dcs_transport::{
    BodyState, ClientConfig, Clock, Credentials, ProvideCredentials, RetryPolicy, Sleeper,
    TimeoutKind, TransportErrorKind,
};

use dcs_model::ProjectId;
use dcs_transport::client::Jitter;
use dcs_transport::{Endpoint, HttpClient};
use std::sync::Arc;

/// The DCS service name in endpoint host names.
pub const SERVICE: &str = "dcs";

/// Builds a [`DcsClient`].
#[derive(Default)]
pub struct DcsClientBuilder {
    endpoint: Option<String>,
    region: Option<String>,
    credentials: Option<Credentials>,
    provider: Option<Arc<dyn ProvideCredentials>>,
    project_id: Option<String>,
    config: Option<ClientConfig>,
    clock: Option<Arc<dyn Clock>>,
    sleeper: Option<Arc<dyn Sleeper>>,
    jitter: Option<Jitter>,
}

impl std::fmt::Debug for DcsClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DcsClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("provider", &self.provider)
            .field("project_id", &self.project_id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl DcsClientBuilder {
    /// The full endpoint URL, e.g. `https://dcs.cn-north-4.myhuaweicloud.com`. Wins over
    /// [`region`](Self::region).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// The region id; the endpoint becomes `https://dcs.{region}.myhuaweicloud.com`.
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
    /// Timeouts, retries, body cap, user agent.
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

    /// Checks everything and builds the client. Build one and reuse it: it owns the
    /// connection pool.
    pub fn build(self) -> Result<DcsClient, Error> {
        const OP: &str = "DcsClient::build";
        let cfg_err = |m: &'static str| Error::config(OP, dcs_transport::ConfigError::Invalid(m));
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => Endpoint::parse(url),
            (None, Some(region)) => Endpoint::for_region(SERVICE, region),
            (None, None) => return Err(cfg_err("an endpoint or a region is required")),
        }
        .map_err(|e| Error::config(OP, e))?;
        let project_id = match self.project_id {
            Some(p) => Some(ProjectId::new(p).map_err(|e| Error::invalid(OP, e))?),
            None => None,
        };
        // Fixed credentials are checked now; a provider's, before every attempt.
        let mut b = match (self.credentials, self.provider) {
            (Some(c), _) => HttpClient::builder(endpoint, c),
            (None, Some(p)) => HttpClient::builder(endpoint, Credentials::new("unused", "unused"))
                .credentials_provider(p),
            (None, None) => return Err(cfg_err("credentials are required")),
        }
        .config(self.config.unwrap_or_default());
        if let Some(c) = self.clock {
            b = b.clock(c);
        }
        if let Some(s) = self.sleeper {
            b = b.sleeper(s);
        }
        if let Some(j) = self.jitter {
            b = b.jitter(j);
        }
        let http = b.build().map_err(|e| Error::config(OP, e))?;
        Ok(DcsClient {
            inner: Arc::new(Inner { http, project_id }),
        })
    }
}

/// A client for every DCS v2 operation. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct DcsClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: HttpClient,
    project_id: Option<ProjectId>,
}

impl DcsClient {
    /// Starts building a client.
    pub fn builder() -> DcsClientBuilder {
        DcsClientBuilder::default()
    }

    /// The project this client acts on, when one was given.
    pub fn project_id(&self) -> Option<&ProjectId> {
        self.inner.project_id.as_ref()
    }

    /// The underlying transport client.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// Sends any operation's request, with default options.
    pub async fn send<O: Operation>(&self, request: O) -> Result<Output<O::Output>, Error> {
        CallBuilder::new(self.clone(), request).send().await
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
        is_send_sync_static::<CallBuilder<types::tasks::DeleteCenterTaskRequest>>();
    }

    #[test]
    fn the_redaction_marks_agree() {
        assert_eq!(
            dcs_model::redact::REDACTED,
            dcs_transport::credentials::REDACTED
        );
    }
}
