//! The mark printed in place of a secret, and a value that prints as it.

/// What `Debug` prints in place of a password, a token, a pre-signed link or a command.
pub const REDACTED: &str = "** redacted **";

/// Prints as [`REDACTED`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}
