//! Where a DCS client's configuration comes from: credentials, region, endpoints and project
//! id, found where users of the official Huawei Cloud SDKs keep them, all on one shared
//! runtime configuration.
//!
//! [`ResolvedConfig::load`] looks in code ([`Overrides`]), then the `HUAWEICLOUD_SDK_*`
//! variables, then `~/.huaweicloud/credentials` and `regions.yaml`, then Pod Identity and the
//! ECS metadata service, reading all of them through an injected [`Context`]: the
//! environment, the files, the clock and sleeper, and the HTTP settings (timeouts, retries,
//! proxy, extra CA). The metadata and Pod Identity clients, the IAM project lookup and the
//! DCS client built from [`ResolvedConfig::context`] all go out through that one setup, so a
//! proxy or a TLS-inspecting CA set once applies to every request.
//!
//! This crate holds the DCS-specific knowledge of configuration (the region table, the
//! `DCS_ENDPOINT` variable); it sends through `dcs-transport` and must not depend on the
//! model or client crates.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod cache;
pub mod chain;
pub mod context;
pub mod fetch;
pub mod iam;
pub mod metadata;
pub mod profile;
pub mod region;
pub mod resolve;

pub use cache::CachingProvider;
pub use chain::{CredentialsChain, PodIdentityProvider};
pub use context::{Context, Env, EnvVarError, Fs};
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use context::{MapEnv, MapFs};
pub use fetch::{ExpiringCredentials, FetchCredentials, FetchFuture};
pub use iam::{ProjectIdError, ProjectIdSource};
pub use metadata::MetadataProvider;
pub use region::{Region, RegionError, RegionsFileError, Service, DCS};
pub use resolve::{ConfigLoadError, Overrides, ResolvedConfig};

// The transport's types that appear in this crate's signatures, so a user of this crate
// needs no direct dependency on `dcs-transport`.
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use dcs_transport::ManualTime;
pub use dcs_transport::{
    ClientConfig, Clock, ConfigError, Credentials, CredentialsFuture, Endpoint, HttpClientBuilder,
    Jitter, ProvideCredentials, ProviderError, Proxy, ProxySettings, RetryPolicy, Skipped, Sleeper,
    SystemClock, TokioSleeper, TransportError,
};
