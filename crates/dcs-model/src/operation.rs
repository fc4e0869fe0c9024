//! Static descriptions of the DCS API operations this SDK knows about.

/// One API operation: its name, HTTP method, path template and the
/// `Content-Type` header the SDK sends with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation name used in the official API reference, e.g.
    /// `"DeleteCenterTask"`.
    pub name: &'static str,
    /// The HTTP method, upper-case, e.g. `"DELETE"`.
    pub method: &'static str,
    /// The path template with `{placeholder}` segments for path parameters.
    pub path_template: &'static str,
    /// The `Content-Type` header value sent with the request.
    pub content_type: &'static str,
}

impl Operation {
    /// The path with each `{name}` placeholder replaced by its value from `params`. Values
    /// are inserted as given, so pass them already percent-encoded (see
    /// [`crate::ids::encode_path_segment`]); a placeholder without a value is left as is.
    pub fn expand_path(&self, params: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(
            self.path_template.len() + params.iter().map(|(_, v)| v.len()).sum::<usize>(),
        );
        let mut rest = self.path_template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            out.push_str(&rest[..open]);
            let name = &rest[open + 1..close];
            match params.iter().find(|(n, _)| *n == name) {
                Some((_, v)) => out.push_str(v),
                None => out.push_str(&rest[open..=close]),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The inverse of [`expand_path`](Self::expand_path), for servers: when `path` has the
    /// template's shape (same segments, literal ones equal, each placeholder a non-empty
    /// segment), each placeholder's name with its segment, still percent-encoded.
    pub fn match_path<'p>(&self, path: &'p str) -> Option<Vec<(&'static str, &'p str)>> {
        let template: &'static str = self.path_template;
        let mut want = template.split('/');
        let mut got = path.split('/');
        let mut params = Vec::new();
        loop {
            match (want.next(), got.next()) {
                (None, None) => return Some(params),
                (Some(w), Some(g)) => match w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    Some(name) if !g.is_empty() => params.push((name, g)),
                    Some(_) => return None,
                    None if w == g => {}
                    None => return None,
                },
                _ => return None,
            }
        }
    }
}

/// `DeleteCenterTask`: delete a background task record.
///
/// `DELETE /v2/{project_id}/tasks/{task_id}` with an optional JSON body
/// `{"message": "..."}`; the service answers `200` with an empty body.
pub const DELETE_CENTER_TASK: Operation = Operation {
    name: "DeleteCenterTask",
    method: "DELETE",
    path_template: "/v2/{project_id}/tasks/{task_id}",
    content_type: "application/json;charset=utf-8",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_path_is_the_inverse_of_expand_path() {
        let path = DELETE_CENTER_TASK.expand_path(&[("project_id", "p%20q"), ("task_id", "t")]);
        assert_eq!(
            DELETE_CENTER_TASK.match_path(&path),
            Some(vec![("project_id", "p%20q"), ("task_id", "t")])
        );
        for other in [
            "/v2/p/tasks",
            "/v2/p/tasks/",
            "/v2//tasks/t",
            "/v2/p/tasks/t/x",
            "/v3/p/tasks/t",
            "/v2/p/jobs/t",
            "v2/p/tasks/t",
            "",
        ] {
            assert_eq!(DELETE_CENTER_TASK.match_path(other), None, "{other:?}");
        }
    }

    #[test]
    fn expand_path_fills_every_placeholder() {
        assert_eq!(
            DELETE_CENTER_TASK.expand_path(&[("project_id", "p%20q"), ("task_id", "t")]),
            "/v2/p%20q/tasks/t"
        );
        assert_eq!(
            DELETE_CENTER_TASK.expand_path(&[("task_id", "t")]),
            "/v2/{project_id}/tasks/t"
        );
    }
}
