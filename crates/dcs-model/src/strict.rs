//! Input given as JSON (the command line's `--input-json`, a request body the emulator
//! receives) read strictly into a generated type: an unknown field, or a value of the wrong
//! type, is refused with the field's path, although the same types decode server answers
//! leniently.
//!
//! The check is generic: decode, encode again, and compare with the input. Whatever the
//! decoder dropped (an unknown field) or changed (a string read as a number) shows up as a
//! difference at its path.

use crate::ids::{Rule, ValidationError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Reads `input` as a `T`, refusing unknown fields and values of the wrong type. `root`
/// prefixes the paths in errors (e.g. `"body"`, or `""` for the top level).
pub fn from_value<T: Serialize + DeserializeOwned>(
    root: &str,
    input: &Value,
) -> Result<T, ValidationError> {
    let typed: T = serde_path_to_error::deserialize(input).map_err(|e| {
        let inner = e.path().to_string();
        let path = join(root, if inner == "." { "" } else { &inner });
        ValidationError::new(
            if path.is_empty() {
                "input".to_string()
            } else {
                path
            },
            Rule::Shape {
                message: e.into_inner().to_string(),
            },
        )
    })?;
    let back = serde_json::to_value(&typed).map_err(|e| {
        ValidationError::new(
            if root.is_empty() { "input" } else { root }.to_string(),
            Rule::Shape {
                message: e.to_string(),
            },
        )
    })?;
    compare(root, input, &back)?;
    Ok(typed)
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (false, true) => a.to_string(),
        (false, false) if b.starts_with('[') => format!("{a}{b}"),
        _ => format!("{a}.{b}"),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn shape(path: &str, message: String) -> ValidationError {
    ValidationError::new(
        if path.is_empty() { "input" } else { path }.to_string(),
        Rule::Shape { message },
    )
}

fn compare(path: &str, input: &Value, back: &Value) -> Result<(), ValidationError> {
    match (input, back) {
        (Value::Null, _) => Ok(()),
        (Value::Object(i), Value::Object(b)) => {
            for (k, v) in i {
                let p = join(path, k);
                match b.get(k) {
                    Some(bv) => compare(&p, v, bv)?,
                    None if v.is_null() => {}
                    None => return Err(shape(&p, "unknown field".to_string())),
                }
            }
            Ok(())
        }
        (Value::Array(i), Value::Array(b)) if i.len() == b.len() => {
            for (n, (iv, bv)) in i.iter().zip(b).enumerate() {
                compare(&format!("{path}[{n}]"), iv, bv)?;
            }
            Ok(())
        }
        (Value::Number(i), Value::Number(b)) => {
            if i.as_f64() == b.as_f64() {
                Ok(())
            } else {
                Err(shape(
                    path,
                    format!("the number {i} cannot be taken as {b}"),
                ))
            }
        }
        (i, b) if i == b => Ok(()),
        (i, b) => Err(shape(
            path,
            format!("expected {}, got {}", kind(b), kind(i)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Serialize, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Inner {
        #[serde(skip_serializing_if = "Option::is_none")]
        #[serde(deserialize_with = "crate::lenient::opt_string")]
        key: Option<String>,
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Outer {
        #[serde(skip_serializing_if = "Option::is_none")]
        #[serde(deserialize_with = "crate::lenient::opt_i64")]
        limit: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tags: Option<Vec<Inner>>,
    }

    #[test]
    fn exact_input_is_read() {
        let v: Outer =
            from_value("", &json!({"limit": 5, "tags": [{"key": "a"}], "x": null})).unwrap();
        assert_eq!(v.limit, Some(5));
        assert_eq!(v.tags.unwrap()[0].key.as_deref(), Some("a"));
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_refused_with_their_path() {
        let e = from_value::<Outer>("", &json!({"limt": 5})).unwrap_err();
        assert_eq!(e.field(), "limt");
        assert_eq!(e.to_string(), "invalid limt: unknown field");
        let e = from_value::<Outer>("", &json!({"limit": "5"})).unwrap_err();
        assert_eq!(e.field(), "limit");
        assert!(
            e.to_string().contains("expected a number, got a string"),
            "{e}"
        );
        let e = from_value::<Outer>("body", &json!({"tags": [{"key": 7}]})).unwrap_err();
        assert_eq!(e.field(), "body.tags[0].key");
        let e = from_value::<Outer>("body", &json!({"tags": [{"key": "a", "k": 1}]})).unwrap_err();
        assert_eq!(e.field(), "body.tags[0].k");
        let e = from_value::<Outer>("", &json!({"tags": "x"})).unwrap_err();
        assert_eq!(e.field(), "tags");
        let e = from_value::<Outer>("", &json!({"limit": 1.5})).unwrap_err();
        assert_eq!(e.field(), "limit");
        let e = from_value::<Outer>("", &json!([1])).unwrap_err();
        assert_eq!(e.field(), "input");
    }
}
