//! Background-task operations: `DeleteCenterTask`.

use serde::{Deserialize, Serialize};

use crate::ids::{ProjectId, TaskId};
use crate::operation::{Operation, DELETE_CENTER_TASK};

/// The optional JSON body of `DeleteCenterTask`: `{"message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeleteCenterTaskRequestBody {
    /// Free-form text sent along with the deletion. Left out of the JSON
    /// when `None`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
}

/// A fully validated `DeleteCenterTask` request: the ids were checked when
/// they were built, so the path and body produced here are always safe to
/// send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteCenterTaskRequest {
    project_id: ProjectId,
    task_id: TaskId,
    body: Option<DeleteCenterTaskRequestBody>,
}

impl DeleteCenterTaskRequest {
    /// The operation this request belongs to.
    pub const OPERATION: Operation = DELETE_CENTER_TASK;

    /// A request to delete `task_id` in `project_id`, without a body.
    pub fn new(project_id: ProjectId, task_id: TaskId) -> Self {
        Self {
            project_id,
            task_id,
            body: None,
        }
    }

    /// Replaces the request body (`None` removes it).
    pub fn with_body(self, body: Option<DeleteCenterTaskRequestBody>) -> Self {
        Self { body, ..self }
    }

    /// Sets the body to `{"message": message}`.
    pub fn with_message(self, message: impl Into<String>) -> Self {
        self.with_body(Some(DeleteCenterTaskRequestBody {
            message: Some(message.into()),
        }))
    }

    /// The project the task belongs to.
    pub fn project_id(&self) -> &ProjectId {
        &self.project_id
    }

    /// The task to delete.
    pub fn task_id(&self) -> &TaskId {
        &self.task_id
    }

    /// The request body, if one was set.
    pub fn body(&self) -> Option<&DeleteCenterTaskRequestBody> {
        self.body.as_ref()
    }

    /// The request path, `/v2/{project_id}/tasks/{task_id}`, with both ids
    /// percent-encoded.
    pub fn path(&self) -> String {
        Self::OPERATION.expand_path(&[
            ("project_id", &self.project_id.encoded()),
            ("task_id", &self.task_id.encoded()),
        ])
    }

    /// The body as compact JSON bytes.
    ///
    /// Returns `None` when there is no body or its `message` is `None`: the
    /// body is then left out of the request entirely, because some gateways
    /// reject DELETE requests that carry a body.
    pub fn body_bytes(&self) -> Option<Vec<u8>> {
        let body = self.body.as_ref()?;
        body.message.as_ref()?;
        // Serialising a struct holding one string cannot fail; `ok()` keeps
        // this function free of panics regardless.
        serde_json::to_vec(body).ok()
    }
}
