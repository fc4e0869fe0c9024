//! How answers are shown: JSON, a table for people, TSV or text for scripts; with `--query`, a
//! JMESPath expression applied to the JSON first (the aws CLI's legacy literals accepted).
//!
//! The shapes, for every format but JSON:
//!
//! - a scalar prints bare (a string without quotes), on its own line;
//! - a list prints one row per item: a scalar item bare, a list item's values side by side, an
//!   object item's values under its columns (the command's columns, or every key met);
//! - an object prints one `key value` line per field, and (in a table) each list of objects
//!   it holds as a table of its own under the field's name.
//!
//! TSV is lossless: nothing is cut, and a backslash, tab, line feed, carriage return or any
//! other control or invisible character is written as an escape (`\\`, `\t`, `\n`, `\r`,
//! `\u{1b}`), so every value can be read back exactly. Text escapes the same characters but
//! leaves backslashes alone and prints no header. A table cuts long cells for the eye.

use serde_json::Value;
use std::io::IsTerminal;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for people (long cells cut).
    Table,
    /// Pretty JSON, the API's field names.
    Json,
    /// Tab-separated with a header row, lossless (escapes, nothing cut).
    Tsv,
    /// Bare values, tab-separated, no header: for `$(...)` and `while read`.
    Text,
}

impl Format {
    /// `--output`, or the default: a table on a terminal, JSON elsewhere (`json_default`
    /// makes JSON the default everywhere, as for `dcs call`).
    pub fn choose(flag: Option<&str>, json_default: bool) -> Result<Format, String> {
        match flag {
            Some("table") => Ok(Format::Table),
            Some("json") => Ok(Format::Json),
            Some("tsv") => Ok(Format::Tsv),
            Some("text") => Ok(Format::Text),
            Some(other) => Err(format!("--output {other:?}: use json, table, tsv or text")),
            None if !json_default && std::io::stdout().is_terminal() => Ok(Format::Table),
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

/// The expression with every legacy literal made a JSON one: the aws CLI (Python's jmespath)
/// reads `` `RUNNING` ``, whose content is not JSON, as the string `"RUNNING"`, so
/// `[?status==`RUNNING`]` works there; JMESPath proper, and the Rust library, want
/// `` `"RUNNING"` ``. A literal whose content is JSON is left as it is, as is everything
/// inside `'raw strings'` and `"quoted identifiers"`.
pub fn legacy_literals(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len() + 8);
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                // Copied through to the matching quote, escapes included.
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    } else if d == c {
                        break;
                    }
                }
            }
            '`' => {
                let mut content = String::new();
                let mut closed = false;
                while let Some(d) = chars.next() {
                    if d == '\\' && chars.peek() == Some(&'`') {
                        content.push('`');
                        chars.next();
                    } else if d == '`' {
                        closed = true;
                        break;
                    } else {
                        content.push(d);
                    }
                }
                if !closed || serde_json::from_str::<Value>(&content).is_ok() {
                    // JSON already (or unterminated: the parser says what is wrong).
                    out.push('`');
                    out.push_str(&content.replace('`', "\\`"));
                    if closed {
                        out.push('`');
                    }
                } else {
                    // As Python's jmespath does: the content, left-trimmed, as a string.
                    let s = serde_json::to_string(content.trim_start()).unwrap_or_default();
                    out.push('`');
                    out.push_str(&s.replace('`', "\\`"));
                    out.push('`');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Checks that an expression can run (its size, depth and syntax), before anything is sent.
pub fn check_query(expr: &str) -> Result<(), String> {
    check_query_size(expr)?;
    jmespath::compile(&legacy_literals(expr))
        .map(|_| ())
        .map_err(|e| format!("--query: {e}"))
}

/// Applies a JMESPath expression, after checking its size and depth
/// ([`MAX_QUERY_CHARS`], [`MAX_QUERY_DEPTH`]) and reading legacy literals as the aws CLI
/// does ([`legacy_literals`]).
pub fn query(doc: &Value, expr: &str) -> Result<Value, String> {
    check_query_size(expr)?;
    let expr = legacy_literals(expr);
    let compiled = jmespath::compile(&expr).map_err(|e| format!("--query: {e}"))?;
    let data =
        jmespath::Variable::from_json(&doc.to_string()).map_err(|e| format!("--query: {e}"))?;
    let result = compiled.search(data).map_err(|e| format!("--query: {e}"))?;
    serde_json::to_value(&*result).map_err(|e| format!("--query: {e}"))
}

/// A column of a command's table: its header and where its value comes from.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The header (in upper case in a table, as it is in TSV).
    pub name: &'static str,
    /// The value of a record for this column.
    pub get: fn(&Value) -> Option<Value>,
}

/// A column that is the record's field of the same name.
#[macro_export]
macro_rules! field {
    ($name:literal) => {
        $crate::output::Column {
            name: $name,
            get: |r| r.get($name).cloned(),
        }
    };
}

/// Writes `s` for TSV (`lossless`) or text: control and invisible characters escaped (a
/// server cannot forge rows or drive the terminal), backslashes doubled in TSV so the
/// escapes can be undone.
fn escape_into(out: &mut String, s: &str, lossless: bool) {
    for c in s.chars() {
        match c {
            '\\' if lossless => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || is_invisible(c) => {
                out.push_str(&c.escape_unicode().to_string());
            }
            c => out.push(c),
        }
    }
}

/// Characters that are not control characters but can hide or reorder what a terminal shows
/// (the same set the client escapes in server text).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// A value as one cell of TSV or text: strings as they are, absent as empty, other values as
/// compact JSON; escaped, never cut.
fn plain_cell(v: Option<&Value>, lossless: bool) -> String {
    let mut s = String::new();
    match v {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) => escape_into(&mut s, t, lossless),
        Some(other) => escape_into(&mut s, &other.to_string(), lossless),
    }
    s
}

