//! Example values: valid under every reviewed rule, realistic where a placeholder would not
//! parse (counts, ports, times held in strings). Used by the generated tests, the interop
//! table and the emulator's synthetic answers.

use super::emit_model::num;
use super::plan::{char_class, Check, Field, Kind, Op, Plan};
use super::text::snake;
use super::ty::Ty;
use serde_json::{json, Map, Value};

/// A string valid under `rules`, built from `base`.
fn text(rules: &[Check], base: &str) -> String {
    let mut min = 0u64;
    let mut max = u64::MAX;
    let mut allowed: Option<Vec<(char, char)>> = None;
    let mut first: Option<Vec<(char, char)>> = None;
    for r in rules {
        match r {
            Check::Length { min: a, max: b } => {
                min = min.max(a.unwrap_or(0));
                max = max.min(b.unwrap_or(u64::MAX));
            }
            Check::Chars {
                first: f,
                allowed: a,
            } => {
                allowed = char_class(a).ok();
                first = f.as_deref().and_then(|f| char_class(f).ok());
            }
            _ => {}
        }
    }
    let inside = |c: char, class: &[(char, char)]| class.iter().any(|(a, b)| *a <= c && c <= *b);
    let mut s: String = base
        .chars()
        .filter(|c| allowed.as_ref().is_none_or(|a| inside(*c, a)))
        .collect();
    if let Some(f) = &first {
        if !s.chars().next().is_some_and(|c| inside(c, f)) {
            s.insert(0, f[0].0);
        }
    }
    let pad = allowed
        .as_ref()
        .map(|a| if inside('x', a) { 'x' } else { a[0].0 })
        .unwrap_or('x');
    while (s.chars().count() as u64) < min {
        s.push(pad);
    }
    let max = max.max(1) as usize;
    s.chars().take(max).collect()
}

fn format_sample(f: &str) -> &'static str {
    match f {
        "yyyyMMddHHmmss" => "20260101000000",
        "yyyy-MM-dd" => "2026-01-01",
        "HH:mm:ss" => "02:00:00",
        "HH:mm" => "02:00",
        "rfc3339" => "2026-01-01T00:00:00Z",
        "ipv4" => "192.168.0.10",
        "ipv4-cidr" => "192.168.0.0/24",
        _ => "6d8e5f7a-1b2c-4d3e-8f9a-0b1c2d3e4f5a",
    }
}

/// A scalar valid under `rules`.
pub fn scalar(p: &Plan, ty: &Ty, rules: &[Check], name: &str, seed: &str) -> Value {
    for r in rules {
        match r {
            Check::OneOf(v) => return json!(v[0]),
            Check::NumberOneOf(v) => {
                return if *ty == Ty::Int {
                    json!(v[0] as i64)
                } else {
                    json!(v[0])
                }
            }
            Check::Format(f) => return json!(format_sample(f)),
            _ => {}
        }
    }
    let (lo, hi) = rules.iter().fold((None, None), |(lo, hi), r| match r {
        Check::Range { min, max } => (min.or(lo), max.or(hi)),
        _ => (lo, hi),
    });
    match ty {
        Ty::Enum(e) => json!(p.enums[e].values[0].value),
        Ty::Str => {
            if lo.is_some() || hi.is_some() {
                let n: f64 = lo
                    .unwrap_or(0.0)
                    .max(hi.map_or(f64::MIN, |h: f64| h.min(1.0)));
                return json!(num(n));
            }
            json!(text(rules, &format!("{seed}-{name}")))
        }
        Ty::Int => {
            let mut n: i64 = lo.map(|l: f64| l.ceil() as i64).unwrap_or(1).max(1);
            if let Some(h) = hi {
                if n as f64 > h {
                    n = h as i64;
                }
            }
            if lo.is_some_and(|l| l > 1.0) {
                n = lo.map(|l| l.ceil() as i64).unwrap_or(n);
            }
            json!(n)
        }
        Ty::Float => json!(lo.unwrap_or(0.5)),
        Ty::Bool => json!(true),
        Ty::Any => json!({"sample": name}),
        Ty::Map => json!({"k": "v"}),
        Ty::List(_) | Ty::Model(_) => Value::Null,
    }
}

