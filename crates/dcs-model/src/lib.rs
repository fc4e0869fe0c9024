//! The Huawei Cloud DCS (Distributed Cache Service) API contract, expressed as
//! plain Rust data.
//!
//! This crate describes *what* goes over the wire: every DCS v2 operation as a request type
//! implementing [`Operation`], the models of bodies and answers and the value sets, all at
//! `dcs_model::types::<Name>` (generated from the service model under `codegen/`; each
//! resource group is a cargo feature), the documented error codes ([`codes`]), the reviewed
//! rules requests are checked against ([`validate`]), validated path parameters, documented
//! field limits, and a lenient reader for the error bodies the service (or the API gateway in
//! front of it) sends back.
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
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod codes;
pub mod error_body;
mod generated;
pub mod ids;
mod json;
mod lenient;
pub mod limits;
pub mod operation;
pub mod query;
pub mod redact;
pub mod strict;
pub mod validate;
pub mod value_set;

pub use error_body::{BodyShape, DcsErrorBody, ErrorBody, GatewayErrorBody, LimitViolation};
pub use generated::operations::{find as find_operation, OPERATIONS};
pub use generated::types;
pub use ids::{ProjectId, Rule, TaskId, ValidationError};
pub use operation::{
    Decode, DecodeError, HttpMethod, Operation, OperationMeta, Paginated, ResponseKind,
};
pub use value_set::{UnknownValue, ValueSet};

/// The Task Center's `DeleteCenterTask`, as the first releases named it.
pub use generated::operations::DELETE_CENTER_TASK;
