//! The plan: the typed inputs turned into what the emitters need (operations, models,
//! enums, rules, docs, names), with every cross-check done here, once. An emitter never
//! looks at the raw inputs and never has to decide anything.
//!
//! Generation fails, never skips, on anything that does not line up: an override naming a
//! field or operation the spec does not have, a setter name taken twice, a rule whose check
//! does not fit its field, an operation with header or form parameters (the core sends
//! neither yet), missing documentation once `docs/` exists.

use super::input::{self, Inputs};
use super::text::{ident, inert, markdown, snake};
use super::ty::Ty;
use std::collections::{BTreeMap, BTreeSet};

/// The formats a `format` rule may name; `validate::Format` in dcs-model has the same list.
pub const FORMATS: &[&str] = &[
    "yyyyMMddHHmmss",
    "yyyy-MM-dd",
    "HH:mm:ss",
    "HH:mm",
    "rfc3339",
    "ipv4",
    "ipv4-cidr",
    "uuid",
];

/// The error classes of `errors.toml`, each a predicate on the client's `Error`.
pub const CLASSES: &[&str] = &[
    "instance_not_found",
    "resource_not_found",
    "instance_busy",
    "task_running",
    "quota_exceeded",
    "invalid_request",
    "permission",
    "throttled",
    "service_error",
];

/// Names the generated call builders already use, which no setter may take.
const BUILDER_METHODS: &[&str] = &[
    "send",
    "send_stream",
    "with_options",
    "options",
    "request",
    "request_mut",
    "into_request",
    "into_paginator",
    "body",
    "client",
    "validate",
    "wait",
    "new",
];

pub struct Plan {
    /// `huaweicloudsdkdcs 3.1.219`, for file headers.
    pub source: String,
    pub groups: Vec<String>,
    pub ops: Vec<Op>,
    pub models: BTreeMap<String, Model>,
    pub enums: BTreeMap<String, Enum>,
    pub codes: Vec<Code>,
    /// Whether the English docs are in (`docs/` exists and is complete).
    pub english: bool,
    /// Each group's heading, paragraph and example (English docs only).
    pub group_docs: BTreeMap<String, GroupDocs>,
    /// How each asynchronous operation completes (`async.toml`), by operation.
    pub waits: BTreeMap<String, Wait>,
}

/// One row of `async.toml`, checked: what a waiter polls and which states end the wait.
pub struct Wait {
    pub signal: String,
    pub success: Vec<String>,
    pub failure: Vec<String>,
    pub pending: Vec<String>,
    pub budget_secs: u64,
    pub interval_secs: u64,
    /// Readings of a success state in a row that end the wait (2 for an instance's status).
    pub confirmations: u32,
    /// Where the instance id comes from (`path.instance_id`, `body.instances[]`, ...).
    pub instance: Option<String>,
    /// Where the polled resource's id comes from.
    pub id: Option<String>,
    pub poll: String,
    /// The state's place in the polled answer (`status`, `records[id=id].status`, ...).
    pub status: String,
    /// English: what the waiter watches, for docs.
    pub watches: String,
}

pub struct GroupDocs {
    pub title: String,
    pub doc: String,
    pub example: Option<String>,
}

pub struct Op {
    pub name: String,
    pub method_name: String,
    pub python_method: String,
    pub group: String,
    pub method: String,
    pub path: String,
    pub content_type: String,
    pub retry_safe: bool,
    pub path_params: Vec<Param>,
    pub query: Vec<Param>,
    pub body: Option<Body>,
    pub response: Response,
    pub pagination: Option<(String, String)>,
    pub doc: OpDocs,
    /// Path parameter to the literal segments of other routes at its place.
    pub reserved: BTreeMap<String, BTreeSet<String>>,
    pub setters: Vec<Setter>,
}

impl Op {
    pub fn request_type(&self) -> String {
        format!("{}Request", self.name)
    }
    pub fn call_type(&self) -> String {
        format!("{}Call", self.name)
    }
    pub fn upper(&self) -> String {
        super::text::upper_snake(&self.name)
    }
}

pub struct Param {
    pub name: String,
    pub rust: String,
    pub ty: Ty,
    pub required: bool,
    /// English (or the spec's text made inert, before the docs are in).
    pub doc: String,
    pub rules: Vec<Check>,
}

pub struct Body {
    pub model: String,
    pub required: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    JsonObject,
    Empty,
    WholeBody,
    Stream,
}

pub struct Response {
    pub kind: Kind,
    /// The output type: the spec's response model, or a generated `<Op>Response`.
    pub type_name: String,
    /// The whole body's type (`WholeBody` only).
    pub whole: Option<Ty>,
}

pub struct OpDocs {
    pub summary: String,
    pub details: Option<String>,
    pub returns: Option<String>,
    pub completion: Option<String>,
    /// The English reference page's name (`…/api-dcs/<page>.html`).
    pub page: String,
    pub summary_zh: String,
    pub example: Option<String>,
}

/// One setter of an operation's call builder.
pub struct Setter {
    pub name: String,
    pub target: SetterTarget,
    pub ty: Ty,
    pub required: bool,
    pub doc: String,
    pub rules: Vec<Check>,
}

pub enum SetterTarget {
    Query(String),
    /// A field of the body model (its Rust name).
    BodyField(String, String),
}

pub struct Model {
    pub name: String,
    pub role: String,
    /// The groups whose operations reach it (its cargo features).
    pub groups: BTreeSet<String>,
    /// The operations that reach it.
    pub ops: BTreeSet<String>,
    pub fields: Vec<Field>,
    /// Reachable from a request body: it gets setters and validation.
    pub request_side: bool,
    pub doc: String,
}

impl Model {
    pub fn sensitive(&self) -> bool {
        self.fields.iter().any(|f| f.sensitive)
    }
}

pub struct Field {
    pub json: String,
    pub rust: String,
    pub ty: Ty,
    pub required: bool,
    pub sensitive: bool,
    /// The spec says integer and `[types]` widens it to float: a whole value is written as an
    /// integer, as the official SDK writes the int it declares.
    pub whole_as_int: bool,
    pub numeric_text: bool,
    pub doc: String,
    pub doc_zh: String,
    pub rules: Vec<Check>,
}

/// One reviewed rule of `constraints.toml`.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    Length {
        min: Option<u64>,
        max: Option<u64>,
    },
    Range {
        min: Option<f64>,
        max: Option<f64>,
    },
    OneOf(Vec<String>),
    NumberOneOf(Vec<f64>),
    /// The value must be a known value of this enum.
    Known(String),
    Format(String),
    Chars {
        first: Option<String>,
        allowed: String,
    },
}

