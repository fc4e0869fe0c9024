//! How lists and records are shown: a table on a terminal, JSON elsewhere, or TSV; with
//! `--query`, a JMESPath expression applied to the JSON first.

use serde_json::Value;
use std::io::IsTerminal;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// Pretty JSON, the API's field names.
    Json,
    /// Tab-separated, one record a line, no header escaping beyond tabs and newlines.
    Tsv,
}

impl Format {
    /// `--output`, or the default: a table on a terminal, JSON elsewhere.
    pub fn choose(flag: Option<&str>) -> Result<Format, String> {
        match flag {
            Some("table") => Ok(Format::Table),
            Some("json") => Ok(Format::Json),
            Some("tsv") => Ok(Format::Tsv),
            Some(other) => Err(format!("--output {other:?}: use table, json or tsv")),
            None if std::io::stdout().is_terminal() => Ok(Format::Table),
            None => Ok(Format::Json),
        }
    }
}

/// Prints `text` to stdout; a closed pipe (`| head`) is not worth a panic.
pub fn print(text: &str) {
    write_out(text);
}

/// Writes `text` to stdout, never panicking; whether it was all written (`false`: the reader
/// is gone, stop writing).
pub fn write_out(text: &str) -> bool {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .is_ok()
}

/// Writes `text` to stderr. A closed stderr is never a panic: the text is lost, the work goes
/// on. Whether it was written.
pub fn eprint(text: &str) -> bool {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    err.write_all(text.as_bytes())
        .and_then(|_| err.flush())
        .is_ok()
}

/// The longest `--query` expression taken, in characters.
pub const MAX_QUERY_CHARS: usize = 4096;
/// The most structure a `--query` expression may have: every bracket, parenthesis, brace,
/// `.`, `|`, `&`, `!` and comparison character outside quotes counts one. The JMESPath
/// library parses and evaluates by recursion, one level for each of these at worst, so an
/// expression with more could overflow the stack (64 levels of the deepest kind fit in a
/// 2 MiB thread stack even in a debug build, where about 110 do not; the main thread that
/// evaluates has 8 MiB, and people's queries use a handful).
pub const MAX_QUERY_DEPTH: usize = 64;

/// Refuses an expression too long or with too much structure to evaluate safely, before it
/// is parsed. Characters inside quotes (`'raw'`, `"name"`, `` `json` ``) do not count.
fn check_query_size(expr: &str) -> Result<(), String> {
    let chars = expr.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(format!(
            "--query: the expression has {chars} characters; at most {MAX_QUERY_CHARS} are taken"
        ));
    }
    let mut levels = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in expr.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            '(' | '[' | '{' | '.' | '|' | '&' | '!' | '<' | '>' | '=' => levels += 1,
            _ => {}
        }
    }
    if levels > MAX_QUERY_DEPTH {
        return Err(format!(
            "--query: the expression nests up to {levels} levels deep; at most {MAX_QUERY_DEPTH} are taken"
        ));
    }
    Ok(())
}

/// Applies a JMESPath expression, after checking its size and depth
/// ([`MAX_QUERY_CHARS`], [`MAX_QUERY_DEPTH`]).
pub fn query(doc: &Value, expr: &str) -> Result<Value, String> {
    check_query_size(expr)?;
    let compiled = jmespath::compile(expr).map_err(|e| format!("--query: {e}"))?;
    let data =
        jmespath::Variable::from_json(&doc.to_string()).map_err(|e| format!("--query: {e}"))?;
    let result = compiled.search(data).map_err(|e| format!("--query: {e}"))?;
    serde_json::to_value(&*result).map_err(|e| format!("--query: {e}"))
}

/// A cell: strings as they are (control characters escaped, since they come from the
/// server), other values as compact JSON, absent as `-`.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => dcs_client::sanitize(s),
        Some(other) => dcs_client::sanitize(&other.to_string()),
    }
}

/// Renders `records` (JSON objects) with `columns` (field names) as a table or TSV, or the
/// whole `doc` as JSON.
pub fn render(format: Format, doc: &Value, records: &[Value], columns: &[&str]) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Tsv => {
            let mut s = columns.join("\t");
            s.push('\n');
            for r in records {
                let row: Vec<String> = columns
                    .iter()
                    .map(|c| cell(r.get(*c)).replace(['\t', '\n'], " "))
                    .collect();
                s.push_str(&row.join("\t"));
                s.push('\n');
            }
            s
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = records
                .iter()
                .map(|r| columns.iter().map(|c| cell(r.get(*c))).collect())
                .collect();
            let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
            for row in &rows {
                for (w, v) in widths.iter_mut().zip(row) {
                    *w = (*w).max(v.chars().count()).min(60);
                }
            }
            let line = |vals: Vec<String>| -> String {
                let cells: Vec<String> = vals
                    .into_iter()
                    .zip(&widths)
                    .map(|(v, w)| {
                        let v: String = v.chars().take(*w).collect();
                        format!("{v:<w$}", w = *w)
                    })
                    .collect();
                cells.join("  ").trim_end().to_string() + "\n"
            };
            let mut s = line(columns.iter().map(|c| c.to_uppercase()).collect());
            for row in rows {
                s.push_str(&line(row));
            }
            s
        }
    }
}

