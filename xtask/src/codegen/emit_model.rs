//! dcs-model's generated code: every type at `dcs_model::types::<Name>` (models, value sets,
//! requests, the answers without a model), the `Operation` impls, every operation's
//! `OperationMeta`, and the error-code table.
//!
//! A type's path never depends on which operations use it: the files are private modules of
//! `types` (a model sits in the file of the first group that uses it, which is only a matter
//! of layout), all re-exported flat. Each item carries the cargo features of the groups that
//! use it.

use super::plan::{Check, Enum, Field, Kind, Model, Op, Plan, SetterTarget};
use super::text::{doc_lines, first_sentence, ident, inert, lit};
use super::ty::Ty;
use super::Files;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// `#[cfg(...)]` and the docs.rs badge for an item used by `groups`.
pub fn cfg(groups: &BTreeSet<String>) -> String {
    let inner = if groups.len() == 1 {
        format!("feature = {}", lit(groups.iter().next().expect("one")))
    } else {
        format!(
            "any({})",
            groups
                .iter()
                .map(|g| format!("feature = {}", lit(g)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!("#[cfg({inner})]\n#[cfg_attr(docsrs, doc(cfg({inner})))]\n")
}

pub fn one(group: &str) -> BTreeSet<String> {
    [group.to_string()].into_iter().collect()
}

pub fn emit(p: &Plan, head: &str, files: &mut Files) -> Result<(), String> {
    // Which file each type goes to: a model to the first group that uses it, a request to its
    // operation's group, the value sets to their own file.
    let mut bodies: BTreeMap<String, String> = BTreeMap::new();
    for m in p.models.values() {
        let g = m.groups.iter().next().cloned().unwrap_or_default();
        model(bodies.entry(g).or_default(), p, m)?;
    }
    for op in &p.ops {
        request(bodies.entry(op.group.clone()).or_default(), p, op)?;
    }
    let mut values = String::new();
    for e in p.enums.values() {
        value_set(&mut values, e);
    }
    bodies.insert("values".into(), values);

    let mut types_mod = head.to_string();
    types_mod.push_str("//! Every generated type, at one path each: models, value sets, requests and answers.\n//!\n//! A type's path never depends on which operations use it, so a new spec never moves one.\n//! Each type is compiled when one of the resource groups using it is enabled (its cargo\n//! features).\n\n");
    for g in bodies.keys() {
        // With none of its groups' features a file is empty: its glob re-export is unused.
        let _ = writeln!(
            types_mod,
            "mod {g};\n#[allow(unused_imports)]\npub use {g}::*;"
        );
    }
    files.insert(
        "crates/dcs-model/src/generated/types/mod.rs".into(),
        types_mod,
    );
    for (g, body) in &bodies {
        let mut t = head.to_string();
        let _ = writeln!(
            t,
            "//! {}\n\n#![allow(unused_imports, clippy::too_many_arguments)]\n\nuse super::*;\n",
            if g == "values" {
                "The value sets (`codegen/values.toml`).".to_string()
            } else {
                format!("Types first used by the `{g}` group.")
            }
        );
        t.push_str(body);
        files.insert(
            format!("crates/dcs-model/src/generated/types/{g}.rs").into(),
            t,
        );
    }

    let mut m = head.to_string();
    m.push_str("//! Generated from the spec and the reviewed tables under `codegen/`.\n\npub mod codes;\npub mod operations;\npub mod types;\n");
    files.insert("crates/dcs-model/src/generated/mod.rs".into(), m);
    files.insert(
        "crates/dcs-model/src/generated/operations.rs".into(),
        operations(p, head),
    );
    files.insert(
        "crates/dcs-model/src/generated/codes.rs".into(),
        codes(p, head),
    );
    Ok(())
}

/// The doc lines of a field: its text, then what the generator knows (required, rules,
/// value set, sensitivity), then the Chinese original's first sentence.
pub fn field_doc(f: &Field, request_side: bool) -> String {
    let mut d = f.doc.clone();
    let mut facts = Vec::new();
    if request_side {
        facts.push(if f.required {
            "Required in requests.".to_string()
        } else {
            "Optional in requests.".to_string()
        });
    }
    let rules = rules_text(&f.rules);
    if !rules.is_empty() {
        facts.push(format!("Checked before sending: {rules}."));
    }
    if let Some(e) = enum_of(&f.ty) {
        facts.push(format!(
            "Values: [`{e}`]; values this SDK does not know yet are kept."
        ));
    }
    if f.sensitive {
        facts.push("Sensitive: `Debug` prints `** redacted **`.".into());
    }
    if !facts.is_empty() {
        let _ = write!(d, "\n\n{}", facts.join(" "));
    }
    let zh = zh_first(&f.doc_zh);
    if !zh.is_empty() && !f.doc.contains(&zh) {
        let _ = write!(d, "\n\n{zh}");
    }
    d
}

/// The first sentence of a Chinese description, inert.
pub fn zh_first(zh: &str) -> String {
    let t = zh.trim();
    let cut = t.find('。').map(|i| &t[..i + '。'.len_utf8()]).unwrap_or(t);
    inert(cut)
}

pub fn rules_text(rules: &[Check]) -> String {
    rules
        .iter()
        .map(|r| r.describe())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn enum_of(ty: &Ty) -> Option<&str> {
    match ty {
        Ty::Enum(e) => Some(e),
        Ty::List(t) => enum_of(t),
        _ => None,
    }
}

fn model(out: &mut String, p: &Plan, m: &Model) -> Result<(), String> {
    let users: Vec<String> = m.ops.iter().map(|o| format!("`{o}`")).collect();
    let mut doc = m.doc.clone();
    let _ = write!(
        doc,
        "\n\n{} {}.",
        if m.role == "response" {
            "The answer of"
        } else {
            "Used by"
        },
        users.join(", ")
    );
    if m.role == "response" || !m.request_side {
        doc.push_str(" Every field is optional: answers are decoded leniently.");
    } else {
        doc.push_str(" Every field is an `Option`: only what is set is sent, and `validate()` checks the required ones.");
    }
    doc_lines(out, &doc);
    out.push_str(&cfg(&m.groups));
    let sensitive = m.sensitive();
    out.push_str(if sensitive {
        "#[derive(Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n"
    } else {
        "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n"
    });
    out.push_str("#[serde(default)]\n#[non_exhaustive]\n");
    let _ = writeln!(out, "pub struct {} {{", m.name);
    for f in &m.fields {
        doc_lines(out, &field_doc(f, m.request_side));
        out.push_str("#[serde(skip_serializing_if = \"Option::is_none\"");
        if let Some(l) = f.ty.lenient() {
            let _ = write!(out, ", deserialize_with = \"{l}\"");
        }
        if f.whole_as_int {
            out.push_str(", serialize_with = \"crate::json::whole_as_int\"");
        }
        out.push_str(")]\n");
        let _ = writeln!(out, "pub {}: Option<{}>,", f.rust, f.ty.rust());
    }
    out.push_str("}\n\n");

    if sensitive {
        out.push_str(&cfg(&m.groups));
        let _ = writeln!(out, "impl std::fmt::Debug for {} {{", m.name);
        out.push_str("fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n");
        let _ = writeln!(out, "let mut d = f.debug_struct({});", lit(&m.name));
        for f in &m.fields {
            if f.sensitive {
                let _ = writeln!(
                    out,
                    "d.field({}, &self.{}.as_ref().map(|_| crate::redact::Redacted));",
                    lit(&f.json),
                    f.rust
                );
            } else {
                let _ = writeln!(out, "d.field({}, &self.{});", lit(&f.json), f.rust);
            }
        }
        out.push_str("d.finish()\n}\n}\n\n");
    }

    if m.request_side {
        out.push_str(&cfg(&m.groups));
        let _ = writeln!(out, "impl {} {{", m.name);
        for f in &m.fields {
            let (arg, conv) = setter_arg(&f.ty);
            // rustdoc cannot link a field named by a raw identifier (`r#type`).
            let link = if f.rust.starts_with("r#") {
                format!("the field `{}`", f.json)
            } else {
                format!("[`{}`](Self::{})", f.json, f.rust)
            };
            let _ = writeln!(
                out,
                "/// Sets {link}. {}\npub fn with_{json}(mut self, v: {arg}) -> Self {{ self.{rust} = Some({conv}); self }}",
                presence(f.required),
                json = f.json,
                rust = f.rust,
            );
        }
        out.push_str("/// Checks every field against the reviewed rules, reporting every problem at once.\npub fn validate(&self) -> Result<(), crate::ValidationError> {\nlet mut p = crate::validate::Problems::new();\nself.check_at(\"\", &mut p);\np.into_result()\n}\n");
        out.push_str("pub(crate) fn check_at(&self, path: &str, p: &mut crate::validate::Problems) {\nlet _ = (path, &p);\n");
        for f in &m.fields {
            if f.required {
                let _ = writeln!(
                    out,
                    "crate::validate::required(p, path, {}, &self.{});",
                    lit(&f.json),
                    f.rust
                );
            }
            let checks = checks_code(&f.ty, &f.rules, "path", &f.json, "v", p)?;
            let nested = match &f.ty {
                Ty::Model(_) => format!(
                    "v.check_at(&crate::validate::child(path, {}), p);\n",
                    lit(&f.json)
                ),
                Ty::List(inner) if matches!(**inner, Ty::Model(_)) => format!(
                    "for (i, x) in v.iter().enumerate() {{ x.check_at(&crate::validate::index(&crate::validate::child(path, {}), i), p); }}\n",
                    lit(&f.json)
                ),
                _ => String::new(),
            };
            if !checks.is_empty() || !nested.is_empty() {
                let _ = writeln!(
                    out,
                    "if let Some(v) = &self.{} {{\n{checks}{nested}}}",
                    f.rust
                );
            }
        }
        out.push_str("}\n}\n\n");
    }
    Ok(())
}

/// What a setter's doc says about its field: required (bold, as `validate()` rejects the
/// value unset) or optional. The dcs-model setters and the dcs-client call builders word it
/// alike.
pub fn presence(required: bool) -> &'static str {
    if required {
        "**Required.**"
    } else {
        "Optional."
    }
}

/// A setter's argument type and the conversion into the field's type.
pub fn setter_arg(ty: &Ty) -> (String, &'static str) {
    match ty {
        Ty::Str => ("impl Into<String>".into(), "v.into()"),
        Ty::Enum(e) => (format!("impl Into<{e}>"), "v.into()"),
        Ty::List(t) if **t == Ty::Str => (
            "impl IntoIterator<Item = impl Into<String>>".into(),
            "v.into_iter().map(Into::into).collect()",
        ),
        Ty::List(t) => match &**t {
            Ty::Enum(e) => (
                format!("impl IntoIterator<Item = impl Into<{e}>>"),
                "v.into_iter().map(Into::into).collect()",
            ),
            other => (
                format!("impl IntoIterator<Item = {}>", other.rust()),
                "v.into_iter().collect()",
            ),
        },
        Ty::Map => (
            "impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>".into(),
            "v.into_iter().map(|(k, v)| (k.into(), v.into())).collect()",
        ),
        Ty::Int => ("impl Into<i64>".into(), "v.into()"),
        Ty::Float => ("impl Into<f64>".into(), "v.into()"),
        other => (other.rust(), "v"),
    }
}

/// Statements checking `val` (a reference to a value of `ty`) against `rules`, each pushing
/// into `p` with the field path `path`/`field`.
pub fn checks_code(
    ty: &Ty,
    rules: &[Check],
    path: &str,
    field: &str,
    val: &str,
    plan: &Plan,
) -> Result<String, String> {
    let mut out = String::new();
    let f = lit(field);
    for r in rules {
        // A rule on a list applies to each element.
        let (each, v, ty) = match ty {
            Ty::List(t) => (true, "x", &**t),
            _ => (false, val, ty),
        };
        let stmt = match (r, ty) {
            (Check::Length { min, max }, _) => format!(
                "crate::validate::length(p, {path}, {f}, {v}, {}, {});",
                opt_u(min),
                opt_u(max)
            ),
            (Check::Range { min, max }, Ty::Int) => format!(
                "crate::validate::range(p, {path}, {f}, *{v} as f64, {}, {});",
                opt_f(min),
                opt_f(max)
            ),
            (Check::Range { min, max }, Ty::Float) => format!(
                "crate::validate::range(p, {path}, {f}, *{v}, {}, {});",
                opt_f(min),
                opt_f(max)
            ),
            (Check::Range { min, max }, Ty::Str) => format!(
                "crate::validate::text_range(p, {path}, {f}, {v}, {}, {});",
                opt_f(min),
                opt_f(max)
            ),
            (Check::OneOf(values), _) => format!(
                "crate::validate::one_of(p, {path}, {f}, {v}, &[{}]);",
                values.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", ")
            ),
            (Check::NumberOneOf(values), Ty::Int | Ty::Float) => format!(
                "crate::validate::number_one_of(p, {path}, {f}, *{v}{}, &[{}]);",
                if *ty == Ty::Int { " as f64" } else { "" },
                values
                    .iter()
                    .map(|x| lit(&num(*x)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (Check::Known(e), _) => {
                if !plan.enums.contains_key(e) {
                    return Err(format!("{field}: unknown value set {e}"));
                }
                format!("crate::validate::known(p, {path}, {f}, {v});")
            }
            (Check::Format(name), _) => format!(
                "crate::validate::format(p, {path}, {f}, {v}, crate::validate::Format::{});",
                format_variant(name)
            ),
            (Check::Chars { first, allowed }, _) => format!(
                "crate::validate::chars(p, {path}, {f}, {v}, {}, &{}, {});",
                match first {
                    Some(c) => format!("Some(&{})", class_lit(c)),
                    None => "None".into(),
                },
                class_lit(allowed),
                lit(&r.describe())
            ),
            (r, ty) => return Err(format!("{field}: rule {r:?} on a {}", ty.describe())),
        };
        if each {
            let _ = writeln!(out, "for x in {val}.iter() {{ {stmt} }}");
        } else {
            let _ = writeln!(out, "{stmt}");
        }
    }
    Ok(out)
}

fn class_lit(spec: &str) -> String {
    let ranges = super::plan::char_class(spec).unwrap_or_default();
    format!(
        "[{}]",
        ranges
            .iter()
            .map(|(a, b)| format!("({a:?}, {b:?})"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

pub fn format_variant(name: &str) -> &'static str {
    match name {
        "yyyyMMddHHmmss" => "CompactDateTime",
        "yyyy-MM-dd" => "Date",
        "HH:mm:ss" => "TimeOfDay",
        "HH:mm" => "HourMinute",
        "rfc3339" => "Rfc3339",
        "ipv4" => "Ipv4",
        "ipv4-cidr" => "Ipv4Cidr",
        _ => "Uuid",
    }
}

fn opt_u(v: &Option<u64>) -> String {
    v.map_or("None".into(), |x| format!("Some({x})"))
}

fn opt_f(v: &Option<f64>) -> String {
    v.map_or("None".into(), |x| format!("Some({x:?})"))
}

pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn value_set(out: &mut String, e: &Enum) {
    let mut doc = e.doc.clone();
    let _ = write!(
        doc,
        "\n\nA value the service sends that this version of the SDK does not know decodes as `Unknown` and is sent back as it came. New values may be added in any release: match the variants you need and end with `_`. Build a value from text with `From<&str>` (a known value always becomes its variant).\n\nReference: [{page}](https://support.huaweicloud.com/intl/en-us/api-dcs/{page}.html)",
        page = e.page
    );
    doc_lines(out, &doc);
    out.push_str(&cfg(&e.groups));
    out.push_str("#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n#[non_exhaustive]\n");
    let _ = writeln!(out, "pub enum {} {{", e.name);
    for v in &e.values {
        doc_lines(out, &format!("{} (`{}`)", v.doc.trim(), v.value));
        let _ = writeln!(out, "{},", v.variant);
    }
    out.push_str("/// A value this version of the SDK does not know, kept as the service sent it. Do not\n/// match on its text: a later version may give the value a variant of its own.\nUnknown(crate::UnknownValue),\n}\n\n");
    out.push_str(&cfg(&e.groups));
    let _ = writeln!(out, "impl {} {{", e.name);
    out.push_str("/// Every known value, as the API spells it.\npub const VALUES: &'static [&'static str] = &[");
    out.push_str(
        &e.values
            .iter()
            .map(|v| lit(&v.value))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(
        "];\n/// The value as the API spells it.\npub fn as_str(&self) -> &str {\nmatch self {\n",
    );
    for v in &e.values {
        let _ = writeln!(out, "Self::{} => {},", v.variant, lit(&v.value));
    }
    out.push_str("Self::Unknown(u) => u.as_str(),\n}\n}\n/// Whether this is one of the known values (not `Unknown`).\npub fn is_known(&self) -> bool {\n!matches!(self, Self::Unknown(_))\n}\n}\n\n");
    out.push_str(&cfg(&e.groups));
    let _ = writeln!(
        out,
        "impl From<&str> for {} {{\nfn from(s: &str) -> Self {{\nmatch s {{",
        e.name
    );
    for v in &e.values {
        let _ = writeln!(out, "{} => Self::{},", lit(&v.value), v.variant);
    }
    out.push_str("other => Self::Unknown(crate::UnknownValue::new(other)),\n}\n}\n}\n\n");
    out.push_str(&cfg(&e.groups));
    let _ = writeln!(
        out,
        "crate::value_set::value_set_impls!({}, {});\n",
        e.name,
        lit(&e.name)
    );
}

/// The error codes an operation's docs name: the codes tied to it in `errors.toml`, then the
/// classes that apply to every operation of its shape.
fn errors_doc(op: &Op, p: &Plan) -> String {
    let mut parts = Vec::new();
    for c in p.codes.iter().filter(|c| c.operations.contains(&op.name)) {
        parts.push(format!("`{}` ({})", c.code, lower(&plain(&c.meaning))));
    }
    let on_instance = op.path_params.iter().any(|x| x.name == "instance_id");
    if on_instance {
        parts.push(format!(
            "`{}` when the instance does not exist (`Error::is_instance_not_found()`)",
            p.codes
                .iter()
                .find(|c| c.class.as_deref() == Some("instance_not_found"))
                .map_or("DCS.3022", |c| c.code.as_str())
        ));
        if op.method != "GET" {
            parts.push("an instance-busy code such as `DCS.4026` while the instance is not RUNNING or runs another task (`Error::is_instance_busy()`; see `RequestOptions::busy_retry`)".to_string());
        }
    }
    parts.push("the gateway's `APIGW.0301` (bad signature or credentials) and `APIGW.0308` (throttled, sent again with backoff)".to_string());
    format!(
        "**Errors:** {}; every documented code is in [`codes`](crate::codes).",
        parts.join("; ")
    )
}

fn lower(s: &str) -> String {
    let s = s.trim_end_matches('.');
    let mut cs = s.chars();
    match (cs.next(), cs.next()) {
        (Some(a), Some(b)) if a.is_ascii_uppercase() && b.is_lowercase() => {
            format!("{}{}", a.to_ascii_lowercase(), &s[1..])
        }
        _ => s.to_string(),
    }
}

fn op_doc(op: &Op, p: &Plan) -> String {
    let english = p.english;
    let mut d = op.doc.summary.clone();
    if let Some(x) = &op.doc.details {
        let _ = write!(d, "\n\n{x}");
    }
    if let Some(r) = &op.doc.returns {
        let _ = write!(d, "\n\n**Returns:** {r}");
    }
    match (&op.doc.completion, p.waits.get(&op.name)) {
        (Some(c), Some(w)) => {
            let _ = write!(
                d,
                "\n\n**Completion:** {c} `send_and_wait()` polls {} until {}.",
                w.watches,
                w.success
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            );
        }
        (Some(c), None) => {
            let _ = write!(d, "\n\n**Completion:** {c}");
        }
        (None, _) => {}
    }
    let _ = write!(d, "\n\n{}", errors_doc(op, p));
    let _ = write!(
        d,
        "\n\n`{} {}` · [API reference](https://support.huaweicloud.com/intl/en-us/api-dcs/{}.html)",
        op.method, op.path, op.doc.page
    );
    if english {
        let _ = write!(d, "\n\n{}", inert(&op.doc.summary_zh));
    }
    d
}

pub fn operation_doc(op: &Op, p: &Plan) -> String {
    op_doc(op, p)
}

fn request(out: &mut String, p: &Plan, op: &Op) -> Result<(), String> {
    let req = op.request_type();
    let resp = &op.response.type_name;
    let feature = one(&op.group);
    let method = method_variant(&op.method);
    match op.response.kind {
        Kind::JsonObject => {
            out.push_str(&cfg(&feature));
            let _ = writeln!(
                out,
                "impl crate::operation::Decode for {resp} {{\nfn decode(body: &[u8]) -> Result<Self, crate::operation::DecodeError> {{\nif body.iter().all(u8::is_ascii_whitespace) {{ return Ok(Self::default()); }}\ncrate::operation::decode_json(body)\n}}\n}}\n"
            );
        }
        Kind::Empty => {
            let _ = writeln!(out, "/// The answer of `{}`: nothing but the status (the client's output keeps the request id and the raw body).", op.name);
            out.push_str(&cfg(&feature));
            let _ = writeln!(out, "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n#[non_exhaustive]\npub struct {resp} {{}}\n");
            out.push_str(&cfg(&feature));
            let _ = writeln!(out, "impl crate::operation::Decode for {resp} {{\nfn decode(_body: &[u8]) -> Result<Self, crate::operation::DecodeError> {{ Ok(Self {{}}) }}\n}}\n");
        }
        Kind::WholeBody => {
            let ty = op
                .response
                .whole
                .as_ref()
                .ok_or("whole body without a type")?;
            let decode = match ty {
                Ty::Str => "crate::operation::decode_text(body).map(Self)",
                Ty::Any => "crate::operation::decode_any(body).map(Self)",
                _ => "crate::operation::decode_json(body).map(Self)",
            };
            let _ = writeln!(
                out,
                "/// The answer of `{}`: the whole body is one value ({}).",
                op.name,
                ty.describe()
            );
            out.push_str(&cfg(&feature));
            let _ = writeln!(out, "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n#[serde(transparent)]\npub struct {resp}(pub {});\n", ty.rust());
            out.push_str(&cfg(&feature));
            let _ = writeln!(out, "impl crate::operation::Decode for {resp} {{\nfn decode(body: &[u8]) -> Result<Self, crate::operation::DecodeError> {{ {decode} }}\n}}\n");
        }
        Kind::Stream => {
            let _ = writeln!(out, "/// The answer of `{}` is a byte stream: the client hands it out as a stream, never decoded or buffered whole.", op.name);
            out.push_str(&cfg(&feature));
            let _ = writeln!(out, "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n#[non_exhaustive]\npub struct {resp} {{}}\n");
            out.push_str(&cfg(&feature));
            let _ = writeln!(out, "impl crate::operation::Decode for {resp} {{\nfn decode(_body: &[u8]) -> Result<Self, crate::operation::DecodeError> {{ Err(crate::operation::DecodeError::new({})) }}\n}}\n", lit(&format!("{} answers a byte stream: use the client's send_stream", op.name)));
        }
    }

    let mut doc = format!("The request of `{}`: {}", op.name, op_doc(op, p));
    doc.push_str("\n\nAs JSON (the command line's input) its keys are the API's path and query parameter names, and `body`.");
    doc_lines(out, &doc);
    out.push_str(&cfg(&feature));
    out.push_str("#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n#[serde(default)]\n#[non_exhaustive]\n");
    let _ = writeln!(out, "pub struct {req} {{");
    for pp in &op.path_params {
        doc_lines(out, &format!("{}\n\nPath parameter, required.", pp.doc));
        let _ = writeln!(out, "pub {}: String,", pp.rust);
    }
    for q in &op.query {
        let mut d = q.doc.clone();
        let _ = write!(
            d,
            "\n\nQuery parameter, {}.",
            if q.required { "required" } else { "optional" }
        );
        let rules = rules_text(&q.rules);
        if !rules.is_empty() {
            let _ = write!(d, " Checked before sending: {rules}.");
        }
        if let Some(e) = enum_of(&q.ty) {
            let _ = write!(d, " Values: [`{e}`].");
        }
        doc_lines(out, &d);
        out.push_str("#[serde(skip_serializing_if = \"Option::is_none\"");
        if let Some(l) = q.ty.lenient() {
            let _ = write!(out, ", deserialize_with = \"{l}\"");
        }
        out.push_str(")]\n");
        let _ = writeln!(out, "pub {}: Option<{}>,", q.rust, q.ty.rust());
    }
    if let Some(b) = &op.body {
        let _ = writeln!(
            out,
            "/// The JSON body ([`{}`]), {}.\n#[serde(skip_serializing_if = \"Option::is_none\")]\npub body: Option<{}>,",
            b.model,
            if b.required { "required" } else { "optional" },
            b.model
        );
    }
    out.push_str("}\n\n");

    out.push_str(&cfg(&feature));
    let _ = writeln!(out, "impl {req} {{");
    let args: Vec<String> = op
        .path_params
        .iter()
        .map(|x| format!("{}: impl Into<String>", x.rust))
        .collect();
    let _ = writeln!(
        out,
        "/// A request with its path ids; every other field unset.\npub fn new({}) -> Self {{\nSelf {{",
        args.join(", ")
    );
    for x in &op.path_params {
        let _ = writeln!(out, "{}: {}.into(),", x.rust, x.rust);
    }
    out.push_str("..Default::default()\n}\n}\n");
    // Setters on the request itself, for code that builds requests without a client.
    for s in &op.setters {
        let (arg, conv) = setter_arg(&s.ty);
        let target = match &s.target {
            SetterTarget::Query(rust) => format!("self.{rust} = Some({conv});"),
            SetterTarget::BodyField(rust, _) => {
                format!("self.body.get_or_insert_with(Default::default).{rust} = Some({conv});")
            }
        };
        // What it sets, and a link to the field (none for a raw identifier, `r#type`, which
        // rustdoc cannot link).
        let what = match &s.target {
            SetterTarget::Query(rust) => {
                let name = s.name.trim_start_matches("r#");
                if rust.starts_with("r#") {
                    format!("the query parameter `{name}`")
                } else {
                    format!("the query parameter `{name}` ([`{rust}`](Self::{rust}))")
                }
            }
            SetterTarget::BodyField(rust, json) => {
                let model = &op
                    .body
                    .as_ref()
                    .ok_or("a body field setter has a body")?
                    .model;
                if rust.starts_with("r#") {
                    format!("`body.{json}`")
                } else {
                    format!("`body.{json}` ([`{model}::{rust}`])")
                }
            }
        };
        let _ = writeln!(
            out,
            "/// Sets {what}. {}\npub fn with_{}(mut self, v: {arg}) -> Self {{ {target} self }}",
            presence(s.required),
            s.name.trim_start_matches("r#")
        );
    }
    out.push_str("}\n\n");

    out.push_str(&cfg(&feature));
    let _ = writeln!(
        out,
        "impl crate::operation::sealed::Sealed for {req} {{}}\n"
    );
    out.push_str(&cfg(&feature));
    let _ = writeln!(out, "impl crate::operation::Operation for {req} {{");
    let _ = writeln!(
        out,
        "const META: &'static crate::operation::OperationMeta = &crate::generated::operations::{};",
        op.upper()
    );
    let _ = writeln!(out, "type Output = {resp};");
    out.push_str("fn check(&self, p: &mut crate::validate::Problems) {\nlet _ = &p;\n");
    for pp in &op.path_params {
        let r: Vec<String> = op
            .reserved
            .get(&pp.name)
            .map(|s| s.iter().map(|v| lit(v)).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "crate::validate::path_id(p, {}, &self.{}, &[{}]);",
            lit(&pp.name),
            pp.rust,
            r.join(", ")
        );
        let checks = checks_code(
            &pp.ty,
            &pp.rules,
            "\"\"",
            &pp.name,
            &format!("&self.{}", pp.rust),
            p,
        )?;
        out.push_str(&checks);
    }
    for q in &op.query {
        if q.required {
            let _ = writeln!(
                out,
                "crate::validate::required(p, \"\", {}, &self.{});",
                lit(&q.name),
                q.rust
            );
        }
        let checks = checks_code(&q.ty, &q.rules, "\"\"", &q.name, "v", p)?;
        if !checks.is_empty() {
            let _ = writeln!(out, "if let Some(v) = &self.{} {{\n{checks}}}", q.rust);
        }
    }
    if let Some(b) = &op.body {
        if b.required {
            out.push_str("crate::validate::required(p, \"\", \"body\", &self.body);\n");
        }
        out.push_str("if let Some(b) = &self.body { b.check_at(\"body\", p); }\n");
    }
    out.push_str("}\n");
    out.push_str(
        "fn write_path(&self, project_id: &str, out: &mut String) {\nlet _ = project_id;\n",
    );
    let mut literal = String::new();
    for (i, seg) in op.path.split('/').enumerate() {
        if i > 0 {
            literal.push('/');
        }
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if !literal.is_empty() {
                push_literal(out, &literal);
                literal.clear();
            }
            let src = if name == "project_id" {
                "project_id".to_string()
            } else {
                format!("&self.{}", ident(name))
            };
            let _ = writeln!(out, "crate::ids::push_path_segment(out, {src});");
        } else {
            literal.push_str(seg);
        }
    }
    if !literal.is_empty() {
        push_literal(out, &literal);
    }
    out.push_str("}\n");
    out.push_str(
        "fn write_query(&self, query: &mut crate::query::QueryWriter) {\nlet _ = query;\n",
    );
    for q in &op.query {
        let v = match q.ty {
            Ty::Str => format!("self.{}.as_deref()", q.rust),
            Ty::Enum(_) => format!("self.{}.as_ref().map(|v| v.as_str())", q.rust),
            _ => format!("self.{}.as_ref()", q.rust),
        };
        let _ = writeln!(out, "query.opt({}, {v});", lit(&q.name));
    }
    out.push_str("}\n");
    if op.body.is_some() {
        let _ = writeln!(out, "fn body(&self) -> Option<Vec<u8>> {{ crate::operation::encode_body(crate::operation::HttpMethod::{method}, self.body.as_ref()) }}");
    } else {
        out.push_str("fn body(&self) -> Option<Vec<u8>> { None }\n");
    }
    out.push_str("}\n\n");

    if let Some((items, total)) = &op.pagination {
        let model = &p.models[resp];
        let fi = model
            .fields
            .iter()
            .find(|f| &f.json == items)
            .ok_or("items field")?;
        let item_ty = match &fi.ty {
            Ty::List(t) => t.rust(),
            _ => return Err(format!("{}: {items} is not a list", op.name)),
        };
        let ft = model
            .fields
            .iter()
            .find(|f| &f.json == total)
            .ok_or("total field")?;
        let total_expr = match ft.ty {
            Ty::Int => format!("output.{}", ft.rust),
            _ => format!(
                "output.{}.as_deref().and_then(|s| s.trim().parse().ok())",
                ft.rust
            ),
        };
        out.push_str(&cfg(&feature));
        let _ = writeln!(
            out,
            "impl crate::operation::Paginated for {req} {{\ntype Item = {item_ty};\nfn offset(&self) -> Option<i64> {{ self.offset }}\nfn set_offset(&mut self, offset: i64) {{ self.offset = Some(offset); }}\nfn limit(&self) -> Option<i64> {{ self.limit }}\nfn items(output: &Self::Output) -> &[Self::Item] {{ output.{i}.as_deref().unwrap_or(&[]) }}\nfn into_items(output: Self::Output) -> Vec<Self::Item> {{ output.{i}.unwrap_or_default() }}\nfn total(output: &Self::Output) -> Option<i64> {{ {total_expr} }}\n}}\n",
            i = fi.rust
        );
    }
    Ok(())
}

pub fn method_variant(m: &str) -> &'static str {
    match m {
        "GET" => "Get",
        "POST" => "Post",
        "PUT" => "Put",
        _ => "Delete",
    }
}

fn push_literal(out: &mut String, literal: &str) {
    if let (Some(c), 1) = (literal.chars().next(), literal.chars().count()) {
        let _ = writeln!(out, "out.push({c:?});");
    } else {
        let _ = writeln!(out, "out.push_str({});", lit(literal));
    }
}

fn operations(p: &Plan, head: &str) -> String {
    let mut out = head.to_string();
    out.push_str("//! Every DCS v2 operation's static description, and the list of them all.\n\nuse crate::operation::{HttpMethod, OperationMeta, ParamKind, ParamLocation, ParamMeta, ResponseKind};\n\n");
    for op in &p.ops {
        let kind = match op.response.kind {
            Kind::JsonObject => "JsonObject",
            Kind::Empty => "Empty",
            Kind::WholeBody => "WholeBody",
            Kind::Stream => "Stream",
        };
        let mut params = Vec::new();
        for x in &op.path_params {
            params.push(format!(
                "ParamMeta {{ name: {}, location: ParamLocation::Path, kind: ParamKind::Str, required: true }}",
                lit(&x.name)
            ));
        }
        for q in &op.query {
            let k = match q.ty {
                Ty::Int => "Int",
                Ty::Bool => "Bool",
                _ => "Str",
            };
            params.push(format!(
                "ParamMeta {{ name: {}, location: ParamLocation::Query, kind: ParamKind::{k}, required: {} }}",
                lit(&q.name),
                q.required
            ));
        }
        let _ = writeln!(
            out,
            "/// `{} {}`\npub const {}: OperationMeta = OperationMeta {{\nname: {},\nmethod_name: {},\ngroup: {},\nmethod: HttpMethod::{},\npath_template: {},\ncontent_type: {},\nretry_safe: {},\nresponse_kind: ResponseKind::{kind},\nhas_body: {},\nbody_required: {},\nparams: &[{}],\nsummary: {},\nsummary_zh: {},\nreference_page: {},\n}};\n",
            op.method,
            op.path,
            op.upper(),
            lit(&op.name),
            lit(&op.method_name),
            lit(&op.group),
            method_variant(&op.method),
            lit(&op.path),
            lit(&op.content_type),
            op.retry_safe,
            op.body.is_some(),
            op.body.as_ref().is_some_and(|b| b.required),
            params.join(", "),
            lit(first_sentence(&plain(&op.doc.summary))),
            lit(&op.doc.summary_zh),
            lit(&op.doc.page),
        );
    }
    let _ = writeln!(
        out,
        "/// All {} operations, sorted by name.\npub static OPERATIONS: &[&OperationMeta] = &[{}];\n",
        p.ops.len(),
        p.ops
            .iter()
            .map(|x| format!("&{}", x.upper()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.push_str("/// The operation named `name` (as the API reference spells it).\npub fn find(name: &str) -> Option<&'static OperationMeta> {\nOPERATIONS.binary_search_by(|m| m.name.cmp(name)).ok().map(|i| OPERATIONS[i])\n}\n");
    out
}

/// Markdown reduced to plain text for one-line summaries (code spans keep their text).
pub fn plain(md: &str) -> String {
    md.replace('`', "")
        .replace("\\[", "[")
        .replace("\\]", "]")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn codes(p: &Plan, head: &str) -> String {
    let mut out = head.to_string();
    out.push_str("//! The error codes of the DCS API reference's appendix (`codegen/errors.toml`): one constant\n//! per code, and a table of what each means.\n\nuse crate::codes::{CodeInfo, ErrorClass};\n\n");
    for c in &p.codes {
        let mut d = c.meaning.clone();
        if let Some(s) = c.status {
            let _ = write!(d, " (HTTP {s})");
        }
        if let Some(a) = &c.action {
            let _ = write!(d, "\n\n{a}");
        }
        doc_lines(&mut out, &super::text::markdown(&d));
        let _ = writeln!(
            out,
            "pub const {}: &str = {};",
            c.code.replace('.', "_"),
            lit(&c.code)
        );
    }
    let _ = writeln!(
        out,
        "\n/// Every documented code, sorted by code.\npub(crate) static TABLE: &[CodeInfo] = &["
    );
    for c in &p.codes {
        let class = match &c.class {
            Some(k) => format!(
                "Some(ErrorClass::{})",
                k.split('_')
                    .map(|w| {
                        let mut cs = w.chars();
                        cs.next()
                            .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                            .unwrap_or_default()
                    })
                    .collect::<String>()
            ),
            None => "None".into(),
        };
        let _ = writeln!(
            out,
            "CodeInfo {{ code: {}, status: {}, meaning: {}, action: {}, class: {class} }},",
            lit(&c.code),
            c.status.map_or("None".into(), |s| format!("Some({s})")),
            lit(&plain(&c.meaning)),
            c.action
                .as_ref()
                .map_or("None".into(), |a| format!("Some({})", lit(&plain(a)))),
        );
    }
    out.push_str("];\n");
    out
}
