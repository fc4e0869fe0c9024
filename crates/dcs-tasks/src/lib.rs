//! Huawei Cloud DCS Task Center client.
//!
//! A thin crate: [`TasksClient`] validates a request with `dcs-model`, sends it through
//! `dcs-transport` (signing, timeouts, retries, bounded bodies) and maps the answer to
//! `Ok(())` or one [`Error`]. It holds no HTTP or schema logic of its own.
//!
//! ```no_run
//! use dcs_tasks::{Credentials, TasksClient};
//!
//! # async fn run() -> Result<(), dcs_tasks::Error> {
//! let client = TasksClient::builder()
//!     .region("cn-north-4")
//!     .credentials(Credentials::new("MY_AK", "MY_SK"))
//!     .project_id("0a1b2c3d4e5f40718293a4b5c6d7e8f9")
//!     .build()?;
//!
//! match client
//!     .delete_center_task("ff8080818e1c6f1b018e2b7d5a3c0042")
//!     .message("cleanup after migration")
//!     .send()
//!     .await
//! {
//!     Ok(()) => println!("deleted"),
//!     Err(e) if e.is_not_found() => println!("already gone ({:?})", e.request_id()),
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod error;

pub use dcs_transport::{
    BodyState, ClientConfig, Credentials, RetryPolicy, TimeoutKind, TransportErrorKind,
};
pub use error::{Error, ErrorKind, ServiceError};

use dcs_model::{DeleteCenterTaskRequest, ProjectId, TaskId, DELETE_CENTER_TASK};
use dcs_transport::client::Jitter;
use dcs_transport::{Clock, Endpoint, HttpClient, Method, Request, Sleeper};
use std::sync::Arc;

/// The DCS service name in endpoint host names.
pub const SERVICE: &str = "dcs";

/// Builds a [`TasksClient`].
#[derive(Default)]
pub struct TasksClientBuilder {
    endpoint: Option<String>,
    region: Option<String>,
    credentials: Option<Credentials>,
    project_id: Option<String>,
    config: Option<ClientConfig>,
    clock: Option<Arc<dyn Clock>>,
    sleeper: Option<Arc<dyn Sleeper>>,
    jitter: Option<Jitter>,
}

impl std::fmt::Debug for TasksClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TasksClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("project_id", &self.project_id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl TasksClientBuilder {
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
    /// The AK/SK credentials (with a security token for temporary ones).
    pub fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(c);
        self
    }
    /// The project id every request acts on.
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
    pub fn build(self) -> Result<TasksClient, Error> {
        const OP: &str = "TasksClient::build";
        let cfg_err = |m: &'static str| Error::config(OP, dcs_transport::ConfigError::Invalid(m));
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => Endpoint::parse(url),
            (None, Some(region)) => Endpoint::for_region(SERVICE, region),
            (None, None) => return Err(cfg_err("an endpoint or a region is required")),
        }
        .map_err(|e| Error::config(OP, e))?;
        let credentials = self
            .credentials
            .ok_or_else(|| cfg_err("credentials are required"))?;
        let project_id = ProjectId::new(
            self.project_id
                .ok_or_else(|| cfg_err("a project id is required"))?,
        )
        .map_err(|e| Error::invalid(OP, e))?;
        let mut b = HttpClient::builder(endpoint, credentials)
            .project_id(project_id.as_str())
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
        Ok(TasksClient { http, project_id })
    }
}

/// A client for the Task Center. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct TasksClient {
    http: HttpClient,
    project_id: ProjectId,
}

impl TasksClient {
    /// Starts building a client.
    pub fn builder() -> TasksClientBuilder {
        TasksClientBuilder::default()
    }

    /// The project this client acts on.
    pub fn project_id(&self) -> &ProjectId {
        &self.project_id
    }

    /// The underlying transport client.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// `DELETE /v2/{project_id}/tasks/{task_id}`: deletes a Task Center task. Finish with
    /// [`DeleteCenterTask::send`].
    pub fn delete_center_task(&self, task_id: impl Into<String>) -> DeleteCenterTask<'_> {
        DeleteCenterTask {
            client: self,
            task_id: task_id.into(),
            message: None,
        }
    }
}

/// A DeleteCenterTask call being prepared.
#[derive(Debug)]
#[must_use = "nothing is sent until .send().await"]
pub struct DeleteCenterTask<'a> {
    client: &'a TasksClient,
    task_id: String,
    message: Option<String>,
}

impl DeleteCenterTask<'_> {
    /// Sets the optional `message` ("deletion result"). Without it no body is sent.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets or clears the message.
    pub fn set_message(mut self, message: Option<String>) -> Self {
        self.message = message;
        self
    }

    /// Validates, sends, and maps the answer. Invalid input is refused before any byte is
    /// sent.
    pub async fn send(self) -> Result<(), Error> {
        let op = DELETE_CENTER_TASK.name;
        let task_id = TaskId::new(self.task_id).map_err(|e| Error::invalid(op, e))?;
        let mut model = DeleteCenterTaskRequest::new(self.client.project_id.clone(), task_id);
        if let Some(m) = self.message {
            model = model.with_message(m);
        }
        let method = Method::from_bytes(DELETE_CENTER_TASK.method.as_bytes()).map_err(|_| {
            Error::config(
                op,
                dcs_transport::ConfigError::Invalid("the operation's HTTP method is not valid"),
            )
        })?;
        let mut req =
            Request::new(method, model.path()).content_type(DELETE_CENTER_TASK.content_type);
        if let Some(body) = model.body_bytes() {
            req = req.body(body);
        }
        let resp = self
            .client
            .http
            .send(&req)
            .await
            .map_err(|e| Error::transport(op, e))?;
        expect_empty_success(op, resp)
    }
}

/// Maps an answer for an operation whose success has no body.
fn expect_empty_success(op: &'static str, resp: dcs_transport::Response) -> Result<(), Error> {
    if !(200..300).contains(&resp.status()) {
        return Err(Error::service(op, resp));
    }
    if resp.body_state() != BodyState::Complete {
        return Err(Error::incomplete(op, resp));
    }
    Ok(())
}
