//! Talking to Huawei Cloud: credentials, SDK-HMAC-SHA256 signing, and an HTTPS client with
//! timeouts, retries and bounded response bodies.
//!
//! This crate knows nothing about DCS tasks or any service schema, so any Huawei Cloud service
//! can use it; it must not depend on the model crates. The signer ([`signer`]) is a pure
//! function with the time passed in, usable without hyper. The client ([`client`]) sends
//! HTTP/1.1 through hyper over TCP or rustls (ring), on connections from its own pool, and no
//! hyper type appears in its public API.
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod credentials;
pub mod date;
pub mod error;
mod pool;
pub mod provider;
pub mod proxy;
pub mod retry;
pub mod signer;
pub mod stream;
pub mod time;

pub use client::{BodyState, ClockSkew, HttpClient, HttpClientBuilder, Request, Response};
pub use config::{ClientConfig, ConfigError, Endpoint, Scheme};
pub use credentials::{Credentials, CredentialsError, SecretString};
pub use date::SdkDate;
pub use error::{TimeoutKind, TransportError, TransportErrorKind};
pub use http::Method;
pub use provider::{CredentialsFuture, ProvideCredentials, ProviderError};
pub use proxy::{Proxy, ProxySettings};
pub use retry::RetryPolicy;
pub use stream::{ResponseStream, Streamed};
pub use time::{Clock, ManualTime, Sleeper, SystemClock, TokioSleeper};
