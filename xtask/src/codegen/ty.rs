//! Field types: the official SDK's `openapi_types` strings, parsed, and their Rust forms.

use std::collections::BTreeSet;

/// A field's type.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Str,
    Int,
    Float,
    Bool,
    /// `object`: any JSON value.
    Any,
    /// `dict(str, str)`.
    Map,
    List(Box<Ty>),
    Model(String),
    /// A value set of `values.toml` (a string on the wire).
    Enum(String),
}

impl Ty {
    /// Parses an SDK type string: `str`, `int`, `float`, `bool`, `object`, `dict(str, str)`,
    /// `list[X]`, or a model name (which must be one of `models`).
    pub fn parse(s: &str, models: &dyn Fn(&str) -> bool) -> Result<Ty, String> {
        let s = s.trim();
        Ok(match s {
            "str" => Ty::Str,
            "int" => Ty::Int,
            "float" => Ty::Float,
            "bool" => Ty::Bool,
            "object" => Ty::Any,
            "dict(str, str)" => Ty::Map,
            _ => {
                if let Some(inner) = s.strip_prefix("list[").and_then(|x| x.strip_suffix(']')) {
                    Ty::List(Box::new(Ty::parse(inner, models)?))
                } else if s.starts_with(|c: char| c.is_ascii_uppercase())
                    && s.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    if !models(s) {
                        return Err(format!("type {s} names no model of the spec"));
                    }
                    Ty::Model(s.to_string())
                } else {
                    return Err(format!("unknown SDK type {s:?}"));
                }
            }
        })
    }

    /// The Rust type (inside the field's `Option`).
    pub fn rust(&self) -> String {
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

    /// The lenient decoder of an optional field of this type, where one is needed (value
    /// sets decode leniently by themselves).
    pub fn lenient(&self) -> Option<&'static str> {
        match self {
            Ty::Str => Some("crate::lenient::opt_string"),
            Ty::Int => Some("crate::lenient::opt_i64"),
            Ty::Float => Some("crate::lenient::opt_f64"),
            Ty::Bool => Some("crate::lenient::opt_bool"),
            _ => None,
        }
    }

    /// Collects the models this type refers to.
    pub fn models(&self, out: &mut BTreeSet<String>) {
        match self {
            Ty::Model(m) => {
                out.insert(m.clone());
            }
            Ty::List(t) => t.models(out),
            _ => {}
        }
    }

    /// Whether a value set may stand in for this type (strings and lists of strings).
    pub fn is_text(&self) -> bool {
        match self {
            Ty::Str => true,
            Ty::List(t) => matches!(**t, Ty::Str),
            _ => false,
        }
    }

    /// The same shape with strings replaced by the enum `name`.
    pub fn with_enum(&self, name: &str) -> Ty {
        match self {
            Ty::List(_) => Ty::List(Box::new(Ty::Enum(name.to_string()))),
            _ => Ty::Enum(name.to_string()),
        }
    }

    /// A word for messages and docs.
    pub fn describe(&self) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::Int => "integer".into(),
            Ty::Float => "number".into(),
            Ty::Bool => "boolean".into(),
            Ty::Any => "any JSON value".into(),
            Ty::Map => "object of strings".into(),
            Ty::List(t) => format!("list of {}", t.describe()),
            Ty::Model(m) => format!("object ({m})"),
            Ty::Enum(e) => format!("string ({e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_type_strings_parse() {
        let known = |m: &str| m == "Tag";
        assert_eq!(Ty::parse("str", &known).unwrap(), Ty::Str);
        assert_eq!(
            Ty::parse("list[Tag]", &known).unwrap(),
            Ty::List(Box::new(Ty::Model("Tag".into())))
        );
        assert_eq!(Ty::parse("dict(str, str)", &known).unwrap(), Ty::Map);
        assert!(Ty::parse("list[Nope]", &known)
            .unwrap_err()
            .contains("Nope"));
        assert!(Ty::parse("datetime", &known).is_err());
        assert_eq!(
            Ty::List(Box::new(Ty::Str)).with_enum("E"),
            Ty::List(Box::new(Ty::Enum("E".into())))
        );
    }
}
