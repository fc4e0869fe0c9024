//! The generator's inputs, read into typed structures that refuse unknown keys: a renamed key
//! in the spec or a misspelt section in a reviewed table is an error, never an empty value.
//!
//! - `spec.json`: what `codegen/extract_spec.py` reads out of the pinned official Python SDK.
//! - `overrides.toml`: resource groups, retry safety, pagination, sensitive fields, type fixes.
//! - `constraints.toml`: every rule that refuses a request before it is sent, reviewed against
//!   the English API reference.
//! - `values.toml`: the value sets that become enums.
//! - `errors.toml`: the documented error codes.
//! - `async.toml`: how each asynchronous operation completes (read when present).
//! - `docs/<group>.toml`: the English documentation (read when the folder is present).

// Every key of every input is declared, so an unknown one is refused; not every declared key
// is used by the emitters.
#![allow(dead_code)]

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Everything the generator reads, from one `codegen/` folder.
pub struct Inputs {
    pub spec: Spec,
    pub overrides: Overrides,
    pub constraints: Constraints,
    pub values: BTreeMap<String, ValueSet>,
    pub errors: Errors,
    pub asyncs: Option<AsyncTable>,
    /// `None` when there is no `docs/` folder; otherwise every group's file.
    pub docs: Option<BTreeMap<String, DocsFile>>,
}