impl Check {
    /// The rule in words, for docs and the command line's help.
    pub fn describe(&self) -> String {
        fn n(v: f64) -> String {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            }
        }
        match self {
            Check::Length { min, max } => match (min, max) {
                (Some(a), Some(b)) => format!("{a} to {b} characters"),
                (Some(a), None) => format!("at least {a} characters"),
                (None, Some(b)) => format!("at most {b} characters"),
                (None, None) => String::new(),
            },
            Check::Range { min, max } => match (min, max) {
                (Some(a), Some(b)) => format!("from {} to {}", n(*a), n(*b)),
                (Some(a), None) => format!("at least {}", n(*a)),
                (None, Some(b)) => format!("at most {}", n(*b)),
                (None, None) => String::new(),
            },
            Check::OneOf(v) => format!("one of {}", v.join(", ")),
            Check::NumberOneOf(v) => format!(
                "one of {}",
                v.iter().map(|x| n(*x)).collect::<Vec<_>>().join(", ")
            ),
            Check::Known(_) => "a known value".to_string(),
            Check::Format(f) => format!("format {f}"),
            Check::Chars { first, allowed } => match first {
                Some(f) => format!("starts with {f}; only {allowed}"),
                None => format!("only {allowed}"),
            },
        }
    }
}

pub struct Enum {
    pub name: String,
    pub doc: String,
    pub page: String,
    pub values: Vec<input::ValueRow>,
    pub groups: BTreeSet<String>,
}

pub struct Code {
    pub code: String,
    pub status: Option<u16>,
    pub meaning: String,
    pub action: Option<String>,
    pub class: Option<String>,
    pub operations: Vec<String>,
}

/// Where a `constraints.toml` or `values.toml` name points.
enum Target {
    /// `Model.field`.
    Field(String, usize),
    /// `Operation.param` (query or path).
    Param(usize, ParamSlot),
}

#[derive(Clone, Copy)]
enum ParamSlot {
    Path(usize),
    Query(usize),
}