/// A table cell: escaped and at most 300 characters (the client's `sanitize`), absent as `-`.
fn table_cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => dcs_client::sanitize(s),
        Some(other) => dcs_client::sanitize(&other.to_string()),
    }
}

/// The widest a table column gets; longer cells are cut with `…`.
const MAX_TABLE_WIDTH: usize = 60;

fn table(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|c| c.chars().count()).collect();
    for row in rows {
        for (w, v) in widths.iter_mut().zip(row) {
            *w = (*w).max(v.chars().count()).min(MAX_TABLE_WIDTH);
        }
    }
    let line = |vals: &[String]| -> String {
        let cells: Vec<String> = vals
            .iter()
            .zip(&widths)
            .map(|(v, w)| {
                let v: String = if v.chars().count() > *w {
                    v.chars().take(w.saturating_sub(1)).chain(['…']).collect()
                } else {
                    v.clone()
                };
                format!("{v:<w$}", w = *w)
            })
            .collect();
        cells.join("  ").trim_end().to_string() + "\n"
    };
    let mut s = line(headers);
    for row in rows {
        s.push_str(&line(row));
    }
    s
}

/// The columns of a list of objects: `hint` when given, else every key met, in order.
fn columns_of(items: &[Value], hint: Option<&[Column]>) -> Vec<(String, Option<Column>)> {
    if let Some(h) = hint {
        return h.iter().map(|c| (c.name.to_string(), Some(*c))).collect();
    }
    let mut keys: Vec<String> = Vec::new();
    for item in items {
        if let Value::Object(m) = item {
            for k in m.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    keys.into_iter().map(|k| (k, None)).collect()
}

fn get_col(item: &Value, name: &str, col: Option<&Column>) -> Option<Value> {
    match col {
        Some(c) => (c.get)(item),
        None => item.get(name).cloned(),
    }
}

/// Renders `doc` in `format`. `columns` are the command's own columns for a list of records
/// (not used after a `--query`, which reshapes the answer).
pub fn render(format: Format, doc: &Value, columns: Option<&[Column]>) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Tsv | Format::Text => render_plain(doc, columns, format == Format::Tsv),
        Format::Table => render_table(doc, columns),
    }
}

fn render_plain(doc: &Value, columns: Option<&[Column]>, tsv: bool) -> String {
    let mut s = String::new();
    match doc {
        Value::Array(items) => {
            let objects = !items.is_empty() && items.iter().all(Value::is_object);
            if objects {
                let cols = columns_of(items, columns);
                if tsv {
                    let head: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
                    s.push_str(&head.join("\t"));
                    s.push('\n');
                }
                for item in items {
                    let row: Vec<String> = cols
                        .iter()
                        .map(|(n, c)| plain_cell(get_col(item, n, c.as_ref()).as_ref(), tsv))
                        .collect();
                    s.push_str(&row.join("\t"));
                    s.push('\n');
                }
            } else {
                for item in items {
                    match item {
                        Value::Array(cells) => {
                            let row: Vec<String> =
                                cells.iter().map(|c| plain_cell(Some(c), tsv)).collect();
                            s.push_str(&row.join("\t"));
                        }
                        other => s.push_str(&plain_cell(Some(other), tsv)),
                    }
                    s.push('\n');
                }
            }
        }
        Value::Object(m) => {
            for (k, v) in m {
                let mut key = String::new();
                escape_into(&mut key, k, tsv);
                s.push_str(&key);
                s.push('\t');
                s.push_str(&plain_cell(Some(v), tsv));
                s.push('\n');
            }
        }
        scalar => {
            s.push_str(&plain_cell(Some(scalar), tsv));
            s.push('\n');
        }
    }
    s
}

