//! The project id: known from configuration, or looked up in IAM at the first call.
//!
//! Lookup: a signed `GET {iam}/v3/projects?name={region}` with the resolved credentials (as
//! the official SDKs do, without `X-Project-Id`). Of the projects returned, those whose
//! `name` is exactly the region count: one is used and kept for the life of the
//! [`ProjectIdSource`]; none or several are errors carrying IAM's `X-IAM-Trace-Id`. Failures
//! are not kept, so the next call looks again. Without a project id and without a region,
//! nothing is sent.
//!
//! The lookup goes out as every DCS call does: one client for the life of the source, built
//! from the shared [`Context`] (its proxy, extra CA, timeouts, retries, clock and sleeper),
//! so a program behind a proxy or a TLS-inspecting CA reaches IAM the way it reaches DCS. A
//! failure to get an answer keeps its [`TransportError`]: a timeout is a timeout
//! ([`ProjectIdError::is_timeout`]).

use crate::context::Context;
use crate::region::Region;
use dcs_transport::{
    ConfigError, Endpoint, HttpClient, Method, ProvideCredentials, ProviderError, Request,
    TransportError,
};
use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use tracing::Instrument;

/// The response header carrying IAM's trace id.
pub const IAM_TRACE_HEADER: &str = "x-iam-trace-id";
/// Variable holding the project id.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// Variable holding the IAM endpoint.
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// Why no project id could be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectIdError {
    /// Neither a project id nor a region is configured, so there is nothing to look up.
    /// Nothing was sent.
    #[error(
        "no project id and no region: set the project id (builder, HUAWEICLOUD_SDK_PROJECT_ID or \
         the profile's project_id) or a region to look it up in IAM; nothing was sent"
    )]
    Missing,
    /// The credentials to sign the lookup with could not be had.
    #[error("project id lookup: {0}")]
    Credentials(#[source] ProviderError),
    /// The lookup did not get an answer.
    #[error("project id lookup in IAM failed: {0}")]
    Transport(#[source] TransportError),
    /// IAM refused the credentials (401 or 403).
    #[error(
        "IAM refused the project id lookup with {status} (X-IAM-Trace-Id={}); check the \
         credentials, or set the project id to skip the lookup",
        .trace_id.as_deref().unwrap_or("none")
    )]
    IamDenied {
        /// The HTTP status.
        status: u16,
        /// IAM's trace id, when sent.
        trace_id: Option<String>,
    },
    /// IAM answered with another error status, or an answer that could not be read.
    #[error(
        "IAM answered the project id lookup with {status}: {problem} (X-IAM-Trace-Id={})",
        .trace_id.as_deref().unwrap_or("none")
    )]
    IamAnswer {
        /// The HTTP status.
        status: u16,
        /// What was wrong.
        problem: String,
        /// IAM's trace id, when sent.
        trace_id: Option<String>,
    },
    /// IAM has no project named after the region.
    #[error(
        "no project named {region:?} in IAM (X-IAM-Trace-Id={}); check that the region is \
         enabled for the account, or set the project id",
        .trace_id.as_deref().unwrap_or("none")
    )]
    NotFound {
        /// The region looked up.
        region: String,
        /// IAM's trace id, when sent.
        trace_id: Option<String>,
    },
    /// IAM has several projects named after the region.
    #[error(
        "several projects named {region:?} in IAM: {ids:?} (X-IAM-Trace-Id={}); set the \
         project id to choose one",
        .trace_id.as_deref().unwrap_or("none")
    )]
    Ambiguous {
        /// The region looked up.
        region: String,
        /// The ids found.
        ids: Vec<String>,
        /// IAM's trace id, when sent.
        trace_id: Option<String>,
    },
}

impl ProjectIdError {
    /// The lookup got no usable answer from IAM (a connect failure, a reset, a timeout),
    /// when that is what happened.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self {
            ProjectIdError::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// A timeout fired while asking IAM.
    pub fn is_timeout(&self) -> bool {
        self.transport_error()
            .is_some_and(TransportError::is_timeout)
    }

    /// IAM's trace id, for errors that came from an IAM answer.
    pub fn iam_trace_id(&self) -> Option<&str> {
        match self {
            ProjectIdError::IamDenied { trace_id, .. }
            | ProjectIdError::IamAnswer { trace_id, .. }
            | ProjectIdError::NotFound { trace_id, .. }
            | ProjectIdError::Ambiguous { trace_id, .. } => trace_id.as_deref(),
            _ => None,
        }
    }
}

/// Whether a project id can go into a URL path: 1 to 64 ASCII letters, digits, `-` or `_`.
pub fn is_valid_project_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Where the project id comes from: known, to be looked up in IAM once, or nowhere.
#[derive(Clone)]
pub struct ProjectIdSource {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Known(String),
    Lookup(Arc<Lookup>),
    Missing,
}

struct Lookup {
    iam: Endpoint,
    region: Region,
    /// The one client every lookup goes through (its own pool, kept).
    client: HttpClient,
    found: tokio::sync::OnceCell<String>,
}