/// Renders a single record as `field: value` lines (table) or JSON.
pub fn render_record(format: Format, doc: &Value) -> String {
    match (format, doc) {
        (Format::Table | Format::Tsv, Value::Object(m)) => {
            let width = m.keys().map(|k| k.len()).max().unwrap_or(0);
            let sep = if format == Format::Tsv { "\t" } else { "  " };
            m.iter()
                .map(|(k, v)| {
                    if format == Format::Tsv {
                        format!("{k}{sep}{}\n", cell(Some(v)))
                    } else {
                        format!("{k:<width$}{sep}{}\n", cell(Some(v)))
                    }
                })
                .collect()
        }
        _ => {
            let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_render_what_they_promise() {
        let recs = vec![
            json!({"id": "a", "status": "SUCCESS"}),
            json!({"id": "b\tc\n"}),
        ];
        let doc = json!(recs);
        let t = render(Format::Table, &doc, &recs, &["id", "status"]);
        let head = t.lines().next().unwrap();
        assert!(head.starts_with("ID ") && head.ends_with("STATUS"), "{t}");
        assert!(t.lines().nth(1).unwrap().starts_with("a "), "{t}");
        // Server text is escaped: no raw tab or newline breaks the table.
        assert_eq!(t.lines().count(), 3, "{t}");
        assert!(!t.contains('\t'), "{t}");
        let tsv = render(Format::Tsv, &doc, &recs, &["id", "status"]);
        assert_eq!(tsv.lines().count(), 3);
        assert_eq!(
            tsv.lines().nth(2).unwrap().split('\t').count(),
            2,
            "{tsv:?}"
        );
        let j: Value = serde_json::from_str(&render(Format::Json, &doc, &recs, &[])).unwrap();
        assert_eq!(j, doc);
    }

    #[test]
    fn queries_select_fields() {
        let doc = json!([{"id": "a", "status": "RUNNING"}, {"id": "b", "status": "SUCCESS"}]);
        assert_eq!(
            query(&doc, "[?status=='SUCCESS'].id").unwrap(),
            json!(["b"])
        );
        assert!(query(&doc, "[?").is_err());
        assert_eq!(Format::choose(Some("tsv")), Ok(Format::Tsv));
        assert!(Format::choose(Some("yaml")).is_err());
    }

    /// Issue 16 row 13: expressions deep enough to overflow the JMESPath library's recursion
    /// are refused before it parses them; the deepest ones taken evaluate on a thread with
    /// tokio's 2 MiB worker stack, with room to spare.
    #[test]
    fn query_size_and_depth_are_bounded_before_parsing() {
        let doc = json!([{"id": "a"}]);
        let parens = format!("{}@{}", "(".repeat(60_000), ")".repeat(60_000));
        let flatten = format!("@{}", "[]".repeat(50_000));
        for (expr, why) in [
            (parens, "characters"),
            (flatten, "characters"),
            (format!("{}@{}", "(".repeat(65), ")".repeat(65)), "levels"),
            (format!("@{}", "[]".repeat(65)), "levels"),
            (format!("{}@", "!".repeat(65)), "levels"),
            (vec!["a"; 66].join("."), "levels"),
        ] {
            let e = query(&doc, &expr).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
        // Quoted text is not structure.
        let quoted = format!("[?id=='{}']", "(".repeat(1000));
        assert!(query(&doc, &quoted).is_ok());

        let deepest = [
            format!(
                "{}@{}",
                "(".repeat(MAX_QUERY_DEPTH),
                ")".repeat(MAX_QUERY_DEPTH)
            ),
            format!("@{}", "[]".repeat(MAX_QUERY_DEPTH)),
            format!("{}@", "!".repeat(MAX_QUERY_DEPTH)),
            vec!["a"; MAX_QUERY_DEPTH + 1].join("."),
            format!(
                "[{}@{}]",
                "[".repeat(MAX_QUERY_DEPTH - 2),
                "]".repeat(MAX_QUERY_DEPTH - 2)
            ),
            vec!["@"; MAX_QUERY_DEPTH / 2 + 1].join(" && "),
            vec!["@"; MAX_QUERY_DEPTH / 2 + 1].join(" || "),
        ];
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                for expr in deepest {
                    // Refused by the library or evaluated, never a stack overflow.
                    let _ = query(&doc, &expr);
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
