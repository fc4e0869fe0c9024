//! Talking to Huawei Cloud: credentials, SDK-HMAC-SHA256 signing, and an HTTPS client with
//! timeouts, retries and bounded response bodies.
//!
//! This crate knows nothing about DCS tasks or any service schema, so any Huawei Cloud service
//! can use it. The signer ([`signer`]) is a pure function with the time passed in, usable
//! without hyper. The client ([`client`]) is hyper-util's pooled client over rustls (ring).
#![deny(missing_docs)]

pub mod credentials;
pub mod date;
pub mod signer;

pub use credentials::{Credentials, CredentialsError, SecretString};
pub use date::SdkDate;
