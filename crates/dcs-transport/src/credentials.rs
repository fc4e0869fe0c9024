//! Access keys. The secret key and the security token are held in zeroizing storage and never
//! printed: their `Debug` shows `** redacted **`, and they have no `Display`.

use std::fmt;
use zeroize::Zeroizing;

/// A secret string: zeroized on drop, redacted in `Debug`, no `Display`.
#[derive(Clone)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself. Call only where the value is really needed (signing).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

/// What stands in for a secret wherever one would be shown.
pub const REDACTED: &str = "** redacted **";

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SecretString {}

/// AK/SK credentials, with an optional security token for temporary credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: SecretString,
    security_token: Option<SecretString>,
}

/// Why credentials were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// A required part is empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// A part holds a character that cannot travel in an HTTP header.
    #[error("{0} must be visible ASCII without spaces or commas")]
    InvalidCharacter(&'static str),
}

impl Credentials {
    /// Permanent AK/SK credentials.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretString::new(secret_access_key),
            security_token: None,
        }
    }

    /// Adds a security token (temporary AK/SK); it is sent and signed as `X-Security-Token`.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(SecretString::new(token));
        self
    }

    /// The access key id (not secret: it travels in every Authorization header).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &SecretString {
        &self.secret_access_key
    }

    /// The security token, when the credentials are temporary.
    pub fn security_token(&self) -> Option<&SecretString> {
        self.security_token.as_ref()
    }

    /// Checks that every part can be sent: the AK is non-empty visible ASCII without `,`
    /// (it is written into the Authorization header), the SK is non-empty, and the token,
    /// when present, is non-empty visible ASCII.
    pub fn validate(&self) -> Result<(), CredentialsError> {
        let header_safe = |s: &str| s.bytes().all(|b| b.is_ascii_graphic() && b != b',');
        if self.access_key_id.is_empty() {
            return Err(CredentialsError::Empty("access key id"));
        }
        if !header_safe(&self.access_key_id) {
            return Err(CredentialsError::InvalidCharacter("access key id"));
        }
        if self.secret_access_key.expose_secret().is_empty() {
            return Err(CredentialsError::Empty("secret access key"));
        }
        if let Some(t) = &self.security_token {
            if t.expose_secret().is_empty() {
                return Err(CredentialsError::Empty("security token"));
            }
            if !t.expose_secret().bytes().all(|b| b.is_ascii_graphic()) {
                return Err(CredentialsError::InvalidCharacter("security token"));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("security_token", &self.security_token)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials::new("AKID", "very-secret-sk").with_security_token("tok-abc-123");
        let s = format!("{c:?} {c:#?}");
        assert!(s.contains("AKID"));
        assert!(!s.contains("very-secret-sk"));
        assert!(!s.contains("tok-abc-123"));
        assert!(s.contains("** redacted **"));
    }

    #[test]
    fn validate_rules() {
        assert!(Credentials::new("AK", "SK").validate().is_ok());
        assert_eq!(
            Credentials::new("", "SK").validate(),
            Err(CredentialsError::Empty("access key id"))
        );
        assert_eq!(
            Credentials::new("A K", "SK").validate(),
            Err(CredentialsError::InvalidCharacter("access key id"))
        );
        assert_eq!(
            Credentials::new("A,K", "SK").validate(),
            Err(CredentialsError::InvalidCharacter("access key id"))
        );
        assert_eq!(
            Credentials::new("AK", "").validate(),
            Err(CredentialsError::Empty("secret access key"))
        );
        assert_eq!(
            Credentials::new("AK", "SK")
                .with_security_token("a\nb")
                .validate(),
            Err(CredentialsError::InvalidCharacter("security token"))
        );
    }
}
