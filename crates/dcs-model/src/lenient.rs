//! Lenient decoding of what the server sends: every generated response field goes through
//! one of these non-generic functions, so a number that arrives as a string (or the
//! reverse), a boolean written as `"true"`, or a `null` decodes instead of failing the call.
//! What cannot be read as the documented type is an error, never a silent default.

// Which decoders a build uses depends on the resource groups (cargo features) it has.
#![allow(dead_code)]

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Which scalar a visitor is reading.
#[derive(Clone, Copy)]
enum Want {
    Int,
    Float,
    Bool,
    Str,
}

struct Scalar(Want);

/// A scalar as read, before conversion.
enum Got {
    None,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
}

impl<'de> Visitor<'de> for Scalar {
    type Value = Got;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Want::Int => "an integer (or a string holding one)",
            Want::Float => "a number (or a string holding one)",
            Want::Bool => "a boolean (or \"true\"/\"false\")",
            Want::Str => "a string (or a number or boolean)",
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<Got, E> {
        Ok(Got::None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Got, E> {
        Ok(Got::None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Got, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Got, E> {
        Ok(Got::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Got, E> {
        Ok(Got::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Got, E> {
        match i64::try_from(v) {
            Ok(i) => Ok(Got::Int(i)),
            Err(_) => Ok(Got::Float(v as f64)),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Got, E> {
        Ok(Got::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Got, E> {
        Ok(Got::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Got, E> {
        Ok(Got::Str(v))
    }
}

fn read<'de, D: Deserializer<'de>>(d: D, want: Want) -> Result<Got, D::Error> {
    d.deserialize_any(Scalar(want))
}

fn wrong<E: de::Error>(want: &str, got: &str) -> E {
    E::custom(format_args!("expected {want}, got {got}"))
}

/// An optional integer: a number (a float only when it is whole), or a string holding one.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match read(d, Want::Int)? {
        Got::None => Ok(None),
        Got::Int(i) => Ok(Some(i)),
        Got::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        Got::Float(f) => Err(wrong("an integer", &f.to_string())),
        Got::Str(s) if s.trim().is_empty() => Ok(None),
        Got::Str(s) => s
            .trim()
            .parse::<i64>()
            .or_else(|_| match s.trim().parse::<f64>() {
                Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
                _ => Err(()),
            })
            .map(Some)
            .map_err(|_| wrong("an integer", &format!("{s:?}"))),
        Got::Bool(b) => Err(wrong("an integer", &b.to_string())),
    }
}

/// An optional number: any JSON number, or a string holding one.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match read(d, Want::Float)? {
        Got::None => Ok(None),
        Got::Int(i) => Ok(Some(i as f64)),
        Got::Float(f) => Ok(Some(f)),
        Got::Str(s) if s.trim().is_empty() => Ok(None),
        Got::Str(s) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| wrong("a number", &format!("{s:?}"))),
        Got::Bool(b) => Err(wrong("a number", &b.to_string())),
    }
}

/// An optional boolean: `true`/`false`, the strings `"true"`/`"false"` (any case), or 0/1.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match read(d, Want::Bool)? {
        Got::None => Ok(None),
        Got::Bool(b) => Ok(Some(b)),
        Got::Int(0) => Ok(Some(false)),
        Got::Int(1) => Ok(Some(true)),
        Got::Str(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Got::Str(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Got::Str(s) if s.is_empty() => Ok(None),
        Got::Str(s) => Err(wrong("a boolean", &format!("{s:?}"))),
        Got::Int(i) => Err(wrong("a boolean", &i.to_string())),
        Got::Float(f) => Err(wrong("a boolean", &f.to_string())),
    }
}

/// An optional string: a string, or a number or boolean written as text.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match read(d, Want::Str)? {
        Got::None => Ok(None),
        Got::Str(s) => Ok(Some(s)),
        Got::Int(i) => Ok(Some(i.to_string())),
        Got::Float(f) => Ok(Some(f.to_string())),
        Got::Bool(b) => Ok(Some(b.to_string())),
    }
}

/// A scalar as text: a string, or a number or boolean written as text; `null` as `""`. Value
/// sets decode through this, so an odd value becomes their `Unknown` instead of an error.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct T {
        #[serde(deserialize_with = "super::opt_i64")]
        i: Option<i64>,
        #[serde(deserialize_with = "super::opt_f64")]
        f: Option<f64>,
        #[serde(deserialize_with = "super::opt_bool")]
        b: Option<bool>,
        #[serde(deserialize_with = "super::opt_string")]
        s: Option<String>,
    }

    fn t(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn numbers_and_strings_cross_over() {
        let v = t(r#"{"i":"42","f":"0.125","b":"TRUE","s":7}"#).unwrap();
        assert_eq!(
            v,
            T {
                i: Some(42),
                f: Some(0.125),
                b: Some(true),
                s: Some("7".into())
            }
        );
        let v = t(r#"{"i":2.0,"f":3,"b":0,"s":false}"#).unwrap();
        assert_eq!(
            (v.i, v.f, v.b, v.s.as_deref()),
            (Some(2), Some(3.0), Some(false), Some("false"))
        );
        assert_eq!(t(r#"{"i":null,"s":null}"#).unwrap(), T::default());
        assert_eq!(t("{}").unwrap(), T::default());
        assert_eq!(t(r#"{"i":""}"#).unwrap(), T::default());
    }

    #[test]
    fn what_is_not_the_type_fails_with_the_reason() {
        for (json, needle) in [
            (r#"{"i":"ten"}"#, "expected an integer, got \"ten\""),
            (r#"{"i":1.5}"#, "expected an integer, got 1.5"),
            (r#"{"i":true}"#, "expected an integer"),
            (r#"{"b":"yes"}"#, "expected a boolean"),
            (r#"{"f":"x"}"#, "expected a number"),
            (r#"{"s":[1]}"#, "invalid type"),
        ] {
            let e = t(json).unwrap_err().to_string();
            assert!(e.contains(needle), "{json}: {e}");
        }
    }
}
