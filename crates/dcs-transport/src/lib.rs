//! Talking to Huawei Cloud: credentials, SDK-HMAC-SHA256 signing, and an HTTPS client with
//! timeouts, retries and bounded response bodies.
//!
//! This crate knows nothing about DCS tasks or any service schema, so any Huawei Cloud service
//! can use it; it must not depend on the model crates. The signer ([`signer`]) is a pure
//! function with the time passed in, usable without hyper. The client ([`client`]) sends
//! HTTP/1.1 through hyper over TCP or rustls (ring), on connections from its own pool, and no
//! hyper type appears in its public API.
//!
//! Configuration loading ([`resolve::ResolvedConfig::load`]) finds credentials, region,
//! endpoints and project id where users of the official SDKs keep them: code, then
//! `HUAWEICLOUD_SDK_*` variables, then `~/.huaweicloud/credentials` and `regions.yaml`, then
//! Pod Identity and the ECS metadata service, reading all of them through an injected
//! [`context::Context`].
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

// Configuration loading: where credentials, region, endpoints and project id come from.
pub mod cache;
pub mod chain;
pub mod context;
pub mod iam;
pub mod metadata;
mod plain_http;
pub mod profile;
pub mod region;
pub mod resolve;

// Re-exports of configuration loading.
pub use cache::CachingProvider;
pub use chain::{CredentialsChain, PodIdentityProvider};
pub use context::{Context, Env, EnvVarError, Fs, MapEnv, MapFs};
pub use iam::{ProjectIdError, ProjectIdSource};
pub use metadata::MetadataProvider;
pub use provider::{ExpiringCredentials, FetchCredentials, FetchFuture, Skipped};
pub use region::{Region, Service};
pub use resolve::{ConfigLoadError, Overrides, ResolvedConfig};
