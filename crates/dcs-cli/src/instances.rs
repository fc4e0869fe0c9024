//! `dcs instances`: list and show.

use crate::output::{self, Format};
use crate::tasks::fail_sdk;
use dcs_client::DcsClient;
use std::process::ExitCode;

/// Columns of the instance table.
pub const COLUMNS: &[&str] = &[
    "instance_id",
    "name",
    "status",
    "engine",
    "engine_version",
    "capacity",
    "ip",
    "port",
];

/// `dcs instances list`.
pub async fn list(
    client: &DcsClient,
    name: Option<String>,
    status: Option<String>,
    format: Format,
    query: Option<&str>,
) -> ExitCode {
    let mut call = client.list_instances().limit(1000);
    if let Some(n) = name {
        call = call.name(n);
    }
    if let Some(s) = status {
        call = call.status(s);
    }
    let all = match call.into_paginator().items().try_collect().await {
        Ok(v) => v,
        Err(e) => return fail_sdk(&e),
    };
    let records: Vec<serde_json::Value> = all
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or_default())
        .collect();
    let doc = serde_json::Value::Array(records.clone());
    match query {
        Some(q) => match output::query(&doc, q) {
            Ok(v) => output::print(&output::render(Format::Json, &v, &[], &[])),
            Err(e) => {
                errln!("dcs: {e}");
                return ExitCode::from(2);
            }
        },
        None => output::print(&output::render(format, &doc, &records, COLUMNS)),
    }
    ExitCode::SUCCESS
}

/// `dcs instances show`.
pub async fn show(client: &DcsClient, id: &str, format: Format, query: Option<&str>) -> ExitCode {
    let out = match client.show_instance(id).send().await {
        Ok(o) => o,
        Err(e) => return fail_sdk(&e),
    };
    let doc = serde_json::to_value(out.value()).unwrap_or_default();
    match query {
        Some(q) => match output::query(&doc, q) {
            Ok(v) => output::print(&output::render(Format::Json, &v, &[], &[])),
            Err(e) => {
                errln!("dcs: {e}");
                return ExitCode::from(2);
            }
        },
        None => output::print(&output::render_record(format, &doc)),
    }
    ExitCode::SUCCESS
}
