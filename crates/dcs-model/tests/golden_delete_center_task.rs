//! Golden test: the generated `DeleteCenterTask` sends exactly what the hand-written one of the
//! first releases sent. The hand-written code is kept here, as it was, as the oracle.

use dcs_model::operation::{HttpMethod, Operation, ResponseKind};
use dcs_model::query::QueryWriter;
use dcs_model::types::{DeleteCenterTaskRequest, DeleteCenterTaskRequestBody};
use dcs_model::DELETE_CENTER_TASK;

/// The first release's hand-written request, reduced to what it put on the wire.
mod handwritten {
    use dcs_model::ids::encode_path_segment;
    use serde::Serialize;

    pub const METHOD: &str = "DELETE";
    pub const PATH_TEMPLATE: &str = "/v2/{project_id}/tasks/{task_id}";
    pub const CONTENT_TYPE: &str = "application/json;charset=utf-8";

    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<&'a str>,
    }

    pub fn path(project: &str, task: &str) -> String {
        format!(
            "/v2/{}/tasks/{}",
            encode_path_segment(project),
            encode_path_segment(task)
        )
    }

    /// `None` without a body or without a message: the body was left out entirely.
    pub fn body_bytes(body: Option<Option<&str>>) -> Option<Vec<u8>> {
        let message = body??;
        serde_json::to_vec(&Body {
            message: Some(message),
        })
        .ok()
    }
}

fn generated(task: &str, body: Option<Option<&str>>) -> DeleteCenterTaskRequest {
    let mut r = DeleteCenterTaskRequest::new(task);
    r.body = body.map(|m| {
        let b = DeleteCenterTaskRequestBody::default();
        match m {
            Some(m) => b.with_message(m),
            None => b,
        }
    });
    r
}

#[test]
fn method_path_template_and_content_type_are_the_handwritten_ones() {
    assert_eq!(DELETE_CENTER_TASK.method, HttpMethod::Delete);
    assert_eq!(DELETE_CENTER_TASK.method.as_str(), handwritten::METHOD);
    assert_eq!(DELETE_CENTER_TASK.path_template, handwritten::PATH_TEMPLATE);
    assert_eq!(DELETE_CENTER_TASK.content_type, handwritten::CONTENT_TYPE);
    assert_eq!(DELETE_CENTER_TASK.response_kind, ResponseKind::Empty);
    const { assert!(DELETE_CENTER_TASK.retry_safe) };
    assert_eq!(DeleteCenterTaskRequest::META, &DELETE_CENTER_TASK);
}

#[test]
fn paths_bodies_and_queries_are_byte_for_byte_the_handwritten_ones() {
    let tasks = [
        "ff8080818e1c6f1b018e2b7d5a3c0042",
        "task_2",
        "tâche",
        "x+y=z",
        "a:b",
        "~.-_",
        "中文",
    ];
    let bodies: [Option<Option<&str>>; 6] = [
        None,
        Some(None),
        Some(Some("delete finished task")),
        Some(Some("")),
        Some(Some("quote \" and \u{1}")),
        Some(Some("删除结果 ✓")),
    ];
    for task in tasks {
        for body in bodies {
            let req = generated(task, body);
            req.validate().unwrap();
            let mut path = String::new();
            req.write_path("0a1b2c3d4e5f40718293a4b5c6d7e8f9", &mut path);
            assert_eq!(
                path,
                handwritten::path("0a1b2c3d4e5f40718293a4b5c6d7e8f9", task)
            );
            assert_eq!(req.body(), handwritten::body_bytes(body), "{task} {body:?}");
            let mut q = QueryWriter::new();
            req.write_query(&mut q);
            assert!(q.pairs().is_empty());
        }
    }
}

#[test]
fn ids_the_handwritten_code_refused_are_still_refused() {
    for bad in [
        "", ".", "..", "a/b", "a b", "a%b", "a?b", "a#b", "a\\b", "a\nb",
    ] {
        let req = DeleteCenterTaskRequest::new(bad);
        assert!(req.validate().is_err(), "{bad:?}");
    }
    let e = DeleteCenterTaskRequest::new("").validate().unwrap_err();
    assert_eq!(e.field(), "task_id");
}

#[test]
fn the_operation_matches_the_checked_in_spec() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../codegen/spec.json"),
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let op = doc["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "DeleteCenterTask")
        .unwrap();
    assert_eq!(op["http_method"], DELETE_CENTER_TASK.method.as_str());
    assert_eq!(op["path"], DELETE_CENTER_TASK.path_template);
    assert_eq!(op["content_type"], DELETE_CENTER_TASK.content_type);
    assert_eq!(op["body"]["type"], "DeleteCenterTaskRequestBody");
}
