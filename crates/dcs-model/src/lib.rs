//! The Huawei Cloud DCS (Distributed Cache Service) API contract, expressed as
//! plain Rust data.
//!
//! This crate describes *what* goes over the wire: validated path parameters,
//! the operations and their URL templates, request bodies, documented field
//! limits, and a lenient reader for the error bodies the service (or the API
//! gateway in front of it) sends back.
//!
//! It is deliberately pure. It must not depend on I/O, async runtimes, or any
//! HTTP transport; the transport and client crates build on top of it. Every
//! function here is deterministic and never panics, whatever its input.
//!
//! Two principles shape the API:
//!
//! * input the caller controls (ids, request bodies) is validated strictly
//!   before anything could be sent;
//! * input the server controls (error bodies) is parsed leniently and without
//!   loss: odd values are kept and flagged, never dropped or cut.

#![deny(missing_docs)]

pub mod codes;
pub mod error_body;
pub mod ids;
mod json;
pub mod limits;
pub mod operation;
pub mod tasks;

pub use error_body::{BodyShape, DcsErrorBody, ErrorBody, GatewayErrorBody, LimitViolation};
pub use ids::{ProjectId, Rule, TaskId, ValidationError};
pub use operation::{Operation, DELETE_CENTER_TASK};
pub use tasks::*;
