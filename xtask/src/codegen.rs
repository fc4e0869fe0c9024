//! `cargo xtask codegen [--check]`: everything that follows from the DCS v2 spec.
//!
//! Inputs: `codegen/dcs_v2_operations.json` (the official SDK's operations, pinned by sha256)
//! and `codegen/overrides.toml` (what the spec gets wrong or lacks, reviewed by hand).
//! Outputs, each marked `@generated` and run through rustfmt:
//!
//! - `crates/dcs-model/src/generated/`: per resource group, the models, the request types
//!   and their `Operation` impls; `operations.rs` with every operation's `OperationMeta`.
//! - `crates/dcs-client/src/generated/`: one `DcsClient` method per operation and the
//!   builders' setters.
//! - `crates/dcs-client/tests/generated_ops.rs`: one test per operation, with the expected
//!   path, query and body computed here, independently of the generated code.
//! - `crates/dcs-cli/src/generated.rs`: the `dcs call` dispatch table.
//! - `tests/interop/operations.rs`: every operation's example input, official SDK method and
//!   typed send, for the interop test against the official Python SDK.
//! - `crates/dcs-emulator/src/generated/dispatch.rs`: the emulator's typed validation entry
//!   point per operation; `answers.json`: one schema-valid example answer per operation, for
//!   the emulator's synthetic tier.
//! - `crates/dcs-emulator/tests/all_operations.rs`: every operation through `DcsClient`
//!   against the emulator.
//!
//! Nothing here embeds a date or depends on hash-map order: generating twice gives the same
//! bytes.

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const SPEC: &str = "codegen/dcs_v2_operations.json";
pub const OVERRIDES: &str = "codegen/overrides.toml";

type Files = BTreeMap<PathBuf, String>;

/// Runs the generator: writes the files, or with `check` compares them and lists the stale.
pub fn run(root: &Path, check: bool) -> Result<(), String> {
    let files = generate(root)?;
    let mut stale = Vec::new();
    for (rel, text) in &files {
        let path = root.join(rel);
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old.replace("\r\n", "\n") != *text {
            stale.push(rel.display().to_string());
            if !check {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                }
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
    }
    // Files in the generated folders that the generator no longer writes are stale too.
    for dir in GENERATED_DIRS {
        let d = root.join(dir);
        if let Ok(rd) = std::fs::read_dir(&d) {
            let mut names: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| PathBuf::from(dir).join(e.file_name())))
                .collect();
            names.sort();
            for rel in names {
                if !files.contains_key(&rel) {
                    stale.push(format!("{} (no longer generated)", rel.display()));
                    if !check {
                        let _ = std::fs::remove_file(root.join(&rel));
                    }
                }
            }
        }
    }
    if check {
        if stale.is_empty() {
            println!("codegen: {} generated files are up to date", files.len());
            Ok(())
        } else {
            Err(format!(
                "these generated files are stale or hand-edited:\n  {}\nrun `cargo xtask codegen` and commit the result",
                stale.join("\n  ")
            ))
        }
    } else {
        println!(
            "codegen: wrote {} of {} generated files",
            stale.len(),
            files.len()
        );
        Ok(())
    }
}

const GENERATED_DIRS: &[&str] = &[
    "crates/dcs-model/src/generated",
    "crates/dcs-client/src/generated",
    "crates/dcs-emulator/src/generated",
];

// ---------------------------------------------------------------------------------------------
// Inputs

struct Spec {
    sha: String,
    ops: Vec<Value>,
    models: BTreeMap<String, Value>,
}

struct Overrides {
    groups: BTreeMap<String, Vec<String>>,
    retry_safe: BTreeSet<String>,
    retry_unsafe: BTreeSet<String>,
    pagination: BTreeMap<String, (String, String)>,
    sensitive: BTreeSet<String>,
    types: BTreeMap<String, String>,
    enums: BTreeMap<String, String>,
    ignore_hints: BTreeSet<String>,
    /// Value sets the description states but the extractor did not read ("Model.field").
    values: BTreeMap<String, Vec<String>>,
    spec_sha256: String,
}

fn load(root: &Path) -> Result<(Spec, Overrides), String> {
    let bytes = std::fs::read(root.join(SPEC)).map_err(|e| format!("{SPEC}: {e}"))?;
    let sha = sha256_hex(&bytes);
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format!("{SPEC}: {e}"))?;
    let ops = doc["operations"]
        .as_array()
        .ok_or("spec: no operations array")?
        .clone();
    let models: BTreeMap<String, Value> = doc["models"]
        .as_object()
        .ok_or("spec: no models object")?
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let text =
        std::fs::read_to_string(root.join(OVERRIDES)).map_err(|e| format!("{OVERRIDES}: {e}"))?;
    let t: toml::Table = text.parse().map_err(|e| format!("{OVERRIDES}: {e}"))?;
    let strs = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let table = |k: &str| {
        t.get(k)
            .and_then(|v| v.as_table())
            .cloned()
            .unwrap_or_default()
    };
    let groups = table("groups")
        .iter()
        .map(|(k, v)| (k.clone(), strs(Some(v))))
        .collect();
    let retry = table("retry");
    let pagination = table("pagination")
        .iter()
        .map(|(k, v)| {
            let s = |f: &str| v.get(f).and_then(|x| x.as_str()).unwrap_or("").to_string();
            (k.clone(), (s("items"), s("total")))
        })
        .collect();
    let kv = |k: &str| -> BTreeMap<String, String> {
        table(k)
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect()
    };
    let o = Overrides {
        groups,
        retry_safe: strs(retry.get("safe")).into_iter().collect(),
        retry_unsafe: strs(retry.get("unsafe")).into_iter().collect(),
        pagination,
        sensitive: strs(table("sensitive").get("fields")).into_iter().collect(),
        types: kv("types"),
        enums: kv("enums"),
        ignore_hints: strs(table("hints").get("ignore")).into_iter().collect(),
        values: table("values")
            .iter()
            .map(|(k, v)| (k.clone(), strs(Some(v))))
            .collect(),
        spec_sha256: t
            .get("spec_sha256")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string(),
    };
    if o.spec_sha256 != sha {
        return Err(format!(
            "{SPEC} has sha256 {sha}, but {OVERRIDES} pins {}: review the new spec and update spec_sha256",
            o.spec_sha256
        ));
    }
    Ok((Spec { sha, ops, models }, o))
}

// ---------------------------------------------------------------------------------------------
// Names and text

fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn upper_snake(name: &str) -> String {
    snake(name).to_ascii_uppercase()
}

fn ident(name: &str) -> String {
    match name {
        "type" | "match" | "ref" | "self" | "mod" | "use" | "fn" | "in" | "as" | "move"
        | "static" => {
            format!("r#{name}")
        }
        _ => name.to_string(),
    }
}

/// Description text made safe for rustdoc: no intra-doc links, HTML or stray code spans.
fn doc_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "'")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('#', "\\#")
        .trim()
        .to_string()
}

fn doc_lines(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {line}");
        }
    }
}

fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

fn header(sha: &str) -> String {
    format!(
        "// @generated by `cargo xtask codegen` from codegen/dcs_v2_operations.json (sha256 {sha})\n// and codegen/overrides.toml. Do not edit: change the generator or the overrides.\n\n"
    )
}

// ---------------------------------------------------------------------------------------------
// Types

#[derive(Clone, Debug)]
enum Ty {
    Str,
    Int,
    Float,
    Bool,
    Any,
    Map,
    List(Box<Ty>),
    Model(String),
    Enum(String),
}

impl Ty {
    fn from_tree(t: &Value) -> Result<Ty, String> {
        Ok(match t["kind"].as_str().unwrap_or("") {
            "string" => Ty::Str,
            "integer" => Ty::Int,
            "number" => Ty::Float,
            "boolean" => Ty::Bool,
            "any" => Ty::Any,
            "map" => Ty::Map,
            "array" => Ty::List(Box::new(Ty::from_tree(&t["items"])?)),
            "model" => Ty::Model(t["model"].as_str().unwrap_or("").to_string()),
            k => return Err(format!("unknown type kind {k:?}")),
        })
    }
    fn rust(&self) -> String {
        match self {
            Ty::Str => "String".into(),
            Ty::Int => "i64".into(),
            Ty::Float => "f64".into(),
            Ty::Bool => "bool".into(),
            Ty::Any => "serde_json::Value".into(),
            Ty::Map => "std::collections::BTreeMap<String, String>".into(),
            Ty::List(t) => format!("Vec<{}>", t.rust()),
            Ty::Model(m) => m.clone(),
            Ty::Enum(e) => e.clone(),
        }
    }
    fn lenient(&self) -> Option<&'static str> {
        match self {
            Ty::Str => Some("crate::lenient::opt_string"),
            Ty::Int => Some("crate::lenient::opt_i64"),
            Ty::Float => Some("crate::lenient::opt_f64"),
            Ty::Bool => Some("crate::lenient::opt_bool"),
            _ => None,
        }
    }
    fn models(&self, out: &mut BTreeSet<String>) {
        match self {
            Ty::Model(m) => {
                out.insert(m.clone());
            }
            Ty::List(t) => t.models(out),
            _ => {}
        }
    }
}

