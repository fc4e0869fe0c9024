//! The generated tests and tables: every operation through its `DcsClient` method and its
//! generated setters against a recording server (what arrives must be what the generator
//! computed from the spec and the rules), hostile path ids refused before sending, a canary in
//! every sensitive field; the interop table for the official SDK; the emulator's dispatch,
//! example answers and all-operations test.

use super::examples::{self, Input};
use super::plan::{Kind, Op, Plan, SetterTarget};
use super::text::lit;
use super::ty::Ty;
use super::Files;
use serde_json::Value;
use std::fmt::Write as _;

pub fn emit(p: &Plan, head: &str, files: &mut Files) -> Result<(), String> {
    files.insert(
        "crates/dcs-client/tests/generated_ops.rs".into(),
        client_tests(p, head)?,
    );
    files.insert("tests/interop/operations.rs".into(), interop(p, head));
    let (dispatch, answers, all_ops) = emulator(p, head);
    files.insert(
        "crates/dcs-emulator/src/generated/dispatch.rs".into(),
        dispatch,
    );
    files.insert(
        "crates/dcs-emulator/src/generated/answers.json".into(),
        answers,
    );
    files.insert(
        "crates/dcs-emulator/tests/all_operations.rs".into(),
        all_ops,
    );
    Ok(())
}