fn render_table(doc: &Value, columns: Option<&[Column]>) -> String {
    match doc {
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let cols = columns_of(items, columns);
            let headers: Vec<String> = cols.iter().map(|(n, _)| n.to_uppercase()).collect();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| {
                    cols.iter()
                        .map(|(n, c)| table_cell(get_col(item, n, c.as_ref()).as_ref()))
                        .collect()
                })
                .collect();
            table(&headers, &rows)
        }
        Value::Array(items) => {
            let mut s = String::new();
            for item in items {
                match item {
                    Value::Array(cells) => {
                        let row: Vec<String> = cells.iter().map(|c| table_cell(Some(c))).collect();
                        s.push_str(&row.join("  "));
                    }
                    other => s.push_str(&table_cell(Some(other))),
                }
                s.push('\n');
            }
            s
        }
        Value::Object(m) => {
            let mut s = String::new();
            let mut lists = Vec::new();
            let width = m.keys().map(|k| k.chars().count()).max().unwrap_or(0);
            for (k, v) in m {
                if let Value::Array(items) = v {
                    if !items.is_empty() && items.iter().all(Value::is_object) {
                        lists.push((k, v));
                        continue;
                    }
                }
                s.push_str(&format!(
                    "{:<width$}  {}\n",
                    dcs_client::sanitize(k),
                    table_cell(Some(v))
                ));
            }
            for (k, v) in lists {
                if !s.is_empty() {
                    s.push('\n');
                }
                s.push_str(&format!("{}:\n", dcs_client::sanitize(k)));
                s.push_str(&render_table(v, None));
            }
            s
        }
        scalar => table_cell(Some(scalar)) + "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_render_what_they_promise() {
        let doc = json!([{"id": "a", "status": "SUCCESS"}, {"id": "b\tc\n"}]);
        let t = render(Format::Table, &doc, None);
        let head = t.lines().next().unwrap();
        assert!(head.starts_with("ID ") && head.ends_with("STATUS"), "{t}");
        assert!(t.lines().nth(1).unwrap().starts_with("a "), "{t}");
        // Server text is escaped: no raw tab or newline breaks the table.
        assert_eq!(t.lines().count(), 3, "{t}");
        assert!(!t.contains('\t'), "{t}");
        let tsv = render(Format::Tsv, &doc, None);
        assert_eq!(tsv, "id\tstatus\na\tSUCCESS\nb\\tc\\n\t\n");
        let text = render(Format::Text, &doc, None);
        assert_eq!(text, "a\tSUCCESS\nb\\tc\\n\t\n");
        let j: Value = serde_json::from_str(&render(Format::Json, &doc, None)).unwrap();
        assert_eq!(j, doc);
    }

    #[test]
    fn scalars_and_lists_of_scalars_print_bare() {
        for f in [Format::Tsv, Format::Text, Format::Table] {
            assert_eq!(render(f, &json!("RUNNING"), None), "RUNNING\n");
            assert_eq!(render(f, &json!(["a", "b", 3]), None), "a\nb\n3\n");
            assert_eq!(render(f, &json!([["a", 1], ["b", 2]]), None), {
                if f == Format::Table {
                    "a  1\nb  2\n"
                } else {
                    "a\t1\nb\t2\n"
                }
            });
        }
    }

    #[test]
    fn tsv_is_lossless() {
        let long = "x".repeat(1000) + "\\ \u{1b}[31m \u{202e}";
        let out = render(Format::Tsv, &json!({ "v": long }), None);
        let cell = out.trim_end_matches('\n').split_once('\t').unwrap().1;
        assert!(!cell.contains('\u{1b}') && !cell.contains('\u{202e}'));
        // Undo the escapes: the value comes back whole.
        let mut back = String::new();
        let mut it = cell.chars();
        while let Some(c) = it.next() {
            if c != '\\' {
                back.push(c);
                continue;
            }
            match it.next().unwrap() {
                '\\' => back.push('\\'),
                't' => back.push('\t'),
                'n' => back.push('\n'),
                'r' => back.push('\r'),
                'u' => {
                    let hex: String = it.by_ref().skip(1).take_while(|&c| c != '}').collect();
                    back.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                other => panic!("unknown escape {other}"),
            }
        }
        assert_eq!(back, long);
    }

    #[test]
    fn queries_select_fields_and_take_legacy_literals() {
        let doc = json!([{"id": "a", "status": "RUNNING", "n": 1}, {"id": "b", "status": "SUCCESS", "n": 2}]);
        assert_eq!(
            query(&doc, "[?status=='SUCCESS'].id").unwrap(),
            json!(["b"])
        );
        assert_eq!(
            query(&doc, "[?status==`RUNNING`].id").unwrap(),
            json!(["a"])
        );
        assert_eq!(
            query(&doc, "[?status==`\"RUNNING\"`].id").unwrap(),
            json!(["a"])
        );
        assert_eq!(query(&doc, "[?n==`2`].id").unwrap(), json!(["b"]));
        // Backticks inside raw strings are text.
        assert_eq!(legacy_literals("'`x`'"), "'`x`'");
        assert_eq!(legacy_literals("`foo bar`"), "`\"foo bar\"`");
        assert!(query(&doc, "[?").is_err());
        assert_eq!(Format::choose(Some("tsv"), false), Ok(Format::Tsv));
        assert_eq!(Format::choose(Some("text"), false), Ok(Format::Text));
        assert!(Format::choose(Some("yaml"), false).is_err());
    }

    #[test]
    fn an_object_table_shows_its_lists_as_tables() {
        let doc = json!({"instance_num": 1, "instances": [{"id": "i-1", "status": "RUNNING"}]});
        let t = render(Format::Table, &doc, None);
        assert!(t.contains("instance_num  1"), "{t}");
        assert!(t.contains("instances:\nID   STATUS\ni-1  RUNNING"), "{t}");
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
