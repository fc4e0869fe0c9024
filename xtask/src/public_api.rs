//! `cargo xtask public-api [--check]`: a checked-in listing of each library crate's public
//! API, so that no change to it goes unnoticed.
//!
//! For each crate of [`CRATES`] (all features on, as docs.rs builds them), rustdoc writes its
//! JSON description of the crate (`cargo rustdoc -- --output-format json`; the format is
//! still unstable, so `RUSTC_BOOTSTRAP=1` unlocks it on the stable toolchain, as
//! cargo-semver-checks does). This module walks it from the crate root along every public
//! path (modules, re-exports, globs) and writes one line per item: modules, structs with
//! their public fields, enums with their variants, functions and methods with their
//! signatures, traits with their items, the trait implementations of each type (auto traits
//! and blanket implementations left out), constants, statics and type aliases, with
//! `#[non_exhaustive]` where it is. Types are written with the canonical path of what they
//! name, so moving an `use` changes nothing. The lines are sorted: `api/<crate>.txt`.
//!
//! `--check` writes nothing and fails, showing the lines removed and added, when a listing
//! differs from the code: a change of the public API must update the listing in the same
//! commit, deliberately (`cargo xtask public-api`), and a removed or changed line there is a
//! breaking change for the reviewer to see.

use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The library crates whose API is a promise (the emulator and the CLI are applications and
/// test tools; their surfaces are not listed).
pub const CRATES: &[&str] = &[
    "dcs-model",
    "dcs-transport",
    "dcs-config",
    "dcs-client",
    "dcs-tasks",
];

/// The rustdoc JSON format versions this walker reads.
const FORMATS: &[u64] = &[57];

pub fn run(root: &Path, check: bool) -> Result<(), String> {
    let api_dir = root.join("api");
    let mut stale = Vec::new();
    for krate in CRATES {
        let json = rustdoc_json(root, krate)?;
        let listing = listing(&json).map_err(|e| format!("{krate}: {e}"))?;
        let file = api_dir.join(format!("{krate}.txt"));
        let old = std::fs::read_to_string(&file).unwrap_or_default();
        if old == listing {
            println!(
                "public-api: {krate}: {} lines, unchanged",
                listing.lines().count()
            );
            continue;
        }
        if check {
            let old_lines: BTreeSet<&str> = old.lines().collect();
            let new_lines: BTreeSet<&str> = listing.lines().collect();
            let removed: Vec<&&str> = old_lines.difference(&new_lines).collect();
            let added: Vec<&&str> = new_lines.difference(&old_lines).collect();
            eprintln!(
                "public-api: {krate}: the public API differs from {} ({} removed, {} added):",
                file.strip_prefix(root).unwrap_or(&file).display(),
                removed.len(),
                added.len()
            );
            for l in removed.iter().take(40) {
                eprintln!("  - {l}");
            }
            for l in added.iter().take(40) {
                eprintln!("  + {l}");
            }
            stale.push(*krate);
        } else {
            std::fs::create_dir_all(&api_dir).map_err(|e| e.to_string())?;
            std::fs::write(&file, &listing).map_err(|e| format!("{}: {e}", file.display()))?;
            println!(
                "public-api: {krate}: wrote {} ({} lines)",
                file.display(),
                listing.lines().count()
            );
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "the public API of {} changed: a removed or changed line is a breaking change. If \
             the change is meant, run `cargo xtask public-api` and commit api/*.txt with it",
            stale.join(", ")
        ));
    }
    Ok(())
}

/// Runs rustdoc for `krate` with every feature and reads its JSON.
fn rustdoc_json(root: &Path, krate: &str) -> Result<Value, String> {
    // The workspace's target directory: the dependencies checked for `cargo doc` and
    // `cargo clippy` are reused (RUSTC_BOOTSTRAP makes cargo check our own crates again, not
    // theirs).
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["rustdoc", "--quiet", "--lib", "--all-features", "-p", krate])
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTDOCFLAGS")
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo rustdoc: {e}"))?;
    if !status.success() {
        return Err(format!("cargo rustdoc -p {krate} failed ({status})"));
    }
    let file: PathBuf = target
        .join("doc")
        .join(format!("{}.json", krate.replace('-', "_")));
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))
}

