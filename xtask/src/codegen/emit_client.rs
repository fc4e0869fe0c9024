//! dcs-client's generated code: one `DcsClient` method per operation, grouped by resource
//! group under a heading, and one call type per operation (`dcs_client::calls::<Op>Call`)
//! with a setter for each query parameter and body field.

use super::emit_model::{cfg, enum_of, one, operation_doc, presence, rules_text, setter_arg};
use super::plan::{Kind, Op, Plan, SetterTarget};
use super::text::{doc_lines, first_sentence, lit};
use super::Files;
use std::fmt::Write as _;

pub fn emit(p: &Plan, head: &str, files: &mut Files) -> Result<(), String> {
    let mut m = head.to_string();
    m.push_str("//! One `DcsClient` method per operation, and each operation's call type.\n\n");
    for g in &p.groups {
        let _ = writeln!(
            m,
            "#[cfg(feature = \"{g}\")]\nmod {g};\n#[cfg(feature = \"{g}\")]\npub use {g}::*;"
        );
    }
    m.push_str("\npub(crate) mod waits;\n");
    files.insert("crates/dcs-client/src/generated/mod.rs".into(), m);
    files.insert(
        "crates/dcs-client/src/generated/waits.rs".into(),
        waits(p, head),
    );
    for g in &p.groups {
        let ops: Vec<&Op> = p.ops.iter().filter(|x| &x.group == g).collect();
        let mut t = head.to_string();
        let _ = writeln!(
            t,
            "//! The `{g}` operations on `DcsClient`, and their call types.\n\n#![allow(unused_imports, clippy::too_many_arguments)]\n\nuse crate::{{CallBuilder, DcsClient}};\nuse dcs_model::types::*;\n"
        );
        // The heading and paragraph rustdoc shows above this group's methods.
        let (title, para, example) = match p.group_docs.get(g) {
            Some(d) => (d.title.clone(), d.doc.clone(), d.example.clone()),
            None => (
                format!("The `{g}` group"),
                format!(
                    "Operations: {}.",
                    ops.iter()
                        .map(|o| format!("`{}`", o.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None,
            ),
        };
        let mut d = format!("# {title}\n\n{para}\n\nCargo feature: `{g}`.");
        if let Some(ex) = &example {
            let _ = write!(
                d,
                "\n\n{}",
                doc_example(ex).replacen("# Example", "## Example", 1)
            );
        }
        doc_lines(&mut t, &d);
        t.push_str(&cfg(&one(g)));
        t.push_str("impl DcsClient {\n");
        for op in &ops {
            method(&mut t, p, op);
        }
        t.push_str("}\n\n");
        for op in &ops {
            call_type(&mut t, p, op);
        }
        files.insert(format!("crates/dcs-client/src/generated/{g}.rs").into(), t);
    }
    Ok(())
}

/// A `no_run` doc example around `body`, with a client in scope.
pub fn doc_example(body: &str) -> String {
    let mut out = String::from("# Example\n\n```no_run\n# async fn example(client: dcs_client::DcsClient) -> Result<(), dcs_client::Error> {\n");
    for line in body.trim_end().lines() {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("# Ok(())\n# }\n```");
    out
}

fn method(t: &mut String, p: &Plan, op: &Op) {
    let mut d = operation_doc(op, p);
    if op.response.kind == Kind::Stream {
        d.push_str("\n\nThe answer is a byte stream: finish with `send_stream()`.");
    }
    if op.pagination.is_some() {
        d.push_str("\n\nPaged: `into_paginator()` walks every page.");
    }
    if !op.setters.is_empty() {
        let _ = write!(
            d,
            "\n\nSet the parameters on the returned [`{}`], then send it.",
            op.call_type(),
        );
    }
    if let Some(ex) = &op.doc.example {
        let _ = write!(d, "\n\n{}", doc_example(ex));
    }
    doc_lines(t, &d);
    if op.method_name.contains("pass_word") {
        let _ = writeln!(
            t,
            "#[doc(alias = \"{}\")]",
            op.method_name.replace("pass_word", "password")
        );
    }
    let args: Vec<String> = op
        .path_params
        .iter()
        .map(|x| format!("{}: impl Into<String>", x.rust))
        .collect();
    let names: Vec<String> = op.path_params.iter().map(|x| x.rust.clone()).collect();
    let _ = writeln!(
        t,
        "pub fn {}(&self, {}) -> {call} {{\n{call}(CallBuilder::new(self.clone(), {}::new({})))\n}}\n",
        op.method_name,
        args.join(", "),
        op.request_type(),
        names.join(", "),
        call = op.call_type(),
    );
}

fn call_type(t: &mut String, p: &Plan, op: &Op) {
    let call = op.call_type();
    let req = op.request_type();
    let finish = if op.response.kind == Kind::Stream {
        "send_stream"
    } else {
        "send"
    };
    let d = format!(
        "{summary}\n\nThe call [`DcsClient::{m}`] returns: set its parameters, then [`{finish}`](Self::{finish}) it. Nothing is sent before that, and `{finish}` checks every rule first and sends nothing when one fails.",
        m = op.method_name,
        summary = first_sentence(&op.doc.summary),
    );
    doc_lines(t, &d);
    t.push_str(&cfg(&one(&op.group)));
    t.push_str(
        "#[derive(Debug, Clone)]\n#[must_use = \"nothing is sent until it is sent and awaited\"]\n",
    );
    let _ = writeln!(t, "pub struct {call}(CallBuilder<{req}>);\n");
    let _ = writeln!(t, "crate::call_methods!({call}, {req}, {finish});");
    if op.pagination.is_some() {
        let _ = writeln!(t, "crate::paged_call!({call}, {req});");
    }
    t.push('\n');
    if let Some(w) = p.waits.get(&op.name) {
        let poll_group = &p
            .ops
            .iter()
            .find(|o| o.name == w.poll)
            .expect("checked")
            .group;
        let mut groups: std::collections::BTreeSet<String> = one(&op.group);
        groups.insert(poll_group.clone());
        let d = format!(
            "Sends the request, then waits until the work it started is done: polls {watches} until {success}{failure}, within {budget} by default (see [`WaitOptions`](crate::WaitOptions)). The operation itself is sent once.\n\nReturns the answer and one completion per resource waited for; a failure state, the budget's end or a resource that disappears is an [`Error`](crate::Error) saying so.",
            watches = w.watches,
            success = w.success.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" or "),
            failure = if w.failure.is_empty() {
                String::new()
            } else {
                format!(" (failing at once on {})", w.failure.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "))
            },
            budget = human(w.budget_secs),
        );
        t.push_str(&cfg(&groups));
        let _ = writeln!(t, "impl {call} {{");
        doc_lines(t, &d);
        let _ = writeln!(
            t,
            "pub async fn send_and_wait(self) -> Result<crate::Waited<<{req} as crate::Operation>::Output>, crate::Error> {{\nself.send_and_wait_with(crate::WaitOptions::new()).await\n}}\n/// [`send_and_wait`](Self::send_and_wait) with the wait's budget, interval or observer set.\npub async fn send_and_wait_with(self, options: crate::WaitOptions) -> Result<crate::Waited<<{req} as crate::Operation>::Output>, crate::Error> {{\ncrate::waiter::send_and_wait(self.0, &crate::generated::waits::{upper}, options).await\n}}\n}}\n",
            upper = op.upper(),
        );
    }
    if op.setters.is_empty() && op.body.is_none() {
        return;
    }
    let _ = writeln!(t, "impl {call} {{");
    if let Some(b) = &op.body {
        let _ = writeln!(
            t,
            "/// Sets the whole body at once ([`{m}`](dcs_model::types::{m})), replacing what the field setters set.\npub fn body(mut self, body: {m}) -> Self {{ self.0.request_mut().body = Some(body); self }}",
            m = b.model
        );
    }
    for s in &op.setters {
        let (arg, conv) = setter_arg(&s.ty);
        let (what, link, assign) = match &s.target {
            SetterTarget::Query(rust) => (
                format!("the query parameter `{}`", s.name.trim_start_matches("r#")),
                field_link(&req, rust),
                format!("self.0.request_mut().{rust} = Some({conv});"),
            ),
            SetterTarget::BodyField(rust, json) => {
                let model = &op
                    .body
                    .as_ref()
                    .expect("a body field setter has a body")
                    .model;
                (
                    format!("`body.{json}`"),
                    field_link(model, rust),
                    format!(
                        "self.0.request_mut().body.get_or_insert_with(Default::default).{rust} = Some({conv});"
                    ),
                )
            }
        };
        let mut d = format!("Sets {what}: {}", lower_first(first_sentence(&s.doc)));
        let mut facts = vec![presence(s.required).to_string()];
        let rules = rules_text(&s.rules);
        if !rules.is_empty() {
            facts.push(format!("Checked before sending: {rules}."));
        }
        if let Some(e) = enum_of(&s.ty) {
            facts.push(format!("Values: [`{e}`](dcs_model::types::{e})."));
        }
        facts.push(format!("Field: {link}."));
        let _ = write!(d, "\n\n{}", facts.join(" "));
        doc_lines(t, &d);
        let _ = writeln!(
            t,
            "pub fn {}(mut self, v: {arg}) -> Self {{ {assign} self }}",
            s.name
        );
    }
    t.push_str("}\n\n");
    let _ = lit;
}

/// `The name` -> `the name`; `ID of` and `DCS` stay as they are.
fn lower_first(s: &str) -> String {
    let mut cs = s.chars();
    match (cs.next(), cs.next()) {
        (Some(a), Some(b)) if a.is_ascii_uppercase() && b.is_lowercase() => {
            let mut out = a.to_ascii_lowercase().to_string();
            out.push_str(&s[1..]);
            out
        }
        _ => s.to_string(),
    }
}

/// A link to a field's docs; plain text for a field named by a raw identifier (`r#type`),
/// which rustdoc cannot link.
fn field_link(ty: &str, rust: &str) -> String {
    match rust.strip_prefix("r#") {
        Some(name) => format!("`{ty}::{name}`"),
        None => format!("[`{ty}::{rust}`](dcs_model::types::{ty}::{rust})"),
    }
}

/// `3600` -> `60 minutes`.
fn human(secs: u64) -> String {
    if secs.is_multiple_of(3600) && secs >= 3600 {
        let h = secs / 3600;
        format!("{h} hour{}", if h == 1 { "" } else { "s" })
    } else if secs.is_multiple_of(60) && secs >= 60 {
        format!("{} minutes", secs / 60)
    } else {
        format!("{secs} seconds")
    }
}

/// The completion table and the poll dispatch (`crates/dcs-client/src/generated/waits.rs`).
fn waits(p: &Plan, head: &str) -> String {
    let mut t = head.to_string();
    t.push_str("//! How each asynchronous operation completes (`codegen/async.toml`), and the polls its waiter\n//! sends.\n\n#![allow(unused_imports, dead_code)]\n\nuse crate::waiter::{Signal, WaitSpec};\nuse std::time::Duration;\n\n");
    for (name, w) in &p.waits {
        let op = p.ops.iter().find(|o| &o.name == name).expect("checked");
        let poll = p.ops.iter().find(|o| o.name == w.poll).expect("checked");
        let signal = match w.signal.as_str() {
            "instance_status" => "InstanceStatus",
            "job" => "Job",
            "background_task" => "BackgroundTask",
            "center_task" => "CenterTask",
            _ => "ResourceStatus",
        };
        let list = |v: &[String]| v.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", ");
        let opt = |v: &Option<String>| match v {
            Some(x) => format!("Some({})", lit(x)),
            None => "None".into(),
        };
        let _ = writeln!(
            t,
            "/// `{name}`: {watches}.\n#[cfg(feature = {g})]\npub(crate) static {upper}: WaitSpec = WaitSpec {{ operation: {n}, signal: Signal::{signal}, success: &[{s}], failure: &[{f}], pending: &[{pe}], budget: Duration::from_secs({b}), interval: Duration::from_secs({i}), confirmations: {c}, instance: {inst}, id: {id}, poll: {poll}, poll_params: &[{pp}], status: {st} }};\n",
            watches = super::emit_model::plain(&w.watches),
            g = lit(&op.group),
            upper = op.upper(),
            n = lit(name),
            s = list(&w.success),
            f = list(&w.failure),
            pe = list(&w.pending),
            b = w.budget_secs,
            i = w.interval_secs,
            c = w.confirmations,
            inst = opt(&w.instance),
            id = opt(&w.id),
            poll = lit(&w.poll),
            pp = poll.path_params.iter().map(|x| lit(&x.name)).collect::<Vec<_>>().join(", "),
            st = lit(&w.status),
        );
    }
    t.push_str("/// The completion of `operation`, if it is asynchronous (and its group is compiled in).\npub(crate) fn find(operation: &str) -> Option<&'static WaitSpec> {\nmatch operation {\n");
    for name in p.waits.keys() {
        let op = p.ops.iter().find(|o| &o.name == name).expect("checked");
        let _ = writeln!(
            t,
            "#[cfg(feature = {})]\n{} => Some(&{}),",
            lit(&op.group),
            lit(name),
            op.upper()
        );
    }
    t.push_str("_ => None,\n}\n}\n\n");
    let mut polls: Vec<&str> = p.waits.values().map(|w| w.poll.as_str()).collect();
    polls.sort();
    polls.dedup();
    t.push_str("/// Sends the poll `operation` with `input` (its path parameters) and gives its answer as JSON,\n/// read from the raw body so fields the model lacks are kept. `None` when the poll's group is\n/// not compiled in. Boxed: a poll goes through the client's send path, which may itself wait\n/// (busy retries), so the future's type would otherwise contain itself.\npub(crate) fn poll<'a>(client: &'a crate::DcsClient, operation: &str, input: serde_json::Value) -> Option<crate::waiter::PollFuture<'a>> {\nmatch operation {\n");
    for name in polls {
        let op = p.ops.iter().find(|o| o.name == name).expect("checked");
        let _ = writeln!(
            t,
            "#[cfg(feature = {g})]\n{n} => Some(Box::pin(crate::waiter::poll_typed::<dcs_model::types::{r}>(client, input))),",
            g = lit(&op.group),
            n = lit(name),
            r = op.request_type(),
        );
    }
    t.push_str("_ => {\nlet _ = (client, input);\nNone\n}\n}\n}\n");
    t
}
