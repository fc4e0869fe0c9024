//! A minimal JSON tree that keeps object members in document order
//! (including duplicate keys), so that lookups and the nested search follow
//! what the server actually wrote.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// The key serde_json uses to smuggle number text through `visit_map` when
/// its `arbitrary_precision` feature is switched on somewhere in the build.
const ARBITRARY_NUMBER_KEY: &str = "$serde_json::private::Number";

/// One parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

/// A JSON value rendered as text for use as a code or message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    pub(crate) text: String,
    pub(crate) was_number: bool,
}

impl Node {
    /// Parses a complete JSON document.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Node, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The members of an object, or `None` for any other kind of value.
    pub(crate) fn as_object(&self) -> Option<&[(String, Node)]> {
        match self {
            Node::Object(members) if self.arbitrary_number().is_none() => Some(members),
            _ => None,
        }
    }

    /// Number text delivered by serde_json's `arbitrary_precision` mode.
    fn arbitrary_number(&self) -> Option<&str> {
        match self {
            Node::Object(members) => match members.as_slice() {
                [(key, Node::Str(text))] if key == ARBITRARY_NUMBER_KEY => Some(text),
                _ => None,
            },
            _ => None,
        }
    }

    /// The value as text: strings as they are, numbers as their decimal
    /// text, other non-null values as compact JSON. `null` gives `None`.
    pub(crate) fn to_text(&self) -> Option<Text> {
        let number = |text: String| {
            Some(Text {
                text,
                was_number: true,
            })
        };
        match self {
            Node::Null => None,
            Node::Str(s) => Some(Text {
                text: s.clone(),
                was_number: false,
            }),
            Node::U64(n) => number(n.to_string()),
            Node::I64(n) => number(n.to_string()),
            // serde_json prints floats in their shortest round-trip form.
            Node::F64(_) => number(serde_json::to_string(self).unwrap_or_default()),
            Node::Bool(_) | Node::Array(_) | Node::Object(_) => {
                if let Some(text) = self.arbitrary_number() {
                    return number(text.to_owned());
                }
                Some(Text {
                    text: serde_json::to_string(self).unwrap_or_default(),
                    was_number: false,
                })
            }
        }
    }
}

/// Looks `key` up among object members; with duplicate keys the last one
/// wins, as in most JSON parsers.
pub(crate) fn member<'a>(members: &'a [(String, Node)], key: &str) -> Option<&'a Node> {
    members
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, value)| value)
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::I64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::U64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::F64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some(entry) = map.next_entry::<String, Node>()? {
            members.push(entry);
        }
        Ok(Node::Object(members))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::U64(n) => s.serialize_u64(*n),
            Node::I64(n) => s.serialize_i64(*n),
            Node::F64(n) => s.serialize_f64(*n),
            Node::Str(text) => s.serialize_str(text),
            Node::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

/// Writes a number the spec declares integer but that may have a fraction (`[types]` in
/// `codegen/overrides.toml`, e.g. `ResizeInstanceBody.new_capacity`: 0.125 GB exists): a whole
/// value as an integer, as the official SDK sends the int it declares, anything else as a
/// float.
#[allow(dead_code)] // only the groups with such a field use it, and each is a cargo feature
pub(crate) fn whole_as_int<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match *v {
        Some(x) if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 => {
            s.serialize_i64(x as i64)
        }
        Some(x) => s.serialize_f64(x),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_document_order_and_duplicates() {
        let node = Node::parse(br#"{"b":1,"a":[true,null,"x"],"b":2.5}"#).unwrap();
        let members = node.as_object().unwrap();
        assert_eq!(members.len(), 3);
        assert_eq!(member(members, "b"), Some(&Node::F64(2.5)));
        assert_eq!(
            node.to_text().unwrap().text,
            r#"{"b":1,"a":[true,null,"x"],"b":2.5}"#
        );
    }

    #[test]
    fn numbers_render_as_decimal_text() {
        let text = Node::parse(b"111400063").unwrap().to_text().unwrap();
        assert_eq!(text.text, "111400063");
        assert!(text.was_number);
        let text = Node::parse(b"-7").unwrap().to_text().unwrap();
        assert_eq!(text.text, "-7");
        assert_eq!(Node::parse(b"null").unwrap().to_text(), None);
    }
}
