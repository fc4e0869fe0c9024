//! `--debug`: the wire log on stderr. The SDK records each request and answer with `tracing`
//! (method, path, each attempt's status and request id, the whole call's attempts and time);
//! this subscriber prints them as lines a person can read, with the endpoint's URL in front of
//! the path. It prints only what the SDK records, and the SDK never records a secret (keys,
//! tokens, signatures and bodies are not in its spans), so nothing here can leak one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The endpoint requests go to, shared with the subscriber (set once the client is built).
pub type Endpoint = Arc<Mutex<String>>;

/// A span's fields, as text, and when it began.
struct Fields {
    values: BTreeMap<&'static str, String>,
    began: Instant,
}

struct Collect<'a>(&'a mut BTreeMap<&'static str, String>);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_string());
    }
}

struct Wire {
    endpoint: Endpoint,
}

fn line(text: &str) {
    errln!("debug: {}", dcs_client::sanitize(text));
}

impl<S> Layer<S> for Wire
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut values = BTreeMap::new();
        attrs.record(&mut Collect(&mut values));
        if attrs.metadata().name() == "dcs.http" {
            let operation = ctx
                .span(id)
                .and_then(|s| s.parent())
                .and_then(|p| {
                    p.extensions()
                        .get::<Fields>()
                        .and_then(|f| f.values.get("operation").cloned())
                })
                .map(|o| format!(" ({o})"))
                .unwrap_or_default();
            let base = self
                .endpoint
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            line(&format!(
                "{} {base}{}{operation}",
                values.get("method").map(String::as_str).unwrap_or("?"),
                values.get("path").map(String::as_str).unwrap_or("")
            ));
        }
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Fields {
                values,
                began: Instant::now(),
            });
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(f) = span.extensions_mut().get_mut::<Fields>() {
                values.record(&mut Collect(&mut f.values));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut v = BTreeMap::new();
        event.record(&mut Collect(&mut v));
        let message = v.remove("message").unwrap_or_default();
        if message == "now using this endpoint" {
            if let Some(e) = v.get("endpoint") {
                *self.endpoint.lock().unwrap_or_else(|p| p.into_inner()) = e.clone();
            }
        }
        let mut s = String::new();
        match message.as_str() {
            "answer" => {
                let _ = write!(
                    s,
                    "  attempt {}: HTTP {}",
                    v.get("attempt").map(String::as_str).unwrap_or("?"),
                    v.get("status").map(String::as_str).unwrap_or("?")
                );
                if let Some(r) = v.get("request_id").filter(|r| !r.is_empty()) {
                    let _ = write!(s, ", request id {r}");
                }
            }
            "attempt failed" => {
                let _ = write!(
                    s,
                    "  attempt {} failed: {}",
                    v.get("attempt").map(String::as_str).unwrap_or("?"),
                    v.get("error").map(String::as_str).unwrap_or("?")
                );
            }
            _ => {
                let level = *event.metadata().level();
                let _ = write!(
                    s,
                    "{}{}: {message}",
                    if level <= Level::WARN {
                        "warning: "
                    } else {
                        ""
                    },
                    event.metadata().target()
                );
                for (k, x) in &v {
                    let _ = write!(s, " {k}={x}");
                }
            }
        }
        line(&s);
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        if span.metadata().name() != "dcs.http" {
            return;
        }
        let ext = span.extensions();
        let Some(f) = ext.get::<Fields>() else { return };
        let ms = match f
            .values
            .get("elapsed_us")
            .and_then(|u| u.parse::<f64>().ok())
        {
            Some(us) => us / 1000.0,
            None => f.began.elapsed().as_secs_f64() * 1000.0,
        };
        let mut s = format!(
            "  {} {}",
            f.values.get("method").map(String::as_str).unwrap_or("?"),
            f.values.get("path").map(String::as_str).unwrap_or("")
        );
        match f.values.get("status") {
            Some(st) => {
                let _ = write!(s, " -> HTTP {st}");
            }
            None => s.push_str(" -> no answer"),
        }
        if let Some(r) = f.values.get("request_id") {
            let _ = write!(s, ", request id {r}");
        }
        if let Some(a) = f.values.get("attempts") {
            let _ = write!(s, ", {a} attempt{}", if a == "1" { "" } else { "s" });
        }
        let _ = write!(s, ", {ms:.1} ms");
        line(&s);
    }
}

/// Installs the wire log: the SDK's crates at debug level, anything else at warning level.
pub fn install() -> Endpoint {
    let endpoint: Endpoint = Arc::new(Mutex::new(String::new()));
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("dcs_transport", Level::DEBUG)
        .with_target("dcs_client", Level::DEBUG)
        .with_target("dcs_config", Level::DEBUG)
        .with_default(Level::WARN);
    let subscriber = tracing_subscriber::registry().with(
        Wire {
            endpoint: endpoint.clone(),
        }
        .with_filter(filter),
    );
    let _ = tracing::subscriber::set_global_default(subscriber);
    endpoint
}
