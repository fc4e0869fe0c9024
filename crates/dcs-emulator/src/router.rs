//! The route table: every operation's method and path template, built once from the generated
//! `OPERATIONS`, matched with literal segments winning over placeholders position by position
//! (so `GET /v2/{p}/instances/status` is never `ShowInstance`).

use dcs_model::{OperationMeta, OPERATIONS};
use percent_encoding::percent_decode_str;
use std::cmp::Ordering;
use std::sync::OnceLock;

/// One template segment.
#[derive(Debug)]
enum Seg {
    Literal(&'static str),
    Param(&'static str),
}

#[derive(Debug)]
struct Route {
    meta: &'static OperationMeta,
    segs: Vec<Seg>,
}

fn table() -> &'static [Route] {
    static TABLE: OnceLock<Vec<Route>> = OnceLock::new();
    TABLE.get_or_init(|| {
        OPERATIONS
            .iter()
            .map(|meta| Route {
                meta,
                segs: meta
                    .path_template
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Seg::Param(name),
                            None => Seg::Literal(s),
                        },
                    )
                    .collect(),
            })
            .collect()
    })
}

/// What the path and method resolve to.
#[derive(Debug)]
pub(crate) enum Resolved {
    /// An operation, with each placeholder's percent-decoded value.
    Op {
        meta: &'static OperationMeta,
        params: Vec<(&'static str, String)>,
    },
    /// Some template has this path, but not with this method.
    WrongMethod,
    /// No template has this path.
    NoRoute,
}

impl Route {
    fn matches(&self, got: &[&str]) -> bool {
        self.segs.len() == got.len()
            && self.segs.iter().zip(got).all(|(s, g)| match s {
                Seg::Literal(l) => l == g,
                Seg::Param(_) => !g.is_empty(),
            })
    }

    /// Literal beats placeholder at the first position where the two differ.
    fn precedence(&self, other: &Route) -> Ordering {
        for (a, b) in self.segs.iter().zip(&other.segs) {
            match (a, b) {
                (Seg::Literal(_), Seg::Param(_)) => return Ordering::Greater,
                (Seg::Param(_), Seg::Literal(_)) => return Ordering::Less,
                _ => {}
            }
        }
        Ordering::Equal
    }
}

/// Resolves a raw (still percent-encoded) path and a method.
pub(crate) fn resolve(method: &str, raw_path: &str) -> Resolved {
    let got: Vec<&str> = raw_path.split('/').collect();
    let mut any_path = false;
    let mut best: Option<&Route> = None;
    for r in table().iter().filter(|r| r.matches(&got)) {
        any_path = true;
        if r.meta.method.as_str() != method {
            continue;
        }
        if best.is_none_or(|b| r.precedence(b) == Ordering::Greater) {
            best = Some(r);
        }
    }
    match best {
        Some(r) => Resolved::Op {
            meta: r.meta,
            params: r
                .segs
                .iter()
                .zip(&got)
                .filter_map(|(s, g)| match s {
                    Seg::Param(name) => Some((
                        *name,
                        percent_decode_str(g).decode_utf8_lossy().into_owned(),
                    )),
                    Seg::Literal(_) => None,
                })
                .collect(),
        },
        None if any_path => Resolved::WrongMethod,
        None => Resolved::NoRoute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(method: &str, path: &str) -> &'static str {
        match resolve(method, path) {
            Resolved::Op { meta, .. } => meta.name,
            Resolved::WrongMethod => "405",
            Resolved::NoRoute => "404",
        }
    }

    #[test]
    fn literals_win_over_placeholders() {
        assert_eq!(
            name("GET", "/v2/p/instances/status"),
            "ListNumberOfInstancesInDifferentStatus"
        );
        assert_eq!(
            name("GET", "/v2/p/instances/statistic"),
            "ListStatisticsOfRunningInstances"
        );
        assert_eq!(name("GET", "/v2/p/instances/export-job"), "ExportExcelJob");
        assert_eq!(name("GET", "/v2/p/instances/i-1"), "ShowInstance");
        assert_eq!(
            name("PUT", "/v2/p/instances/status"),
            "RestartOrFlushInstances"
        );
        assert_eq!(name("PUT", "/v2/p/instances/i-1"), "UpdateInstance");
        assert_eq!(
            name("PUT", "/v2/p/i-1/client-ip-transparent-transmission"),
            "UpdateClientIpTransparentTransmission"
        );
        assert_eq!(
            name("PUT", "/v2/p/config-templates/t-1"),
            "UpdateConfigTemplate"
        );
        assert_eq!(
            name("PUT", "/v2/p/migration-task/t-1"),
            "UpdateMigrationTask"
        );
        assert_eq!(name("GET", "/v2/available-zones"), "ListAvailableZones");
        assert_eq!(
            name("GET", "/v2/instances/maintain-windows"),
            "ListMaintenanceWindows"
        );
        assert_eq!(name("POST", "/v2/p/tasks/t"), "405");
        assert_eq!(name("GET", "/v2/p/nothing/here/at/all"), "404");
        assert_eq!(name("GET", "/v2/p/instances/"), "404");
    }

    #[test]
    fn every_operation_routes_to_itself() {
        for meta in OPERATIONS {
            let path = meta
                .path_template
                .split('/')
                .map(|s| if s.starts_with('{') { "x-1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(name(meta.method.as_str(), &path), meta.name, "{path}");
        }
    }
}
