//! Where credentials come from: the [`ProvideCredentials`] seam.
//!
//! The client holds a provider, not fixed keys, and asks it before every attempt, so
//! temporary credentials can be refreshed without rebuilding the client. Fixed
//! [`Credentials`] are a provider of themselves.

use crate::credentials::Credentials;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future of credentials.
pub type CredentialsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, ProviderError>> + Send + 'a>>;

/// Something that can hand out credentials, possibly after fetching or refreshing them.
///
/// Implementations must be cheap when the credentials they hold are still valid: the client
/// calls [`provide_credentials`](Self::provide_credentials) before every attempt.
pub trait ProvideCredentials: Send + Sync + fmt::Debug + 'static {
    /// The credentials to sign the next attempt with.
    fn provide_credentials(&self) -> CredentialsFuture<'_>;
}

/// Why a provider gave no credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// This provider has nothing configured here; a chain moves on to the next one.
    #[error("{provider}: not configured ({why})")]
    NotConfigured {
        /// The provider's name, e.g. `environment`.
        provider: &'static str,
        /// Why it was skipped.
        why: String,
    },
    /// This provider is configured but broken (AK without SK, malformed file, metadata
    /// saying the server has no agency...); a chain stops here.
    #[error("{provider}: {cause}")]
    Broken {
        /// The provider's name.
        provider: &'static str,
        /// What is wrong, naming the variable, file and line where known.
        cause: String,
    },
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let c = self.clone();
        Box::pin(async move { Ok(c) })
    }
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        (**self).provide_credentials()
    }
}
