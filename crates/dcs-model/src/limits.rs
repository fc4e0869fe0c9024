//! Documented size limits of the DCS API, plus the caps this SDK applies.
//!
//! All `*_CHARS` limits count Unicode scalar values (`char`s), not bytes.

/// Maximum length of `error_msg` in a DCS error body, as documented.
pub const ERROR_MSG_MAX_CHARS: usize = 1024;

/// Maximum length of `error_code` in a DCS error body, as documented
/// (for example `DCS.4017` is 8 characters).
pub const ERROR_CODE_MAX_CHARS: usize = 9;

/// Maximum length of `error_ext_msg` in a DCS error body, as documented.
pub const ERROR_EXT_MSG_MAX_CHARS: usize = 1024;

/// Upper bound on the length of a path parameter such as a project or task
/// id. Real ids are far shorter; anything longer is treated as absurd input.
pub const PATH_PARAM_MAX_CHARS: usize = 256;

/// How many bytes of a raw error body [`crate::ErrorBody`] keeps for
/// diagnostics.
pub const RAW_BODY_KEEP_BYTES: usize = 64 * 1024;
