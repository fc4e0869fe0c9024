//! Golden tests: the generator run on the small service model in `xtask/fixtures/mini/codegen`
//! (two groups, a model shared by both, a paged operation, a value set used in a request and
//! an answer, every kind of rule, a body field whose setter had to be renamed, a whole-body
//! answer, an empty answer, docs) must write exactly the files under
//! `xtask/fixtures/mini/expected`. A change to any emitter shows up as a failing test with the
//! first differing line; `UPDATE_GOLDEN=1 cargo test -p xtask golden` rewrites the expected
//! files after a deliberate change (review the diff).
//!
//! The other tests copy the fixture, break one thing, and check that generation fails and
//! says what is wrong, instead of skipping it.

use super::{generate, Files};
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    crate::root().join("xtask/fixtures/mini")
}

fn read_tree(dir: &Path, base: &Path, out: &mut Files) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            read_tree(&p, base, out);
        } else {
            let rel = p.strip_prefix(base).expect("inside").to_path_buf();
            out.insert(rel, std::fs::read_to_string(&p).expect("text"));
        }
    }
}

#[test]
fn the_mini_model_generates_exactly_the_expected_files() {
    let got = generate(&fixture().join("codegen")).unwrap();
    let expected_dir = fixture().join("expected");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&expected_dir);
        for (rel, text) in &got {
            let p = expected_dir.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).unwrap();
            std::fs::write(p, text).unwrap();
        }
        return;
    }
    let mut want = Files::new();
    read_tree(&expected_dir, &expected_dir, &mut want);
    let got_names: Vec<_> = got.keys().collect();
    let want_names: Vec<_> = want.keys().collect();
    assert_eq!(got_names, want_names, "the set of generated files changed");
    for (rel, text) in &got {
        let w = &want[rel];
        if w != text {
            let line = w
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| w.lines().count().min(text.lines().count()));
            panic!(
                "{} differs from the golden file at line {}:\n  expected: {}\n  generated: {}\n(UPDATE_GOLDEN=1 rewrites the golden files after a deliberate change)",
                rel.display(),
                line + 1,
                w.lines().nth(line).unwrap_or("<end of file>"),
                text.lines().nth(line).unwrap_or("<end of file>"),
            );
        }
    }
}

/// A copy of the fixture's `codegen/` in a fresh temporary folder, with `edit` applied to
/// the file `name`.
fn broken(name: &str, edit: impl FnOnce(String) -> String) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "xtask-golden-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    copy(&fixture().join("codegen"), &dir);
    let p = dir.join(name);
    let text = std::fs::read_to_string(&p).unwrap();
    let new = edit(text.clone());
    assert_ne!(new, text, "the edit of {name} changed nothing");
    std::fs::write(&p, new).unwrap();
    dir
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn fails_with(dir: &Path, needle: &str) {
    match generate(dir) {
        Ok(_) => panic!("generation succeeded; expected an error containing {needle:?}"),
        Err(e) => assert!(
            e.contains(needle),
            "error {e:?} does not contain {needle:?}"
        ),
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_setter_collision_fails_generation() {
    let dir = broken("overrides.toml", |t| {
        t.replace("\"UpdateGadget.body.gadget_id\" = \"new_gadget_id\"\n", "")
    });
    fails_with(
        &dir,
        "setter gadget_id for body field gadget_id collides with path parameter gadget_id",
    );
}

#[test]
fn an_unknown_key_in_a_table_fails_generation() {
    let dir = broken("overrides.toml", |t| {
        t.replace("[pagination]", "[pagnation]")
    });
    fails_with(&dir, "unknown field `pagnation`");
    let dir = broken("constraints.toml", |t| {
        t.replacen("says =", "sayz = \"x\"\nsays =", 1)
    });
    fails_with(&dir, "unknown field `sayz`");
}

#[test]
fn a_rule_on_a_field_that_does_not_exist_fails_generation() {
    let dir = broken("constraints.toml", |t| {
        t.replacen("CreateWidgetBody.name", "CreateWidgetBody.nmae", 1)
    });
    fails_with(&dir, "CreateWidgetBody has no field nmae");
}

#[test]
fn an_override_naming_no_operation_fails_generation() {
    let dir = broken("overrides.toml", |t| {
        t.replacen("\"DeleteWidget\"", "\"DeleteWidgets\"", 1)
    });
    fails_with(&dir, "DeleteWidgets is not an operation of the spec");
}

#[test]
fn a_header_parameter_fails_generation_loudly() {
    let dir = broken("spec.json", |t| {
        t.replacen(
            "\"header_params\": []",
            "\"header_params\": [{\"name\": \"X-Lang\", \"python_name\": \"x_lang\", \"type\": \"str\", \"required\": false, \"description\": \"\"}]",
            1,
        )
    });
    fails_with(&dir, "has header or form parameters (X-Lang)");
}

#[test]
fn a_rule_that_does_not_fit_its_field_fails_generation() {
    let dir = broken("constraints.toml", |t| {
        t.replacen("check = \"length\"", "check = \"lenght\"", 1)
    });
    fails_with(&dir, "check \"lenght\" is not one of");
}

#[test]
fn missing_docs_fail_generation_once_docs_exist() {
    let dir = broken("docs/widgets.toml", |t| {
        t.replacen("fields.name = \"The widget's name.\"\n", "", 1)
    });
    fails_with(&dir, "field CreateWidgetBody.name");
}

#[test]
fn a_value_set_on_a_number_fails_generation() {
    let dir = broken("values.toml", |t| {
        t.replacen("\"CreateWidgetBody.kind\"", "\"CreateWidgetBody.size\"", 1)
    });
    fails_with(&dir, "CreateWidgetBody.size is a number, not a string");
}
