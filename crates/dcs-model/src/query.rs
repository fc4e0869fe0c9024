//! Query strings, written as the official SDK writes them: a pair per set parameter, in the
//! spec's order, booleans as `true`/`false`, integers in decimal. Percent-encoding (UTF-8,
//! RFC 3986 unreserved kept) happens once, in the transport's canonical query writer, so the
//! signed string and the sent one are the same bytes.

/// Collects query pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryWriter {
    pairs: Vec<(String, String)>,
}

/// A value that can be written into a query string.
pub trait QueryValue {
    /// The value as query text.
    fn to_query(&self) -> String;
}

impl QueryValue for str {
    fn to_query(&self) -> String {
        self.to_string()
    }
}
impl QueryValue for String {
    fn to_query(&self) -> String {
        self.clone()
    }
}
impl QueryValue for i64 {
    fn to_query(&self) -> String {
        self.to_string()
    }
}
impl QueryValue for bool {
    fn to_query(&self) -> String {
        if *self { "true" } else { "false" }.to_string()
    }
}

impl QueryWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `name=value` when `value` is set; an unset parameter is left out, as the official
    /// SDK leaves out `None`.
    pub fn opt<V: QueryValue + ?Sized>(&mut self, name: &str, value: Option<&V>) {
        if let Some(v) = value {
            self.pairs.push((name.to_string(), v.to_query()));
        }
    }

    /// The pairs, unencoded, in the order they were added.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Takes the pairs.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_the_official_sdk_writes_them() {
        let mut q = QueryWriter::new();
        q.opt("offset", Some(&0i64));
        q.opt::<i64>("limit", None);
        q.opt("include_failure", Some(&true));
        q.opt("name", Some("实例 1"));
        assert_eq!(
            q.pairs(),
            &[
                ("offset".to_string(), "0".to_string()),
                ("include_failure".to_string(), "true".to_string()),
                ("name".to_string(), "实例 1".to_string()),
            ]
        );
        let mut q = QueryWriter::new();
        q.opt("x", Some(&false));
        assert_eq!(q.into_pairs(), vec![("x".to_string(), "false".to_string())]);
    }
}
