//! The synthetic tier: a deterministic, schema-valid answer per operation, from the example
//! table the generator builds from the spec's models (values valid under every documented
//! hint, enum values from the documented sets), with ids taken from the request's path.

use serde_json::{Map, Value};
use std::sync::OnceLock;

fn table() -> &'static Map<String, Value> {
    static TABLE: OnceLock<Map<String, Value>> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("generated/answers.json")).unwrap_or_default()
    })
}

/// The example answer of `op` (`Null` for operations that answer nothing).
pub(crate) fn example(op: &str) -> Value {
    table().get(op).cloned().unwrap_or(Value::Null)
}

/// The example answer of `op` with every string field named like a path parameter set to
/// that parameter's value, so `ShowX(id)` answers about `id`.
pub(crate) fn answer(op: &str, path_params: &[(&'static str, String)]) -> Value {
    let mut v = example(op);
    for (name, value) in path_params {
        if *name != "project_id" {
            replace_key(&mut v, name, value);
        }
    }
    v
}

/// Sets every string under key `key` (at any depth) to `value`.
pub(crate) fn replace_key(v: &mut Value, key: &str, value: &str) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == key && child.is_string() {
                    *child = Value::String(value.to_string());
                } else {
                    replace_key(child, key, value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| replace_key(c, key, value)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Every string under a key accepted by `key` (at any depth), with the key.
    fn strings_under<'a>(
        v: &'a Value,
        key: &dyn Fn(&str) -> bool,
        out: &mut Vec<(String, &'a str)>,
    ) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    match child.as_str() {
                        Some(s) if key(k) => out.push((k.clone(), s)),
                        _ => strings_under(child, key, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|c| strings_under(c, key, out)),
            _ => {}
        }
    }

    #[test]
    fn string_typed_numbers_and_times_are_realistic() {
        let counts = |k: &str| {
            k.ends_with("_count") || k.ends_with("_num") || matches!(k, "port" | "capacity")
        };
        let times = |k: &str| (k.ends_with("_time") || k.ends_with("_at")) && k != "begin_at";
        let (mut n, mut t) = (0, 0);
        for meta in dcs_model::OPERATIONS {
            let v = super::example(meta.name);
            let mut found = Vec::new();
            strings_under(&v, &counts, &mut found);
            for (k, s) in found {
                assert!(s.parse::<f64>().is_ok(), "{}.{k} = {s:?}", meta.name);
                n += 1;
            }
            let mut found = Vec::new();
            strings_under(&v, &times, &mut found);
            for (k, s) in found {
                let ok = s.parse::<u64>().is_ok() || (s.starts_with("2026-01-01") && s.len() >= 19);
                assert!(ok, "{}.{k} = {s:?}", meta.name);
                t += 1;
            }
        }
        assert!(n > 20 && t > 50, "{n} numbers, {t} times");
    }
    #[test]
    fn every_operation_has_an_example() {
        for meta in dcs_model::OPERATIONS {
            let v = super::example(meta.name);
            let empty = meta.response_kind == dcs_model::ResponseKind::Empty;
            assert_eq!(v.is_null(), empty, "{}", meta.name);
        }
    }
}
