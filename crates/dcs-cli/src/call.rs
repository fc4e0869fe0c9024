//! `dcs call`: one operation from JSON input, through its generated typed request.

use dcs_client::{DcsClient, Error, ErrorKind, Operation};
use std::future::Future;
use std::io::Write;
use std::pin::Pin;

/// Where answers go: stdout, or the file given by `--output-file`.
pub struct Sink {
    /// The writer.
    pub out: Box<dyn Write + Send>,
}

/// Why a call failed, with the exit code it maps to.
#[derive(Debug)]
pub enum CallError {
    /// The input was refused; nothing was sent (exit 2).
    Invalid(String),
    /// The SDK's error (exit 1 for a service answer, 2 for invalid input or configuration,
    /// 3 for transport failures).
    Sdk(Error),
    /// Writing the answer failed (exit 3).
    Output(String),
}

impl CallError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CallError::Invalid(_) => 2,
            CallError::Output(_) => 3,
            CallError::Sdk(e) => match e.kind() {
                ErrorKind::Service => 1,
                ErrorKind::InvalidInput | ErrorKind::Config => 2,
                _ => 3,
            },
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Invalid(m) => write!(f, "{m} (nothing was sent)"),
            CallError::Sdk(e) => write!(f, "{e}"),
            CallError::Output(m) => write!(f, "cannot write the answer: {m}"),
        }
    }
}

/// A write of the answer: a reader that left (`| head -c 100`, a closed pipe) is not a
/// failure, the call succeeded and nobody wants the rest; any other write error is.
fn written(r: std::io::Result<()>) -> Result<(), CallError> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CallError::Output(e.to_string())),
    }
}

/// A call in progress.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<(), CallError>> + Send + 'a>>;

/// How `dcs call` runs an operation.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Send what was given without checking it against the reviewed rules
    /// (`--no-validate`): the service still checks it.
    pub no_validate: bool,
}

impl CallOptions {
    fn request_options(&self) -> dcs_client::RequestOptions {
        dcs_client::RequestOptions::new().validate(!self.no_validate)
    }
}

/// The marker every placeholder of `dcs call --skeleton` starts with.
pub const PLACEHOLDER: &str = "REQUIRED ";

/// The skeleton's placeholders still in `input`: each one's path and text, in order.
fn placeholders(path: &str, v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if s.starts_with(PLACEHOLDER) => {
            out.push(format!("{path}: fill in the skeleton's placeholder ({s})"))
        }
        serde_json::Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                placeholders(&format!("{path}[{i}]"), x, out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                placeholders(&p, x, out);
            }
        }
        _ => {}
    }
}

fn parse<O: Operation>(input: &serde_json::Value, options: &CallOptions) -> Result<O, CallError> {
    let mut unfilled = Vec::new();
    placeholders("", input, &mut unfilled);
    if !unfilled.is_empty() {
        return Err(CallError::Invalid(format!(
            "{} field{} of the skeleton still to fill: {}",
            unfilled.len(),
            if unfilled.len() == 1 { "" } else { "s" },
            unfilled.join("; ")
        )));
    }
    if input.get("project_id").is_some() {
        return Err(CallError::Invalid(format!(
            "invalid project_id: {} takes the project from the configuration (--project-id or HUAWEICLOUD_SDK_PROJECT_ID), not from the input",
            O::META.name
        )));
    }
    let req: O =
        dcs_model::strict::from_value("", input).map_err(|e| CallError::Invalid(e.to_string()))?;
    if !options.no_validate {
        req.validate()
            .map_err(|e| CallError::Invalid(e.to_string()))?;
    }
    Ok(req)
}

/// Runs operation `O`: the answer is printed as JSON with the API's field names (absent
/// fields stay absent); an empty answer prints nothing.
pub async fn run<O>(
    client: &DcsClient,
    input: &serde_json::Value,
    sink: &mut Sink,
    options: &CallOptions,
) -> Result<(), CallError>
where
    O: Operation,
    O::Output: serde::Serialize,
{
    let req: O = parse(input, options)?;
    let out = dcs_client::CallBuilder::new(client.clone(), req)
        .with_options(options.request_options())
        .send()
        .await
        .map_err(CallError::Sdk)?;
    if O::META.response_kind == dcs_model::ResponseKind::Empty {
        return Ok(());
    }
    let mut text =
        serde_json::to_vec_pretty(out.value()).map_err(|e| CallError::Output(e.to_string()))?;
    text.push(b'\n');
    written(sink.out.write_all(&text).and_then(|_| sink.out.flush()))
}

/// Runs a streaming operation: the body's bytes go to the sink as they arrive.
pub async fn run_stream<O: Operation>(
    client: &DcsClient,
    input: &serde_json::Value,
    sink: &mut Sink,
    options: &CallOptions,
) -> Result<(), CallError> {
    let req: O = parse(input, options)?;
    let mut stream = dcs_client::CallBuilder::new(client.clone(), req)
        .with_options(options.request_options())
        .send_stream()
        .await
        .map_err(CallError::Sdk)?;
    while let Some(chunk) = stream.next_chunk().await.map_err(CallError::Sdk)? {
        if let Err(e) = sink.out.write_all(&chunk) {
            // The reader left: stop reading the stream; the call itself succeeded.
            return written(Err(e));
        }
    }
    written(sink.out.flush())
}

/// Runs a paged operation: one page, as asked (paging through all of them is `dcs call`'s
/// `--all`, to come).
pub async fn run_paged<O>(
    client: &DcsClient,
    input: &serde_json::Value,
    sink: &mut Sink,
    options: &CallOptions,
) -> Result<(), CallError>
where
    O: dcs_client::Paginated,
    O::Output: serde::Serialize,
{
    run::<O>(client, input, sink, options).await
}
