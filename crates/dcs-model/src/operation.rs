//! Static descriptions of the DCS API operations this SDK knows about.

/// One API operation: its name, HTTP method, path template and the
/// `Content-Type` header the SDK sends with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation name used in the official API reference, e.g.
    /// `"DeleteCenterTask"`.
    pub name: &'static str,
    /// The HTTP method, upper-case, e.g. `"DELETE"`.
    pub method: &'static str,
    /// The path template with `{placeholder}` segments for path parameters.
    pub path_template: &'static str,
    /// The `Content-Type` header value sent with the request.
    pub content_type: &'static str,
}

/// `DeleteCenterTask`: delete a background task record.
///
/// `DELETE /v2/{project_id}/tasks/{task_id}` with an optional JSON body
/// `{"message": "..."}`; the service answers `200` with an empty body.
pub const DELETE_CENTER_TASK: Operation = Operation {
    name: "DeleteCenterTask",
    method: "DELETE",
    path_template: "/v2/{project_id}/tasks/{task_id}",
    content_type: "application/json;charset=utf-8",
};