pub fn plan(inp: &Inputs) -> Result<Plan, String> {
    let spec = &inp.spec;
    let o = &inp.overrides;
    let source = spec
        .source
        .iter()
        .find(|(k, _)| k.as_str() == "huaweicloudsdkdcs")
        .map(|(k, v)| format!("{k} {v}"))
        .ok_or("spec.json: source names no huaweicloudsdkdcs version")?;
    let has_model = |m: &str| spec.models.contains_key(m);

    // --- groups
    let mut group_of = BTreeMap::new();
    for (g, names) in &o.groups {
        if g.is_empty() || !g.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(format!(
                "overrides.toml: group name {g:?} is not a lower-case word"
            ));
        }
        for n in names {
            if group_of.insert(n.clone(), g.clone()).is_some() {
                return Err(format!("overrides.toml [groups]: {n} is in two groups"));
            }
        }
    }
    let op_names: BTreeSet<&str> = spec.operations.iter().map(|x| x.name.as_str()).collect();
    for n in group_of.keys() {
        if !op_names.contains(n.as_str()) {
            return Err(format!(
                "overrides.toml [groups]: {n} is not an operation of the spec"
            ));
        }
    }
    for (list, what) in [(&o.retry.safe, "safe"), (&o.retry.not_safe, "unsafe")] {
        for n in list {
            if !op_names.contains(n.as_str()) {
                return Err(format!(
                    "overrides.toml [retry] {what}: {n} is not an operation of the spec"
                ));
            }
        }
    }

    // --- models: types, overrides
    let sensitive: BTreeSet<&str> = o.sensitive.fields.iter().map(String::as_str).collect();
    let numeric: BTreeSet<&str> = o.numeric_text.fields.iter().map(String::as_str).collect();
    for key in sensitive
        .iter()
        .chain(numeric.iter())
        .copied()
        .chain(o.types.keys().map(String::as_str))
    {
        field_index(spec, key).map_err(|e| format!("overrides.toml: {e}"))?;
    }
    let mut models: BTreeMap<String, Model> = BTreeMap::new();
    for (name, m) in &spec.models {
        if m.role != "response" && m.role != "schema" {
            return Err(format!("spec.json: model {name} has role {:?}", m.role));
        }
        for s in &m.sensitive {
            if !m.fields.iter().any(|f| &f.json_name == s) {
                return Err(format!(
                    "spec.json: {name} lists {s} as sensitive but has no such field"
                ));
            }
        }
        let mut fields = Vec::new();
        let mut seen = BTreeSet::new();
        for f in &m.fields {
            if !seen.insert(f.json_name.clone()) {
                return Err(format!("spec.json: {name}.{} twice", f.json_name));
            }
            let key = format!("{name}.{}", f.json_name);
            let mut ty = Ty::parse(&f.ty, &has_model).map_err(|e| format!("{key}: {e}"))?;
            let spec_int = ty == Ty::Int;
            if let Some(fix) = o.types.get(&key) {
                ty = match fix.as_str() {
                    "float" => Ty::Float,
                    "int" => Ty::Int,
                    "str" => Ty::Str,
                    other => return Err(format!("overrides.toml [types]: {key} = {other:?}")),
                };
            }
            if f.json_name.is_empty()
                || !f
                    .json_name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(format!("{key}: a field name that is not an identifier"));
            }
            fields.push(Field {
                rust: ident(&f.json_name),
                json: f.json_name.clone(),
                whole_as_int: spec_int && ty == Ty::Float,
                ty,
                required: f.required,
                sensitive: sensitive.contains(key.as_str()) || m.sensitive.contains(&f.json_name),
                numeric_text: numeric.contains(key.as_str()),
                doc: String::new(),
                doc_zh: f.description.clone(),
                rules: Vec::new(),
            });
        }
        for (key, ty) in &o.added_fields {
            let Some((m, f)) = key.split_once('.') else {
                return Err(format!(
                    "overrides.toml [added_fields]: {key:?} is not Model.field"
                ));
            };
            if m != name {
                continue;
            }
            if fields.iter().any(|x: &Field| x.json == f) {
                return Err(format!(
                    "overrides.toml [added_fields]: {key} is already in the spec"
                ));
            }
            fields.push(Field {
                rust: ident(f),
                json: f.to_string(),
                whole_as_int: false,
                ty: Ty::parse(ty, &has_model)
                    .map_err(|e| format!("overrides.toml [added_fields] {key}: {e}"))?,
                required: false,
                sensitive: false,
                numeric_text: false,
                doc: String::new(),
                doc_zh: String::new(),
                rules: Vec::new(),
            });
        }
        models.insert(
            name.clone(),
            Model {
                name: name.clone(),
                role: m.role.clone(),
                groups: BTreeSet::new(),
                ops: BTreeSet::new(),
                fields,
                request_side: false,
                doc: String::new(),
            },
        );
    }

    for key in o.added_fields.keys() {
        let m = key.split_once('.').map(|(m, _)| m).unwrap_or_default();
        if !spec.models.contains_key(m) {
            return Err(format!(
                "overrides.toml [added_fields]: {key}: no model {m}"
            ));
        }
    }

    // --- operations
    let mut ops = Vec::new();
    for v in &spec.operations {
        let name = v.name.clone();
        let group = group_of
            .get(&name)
            .cloned()
            .ok_or_else(|| format!("overrides.toml [groups]: {name} is in no group"))?;
        if !v.header_params.is_empty() || !v.form_params.is_empty() {
            return Err(format!(
                "{name}: has header or form parameters ({}), which the generated code cannot send yet: add them to the Operation trait and the generator before taking this spec",
                v.header_params
                    .iter()
                    .chain(&v.form_params)
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let method = v.http_method.clone();
        let retry_safe = match method.as_str() {
            "GET" | "DELETE" => {
                if o.retry.safe.contains(&name) || o.retry.not_safe.contains(&name) {
                    return Err(format!(
                        "overrides.toml [retry]: {method} {name} is listed, but GET and DELETE are always safe to send again"
                    ));
                }
                true
            }
            "POST" | "PUT" => {
                match (o.retry.safe.contains(&name), o.retry.not_safe.contains(&name)) {
                    (true, false) => true,
                    (false, true) => false,
                    _ => {
                        return Err(format!(
                            "overrides.toml [retry]: {method} {name} must be in exactly one of safe and unsafe"
                        ))
                    }
                }
            }
            m => return Err(format!("{name}: HTTP method {m}")),
        };
        // Every placeholder is a path parameter and the reverse: a misspelt placeholder is an
        // error, never a literal `{name}` on the wire.
        let placeholders: Vec<&str> = v
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let mut declared: Vec<&str> = v.path_params.iter().map(|p| p.name.as_str()).collect();
        declared.push("project_id");
        let mut a = placeholders.clone();
        a.sort();
        declared.sort();
        if a != declared
            && !(a.len() + 1 == declared.len() && !placeholders.contains(&"project_id") && {
                let mut d = declared.clone();
                d.retain(|x| *x != "project_id");
                d == a
            })
        {
            return Err(format!(
                "{name}: path placeholders {placeholders:?} differ from its path parameters"
            ));
        }
        let mut path_params = Vec::new();
        for p in &v.path_params {
            if Ty::parse(&p.ty, &has_model)? != Ty::Str {
                return Err(format!(
                    "{name}.{}: a path parameter that is not a string",
                    p.name
                ));
            }
            path_params.push(Param {
                rust: ident(&p.name),
                name: p.name.clone(),
                ty: Ty::Str,
                required: true,
                doc: p.description.clone(),
                rules: Vec::new(),
            });
        }
        let mut query = Vec::new();
        for q in &v.query_params {
            let ty = Ty::parse(&q.ty, &has_model).map_err(|e| format!("{name}.{}: {e}", q.name))?;
            if !matches!(ty, Ty::Str | Ty::Int | Ty::Bool) {
                return Err(format!(
                    "{name}.{}: a query parameter of type {} (only strings, integers and booleans are written)",
                    q.name, q.ty
                ));
            }
            if q.collection_format.is_some() {
                return Err(format!(
                    "{name}.{}: a list query parameter, which the generator does not write yet",
                    q.name
                ));
            }
            query.push(Param {
                rust: ident(&q.name),
                name: q.name.clone(),
                ty,
                required: q.required,
                doc: q.description.clone(),
                rules: Vec::new(),
            });
        }
        let body = match &v.body {
            None => None,
            Some(b) => match Ty::parse(&b.ty, &has_model)? {
                Ty::Model(m) => Some(Body {
                    model: m,
                    required: b.required,
                }),
                _ => return Err(format!("{name}: a body that is not a model ({})", b.ty)),
            },
        };
        let kind = match v.response.kind.as_str() {
            "json_object" => Kind::JsonObject,
            "empty" => Kind::Empty,
            "whole_body" => Kind::WholeBody,
            "stream" => Kind::Stream,
            k => return Err(format!("{name}: response kind {k:?}")),
        };
        let (type_name, whole) =
            match kind {
                Kind::JsonObject => {
                    let m =
                        v.response.model.clone().ok_or_else(|| {
                            format!("{name}: a json_object response without a model")
                        })?;
                    if !has_model(&m) {
                        return Err(format!("{name}: response model {m} is not in the spec"));
                    }
                    (m, None)
                }
                Kind::WholeBody => {
                    // The spec models the answer as a class with one field, `body`, holding the
                    // whole payload: the answer's type is that field's, and the class is no model.
                    let m =
                        v.response.model.clone().ok_or_else(|| {
                            format!("{name}: a whole_body response without a model")
                        })?;
                    let holder = models
                        .remove(&m)
                        .ok_or_else(|| format!("{name}: response model {m} is not in the spec"))?;
                    match holder.fields.as_slice() {
                        [f] if f.json == "body" => (m, Some(f.ty.clone())),
                        _ => {
                            return Err(format!(
                                "{name}: whole_body response {m} must have exactly one field, body"
                            ))
                        }
                    }
                }
                Kind::Empty | Kind::Stream => (v.response_class.clone(), None),
            };
        if kind != Kind::JsonObject && kind != Kind::WholeBody && models.contains_key(&type_name) {
            return Err(format!(
                "{name}: its response type {type_name} is also a model of the spec"
            ));
        }
        let pagination = o
            .pagination
            .get(&name)
            .map(|p| (p.items.clone(), p.total.clone()));
        ops.push(Op {
            method_name: snake(&name),
            python_method: v.python_method.clone(),
            name,
            group,
            method,
            path: v.path.clone(),
            content_type: v
                .content_type
                .clone()
                .unwrap_or_else(|| "application/json".to_string()),
            retry_safe,
            path_params,
            query,
            body,
            response: Response {
                kind,
                type_name,
                whole,
            },
            pagination,
            doc: OpDocs {
                summary: String::new(),
                details: None,
                returns: None,
                completion: None,
                page: v.name.clone(),
                summary_zh: v.summary.clone(),
                example: None,
            },
            reserved: BTreeMap::new(),
            setters: Vec::new(),
        });
    }
    ops.sort_by(|a, b| a.name.cmp(&b.name));
    for op in &ops {
        if snake(&op.name) != op.python_method {
            return Err(format!(
                "{}: its method name {} differs from the official SDK's {}",
                op.name,
                snake(&op.name),
                op.python_method
            ));
        }
    }

    // --- reserved path values: a literal at the same place in another route of the method
    let routes: Vec<(String, String, String)> = ops
        .iter()
        .map(|x| (x.name.clone(), x.method.clone(), x.path.clone()))
        .collect();
    for op in &mut ops {
        op.reserved = reserved_values(&op.name, &op.method, &op.path, &routes);
    }

    // --- which groups and operations reach each model; the request side
    for op in &ops {
        let mut roots = Vec::new();
        if let Some(b) = &op.body {
            roots.push(b.model.clone());
        }
        if op.response.kind == Kind::JsonObject {
            roots.push(op.response.type_name.clone());
        }
        if let Some(t) = &op.response.whole {
            let mut s = BTreeSet::new();
            t.models(&mut s);
            roots.extend(s);
        }
        for m in reach(&models, roots) {
            let model = models
                .get_mut(&m)
                .ok_or_else(|| format!("unknown model {m}"))?;
            model.groups.insert(op.group.clone());
            model.ops.insert(op.name.clone());
        }
        if let Some(b) = &op.body {
            for m in reach(&models, vec![b.model.clone()]) {
                if let Some(model) = models.get_mut(&m) {
                    model.request_side = true;
                }
            }
        }
    }
    let unused: Vec<&String> = models
        .values()
        .filter(|m| m.groups.is_empty())
        .map(|m| &m.name)
        .collect();
    if !unused.is_empty() {
        return Err(format!(
            "spec.json: models no operation reaches: {}",
            unused
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    // --- pagination
    for (name, p) in &o.pagination {
        let Some(op) = ops.iter().find(|x| &x.name == name) else {
            return Err(format!(
                "overrides.toml [pagination]: {name} is not an operation of the spec"
            ));
        };
        let has = |n: &str| op.query.iter().any(|q| q.name == n && q.ty == Ty::Int);
        if !has("offset") || !has("limit") {
            return Err(format!(
                "overrides.toml [pagination]: {name} does not take integer offset and limit"
            ));
        }
        let resp = &models[&op.response.type_name];
        match resp.fields.iter().find(|f| f.json == p.items) {
            Some(f) if matches!(f.ty, Ty::List(_)) => {}
            _ => {
                return Err(format!(
                    "overrides.toml [pagination]: {} has no list field {}",
                    resp.name, p.items
                ))
            }
        }
        match resp.fields.iter().find(|f| f.json == p.total) {
            Some(f) if matches!(f.ty, Ty::Int | Ty::Str) => {}
            _ => {
                return Err(format!(
                    "overrides.toml [pagination]: {} has no number field {}",
                    resp.name, p.total
                ))
            }
        }
    }
    for op in &ops {
        let has = |n: &str| op.query.iter().any(|q| q.name == n);
        if has("offset") && has("limit") && op.method == "GET" && op.pagination.is_none() {
            return Err(format!(
                "{}: takes offset and limit but has no [pagination] entry in overrides.toml",
                op.name
            ));
        }
    }

    // --- value sets
    let mut enums = BTreeMap::new();
    let mut enum_of_target: BTreeMap<String, String> = BTreeMap::new();
    for (name, set) in &inp.values {
        if !is_type_name(name) {
            return Err(format!(
                "values.toml: [{name}] is not a PascalCase type name"
            ));
        }
        if models.contains_key(name) {
            return Err(format!("values.toml: [{name}] is also a model of the spec"));
        }
        if set.values.is_empty() {
            return Err(format!("values.toml: [{name}] has no values"));
        }
        let mut seen_v = BTreeSet::new();
        let mut seen_var = BTreeSet::new();
        for row in &set.values {
            if !seen_v.insert(row.value.clone()) {
                return Err(format!("values.toml: [{name}] lists {:?} twice", row.value));
            }
            if !is_variant_name(&row.variant) || row.variant == "Unknown" {
                return Err(format!(
                    "values.toml: [{name}] variant {:?} is not a PascalCase name (or is Unknown)",
                    row.variant
                ));
            }
            if !seen_var.insert(row.variant.clone()) {
                return Err(format!(
                    "values.toml: [{name}] variant {} twice",
                    row.variant
                ));
            }
            if row.doc.trim().is_empty() {
                return Err(format!("values.toml: [{name}] {:?} has no doc", row.value));
            }
        }
        if set.fields.is_empty() {
            return Err(format!("values.toml: [{name}] is used by no field"));
        }
        let mut groups = BTreeSet::new();
        for key in &set.fields {
            if let Some(other) = enum_of_target.insert(key.clone(), name.clone()) {
                return Err(format!("values.toml: {key} is in [{other}] and [{name}]"));
            }
            match target(&ops, &models, key).map_err(|e| format!("values.toml [{name}]: {e}"))? {
                Target::Field(m, i) => {
                    let model = models.get_mut(&m).expect("target found it");
                    let f = &mut model.fields[i];
                    if !f.ty.is_text() {
                        return Err(format!(
                            "values.toml [{name}]: {key} is a {}, not a string",
                            f.ty.describe()
                        ));
                    }
                    f.ty = f.ty.with_enum(name);
                    groups.extend(model.groups.iter().cloned());
                }
                Target::Param(i, slot) => {
                    let op = &mut ops[i];
                    let p = match slot {
                        ParamSlot::Path(_) => {
                            return Err(format!(
                                "values.toml [{name}]: {key} is a path parameter (path ids stay strings)"
                            ))
                        }
                        ParamSlot::Query(j) => &mut op.query[j],
                    };
                    if p.ty != Ty::Str {
                        return Err(format!("values.toml [{name}]: {key} is not a string"));
                    }
                    p.ty = Ty::Enum(name.clone());
                    groups.insert(op.group.clone());
                }
            }
        }
        enums.insert(
            name.clone(),
            Enum {
                name: name.clone(),
                doc: set.doc.clone(),
                page: set.reference.clone(),
                values: set
                    .values
                    .iter()
                    .map(|r| input::ValueRow {
                        value: r.value.clone(),
                        variant: r.variant.clone(),
                        doc: r.doc.clone(),
                    })
                    .collect(),
                groups,
            },
        );
    }

    // --- required changes
    for key in &inp.constraints.required.add {
        set_required(&mut ops, &mut models, key, true)
            .map_err(|e| format!("constraints.toml [required] add: {e}"))?;
    }
    for key in &inp.constraints.required.drop {
        set_required(&mut ops, &mut models, key, false)
            .map_err(|e| format!("constraints.toml [required] drop: {e}"))?;
    }

    // --- rules
    for (i, row) in inp.constraints.rule.iter().enumerate() {
        let at = format!("constraints.toml rule {} ({})", i + 1, row.field);
        if row.says.trim().is_empty() || row.reference.trim().is_empty() {
            return Err(format!("{at}: a rule needs `reference` and `says`"));
        }
        let t = target(&ops, &models, &row.field).map_err(|e| format!("{at}: {e}"))?;
        let ty = match &t {
            Target::Field(m, i) => {
                let model = &models[m];
                if !model.request_side {
                    return Err(format!(
                        "{at}: {} is not sent in any request (a rule refuses requests only)",
                        model.name
                    ));
                }
                model.fields[*i].ty.clone()
            }
            Target::Param(i, ParamSlot::Query(j)) => ops[*i].query[*j].ty.clone(),
            Target::Param(i, ParamSlot::Path(j)) => ops[*i].path_params[*j].ty.clone(),
        };
        let check = rule_check(row, &ty, &enums).map_err(|e| format!("{at}: {e}"))?;
        match t {
            Target::Field(m, i) => {
                let f = &mut models.get_mut(&m).expect("found").fields[i];
                if f.rules.contains(&check) {
                    return Err(format!("{at}: the same rule twice"));
                }
                f.rules.push(check);
            }
            Target::Param(i, ParamSlot::Query(j)) => ops[i].query[j].rules.push(check),
            Target::Param(i, ParamSlot::Path(j)) => ops[i].path_params[j].rules.push(check),
        }
    }
    for d in &inp.constraints.dropped {
        target(&ops, &models, &d.field)
            .map_err(|e| format!("constraints.toml [[dropped]] {}: {e}", d.field))?;
    }
    for p in &inp.constraints.proposal {
        for f in &p.fields {
            target(&ops, &models, f)
                .map_err(|e| format!("constraints.toml [[proposal]] {f}: {e}"))?;
        }
    }

    // --- docs
    let english = apply_docs(inp, &mut ops, &mut models, &enums)?;
    let mut group_docs = BTreeMap::new();
    if let Some(files) = &inp.docs {
        for (g, f) in files {
            match &f.group {
                Some(d) => {
                    group_docs.insert(
                        g.clone(),
                        GroupDocs {
                            title: d.title.clone(),
                            doc: markdown(&d.doc),
                            example: d.example.clone(),
                        },
                    );
                }
                None => return Err(format!("docs/{g}.toml: no [group] title and doc")),
            }
        }
    }

    // --- names: types never collide
    let mut type_names: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |n: String, what: String| -> Result<(), String> {
        if let Some(prev) = type_names.insert(n.clone(), what.clone()) {
            return Err(format!("two generated types named {n}: {prev} and {what}"));
        }
        Ok(())
    };
    for m in models.keys() {
        claim(m.clone(), format!("model {m}"))?;
    }
    for e in enums.keys() {
        claim(e.clone(), format!("value set {e}"))?;
    }
    for op in &ops {
        claim(op.request_type(), format!("the request of {}", op.name))?;
        if op.response.kind != Kind::JsonObject {
            claim(
                op.response.type_name.clone(),
                format!("the answer of {}", op.name),
            )?;
        }
    }

    // --- setters
    let mut used_setter_overrides = BTreeSet::new();
    for op in &mut ops {
        let mut taken: BTreeMap<String, String> = BUILDER_METHODS
            .iter()
            .map(|s| (s.to_string(), "a call builder method".to_string()))
            .collect();
        for p in &op.path_params {
            taken.insert(p.name.clone(), format!("path parameter {}", p.name));
        }
        let mut setters = Vec::new();
        for q in &op.query {
            if let Some(prev) = taken.insert(q.name.clone(), format!("query parameter {}", q.name))
            {
                return Err(format!(
                    "{}: setter {} for query parameter {} collides with {prev}",
                    op.name, q.name, q.name
                ));
            }
            setters.push(Setter {
                name: ident(&q.name),
                target: SetterTarget::Query(q.rust.clone()),
                ty: q.ty.clone(),
                required: q.required,
                doc: q.doc.clone(),
                rules: q.rules.clone(),
            });
        }
        if let Some(b) = &op.body {
            let model = &models[&b.model];
            for f in &model.fields {
                let key = format!("{}.body.{}", op.name, f.json);
                let name = match o.setters.get(&key) {
                    Some(n) => {
                        used_setter_overrides.insert(key.clone());
                        n.clone()
                    }
                    None => f.json.clone(),
                };
                if let Some(prev) = taken.insert(name.clone(), format!("body field {}", f.json)) {
                    return Err(format!(
                        "{}: setter {name} for body field {} collides with {prev}; name it in overrides.toml [setters] \"{key}\" = \"...\"",
                        op.name, f.json
                    ));
                }
                setters.push(Setter {
                    name: ident(&name),
                    target: SetterTarget::BodyField(f.rust.clone(), f.json.clone()),
                    ty: f.ty.clone(),
                    required: f.required,
                    doc: f.doc.clone(),
                    rules: f.rules.clone(),
                });
            }
        }
        op.setters = setters;
    }
    for key in o.setters.keys() {
        if !used_setter_overrides.contains(key) {
            return Err(format!(
                "overrides.toml [setters]: {key} names no body field of an operation"
            ));
        }
    }

    // --- asynchronous completion
    let waits = match &inp.asyncs {
        Some(t) => plan_waits(t, &ops, &models)?,
        None => BTreeMap::new(),
    };

    for (name, _) in waits.iter() {
        let op = ops.iter().find(|o| &o.name == name).expect("checked");
        if let Some(c) = &op.doc.completion {
            if c.trim_start().starts_with("Synchronous") {
                return Err(format!(
                    "docs: {name} says it is synchronous, but async.toml gives it a waiter: make them agree"
                ));
            }
        }
    }

    // --- error codes
    let mut codes = Vec::new();
    let mut seen = BTreeSet::new();
    for c in &inp.errors.code {
        if !seen.insert(c.code.clone()) {
            return Err(format!("errors.toml: {} twice", c.code));
        }
        let well_formed = c.code.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && a.chars().all(|x| x.is_ascii_uppercase())
                && !b.is_empty()
                && b.chars().all(|x| x.is_ascii_alphanumeric())
        });
        if !well_formed {
            return Err(format!(
                "errors.toml: {:?} is not a code like DCS.4022",
                c.code
            ));
        }
        if let Some(class) = &c.class {
            if !CLASSES.contains(&class.as_str()) {
                return Err(format!(
                    "errors.toml: {} has class {class:?}, not one of {}",
                    c.code,
                    CLASSES.join(", ")
                ));
            }
        }
        for o in &c.operations {
            if !ops.iter().any(|x| &x.name == o) {
                return Err(format!(
                    "errors.toml: {} names {o}, not an operation",
                    c.code
                ));
            }
        }
        codes.push(Code {
            code: c.code.clone(),
            status: c.status,
            meaning: c.meaning.clone(),
            action: c.action.clone(),
            class: c.class.clone(),
            operations: c.operations.clone(),
        });
    }
    codes.sort_by(|a, b| a.code.cmp(&b.code));

    Ok(Plan {
        source,
        groups: o.groups.keys().cloned().collect(),
        ops,
        models,
        enums,
        codes,
        english,
        group_docs,
        waits,
    })
}

/// PascalCase, with `_` allowed between two digits (`X86_64`), as rustc's naming lint allows.
fn is_variant_name(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    !c.is_empty()
        && c[0].is_ascii_uppercase()
        && c.iter().enumerate().all(|(i, ch)| {
            ch.is_ascii_alphanumeric()
                || (*ch == '_'
                    && i > 0
                    && c[i - 1].is_ascii_digit()
                    && c.get(i + 1).is_some_and(|n| n.is_ascii_digit()))
        })
}

fn is_type_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `Model.field` in the spec: the model and the field's index.
fn field_index(spec: &input::Spec, key: &str) -> Result<(String, usize), String> {
    let (m, f) = key
        .split_once('.')
        .ok_or_else(|| format!("{key:?} is not Model.field"))?;
    let model = spec
        .models
        .get(m)
        .ok_or_else(|| format!("{key}: no model {m} in the spec"))?;
    let i = model
        .fields
        .iter()
        .position(|x| x.json_name == f)
        .ok_or_else(|| format!("{key}: {m} has no field {f}"))?;
    Ok((m.to_string(), i))
}

/// `Model.field` or `Operation.param`.
fn target(ops: &[Op], models: &BTreeMap<String, Model>, key: &str) -> Result<Target, String> {
    let (a, b) = key
        .split_once('.')
        .ok_or_else(|| format!("{key:?} is not Model.field or Operation.param"))?;
    if let Some(m) = models.get(a) {
        let i = m
            .fields
            .iter()
            .position(|f| f.json == b)
            .ok_or_else(|| format!("{key}: {a} has no field {b}"))?;
        return Ok(Target::Field(a.to_string(), i));
    }
    if let Some(i) = ops.iter().position(|o| o.name == a) {
        let op = &ops[i];
        if let Some(j) = op.query.iter().position(|q| q.name == b) {
            return Ok(Target::Param(i, ParamSlot::Query(j)));
        }
        if let Some(j) = op.path_params.iter().position(|q| q.name == b) {
            return Ok(Target::Param(i, ParamSlot::Path(j)));
        }
        return Err(format!("{key}: {a} has no path or query parameter {b}"));
    }
    Err(format!(
        "{key}: {a} is neither a model nor an operation of the spec"
    ))
}

fn set_required(
    ops: &mut [Op],
    models: &mut BTreeMap<String, Model>,
    key: &str,
    required: bool,
) -> Result<(), String> {
    match target(ops, models, key)? {
        Target::Field(m, i) => {
            let f = &mut models.get_mut(&m).expect("found").fields[i];
            if f.required == required {
                return Err(format!(
                    "{key} is already {}",
                    if required { "required" } else { "optional" }
                ));
            }
            f.required = required;
        }
        Target::Param(i, ParamSlot::Query(j)) => {
            let p = &mut ops[i].query[j];
            if p.required == required {
                return Err(format!(
                    "{key} is already {}",
                    if required { "required" } else { "optional" }
                ));
            }
            p.required = required;
        }
        Target::Param(_, ParamSlot::Path(_)) => {
            return Err(format!("{key}: path parameters are always required"))
        }
    }
    Ok(())
}

fn rule_check(
    row: &input::RuleRow,
    ty: &Ty,
    enums: &BTreeMap<String, Enum>,
) -> Result<Check, String> {
    let only = |allowed: &[&str]| -> Result<(), String> {
        let given = [
            ("min", row.min.is_some()),
            ("max", row.max.is_some()),
            ("values", row.values.is_some()),
            ("set", row.set.is_some()),
            ("format", row.format.is_some()),
            ("first", row.first.is_some()),
            ("allowed", row.allowed.is_some()),
        ];
        for (k, set) in given {
            if set && !allowed.contains(&k) {
                return Err(format!("`{k}` does not go with check = {:?}", row.check));
            }
        }
        Ok(())
    };
    // A rule on a list applies to each element.
    let elem = match ty {
        Ty::List(t) => &**t,
        t => t,
    };
    let text = *elem == Ty::Str;
    let number = matches!(elem, Ty::Int | Ty::Float);
    Ok(match row.check.as_str() {
        "length" => {
            only(&["min", "max"])?;
            if !text {
                return Err(format!("a length rule on a {}", ty.describe()));
            }
            let whole = |v: Option<f64>| -> Result<Option<u64>, String> {
                match v {
                    Some(x) if x < 0.0 || x.fract() != 0.0 => {
                        Err(format!("length bound {x} is not a whole number"))
                    }
                    Some(x) => Ok(Some(x as u64)),
                    None => Ok(None),
                }
            };
            let (min, max) = (whole(row.min)?, whole(row.max)?);
            if min.is_none() && max.is_none() {
                return Err("a length rule needs min or max".into());
            }
            if let (Some(a), Some(b)) = (min, max) {
                if a > b {
                    return Err(format!("min {a} is above max {b}"));
                }
            }
            Check::Length { min, max }
        }
        "range" => {
            only(&["min", "max"])?;
            if !number && !text {
                return Err(format!("a range rule on a {}", ty.describe()));
            }
            if row.min.is_none() && row.max.is_none() {
                return Err("a range rule needs min or max".into());
            }
            if let (Some(a), Some(b)) = (row.min, row.max) {
                if a > b {
                    return Err(format!("min {a} is above max {b}"));
                }
            }
            Check::Range {
                min: row.min,
                max: row.max,
            }
        }
        "one_of" => {
            only(&["values"])?;
            let values = row
                .values
                .as_ref()
                .filter(|v| !v.is_empty())
                .ok_or("one_of needs values")?;
            if number {
                let mut out = Vec::new();
                for v in values {
                    out.push(match v {
                        toml::Value::Integer(i) => *i as f64,
                        toml::Value::Float(f) => *f,
                        other => return Err(format!("{other:?} is not a number")),
                    });
                }
                Check::NumberOneOf(out)
            } else if text {
                let mut out = Vec::new();
                for v in values {
                    out.push(
                        v.as_str()
                            .ok_or_else(|| format!("{v:?} is not a string"))?
                            .to_string(),
                    );
                }
                Check::OneOf(out)
            } else {
                return Err(format!("a one_of rule on a {}", ty.describe()));
            }
        }
        "set" => {
            only(&["set"])?;
            let name = row.set.as_deref().ok_or("a set rule needs set")?;
            if !enums.contains_key(name) {
                return Err(format!("set {name} is not in values.toml"));
            }
            let uses = match ty {
                Ty::Enum(e) => e == name,
                Ty::List(t) => matches!(&**t, Ty::Enum(e) if e == name),
                _ => false,
            };
            if !uses {
                return Err(format!(
                    "the field is a {}, not of value set {name} (list it under [{name}] fields in values.toml)",
                    ty.describe()
                ));
            }
            Check::Known(name.to_string())
        }
        "format" => {
            only(&["format"])?;
            let f = row.format.as_deref().ok_or("a format rule needs format")?;
            if !FORMATS.contains(&f) {
                return Err(format!("format {f:?} is not one of {}", FORMATS.join(", ")));
            }
            if !text {
                return Err(format!("a format rule on a {}", ty.describe()));
            }
            Check::Format(f.to_string())
        }
        "chars" => {
            only(&["first", "allowed"])?;
            if !text {
                return Err(format!("a chars rule on a {}", ty.describe()));
            }
            let allowed = row.allowed.clone().ok_or("a chars rule needs allowed")?;
            char_class(&allowed)?;
            if let Some(f) = &row.first {
                char_class(f)?;
            }
            Check::Chars {
                first: row.first.clone(),
                allowed,
            }
        }
        other => {
            return Err(format!(
                "check {other:?} is not one of length, range, one_of, set, format, chars"
            ))
        }
    })
}

/// Parses a character class such as `A-Za-z0-9_-` into inclusive ranges.
pub fn char_class(s: &str) -> Result<Vec<(char, char)>, String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return Err("an empty character class".into());
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            let (a, b) = (chars[i], chars[i + 2]);
            if a > b {
                return Err(format!("range {a}-{b} is backwards"));
            }
            out.push((a, b));
            i += 3;
        } else {
            out.push((chars[i], chars[i]));
            i += 1;
        }
    }
    Ok(out)
}

