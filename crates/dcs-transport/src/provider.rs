//! Where credentials come from: the [`ProvideCredentials`] seam.
//!
//! The client holds a provider, not fixed keys, and asks it before every attempt, so
//! temporary credentials can be refreshed without rebuilding the client. Fixed
//! [`Credentials`] are a provider of themselves. The providers themselves (environment,
//! profile, metadata, chains, caches) live with the configuration, in `dcs-config`.

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

    /// The credentials, when they can never change for as long as this provider lives (keys
    /// given in code, read from the environment or from a profile). A client built on such a
    /// provider signs with them directly instead of asking before every attempt. Providers
    /// whose credentials expire or are fetched keep the default, `None`.
    fn fixed_credentials(&self) -> Option<Credentials> {
        None
    }
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
    /// A chain asked every provider and none had credentials.
    #[error("no credentials found; {}", list_skipped(.tried))]
    NoneFound {
        /// Every provider asked, in order, with why it was skipped.
        tried: Vec<Skipped>,
    },
}

/// One provider a chain skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Skipped {
    /// The provider's name.
    pub provider: &'static str,
    /// Why it had nothing.
    pub why: String,
}

impl Skipped {
    /// `provider` was skipped because of `why`.
    pub fn new(provider: &'static str, why: impl Into<String>) -> Self {
        Self {
            provider,
            why: why.into(),
        }
    }
}

fn list_skipped(tried: &[Skipped]) -> String {
    let parts: Vec<String> = tried
        .iter()
        .map(|s| format!("{}: {}", s.provider, s.why))
        .collect();
    format!("tried {}", parts.join("; "))
}

impl ProviderError {
    /// The provider this error is about (`chain` for [`ProviderError::NoneFound`]).
    pub fn provider(&self) -> &'static str {
        match self {
            ProviderError::NotConfigured { provider, .. }
            | ProviderError::Broken { provider, .. } => provider,
            ProviderError::NoneFound { .. } => "chain",
        }
    }

    /// A provider that is configured but broken (a chain stops here).
    pub fn broken(provider: &'static str, cause: impl Into<String>) -> Self {
        ProviderError::Broken {
            provider,
            cause: cause.into(),
        }
    }

    /// A provider with nothing configured (a chain moves on).
    pub fn not_configured(provider: &'static str, why: impl Into<String>) -> Self {
        ProviderError::NotConfigured {
            provider,
            why: why.into(),
        }
    }
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let c = self.clone();
        Box::pin(async move { Ok(c) })
    }

    fn fixed_credentials(&self) -> Option<Credentials> {
        Some(self.clone())
    }
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        (**self).provide_credentials()
    }

    fn fixed_credentials(&self) -> Option<Credentials> {
        (**self).fixed_credentials()
    }
}
