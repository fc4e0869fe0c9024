//! The loopback side of the client's tests: the emulator crate's recording server (one
//! request per connection, signature checked with the shared verifier, recorded, answered
//! with the body the test gave it), and the checks of the generated per-operation tests.
#![allow(dead_code)]

use dcs_client::{Credentials, DcsClient, Operation, OperationCall};
use dcs_emulator::recorder::{Answer, Recorded, Recorder};

pub const AK: &str = "HWTESTAK0GEN0000001";
pub const SK: &str = "generated-tests-secret-0123456789";
pub const PROJECT: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";

/// A recording server (the emulator crate's): every request verified and kept.
pub struct Server {
    pub endpoint: String,
    recorder: Recorder,
}

impl Server {
    /// Every request that arrived.
    pub fn requests(&self) -> Vec<Recorded> {
        self.recorder.requests()
    }
}

/// One server answering `status` with `answer` to every request.
pub async fn serve(status: u16, answer: Vec<u8>, content_type: &'static str) -> Server {
    let mut a = Answer::json(status, answer);
    a.content_type = content_type.to_string();
    let recorder = Recorder::start(AK, SK, vec![a]).await.unwrap();
    Server {
        endpoint: recorder.endpoint().to_string(),
        recorder,
    }
}

/// A server answering 200 with `answers` in turn (the last one again once they run out).
pub async fn serve_sequence(answers: Vec<String>) -> Server {
    let answers = answers.into_iter().map(|a| Answer::json(200, a)).collect();
    let recorder = Recorder::start(AK, SK, answers).await.unwrap();
    Server {
        endpoint: recorder.endpoint().to_string(),
        recorder,
    }
}

pub fn client(endpoint: &str) -> DcsClient {
    DcsClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(AK, SK))
        .project_id(PROJECT)
        .config(dcs_client::ClientConfig::default().retry(dcs_client::RetryPolicy::disabled()))
        .build()
        .unwrap()
}

/// One generated case.
pub struct Case {
    pub name: &'static str,
    pub input: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub query: &'static [(&'static str, &'static str)],
    pub body: &'static str,
    pub content_type: &'static str,
    pub answer: &'static str,
}

/// Calls the operation through its generated `DcsClient` method and setters (`make`): the
/// request they build must be the case's input read strictly; then checks everything that
/// arrived and the decoded answer.
pub async fn check_call<C>(case: Case, make: impl FnOnce(&DcsClient) -> C)
where
    C: OperationCall,
    C::Operation: PartialEq,
    <C::Operation as Operation>::Output: serde::Serialize,
{
    type O<C> = <C as OperationCall>::Operation;
    let server = serve(200, case.answer.as_bytes().to_vec(), "application/json").await;
    let client = client(&server.endpoint);
    let input: serde_json::Value = serde_json::from_str(case.input).unwrap();
    let parsed: O<C> = dcs_model::strict::from_value("", &input)
        .unwrap_or_else(|e| panic!("{}: the generated input is refused: {e}", case.name));
    assert_eq!(O::<C>::META.name, case.name);
    let call = make(&client).into_builder();
    // The method put the path ids, and the setters every other value, where the input has
    // them: the request they built is the input.
    assert_eq!(
        call.request(),
        &parsed,
        "{}: the method and setters built another request than the input",
        case.name
    );
    let expected_answer: serde_json::Value = if case.answer.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(case.answer).unwrap_or(serde_json::Value::Null)
    };
    if O::<C>::META.response_kind == dcs_model::ResponseKind::Stream {
        let mut stream = call
            .send_stream()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let mut got = Vec::new();
        while let Some(c) = stream.next_chunk().await.unwrap() {
            got.extend_from_slice(&c);
        }
        assert_eq!(got, case.answer.as_bytes(), "{}: streamed bytes", case.name);
    } else {
        let out = call
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(out.status(), 200);
        assert_eq!(out.request_id(), Some("req-1"));
        let decoded = serde_json::to_value(out.value()).unwrap();
        match O::<C>::META.response_kind {
            dcs_model::ResponseKind::Empty => assert_eq!(decoded, serde_json::json!({})),
            _ => assert_eq!(decoded, expected_answer, "{}: decoded answer", case.name),
        }
    }
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{}: requests", case.name);
    let s = &seen[0];
    assert_eq!(s.signature, Ok(()), "{}: signature", case.name);
    assert_eq!(s.method, case.method, "{}: method", case.name);
    assert_eq!(
        s.path,
        case.path.replace("PROJECT", PROJECT),
        "{}: path",
        case.name
    );
    let want: Vec<(String, String)> = case
        .query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut got_q = s.query.clone();
    let mut want_q = want;
    got_q.sort();
    want_q.sort();
    assert_eq!(got_q, want_q, "{}: query", case.name);
    if case.body.is_empty() {
        assert!(s.body.is_empty(), "{}: no body expected", case.name);
    } else {
        let got: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
        let want: serde_json::Value = serde_json::from_str(case.body).unwrap();
        assert_eq!(got, want, "{}: body", case.name);
    }
    assert_eq!(
        s.header("content-type"),
        Some(case.content_type),
        "{}: content type",
        case.name
    );
    assert_eq!(
        s.header("x-project-id"),
        Some(PROJECT),
        "{}: project header",
        case.name
    );
}

/// A call with a hostile path id is refused as invalid input naming the field, and nothing
/// reaches the server.
pub async fn check_refused<C: OperationCall>(
    name: &str,
    field: &str,
    make: impl FnOnce(&DcsClient) -> C,
) {
    let server = serve(200, b"{}".to_vec(), "application/json").await;
    let client = client(&server.endpoint);
    let call = make(&client).into_builder();
    let err = if C::Operation::META.response_kind == dcs_model::ResponseKind::Stream {
        call.send_stream().await.err()
    } else {
        call.send().await.err()
    }
    .unwrap_or_else(|| panic!("{name}: a hostile {field} was accepted"));
    assert!(err.is_invalid_input(), "{name}: {err}");
    assert_eq!(
        err.validation_error().map(|v| v.field()),
        Some(field),
        "{name}: {err}"
    );
    assert_eq!(err.attempts(), 0);
    assert!(server.requests().is_empty(), "{name}: a request was sent");
}
