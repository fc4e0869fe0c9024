//! Errors as people (and scripts) read them: what happened, what to do next naming the flag,
//! variable or profile key that fixes it, and the exit code. With `--output json`, each error
//! is one JSON object on stderr instead.
//!
//! Exit codes: 1 the service answered with an error, or the work waited for reached a failure
//! state; 2 invalid input or configuration (nothing was sent); 3 transport failure; 124 gave
//! up waiting; 130 interrupted.

use crate::config::Flags;
use dcs_client::{Error, ErrorKind};
use serde_json::{json, Map, Value};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

static JSON_ERRORS: AtomicBool = AtomicBool::new(false);

/// Errors go to stderr as JSON from now on (`--output json`).
pub fn set_json(on: bool) {
    JSON_ERRORS.store(on, Ordering::Relaxed);
}

/// A failure to report: its exit code, a kind for scripts, the message, a next step.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// `invalid_input`, `config`, `service`, `transport`, `wait_failed`, `wait_timeout`,
    /// `interrupted`, `paging`, `output`.
    pub kind: &'static str,
    /// What happened (server text already escaped).
    pub message: String,
    /// What to do next.
    pub hint: Option<String>,
    /// More for `--output json`: operation, status, error code, request id, state.
    pub details: Map<String, Value>,
}

impl Failure {
    /// A failure with no details.
    pub fn new(code: u8, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            kind,
            message: message.into(),
            hint: None,
            details: Map::new(),
        }
    }
    /// Invalid input or configuration: exit 2.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(2, "invalid_input", message)
    }
    /// With a next step.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Prints it (text or JSON on stderr) and gives its exit code.
    pub fn emit(&self) -> ExitCode {
        if JSON_ERRORS.load(Ordering::Relaxed) {
            let mut e = Map::new();
            e.insert("exit_code".into(), json!(self.code));
            e.insert("kind".into(), json!(self.kind));
            e.insert("message".into(), json!(self.message));
            if let Some(h) = &self.hint {
                e.insert("hint".into(), json!(h));
            }
            for (k, v) in &self.details {
                e.insert(k.clone(), v.clone());
            }
            errln!("{}", json!({ "error": e }));
        } else {
            match &self.hint {
                Some(h) => errln!("dcs: {}\n  hint: {h}", self.message),
                None => errln!("dcs: {}", self.message),
            };
        }
        ExitCode::from(self.code)
    }
}

/// What is known about where a call went, for messages.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The endpoint's URL, once the client is built.
    pub endpoint: Option<String>,
    /// The flags given.
    pub flags: Flags,
}

/// Exit code of an SDK error.
pub fn exit_code(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::Service | ErrorKind::Paging => 1,
        ErrorKind::InvalidInput | ErrorKind::Config => 2,
        ErrorKind::Wait if e.is_wait_timeout() => 124,
        ErrorKind::Wait => match e.wait_error().map(|w| w.failure()) {
            Some(dcs_client::WaitFailure::Unresolvable { .. }) => 2,
            _ => 1,
        },
        _ if no_credentials(e) => 2,
        _ => 3,
    }
}

/// A credentials provider that found nothing anywhere: a configuration problem (exit 2),
/// however it surfaced.
fn no_credentials(e: &Error) -> bool {
    e.to_string().contains("no credentials found")
}

fn kind_name(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::InvalidInput => "invalid_input",
        ErrorKind::Config => "config",
        ErrorKind::Service => "service",
        ErrorKind::Paging => "paging",
        ErrorKind::Wait if e.is_wait_timeout() => "wait_timeout",
        ErrorKind::Wait => "wait_failed",
        _ if no_credentials(e) => "config",
        _ => "transport",
    }
}

/// The SDK's message in the command line's words: the flags named where the library speaks
/// of its builder, and "nothing was sent" said once.
pub fn cli_words(text: &str, flags: &Flags) -> String {
    let mut s = text.replace("DcsClient::build failed: ", "");
    for (from, to) in [
        ("region from builder", "--region"),
        ("endpoint from builder", "--endpoint"),
        ("project id from builder", "--project-id"),
    ] {
        s = s.replace(from, to);
    }
    let selected = if flags.profile.is_some() {
        "selected by --profile"
    } else {
        "selected by HUAWEICLOUD_SDK_PROFILE"
    };
    s = s.replace(
        "selected by HUAWEICLOUD_SDK_PROFILE or the builder",
        selected,
    );
    let nothing = s.contains("nothing was sent");
    s = s
        .replace(" (nothing was sent)", "")
        .replace("; nothing was sent", "");
    if nothing {
        s.push_str(" (nothing was sent)");
    }
    s
}

/// How to give a region or an endpoint.
pub const REGION_HINT: &str = "give --region REGION (or set HUAWEICLOUD_SDK_REGION, or `dcs configure set region REGION` for the profile), or the endpoint itself with --endpoint URL (or DCS_ENDPOINT)";
/// How to give the project.
pub const PROJECT_HINT: &str = "give --project-id ID (or set HUAWEICLOUD_SDK_PROJECT_ID, or `dcs configure set project_id ID` for the profile); with a region it is looked up in IAM instead";
/// How to give credentials.
pub const CREDENTIALS_HINT: &str = "set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or keep them in the profile: `dcs configure set ak AK` and `dcs configure set sk -` (reads the key from stdin)";
/// Where configuration comes from.
pub const CONFIG_HINT: &str = "configuration comes from --region, --endpoint, --project-id and --profile, the HUAWEICLOUD_SDK_* variables and DCS_ENDPOINT, and ~/.huaweicloud/credentials: `dcs configure list` shows what is in effect and where it came from";