/// A realistic value for a string field that holds a number or a time, where a placeholder
/// would not parse: `"1"` for counts and totals (examples have one-element lists), `"6379"`
/// for a port, `"100"` for a progress; a time in the form its description gives, else RFC
/// 3339. `None` keeps the placeholder (the field has rules, already honoured).
fn realistic_text(f: &Field) -> Option<String> {
    if !f.rules.is_empty() {
        return None;
    }
    let name = f.json.as_str();
    let doc = f.doc_zh.as_str();
    let lower = doc.to_lowercase();
    let millis = doc.contains("时间戳") || doc.contains("毫秒") || lower.contains("unix");
    let timey = name.ends_with("_time") || name.ends_with("_at");
    let numeric = f.numeric_text
        || name.ends_with("_count")
        || name.ends_with("_num")
        || matches!(name, "capacity" | "port" | "progress");
    let t = if timey || (numeric && millis) {
        if millis {
            "1767225600000"
        } else if doc.contains("yyyyMMddHHmmss") {
            "20260101000000"
        } else if lower.contains("yyyy-mm-dd hh:mm:ss") {
            "2026-01-01 00:00:00"
        } else if doc.contains("00:00-01:00") {
            "00:00-01:00"
        } else if numeric {
            "60"
        } else {
            "2026-01-01T00:00:00Z"
        }
    } else if numeric {
        match name {
            "port" => "6379",
            "progress" => "100",
            _ => "1",
        }
    } else {
        return None;
    };
    Some(t.to_string())
}

pub fn value(p: &Plan, ty: &Ty, rules: &[Check], name: &str, seed: &str, depth: usize) -> Value {
    match ty {
        Ty::List(inner) => json!([value(p, inner, rules, name, seed, depth + 1)]),
        Ty::Model(m) => model(p, m, seed, depth + 1),
        other => scalar(p, other, rules, name, seed),
    }
}

pub fn model(p: &Plan, name: &str, seed: &str, depth: usize) -> Value {
    let mut obj = Map::new();
    if depth > 8 {
        return Value::Object(obj);
    }
    for f in &p.models[name].fields {
        let mut v = value(p, &f.ty, &f.rules, &f.json, seed, depth);
        if f.ty == Ty::Str {
            if let Some(t) = realistic_text(f) {
                v = json!(t);
            }
        }
        obj.insert(f.json.clone(), v);
    }
    Value::Object(obj)
}

/// An operation's example answer: the response model filled in, the whole body's value,
/// the stream's text, or `null` for an empty answer.
pub fn answer(p: &Plan, op: &Op) -> Value {
    let seed = snake(&op.name).replace('_', "-");
    match op.response.kind {
        Kind::JsonObject => model(p, &op.response.type_name, &seed, 0),
        Kind::WholeBody => match &op.response.whole {
            Some(t) => value(p, t, &[], "body", &seed, 0),
            None => Value::Null,
        },
        Kind::Stream => json!(format!("hot keys of {seed}\n")),
        Kind::Empty => Value::Null,
    }
}

/// One operation's example input (every path id, query parameter and body field, valid
/// under every rule) and the path, query and body it must become on the wire, computed
/// here, independently of the generated code. Path ids carry an `é` to prove
/// percent-encoding.
pub struct Input {
    pub input: Map<String, Value>,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Value,
}

pub fn input(p: &Plan, op: &Op) -> Input {
    let seed = snake(&op.name).replace('_', "-");
    let mut input = Map::new();
    let mut path = String::new();
    for (i, seg) in op.path.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if name == "project_id" {
                path.push_str("PROJECT");
            } else {
                let v = format!("{name}-{seed}-é");
                path.push_str(&v.replace('é', "%C3%A9"));
                input.insert(name.to_string(), json!(v));
            }
        } else {
            path.push_str(seg);
        }
    }
    let mut query = Vec::new();
    for q in &op.query {
        let v = scalar(p, &q.ty, &q.rules, &q.name, &seed);
        let text = match &v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        query.push((q.name.clone(), text));
        input.insert(q.name.clone(), v);
    }
    let mut body = Value::Null;
    if let Some(b) = &op.body {
        body = model(p, &b.model, &seed, 0);
        input.insert("body".into(), body.clone());
    }
    Input {
        input,
        path,
        query,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_meets_length_and_character_rules() {
        let rules = [
            Check::Length {
                min: Some(4),
                max: Some(8),
            },
            Check::Chars {
                first: Some("A-Za-z".into()),
                allowed: "A-Za-z0-9_-".into(),
            },
        ];
        assert_eq!(text(&rules, "1.2"), "A12x");
        assert_eq!(text(&rules, "create-instance-name"), "create-i");
    }
}
