//! One operation from start to end, the same way for `dcs call` and every porcelain command:
//! send it (the generated dispatch by name), optionally wait for the work it started, and
//! show the answer or the final state with the chosen format and query; every failure
//! reported with its exit code.

use crate::call::{CallError, CallOptions, Sink};
use crate::output::{self, Column, Format};
use crate::report::{self, Failure};
use crate::{generated, wait};
use dcs_client::DcsClient;
use serde_json::Value;
use std::io::Write;
use std::process::ExitCode;

/// What every command runs with.
pub struct Ctx {
    /// The client.
    pub client: DcsClient,
    /// For messages: the endpoint and the flags.
    pub report: report::Context,
    /// `--output`, resolved.
    pub format: Format,
    /// `--query`.
    pub query: Option<String>,
}

impl Ctx {
    /// The SDK error as a failure to report.
    pub fn sdk(&self, e: &dcs_client::Error) -> Failure {
        report::sdk(e, &self.report)
    }
}

/// Shows `doc`: `--query` first, then the format (the command's `columns` for a list of
/// records when no query reshaped it). A query that does not parse is exit 2.
pub fn show(ctx: &Ctx, doc: &Value, columns: Option<&[Column]>) -> ExitCode {
    let mut out: Box<dyn Write + Send> = Box::new(std::io::stdout());
    match show_to(ctx, doc, columns, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.emit(),
    }
}

fn show_to(
    ctx: &Ctx,
    doc: &Value,
    columns: Option<&[Column]>,
    out: &mut Box<dyn Write + Send>,
) -> Result<(), Failure> {
    let text = match &ctx.query {
        Some(q) => {
            let v = output::query(doc, q).map_err(Failure::invalid)?;
            output::render(ctx.format, &v, None)
        }
        None => output::render(ctx.format, doc, columns),
    };
    crate::call::written(out.write_all(text.as_bytes()).and_then(|_| out.flush()))
        .map_err(|e| Failure::new(3, "output", e.to_string()))
}

/// What to do after sending.
#[derive(Debug, Clone, Copy, Default)]
pub struct After {
    /// `--wait`, with its settings.
    pub wait: Option<wait::Settings>,
}

/// A call error as a failure to report.
pub fn call_failure(ctx: &Ctx, e: CallError) -> Failure {
    match e {
        CallError::Sdk(e) => ctx.sdk(&e),
        other => {
            let kind = match other {
                CallError::Output(_) => "output",
                _ => "invalid_input",
            };
            Failure::new(other.exit_code(), kind, other.to_string())
        }
    }
}

/// Sends `op` with `input` (the API's parameter names and `body`) and shows what came back,
/// or, with `--wait`, the final state of the work it started.
pub async fn exec(
    ctx: &Ctx,
    op: &'static str,
    input: &Value,
    options: &CallOptions,
    after: After,
    columns: Option<&[Column]>,
    out: Box<dyn Write + Send>,
) -> ExitCode {
    let mut sink = Sink::new(out);
    let Some(fut) = generated::call(&ctx.client, op, input, &mut sink, options) else {
        return Failure::invalid(format!("no operation named {op}")).emit();
    };
    if let Err(e) = fut.await {
        return call_failure(ctx, e).emit();
    }
    let Some(answer) = sink.answer.take() else {
        // Written as it came (a byte stream, or every page as JSON).
        return ExitCode::SUCCESS;
    };
    if let Some(settings) = after.wait {
        match ctx.client.waiter_for(op, &answer.request, &answer.raw) {
            None => {
                errln!("{op} finishes when it answers: there is nothing to wait for");
            }
            Some(w) => {
                let status = w.spec().status;
                return match wait::run(w, settings).await {
                    Ok(done) => {
                        wait::say_done(&done);
                        match show_to(ctx, &wait::final_states(status, &done), None, &mut sink.out)
                        {
                            Ok(()) => ExitCode::SUCCESS,
                            Err(f) => f.emit(),
                        }
                    }
                    Err(ended) => {
                        if !answer.empty && ctx.format == Format::Json && ctx.query.is_none() {
                            // The answer (the new instance's id, say) is still worth having.
                            let _ = show_to(ctx, &answer.value, None, &mut sink.out);
                        }
                        ended.failure(&ctx.report).emit()
                    }
                };
            }
        }
    }
    if answer.empty && ctx.query.is_none() {
        return ExitCode::SUCCESS;
    }
    match show_to(ctx, &answer.value, columns, &mut sink.out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.emit(),
    }
}
