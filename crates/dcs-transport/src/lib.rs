//! Signing and sending requests to Huawei Cloud: SDK-HMAC-SHA256 signing, and an HTTPS client
//! with timeouts, retries, bounded or streamed bodies, proxies and extra CAs.
//!
//! This crate serves any Huawei Cloud service: it knows nothing of DCS (no operation, no
//! schema, no region table) and nothing of where configuration comes from (that is
//! `dcs-config`). It must not depend on the model or configuration crates.
//!
//! - [`signer`]: a pure function, with the time passed in; no clock, no I/O, no hyper. The
//!   gateway's side, `signer::verify`, is behind the `verify` feature (for servers and test
//!   servers: the emulator turns it on).
//! - [`client`]: [`HttpClient`] sends HTTP/1.1 through hyper over TCP or rustls (ring), on
//!   connections from its own pool, signed ([`HttpClient::builder`]) or not
//!   ([`HttpClient::builder_unsigned`], for link-local credential services). No hyper type
//!   appears in its public API.
//! - [`time`]: the injected [`Clock`] and [`Sleeper`]; the client, its pool and its retries read
//!   time from the clock only. `ManualTime` (feature `test-util`) drives them in tests.
//!
//! Modules depend on each other one way: `credentials`, `date`, `time`, `retry` at the bottom;
//! `signer` on credentials and date; `response`, `error`, `endpoint`, `proxy`, `config`, `pool`,
//! `stream` in that order; `client` on all of them.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod client;
pub mod config;
pub mod credentials;
pub mod date;
pub mod endpoint;
pub mod error;
mod pool;
pub mod provider;
pub mod proxy;
pub mod response;
pub mod retry;
pub mod signer;
pub mod stream;
pub mod time;

pub use client::{HttpClient, HttpClientBuilder, Jitter, Request};
pub use config::ClientConfig;
pub use credentials::{Credentials, CredentialsError, SecretString};
pub use date::{DateParseError, SdkDate};
pub use endpoint::{redact_url, Endpoint, Scheme};
pub use error::{ConfigError, TimeoutKind, TransportError, TransportErrorKind};
pub use http::{HeaderMap, Method};
pub use provider::{CredentialsFuture, ProvideCredentials, ProviderError, Skipped};
pub use proxy::{Proxy, ProxySettings};
pub use response::{BodyState, ClockSkew, Response};
pub use retry::RetryPolicy;
pub use stream::{ResponseStream, Streamed};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use time::ManualTime;
pub use time::{Clock, SleepFuture, Sleeper, SystemClock, TokioSleeper};