fn reach(models: &BTreeMap<String, Model>, roots: Vec<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = roots;
    while let Some(m) = stack.pop() {
        if !seen.insert(m.clone()) {
            continue;
        }
        if let Some(model) = models.get(&m) {
            for f in &model.fields {
                let mut used = BTreeSet::new();
                f.ty.models(&mut used);
                stack.extend(used);
            }
        }
    }
    seen
}

fn reserved_values(
    name: &str,
    method: &str,
    path: &str,
    all: &[(String, String, String)],
) -> BTreeMap<String, BTreeSet<String>> {
    let segs: Vec<&str> = path.split('/').collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let is_ph = |s: &str| s.starts_with('{');
    for (other, other_method, other_path) in all {
        if other == name || other_method != method {
            continue;
        }
        let os: Vec<&str> = other_path.split('/').collect();
        if os.len() != segs.len() {
            continue;
        }
        let compatible = segs
            .iter()
            .zip(&os)
            .all(|(a, b)| is_ph(a) || is_ph(b) || a == b);
        if !compatible {
            continue;
        }
        for (a, b) in segs.iter().zip(&os) {
            if is_ph(a) && !is_ph(b) {
                let p = a.trim_matches(|c| c == '{' || c == '}').to_string();
                if p != "project_id" {
                    out.entry(p).or_default().insert(b.to_string());
                }
            }
        }
    }
    out
}

