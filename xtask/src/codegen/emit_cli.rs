//! dcs-cli's generated table: `dcs call` dispatch by operation name, each operation's input
//! template (required fields only, each a placeholder saying what to put there), and the
//! per-operation help (every parameter and body field with its type, whether it is
//! required, its rules and its doc).

use super::emit_model::{enum_of, plain, rules_text};
use super::plan::{Kind, Op, Plan};
use super::text::{first_sentence, lit};
use super::ty::Ty;
use super::Files;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

pub fn emit(p: &Plan, head: &str, files: &mut Files) {
    let mut t = head.to_string();
    t.push_str("//! `dcs call`: every operation by name, its input template and its help.\n\n#![allow(clippy::all)]\n\nuse dcs_client::DcsClient;\n\n");
    t.push_str("/// Runs the operation `name` with `input` (the API's parameter names and `body`); `None` for an unknown name.\npub fn call<'a>(client: &'a DcsClient, name: &str, input: &'a serde_json::Value, sink: &'a mut crate::call::Sink, options: &'a crate::call::CallOptions) -> Option<crate::call::CallFuture<'a>> {\nOption::Some(match name {\n");
    for op in &p.ops {
        let f = if op.response.kind == Kind::Stream {
            "run_stream"
        } else if op.pagination.is_some() {
            "run_paged"
        } else {
            "run"
        };
        let _ = writeln!(
            t,
            "{} => Box::pin(crate::call::{f}::<dcs_client::types::{}>(client, input, sink, options)),",
            lit(&op.name),
            op.request_type()
        );
    }
    t.push_str("_ => return None,\n})\n}\n\n");

    t.push_str("/// The input template of `name`: its required parameters and body fields, each a placeholder\n/// saying what to put there (`None` for an unknown name).\npub fn skeleton(name: &str) -> Option<serde_json::Value> {\nlet text = match name {\n");
    for op in &p.ops {
        let _ = writeln!(
            t,
            "{} => {},",
            lit(&op.name),
            lit(&skeleton(p, op).to_string())
        );
    }
    t.push_str("_ => return None,\n};\nserde_json::from_str(text).ok()\n}\n\n");

    t.push_str("/// One parameter or body field in an operation's help.\n#[derive(Debug)]\npub struct FieldHelp {\n/// The input key: a parameter name, or a body path such as `body.bss_param.charging_mode`.\npub key: &'static str,\n/// `path`, `query` or `body`.\npub location: &'static str,\n/// The type, in words.\npub ty: &'static str,\n/// Whether it must be set (for a nested body field: when its parent is set).\npub required: bool,\n/// The rules checked before sending, in words (empty when none).\npub rules: &'static str,\n/// The known values (empty when not a value set).\npub values: &'static [&'static str],\n/// What it is.\npub doc: &'static str,\n}\n\n");
    t.push_str("/// An operation's help.\n#[derive(Debug)]\npub struct OpHelp {\n/// The operation name.\npub name: &'static str,\n/// What it does.\npub summary: &'static str,\n/// Whether `--all` pages through it.\npub paged: bool,\n/// Whether its answer is a byte stream.\npub stream: bool,\n/// Its parameters, then its body fields.\npub fields: &'static [FieldHelp],\n}\n\n");
    t.push_str("/// Every operation's help, sorted by name.\npub static HELP: &[OpHelp] = &[\n");
    for op in &p.ops {
        let mut rows = Vec::new();
        for x in &op.path_params {
            rows.push(row(p, &x.name, "path", &x.ty, true, &x.rules, &x.doc));
        }
        for q in &op.query {
            rows.push(row(
                p, &q.name, "query", &q.ty, q.required, &q.rules, &q.doc,
            ));
        }
        if let Some(b) = &op.body {
            body_rows(p, &b.model, "body", &mut rows, 0);
        }
        let _ = writeln!(
            t,
            "OpHelp {{ name: {}, summary: {}, paged: {}, stream: {}, fields: &[\n{}] }},",
            lit(&op.name),
            lit(&plain(&op.doc.summary)),
            op.pagination.is_some(),
            op.response.kind == Kind::Stream,
            rows.join("")
        );
    }
    t.push_str("];\n\n/// The help of `name`.\npub fn help(name: &str) -> Option<&'static OpHelp> {\nHELP.binary_search_by(|h| h.name.cmp(name)).ok().map(|i| &HELP[i])\n}\n");
    files.insert("crates/dcs-cli/src/generated.rs".into(), t);
}

