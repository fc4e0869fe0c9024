//! The escape hatch: call an endpoint the generator does not have yet.
//!
//! [`DcsClient::raw_call`] sends any method and path template through the same path as a
//! generated operation, minus the model: the project id is filled in (looked up in IAM when
//! the client has none), the request is signed and sent with the client's timeouts and
//! retries, and every failure is the same [`Error`] (service answers with their code,
//! message and request id; transport failures with what may have been applied). What it does
//! not do is check the input against the API reference or decode the answer into a type:
//! [`RawOutput::json`] decodes it into a type of yours.
//!
//! ```no_run
//! # async fn run(client: dcs_client::DcsClient) -> Result<(), dcs_client::Error> {
//! use dcs_client::HttpMethod;
//!
//! // An operation newer than this SDK: POST /v2/{project_id}/instances/{instance_id}/frobnicate
//! let out = client
//!     .raw_call("FrobnicateInstance", HttpMethod::Post, "/v2/{project_id}/instances/{instance_id}/frobnicate")
//!     .path_param("instance_id", "2b9ab3fa-1ef7-4e1a-9c8a-0d6e5f7a1b2c")
//!     .query("dry_run", "true")
//!     .json_body(&serde_json::json!({ "level": 3 }))?
//!     .send()
//!     .await?;
//! let answer: serde_json::Value = out.json()?;
//! println!("{answer} (request id {:?})", out.request_id());
//! # Ok(())
//! # }
//! ```

use crate::call::{classify_named, execute_named, RequestOptions};
use crate::{DcsClient, Error};
use dcs_model::{HttpMethod, Rule, ValidationError};
use dcs_transport::{Method, Request, Response};

/// A call of an endpoint the generator does not have yet, made by [`DcsClient::raw_call`].
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until .send().await"]
pub struct RawCall {
    client: DcsClient,
    name: &'static str,
    method: HttpMethod,
    template: String,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    retry_safe: bool,
    options: RequestOptions,
}

impl RawCall {
    pub(crate) fn new(
        client: DcsClient,
        name: &'static str,
        method: HttpMethod,
        template: &str,
    ) -> Self {
        Self {
            client,
            name,
            method,
            template: template.to_string(),
            path_params: Vec::new(),
            query: Vec::new(),
            body: None,
            // As the reviewed table decides for every generated GET and DELETE; a PUT or a
            // POST is sent once unless the caller knows better.
            retry_safe: matches!(method, HttpMethod::Get | HttpMethod::Delete),
            options: RequestOptions::default(),
        }
    }

    /// Fills the `{name}` placeholder of the path template with `value` (checked as a path
    /// id, then percent-encoded). `{project_id}` is the client's and cannot be set here.
    pub fn path_param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.path_params.push((name, value.into()));
        self
    }

    /// Adds a query pair (sent, and signed, in the order given).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets the JSON body to `value`, serialised now.
    pub fn json_body<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::invalid(
                self.name,
                ValidationError::new(
                    "body",
                    Rule::Shape {
                        message: format!("cannot be written as JSON: {e}"),
                    },
                ),
            )
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Whether the request may be sent again after an attempt that may have been applied
    /// (a reset, a timeout, a 5xx). Default: yes for GET and DELETE, no for PUT and POST, as
    /// the reviewed table says for most operations; say yes only for a request that sets an
    /// absolute value. A throttled (429) or unsent attempt is sent again whatever this says.
    pub fn retry_safe(mut self, yes: bool) -> Self {
        self.retry_safe = yes;
        self
    }

    /// Replaces the per-call options (timeouts, attempts, response cap; `validate` and
    /// `busy_retry` do not apply to a raw call).
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends the request, and returns the answer when its status is 2xx and its body was
    /// read whole; any other outcome is the same [`Error`] a generated operation gives.
    pub async fn send(self) -> Result<RawOutput, Error> {
        let name = self.name;
        let needs_project = self.template.contains("{project_id}");
        let project = self.client.project_named(name, needs_project).await?;
        let path = self.path(project.as_deref())?;
        let method = Method::from_bytes(self.method.as_str().as_bytes()).unwrap_or(Method::GET);
        let mut req = Request::new(method, path).idempotent(self.retry_safe);
        for (k, v) in self.query {
            req = req.query(k, v);
        }
        if let Some(p) = &project {
            req = req.header(dcs_transport::signer::HEADER_PROJECT_ID, p.as_str());
        }
        if let Some(b) = self.body {
            req = req.body(b);
        }
        let req = crate::call::apply_options(req, &self.options);
        let resp = execute_named(&self.client, name, &req).await?;
        Ok(RawOutput {
            name,
            response: classify_named(name, resp)?,
        })
    }

    /// The path: every placeholder filled, every value checked and encoded.
    fn path(&self, project: Option<&str>) -> Result<String, Error> {
        let invalid = |field: String, message: String| {
            Error::invalid(
                self.name,
                ValidationError::new(field, Rule::Shape { message }),
            )
        };
        if !self.template.starts_with('/') {
            return Err(invalid(
                "path".into(),
                format!("the path template {:?} must start with '/'", self.template),
            ));
        }
        let mut used = vec![false; self.path_params.len()];
        let mut out = String::with_capacity(self.template.len() + 48);
        let mut rest = self.template.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                return Err(invalid(
                    "path".into(),
                    format!("an unclosed '{{' in the path template {:?}", self.template),
                ));
            };
            let name = &rest[open + 1..open + close];
            let value = if name == "project_id" {
                // The caller checked the client has one when the template names it.
                project.unwrap_or_default().to_string()
            } else {
                let Some(i) = self.path_params.iter().position(|(n, _)| *n == name) else {
                    return Err(invalid(
                        name.to_string(),
                        format!("the path template has {{{name}}} but no path_param sets it"),
                    ));
                };
                used[i] = true;
                let (field, value) = &self.path_params[i];
                dcs_model::ids::validate_path_param(field, value)
                    .map_err(|e| Error::invalid(self.name, e))?;
                value.clone()
            };
            out.push_str(&dcs_model::ids::encode_path_segment(&value));
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        if let Some(i) = used.iter().position(|u| !u) {
            let name = self.path_params[i].0;
            return Err(invalid(
                name.to_string(),
                format!(
                    "path_param {name:?} has no {{{name}}} in the path template {:?}",
                    self.template
                ),
            ));
        }
        Ok(out)
    }
}

/// A successful answer of a [`RawCall`]: its status, headers, request id and body.
#[derive(Debug, Clone)]
pub struct RawOutput {
    name: &'static str,
    response: Response,
}

impl RawOutput {
    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.response.status()
    }
    /// The request id (`X-Request-Id`), for support cases.
    pub fn request_id(&self) -> Option<&str> {
        self.response.request_id()
    }
    /// Attempts it took.
    pub fn attempts(&self) -> u32 {
        self.response.attempts()
    }
    /// A header of the answer, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
    }
    /// The body as received.
    pub fn body(&self) -> &[u8] {
        self.response.body()
    }
    /// The body decoded as JSON into `T` (`serde_json::Value` for anything); an empty body
    /// reads as JSON `null`. A body that does not fit is [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// which says the request was applied.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        let body: &[u8] = if self.body().iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            self.body()
        };
        dcs_model::operation::decode_json(body)
            .map_err(|e| Error::decode(self.name, self.response.clone(), e))
    }
}
