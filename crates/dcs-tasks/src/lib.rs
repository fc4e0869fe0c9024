//! Huawei Cloud DCS Task Center client.
//!
//! A thin crate with no code of its own: [`TasksClient`] is `dcs-client`'s [`DcsClient`],
//! and this crate depends on `dcs-client` with the `tasks` resource group only, so a Task
//! Center user compiles the six Task Center and background-task operations' types instead of
//! all 137. Everything (builder, configuration, errors, options, paging) is `dcs-client`'s,
//! re-exported here; a program that later needs more operations switches to `dcs-client`
//! without changing a line but the `use`.
//!
//! The operations: `delete_center_task`, `list_center_task` (the Task Center: the account's
//! recent changes across instances), `list_background_task`, `delete_background_task`,
//! `show_background_task_progress` (one instance's background tasks), and `show_job_info`
//! (jobs, which asynchronous operations report through).
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
//!     Err(e) if e.is_task_running() => println!("still running: try again later"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

// Everything of `dcs-client` (builder, configuration, errors, options, paging, the tasks
// group's calls and types), so this crate has no code of its own to drift.
pub use dcs_client::*;

/// The Task Center client: `dcs-client`'s [`DcsClient`] (built with the `tasks` group here).
/// Build one with `TasksClient::builder()` and reuse it: it owns the connection pool.
pub type TasksClient = DcsClient;

/// Builds a [`TasksClient`]: `dcs-client`'s [`DcsClientBuilder`].
pub type TasksClientBuilder = DcsClientBuilder;
