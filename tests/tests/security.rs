//! No way in for bad input: hostile ids are refused before any byte is sent.

use dcs_e2e::{Fixture, PROJECT};
use dcs_tasks::ErrorKind;

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