/// Puts the docs on operations, parameters, models and fields: the English ones when
/// `docs/` exists (then every item must have one), else the spec's text made inert.
fn apply_docs(
    inp: &Inputs,
    ops: &mut [Op],
    models: &mut BTreeMap<String, Model>,
    enums: &BTreeMap<String, Enum>,
) -> Result<bool, String> {
    let _ = enums;
    let Some(files) = &inp.docs else {
        for op in ops.iter_mut() {
            op.doc.summary = inert(&op.doc.summary_zh);
            for p in op.path_params.iter_mut().chain(op.query.iter_mut()) {
                p.doc = if p.doc.trim().is_empty() {
                    "(No description in the spec.)".into()
                } else {
                    inert(&p.doc)
                };
            }
        }
        for m in models.values_mut() {
            m.doc = format!("`{}`.", m.name);
            for f in &mut m.fields {
                f.doc = if f.doc_zh.trim().is_empty() {
                    "(No description in the spec.)".into()
                } else {
                    inert(&f.doc_zh)
                };
            }
        }
        return Ok(false);
    };
    let groups: BTreeSet<&String> = inp.overrides.groups.keys().collect();
    for g in files.keys() {
        if !groups.contains(g) {
            return Err(format!("docs/{g}.toml: no group {g} in overrides.toml"));
        }
    }
    let mut op_docs: BTreeMap<&str, (&str, &input::OpDoc)> = BTreeMap::new();
    let mut model_docs: BTreeMap<&str, (&str, &input::ModelDoc)> = BTreeMap::new();
    for (g, file) in files {
        for (name, d) in &file.operations {
            if op_docs.insert(name, (g, d)).is_some() {
                return Err(format!("docs: operation {name} documented twice"));
            }
        }
        for (name, d) in &file.models {
            if model_docs.insert(name, (g, d)).is_some() {
                return Err(format!("docs: model {name} documented twice"));
            }
        }
    }
    let mut missing = Vec::new();
    for op in ops.iter_mut() {
        let Some((g, d)) = op_docs.remove(op.name.as_str()) else {
            missing.push(format!("operation {} (docs/{}.toml)", op.name, op.group));
            continue;
        };
        if g != op.group {
            return Err(format!(
                "docs/{g}.toml documents {}, which is in group {}",
                op.name, op.group
            ));
        }
        op.doc.summary = markdown(&d.summary);
        op.doc.details = d.details.as_deref().map(markdown);
        op.doc.returns = Some(markdown(&d.returns));
        op.doc.completion = Some(markdown(&d.completion));
        if let Some(page) = &d.reference {
            op.doc.page = page.clone();
        }
        op.doc.example = d.example.clone();
        let mut params = d.params.clone();
        for p in op.path_params.iter_mut().chain(op.query.iter_mut()) {
            match params.remove(&p.name) {
                Some(t) if !t.trim().is_empty() => p.doc = markdown(&t),
                _ => missing.push(format!("parameter {}.{}", op.name, p.name)),
            }
        }
        if let Some(extra) = params.keys().next() {
            return Err(format!(
                "docs/{g}.toml: {} has no parameter {extra}",
                op.name
            ));
        }
    }
    if let Some(extra) = op_docs.keys().next() {
        return Err(format!("docs: {extra} is not an operation of the spec"));
    }
    for m in models.values_mut() {
        let Some((_, d)) = model_docs.remove(m.name.as_str()) else {
            missing.push(format!("model {}", m.name));
            continue;
        };
        m.doc = markdown(&d.doc);
        let mut fields = d.fields.clone();
        for f in &mut m.fields {
            match fields.remove(&f.json) {
                Some(t) if !t.trim().is_empty() => f.doc = markdown(&t),
                _ => missing.push(format!("field {}.{}", m.name, f.json)),
            }
        }
        if let Some(extra) = fields.keys().next() {
            return Err(format!("docs: {} has no field {extra}", m.name));
        }
    }
    if let Some(extra) = model_docs.keys().next() {
        return Err(format!("docs: {extra} is not a model of the spec"));
    }
    if !missing.is_empty() {
        return Err(format!(
            "docs/ exists, so everything must be documented; missing {}:\n  {}",
            missing.len(),
            missing.join("\n  ")
        ));
    }
    Ok(true)
}

