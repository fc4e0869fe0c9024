//! Credentials that expire: what a credential service hands out, and the trait of the
//! providers that fetch them anew on every call (the metadata service, Pod Identity).

use dcs_transport::{Credentials, ProviderError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

/// Credentials with the time they stop working (`None`: they do not expire).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExpiringCredentials {
    /// The credentials.
    pub credentials: Credentials,
    /// When they expire.
    pub expires_at: Option<SystemTime>,
}

impl ExpiringCredentials {
    /// `credentials` that stop working at `expires_at` (`None`: never).
    pub fn new(credentials: Credentials, expires_at: Option<SystemTime>) -> Self {
        Self {
            credentials,
            expires_at,
        }
    }
}

/// A boxed future of freshly fetched credentials.
pub type FetchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ExpiringCredentials, ProviderError>> + Send + 'a>>;

/// Something that fetches credentials anew on every call, saying when they expire (the
/// metadata service, Pod Identity). Wrap it in a
/// [`CachingProvider`](crate::cache::CachingProvider) to get a [`ProvideCredentials`](dcs_transport::ProvideCredentials) that
/// refreshes before expiry.
pub trait FetchCredentials: Send + Sync + fmt::Debug + 'static {
    /// The provider's name, for errors and logs.
    fn name(&self) -> &'static str;
    /// Fetches credentials now.
    fn fetch(&self) -> FetchFuture<'_>;
}
