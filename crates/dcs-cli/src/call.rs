//! `dcs call`: one operation from JSON input, through its generated typed request.
//!
//! The generated dispatch (`generated::call`) picks the request type by name and runs one of
//! the functions here. An answer is left in the [`Sink`] as JSON for the command to query,
//! format or wait on; a byte stream, and `--all` pages printed as JSON, go to the sink's writer
//! as they come, so memory stays flat whatever their size.

use dcs_client::{DcsClient, Error, ErrorKind, Operation};
use serde_json::Value;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::time::Duration;

/// An answer, as JSON, with the request that got it (a waiter reads both).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The decoded answer with the API's field names (`null` for an empty answer).
    pub value: Value,
    /// The request as sent (its path and query parameters, and `body`).
    pub request: Value,
    /// The answer as the waiter reads it: the raw body's JSON (fields the model lacks kept),
    /// or its text.
    pub raw: Value,
    /// Whether the operation answers nothing.
    pub empty: bool,
}

/// Where answers go.
pub struct Sink {
    /// Where a byte stream or streamed pages are written: stdout, or `--output-file`.
    pub out: Box<dyn Write + Send>,
    /// The answer, when it was not written already.
    pub answer: Option<Answer>,
}

impl Sink {
    /// A sink writing to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self { out, answer: None }
    }
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
    /// More items than `--all` keeps in memory (exit 2).
    TooMany(usize),
}

impl CallError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CallError::Invalid(_) | CallError::TooMany(_) => 2,
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
            CallError::TooMany(n) => write!(
                f,
                "--all: more than {n} items to hold for --query or a table; with --output json and no --query they are streamed, however many"
            ),
        }
    }
}

/// A write of the answer: a reader that left (`| head -c 100`, a closed pipe) is not a
/// failure, the call succeeded and nobody wants the rest; any other write error is.
pub fn written(r: std::io::Result<()>) -> Result<(), CallError> {
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
    /// `--timeout`: the most one request may take, retries included.
    pub timeout: Option<Duration>,
    /// `--max-attempts`.
    pub max_attempts: Option<u32>,
    /// `--all`: every page of a paged operation.
    pub all: bool,
    /// With `--all`: write the pages as JSON as they come instead of keeping them (no
    /// `--query`, JSON output).
    pub stream_pages: bool,
    /// With `--wait`: an "instance busy" refusal waits for the instance and sends again,
    /// within this budget.
    pub busy_retry: Option<Duration>,
    /// With `--wait-interval`: the longest pause between two looks at a busy instance.
    pub busy_retry_interval: Option<Duration>,
}

impl CallOptions {
    /// The SDK's per-call options.
    pub fn request_options(&self) -> dcs_client::RequestOptions {
        let mut o = dcs_client::RequestOptions::new().validate(!self.no_validate);
        if let Some(t) = self.timeout {
            o = o.total_timeout(t);
        }
        if let Some(n) = self.max_attempts {
            o = o.max_attempts(n);
        }
        if let Some(b) = self.busy_retry {
            o = o.busy_retry(b);
        }
        if let Some(i) = self.busy_retry_interval {
            o = o.busy_retry_interval(i);
        }
        o
    }
}

/// The most items `--all` holds for a `--query` or a non-JSON output (about 100 MB of tasks).
pub const MAX_ALL_ITEMS: usize = 100_000;

/// The marker every placeholder of `dcs call --skeleton` starts with.
pub const PLACEHOLDER: &str = "REQUIRED ";

/// The skeleton's placeholders still in `input`: each one's path and text, in order.
pub fn placeholders_in(path: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.starts_with(PLACEHOLDER) => {
            out.push(format!("{path}: fill in the skeleton's placeholder ({s})"))
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                placeholders_in(&format!("{path}[{i}]"), x, out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                placeholders_in(&p, x, out);
            }
        }
        _ => {}
    }
}