/// `60m`, `10s`, `1h`, `90s` in seconds.
fn duration_secs(s: &str) -> Result<u64, String> {
    let (n, unit) = s.split_at(s.trim_end_matches(|c: char| c.is_ascii_alphabetic()).len());
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 10s or 60m"))?;
    Ok(match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("{s:?} is not a duration like 10s or 60m")),
    })
}

/// Checks a source of an id (`path.x`, `body.x`, `body.x[]`, `answer.x`, `answer.x[].y`)
/// against the operation.
fn check_source(src: &str, op: &Op, models: &BTreeMap<String, Model>) -> Result<(), String> {
    let (place, rest) = src
        .split_once('.')
        .ok_or_else(|| format!("{src:?} is not path.X, body.X or answer.X"))?;
    let field_of = |model: &str, name: &str| -> Result<Ty, String> {
        let m = models
            .get(model)
            .ok_or_else(|| format!("{src}: no model {model}"))?;
        m.fields
            .iter()
            .find(|f| f.json == name)
            .map(|f| f.ty.clone())
            .ok_or_else(|| format!("{src}: {model} has no field {name}"))
    };
    match place {
        "path" => {
            if !op.path_params.iter().any(|p| p.name == rest) {
                return Err(format!("{src}: {} has no path parameter {rest}", op.name));
            }
        }
        "body" => {
            let b = op
                .body
                .as_ref()
                .ok_or_else(|| format!("{src}: {} has no body", op.name))?;
            let (name, list) = match rest.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (rest, false),
            };
            let ty = field_of(&b.model, name)?;
            if list != matches!(ty, Ty::List(_)) {
                return Err(format!("{src}: `[]` must mark exactly the list fields"));
            }
        }
        "answer" => {
            let mut model = match op.response.kind {
                Kind::JsonObject => op.response.type_name.clone(),
                // An untyped or text answer is read as JSON at run time.
                Kind::WholeBody => return Ok(()),
                _ => return Err(format!("{src}: {} answers no body", op.name)),
            };
            let parts: Vec<&str> = rest.split('.').collect();
            for (i, part) in parts.iter().enumerate() {
                let (name, list) = match part.strip_suffix("[]") {
                    Some(n) => (n, true),
                    None => (*part, false),
                };
                let ty = field_of(&model, name)?;
                let last = i + 1 == parts.len();
                match (&ty, list, last) {
                    (Ty::List(t), true, _) => match &**t {
                        Ty::Model(m) if !last => model = m.clone(),
                        Ty::Str if last => {}
                        _ => return Err(format!("{src}: {name} is not what the path says")),
                    },
                    (Ty::Model(m), false, false) => model = m.clone(),
                    (Ty::Str | Ty::Int, false, true) => {}
                    _ => return Err(format!("{src}: {name} is not what the path says")),
                }
            }
        }
        other => return Err(format!("{src}: {other:?} is not path, body or answer")),
    }
    Ok(())
}