fn row(
    p: &Plan,
    key: &str,
    location: &str,
    ty: &Ty,
    required: bool,
    rules: &[super::plan::Check],
    doc: &str,
) -> String {
    let values: Vec<String> = enum_of(ty)
        .map(|e| p.enums[e].values.iter().map(|v| lit(&v.value)).collect())
        .unwrap_or_default();
    format!(
        "FieldHelp {{ key: {}, location: {}, ty: {}, required: {required}, rules: {}, values: &[{}], doc: {} }},\n",
        lit(key),
        lit(location),
        lit(&ty.describe()),
        lit(&rules_text(rules)),
        values.join(", "),
        lit(first_sentence(&plain(doc)))
    )
}

fn body_rows(p: &Plan, model: &str, prefix: &str, rows: &mut Vec<String>, depth: usize) {
    if depth > 4 {
        return;
    }
    for f in &p.models[model].fields {
        let key = format!("{prefix}.{}", f.json);
        rows.push(row(p, &key, "body", &f.ty, f.required, &f.rules, &f.doc));
        let nested = match &f.ty {
            Ty::Model(m) => Some((m.clone(), key.clone())),
            Ty::List(t) => match &**t {
                Ty::Model(m) => Some((m.clone(), format!("{key}[]"))),
                _ => None,
            },
            _ => None,
        };
        if let Some((m, k)) = nested {
            body_rows(p, &m, &k, rows, depth + 1);
        }
    }
}

/// A placeholder saying what to put in a required field.
fn placeholder(p: &Plan, ty: &Ty, rules: &[super::plan::Check], depth: usize) -> Value {
    match ty {
        Ty::Model(m) => skeleton_model(p, m, depth + 1),
        Ty::List(t) => json!([placeholder(p, t, rules, depth + 1)]),
        _ => {
            let mut s = format!("REQUIRED {}", ty.describe());
            let shown: Vec<super::plan::Check> = rules
                .iter()
                .filter(|r| !matches!(r, super::plan::Check::Known(_)))
                .cloned()
                .collect();
            let r = rules_text(&shown);
            if !r.is_empty() {
                let _ = write!(s, ": {r}");
            }
            if let Some(e) = enum_of(ty) {
                let vals: Vec<&str> = p.enums[e].values.iter().map(|v| v.value.as_str()).collect();
                let _ = write!(s, ": one of {}", vals.join(", "));
            }
            json!(s)
        }
    }
}

fn skeleton_model(p: &Plan, model: &str, depth: usize) -> Value {
    let mut obj = Map::new();
    if depth > 6 {
        return Value::Object(obj);
    }
    for f in &p.models[model].fields {
        if f.required {
            obj.insert(f.json.clone(), placeholder(p, &f.ty, &f.rules, depth));
        }
    }
    Value::Object(obj)
}

fn skeleton(p: &Plan, op: &Op) -> Value {
    let mut obj = Map::new();
    for x in &op.path_params {
        obj.insert(x.name.clone(), placeholder(p, &x.ty, &x.rules, 0));
    }
    for q in &op.query {
        if q.required {
            obj.insert(q.name.clone(), placeholder(p, &q.ty, &q.rules, 0));
        }
    }
    if let Some(b) = &op.body {
        let body = skeleton_model(p, &b.model, 0);
        if b.required || body.as_object().is_some_and(|o| !o.is_empty()) {
            obj.insert("body".into(), body);
        }
    }
    Value::Object(obj)
}