impl fmt::Debug for ProjectIdSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Known(id) => write!(f, "ProjectIdSource::Known({id})"),
            Kind::Lookup(l) => f
                .debug_struct("ProjectIdSource::Lookup")
                .field("iam", &l.iam)
                .field("region", &l.region)
                .field("found", &l.found.get())
                .finish(),
            Kind::Missing => f.write_str("ProjectIdSource::Missing"),
        }
    }
}

impl ProjectIdSource {
    /// A project id known up front (the caller has checked it).
    pub fn known(id: impl Into<String>) -> Self {
        Self {
            kind: Kind::Known(id.into()),
        }
    }

    /// No project id and nothing to look it up with: [`project_id`](Self::project_id) fails
    /// with [`ProjectIdError::Missing`] without sending anything.
    pub fn missing() -> Self {
        Self {
            kind: Kind::Missing,
        }
    }

    /// Looks the project of `region` up at `iam` on first use, signing with `credentials`,
    /// through one client set up from `ctx` (proxy, extra CA, timeouts, retries, clock). The
    /// client is built here, so a setup that cannot work (a CA bundle without a certificate)
    /// fails now, not at the first call.
    pub fn lookup(
        ctx: &Context,
        credentials: Arc<dyn ProvideCredentials>,
        iam: Endpoint,
        region: Region,
    ) -> Result<Self, ConfigError> {
        let client = ctx
            .http_client_builder(iam.clone(), Vec::new(), credentials)
            .build()?;
        Ok(Self {
            kind: Kind::Lookup(Arc::new(Lookup {
                iam,
                region,
                client,
                found: tokio::sync::OnceCell::new(),
            })),
        })
    }

    /// The project id if it is known without I/O (configured, or already looked up).
    pub fn get(&self) -> Option<&str> {
        match &self.kind {
            Kind::Known(id) => Some(id),
            Kind::Lookup(l) => l.found.get().map(String::as_str),
            Kind::Missing => None,
        }
    }

    /// The IAM endpoint a lookup would use, if one would be made.
    pub fn iam_endpoint(&self) -> Option<&Endpoint> {
        match &self.kind {
            Kind::Lookup(l) => Some(&l.iam),
            _ => None,
        }
    }

    /// The project id: configured, or looked up in IAM once (concurrent first callers share
    /// one lookup) and then kept. A failed lookup is not kept.
    pub async fn project_id(&self) -> Result<String, ProjectIdError> {
        match &self.kind {
            Kind::Known(id) => Ok(id.clone()),
            Kind::Missing => Err(ProjectIdError::Missing),
            Kind::Lookup(l) => l.found.get_or_try_init(|| l.run()).await.cloned(),
        }
    }
}

impl Lookup {
    async fn run(&self) -> Result<String, ProjectIdError> {
        let span = tracing::debug_span!("iam_project_lookup", region = self.region.as_str(), iam = %self.iam);
        self.run_inner().instrument(span).await
    }

    async fn run_inner(&self) -> Result<String, ProjectIdError> {
        let region = self.region.as_str();
        let resp = self
            .client
            .send(&Request::new(Method::GET, "/v3/projects").query("name", region))
            .await
            .map_err(|e| {
                // The credentials provider failing is not IAM failing: say which.
                match e.source().and_then(|s| s.downcast_ref::<ProviderError>()) {
                    Some(p) => ProjectIdError::Credentials(p.clone()),
                    None => ProjectIdError::Transport(e),
                }
            })?;
        let trace_id = resp
            .headers()
            .get(IAM_TRACE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(128).collect::<String>());
        tracing::debug!(status = resp.status(), trace_id = ?trace_id, "IAM answered");
        let status = resp.status();
        if status == 401 || status == 403 {
            return Err(ProjectIdError::IamDenied { status, trace_id });
        }
        let answer = |problem: String| ProjectIdError::IamAnswer {
            status,
            problem,
            trace_id: trace_id.clone(),
        };
        if status != 200 {
            let excerpt: String = String::from_utf8_lossy(resp.body())
                .chars()
                .take(200)
                .collect();
            return Err(answer(excerpt));
        }
        let v: serde_json::Value =
            serde_json::from_slice(resp.body()).map_err(|e| answer(format!("not JSON ({e})")))?;
        let projects = v
            .get("projects")
            .and_then(|p| p.as_array())
            .ok_or_else(|| answer("no \"projects\" list".into()))?;
        let ids: Vec<String> = projects
            .iter()
            .filter(|p| p.get("name").and_then(|n| n.as_str()) == Some(region))
            .filter_map(|p| p.get("id").and_then(|i| i.as_str()).map(str::to_string))
            .collect();
        match ids.as_slice() {
            [] => Err(ProjectIdError::NotFound {
                region: region.to_string(),
                trace_id,
            }),
            [one] if is_valid_project_id(one) => Ok(one.clone()),
            [one] => Err(answer(format!(
                "the project id {:?} is not letters, digits, '-' or '_'",
                one.chars().take(80).collect::<String>()
            ))),
            _ => Err(ProjectIdError::Ambiguous {
                region: region.to_string(),
                ids,
                trace_id,
            }),
        }
    }
}
