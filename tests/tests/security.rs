//! No way in for bad input: hostile ids are refused before any byte is sent.

use dcs_e2e::{test_config, Fixture, AK, PROJECT, SK, TASK};
use dcs_tasks::{Credentials, ErrorKind, RetryPolicy, TasksClient};

#[tokio::test]
async fn every_rejected_id_is_refused_before_any_byte_is_sent() {
    let f = Fixture::new().await;
    let client = f.client();
    let long = "a".repeat(dcs_model::limits::PATH_PARAM_MAX_CHARS + 1);
    let hostile: Vec<&str> = vec![
        "",
        ".",
        "..",
        "../../v2/other/tasks/x",
        "a/b",
        "/",
        "a\\b",
        "..\\..\\x",
        "a%2Fb",
        "%2e%2e",
        "%2F",
        "a?b=1",
        "a#frag",
        "a b",
        "a\tb",
        "a\u{0}b",
        "a\r\nX-Injected: 1",
        "a\u{7f}",
        "a\u{85}b",
        "a\u{2028}b",
        "\u{3000}",
        &long,
    ];
    for id in &hostile {
        let e = client.delete_center_task(*id).send().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{id:?}: {e}");
        assert_eq!(e.validation_error().unwrap().field(), "task_id");
        assert_eq!(e.attempts(), 0);
        assert!(e.to_string().contains("nothing was sent"), "{e}");
    }
    assert_eq!(f.emu.request_count(), 0, "the emulator saw a request");
    assert_eq!(
        f.emu.connections_accepted(),
        0,
        "a connection was even opened"
    );
    // The longest valid id and a non-ASCII one are sent, percent-encoded.
    let max = "b".repeat(dcs_model::limits::PATH_PARAM_MAX_CHARS);
    for id in [max.as_str(), "tâche-é~_."] {
        let e = client.delete_center_task(id).send().await.unwrap_err();
        assert!(e.is_not_found(), "{e}");
    }
    let reqs = f.emu.requests();
    assert_eq!(
        reqs[1].path,
        format!("/v2/{PROJECT}/tasks/t%C3%A2che-%C3%A9~_.")
    );
}

/// One loopback HTTP/1.1 exchange: reads a request (headers and `Content-Length` body), hands
/// its head to `answer`, writes what that returns and closes. Serves every connection.
async fn serve_once(
    answer: impl Fn(&str) -> (u16, Vec<(String, String)>, Vec<u8>) + Send + Sync + 'static,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break p + 4;
                    }
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let (status, headers, body) = answer(&head);
                let mut out = format!("HTTP/1.1 {status} Whatever\r\n");
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str(&format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                ));
                let mut bytes = out.into_bytes();
                bytes.extend_from_slice(&body);
                let _ = sock.write_all(&bytes).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn client_at(endpoint: &str, credentials: Credentials) -> TasksClient {
    TasksClient::builder()
        .endpoint(endpoint)
        .credentials(credentials)
        .project_id(PROJECT)
        .config(test_config().retry(RetryPolicy::default().max_attempts(1)))
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn hostile_server_text_is_escaped_and_bounded_in_display_but_whole_in_accessors() {
    let code = "DCS.\r\n4000\u{1b}[2J";
    let msg = "bad\r\nX-Forged: 1\n\u{1b}[2Jcleared";
    let request_id = "r".repeat(900 * 1024);
    let body = serde_json::to_vec(&serde_json::json!({
        "error_code": code,
        "error_msg": msg,
        "request_id": request_id,
    }))
    .unwrap();
    let endpoint = serve_once(move |_| (400, Vec::new(), body.clone())).await;
    let client = client_at(&endpoint, Credentials::new(AK, SK));
    let err = client.delete_center_task(TASK).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service, "{err}");
    assert_eq!(err.status(), Some(400));
    // The accessors keep every byte the server sent.
    assert_eq!(err.error_code(), Some(code));
    assert_eq!(err.error_msg(), Some(msg));
    assert_eq!(err.request_id(), Some(request_id.as_str()));
    // Display is one line, without terminal control, and bounded.
    let shown = err.to_string();
    for raw in ['\r', '\n', '\u{1b}'] {
        assert!(!shown.contains(raw), "raw {raw:?} in {shown:?}");
    }
    assert!(shown.len() < 4096, "Display is {} bytes long", shown.len());
    assert!(shown.contains("DCS.\\u{d}\\u{a}4000\\u{1b}[2J"), "{shown}");
    assert!(
        shown.contains(&format!("{} characters in all", 900 * 1024)),
        "{shown}"
    );
}

#[tokio::test]
async fn a_security_token_echoed_with_json_escapes_is_redacted_everywhere() {
    const TOKEN: &str = "tok/en+Secret/Part=Of/The/STS/Token==";
    let endpoint = serve_once(|head| {
        let sent = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("x-security-token")
                    .then(|| v.trim().to_string())
            })
            .unwrap_or_default();
        // The echo only JSON decoding undoes: `/` as `\/`, `+` as `\u002b`.
        let escaped = sent.replace('/', "\\/").replace('+', "\\u002b");
        let body = format!(
            r#"{{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: token {escaped} is not valid"}}"#
        );
        (401, Vec::new(), body.into_bytes())
    })
    .await;
    let client = client_at(
        &endpoint,
        Credentials::new(AK, SK).with_security_token(TOKEN),
    );
    let err = client.delete_center_task(TASK).send().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    let raw = String::from_utf8_lossy(err.error_body().unwrap().raw()).into_owned();
    let msg = err.error_msg().unwrap().to_string();
    for (what, text) in [
        ("Display", err.to_string()),
        ("Debug", format!("{err:?}")),
        ("error_msg", msg.clone()),
        ("raw body", raw.clone()),
    ] {
        assert!(!text.contains(TOKEN), "{what} leaks the token: {text}");
        assert!(
            !text.contains("Secret"),
            "{what} leaks part of the token: {text}"
        );
    }
    assert!(msg.contains("** redacted **"), "{msg}");
    assert!(raw.contains("** redacted **"), "{raw}");
}
