//! Huawei Cloud DCS Task Center client.
//!
//! A thin crate: [`TasksClient`] is `dcs-client`'s [`DcsClient`] built with only the `tasks`
//! resource group, so a Task Center user compiles six operations' types instead of all 137.
//! It shares `dcs-client`'s [`Error`], builders and options, and holds no HTTP or schema logic
//! of its own.
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
//!     Ok(out) => println!("deleted (request id {:?})", out.request_id()),
//!     // Only the service saying "no such task" (404 `DCS.4001`) means it is gone; any
//!     // other 404 (a proxy's HTML page, another code) is an error to report.
//!     Err(e) if e.is_dcs_not_found() => println!("already gone ({:?})", e.request_id()),
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub use dcs_client::types::tasks as types;
pub use dcs_client::{
    codes, BodyState, ByteStream, CallBuilder, ClientConfig, Clock, Credentials, DcsClient,
    DcsClientBuilder, Error, ErrorKind, ItemPaginator, Output, Paginator, ProvideCredentials,
    RequestOptions, RetryPolicy, ServiceError, Sleeper, TimeoutKind, TransportErrorKind,
};
use types::*;

/// The DCS service name in endpoint host names.
pub const SERVICE: &str = dcs_client::SERVICE;

/// Builds a [`TasksClient`]: the same settings as [`DcsClientBuilder`].
#[derive(Debug, Default)]
pub struct TasksClientBuilder(DcsClientBuilder);

impl TasksClientBuilder {
    /// The full endpoint URL, e.g. `https://dcs.cn-north-4.myhuaweicloud.com`.
    pub fn endpoint(self, url: impl Into<String>) -> Self {
        Self(self.0.endpoint(url))
    }
    /// The region id.
    pub fn region(self, region: impl Into<String>) -> Self {
        Self(self.0.region(region))
    }
    /// Fixed AK/SK credentials.
    pub fn credentials(self, c: Credentials) -> Self {
        Self(self.0.credentials(c))
    }
    /// A credentials provider, asked before every attempt.
    pub fn credentials_provider(self, p: std::sync::Arc<dyn ProvideCredentials>) -> Self {
        Self(self.0.credentials_provider(p))
    }
    /// The project every request acts on.
    pub fn project_id(self, id: impl Into<String>) -> Self {
        Self(self.0.project_id(id))
    }
    /// The profile-file section to read.
    pub fn profile(self, name: impl Into<String>) -> Self {
        Self(self.0.profile(name))
    }
    /// Where the environment, files and clock are read from (default: the process).
    pub fn context(self, ctx: dcs_client::Context) -> Self {
        Self(self.0.context(ctx))
    }
    /// Timeouts, retries, body cap, user agent.
    pub fn config(self, config: ClientConfig) -> Self {
        Self(self.0.config(config))
    }
    /// Injects the clock. For tests.
    pub fn clock(self, clock: std::sync::Arc<dyn Clock>) -> Self {
        Self(self.0.clock(clock))
    }
    /// Injects the sleeper used between retries. For tests.
    pub fn sleeper(self, sleeper: std::sync::Arc<dyn Sleeper>) -> Self {
        Self(self.0.sleeper(sleeper))
    }
    /// Injects the backoff jitter source. For tests.
    pub fn jitter(self, jitter: dcs_transport::client::Jitter) -> Self {
        Self(self.0.jitter(jitter))
    }
    /// Builds the client.
    pub fn build(self) -> Result<TasksClient, Error> {
        Ok(TasksClient(self.0.build()?))
    }
}

/// A client for the Task Center and background tasks. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TasksClient(DcsClient);

impl TasksClient {
    /// Starts building a client.
    pub fn builder() -> TasksClientBuilder {
        TasksClientBuilder::default()
    }
    /// The general client underneath (the same pool).
    pub fn dcs(&self) -> &DcsClient {
        &self.0
    }
    /// The underlying transport client.
    pub fn http(&self) -> &dcs_transport::HttpClient {
        self.0.http()
    }
    /// `DELETE /v2/{project_id}/tasks/{task_id}`: deletes a finished Task Center task.
    pub fn delete_center_task(
        &self,
        task_id: impl Into<String>,
    ) -> CallBuilder<DeleteCenterTaskRequest> {
        self.0.delete_center_task(task_id)
    }
    /// `GET /v2/{project_id}/tasks`: lists Task Center tasks (paginated).
    pub fn list_center_task(&self) -> CallBuilder<ListCenterTaskRequest> {
        self.0.list_center_task()
    }
    /// `GET /v2/{project_id}/instances/{instance_id}/tasks`: an instance's background tasks.
    pub fn list_background_task(
        &self,
        instance_id: impl Into<String>,
    ) -> CallBuilder<ListBackgroundTaskRequest> {
        self.0.list_background_task(instance_id)
    }
    /// `DELETE /v2/{project_id}/instances/{instance_id}/tasks/{task_id}`.
    pub fn delete_background_task(
        &self,
        instance_id: impl Into<String>,
        task_id: impl Into<String>,
    ) -> CallBuilder<DeleteBackgroundTaskRequest> {
        self.0.delete_background_task(instance_id, task_id)
    }
    /// `GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress`.
    pub fn show_background_task_progress(
        &self,
        instance_id: impl Into<String>,
        task_id: impl Into<String>,
    ) -> CallBuilder<ShowBackgroundTaskProgressRequest> {
        self.0.show_background_task_progress(instance_id, task_id)
    }
    /// `GET /v2/{project_id}/jobs/{job_id}`: an asynchronous job's state.
    pub fn show_job_info(&self, job_id: impl Into<String>) -> CallBuilder<ShowJobInfoRequest> {
        self.0.show_job_info(job_id)
    }
}
