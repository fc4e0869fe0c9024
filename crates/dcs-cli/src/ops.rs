//! Operations by name for people: any spelling (`ListInstances`, `list_instances`,
//! `list-instances`), "did you mean" for the rest, each operation's help from the generated
//! table, the input template with optional fields, and unknown input keys with the key that
//! was probably meant.

use crate::generated::{self, FieldHelp, OpHelp};
use dcs_client::OperationMeta;
use serde_json::{Map, Value};

/// A name reduced to compare spellings: lower case, no `_`, `-` or spaces.
fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The edit distance of two short strings (Levenshtein, by characters).
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Up to three of `candidates` close to `wanted` (compared squashed), closest first.
pub fn suggest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let w = squash(wanted);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|c| {
            let s = squash(c);
            let d = distance(&w, &s);
            // Close in spelling, or one name inside the other (`Instance` in `ListInstances`).
            let close = d <= (w.chars().count().max(4) / 3).max(2)
                || (w.len() >= 5 && (s.contains(&w) || w.contains(&s)));
            close.then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// "; did you mean A or B?" for a list of suggestions (empty for none).
pub fn did_you_mean(s: &[&str]) -> String {
    match s {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

/// The operation `name` names in any of its spellings (`CreateInstance`, `create_instance`,
/// `create-instance`, any case), or an error with the closest names.
pub fn find(name: &str) -> Result<&'static OperationMeta, String> {
    if let Some(op) = dcs_client::model::find_operation(name) {
        return Ok(op);
    }
    let want = squash(name);
    if let Some(op) = dcs_client::model::OPERATIONS
        .iter()
        .find(|op| squash(op.name) == want)
    {
        return Ok(op);
    }
    let names = dcs_client::model::OPERATIONS.iter().map(|o| o.name);
    Err(format!(
        "no operation named {:?}{} (dcs call --list shows all 137)",
        dcs_client::sanitize(name),
        did_you_mean(&suggest(name, names))
    ))
}

/// The operation's help, as `dcs call OP --help` and `dcs help OP` print it.
pub fn help_text(meta: &OperationMeta) -> String {
    let mut s = String::new();
    let h = generated::help(meta.name);
    s.push_str(&format!(
        "{} ({} {})\n",
        meta.name, meta.method, meta.path_template
    ));
    if let Some(h) = h {
        s.push_str(&format!("\n{}\n", h.summary));
    }
    s.push_str(&format!(
        "\nAlso spelt {} or {}. Reference: {}\n",
        meta.method_name,
        meta.method_name.replace('_', "-"),
        meta.doc_url()
    ));
    let mut notes = Vec::new();
    if h.is_some_and(|h| h.paged) {
        notes.push("paged: --all walks every page (--page-size N items a page)".to_string());
    }
    if h.is_some_and(|h| h.stream) {
        notes.push(
            "answers a byte stream: it goes to stdout as it comes, or to --output-file".into(),
        );
    }
    if let Some(w) = dcs_client::DcsClient::wait_spec(meta.name) {
        notes.push(format!(
            "finishes later: --wait polls {} until {} (fails at once on {}), within {} by default",
            w.poll,
            w.success.join(" or "),
            if w.failure.is_empty() {
                "nothing".to_string()
            } else {
                w.failure.join(", ")
            },
            crate::wait::budget_words(w.budget)
        ));
    }
    if meta.has_project_id() {
        notes.push("project_id comes from the configuration, never from the input".into());
    }
    for n in notes {
        s.push_str(&format!("  - {n}\n"));
    }
    let fields: &[FieldHelp] = h.map(|h| h.fields).unwrap_or(&[]);
    if fields.is_empty() {
        s.push_str("\nInput: none (dcs call ");
        s.push_str(meta.name);
        s.push_str(")\n");
    } else {
        s.push_str("\nInput (JSON keys; body fields under \"body\"):\n");
        for f in fields {
            s.push_str(&format!(
                "\n  {}  {}, {}, {}\n",
                f.key,
                if f.required { "required" } else { "optional" },
                f.ty,
                f.location
            ));
            if !f.values.is_empty() {
                s.push_str(&format!("      one of: {}\n", f.values.join(", ")));
            }
            if !f.rules.is_empty() && f.rules != "a known value" {
                s.push_str(&format!("      rules: {}\n", f.rules));
            }
            if !f.doc.is_empty() {
                s.push_str(&format!("      {}\n", f.doc));
            }
        }
        s.push_str(&format!(
            "\nA template: dcs call {0} --skeleton (--with-optional for every field)\n",
            meta.name
        ));
    }
    s
}

/// The marker of a placeholder for an optional field, which `dcs call` leaves out of the
/// request when it is still there.
pub const OPTIONAL: &str = "OPTIONAL ";

/// The placeholder text of a field.
fn placeholder(f: &FieldHelp, marker: &str) -> Value {
    let mut s = format!("{marker}{}", f.ty);
    if !f.rules.is_empty() && f.rules != "a known value" {
        s.push_str(": ");
        s.push_str(f.rules);
    }
    if !f.values.is_empty() {
        s.push_str(": one of ");
        s.push_str(&f.values.join(", "));
    }
    Value::String(s)
}

/// Whether every field on the way to `key` (its parents in the body) is required, so the
/// field must be there whatever else is.
fn required_all_the_way(fields: &[FieldHelp], key: &str) -> bool {
    let mut k = key.to_string();
    loop {
        if fields.iter().any(|f| f.key == k && !f.required) {
            return false;
        }
        let Some(i) = k.rfind('.') else {
            return true;
        };
        let parent = k[..i].trim_end_matches("[]");
        if parent == "body" {
            return true;
        }
        k = parent.to_string();
    }
}

/// The input template with every field: required ones marked `REQUIRED ...` (to fill in),
/// optional ones `OPTIONAL ...` (left out of the request while they hold the placeholder).
pub fn full_skeleton(h: &OpHelp) -> Value {
    let mut root = Map::new();
    for f in h.fields {
        let marker = if required_all_the_way(h.fields, f.key) {
            crate::call::PLACEHOLDER
        } else {
            OPTIONAL
        };
        let parts: Vec<&str> = f.key.split('.').collect();
        insert(&mut root, &parts, f, marker);
    }
    Value::Object(root)
}

fn insert(obj: &mut Map<String, Value>, parts: &[&str], f: &FieldHelp, marker: &str) {
    let (first, rest) = match parts.split_first() {
        Some(x) => x,
        None => return,
    };
    let (name, list) = match first.strip_suffix("[]") {
        Some(n) => (n, true),
        None => (*first, false),
    };
    if rest.is_empty() {
        let v = if f.ty.starts_with("object (") {
            Value::Object(Map::new())
        } else if let Some(inner) = f.ty.strip_prefix("list of object") {
            let _ = inner;
            Value::Array(vec![Value::Object(Map::new())])
        } else if let Some(inner) = f.ty.strip_prefix("list of ") {
            let item = FieldHelp {
                key: f.key,
                location: f.location,
                ty: inner,
                required: f.required,
                rules: f.rules,
                values: f.values,
                doc: f.doc,
            };
            Value::Array(vec![placeholder(&item, marker)])
        } else {
            placeholder(f, marker)
        };
        obj.entry(name.to_string()).or_insert(v);
        return;
    }
    let child = obj
        .entry(name.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    let target = if list {
        if !child.is_array() {
            *child = Value::Array(vec![Value::Object(Map::new())]);
        }
        child.as_array_mut().and_then(|a| a.first_mut())
    } else {
        Some(child)
    };
    if let Some(Value::Object(m)) = target {
        insert(m, rest, f, marker);
    }
}

/// Takes out the optional placeholders still in `v` (and the objects and lists left empty by
/// that alone); how many were taken out.
pub fn drop_optional(v: &mut Value) -> usize {
    match v {
        Value::Object(m) => {
            let mut n = 0;
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                let Some(x) = m.get_mut(&k) else { continue };
                if matches!(x, Value::String(s) if s.starts_with(OPTIONAL)) {
                    m.remove(&k);
                    n += 1;
                    continue;
                }
                let was_empty = is_empty_container(x);
                let taken = drop_optional(x);
                n += taken;
                if taken > 0 && !was_empty && is_empty_container(x) {
                    m.remove(&k);
                }
            }
            n
        }
        Value::Array(a) => {
            let mut n = 0;
            a.retain_mut(|x| {
                if matches!(x, Value::String(s) if s.starts_with(OPTIONAL)) {
                    n += 1;
                    return false;
                }
                let taken = drop_optional(x);
                n += taken;
                !(taken > 0 && is_empty_container(x))
            });
            n
        }
        _ => 0,
    }
}

fn is_empty_container(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Every key of `input` that the operation does not have, each with the key probably meant:
/// checked against the help table (whose body rows go four levels deep; deeper keys, and the
/// keys of free-form objects, are left to the strict reader).
pub fn unknown_keys(h: &OpHelp, input: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Value::Object(top) = input else {
        return out;
    };
    let mut top_keys: Vec<&str> = h
        .fields
        .iter()
        .filter(|f| f.location != "body")
        .map(|f| f.key)
        .collect();
    if h.fields.iter().any(|f| f.location == "body") {
        top_keys.push("body");
    }
    for (k, v) in top {
        if k == "project_id" {
            continue; // refused with its own message
        }
        if !top_keys.contains(&k.as_str()) {
            out.push(unknown(k, k, top_keys.iter().copied()));
        } else if k == "body" {
            walk(h, "body", v, &mut out);
        }
    }
    out
}

fn walk(h: &OpHelp, path: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => {
            for item in items {
                walk(h, &format!("{path}[]"), item, out);
            }
        }
        Value::Object(m) => {
            // Only objects the table describes field by field.
            let prefix = format!("{path}.");
            let children: Vec<&str> = h
                .fields
                .iter()
                .filter_map(|f| f.key.strip_prefix(&prefix))
                .filter(|rest| !rest.contains('.'))
                .map(|rest| rest.trim_end_matches("[]"))
                .collect();
            let described = path == "body"
                || h.fields.iter().any(|f| {
                    f.key == path.trim_end_matches("[]")
                        && (f.ty.starts_with("object (") || f.ty.starts_with("list of object ("))
                });
            if children.is_empty() || !described {
                return;
            }
            for (k, x) in m {
                let full = format!("{prefix}{k}");
                if children.contains(&k.as_str()) {
                    walk(h, &full, x, out);
                } else {
                    out.push(unknown(&full, k, children.iter().copied()));
                }
            }
        }
        _ => {}
    }
}

fn unknown<'a>(path: &str, key: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    format!(
        "{}: unknown field{}",
        dcs_client::sanitize(&path.replace("[]", "[n]")),
        did_you_mean(&suggest(key, candidates))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_name_is_found_and_the_rest_suggested() {
        for n in [
            "ListInstances",
            "list_instances",
            "list-instances",
            "LIST-INSTANCES",
        ] {
            assert_eq!(find(n).unwrap().name, "ListInstances", "{n}");
        }
        let e = find("ListInstance").unwrap_err();
        assert!(e.contains("did you mean ListInstances"), "{e}");
        let e = find("list_instance").unwrap_err();
        assert!(e.contains("ListInstances"), "{e}");
        let e = find("zzzzzzzzzzzz").unwrap_err();
        assert!(!e.contains("did you mean"), "{e}");
    }

    #[test]
    fn unknown_fields_get_the_field_meant() {
        let h = generated::help("CreateInstance").unwrap();
        let input = serde_json::json!({"body": {"engin": "Redis", "name": "x", "bss_param": {"charging_mod": "x"}}, "limt": 1});
        let u = unknown_keys(h, &input);
        assert!(
            u.iter()
                .any(|m| m.starts_with("body.engin: unknown field; did you mean engine")),
            "{u:?}"
        );
        assert!(
            u.iter().any(|m| m.starts_with("limt: unknown field")),
            "{u:?}"
        );
        assert!(
            u.iter()
                .any(|m| m.contains("body.bss_param.charging_mod") && m.contains("charging_mode")),
            "{u:?}"
        );
        assert_eq!(u.len(), 3, "{u:?}");
    }

    #[test]
    fn the_full_skeleton_marks_required_and_optional_fields() {
        let h = generated::help("CreateInstance").unwrap();
        let s = full_skeleton(h);
        assert!(s["body"]["name"].as_str().unwrap().starts_with("REQUIRED "));
        assert!(s["body"]["description"]
            .as_str()
            .unwrap()
            .starts_with(OPTIONAL));
        let mut filled = s.clone();
        for (k, v) in [
            ("name", serde_json::json!("cache-1")),
            ("engine", serde_json::json!("Redis")),
            ("capacity", serde_json::json!(1)),
            ("spec_code", serde_json::json!("s")),
            ("az_codes", serde_json::json!(["a"])),
            ("vpc_id", serde_json::json!("v")),
            ("subnet_id", serde_json::json!("s")),
        ] {
            filled["body"][k] = v;
        }
        let n = drop_optional(&mut filled);
        assert!(n > 5);
        let mut unfilled = Vec::new();
        crate::call::placeholders_in("", &filled, &mut unfilled);
        assert!(unfilled.is_empty(), "{unfilled:?} in {filled}");
        assert_eq!(
            filled["body"].as_object().unwrap().len(),
            7,
            "only the filled fields are left: {filled}"
        );
    }
}