fn parse<O: Operation>(input: &Value, options: &CallOptions) -> Result<O, CallError> {
    let mut unfilled = Vec::new();
    placeholders_in("", input, &mut unfilled);
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

/// The raw body as the waiter reads it: JSON, or a whole-body string.
fn raw_json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// Runs operation `O` and leaves its answer in the sink: JSON with the API's field names
/// (absent fields stay absent).
pub async fn run<O>(
    client: &DcsClient,
    input: &Value,
    sink: &mut Sink,
    options: &CallOptions,
) -> Result<(), CallError>
where
    O: Operation,
    O::Output: serde::Serialize,
{
    let req: O = parse(input, options)?;
    let request = serde_json::to_value(&req).unwrap_or(Value::Null);
    let out = dcs_client::CallBuilder::new(client.clone(), req)
        .with_options(options.request_options())
        .send()
        .await
        .map_err(CallError::Sdk)?;
    let empty = O::META.response_kind == dcs_model::ResponseKind::Empty;
    let value = if empty {
        Value::Null
    } else {
        serde_json::to_value(out.value()).map_err(|e| CallError::Output(e.to_string()))?
    };
    sink.answer = Some(Answer {
        value,
        request,
        raw: raw_json(out.raw_body()),
        empty,
    });
    Ok(())
}

/// Runs a streaming operation: the body's bytes go to the sink's writer as they arrive.
pub async fn run_stream<O: Operation>(
    client: &DcsClient,
    input: &Value,
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

/// The field of a page that holds its items: the array equal to them.
fn items_key(page: &Value, items: &Value) -> Option<String> {
    let m = page.as_object()?;
    m.iter()
        .find(|(_, v)| *v == items)
        .or_else(|| m.iter().find(|(_, v)| v.is_array()))
        .map(|(k, _)| k.clone())
}

/// Pretty JSON of `v`, each line indented by `by` spaces (the first too).
fn indented(v: &Value, by: usize) -> String {
    let pad = " ".repeat(by);
    serde_json::to_string_pretty(v)
        .unwrap_or_default()
        .lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs a paged operation: one page, as asked; with `--all`, every page from the input's
/// offset, either written as one JSON document as the pages come (the first page's other
/// fields, then its list with every page's items) or kept, up to [`MAX_ALL_ITEMS`], for a
/// query or another format.
pub async fn run_paged<O>(
    client: &DcsClient,
    input: &Value,
    sink: &mut Sink,
    options: &CallOptions,
) -> Result<(), CallError>
where
    O: dcs_client::Paginated,
    O::Output: serde::Serialize,
    O::Item: serde::Serialize,
{
    if !options.all {
        return run::<O>(client, input, sink, options).await;
    }
    let req: O = parse(input, options)?;
    let request = serde_json::to_value(&req).unwrap_or(Value::Null);
    let mut pages = dcs_client::CallBuilder::new(client.clone(), req)
        .with_options(options.request_options())
        .into_paginator();
    let Some(first) = pages.next().await else {
        return Ok(());
    };
    let first = first.map_err(CallError::Sdk)?;
    let first_items: Value = serde_json::to_value(O::items(first.value())).unwrap_or_default();
    let mut doc = serde_json::to_value(first.value()).unwrap_or_default();
    let key = items_key(&doc, &first_items).unwrap_or_else(|| "items".into());
    let items = |page: &O::Output| -> Vec<Value> {
        O::items(page)
            .iter()
            .map(|i| serde_json::to_value(i).unwrap_or_default())
            .collect()
    };
    if options.stream_pages {
        // `{`, the first page's other fields, then the list, item by item.
        let fields: Vec<(String, Value)> = doc
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let mut head = String::from("{\n");
        let mut tail = String::new();
        let mut before = true;
        for (k, v) in &fields {
            if *k == key {
                before = false;
                continue;
            }
            let line = format!(
                "  {}: {}",
                serde_json::to_string(k).unwrap_or_default(),
                indented(v, 2).trim_start()
            );
            if before {
                head.push_str(&line);
                head.push_str(",\n");
            } else {
                tail.push_str(",\n");
                tail.push_str(&line);
            }
        }
        head.push_str(&format!(
            "  {}: [",
            serde_json::to_string(&key).unwrap_or_default()
        ));
        let out = &mut sink.out;
        let mut first_item = true;
        let mut write_items = |out: &mut Box<dyn Write + Send>, its: Vec<Value>| {
            let mut s = String::new();
            for it in its {
                s.push_str(if first_item { "\n" } else { ",\n" });
                first_item = false;
                s.push_str(&indented(&it, 4));
            }
            out.write_all(s.as_bytes())
        };
        let mut r = out
            .write_all(head.as_bytes())
            .and_then(|_| write_items(out, items(first.value())));
        while r.is_ok() {
            match pages.next().await {
                None => break,
                Some(Ok(page)) => r = write_items(out, items(page.value())),
                Some(Err(e)) => {
                    // What was written stays; the document is left open, as a sign.
                    let _ = out.write_all(b"\n");
                    let _ = out.flush();
                    return Err(CallError::Sdk(e));
                }
            }
        }
        let close = format!("{}]{tail}\n}}\n", if first_item { "" } else { "\n  " });
        return written(
            r.and_then(|_| out.write_all(close.as_bytes()))
                .and_then(|_| out.flush()),
        );
    }
    let mut all = items(first.value());
    while let Some(page) = pages.next().await {
        let page = page.map_err(CallError::Sdk)?;
        all.extend(items(page.value()));
        if all.len() > MAX_ALL_ITEMS {
            return Err(CallError::TooMany(MAX_ALL_ITEMS));
        }
    }
    if let Some(m) = doc.as_object_mut() {
        m.insert(key, Value::Array(all));
    }
    sink.answer = Some(Answer {
        raw: doc.clone(),
        value: doc,
        request,
        empty: false,
    });
    Ok(())
}
