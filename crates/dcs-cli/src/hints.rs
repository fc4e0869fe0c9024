//! Errors as people read them: what happened (status, code, message, request id) and what
//! to do next.

use dcs_client::{Error, ErrorKind};

/// The error, escaped (server text cannot forge lines), with a next step when one is known.
pub fn explain(e: &Error) -> String {
    let mut s = e.to_string();
    if let Some(hint) = next_step(e) {
        s.push_str("\n  hint: ");
        s.push_str(hint);
    }
    s
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
        return Some("the gateway refused the signature: check HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (or the profile), and the security token for temporary credentials");
    }
    if e.is_forbidden() {
        return Some("the credentials are valid but not allowed this action: check the IAM policy (DCS permissions) of the user or agency");
    }
    if e.is_throttled() {
        return Some("the service is throttling: wait and retry, or lower --concurrency");
    }
    match e.kind() {
        ErrorKind::Config => Some("configuration is read from flags, HUAWEICLOUD_SDK_* variables, ~/.huaweicloud/credentials and the ECS metadata service: see `dcs --help`"),
        ErrorKind::Transport if e.is_connect() => Some("no connection: check the endpoint and the network (proxy: HTTPS_PROXY / NO_PROXY)"),
        _ => None,
    }
}
