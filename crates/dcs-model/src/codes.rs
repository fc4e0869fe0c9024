//! The error codes the service and its API gateway are documented to send.
//!
//! Every code of the API reference's appendix is a constant named after it (`DCS_4026` for
//! `DCS.4026`, `APIGW_0308` for `APIGW.0308`), generated from `codegen/errors.toml` with its
//! status and meaning; [`describe`] looks one up, and each has an [`ErrorClass`] that the
//! client's `Error` turns into predicates (`is_instance_busy()`, ...). The names below are the
//! codes users branch on most, by what they mean. Codes are compared as exact strings.

pub use crate::generated::codes::*;

/// 401 from the gateway: bad AK/SK signature, unknown AK, expired signature (10 characters:
/// one over the documented `error_code` limit, which is why limits are flagged, not enforced
/// on what the server sends).
pub const GATEWAY_AUTH_FAILED: &str = APIGW_0301;
/// 404 from the gateway: no such API (wrong path, method or region).
pub const GATEWAY_API_NOT_FOUND: &str = APIGW_0101;
/// 400/413/502/504 from the gateway: bad request, body too large, backend unavailable.
pub const GATEWAY_BAD_REQUEST: &str = APIGW_0201;
/// 429 from the gateway: throttled.
pub const GATEWAY_THROTTLED: &str = APIGW_0308;

/// 404: the instance does not exist.
pub const INSTANCE_NOT_FOUND: &str = DCS_3022;
/// 400: the instance's state does not allow the operation (it is not RUNNING, or busy).
pub const INSTANCE_STATE_NOT_ALLOWED: &str = DCS_4026;
/// 400: a background task of the instance is still running.
pub const TASK_STILL_RUNNING: &str = DCS_4017;
/// 400: the task id is malformed.
pub const INVALID_TASK_ID: &str = DCS_4070;
/// 400: the body is not JSON or holds invalid characters.
pub const INVALID_BODY: &str = DCS_4005;
/// 403: the policy does not allow the action.
pub const POLICY_DENIED: &str = DCS_2007;
/// 404: the requested URL (resource) does not exist.
pub const NOT_FOUND: &str = DCS_4001;
/// 405: the method is not allowed.
pub const METHOD_NOT_ALLOWED: &str = DCS_5001;
/// 500: an internal error (the system is busy).
pub const SYSTEM_BUSY: &str = DCS_5000;

/// What kind of problem a code reports, as the reviewed table classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The instance does not exist.
    InstanceNotFound,
    /// Another DCS resource (backup, task, account, template, ...) does not exist.
    ResourceNotFound,
    /// The instance is not RUNNING or another operation runs on it: wait and send again.
    InstanceBusy,
    /// The task itself is still running and cannot be deleted yet.
    TaskRunning,
    /// A quota would be exceeded.
    QuotaExceeded,
    /// A parameter the caller must change.
    InvalidRequest,
    /// Not allowed for this account, role or region (or not authenticated).
    Permission,
    /// Throttled: send again later.
    Throttled,
    /// The service failed internally: try again later.
    ServiceError,
}

/// One documented code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeInfo {
    /// The code, e.g. `"DCS.4026"`.
    pub code: &'static str,
    /// The HTTP status the reference gives with it, when it gives one.
    pub status: Option<u16>,
    /// What it means, in one sentence.
    pub meaning: &'static str,
    /// What the caller should do, when there is something to say.
    pub action: Option<&'static str>,
    /// Its class, when it has one.
    pub class: Option<ErrorClass>,
}

/// The documented code `code`, if it is one.
pub fn describe(code: &str) -> Option<&'static CodeInfo> {
    TABLE
        .binary_search_by(|c| c.code.cmp(code))
        .ok()
        .map(|i| &TABLE[i])
}

/// Every documented code, sorted.
pub fn all() -> &'static [CodeInfo] {
    TABLE
}

use crate::generated::codes::TABLE;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::ERROR_CODE_MAX_CHARS;

    #[test]
    fn dcs_codes_fit_the_documented_limit_and_gateway_codes_do_not() {
        for c in all() {
            if c.code.starts_with("DCS.") {
                assert!(c.code.len() <= ERROR_CODE_MAX_CHARS, "{}", c.code);
            } else {
                assert_eq!(c.code.len(), ERROR_CODE_MAX_CHARS + 1, "{}", c.code);
            }
        }
    }

    #[test]
    fn codes_are_described_by_their_table_row() {
        let busy = describe("DCS.4026").unwrap();
        assert_eq!(busy.class, Some(ErrorClass::InstanceBusy));
        assert_eq!(busy.status, Some(400));
        assert_eq!(
            describe(INSTANCE_NOT_FOUND).unwrap().class,
            Some(ErrorClass::InstanceNotFound)
        );
        assert_eq!(
            describe(GATEWAY_THROTTLED).unwrap().class,
            Some(ErrorClass::Throttled)
        );
        assert!(describe("DCS.9999").is_none());
        assert!(describe("dcs.4026").is_none(), "codes are exact strings");
        assert!(all().windows(2).all(|w| w[0].code < w[1].code));
    }
}
