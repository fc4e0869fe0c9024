//! No secret in any output: the whole delete path runs with tracing at TRACE level and every
//! log line and every Debug/Display of config, credentials, client and error is checked.
//!
//! This test is alone in its binary on purpose: tracing caches per-callsite interest, and a
//! test running in parallel without a subscriber could make some callsites skip ours.

use dcs_e2e::{test_config, Fixture, AK, PROJECT, SK, TASK};
use dcs_emulator::Fault;
use dcs_tasks::Credentials;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Collects everything the tracing subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_secret_in_any_log_line_or_debug_output() {
    const SECRET_SK: &str = "SK-must-never-appear-7f3a9c";
    const TOKEN: &str = "TOKEN-must-never-appear-b21e";
    const PASSWORD: &str = "Passw0rd-canary-5e1d";
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let mut printed = String::new();
    tracing::subscriber::with_default(subscriber, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let f = Fixture::new().await;
            f.emu.add_credentials(AK, SECRET_SK, PROJECT);
            let creds = Credentials::new(AK, SECRET_SK).with_security_token(TOKEN);
            printed.push_str(&format!("{creds:?} {creds:#?}\n"));
            let config = test_config();
            printed.push_str(&format!("{config:?}\n"));
            let client = f.client_with(creds.clone(), config);
            printed.push_str(&format!("{client:?} {client:#?}\n"));

            // Success, a 404, a retried 503, a transport failure and a 401 whose message
            // echoes the canonical request (with the signed security token).
            client.delete_center_task(TASK).send().await.unwrap();
            let e = client.delete_center_task(TASK).send().await.unwrap_err();
            printed.push_str(&format!("{e} {e:?} {e:#?}\n"));
            f.emu.push_fault(Fault::Status {
                status: 503,
                retry_after: None,
            });
            let e = client.delete_center_task(TASK).send().await.unwrap_err();
            printed.push_str(&format!("{e} {e:?}\n"));
            f.emu.push_fault(Fault::ResetBeforeHeaders);
            f.emu.push_fault(Fault::ResetBeforeHeaders);
            f.emu.push_fault(Fault::ResetBeforeHeaders);
            let e = client.delete_center_task(TASK).send().await.unwrap_err();
            printed.push_str(&format!("{e} {e:?}\n"));
            let wrong = f.client_with(
                Credentials::new(AK, SK).with_security_token(TOKEN),
                test_config(),
            );
            // The emulator's 401 quotes our canonical request, as the gateway does. The token
            // in it is already redacted by the verifier (the transport's own signer code), so
            // this checks that side; the echo below checks the client's redaction of a body.
            let e = wrong.delete_center_task(TASK).send().await.unwrap_err();
            assert!(e.is_unauthorized());
            assert!(e
                .error_msg()
                .unwrap()
                .contains("x-security-token:** redacted **"));
            printed.push_str(&format!("{e} {e:?} {e:#?}\n"));
            // A server that echoes our headers (token included) in its message.
            f.emu.push_fault(Fault::EchoRequestHeaders { status: 401 });
            let e = client.delete_center_task(TASK).send().await.unwrap_err();
            let msg = e.error_msg().unwrap();
            assert!(msg.contains("x-security-token:** redacted **"), "{msg}");
            assert!(
                msg.contains("x-project-id:"),
                "the rest of the echo is kept: {msg}"
            );
            printed.push_str(&format!("{e} {e:?} {e:#?}\n"));
            let bad = client.delete_center_task("a/b").send().await.unwrap_err();
            printed.push_str(&format!("{bad} {bad:?}\n"));

            // Sensitive request fields (passwords, the Web CLI command) in the builders'
            // Debug, in the logs of a real call, and in the errors that come back.
            let dcs = dcs_client::DcsClient::builder()
                .endpoint(f.emu.endpoint())
                .credentials(Credentials::new(AK, SECRET_SK))
                .project_id(PROJECT)
                .config(test_config())
                .build()
                .unwrap();
            let call = dcs
                .create_acl_account("inst-1")
                .account_name("reader")
                .account_role("read")
                .account_password(PASSWORD);
            printed.push_str(&format!("{call:?} {:?}\n", call.request()));
            let r = call.send().await;
            printed.push_str(&format!("{r:?}\n"));
            let call = dcs
                .update_password("inst-1")
                .old_password(PASSWORD)
                .new_password(PASSWORD);
            printed.push_str(&format!("{call:?}\n"));
            let _ = call.send().await;
            let call = dcs
                .execute_command_mobilization("inst-1")
                .command(format!("AUTH {PASSWORD}"))
                .client_id("c-1");
            printed.push_str(&format!("{call:?}\n"));
            let _ = call.send().await;
            let call = dcs.login_web_cli("inst-1").password(PASSWORD);
            printed.push_str(&format!("{call:?}\n"));
            let _ = call.send().await;
            printed.push_str(&format!("{:?}\n", f.emu.requests().len()));
        });
    });
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("dcs.http"),
        "TRACE capture saw no request span:\n{logs}"
    );
    assert!(logs.lines().count() > 10, "too few log lines:\n{logs}");
    for (what, text) in [("logs", &logs), ("Debug/Display output", &printed)] {
        assert!(!text.contains(SECRET_SK), "SK leaked in {what}");
        assert!(!text.contains(TOKEN), "security token leaked in {what}");
        assert!(
            !text.contains(PASSWORD),
            "a password or command leaked in {what}"
        );
    }
    assert!(printed.contains("** redacted **"));
}