impl Inputs {
    /// Reads every input of the `codegen/` folder `dir`.
    pub fn load(dir: &Path) -> Result<Inputs, String> {
        let spec: Spec = json(dir, "spec.json")?;
        if spec.format_version != 2 {
            return Err(format!(
                "spec.json: format_version {} (this generator reads 2)",
                spec.format_version
            ));
        }
        let docs_dir = dir.join("docs");
        let docs = if docs_dir.is_dir() {
            let mut all = BTreeMap::new();
            let mut names: Vec<_> = std::fs::read_dir(&docs_dir)
                .map_err(|e| format!("{}: {e}", docs_dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            names.sort();
            for p in names {
                let group = p
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_string();
                let file: DocsFile = toml_file(&p)?;
                all.insert(group, file);
            }
            Some(all)
        } else {
            None
        };
        let asyncs = if dir.join("async.toml").is_file() {
            Some(toml_in(dir, "async.toml")?)
        } else {
            None
        };
        Ok(Inputs {
            spec,
            overrides: toml_in(dir, "overrides.toml")?,
            constraints: toml_in(dir, "constraints.toml")?,
            values: toml_in(dir, "values.toml")?,
            errors: toml_in(dir, "errors.toml")?,
            asyncs,
            docs,
        })
    }
}

fn json<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<T, String> {
    let path = dir.join(name);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| format!("{}: {e}", path.display()))
}

fn toml_in<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<T, String> {
    toml_file(&dir.join(name))
}

fn toml_file<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// spec.json (format_version 2)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub format_version: u32,
    pub generated_by: String,
    /// Package name to version, e.g. `huaweicloudsdkdcs` = `3.1.219`.
    pub source: BTreeMap<String, String>,
    pub operations: Vec<SpecOp>,
    pub models: BTreeMap<String, SpecModel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecOp {
    pub name: String,
    pub python_method: String,
    pub http_method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub request_class: String,
    pub response_class: String,
    pub content_type: Option<String>,
    pub path_params: Vec<SpecParam>,
    pub query_params: Vec<SpecParam>,
    pub header_params: Vec<SpecParam>,
    pub form_params: Vec<SpecParam>,
    pub body: Option<SpecBody>,
    pub response: SpecResponse,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecParam {
    pub name: String,
    pub python_name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub description: String,
    /// Query parameters only: how a list is written (`csv`, `multi`), `None` for scalars.
    #[serde(default)]
    pub collection_format: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecBody {
    pub python_name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecResponse {
    /// `json_object`, `empty`, `whole_body` or `stream`.
    pub kind: String,
    /// The response model: for `json_object` the answer's fields; for `whole_body` a model
    /// with one field, `body`, whose type is the whole answer's; `None` otherwise.
    pub model: Option<String>,
    pub headers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecModel {
    /// `response` (an answer's top level) or `schema` (a body or a nested object).
    pub role: String,
    /// The SDK's own `sensitive_list`.
    pub sensitive: Vec<String>,
    pub fields: Vec<SpecField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecField {
    pub json_name: String,
    pub python_name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub description: String,
}

// ---------------------------------------------------------------------------------------------
// overrides.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Resource group name to its operations.
    pub groups: BTreeMap<String, Vec<String>>,
    pub retry: Retry,
    /// Paginated operation to its items and total fields.
    pub pagination: BTreeMap<String, Pagination>,
    pub sensitive: FieldList,
    /// `Model.field` to the type it really has (`float`, `int`, `str`).
    #[serde(default)]
    pub types: BTreeMap<String, String>,
    /// String fields that hold a number (for realistic examples).
    pub numeric_text: FieldList,
    /// `Operation.body.field` to the name of its `CallBuilder` setter, where the field's own
    /// name is taken by a path or query parameter.
    #[serde(default)]
    pub setters: BTreeMap<String, String>,
    /// `Model.field` to its SDK type (`str`, `int`, `object`, ...): fields the service sends
    /// that the official SDK's model lacks.
    #[serde(default)]
    pub added_fields: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    pub safe: Vec<String>,
    #[serde(rename = "unsafe")]
    pub not_safe: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    pub items: String,
    pub total: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldList {
    pub fields: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// constraints.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    #[serde(default)]
    pub rule: Vec<RuleRow>,
    #[serde(default)]
    pub dropped: Vec<Dropped>,
    #[serde(default)]
    pub required: RequiredChanges,
    #[serde(default)]
    pub proposal: Vec<Proposal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleRow {
    pub field: String,
    pub check: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub values: Option<Vec<toml::Value>>,
    pub set: Option<String>,
    pub format: Option<String>,
    pub first: Option<String>,
    pub allowed: Option<String>,
    pub reference: String,
    pub says: String,
    pub chosen: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dropped {
    pub field: String,
    pub extracted: String,
    pub why: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredChanges {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub drop: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub fields: Vec<String>,
    pub says: String,
    pub idea: String,
    pub reference: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// values.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueSet {
    pub doc: String,
    pub reference: String,
    pub fields: Vec<String>,
    pub values: Vec<ValueRow>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRow {
    pub value: String,
    pub variant: String,
    pub doc: String,
}

// ---------------------------------------------------------------------------------------------
// errors.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Errors {
    pub code: Vec<CodeRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRow {
    pub code: String,
    pub status: Option<u16>,
    pub meaning: String,
    pub action: Option<String>,
    pub class: Option<String>,
    /// Operations the code is known to come from.
    #[serde(default)]
    pub operations: Vec<String>,
    pub note: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// async.toml

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsyncTable {
    pub operations: BTreeMap<String, AsyncRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsyncRow {
    pub signal: String,
    #[serde(default)]
    pub success: Vec<String>,
    #[serde(default)]
    pub failure: Vec<String>,
    #[serde(default)]
    pub pending: Vec<String>,
    pub budget: String,
    pub interval: String,
    pub instance: Option<String>,
    pub poll: Option<String>,
    pub status_field: Option<String>,
    pub id: Option<String>,
    pub task_name: Option<String>,
    pub reference: Option<String>,
    pub evidence: String,
    pub note: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// docs/<group>.toml

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocsFile {
    pub group: Option<GroupDoc>,
    #[serde(default)]
    pub operations: BTreeMap<String, OpDoc>,
    #[serde(default)]
    pub models: BTreeMap<String, ModelDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpDoc {
    pub summary: String,
    pub details: Option<String>,
    pub returns: String,
    pub reference: Option<String>,
    pub completion: String,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The body of a `no_run` doc example (`client` is a `DcsClient` in scope).
    pub example: Option<String>,
    pub note: Option<String>,
}

/// A resource group's heading on `DcsClient` and the module docs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDoc {
    pub title: String,
    pub doc: String,
    /// The body of a `no_run` doc example (`client` is a `DcsClient` in scope).
    pub example: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDoc {
    pub doc: String,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    pub note: Option<String>,
}