/// Checks a state's place in the polled answer: `field`, `list[key=id].field`,
/// `list[name=Value].field` or `list[].field`.
fn check_status(path: &str, poll: &Op, models: &BTreeMap<String, Model>) -> Result<(), String> {
    let model = match poll.response.kind {
        Kind::JsonObject => &models[&poll.response.type_name],
        _ => return Err(format!("{path}: {} answers no object", poll.name)),
    };
    let field = |m: &Model, name: &str| -> Result<Ty, String> {
        m.fields
            .iter()
            .find(|f| f.json == name)
            .map(|f| f.ty.clone())
            .ok_or_else(|| format!("{path}: {} has no field {name}", m.name))
    };
    match path.split_once('.') {
        None => {
            field(model, path)?;
        }
        Some((list, leaf)) => {
            let (name, selector) = list
                .split_once('[')
                .and_then(|(n, s)| s.strip_suffix(']').map(|s| (n, s)))
                .ok_or_else(|| format!("{path}: expected list[key=id].field"))?;
            let item = match field(model, name)? {
                Ty::List(t) => match *t {
                    Ty::Model(m) => models[&m].name.clone(),
                    _ => return Err(format!("{path}: {name} is not a list of objects")),
                },
                _ => return Err(format!("{path}: {name} is not a list")),
            };
            let item = &models[&item];
            if !selector.is_empty() {
                let (key, _) = selector
                    .split_once('=')
                    .ok_or_else(|| format!("{path}: a selector is key=id or key=Value"))?;
                field(item, key)?;
            }
            field(item, leaf)?;
        }
    }
    Ok(())
}

