//! Error codes the service and its API gateway are documented to send, by name, so no other
//! crate spells them out. Codes are compared as exact strings.

/// 401 from the gateway: bad AK/SK signature, unknown AK, expired signature (10 characters:
/// one over the documented `error_code` limit, which is why limits are flagged, not enforced
/// on what the server sends).
pub const GATEWAY_AUTH_FAILED: &str = "APIGW.0301";
/// 404 from the gateway: no such API (wrong path, method or region).
pub const GATEWAY_API_NOT_FOUND: &str = "APIGW.0101";
/// 400/413/502/504 from the gateway: bad request, body too large, backend unavailable.
pub const GATEWAY_BAD_REQUEST: &str = "APIGW.0201";
/// 429 from the gateway: throttled.
pub const GATEWAY_THROTTLED: &str = "APIGW.0308";

/// 400: the background task is still running.
pub const TASK_STILL_RUNNING: &str = "DCS.4017";
/// 400: the task id is malformed.
pub const INVALID_TASK_ID: &str = "DCS.4070";
/// 400: the body is not JSON or holds invalid characters.
pub const INVALID_BODY: &str = "DCS.4005";
/// 403: the policy does not allow the action.
pub const POLICY_DENIED: &str = "DCS.2007";
/// 404: the requested URL (resource) does not exist.
pub const NOT_FOUND: &str = "DCS.4001";
/// 405: the method is not allowed.
pub const METHOD_NOT_ALLOWED: &str = "DCS.5001";
/// 500: the system is busy.
pub const SYSTEM_BUSY: &str = "DCS.5000";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::ERROR_CODE_MAX_CHARS;

    #[test]
    fn dcs_codes_fit_the_documented_limit_and_gateway_codes_do_not() {
        for c in [
            TASK_STILL_RUNNING,
            INVALID_TASK_ID,
            INVALID_BODY,
            POLICY_DENIED,
            NOT_FOUND,
            METHOD_NOT_ALLOWED,
            SYSTEM_BUSY,
        ] {
            assert!(c.len() <= ERROR_CODE_MAX_CHARS, "{c}");
        }
        for c in [
            GATEWAY_AUTH_FAILED,
            GATEWAY_API_NOT_FOUND,
            GATEWAY_BAD_REQUEST,
            GATEWAY_THROTTLED,
        ] {
            assert_eq!(c.len(), ERROR_CODE_MAX_CHARS + 1, "{c}");
        }
    }
}
