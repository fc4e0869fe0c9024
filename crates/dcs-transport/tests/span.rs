//! The `dcs.http` span of a call: what it records when someone listens.

mod support;

use dcs_transport::{Method, Request};
use std::sync::{Arc, Mutex};
use support::{client_for, one_attempt, Reply, Server};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Keeps the fields recorded on `dcs.http` spans after they were created, by name.
#[derive(Default)]
struct Recorded {
    next_id: Mutex<u64>,
    http_spans: Mutex<Vec<u64>>,
    fields: Mutex<Vec<String>>,
}

struct Names<'a>(&'a Mutex<Vec<String>>);

impl Visit for Names<'_> {
    fn record_debug(&mut self, field: &Field, _value: &dyn std::fmt::Debug) {
        self.0.lock().unwrap().push(field.name().to_string());
    }
}

struct Capture(Arc<Recorded>);

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut next = self.0.next_id.lock().unwrap();
        *next += 1;
        if span.metadata().name() == "dcs.http" {
            self.0.http_spans.lock().unwrap().push(*next);
        }
        Id::from_u64(*next)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if self.0.http_spans.lock().unwrap().contains(&span.into_u64()) {
            values.record(&mut Names(&self.0.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn a_listened_call_records_its_status_attempts_and_elapsed_time() {
    let server = Server::start(|_| Reply::ok()).await;
    let client = client_for(&server, one_attempt()).build().unwrap();
    let recorded = Arc::new(Recorded::default());
    let _guard = tracing::subscriber::set_default(Capture(recorded.clone()));
    client
        .send(&Request::new(Method::GET, "/v2/a"))
        .await
        .unwrap();
    assert_eq!(recorded.http_spans.lock().unwrap().len(), 1);
    let mut fields = recorded.fields.lock().unwrap().clone();
    fields.sort();
    assert_eq!(fields, ["attempts", "elapsed_us", "status"]);
}