/// A Rust expression of a setter's argument type holding the example `v`.
fn rust_value(ty: &Ty, v: &Value) -> String {
    match (ty, v) {
        (Ty::Str | Ty::Enum(_), Value::String(s)) => lit(s),
        (Ty::Int, Value::Number(n)) => format!("{n}_i64"),
        (Ty::Float, Value::Number(n)) => {
            let f = n.as_f64().unwrap_or(0.0);
            format!("{f:?}_f64")
        }
        (Ty::Bool, Value::Bool(b)) => b.to_string(),
        (Ty::List(inner), Value::Array(items)) => match &**inner {
            Ty::Str | Ty::Enum(_) | Ty::Int | Ty::Float | Ty::Bool => format!(
                "[{}]",
                items
                    .iter()
                    .map(|x| rust_value(inner, x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Model(m) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|x| format!(
                        "serde_json::from_value::<dcs_client::types::{m}>(serde_json::json!({x})).unwrap()"
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => format!("serde_json::from_value::<Vec<_>>(serde_json::json!({v})).unwrap()"),
        },
        (Ty::Model(m), _) => format!(
            "serde_json::from_value::<dcs_client::types::{m}>(serde_json::json!({v})).unwrap()"
        ),
        (Ty::Map, Value::Object(o)) => format!(
            "[{}]",
            o.iter()
                .map(|(k, x)| format!("({}, {})", lit(k), lit(x.as_str().unwrap_or_default())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (Ty::Any, _) => format!("serde_json::json!({v})"),
        _ => format!("/* {v} */ Default::default()"),
    }
}

/// The call made with the operation's method and every setter, from the example input.
fn setter_chain(op: &Op, ex: &Input) -> String {
    let args: Vec<String> = op
        .path_params
        .iter()
        .map(|x| lit(ex.input[x.name.as_str()].as_str().unwrap_or_default()))
        .collect();
    let mut s = format!("c.{}({})", op.method_name, args.join(", "));
    for st in &op.setters {
        let v = match &st.target {
            SetterTarget::Query(_) => ex.input.get(st.name.trim_start_matches("r#")),
            SetterTarget::BodyField(_, json) => ex.body.get(json),
        };
        if let Some(v) = v {
            let _ = write!(s, ".{}({})", st.name, rust_value(&st.ty, v));
        }
    }
    s
}

fn client_tests(p: &Plan, head: &str) -> Result<String, String> {
    let mut t = head.to_string();
    t.push_str("//! Every operation, called through its `DcsClient` method and every generated setter against\n//! a loopback server that checks the signature and records what arrived: the request the setters\n//! built must equal the example input read strictly, and method, path, query and body must equal\n//! what the generator computed from the spec; the answer built from the response model must\n//! decode to the same JSON.\n\n#![allow(clippy::all)]\n\nmod common;\nuse common::{check_call, check_refused, Case};\n\n");
    for op in &p.ops {
        let ex = examples::input(p, op);
        let answer = match examples::answer(p, op) {
            Value::Null => String::new(),
            Value::String(s) if op.response.kind == Kind::Stream => s,
            v => v.to_string(),
        };
        let body_text = if ex.body.is_null() {
            String::new()
        } else {
            ex.body.to_string()
        };
        let q: Vec<String> = ex
            .query
            .iter()
            .map(|(k, v)| format!("({}, {})", lit(k), lit(v)))
            .collect();
        let _ = writeln!(
            t,
            "#[tokio::test]\nasync fn {}() {{\ncheck_call::<dcs_client::calls::{}>(Case {{\nname: {},\ninput: {},\nmethod: {},\npath: {},\nquery: &[{}],\nbody: {},\ncontent_type: {},\nanswer: {},\n}}, |c| {}).await;\n}}\n",
            op.method_name,
            op.call_type(),
            lit(&op.name),
            lit(&Value::Object(ex.input.clone()).to_string()),
            lit(&op.method),
            lit(&ex.path),
            q.join(", "),
            lit(&body_text),
            lit(&op.content_type),
            lit(&answer),
            setter_chain(op, &ex),
        );
    }
    for op in &p.ops {
        if op.path_params.is_empty() {
            continue;
        }
        for (bad_name, bad) in [("slash", "a/b"), ("dotdot", ".."), ("empty", "")] {
            let args: Vec<String> = op
                .path_params
                .iter()
                .enumerate()
                .map(|(i, _)| lit(if i == 0 { bad } else { "ok-id" }))
                .collect();
            let _ = writeln!(
                t,
                "#[tokio::test]\nasync fn {}_refuses_a_{bad_name}_id() {{\ncheck_refused({}, {}, |c| c.{}({})).await;\n}}\n",
                op.method_name,
                lit(&op.name),
                lit(&op.path_params[0].name),
                op.method_name,
                args.join(", ")
            );
        }
    }
    t.push_str("#[test]\nfn sensitive_fields_never_show_in_debug() {\nconst CANARY: &str = \"canary-7f3a-secret\";\n");
    for m in p.models.values() {
        for f in m.fields.iter().filter(|f| f.sensitive) {
            let _ = writeln!(
                t,
                "{{\nlet v: dcs_client::types::{} = serde_json::from_value(serde_json::json!({{{}: CANARY}})).unwrap();\nlet d = format!(\"{{v:?}}\");\nassert!(!d.contains(CANARY), \"{}.{}: {{d}}\");\nassert!(d.contains(\"** redacted **\"), \"{}.{}: {{d}}\");\n}}",
                m.name,
                lit(&f.json),
                m.name,
                f.json,
                m.name,
                f.json
            );
        }
    }
    t.push_str("}\n");
    Ok(t)
}

fn interop(p: &Plan, head: &str) -> String {
    let mut t = head.to_string();
    t.push_str("//! Every operation for the interop test (`tests/tests/official_sdk.rs`): its name, the\n//! official Python SDK's method, the example input of `crates/dcs-client/tests/generated_ops.rs`\n//! (the API's parameter names, the body under `body`), and our client's typed send of it.\n\nuse super::{send, send_stream, Case};\n\n/// One case per operation, sorted by name.\npub const CASES: &[Case] = &[\n");
    for op in &p.ops {
        let ex = examples::input(p, op);
        let send = if op.response.kind == Kind::Stream {
            "send_stream"
        } else {
            "send"
        };
        let _ = writeln!(
            t,
            "Case {{\nname: {},\npython_method: {},\ninput: {},\nsend: {send}::<dcs_client::types::{}>,\n}},",
            lit(&op.name),
            lit(&op.python_method),
            lit(&Value::Object(ex.input).to_string()),
            op.request_type(),
        );
    }
    t.push_str("];\n");
    t
}

fn emulator(p: &Plan, head: &str) -> (String, String, String) {
    let mut d = head.to_string();
    d.push_str("//! The typed entry point of every operation: the request's JSON form read strictly into its\n//! generated type, then its own `validate()`.\n\nuse dcs_model::types::*;\n\n/// Checks `input` as the request of operation `name`; `None` for an unknown name.\npub(crate) fn check(name: &str, input: &serde_json::Value) -> Option<Result<(), dcs_model::ValidationError>> {\nSome(match name {\n");
    for op in &p.ops {
        let _ = writeln!(
            d,
            "{} => crate::validate::typed::<{}>(input),",
            lit(&op.name),
            op.request_type()
        );
    }
    d.push_str("_ => return None,\n})\n}\n");

    let mut a = String::from("{\n");
    let mut t = head.to_string();
    t.push_str("//! Every operation, called through `DcsClient` against the emulator with a full, valid\n//! input: the route matched, the signature accepted, the request validated and the answer\n//! decoded. Each case runs on a fresh emulator seeded with the ids the helper substitutes.\n\nmod common;\nuse common::{call_op, Case};\n\n");
    for (i, op) in p.ops.iter().enumerate() {
        let _ = writeln!(
            a,
            "{}: {}{}",
            Value::String(op.name.clone()),
            examples::answer(p, op),
            if i + 1 == p.ops.len() { "" } else { "," }
        );
        let ex = examples::input(p, op);
        let args: Vec<String> = op
            .path_params
            .iter()
            .map(|x| lit(ex.input[x.name.as_str()].as_str().unwrap_or_default()))
            .collect();
        let _ = writeln!(
            t,
            "#[tokio::test]\nasync fn {}() {{\ncall_op::<dcs_client::calls::{}>(Case {{ name: {}, input: {} }}, |c| c.{}({})).await;\n}}\n",
            op.method_name,
            op.call_type(),
            lit(&op.name),
            lit(&Value::Object(ex.input).to_string()),
            op.method_name,
            args.join(", ")
        );
    }
    a.push_str("}\n");
    (d, a, t)
}