/// A configuration error (the client could not be built, or a call found no project or
/// credentials), with the flag, variable or profile key that fixes it.
fn config_failure(e: &Error, ctx: &Context) -> Failure {
    let text = cli_words(&e.to_string(), &ctx.flags);
    let (message, hint) = if text.contains("no project id") {
        let message = if text.contains("no project id and no region") {
            format!(
                "{} failed: no project id, and no region to look it up by (nothing was sent)",
                e.operation()
            )
        } else {
            text
        };
        (message, PROJECT_HINT.to_string())
    } else if text.contains("no region") {
        (
            "no region and no endpoint, so there is nowhere to send to (nothing was sent)"
                .to_string(),
            REGION_HINT.to_string(),
        )
    } else if text.contains("no credentials found") {
        (text, CREDENTIALS_HINT.to_string())
    } else if text.contains("profile") {
        (
            text,
            "fix the file at the line named, or pick another section with --profile (or HUAWEICLOUD_SDK_PROFILE) or another file with HUAWEICLOUD_SDK_CREDENTIALS_FILE".to_string(),
        )
    } else {
        (text, CONFIG_HINT.to_string())
    };
    let mut f = Failure::new(2, "config", message).hint(hint);
    f.details.insert("operation".into(), json!(e.operation()));
    f
}

/// The SDK error as a failure to report.
pub fn sdk(e: &Error, ctx: &Context) -> Failure {
    if e.kind() == ErrorKind::Config || no_credentials(e) {
        return config_failure(e, ctx);
    }
    let mut message = cli_words(&e.to_string(), &ctx.flags);
    if e.kind() == ErrorKind::Transport {
        if let Some(url) = &ctx.endpoint {
            let prefix = format!("{} failed: ", e.operation());
            let rest = message
                .strip_prefix(&prefix)
                .unwrap_or(&message)
                .to_string();
            let what = if e.is_connect() {
                "could not connect to the endpoint URL"
            } else if e.is_timeout() {
                "timed out talking to the endpoint URL"
            } else {
                "the exchange failed with the endpoint URL"
            };
            message = format!("{prefix}{what} {url}: {rest}");
        }
    }
    let mut f = Failure::new(exit_code(e), kind_name(e), message);
    f.hint = next_step(e).map(str::to_string);
    let d = &mut f.details;
    d.insert("operation".into(), json!(e.operation()));
    if let Some(s) = e.status() {
        d.insert("status".into(), json!(s));
    }
    if let Some(c) = e.error_code() {
        d.insert("error_code".into(), json!(dcs_client::sanitize(c)));
    }
    if let Some(m) = e.error_msg() {
        d.insert("error_msg".into(), json!(m));
    }
    if let Some(r) = e.request_id() {
        d.insert("request_id".into(), json!(dcs_client::sanitize(r)));
    }
    if let Some(s) = e.failure_state() {
        d.insert("state".into(), json!(s));
    }
    if let Some(w) = e.wait_error() {
        d.insert("resource".into(), json!(w.resource()));
    }
    if e.is_outcome_uncertain() {
        d.insert("outcome_uncertain".into(), json!(true));
    }
    f
}

fn next_step(e: &Error) -> Option<&'static str> {
    if e.is_no_such_api() {
        return Some("the endpoint has no such API: check --region / HUAWEICLOUD_SDK_REGION or --endpoint / DCS_ENDPOINT");
    }
    if e.is_clock_skew() {
        return Some(
            "this machine's clock is off by minutes: synchronise it (e.g. with NTP) and try again",
        );
    }
    if e.is_unauthorized() {
        return Some("the gateway refused the signature: check HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (or `ak` / `sk` in the profile), and the security token for temporary credentials");
    }
    if e.is_forbidden() {
        return Some("the credentials are valid but not allowed this action: check the IAM policy (DCS permissions) of the user or agency");
    }
    if e.is_throttled() {
        return Some("the service is throttling: wait and retry, or lower --concurrency");
    }
    if e.is_task_running() && e.operation() == "DeleteCenterTask" {
        return Some("the task is still running: `dcs tasks wait TASK_ID`, then delete it");
    }
    if e.is_instance_busy() {
        return Some("the instance is busy (not RUNNING, or another change runs): `dcs wait instance ID`, then try again, or add --wait, which waits and sends again");
    }
    if e.is_wait_timeout() {
        return Some("the work goes on in the service: wait longer with --wait-timeout (or `dcs wait ... --timeout`)");
    }
    match e.kind() {
        ErrorKind::Transport if e.is_connect() => Some("no connection: check --endpoint / DCS_ENDPOINT or --region, and the network (proxy: HTTPS_PROXY / NO_PROXY)"),
        ErrorKind::Transport if e.to_string().contains("TLS") => Some("the TLS handshake failed: an http:// endpoint needs its scheme written out; a private CA goes in HUAWEICLOUD_SDK_CA_BUNDLE"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_words_become_flags() {
        let flags = Flags {
            profile: Some("nope".into()),
            ..Flags::default()
        };
        assert_eq!(
            cli_words(
                "DcsClient::build failed: region from builder: malformed region id (nothing was sent)",
                &flags
            ),
            "--region: malformed region id (nothing was sent)"
        );
        assert_eq!(
            cli_words("x; nothing was sent (nothing was sent)", &flags),
            "x (nothing was sent)"
        );
        assert!(cli_words(
            "has no section [nope] (selected by HUAWEICLOUD_SDK_PROFILE or the builder)",
            &flags
        )
        .contains("selected by --profile"));
    }
}