/// The sorted listing of the crate described by `doc`.
pub fn listing(doc: &Value) -> Result<String, String> {
    let format = doc["format_version"].as_u64().unwrap_or(0);
    if !FORMATS.contains(&format) {
        return Err(format!(
            "rustdoc JSON format {format}, this walker reads {FORMATS:?}: teach \
             xtask/src/public_api.rs the new format (the toolchain changed)"
        ));
    }
    let root_id = doc["root"].clone();
    let root = item(doc, &root_id).ok_or("no root module")?;
    let name = root["name"]
        .as_str()
        .ok_or("the root has no name")?
        .to_string();
    let mut w = Walker {
        doc,
        lines: BTreeSet::new(),
        visited: HashSet::new(),
    };
    w.module(&root_id, &name);
    let mut out = String::new();
    for l in &w.lines {
        out.push_str(l);
        out.push('\n');
    }
    Ok(out)
}

fn item<'a>(doc: &'a Value, id: &Value) -> Option<&'a Value> {
    doc["index"].get(id_key(id))
}

fn id_key(id: &Value) -> String {
    match id {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct Walker<'a> {
    doc: &'a Value,
    lines: BTreeSet<String>,
    /// (item id, path) pairs already listed: re-export cycles end.
    visited: HashSet<(String, String)>,
}

impl Walker<'_> {
    fn emit(&mut self, line: String) {
        self.lines.insert(line);
    }

    fn module(&mut self, id: &Value, path: &str) {
        if !self.visited.insert((id_key(id), path.to_string())) {
            return;
        }
        self.emit(format!("pub mod {path}"));
        let Some(m) = item(self.doc, id) else { return };
        let children = m["inner"]["module"]["items"].as_array().cloned();
        for child in children.unwrap_or_default() {
            self.child(&child, path);
        }
    }

    /// An item of the module at `parent`.
    fn child(&mut self, id: &Value, parent: &str) {
        let Some(it) = item(self.doc, id) else { return };
        if it["visibility"] != "public" {
            return;
        }
        let inner = &it["inner"];
        if let Some(u) = inner.get("use") {
            self.reexport(u, parent);
            return;
        }
        let Some(name) = it["name"].as_str() else {
            return;
        };
        self.named(id, &format!("{parent}::{name}"));
    }

    fn reexport(&mut self, u: &Value, parent: &str) {
        let target = &u["id"];
        let glob = u["is_glob"].as_bool().unwrap_or(false);
        let local = !target.is_null() && item(self.doc, target).is_some();
        if !local {
            // Another crate's item, not inlined: its path is the promise.
            let name = u["name"].as_str().unwrap_or("*");
            let shown = if glob {
                format!("pub use {}::*", u["source"].as_str().unwrap_or("?"))
            } else {
                format!(
                    "pub use {parent}::{name} = {}",
                    self.canonical(target)
                        .unwrap_or_else(|| u["source"].as_str().unwrap_or("?").to_string())
                )
            };
            self.emit(shown);
            return;
        }
        if glob {
            let Some(m) = item(self.doc, target) else {
                return;
            };
            let children = m["inner"]["module"]["items"].as_array().cloned();
            for child in children.unwrap_or_default() {
                self.child(&child, parent);
            }
            return;
        }
        let name = u["name"].as_str().unwrap_or("?");
        self.named(target, &format!("{parent}::{name}"));
    }

    /// The item `id`, reachable as `path`.
    fn named(&mut self, id: &Value, path: &str) {
        let Some(it) = item(self.doc, id) else { return };
        let inner = &it["inner"];
        let ne = if it["attrs"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "non_exhaustive"))
        {
            "#[non_exhaustive] "
        } else {
            ""
        };
        if inner.get("module").is_some() {
            self.module(id, path);
        } else if let Some(s) = inner.get("struct") {
            let g = self.generics(&s["generics"]);
            let kind = &s["kind"];
            if let Some(t) = kind.get("tuple") {
                let fields: Vec<String> = t
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| match item(self.doc, f) {
                        Some(fi) if fi["visibility"] == "public" => {
                            self.ty(&fi["inner"]["struct_field"])
                        }
                        _ => "_".into(),
                    })
                    .collect();
                self.emit(format!("{ne}pub struct {path}{g}({})", fields.join(", ")));
            } else {
                self.emit(format!("{ne}pub struct {path}{g}"));
                let fields = kind["plain"]["fields"].as_array().cloned();
                for f in fields.unwrap_or_default() {
                    self.field(&f, path);
                }
            }
            self.impls(&s["impls"], path);
        } else if let Some(e) = inner.get("enum") {
            let g = self.generics(&e["generics"]);
            self.emit(format!("{ne}pub enum {path}{g}"));
            for v in e["variants"].as_array().cloned().unwrap_or_default() {
                self.variant(&v, path);
            }
            self.impls(&e["impls"], path);
        } else if let Some(u) = inner.get("union") {
            self.emit(format!("pub union {path}"));
            self.impls(&u["impls"], path);
        } else if let Some(f) = inner.get("function") {
            let line = self.function(f, path);
            self.emit(line);
        } else if let Some(t) = inner.get("trait") {
            let g = self.generics(&t["generics"]);
            let bounds = self.bounds(&t["bounds"]);
            let bounds = if bounds.is_empty() {
                String::new()
            } else {
                format!(": {bounds}")
            };
            self.emit(format!("pub trait {path}{g}{bounds}"));
            for ti in t["items"].as_array().cloned().unwrap_or_default() {
                self.assoc(&ti, path, true);
            }
        } else if let Some(a) = inner.get("type_alias") {
            let g = self.generics(&a["generics"]);
            let line = format!("pub type {path}{g} = {}", self.ty(&a["type"]));
            self.emit(line);
        } else if let Some(c) = inner.get("constant") {
            let line = format!("pub const {path}: {}", self.ty(&c["type"]));
            self.emit(line);
        } else if let Some(s) = inner.get("static") {
            let line = format!("pub static {path}: {}", self.ty(&s["type"]));
            self.emit(line);
        } else if inner.get("macro").is_some() || inner.get("proc_macro").is_some() {
            self.emit(format!("pub macro {path}!"));
        }
    }

    fn field(&mut self, id: &Value, owner: &str) {
        let Some(f) = item(self.doc, id) else { return };
        if f["visibility"] != "public" {
            return;
        }
        let line = format!(
            "pub {owner}::{}: {}",
            f["name"].as_str().unwrap_or("?"),
            self.ty(&f["inner"]["struct_field"])
        );
        self.emit(line);
    }

    fn variant(&mut self, id: &Value, owner: &str) {
        let Some(v) = item(self.doc, id) else { return };
        let name = v["name"].as_str().unwrap_or("?");
        let kind = &v["inner"]["variant"]["kind"];
        if let Some(t) = kind.get("tuple") {
            let fields: Vec<String> = t
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| match item(self.doc, f) {
                    Some(fi) => self.ty(&fi["inner"]["struct_field"]),
                    None => "_".into(),
                })
                .collect();
            self.emit(format!("{owner}::{name}({})", fields.join(", ")));
        } else if let Some(s) = kind.get("struct") {
            let names: Vec<String> = s["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| item(self.doc, f))
                .map(|fi| {
                    format!(
                        "{}: {}",
                        fi["name"].as_str().unwrap_or("?"),
                        self.ty(&fi["inner"]["struct_field"])
                    )
                })
                .collect();
            self.emit(format!("{owner}::{name} {{ {} }}", names.join(", ")));
        } else {
            self.emit(format!("{owner}::{name}"));
        }
    }

    /// The implementations of the type at `path`: inherent methods one by one, trait
    /// implementations by name. Auto traits and blanket implementations say nothing of ours.
    fn impls(&mut self, impls: &Value, path: &str) {
        for id in impls.as_array().cloned().unwrap_or_default() {
            let Some(i) = item(self.doc, &id) else {
                continue;
            };
            let imp = &i["inner"]["impl"];
            if imp["is_synthetic"].as_bool().unwrap_or(false) || !imp["blanket_impl"].is_null() {
                continue;
            }
            let g = self.generics(&imp["generics"]);
            if imp["trait"].is_null() {
                for m in imp["items"].as_array().cloned().unwrap_or_default() {
                    self.assoc(&m, path, false);
                }
            } else {
                let not = if imp["is_negative"].as_bool().unwrap_or(false) {
                    "!"
                } else {
                    ""
                };
                let line = format!(
                    "impl{g} {not}{} for {}",
                    self.path_ty(&imp["trait"]),
                    self.ty(&imp["for"])
                );
                self.emit(line);
            }
        }
    }

    /// An associated item: a method, a constant or a type, of a trait (all listed) or of an
    /// inherent implementation (public ones).
    fn assoc(&mut self, id: &Value, owner: &str, in_trait: bool) {
        let Some(it) = item(self.doc, id) else { return };
        if !in_trait && it["visibility"] != "public" {
            return;
        }
        let name = it["name"].as_str().unwrap_or("?");
        let path = format!("{owner}::{name}");
        let inner = &it["inner"];
        if let Some(f) = inner.get("function") {
            let line = self.function(f, &path);
            self.emit(line);
        } else if let Some(c) = inner.get("assoc_const") {
            let line = format!("const {path}: {}", self.ty(&c["type"]));
            self.emit(line);
        } else if let Some(t) = inner.get("assoc_type") {
            let b = self.bounds(&t["bounds"]);
            self.emit(format!("type {path}: {b}"));
        } else if let Some(c) = inner.get("constant") {
            let line = format!("const {path}: {}", self.ty(&c["type"]));
            self.emit(line);
        }
    }

    fn function(&self, f: &Value, path: &str) -> String {
        let h = &f["header"];
        let mut quals = String::new();
        for (key, word) in [
            ("is_const", "const "),
            ("is_async", "async "),
            ("is_unsafe", "unsafe "),
        ] {
            if h[key].as_bool().unwrap_or(false) {
                quals.push_str(word);
            }
        }
        let g = self.generics(&f["generics"]);
        let inputs: Vec<String> = f["sig"]["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let name = p[0].as_str().unwrap_or("_");
                let ty = self.ty(&p[1]);
                if name == "self" {
                    match ty.as_str() {
                        "Self" => "self".to_string(),
                        "&Self" => "&self".to_string(),
                        "&mut Self" => "&mut self".to_string(),
                        _ => format!("self: {ty}"),
                    }
                } else {
                    format!("{name}: {ty}")
                }
            })
            .collect();
        let out = match &f["sig"]["output"] {
            Value::Null => String::new(),
            t => format!(" -> {}", self.ty(t)),
        };
        let wh = self.where_clause(&f["generics"]);
        format!("pub {quals}fn {path}{g}({}){out}{wh}", inputs.join(", "))
    }

    fn generics(&self, g: &Value) -> String {
        let params: Vec<String> = g["params"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| {
                // `impl Trait` arguments appear as synthetic parameters: shown in place.
                !p["kind"]["type"]["is_synthetic"].as_bool().unwrap_or(false)
            })
            .map(|p| {
                let name = p["name"].as_str().unwrap_or("?");
                let k = &p["kind"];
                if let Some(t) = k.get("type") {
                    let b = self.bounds(&t["bounds"]);
                    if b.is_empty() {
                        name.to_string()
                    } else {
                        format!("{name}: {b}")
                    }
                } else if let Some(c) = k.get("const") {
                    format!("const {name}: {}", self.ty(&c["type"]))
                } else {
                    name.to_string()
                }
            })
            .collect();
        if params.is_empty() {
            String::new()
        } else {
            format!("<{}>", params.join(", "))
        }
    }

    fn where_clause(&self, g: &Value) -> String {
        let preds: Vec<String> = g["where_predicates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let b = p.get("bound_predicate")?;
                Some(format!(
                    "{}: {}",
                    self.ty(&b["type"]),
                    self.bounds(&b["bounds"])
                ))
            })
            .collect();
        if preds.is_empty() {
            String::new()
        } else {
            format!(" where {}", preds.join(", "))
        }
    }

    fn bounds(&self, b: &Value) -> String {
        let parts: Vec<String> = b
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                if let Some(t) = x.get("trait_bound") {
                    let m = match t["modifier"].as_str() {
                        Some("maybe") => "?",
                        Some("maybe_const") => "~const ",
                        _ => "",
                    };
                    format!("{m}{}", self.path_ty(&t["trait"]))
                } else if let Some(l) = x.get("outlives") {
                    l.as_str().unwrap_or("'?").to_string()
                } else {
                    "?".into()
                }
            })
            .collect();
        parts.join(" + ")
    }

    /// The canonical path of `id` (`core::fmt::Debug`), when rustdoc knows it.
    fn canonical(&self, id: &Value) -> Option<String> {
        let p = self.doc["paths"].get(id_key(id))?;
        let parts: Vec<&str> = p["path"]
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        Some(parts.join("::"))
    }

    /// A path with its generic arguments (`core::option::Option<T>`).
    fn path_ty(&self, p: &Value) -> String {
        let name = self
            .canonical(&p["id"])
            .unwrap_or_else(|| p["path"].as_str().unwrap_or("?").to_string());
        format!("{name}{}", self.args(&p["args"]))
    }

    fn args(&self, a: &Value) -> String {
        if a.is_null() {
            return String::new();
        }
        if let Some(ab) = a.get("angle_bracketed") {
            let mut parts: Vec<String> = ab["args"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| {
                    if let Some(t) = x.get("type") {
                        self.ty(t)
                    } else if let Some(l) = x.get("lifetime") {
                        l.as_str().unwrap_or("'?").to_string()
                    } else if let Some(c) = x.get("const") {
                        c["expr"].as_str().unwrap_or("?").to_string()
                    } else {
                        "_".into()
                    }
                })
                .collect();
            for c in ab["constraints"].as_array().into_iter().flatten() {
                let name = c["name"].as_str().unwrap_or("?");
                if let Some(eq) = c["binding"].get("equality") {
                    let t = eq.get("type").map(|t| self.ty(t)).unwrap_or_default();
                    parts.push(format!("{name} = {t}"));
                } else if let Some(b) = c["binding"].get("constraint") {
                    parts.push(format!("{name}: {}", self.bounds(b)));
                }
            }
            if parts.is_empty() {
                return String::new();
            }
            return format!("<{}>", parts.join(", "));
        }
        if let Some(p) = a.get("parenthesized") {
            let inputs: Vec<String> = p["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| self.ty(t))
                .collect();
            let out = match &p["output"] {
                Value::Null => String::new(),
                t => format!(" -> {}", self.ty(t)),
            };
            return format!("({}){out}", inputs.join(", "));
        }
        String::new()
    }

    fn ty(&self, t: &Value) -> String {
        if let Some(p) = t.get("resolved_path") {
            return self.path_ty(p);
        }
        if let Some(g) = t.get("generic") {
            return g.as_str().unwrap_or("?").to_string();
        }
        if let Some(p) = t.get("primitive") {
            return p.as_str().unwrap_or("?").to_string();
        }
        if let Some(r) = t.get("borrowed_ref") {
            let lt = r["lifetime"]
                .as_str()
                .map(|l| format!("{l} "))
                .unwrap_or_default();
            let m = if r["is_mutable"].as_bool().unwrap_or(false) {
                "mut "
            } else {
                ""
            };
            return format!("&{lt}{m}{}", self.ty(&r["type"]));
        }
        if let Some(r) = t.get("raw_pointer") {
            let m = if r["is_mutable"].as_bool().unwrap_or(false) {
                "mut"
            } else {
                "const"
            };
            return format!("*{m} {}", self.ty(&r["type"]));
        }
        if let Some(s) = t.get("slice") {
            return format!("[{}]", self.ty(s));
        }
        if let Some(a) = t.get("array") {
            return format!(
                "[{}; {}]",
                self.ty(&a["type"]),
                a["len"].as_str().unwrap_or("?")
            );
        }
        if let Some(tu) = t.get("tuple") {
            let parts: Vec<String> = tu
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| self.ty(x))
                .collect();
            return format!("({})", parts.join(", "));
        }
        if let Some(d) = t.get("dyn_trait") {
            let mut parts: Vec<String> = d["traits"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| self.path_ty(&x["trait"]))
                .collect();
            if let Some(l) = d["lifetime"].as_str() {
                parts.push(l.to_string());
            }
            return format!("dyn {}", parts.join(" + "));
        }
        if let Some(i) = t.get("impl_trait") {
            return format!("impl {}", self.bounds(i));
        }
        if let Some(q) = t.get("qualified_path") {
            let trait_part = if q["trait"].is_null() {
                self.ty(&q["self_type"])
            } else {
                format!(
                    "<{} as {}>",
                    self.ty(&q["self_type"]),
                    self.path_ty(&q["trait"])
                )
            };
            return format!(
                "{trait_part}::{}{}",
                q["name"].as_str().unwrap_or("?"),
                self.args(&q["args"])
            );
        }
        if let Some(f) = t.get("function_pointer") {
            let inputs: Vec<String> = f["sig"]["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| self.ty(&p[1]))
                .collect();
            let out = match &f["sig"]["output"] {
                Value::Null => String::new(),
                t => format!(" -> {}", self.ty(t)),
            };
            return format!("fn({}){out}", inputs.join(", "));
        }
        if t == "infer" || t.get("infer").is_some() {
            return "_".into();
        }
        format!("?{t}")
    }
}
