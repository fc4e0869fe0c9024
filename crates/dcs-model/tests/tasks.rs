use dcs_model::{
    DeleteCenterTaskRequest, DeleteCenterTaskRequestBody, ProjectId, TaskId, DELETE_CENTER_TASK,
};

fn request(project: &str, task: &str) -> DeleteCenterTaskRequest {
    DeleteCenterTaskRequest::new(ProjectId::new(project).unwrap(), TaskId::new(task).unwrap())
}

#[test]
fn operation_constants() {
    assert_eq!(DELETE_CENTER_TASK.name, "DeleteCenterTask");
    assert_eq!(DELETE_CENTER_TASK.method, "DELETE");
    assert_eq!(
        DELETE_CENTER_TASK.path_template,
        "/v2/{project_id}/tasks/{task_id}"
    );
    assert_eq!(
        DELETE_CENTER_TASK.content_type,
        "application/json;charset=utf-8"
    );
    assert_eq!(DeleteCenterTaskRequest::OPERATION, DELETE_CENTER_TASK);
}

/// The reference data of every DCS v2 operation, as read from the official Python SDK:
/// `DCS_OPERATIONS_JSON`, else the copy checked in at `codegen/dcs_v2_operations.json`.
fn reference_operation(name: &str) -> serde_json::Value {
    let path = std::env::var_os("DCS_OPERATIONS_JSON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../codegen/dcs_v2_operations.json")
        });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the reference is JSON");
    let ops = doc["operations"].as_array().expect("an operations array");
    ops.iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the reference"))
        .clone()
}

#[test]
fn the_operation_matches_the_official_sdk_reference() {
    let op = reference_operation(DELETE_CENTER_TASK.name);
    assert_eq!(op["http_method"], DELETE_CENTER_TASK.method);
    assert_eq!(op["path"], DELETE_CENTER_TASK.path_template);
    assert_eq!(
        op["content_type_header_sent"],
        DELETE_CENTER_TASK.content_type
    );
    let params: Vec<&str> = op["path_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["project_id", "task_id"]);
    assert_eq!(op["body"]["type"], "DeleteCenterTaskRequestBody");
    assert_eq!(op["body"]["required"], false);
}

#[test]
fn path_is_built_from_encoded_ids() {
    let req = request("proj-1", "task_2");
    assert_eq!(req.path(), "/v2/proj-1/tasks/task_2");
    assert_eq!(req.project_id().as_str(), "proj-1");
    assert_eq!(req.task_id().as_str(), "task_2");

    let req = request("projé", "tâche");
    assert_eq!(req.path(), "/v2/proj%C3%A9/tasks/t%C3%A2che");
    let req = request("a:b", "x+y=z");
    assert_eq!(req.path(), "/v2/a%3Ab/tasks/x%2By%3Dz");
}

#[test]
fn no_body_by_default() {
    let req = request("p", "t");
    assert_eq!(req.body(), None);
    assert_eq!(req.body_bytes(), None);
}

#[test]
fn body_without_message_is_left_out() {
    let req = request("p", "t").with_body(Some(DeleteCenterTaskRequestBody::default()));
    assert_eq!(
        req.body(),
        Some(&DeleteCenterTaskRequestBody { message: None })
    );
    assert_eq!(req.body_bytes(), None);
    let req = req.with_body(None);
    assert_eq!(req.body(), None);
}

#[test]
fn body_bytes_are_exact() {
    let req = request("p", "t").with_message("delete finished task");
    assert_eq!(
        req.body().and_then(|b| b.message.as_deref()),
        Some("delete finished task")
    );
    assert_eq!(
        req.body_bytes().unwrap(),
        br#"{"message":"delete finished task"}"#.to_vec()
    );
    let req = request("p", "t").with_message("quote \" and \u{1}");
    assert_eq!(
        String::from_utf8(req.body_bytes().unwrap()).unwrap(),
        r#"{"message":"quote \" and \u0001"}"#
    );
    // An explicit empty message is still sent.
    let req = request("p", "t").with_message("");
    assert_eq!(req.body_bytes().unwrap(), br#"{"message":""}"#.to_vec());
}

#[test]
fn body_serde_round_trip() {
    let body: DeleteCenterTaskRequestBody = serde_json::from_str("{}").unwrap();
    assert_eq!(body.message, None);
    assert_eq!(serde_json::to_string(&body).unwrap(), "{}");
    let body: DeleteCenterTaskRequestBody = serde_json::from_str(r#"{"message":"m"}"#).unwrap();
    assert_eq!(body.message.as_deref(), Some("m"));
}