struct Field {
    json: String,
    rust: String,
    ty: Ty,
    required: bool,
    sensitive: bool,
    /// The spec says integer and `[types]` widened it to float: a whole value is written as
    /// an integer, as the official SDK writes the int it declares.
    whole_as_int: bool,
    doc: String,
    hints: Vec<Value>,
    /// The spec notes that this string holds a number (`type_notes` kind
    /// `string_typed_numeric`).
    numeric_text: bool,
}

fn field_of(model: &str, f: &Value, o: &Overrides) -> Result<Field, String> {
    let json = f["json_name"].as_str().unwrap_or("").to_string();
    let key = format!("{model}.{json}");
    let mut ty = Ty::from_tree(&f["type_tree"]).map_err(|e| format!("{key}: {e}"))?;
    let spec_int = matches!(ty, Ty::Int);
    if let Some(fix) = o.types.get(&key) {
        ty = match fix.as_str() {
            "float" => Ty::Float,
            "int" => Ty::Int,
            "str" => Ty::Str,
            other => return Err(format!("overrides: unknown type {other} for {key}")),
        };
    }
    if let Some(e) = o.enums.get(&key) {
        if !matches!(ty, Ty::Str) {
            return Err(format!(
                "overrides: {key} is not a string and cannot be an enum"
            ));
        }
        ty = Ty::Enum(e.clone());
    }
    let mut hints = if o.ignore_hints.contains(&key) {
        Vec::new()
    } else {
        f["constraint_hints"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    if let Some(values) = o.values.get(&key) {
        hints.push(
            json!({"kind": "enum", "values": values, "text": "codegen/overrides.toml [values]"}),
        );
    }
    let whole_as_int = spec_int && matches!(ty, Ty::Float);
    Ok(Field {
        rust: ident(&json),
        json,
        ty,
        required: f["required"].as_bool().unwrap_or(false),
        sensitive: o.sensitive.contains(&key),
        whole_as_int,
        doc: f["description"].as_str().unwrap_or("").to_string(),
        hints,
        numeric_text: f["type_notes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|n| n["kind"] == "string_typed_numeric"),
    })
}

// ---------------------------------------------------------------------------------------------
// The plan: which op and model goes where

struct Op<'a> {
    v: &'a Value,
    name: String,
    group: String,
    method: String,
    path: String,
    kind: String,
    retry_safe: bool,
    path_params: Vec<(String, String)>, // (name, description), project_id excluded
    query: Vec<Param>,
    body: Option<(String, bool)>, // model, required
}

struct Param {
    name: String,
    ty: Ty,
    required: bool,
    doc: String,
    hints: Vec<Value>,
}

struct Plan<'a> {
    ops: Vec<Op<'a>>,
    model_group: BTreeMap<String, String>, // model -> module ("common" when shared)
    request_models: BTreeSet<String>,      // reachable from request bodies
    enums: BTreeMap<String, BTreeSet<String>>, // enum name -> values
    groups: Vec<String>,
}

fn plan<'a>(spec: &'a Spec, o: &Overrides) -> Result<Plan<'a>, String> {
    let mut group_of = BTreeMap::new();
    for (g, names) in &o.groups {
        for n in names {
            if group_of.insert(n.clone(), g.clone()).is_some() {
                return Err(format!("overrides: {n} is in two groups"));
            }
        }
    }
    let mut ops = Vec::new();
    for v in &spec.ops {
        let name = v["name"].as_str().unwrap_or("").to_string();
        let group = group_of
            .get(&name)
            .cloned()
            .ok_or_else(|| format!("overrides: {name} is in no group"))?;
        let method = v["http_method"].as_str().unwrap_or("").to_string();
        let retry_safe = match method.as_str() {
            "GET" | "DELETE" => true,
            _ => {
                let s = o.retry_safe.contains(&name);
                let u = o.retry_unsafe.contains(&name);
                match (s, u) {
                    (true, false) => true,
                    (false, true) => false,
                    _ => {
                        return Err(format!(
                            "overrides: {method} {name} must be in exactly one of retry.safe and retry.unsafe"
                        ))
                    }
                }
            }
        };
        let path = v["path"].as_str().unwrap_or("").to_string();
        let mut path_params = Vec::new();
        for p in v["path_params"].as_array().into_iter().flatten() {
            let n = p["name"].as_str().unwrap_or("");
            if n != "project_id" {
                path_params.push((
                    n.to_string(),
                    p["description"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
        // Every placeholder must be a path parameter and the reverse: a misspelt placeholder
        // is a generator error, never a literal `{name}` on the wire.
        let placeholders: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let declared: BTreeSet<&str> = v["path_params"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str())
            .collect();
        if placeholders.iter().copied().collect::<BTreeSet<_>>() != declared
            || placeholders.len() != declared.len()
        {
            return Err(format!(
                "{name}: path placeholders {placeholders:?} differ from its path parameters {declared:?}"
            ));
        }
        let mut query = Vec::new();
        for q in v["query_params"].as_array().into_iter().flatten() {
            query.push(Param {
                name: q["name"].as_str().unwrap_or("").to_string(),
                ty: Ty::from_tree(&q["type_tree"])?,
                required: q["required"].as_bool().unwrap_or(false),
                doc: q["description"].as_str().unwrap_or("").to_string(),
                hints: if o
                    .ignore_hints
                    .contains(&format!("{name}.{}", q["name"].as_str().unwrap_or("")))
                {
                    Vec::new()
                } else {
                    q["constraint_hints"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                },
            });
        }
        let body = if v["body"].is_object() {
            let m = v["body"]["type_tree"]["model"]
                .as_str()
                .ok_or_else(|| format!("{name}: body is not a model"))?;
            Some((
                m.to_string(),
                v["body"]["required"].as_bool().unwrap_or(false),
            ))
        } else {
            None
        };
        let kind = v["response"]["kind"].as_str().unwrap_or("").to_string();
        ops.push(Op {
            v,
            name,
            group,
            method,
            path,
            kind,
            retry_safe,
            path_params,
            query,
            body,
        });
    }
    ops.sort_by(|a, b| a.name.cmp(&b.name));
    for n in group_of.keys() {
        if !ops.iter().any(|op| &op.name == n) {
            return Err(format!("overrides: group member {n} is not an operation"));
        }
    }

    // Models: the group of every op that reaches them; shared ones go to `common`.
    let mut groups_of_model: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in &ops {
        for m in op.v["models_reachable"].as_array().into_iter().flatten() {
            if let Some(m) = m.as_str() {
                groups_of_model
                    .entry(m.to_string())
                    .or_default()
                    .insert(op.group.clone());
            }
        }
    }
    let mut model_group = BTreeMap::new();
    for (m, gs) in &groups_of_model {
        if !spec.models.contains_key(m) {
            continue;
        }
        let g = if gs.len() == 1 {
            gs.iter().next().cloned().unwrap_or_default()
        } else {
            "common".to_string()
        };
        model_group.insert(m.clone(), g);
    }
    // A model in a group module may only use models of that group or of common; a common
    // model may only use common ones.
    for (m, g) in &model_group {
        for f in spec.models[m]["fields"].as_array().into_iter().flatten() {
            let mut used = BTreeSet::new();
            Ty::from_tree(&f["type_tree"])?.models(&mut used);
            for u in used {
                let ug = model_group
                    .get(&u)
                    .ok_or_else(|| format!("{m} uses unknown model {u}"))?;
                if ug != g && ug != "common" {
                    return Err(format!("{m} (in {g}) uses {u} (in {ug})"));
                }
            }
        }
    }
    // Models reachable from request bodies.
    let mut request_models = BTreeSet::new();
    let mut stack: Vec<String> = ops
        .iter()
        .filter_map(|o| o.body.as_ref().map(|b| b.0.clone()))
        .collect();
    while let Some(m) = stack.pop() {
        if request_models.insert(m.clone()) {
            for f in spec.models[&m]["fields"].as_array().into_iter().flatten() {
                let mut used = BTreeSet::new();
                Ty::from_tree(&f["type_tree"])?.models(&mut used);
                stack.extend(used);
            }
        }
    }
    // Enums and their values.
    let mut enums: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, name) in &o.enums {
        let (m, f) = key
            .split_once('.')
            .ok_or_else(|| format!("overrides: bad enum key {key}"))?;
        let model = spec
            .models
            .get(m)
            .ok_or_else(|| format!("overrides: no model {m}"))?;
        let field = model["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| x["json_name"] == f)
            .ok_or_else(|| format!("overrides: no field {key}"))?;
        let values: Vec<String> = field["constraint_hints"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|h| h["kind"] == "enum")
            .flat_map(|h| h["values"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        if values.is_empty() {
            return Err(format!("overrides: {key} has no value set in the spec"));
        }
        if request_models.contains(m) {
            return Err(format!(
                "overrides: {key} is on the request side; it is validated, not an enum"
            ));
        }
        enums.entry(name.clone()).or_default().extend(values);
    }
    for key in o
        .sensitive
        .iter()
        .chain(o.types.keys())
        .chain(o.values.keys())
    {
        let (m, f) = key
            .split_once('.')
            .ok_or_else(|| format!("overrides: bad key {key}"))?;
        let ok = spec.models.get(m).is_some_and(|model| {
            model["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|x| x["json_name"] == f)
        });
        if !ok {
            return Err(format!("overrides: {key} is not a field of the spec"));
        }
    }
    for (op, (items, total)) in &o.pagination {
        let Some(x) = ops.iter().find(|x| &x.name == op) else {
            return Err(format!("overrides: paginated {op} is not an operation"));
        };
        let has = |n: &str| x.query.iter().any(|q| q.name == n);
        if !has("offset") || !has("limit") {
            return Err(format!("overrides: {op} does not take offset and limit"));
        }
        let resp = x.v["response"]["model"].as_str().unwrap_or("");
        let fields = &spec.models[resp]["fields"];
        for f in [items, total] {
            if !fields
                .as_array()
                .into_iter()
                .flatten()
                .any(|x| x["json_name"] == f.as_str())
            {
                return Err(format!("overrides: {resp} has no field {f}"));
            }
        }
    }
    for op in &ops {
        let has = |n: &str| op.query.iter().any(|q| q.name == n);
        if has("offset")
            && has("limit")
            && op.method == "GET"
            && !o.pagination.contains_key(&op.name)
        {
            return Err(format!(
                "{}: takes offset and limit but has no [pagination] entry",
                op.name
            ));
        }
    }
    let groups: Vec<String> = o.groups.keys().cloned().collect();
    Ok(Plan {
        ops,
        model_group,
        request_models,
        enums,
        groups,
    })
}

// ---------------------------------------------------------------------------------------------
// Reserved path values: a literal at the same place in another route of the same method.

fn reserved_values(op: &Op<'_>, all: &[Op<'_>]) -> BTreeMap<String, BTreeSet<String>> {
    let segs: Vec<&str> = op.path.split('/').collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for other in all {
        if other.name == op.name || other.method != op.method {
            continue;
        }
        let os: Vec<&str> = other.path.split('/').collect();
        if os.len() != segs.len() {
            continue;
        }
        let is_ph = |s: &str| s.starts_with('{');
        let compatible = segs
            .iter()
            .zip(&os)
            .all(|(a, b)| is_ph(a) || is_ph(b) || a == b);
        if !compatible {
            continue;
        }
        for (a, b) in segs.iter().zip(&os) {
            if is_ph(a) && !is_ph(b) {
                let name = a.trim_matches(|c| c == '{' || c == '}').to_string();
                if name != "project_id" {
                    out.entry(name).or_default().insert(b.to_string());
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Validation code from hints

fn num_lit(v: &Value) -> Option<String> {
    v.as_f64().map(|f| format!("{f:?}"))
}

/// Statements checking `val` (an expression of the field's Rust type, by reference) at
/// `path`/`field`. Empty when nothing can be checked.
fn hint_checks(ty: &Ty, hints: &[Value], path: &str, field: &str, val: &str) -> String {
    let mut out = String::new();
    let f = rust_str(field);
    // Several value sets on one field are alternatives (per engine or mode): check the union.
    let mut union: Vec<Value> = Vec::new();
    for h in hints.iter().filter(|h| h["kind"] == "enum") {
        for v in h["values"].as_array().into_iter().flatten() {
            if !union.contains(v) {
                union.push(v.clone());
            }
        }
    }
    let merged = json!({"kind": "enum", "values": union});
    let hints: Vec<&Value> = hints
        .iter()
        .filter(|h| h["kind"] != "enum")
        .chain((!union.is_empty()).then_some(&merged))
        .collect();
    for h in hints {
        let kind = h["kind"].as_str().unwrap_or("");
        let min = num_lit(&h["min"]);
        let max = num_lit(&h["max"]);
        let opt = |x: &Option<String>| match x {
            Some(v) => format!("Some({v})"),
            None => "None".into(),
        };
        let uopt = |x: &Value| match x.as_u64() {
            Some(v) => format!("Some({v})"),
            None => "None".into(),
        };
        match (kind, ty) {
            ("length", Ty::Str) => {
                let _ = writeln!(
                    out,
                    "crate::validate::length({path}, {f}, {val}, {}, {})?;",
                    uopt(&h["min"]),
                    uopt(&h["max"])
                );
            }
            ("max_length", Ty::Str) => {
                let _ = writeln!(
                    out,
                    "crate::validate::length({path}, {f}, {val}, None, {})?;",
                    uopt(&h["max"])
                );
            }
            ("range" | "min" | "max", Ty::Int) => {
                let _ = writeln!(
                    out,
                    "crate::validate::range({path}, {f}, *{val} as f64, {}, {})?;",
                    opt(&min),
                    opt(&max)
                );
            }
            ("range" | "min" | "max", Ty::Float) => {
                let _ = writeln!(
                    out,
                    "crate::validate::range({path}, {f}, *{val}, {}, {})?;",
                    opt(&min),
                    opt(&max)
                );
            }
            ("range" | "min" | "max", Ty::Str) => {
                let _ = writeln!(
                    out,
                    "crate::validate::text_range({path}, {f}, {val}, {}, {})?;",
                    opt(&min),
                    opt(&max)
                );
            }
            ("enum", _) => {
                let values: Vec<String> = h["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(rust_str))
                    .collect();
                if values.is_empty() {
                    continue;
                }
                let set = format!("&[{}]", values.join(", "));
                match ty {
                    Ty::Str => {
                        let _ =
                            writeln!(out, "crate::validate::one_of({path}, {f}, {val}, {set})?;");
                    }
                    Ty::Int => {
                        let _ = writeln!(
                            out,
                            "crate::validate::number_one_of({path}, {f}, *{val} as f64, {set})?;"
                        );
                    }
                    Ty::Float => {
                        let _ = writeln!(
                            out,
                            "crate::validate::number_one_of({path}, {f}, *{val}, {set})?;"
                        );
                    }
                    Ty::List(inner) if matches!(**inner, Ty::Str) => {
                        let _ = writeln!(
                            out,
                            "for x in {val}.iter() {{ crate::validate::one_of({path}, {f}, x, {set})?; }}"
                        );
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// dcs-model: models

/// The serializer of a field the spec declares integer and `[types]` widens to float
/// (`ResizeInstanceBody.new_capacity`: 0.125 GB exists): `4` stays `4` on the wire, as the
/// official SDK sends the int it declares, and only a fraction is written as one.
const WHOLE_AS_INT: &str = "
/// Writes a number the spec declares integer but that may have a fraction (`[types]` in
/// `codegen/overrides.toml`): a whole value as an integer, as the official SDK sends it,
/// anything else as a float.
#[allow(dead_code)] // only the groups with such a field use it, and each is a cargo feature
pub(crate) fn whole_as_int<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match *v {
        Some(x) if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 => s.serialize_i64(x as i64),
        Some(x) => s.serialize_f64(x),
        None => s.serialize_none(),
    }
}

";

fn gen_model(
    out: &mut String,
    name: &str,
    m: &Value,
    o: &Overrides,
    request_side: bool,
) -> Result<(), String> {
    let fields: Vec<Field> = m["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| field_of(name, f, o))
        .collect::<Result<_, _>>()?;
    let role = m["role"].as_str().unwrap_or("");
    let sensitive = fields.iter().any(|f| f.sensitive);
    let mut doc = format!("`{name}`");
    let users: Vec<String> = m["used_by_operations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(|s| format!("`{s}`")))
        .collect();
    if role == "response" {
        let _ = write!(doc, ": the answer of {}.", users.join(", "));
    } else {
        let _ = write!(doc, ": used by {}.", users.join(", "));
    }
    doc_lines(out, &doc);
    out.push_str("///\n/// Every field is optional: answers decode leniently, and a request only sends what is set.\n");
    if sensitive {
        out.push_str(
            "#[derive(Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n",
        );
    } else {
        out.push_str(
            "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n",
        );
    }
    out.push_str("#[serde(default)]\n#[non_exhaustive]\n");
    let _ = writeln!(out, "pub struct {name} {{");
    for f in &fields {
        let d = if f.doc.trim().is_empty() {
            "(No description in the API reference.)".to_string()
        } else {
            doc_text(&f.doc)
        };
        doc_lines(out, &d);
        if f.required {
            out.push_str("///\n/// Required in requests.\n");
        }
        if f.sensitive {
            out.push_str("///\n/// Sensitive: printed as `** redacted **` by `Debug`.\n");
        }
        out.push_str("#[serde(skip_serializing_if = \"Option::is_none\"");
        if let Some(l) = f.ty.lenient() {
            let _ = write!(out, ", deserialize_with = \"{l}\"");
        }
        if f.whole_as_int {
            out.push_str(", serialize_with = \"crate::generated::common::whole_as_int\"");
        }
        out.push_str(")]\n");
        let _ = writeln!(out, "pub {}: Option<{}>,", f.rust, f.ty.rust());
    }
    out.push_str("}\n\n");

    if sensitive {
        let _ = writeln!(out, "impl std::fmt::Debug for {name} {{");
        out.push_str("fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n");
        let _ = writeln!(out, "let mut d = f.debug_struct({});", rust_str(name));
        for f in &fields {
            if f.sensitive {
                let _ = writeln!(
                    out,
                    "d.field({}, &self.{}.as_ref().map(|_| crate::redact::Redacted));",
                    rust_str(&f.json),
                    f.rust
                );
            } else {
                let _ = writeln!(out, "d.field({}, &self.{});", rust_str(&f.json), f.rust);
            }
        }
        out.push_str("d.finish()\n}\n}\n\n");
    }

    if request_side {
        let _ = writeln!(out, "impl {name} {{");
        for f in &fields {
            let setter = format!("with_{}", f.json);
            let (arg, conv) = match &f.ty {
                Ty::Str => ("impl Into<String>".to_string(), "v.into()"),
                other => (other.rust(), "v"),
            };
            let _ = writeln!(out, "/// Sets `{}`.", f.json);
            let _ = writeln!(
                out,
                "pub fn {setter}(mut self, v: {arg}) -> Self {{ self.{} = Some({conv}); self }}",
                f.rust
            );
        }
        out.push_str(
            "/// Checks the fields against the API reference's rules; `path` names this value in errors.\n",
        );
        out.push_str(
            "pub fn validate_at(&self, path: &str) -> Result<(), crate::ValidationError> {\n",
        );
        out.push_str("let _ = path;\n");
        for f in &fields {
            if f.required {
                let _ = writeln!(
                    out,
                    "crate::validate::required(path, {}, &self.{})?;",
                    rust_str(&f.json),
                    f.rust
                );
            }
            let checks = hint_checks(&f.ty, &f.hints, "path", &f.json, "v");
            let nested = match &f.ty {
                Ty::Model(_) => format!(
                    "v.validate_at(&crate::validate::child(path, {}))?;\n",
                    rust_str(&f.json)
                ),
                Ty::List(inner) if matches!(**inner, Ty::Model(_)) => format!(
                    "for (i, x) in v.iter().enumerate() {{ x.validate_at(&crate::validate::index(&crate::validate::child(path, {}), i))?; }}\n",
                    rust_str(&f.json)
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
        out.push_str("Ok(())\n}\n}\n\n");
    }
    Ok(())
}

fn gen_enum(out: &mut String, name: &str, values: &BTreeSet<String>) {
    let variant = |v: &str| -> String {
        let p: String = v
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let lower = w.to_ascii_lowercase();
                let mut c = lower.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        if p.starts_with(|c: char| c.is_ascii_digit()) {
            format!("V{p}")
        } else {
            p
        }
    };
    let _ = writeln!(
        out,
        "/// A value set confirmed in `codegen/overrides.toml`; values this SDK does not know yet are kept in `Unknown`.\n#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum {name} {{"
    );
    for v in values {
        let _ = writeln!(out, "/// `{v}`\n{},", variant(v));
    }
    out.push_str("/// A value not in the set above, kept as sent.\nUnknown(String),\n}\n\n");
    let _ = writeln!(out, "impl {name} {{\n/// The value as the API spells it.\npub fn as_str(&self) -> &str {{\nmatch self {{");
    for v in values {
        let _ = writeln!(out, "Self::{} => {},", variant(v), rust_str(v));
    }
    out.push_str("Self::Unknown(s) => s,\n}\n}\n");
    out.push_str("/// Every known value.\npub const VALUES: &'static [&'static str] = &[");
    out.push_str(
        &values
            .iter()
            .map(|v| rust_str(v))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str("];\n}\n\n");
    let _ = writeln!(
        out,
        "impl From<&str> for {name} {{\nfn from(s: &str) -> Self {{\nmatch s {{"
    );
    for v in values {
        let _ = writeln!(out, "{} => Self::{},", rust_str(v), variant(v));
    }
    out.push_str("other => Self::Unknown(other.to_string()),\n}\n}\n}\n\n");
    let _ = writeln!(
        out,
        "impl std::fmt::Display for {name} {{\nfn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{ f.write_str(self.as_str()) }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl serde::Serialize for {name} {{\nfn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{ s.serialize_str(self.as_str()) }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl<'de> serde::Deserialize<'de> for {name} {{\nfn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{\nlet s = crate::lenient::opt_string(d)?.unwrap_or_default();\nOk(Self::from(s.as_str()))\n}}\n}}\n"
    );
}

// ---------------------------------------------------------------------------------------------
// dcs-model: requests and Operation impls

fn response_type(op: &Op<'_>) -> String {
    op.v["response"]["model"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}Response", op.name))
}

fn op_doc(op: &Op<'_>) -> String {
    let summary = op.v["summary"].as_str().unwrap_or("");
    let desc = op.v["description"].as_str().unwrap_or("");
    let mut d = format!("`{}`: {}", op.name, doc_text(summary));
    if !desc.is_empty() && desc != summary {
        let _ = write!(d, "\n\n{}", doc_text(desc));
    }
    let _ = write!(
        d,
        "\n\n`{} {}`. Reference: <https://support.huaweicloud.com/intl/en-us/api-dcs/{}.html>",
        op.method, op.path, op.name
    );
    d
}

fn gen_request(
    out: &mut String,
    op: &Op<'_>,
    all: &[Op<'_>],
    o: &Overrides,
    spec: &Spec,
) -> Result<(), String> {
    let req = format!("{}Request", op.name);
    let resp = response_type(op);
    let method = match op.method.as_str() {
        "GET" => "Get",
        "POST" => "Post",
        "PUT" => "Put",
        "DELETE" => "Delete",
        m => return Err(format!("{}: method {m}", op.name)),
    };
    // Response types for the kinds without a model in the spec.
    match op.kind.as_str() {
        "json_object" => {
            let _ = writeln!(
                out,
                "impl crate::operation::Decode for {resp} {{\nfn decode(body: &[u8]) -> Result<Self, crate::operation::DecodeError> {{\nif body.iter().all(u8::is_ascii_whitespace) {{ return Ok(Self::default()); }}\ncrate::operation::decode_json(body)\n}}\n}}\n"
            );
        }
        "empty" => {
            let _ = writeln!(
                out,
                "/// The answer of `{}`: nothing but the status (the body, if any, is kept on the client's output).\n#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n#[non_exhaustive]\npub struct {resp} {{}}\n\nimpl crate::operation::Decode for {resp} {{\nfn decode(_body: &[u8]) -> Result<Self, crate::operation::DecodeError> {{ Ok(Self {{}}) }}\n}}\n",
                op.name
            );
        }
        "whole_body" => {
            let ty = Ty::from_tree(&op.v["response"]["type_tree"])?;
            let decode = match &ty {
                Ty::Str => "crate::operation::decode_text(body).map(Self)",
                Ty::Any => "crate::operation::decode_any(body).map(Self)",
                _ => "crate::operation::decode_json(body).map(Self)",
            };
            let _ = writeln!(
                out,
                "/// The answer of `{}`: the whole body is one value.\n#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n#[serde(transparent)]\npub struct {resp}(pub {});\n\nimpl crate::operation::Decode for {resp} {{\nfn decode(body: &[u8]) -> Result<Self, crate::operation::DecodeError> {{ {decode} }}\n}}\n",
                op.name,
                ty.rust()
            );
        }
        "stream" => {
            let _ = writeln!(
                out,
                "/// The answer of `{}` is a byte stream: the client hands it out as a stream, never decoded or buffered whole.\n#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n#[non_exhaustive]\npub struct {resp} {{}}\n\nimpl crate::operation::Decode for {resp} {{\nfn decode(_body: &[u8]) -> Result<Self, crate::operation::DecodeError> {{ Err(crate::operation::DecodeError::new(\"{} answers a byte stream: use the client's send_stream\")) }}\n}}\n",
                op.name, op.name
            );
        }
        k => return Err(format!("{}: response kind {k}", op.name)),
    }

    let body_sensitive = op
        .body
        .as_ref()
        .is_some_and(|(m, _)| o.sensitive.iter().any(|s| s.starts_with(&format!("{m}."))));
    let _ = body_sensitive; // the body model's own Debug redacts
    doc_lines(out, &format!("The request of {}", op_doc(op)));
    out.push_str("///\n/// As JSON (the command line's input) its keys are the API's path and query parameter names, and `body`.\n");
    out.push_str("#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n#[serde(default)]\n#[non_exhaustive]\n");
    let _ = writeln!(out, "pub struct {req} {{");
    for (p, d) in &op.path_params {
        let d = if d.trim().is_empty() {
            "A path id.".to_string()
        } else {
            doc_text(d)
        };
        doc_lines(out, &format!("{d}\n\nPath parameter, required."));
        let _ = writeln!(out, "pub {}: String,", ident(p));
    }
    for q in &op.query {
        let d = if q.doc.trim().is_empty() {
            "(No description in the API reference.)".to_string()
        } else {
            doc_text(&q.doc)
        };
        doc_lines(
            out,
            &format!(
                "{d}\n\nQuery parameter{}.",
                if q.required { ", required" } else { "" }
            ),
        );
        out.push_str("#[serde(skip_serializing_if = \"Option::is_none\"");
        if let Some(l) = q.ty.lenient() {
            let _ = write!(out, ", deserialize_with = \"{l}\"");
        }
        out.push_str(")]\n");
        let _ = writeln!(out, "pub {}: Option<{}>,", ident(&q.name), q.ty.rust());
    }
    if let Some((m, required)) = &op.body {
        let d = op.v["body"]["description"].as_str().unwrap_or("");
        let d = if d.trim().is_empty() {
            "The request body.".to_string()
        } else {
            doc_text(d)
        };
        doc_lines(
            out,
            &format!(
                "{d}\n\nThe JSON body{}.",
                if *required { ", required" } else { "" }
            ),
        );
        let _ = writeln!(
            out,
            "#[serde(skip_serializing_if = \"Option::is_none\")]\npub body: Option<{m}>,"
        );
    }
    out.push_str("}\n\n");

    // new(): path ids as arguments.
    let _ = writeln!(out, "impl {req} {{");
    let args: Vec<String> = op
        .path_params
        .iter()
        .map(|(p, _)| format!("{}: impl Into<String>", ident(p)))
        .collect();
    let _ = writeln!(
        out,
        "/// A request with its path ids; every other field unset.\npub fn new({}) -> Self {{",
        args.join(", ")
    );
    out.push_str("Self {\n");
    for (p, _) in &op.path_params {
        let _ = writeln!(out, "{}: {}.into(),", ident(p), ident(p));
    }
    out.push_str("..Default::default()\n}\n}\n}\n\n");

    let meta = upper_snake(&op.name);
    let _ = writeln!(out, "impl crate::operation::Operation for {req} {{");
    let _ = writeln!(out, "const META: &'static crate::operation::OperationMeta = &crate::generated::operations::{meta};");
    let out_ty = resp.clone();
    let _ = writeln!(out, "type Output = {out_ty};");
    // validate
    out.push_str("fn validate(&self) -> Result<(), crate::ValidationError> {\n");
    let reserved = reserved_values(op, all);
    for (p, _) in &op.path_params {
        let r: Vec<String> = reserved
            .get(p)
            .map(|s| s.iter().map(|v| rust_str(v)).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "if self.{id}.is_empty() {{ return Err(crate::ValidationError::new({n}, crate::Rule::Missing)); }}\ncrate::validate::path_id({n}, &self.{id}, &[{}])?;",
            r.join(", "),
            id = ident(p),
            n = rust_str(p)
        );
    }
    for q in &op.query {
        if q.required {
            let _ = writeln!(
                out,
                "crate::validate::required(\"\", {}, &self.{})?;",
                rust_str(&q.name),
                ident(&q.name)
            );
        }
        let checks = hint_checks(&q.ty, &q.hints, "\"\"", &q.name, "v");
        if !checks.is_empty() {
            let _ = writeln!(
                out,
                "if let Some(v) = &self.{} {{\n{checks}}}",
                ident(&q.name)
            );
        }
    }
    if let Some((_, required)) = &op.body {
        if *required {
            out.push_str("crate::validate::required(\"\", \"body\", &self.body)?;\n");
        }
        out.push_str("if let Some(b) = &self.body { b.validate_at(\"body\")?; }\n");
    }
    out.push_str("Ok(())\n}\n");
    // write_path
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
            let _ = writeln!(
                out,
                "out.push_str(&crate::ids::encode_path_segment({src}));"
            );
        } else {
            literal.push_str(seg);
        }
    }
    if !literal.is_empty() {
        push_literal(out, &literal);
    }
    out.push_str("}\n");
    // write_query
    out.push_str(
        "fn write_query(&self, query: &mut crate::query::QueryWriter) {\nlet _ = query;\n",
    );
    for q in &op.query {
        let v = match q.ty {
            Ty::Str => format!("self.{}.as_deref()", ident(&q.name)),
            _ => format!("self.{}.as_ref()", ident(&q.name)),
        };
        let _ = writeln!(out, "query.opt({}, {v});", rust_str(&q.name));
    }
    out.push_str("}\n");
    // body
    if op.body.is_some() {
        let _ = writeln!(
            out,
            "fn body(&self) -> Option<Vec<u8>> {{ crate::operation::encode_body(crate::operation::HttpMethod::{method}, self.body.as_ref()) }}"
        );
    } else {
        out.push_str("fn body(&self) -> Option<Vec<u8>> { None }\n");
    }
    out.push_str("}\n\n");

    // Paginated
    if let Some((items, total)) = o.pagination.get(&op.name) {
        let resp_model = &spec.models[&resp];
        let field = |n: &str| {
            resp_model["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|f| f["json_name"] == n)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let item_ty = match Ty::from_tree(&field(items)["type_tree"])? {
            Ty::List(t) => t.rust(),
            _ => return Err(format!("{}: {items} is not a list", op.name)),
        };
        let total_expr = match Ty::from_tree(&field(total)["type_tree"])? {
            Ty::Int => format!("output.{}", ident(total)),
            Ty::Str => format!(
                "output.{}.as_deref().and_then(|s| s.trim().parse().ok())",
                ident(total)
            ),
            _ => return Err(format!("{}: {total} is not a number", op.name)),
        };
        let _ = writeln!(
            out,
            "impl crate::operation::Paginated for {req} {{\ntype Item = {item_ty};\nfn offset(&self) -> Option<i64> {{ self.offset }}\nfn set_offset(&mut self, offset: i64) {{ self.offset = Some(offset); }}\nfn limit(&self) -> Option<i64> {{ self.limit }}\nfn items(output: &Self::Output) -> &[Self::Item] {{ output.{i}.as_deref().unwrap_or(&[]) }}\nfn into_items(output: Self::Output) -> Vec<Self::Item> {{ output.{i}.unwrap_or_default() }}\nfn total(output: &Self::Output) -> Option<i64> {{ {total_expr} }}\n}}\n",
            i = ident(items)
        );
    }
    Ok(())
}

fn push_literal(out: &mut String, literal: &str) {
    if let (Some(c), 1) = (literal.chars().next(), literal.chars().count()) {
        let _ = writeln!(out, "out.push({c:?});");
    } else {
        let _ = writeln!(out, "out.push_str({});", rust_str(literal));
    }
}

fn gen_meta(out: &mut String, op: &Op<'_>) {
    let method = match op.method.as_str() {
        "GET" => "Get",
        "POST" => "Post",
        "PUT" => "Put",
        _ => "Delete",
    };
    let kind = match op.kind.as_str() {
        "json_object" => "JsonObject",
        "empty" => "Empty",
        "whole_body" => "WholeBody",
        _ => "Stream",
    };
    let mut params = Vec::new();
    for (p, _) in &op.path_params {
        params.push(format!(
            "ParamMeta {{ name: {}, location: ParamLocation::Path, kind: ParamKind::Str, required: true }}",
            rust_str(p)
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
            rust_str(&q.name),
            q.required
        ));
    }
    let _ = writeln!(
        out,
        "/// `{} {}`\npub const {}: OperationMeta = OperationMeta {{\nname: {},\nmethod_name: {},\ngroup: {},\nmethod: HttpMethod::{method},\npath_template: {},\ncontent_type: {},\nretry_safe: {},\nresponse_kind: ResponseKind::{kind},\nhas_body: {},\nbody_required: {},\nparams: &[{}],\nsummary: {},\n}};\n",
        op.method,
        op.path,
        upper_snake(&op.name),
        rust_str(&op.name),
        rust_str(&snake(&op.name)),
        rust_str(&op.group),
        rust_str(&op.path),
        rust_str(op.v["content_type_header_sent"].as_str().unwrap_or("application/json")),
        op.retry_safe,
        op.body.is_some(),
        op.body.as_ref().is_some_and(|b| b.1),
        params.join(", "),
        rust_str(op.v["summary"].as_str().unwrap_or("")),
    );
}

// ---------------------------------------------------------------------------------------------
// Example values (tests, the emulator's synthetic answers): valid under every hint.

fn example_scalar(ty: &Ty, hints: &[Value], name: &str, seed: &str) -> Value {
    let enum_vals: Vec<&Value> = hints
        .iter()
        .filter(|h| h["kind"] == "enum")
        .flat_map(|h| h["values"].as_array().into_iter().flatten())
        .collect();
    let lo = hints
        .iter()
        .filter(|h| matches!(h["kind"].as_str(), Some("range" | "min")))
        .filter_map(|h| h["min"].as_f64())
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
    let hi = hints
        .iter()
        .filter(|h| matches!(h["kind"].as_str(), Some("range" | "max")))
        .filter_map(|h| h["max"].as_f64())
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.min(b))));
    match ty {
        Ty::Str | Ty::Enum(_) => {
            if let Some(v) = enum_vals.first().and_then(|v| v.as_str()) {
                return json!(v);
            }
            if lo.is_some() || hi.is_some() {
                let n = lo.unwrap_or(0.0).max(hi.map_or(f64::MIN, |h| h.min(1.0)));
                return json!(format!("{}", n as i64));
            }
            let min_len = hints
                .iter()
                .filter(|h| h["kind"] == "length")
                .filter_map(|h| h["min"].as_u64())
                .max()
                .unwrap_or(0) as usize;
            let max_len = hints
                .iter()
                .filter(|h| matches!(h["kind"].as_str(), Some("length" | "max_length")))
                .filter_map(|h| h["max"].as_u64())
                .min()
                .unwrap_or(64) as usize;
            let mut s = format!("{seed}-{name}");
            while s.chars().count() < min_len {
                s.push('x');
            }
            let s: String = s.chars().take(max_len.max(1)).collect();
            json!(s)
        }
        Ty::Int => {
            if let Some(v) = enum_vals.first() {
                if let Some(n) = v.as_str().and_then(|s| s.parse::<i64>().ok()) {
                    return json!(n);
                }
            }
            let n = lo
                .map(|l| l as i64)
                .unwrap_or(1)
                .max(lo.map(|l| l as i64).unwrap_or(i64::MIN));
            let n = match hi {
                Some(h) if (n as f64) > h => h as i64,
                _ => n,
            };
            json!(n)
        }
        Ty::Float => {
            if let Some(v) = enum_vals.first() {
                if let Some(n) = v.as_str().and_then(|s| s.parse::<f64>().ok()) {
                    return json!(n);
                }
            }
            json!(lo.unwrap_or(0.5))
        }
        Ty::Bool => json!(true),
        Ty::Any => json!({"sample": name}),
        Ty::Map => json!({"k": "v"}),
        _ => Value::Null,
    }
}

/// A realistic example for a string field that holds a number or a time, where a
/// placeholder would not parse: `"1"` for counts and totals (examples have one-element lists),
/// `"6379"` for a port, `"100"` for a progress; a time in the form its description gives
/// (epoch milliseconds, `yyyyMMddHHmmss`, `YYYY-MM-DD HH:MM:SS`, a `00:00-01:00` window),
/// else RFC 3339. `None` keeps the placeholder: the field has a value set or a range (already
/// honoured), or the text would break a length hint.
fn realistic_text(f: &Field) -> Option<String> {
    let name = f.json.as_str();
    if f.hints
        .iter()
        .any(|h| matches!(h["kind"].as_str(), Some("enum" | "range" | "min" | "max")))
    {
        return None;
    }
    let doc = f.doc.as_str();
    let lower = doc.to_lowercase();
    let millis = doc.contains("时间戳") || doc.contains("毫秒") || lower.contains("unix");
    let timey = name.ends_with("_time") || name.ends_with("_at");
    let numeric = f.numeric_text
        || name.ends_with("_count")
        || name.ends_with("_num")
        || matches!(name, "capacity" | "port" | "progress");
    let text = if timey || (numeric && millis) {
        if millis {
            "1767225600000"
        } else if doc.contains("yyyyMMddHHmmss") {
            "20260101000000"
        } else if lower.contains("yyyy-mm-dd hh:mm:ss") {
            "2026-01-01 00:00:00"
        } else if doc.contains("00:00-01:00") {
            "00:00-01:00"
        } else if numeric {
            // A number the spec does not describe further: seconds.
            "60"
        } else {
            "2026-01-01T00:00:00Z"
        }
    } else if numeric {
        match name {
            "port" => "6379",
            "progress" => "100",
            _ => "1",
        }
    } else {
        return None;
    };
    let len = text.chars().count() as u64;
    let fits = f.hints.iter().all(|h| match h["kind"].as_str() {
        Some("length") => {
            h["min"].as_u64().is_none_or(|m| len >= m) && h["max"].as_u64().is_none_or(|m| len <= m)
        }
        Some("max_length") => h["max"].as_u64().is_none_or(|m| len <= m),
        _ => true,
    });
    fits.then(|| text.to_string())
}

fn example_value(
    spec: &Spec,
    o: &Overrides,
    ty: &Ty,
    hints: &[Value],
    name: &str,
    seed: &str,
    depth: usize,
) -> Value {
    match ty {
        Ty::List(inner) => {
            let v = example_value(spec, o, inner, hints, name, seed, depth + 1);
            if let (Ty::Str, true) = (&**inner, hints.iter().any(|h| h["kind"] == "enum")) {
                let first = hints
                    .iter()
                    .filter(|h| h["kind"] == "enum")
                    .flat_map(|h| h["values"].as_array().into_iter().flatten())
                    .next()
                    .cloned()
                    .unwrap_or(v);
                return json!([first]);
            }
            json!([v])
        }
        Ty::Model(m) => example_model(spec, o, m, seed, depth + 1),
        other => example_scalar(other, hints, name, seed),
    }
}

fn example_model(spec: &Spec, o: &Overrides, model: &str, seed: &str, depth: usize) -> Value {
    let mut obj = Map::new();
    if depth > 8 {
        return Value::Object(obj);
    }
    for f in spec.models[model]["fields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Ok(field) = field_of(model, f, o) else {
            continue;
        };
        let mut v = example_value(spec, o, &field.ty, &field.hints, &field.json, seed, depth);
        if matches!(field.ty, Ty::Str) {
            if let Some(text) = realistic_text(&field) {
                v = json!(text);
            }
        }
        obj.insert(field.json.clone(), v);
    }
    Value::Object(obj)
}

// ---------------------------------------------------------------------------------------------
// Emit everything

fn generate(root: &Path) -> Result<Files, String> {
    let (spec, o) = load(root)?;
    let p = plan(&spec, &o)?;
    let head = header(&spec.sha);
    let mut files: Files = BTreeMap::new();

    // --- dcs-model/src/generated
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    let mut enum_users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, g) in &p.model_group {
        for f in spec.models[m]["fields"].as_array().into_iter().flatten() {
            let fld = field_of(m, f, &o)?;
            if let Ty::Enum(e) = fld.ty {
                enum_users.entry(e).or_default().insert(g.clone());
            }
        }
    }
    {
        let mut common = String::new();
        for (name, values) in &p.enums {
            gen_enum(&mut common, name, values);
        }
        common.push_str(WHOLE_AS_INT);
        modules.insert("common".into(), common);
    }
    for (m, g) in &p.model_group {
        let text = modules.entry(g.clone()).or_default();
        gen_model(text, m, &spec.models[m], &o, p.request_models.contains(m))?;
    }
    for op in &p.ops {
        let text = modules.entry(op.group.clone()).or_default();
        gen_request(text, op, &p.ops, &o, &spec)?;
    }
    let mut mod_rs = head.clone();
    mod_rs.push_str("//! Generated models, requests and operation descriptions, one module per resource group\n//! (each behind the cargo feature of the same name).\n\n");
    mod_rs.push_str("pub mod common;\npub mod operations;\n");
    for g in &p.groups {
        let _ = writeln!(mod_rs, "#[cfg(feature = \"{g}\")]\npub mod {g};");
    }
    files.insert("crates/dcs-model/src/generated/mod.rs".into(), mod_rs);
    for (g, body) in &modules {
        let mut text = head.clone();
        let title = if g == "common" {
            "Models shared by several resource groups, and the confirmed enums.".to_string()
        } else {
            let ops: Vec<String> = p
                .ops
                .iter()
                .filter(|x| &x.group == g)
                .map(|x| format!("`{}`", x.name))
                .collect();
            format!("The `{g}` resource group: {}.", ops.join(", "))
        };
        let _ = writeln!(text, "//! {title}\n");
        text.push_str("#![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items, clippy::too_many_arguments, clippy::needless_borrow, clippy::needless_borrows_for_generic_args, rustdoc::bare_urls, rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]\n");
        if g != "common" {
            text.push_str("#[allow(unused_imports)]\nuse super::common::*;\n");
        }
        text.push('\n');
        text.push_str(body);
        files.insert(
            format!("crates/dcs-model/src/generated/{g}.rs").into(),
            text,
        );
    }
    let mut ops_rs = head.clone();
    ops_rs.push_str("//! Every DCS v2 operation's static description, and the list of them all.\n\nuse crate::operation::{HttpMethod, OperationMeta, ParamKind, ParamLocation, ParamMeta, ResponseKind};\n\n");
    for op in &p.ops {
        gen_meta(&mut ops_rs, op);
    }
    let _ = writeln!(
        ops_rs,
        "/// All {} operations, sorted by name.\npub static OPERATIONS: &[&OperationMeta] = &[{}];\n",
        p.ops.len(),
        p.ops.iter().map(|x| format!("&{}", upper_snake(&x.name))).collect::<Vec<_>>().join(", ")
    );
    ops_rs.push_str("/// The operation named `name` (as the API reference spells it).\npub fn find(name: &str) -> Option<&'static OperationMeta> {\nOPERATIONS.binary_search_by(|m| m.name.cmp(name)).ok().map(|i| OPERATIONS[i])\n}\n");
    files.insert(
        "crates/dcs-model/src/generated/operations.rs".into(),
        ops_rs,
    );

    // --- dcs-client/src/generated
    let mut client_mod = head.clone();
    client_mod.push_str(
        "//! One `DcsClient` method per operation, and the setters of each call builder.\n\n",
    );
    for g in &p.groups {
        let _ = writeln!(client_mod, "#[cfg(feature = \"{g}\")]\nmod {g};");
    }
    files.insert("crates/dcs-client/src/generated/mod.rs".into(), client_mod);
    for g in &p.groups {
        let mut text = head.clone();
        let _ = writeln!(text, "//! The `{g}` operations on `DcsClient`.\n");
        text.push_str("#![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items, clippy::too_many_arguments, rustdoc::bare_urls, rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]\n\n");
        let _ = writeln!(text, "use crate::{{CallBuilder, DcsClient}};\n#[allow(unused_imports)]\nuse dcs_model::generated::{g}::*;\n#[allow(unused_imports)]\nuse dcs_model::generated::common::*;\n");
        text.push_str("impl DcsClient {\n");
        for op in p.ops.iter().filter(|x| &x.group == g) {
            let req = format!("{}Request", op.name);
            doc_lines(&mut text, &op_doc(op));
            if op.kind == "stream" {
                text.push_str(
                    "///\n/// The answer is a byte stream: finish with `send_stream()`.\n",
                );
            }
            let mname = snake(&op.name);
            if mname.contains("pass_word") {
                let _ = writeln!(
                    text,
                    "#[doc(alias = \"{}\")]",
                    mname.replace("pass_word", "password")
                );
            }
            let args: Vec<String> = op
                .path_params
                .iter()
                .map(|(p, _)| format!("{}: impl Into<String>", ident(p)))
                .collect();
            let names: Vec<String> = op.path_params.iter().map(|(p, _)| ident(p)).collect();
            let _ = writeln!(
                text,
                "pub fn {mname}(&self, {}) -> CallBuilder<{req}> {{\nCallBuilder::new(self.clone(), {req}::new({}))\n}}\n",
                args.join(", "),
                names.join(", ")
            );
        }
        text.push_str("}\n\n");
        for op in p.ops.iter().filter(|x| &x.group == g) {
            let req = format!("{}Request", op.name);
            let mut setters = String::new();
            let mut taken: BTreeSet<String> = [
                "send",
                "send_stream",
                "with_options",
                "request",
                "request_mut",
                "into_request",
                "into_paginator",
                "body",
                "options",
                "client",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            for (pn, _) in &op.path_params {
                taken.insert(pn.clone());
            }
            for q in &op.query {
                let (arg, conv) = match q.ty {
                    Ty::Str => ("impl Into<String>".to_string(), "v.into()"),
                    ref t => (t.rust(), "v"),
                };
                if !taken.insert(q.name.clone()) {
                    return Err(format!("{}: setter {} collides", op.name, q.name));
                }
                let _ = writeln!(
                    setters,
                    "/// Sets the query parameter `{n}`.\npub fn {id}(mut self, v: {arg}) -> Self {{ self.request_mut().{id} = Some({conv}); self }}",
                    n = q.name,
                    id = ident(&q.name)
                );
            }
            if let Some((m, _)) = &op.body {
                let _ = writeln!(setters, "/// Sets the whole body.\npub fn body(mut self, body: {m}) -> Self {{ self.request_mut().body = Some(body); self }}");
                for f in spec.models[m]["fields"].as_array().into_iter().flatten() {
                    let fld = field_of(m, f, &o)?;
                    if !taken.insert(fld.json.clone()) {
                        continue; // a query parameter of the same name: set it through body()
                    }
                    let (arg, conv) = match fld.ty {
                        Ty::Str => ("impl Into<String>".to_string(), "v.into()"),
                        ref t => (t.rust(), "v"),
                    };
                    let _ = writeln!(
                        setters,
                        "/// Sets `body.{n}`.\npub fn {id}(mut self, v: {arg}) -> Self {{ self.request_mut().body.get_or_insert_with(Default::default).{id} = Some({conv}); self }}",
                        n = fld.json,
                        id = fld.rust
                    );
                }
            }
            if !setters.is_empty() {
                let _ = writeln!(text, "impl CallBuilder<{req}> {{\n{setters}}}\n");
            }
        }
        files.insert(
            format!("crates/dcs-client/src/generated/{g}.rs").into(),
            text,
        );
    }

    // --- dcs-cli dispatch
    let mut cli = head.clone();
    cli.push_str("//! `dcs call`: every operation by name.\n\nuse dcs_client::DcsClient;\n#[allow(unused_imports)]\nuse dcs_client::model::*;\n\n");
    cli.push_str("/// Runs the operation `name` with `input` (the API's parameter names and `body`); `None` for an unknown name.\npub fn call<'a>(client: &'a DcsClient, name: &str, input: &'a serde_json::Value, sink: &'a mut crate::call::Sink) -> Option<crate::call::CallFuture<'a>> {\nOption::Some(match name {\n");
    for op in &p.ops {
        let req = format!("generated::{}::{}Request", op.group, op.name);
        if op.kind == "stream" {
            let _ = writeln!(
                cli,
                "{} => Box::pin(crate::call::run_stream::<{req}>(client, input, sink)),",
                rust_str(&op.name)
            );
        } else {
            let _ = writeln!(
                cli,
                "{} => Box::pin(crate::call::run::<{req}>(client, input, sink)),",
                rust_str(&op.name)
            );
        }
    }
    cli.push_str("_ => return None,\n})\n}\n\n");
    cli.push_str("/// An input template with every parameter and body field of `name`, or `None`.\npub fn skeleton(name: &str) -> Option<serde_json::Value> {\nlet text = match name {\n");
    for op in &p.ops {
        let mut obj = Map::new();
        for (pn, _) in &op.path_params {
            obj.insert(pn.clone(), json!(""));
        }
        for q in &op.query {
            let v = match q.ty {
                Ty::Int => json!(0),
                Ty::Bool => json!(false),
                _ => json!(""),
            };
            obj.insert(q.name.clone(), v);
        }
        if let Some((m, _)) = &op.body {
            obj.insert("body".into(), skeleton_model(&spec, &o, m, 0));
        }
        let _ = writeln!(
            cli,
            "{} => {},",
            rust_str(&op.name),
            rust_str(&Value::Object(obj).to_string())
        );
    }
    cli.push_str("_ => return None,\n};\nserde_json::from_str(text).ok()\n}\n");
    files.insert("crates/dcs-cli/src/generated.rs".into(), cli);

    // --- the emulator: typed validation per operation, example answers, the all-ops test
    let (dispatch, answers, emu_tests) = gen_emulator(&spec, &o, &p, &head)?;
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
        emu_tests,
    );

    // --- the per-operation client tests
    files.insert(
        "crates/dcs-client/tests/generated_ops.rs".into(),
        gen_tests(&spec, &o, &p, &head)?,
    );

    // --- the interop test's table (the official Python SDK against our client)
    files.insert(
        "tests/interop/operations.rs".into(),
        gen_interop(&spec, &o, &p, &head),
    );

    // --- rustfmt every Rust file
    for (path, text) in files.iter_mut() {
        if path.extension().is_some_and(|e| e == "rs") {
            *text = rustfmt(text).map_err(|e| format!("rustfmt {}: {e}", path.display()))?;
        }
    }
    Ok(files)
}

fn skeleton_model(spec: &Spec, o: &Overrides, model: &str, depth: usize) -> Value {
    let mut obj = Map::new();
    if depth > 8 {
        return Value::Object(obj);
    }
    for f in spec.models[model]["fields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Ok(field) = field_of(model, f, o) else {
            continue;
        };
        obj.insert(field.json.clone(), skeleton_ty(spec, o, &field.ty, depth));
    }
    Value::Object(obj)
}

fn skeleton_ty(spec: &Spec, o: &Overrides, ty: &Ty, depth: usize) -> Value {
    match ty {
        Ty::Str | Ty::Enum(_) => json!(""),
        Ty::Int => json!(0),
        Ty::Float => json!(0.0),
        Ty::Bool => json!(false),
        Ty::Any => json!({}),
        Ty::Map => json!({}),
        Ty::List(t) => json!([skeleton_ty(spec, o, t, depth + 1)]),
        Ty::Model(m) => skeleton_model(spec, o, m, depth + 1),
    }
}

/// One operation's example input (every path id, query parameter and body field, valid under
/// every hint) and the path, query and body it must become on the wire, computed here,
/// independently of the generated code. Path ids carry an `é` to prove percent-encoding.
struct ExampleInput {
    input: Map<String, Value>,
    path: String,
    query: Vec<(String, String)>,
    body: Value,
}

fn example_input(spec: &Spec, o: &Overrides, op: &Op<'_>) -> ExampleInput {
    let seed = snake(&op.name).replace('_', "-");
    let mut input = Map::new();
    let mut path = String::new();
    for (i, seg) in op.path.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if name == "project_id" {
                path.push_str("PROJECT");
            } else {
                // Ids with a character that must be percent-encoded, to prove encoding.
                let v = format!("{name}-{seed}-é");
                path.push_str(&v.replace('é', "%C3%A9"));
                input.insert(name.to_string(), json!(v));
            }
        } else {
            path.push_str(seg);
        }
    }
    let mut query = Vec::new();
    for q in &op.query {
        let v = example_scalar(&q.ty, &q.hints, &q.name, &seed);
        let text = match &v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        query.push((q.name.clone(), text));
        input.insert(q.name.clone(), v);
    }
    let mut body = Value::Null;
    if let Some((m, _)) = &op.body {
        body = example_model(spec, o, m, &seed, 0);
        input.insert("body".into(), body.clone());
    }
    ExampleInput {
        input,
        path,
        query,
        body,
    }
}

/// The test file: for every operation, a full input (every path id, query parameter and body
/// field, valid under every hint), the path, query and body expected on the wire (computed
/// here, not by the generated code), and an answer built from the response model.
fn gen_tests(spec: &Spec, o: &Overrides, p: &Plan<'_>, head: &str) -> Result<String, String> {
    let mut t = head.to_string();
    t.push_str("//! Every operation, called through `DcsClient` against a loopback server that checks the\n//! signature and records what arrived: method, path, query and body must equal what the\n//! generator computed from the spec, and the answer built from the response model must\n//! decode to the same JSON.\n\n");
    t.push_str("mod common;\nuse common::{check_call, check_refused, Case};\n\n");
    for op in &p.ops {
        let seed = snake(&op.name).replace('_', "-");
        let ExampleInput {
            input,
            path,
            query,
            body,
        } = example_input(spec, o, op);
        let answer = match op.kind.as_str() {
            "json_object" => example_model(spec, o, &response_type(op), &seed, 0).to_string(),
            "whole_body" => {
                let ty = Ty::from_tree(&op.v["response"]["type_tree"])?;
                example_value(spec, o, &ty, &[], "body", &seed, 0).to_string()
            }
            "stream" => format!("hot keys of {seed}\n"),
            _ => String::new(),
        };
        let body_text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let q: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("({}, {})", rust_str(k), rust_str(v)))
            .collect();
        let args: Vec<String> = op
            .path_params
            .iter()
            .map(|(n, _)| rust_str(input[n.as_str()].as_str().unwrap_or("")))
            .collect();
        let _ = writeln!(
            t,
            "#[tokio::test]\nasync fn {}() {{\ncheck_call::<dcs_client::types::{}::{}Request>(Case {{\nname: {},\ninput: {},\nmethod: {},\npath: {},\nquery: &[{}],\nbody: {},\ncontent_type: {},\nanswer: {},\n}}, |c| c.{}({})).await;\n}}\n",
            snake(&op.name),
            op.group,
            op.name,
            rust_str(&op.name),
            rust_str(&Value::Object(input).to_string()),
            rust_str(&op.method),
            rust_str(&path),
            q.join(", "),
            rust_str(&body_text),
            rust_str(op.v["content_type_header_sent"].as_str().unwrap_or("")),
            rust_str(&answer),
            snake(&op.name),
            args.join(", "),
        );
    }
    // Hostile path ids: refused before anything is sent, for every operation that has one.
    for op in &p.ops {
        if op.path_params.is_empty() {
            continue;
        }
        for (bad_name, bad) in [("slash", "a/b"), ("dotdot", ".."), ("empty", "")] {
            let args: Vec<String> = op
                .path_params
                .iter()
                .enumerate()
                .map(|(i, _)| rust_str(if i == 0 { bad } else { "ok-id" }))
                .collect();
            let _ = writeln!(
                t,
                "#[tokio::test]\nasync fn {}_refuses_a_{bad_name}_id() {{\ncheck_refused({}, {}, |c| c.{}({})).await;\n}}\n",
                snake(&op.name),
                rust_str(&op.name),
                rust_str(&op.path_params[0].0),
                snake(&op.name),
                args.join(", ")
            );
        }
    }
    // A canary in every sensitive field never shows in Debug, of the model or of a request.
    t.push_str("#[test]\nfn sensitive_fields_never_show_in_debug() {\nconst CANARY: &str = \"canary-7f3a-secret\";\n");
    for key in &o.sensitive {
        let (m, f) = key.split_once('.').unwrap_or_default();
        let Some(g) = p.model_group.get(m) else {
            continue;
        };
        let _ = writeln!(
            t,
            "{{\nlet v: dcs_client::types::{g}::{m} = serde_json::from_value(serde_json::json!({{{}: CANARY}})).unwrap();\nlet d = format!(\"{{v:?}}\");\nassert!(!d.contains(CANARY), \"{key}: {{d}}\");\nassert!(d.contains(\"** redacted **\"), \"{key}: {{d}}\");\n}}",
            rust_str(f)
        );
    }
    t.push_str("}\n");
    Ok(t)
}

/// The interop table (`tests/interop/operations.rs`): for every operation, the same example
/// input as the per-operation client tests, the official Python SDK's method name, and the
/// typed send of our client, so that `tests/tests/official_sdk.rs` can send one input both
/// ways and compare what arrives.
fn gen_interop(spec: &Spec, o: &Overrides, p: &Plan<'_>, head: &str) -> String {
    let mut t = head.to_string();
    t.push_str("//! Every operation for the interop test (`tests/tests/official_sdk.rs`): its name, the\n//! official Python SDK's method, the example input of `crates/dcs-client/tests/generated_ops.rs`\n//! (the API's parameter names, the body under `body`), and our client's typed send of it.\n\nuse super::{send, send_stream, Case};\n\n/// One case per operation, sorted by name.\npub const CASES: &[Case] = &[\n");
    for op in &p.ops {
        let ExampleInput { input, .. } = example_input(spec, o, op);
        let send = if op.kind == "stream" {
            "send_stream"
        } else {
            "send"
        };
        let _ = writeln!(
            t,
            "Case {{\nname: {},\npython_method: {},\ninput: {},\nsend: {send}::<dcs_client::types::{}::{}Request>,\n}},",
            rust_str(&op.name),
            rust_str(op.v["python_method"].as_str().unwrap_or("")),
            rust_str(&Value::Object(input).to_string()),
            op.group,
            op.name,
        );
    }
    t.push_str("];\n");
    t
}

/// The emulator's generated parts: a `match` from operation name to the typed strict check of
/// its request; a JSON table of example answers (one line per operation, sorted by name:
/// `null` for empty answers, the bytes as a string for the stream); and a test calling every
/// operation through `DcsClient` against the emulator with a full, valid input.
fn gen_emulator(
    spec: &Spec,
    o: &Overrides,
    p: &Plan<'_>,
    head: &str,
) -> Result<(String, String, String), String> {
    let mut d = head.to_string();
    d.push_str("//! The typed entry point of every operation: the request's JSON form read strictly into its\n//! generated type, then its own `validate()`.\n\n#[allow(unused_imports)]\nuse dcs_model::generated::*;\n\n/// Checks `input` as the request of operation `name`; `None` for an unknown name.\npub(crate) fn check(name: &str, input: &serde_json::Value) -> Option<Result<(), dcs_model::ValidationError>> {\nSome(match name {\n");
    for op in &p.ops {
        let _ = writeln!(
            d,
            "{} => crate::validate::typed::<{}::{}Request>(input),",
            rust_str(&op.name),
            op.group,
            op.name
        );
    }
    d.push_str("_ => return None,\n})\n}\n");

    let mut a = String::from("{\n");
    let mut t = head.to_string();
    t.push_str("//! Every operation, called through `DcsClient` against the emulator with a full, valid\n//! input: the route matched, the signature accepted, the request validated and the answer\n//! decoded. Each case runs on a fresh emulator seeded with the ids the helper substitutes.\n\nmod common;\nuse common::{call_op, Case};\n\n");
    for (i, op) in p.ops.iter().enumerate() {
        let seed = snake(&op.name).replace('_', "-");
        let answer = match op.kind.as_str() {
            "json_object" => example_model(spec, o, &response_type(op), &seed, 0),
            "whole_body" => {
                let ty = Ty::from_tree(&op.v["response"]["type_tree"])?;
                example_value(spec, o, &ty, &[], "body", &seed, 0)
            }
            "stream" => json!(format!("hot keys of {seed}\n")),
            _ => Value::Null,
        };
        let _ = writeln!(
            a,
            "{}: {}{}",
            Value::String(op.name.clone()),
            answer,
            if i + 1 == p.ops.len() { "" } else { "," }
        );
        // The same input as the client's per-operation tests and the interop table.
        let ExampleInput { input, .. } = example_input(spec, o, op);
        let args: Vec<String> = op
            .path_params
            .iter()
            .map(|(n, _)| rust_str(input[n.as_str()].as_str().unwrap_or("")))
            .collect();
        let _ = writeln!(
            t,
            "#[tokio::test]\nasync fn {}() {{\ncall_op::<dcs_client::types::{}::{}Request>(Case {{ name: {}, input: {} }}, |c| c.{}({})).await;\n}}\n",
            snake(&op.name),
            op.group,
            op.name,
            rust_str(&op.name),
            rust_str(&Value::Object(input).to_string()),
            snake(&op.name),
            args.join(", ")
        );
    }
    a.push_str("}\n");
    Ok((d, a, t))
}

fn rustfmt(text: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = text.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_matches_the_official_method_names() {
        let (spec, _) = load(&crate::root()).unwrap();
        for op in &spec.ops {
            assert_eq!(
                snake(op["name"].as_str().unwrap()),
                op["python_method"].as_str().unwrap()
            );
        }
    }

    #[test]
    fn sha256_of_known_inputs() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// The checked-in generated files are what the generator writes now (what `--check` does,
    /// as a test, so `cargo test --workspace` catches a hand edit or a forgotten regeneration).
    #[test]
    fn generated_files_are_up_to_date() {
        run(&crate::root(), true).unwrap();
    }

    /// Generating twice gives the same bytes.
    #[test]
    fn generation_is_deterministic() {
        let a = generate(&crate::root()).unwrap();
        let b = generate(&crate::root()).unwrap();
        assert_eq!(a, b);
    }
}
