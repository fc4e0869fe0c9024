//! The checks generated `validate()` methods call. Each names the field by its path
//! (`offset`, `body.bss_param.charging_mode`, `body.tags[1].key`); the path is only built
//! when a check fails.

use crate::ids::{validate_path_param, Rule, ValidationError};

fn at(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// The path of element `i` of the list at `path`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The path of `field` inside `path`.
pub fn child(path: &str, field: &str) -> String {
    at(path, field)
}

/// A required value must be set.
pub fn required<T>(path: &str, field: &str, v: &Option<T>) -> Result<(), ValidationError> {
    match v {
        Some(_) => Ok(()),
        None => Err(ValidationError::new(at(path, field), Rule::Missing)),
    }
}

/// A path id: the path-parameter rules, not empty, and not a literal segment that would send
/// the request to another operation.
pub fn path_id(
    field: &'static str,
    v: &str,
    reserved: &'static [&'static str],
) -> Result<(), ValidationError> {
    validate_path_param(field, v)?;
    if reserved.contains(&v) {
        return Err(ValidationError::new(
            field,
            Rule::Reserved {
                actual: v.to_string(),
            },
        ));
    }
    Ok(())
}

/// Text length in characters within `[min, max]`.
pub fn length(
    path: &str,
    field: &str,
    v: &str,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), ValidationError> {
    let n = v.chars().count();
    if let Some(max) = max {
        if n > max {
            return Err(ValidationError::new(
                at(path, field),
                Rule::FieldTooLong { max, actual: n },
            ));
        }
    }
    if let Some(min) = min {
        if n < min {
            return Err(ValidationError::new(
                at(path, field),
                Rule::TooShort { min, actual: n },
            ));
        }
    }
    Ok(())
}

/// A number within `[min, max]`.
pub fn range(
    path: &str,
    field: &str,
    v: f64,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<(), ValidationError> {
    let low = min.is_some_and(|m| v < m);
    let high = max.is_some_and(|m| v > m);
    if low || high || v.is_nan() {
        return Err(ValidationError::new(
            at(path, field),
            Rule::OutOfRange {
                min: min.map(num),
                max: max.map(num),
                actual: num(v),
            },
        ));
    }
    Ok(())
}

/// Text holding a number within `[min, max]`.
pub fn text_range(
    path: &str,
    field: &str,
    v: &str,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<(), ValidationError> {
    match v.trim().parse::<f64>() {
        Ok(n) => range(path, field, n, min, max),
        Err(_) => Err(ValidationError::new(
            at(path, field),
            Rule::NotANumber {
                actual: v.to_string(),
            },
        )),
    }
}

/// A value from a documented set.
pub fn one_of(
    path: &str,
    field: &str,
    v: &str,
    allowed: &'static [&'static str],
) -> Result<(), ValidationError> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(ValidationError::new(
            at(path, field),
            Rule::NotOneOf {
                allowed,
                actual: v.to_string(),
            },
        ))
    }
}

/// A number from a documented set (compared as numbers, so `5` and `5.0` are one value).
pub fn number_one_of(
    path: &str,
    field: &str,
    v: f64,
    allowed: &'static [&'static str],
) -> Result<(), ValidationError> {
    if allowed
        .iter()
        .any(|a| a.parse::<f64>().is_ok_and(|a| a == v))
    {
        Ok(())
    } else {
        Err(ValidationError::new(
            at(path, field),
            Rule::NotOneOf {
                allowed,
                actual: num(v),
            },
        ))
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_name_the_field_path_and_the_rule() {
        let e = required::<i64>("body", "capacity", &None).unwrap_err();
        assert_eq!(e.to_string(), "invalid body.capacity: is required");
        let e = length("body.tags[1]", "key", "", Some(1), Some(36)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid body.tags[1].key: must be at least 1 characters, got 0"
        );
        let e = length("", "name", "abcd", None, Some(3)).unwrap_err();
        assert_eq!(e.field(), "name");
        let e = range("", "limit", 1001.0, Some(1.0), Some(1000.0)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid limit: must be between 1 and 1000, got 1001"
        );
        assert!(range("", "offset", 0.0, Some(0.0), None).is_ok());
        let e = text_range("body", "timezone_offset", "+13x", Some(-1200.0), None).unwrap_err();
        assert!(e.to_string().contains("must be a number"), "{e}");
        let e = one_of("", "cache_mode", "solo", &["single", "ha"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid cache_mode: must be one of single, ha, got \"solo\""
        );
        assert!(number_one_of("", "x", 5.0, &["1", "5"]).is_ok());
        let e = path_id("instance_id", "status", &["status", "statistic"]).unwrap_err();
        assert!(e.to_string().contains("names another operation"), "{e}");
        assert!(path_id("instance_id", "a/b", &[]).is_err());
        assert!(path_id("instance_id", "0b5a1f5e", &["status"]).is_ok());
    }
}
