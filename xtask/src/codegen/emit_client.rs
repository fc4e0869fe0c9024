//! dcs-client's generated code: one `DcsClient` method per operation, grouped by resource
//! group under a heading, and one call type per operation (`dcs_client::calls::<Op>Call`)
//! with a setter for each query parameter and body field.

use super::emit_model::{cfg, enum_of, one, operation_doc, rules_text, setter_arg};
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
    files.insert("crates/dcs-client/src/generated/mod.rs".into(), m);
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
            call_type(&mut t, op);
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

fn call_type(t: &mut String, op: &Op) {
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
        let mut facts = vec![if s.required {
            "**Required.**".to_string()
        } else {
            "Optional.".to_string()
        }];
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