fn plan_waits(
    t: &input::AsyncTable,
    ops: &[Op],
    models: &BTreeMap<String, Model>,
) -> Result<BTreeMap<String, Wait>, String> {
    const SIGNALS: &[&str] = &[
        "instance_status",
        "job",
        "background_task",
        "center_task",
        "resource_status",
    ];
    let find = |n: &str| ops.iter().find(|o| o.name == n);
    let mut out = BTreeMap::new();
    for (name, row) in &t.operations {
        let at = format!("async.toml [operations.{name}]");
        let op = find(name).ok_or_else(|| format!("{at}: {name} is not an operation"))?;
        if !SIGNALS.contains(&row.signal.as_str()) {
            return Err(format!(
                "{at}: signal {:?} is not one of {}",
                row.signal,
                SIGNALS.join(", ")
            ));
        }
        let poll_name = row
            .poll
            .clone()
            .ok_or_else(|| format!("{at}: no poll operation"))?;
        let poll = find(&poll_name)
            .ok_or_else(|| format!("{at}: poll {poll_name} is not an operation"))?;
        if poll.method != "GET" {
            return Err(format!("{at}: poll {poll_name} is not a GET"));
        }
        for src in row.instance.iter().chain(row.id.iter()) {
            check_source(src, op, models).map_err(|e| format!("{at}: {e}"))?;
        }
        let status = row
            .status_field
            .clone()
            .ok_or_else(|| format!("{at}: no status_field"))?;
        check_status(&status, poll, models).map_err(|e| format!("{at}: {e}"))?;
        // Every path parameter of the poll must have a source: `instance_id` the instance,
        // any other one the id.
        for p in &poll.path_params {
            let has = if p.name == "instance_id" {
                row.instance.is_some()
            } else {
                row.id.is_some()
            };
            if !has {
                return Err(format!(
                    "{at}: the poll {poll_name} needs {} but the row gives no source for it",
                    p.name
                ));
            }
        }
        if row.success.is_empty() {
            // The reference documents no completion: no waiter is generated.
            if row.note.is_none() {
                return Err(format!("{at}: no success state and no note saying why"));
            }
            continue;
        }
        let instance_wait = row.signal == "instance_status";
        let watches = match row.signal.as_str() {
            "instance_status" => "the instance's status".to_string(),
            "job" => "the job (`show_job_info`)".to_string(),
            "background_task" => format!(
                "the instance's background task (`{}`)",
                super::text::snake(&poll_name)
            ),
            "center_task" => "the Task Center task".to_string(),
            _ => format!("`{}` of `{}`", status, super::text::snake(&poll_name)),
        };
        out.insert(
            name.clone(),
            Wait {
                signal: row.signal.clone(),
                success: row.success.clone(),
                failure: row.failure.clone(),
                pending: row.pending.clone(),
                budget_secs: duration_secs(&row.budget).map_err(|e| format!("{at}: {e}"))?,
                interval_secs: duration_secs(&row.interval).map_err(|e| format!("{at}: {e}"))?,
                confirmations: if instance_wait { 2 } else { 1 },
                instance: row.instance.clone(),
                id: row.id.clone(),
                poll: poll_name,
                status,
                watches,
            },
        );
    }
    Ok(out)
}
