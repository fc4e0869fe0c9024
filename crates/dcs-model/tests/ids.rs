use dcs_model::ids::{encode_path_segment, validate_path_param, FORBIDDEN_PATH_CHARS};
use dcs_model::limits::PATH_PARAM_MAX_CHARS;
use dcs_model::{ProjectId, Rule, TaskId};

fn rule_of(field: &'static str, value: &str) -> Rule {
    let err = validate_path_param(field, value).unwrap_err();
    assert_eq!(err.field(), field);
    err.rule().clone()
}

#[test]
fn empty_is_rejected() {
    assert_eq!(rule_of("task_id", ""), Rule::Empty);
    let err = TaskId::new("").unwrap_err();
    assert_eq!(err.field(), "task_id");
    assert_eq!(err.to_string(), "invalid task_id: must not be empty");
}

#[test]
fn dot_segments_are_rejected() {
    assert_eq!(rule_of("task_id", "."), Rule::DotSegment);
    assert_eq!(rule_of("project_id", ".."), Rule::DotSegment);
    // Dots inside a longer value are fine.
    for ok in ["...", ".a", "a.", "a..b"] {
        validate_path_param("task_id", ok).unwrap();
    }
}

#[test]
fn each_forbidden_char_is_rejected_with_its_position() {
    for ch in FORBIDDEN_PATH_CHARS {
        for (value, at) in [
            (format!("{ch}"), 0),
            (format!("ab{ch}"), 2),
            (format!("a{ch}b{ch}"), 1),
        ] {
            assert_eq!(
                rule_of("task_id", &value),
                Rule::ForbiddenChar { ch, at },
                "{value:?}"
            );
        }
    }
}

#[test]
fn whitespace_and_controls_are_rejected() {
    let cases = [
        ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{a0}', '\u{2003}', '\u{3000}', '\u{0}',
        '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}',
    ];
    for ch in cases {
        let value = format!("id{ch}x");
        assert_eq!(
            rule_of("project_id", &value),
            Rule::ForbiddenChar { ch, at: 2 },
            "{ch:?}"
        );
    }
}

#[test]
fn position_counts_chars_not_bytes() {
    assert_eq!(
        rule_of("task_id", "éé/"),
        Rule::ForbiddenChar { ch: '/', at: 2 }
    );
}

#[test]
fn control_chars_are_escaped_in_messages() {
    let err = TaskId::new("a\u{7}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid task_id: must not contain '\\u{7}' (character 1)"
    );
}

#[test]
fn length_boundary() {
    let max = "a".repeat(PATH_PARAM_MAX_CHARS);
    assert_eq!(max.chars().count(), 256);
    TaskId::new(max).unwrap();
    let over = "a".repeat(PATH_PARAM_MAX_CHARS + 1);
    assert_eq!(
        rule_of("task_id", &over),
        Rule::TooLong {
            max: 256,
            actual: 257
        }
    );
    // Characters, not bytes: 256 two-byte characters are fine.
    TaskId::new("é".repeat(256)).unwrap();
    let err = TaskId::new("é".repeat(300)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid task_id: must be at most 256 characters, got 300"
    );
}

/// Project ids go in the path and in the `X-Project-Id` header, so they keep to their own
/// rule: ASCII letters, digits, `-` and `_`, at most 64. `pé` once passed as "visible" and
/// went out as raw UTF-8 in the header and percent-encoded in the path.
#[test]
fn project_ids_are_ascii_by_their_own_rule() {
    ProjectId::new("0a1b2c3d4e5f40718293a4b5c6d7e8f9").unwrap();
    ProjectId::new("proj-1_A").unwrap();
    ProjectId::new("a".repeat(64)).unwrap();
    for bad in ["pé", "p q", "p:q", "p.q", "项目", "p\u{7f}"] {
        let err = ProjectId::new(bad).unwrap_err();
        assert_eq!(err.field(), "project_id", "{bad:?}");
    }
    assert_eq!(
        ProjectId::new("pé").unwrap_err().rule(),
        &Rule::NotAProjectId
    );
    assert_eq!(
        ProjectId::new("a".repeat(65)).unwrap_err().rule(),
        &Rule::NotAProjectId
    );
    assert_eq!(ProjectId::new("").unwrap_err().rule(), &Rule::Empty);
}

#[test]
fn non_ascii_is_accepted_and_encoded() {
    assert_eq!(
        rule_of("task_id", "tâche 1"),
        Rule::ForbiddenChar { ch: ' ', at: 5 }
    );
    let id = TaskId::new("tâche").unwrap();
    assert_eq!(id.as_str(), "tâche");
    assert_eq!(id.encoded(), "t%C3%A2che");
    assert_eq!(encode_path_segment("tâche"), "t%C3%A2che");
    assert_eq!(encode_path_segment("任务"), "%E4%BB%BB%E5%8A%A1");
}

#[test]
fn encoding_keeps_only_unreserved() {
    assert_eq!(
        encode_path_segment("AZaz09-_.~"),
        "AZaz09-_.~",
        "unreserved characters stay"
    );
    assert_eq!(
        encode_path_segment("a+b:c@d!e*f'g(h)i;j=k&l,m$n[o]p"),
        "a%2Bb%3Ac%40d%21e%2Af%27g%28h%29i%3Bj%3Dk%26l%2Cm%24n%5Bo%5Dp"
    );
    assert_eq!(encode_path_segment("a/b c%"), "a%2Fb%20c%25");
}

#[test]
fn ids_have_display_as_ref_and_conversions() {
    let project = ProjectId::new("0504201b6c80256b2f1fc005e6b5a3b7").unwrap();
    assert_eq!(project.to_string(), "0504201b6c80256b2f1fc005e6b5a3b7");
    assert_eq!(project.as_ref(), project.as_str());
    let parsed: ProjectId = "0504201b6c80256b2f1fc005e6b5a3b7".parse().unwrap();
    assert_eq!(parsed, project);
    assert_eq!(TaskId::try_from("t-1").unwrap().as_str(), "t-1");
    assert_eq!(
        TaskId::try_from(String::from("t/1"))
            .unwrap_err()
            .rule()
            .clone(),
        Rule::ForbiddenChar { ch: '/', at: 1 }
    );
    assert_eq!(ProjectId::FIELD, "project_id");
    assert_eq!(TaskId::FIELD, "task_id");
    assert_eq!(TaskId::new("x").unwrap().into_string(), "x");
}
