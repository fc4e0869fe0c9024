//! Validated path parameters (project and task ids) and their encoding.
//!
//! A path parameter is rejected when it
//!
//! * is empty;
//! * is longer than [`PATH_PARAM_MAX_CHARS`] characters;
//! * is exactly `.` or `..` (it would change the meaning of the path);
//! * contains any of [`FORBIDDEN_PATH_CHARS`] (`/ \ ? # %`), any whitespace
//!   character, or any control character.
//!
//! The checks run in that order and the first failure is reported.
//! Everything else, including non-ASCII text, is accepted and
//! percent-encoded by [`encode_path_segment`] when the path is built.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::limits::PATH_PARAM_MAX_CHARS;

/// Characters that are never allowed in a path parameter, in addition to
/// whitespace and control characters.
pub const FORBIDDEN_PATH_CHARS: [char; 5] = ['/', '\\', '?', '#', '%'];

/// Bytes left as they are in a path segment: everything except the RFC 3986
/// unreserved set (`A-Z a-z 0-9 - _ . ~`) gets percent-encoded.
const SEGMENT_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Values supplied by the caller broke the rules of their fields: one problem, or (from a
/// whole request's check) every problem found, each with the path of its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    first: (Cow<'static, str>, Rule),
    more: Vec<(String, Rule)>,
}

impl ValidationError {
    /// Builds an error for `field` breaking `rule`. A field inside the body is named by its
    /// path, e.g. `body.bss_param.charging_mode` or `body.tags[1].key`.
    pub fn new(field: impl Into<Cow<'static, str>>, rule: Rule) -> Self {
        Self {
            first: (field.into(), rule),
            more: Vec::new(),
        }
    }

    /// An error listing `problems` in order, or `None` when there are none.
    pub fn from_problems(problems: Vec<(String, Rule)>) -> Option<Self> {
        let mut it = problems.into_iter();
        let (field, rule) = it.next()?;
        Some(Self {
            first: (Cow::Owned(field), rule),
            more: it.collect(),
        })
    }

    /// The name (or path) of the first offending field, e.g. `"task_id"` or `"body.message"`.
    pub fn field(&self) -> &str {
        &self.first.0
    }

    /// The rule the first offending field broke.
    pub fn rule(&self) -> &Rule {
        &self.first.1
    }

    /// Every problem: each field's path and the rule it broke, in the order found.
    pub fn problems(&self) -> impl Iterator<Item = (&str, &Rule)> {
        std::iter::once((self.first.0.as_ref(), &self.first.1))
            .chain(self.more.iter().map(|(f, r)| (f.as_str(), r)))
    }

    /// How many problems there are (at least one).
    pub fn len(&self) -> usize {
        1 + self.more.len()
    }

    /// Always `false`: an error has at least one problem.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.more.is_empty() {
            return write!(f, "invalid {}: {}", self.first.0, self.first.1);
        }
        write!(f, "{} invalid fields: ", self.len())?;
        for (i, (field, rule)) in self.problems().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{field}: {rule}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// The rule a rejected value broke.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The value was empty.
    Empty,
    /// The value was exactly `.` or `..`.
    DotSegment,
    /// The value contained a character that is not allowed.
    ForbiddenChar {
        /// The offending character.
        ch: char,
        /// Zero-based index, in characters (not bytes), of its first
        /// occurrence.
        at: usize,
    },
    /// A path parameter was longer than allowed.
    TooLong {
        /// The maximum number of characters.
        max: usize,
        /// The number of characters received.
        actual: usize,
    },
    /// A body field was longer than its documented limit.
    FieldTooLong {
        /// The maximum number of characters.
        max: usize,
        /// The number of characters received.
        actual: usize,
    },
    /// A field was shorter than its documented minimum.
    TooShort {
        /// The minimum number of characters.
        min: usize,
        /// The number of characters received.
        actual: usize,
    },
    /// A required parameter or body field was not set.
    Missing,
    /// A number outside its documented range.
    OutOfRange {
        /// The smallest value allowed, if bounded below.
        min: Option<String>,
        /// The largest value allowed, if bounded above.
        max: Option<String>,
        /// The value received.
        actual: String,
    },
    /// Text that must hold a number did not.
    NotANumber {
        /// The value received.
        actual: String,
    },
    /// A value outside its documented set.
    NotOneOf {
        /// The values allowed.
        allowed: &'static [&'static str],
        /// The value received.
        actual: String,
    },
    /// A path id equal to a literal segment of another operation's path at the same place,
    /// so the request would reach that operation instead (e.g. `instance_id = "status"`).
    Reserved {
        /// The value received.
        actual: String,
    },
    /// A project id outside its rule: 1 to 64 ASCII letters, digits, `-` or `_`.
    NotAProjectId,
    /// A JSON input whose shape is not the API's: an unknown field, or a value of the wrong
    /// type (for input given as JSON, e.g. to the command line or the emulator).
    Shape {
        /// What was wrong.
        message: String,
    },
    /// Text not in its documented format (a date, a time, an address).
    BadFormat {
        /// The format, as the reference writes it.
        format: &'static str,
        /// The value received.
        actual: String,
    },
    /// A character outside the field's documented character rule.
    Characters {
        /// The rule, in words.
        rule: &'static str,
        /// The offending character.
        ch: char,
        /// Zero-based index, in characters, of the offending character.
        at: usize,
    },
}

/// Writes a character so that it is readable in a message: invisible
/// characters (controls and whitespace other than a plain space) are shown
/// as `\u{..}` escapes.
fn write_char_visibly(f: &mut fmt::Formatter<'_>, ch: char) -> fmt::Result {
    if ch != ' ' && (ch.is_control() || ch.is_whitespace()) {
        write!(f, "\\u{{{:x}}}", u32::from(ch))
    } else {
        write!(f, "{}", ch.escape_debug())
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Empty => f.write_str("must not be empty"),
            Rule::DotSegment => f.write_str("must not be '.' or '..'"),
            Rule::ForbiddenChar { ch, at } => {
                f.write_str("must not contain '")?;
                write_char_visibly(f, *ch)?;
                write!(f, "' (character {at})")
            }
            Rule::TooLong { max, actual } | Rule::FieldTooLong { max, actual } => {
                write!(f, "must be at most {max} characters, got {actual}")
            }
            Rule::TooShort { min, actual } => {
                write!(f, "must be at least {min} characters, got {actual}")
            }
            Rule::Missing => f.write_str("is required"),
            Rule::OutOfRange { min, max, actual } => match (min, max) {
                (Some(lo), Some(hi)) => write!(f, "must be between {lo} and {hi}, got {actual}"),
                (Some(lo), None) => write!(f, "must be at least {lo}, got {actual}"),
                (None, Some(hi)) => write!(f, "must be at most {hi}, got {actual}"),
                (None, None) => write!(f, "is out of range: {actual}"),
            },
            Rule::NotANumber { actual } => write!(f, "must be a number, got {actual:?}"),
            Rule::NotOneOf { allowed, actual } => {
                write!(f, "must be one of {}, got {actual:?}", allowed.join(", "))
            }
            Rule::Reserved { actual } => write!(
                f,
                "must not be {actual:?}: that path segment names another operation"
            ),
            Rule::NotAProjectId => f.write_str(
                "must be a project id: 1 to 64 ASCII letters, digits, '-' or '_' (Huawei Cloud's are 32 hexadecimal characters)",
            ),
            Rule::Shape { message } => f.write_str(message),
            Rule::BadFormat { format, actual } => {
                write!(f, "must be in the form {format}, got {actual:?}")
            }
            Rule::Characters { rule, ch, at } => {
                f.write_str("must match its character rule (")?;
                f.write_str(rule)?;
                f.write_str("): '")?;
                write_char_visibly(f, *ch)?;
                write!(f, "' (character {at}) is not allowed")
            }
        }
    }
}

/// Returns `true` when `ch` may not appear in a path parameter.
pub fn is_forbidden_path_char(ch: char) -> bool {
    FORBIDDEN_PATH_CHARS.contains(&ch) || ch.is_whitespace() || ch.is_control()
}

/// Checks `value` against the path-parameter rules described in the
/// [module documentation](self). `field` names the parameter in the error.
pub fn validate_path_param(field: &'static str, value: &str) -> Result<(), ValidationError> {
    let fail = |rule| Err(ValidationError::new(field, rule));
    if value.is_empty() {
        return fail(Rule::Empty);
    }
    // Ids are ASCII: one byte is one character, and the checks below need no decoding.
    let ascii = value.is_ascii();
    let actual = if ascii {
        value.len()
    } else {
        value.chars().count()
    };
    if actual > PATH_PARAM_MAX_CHARS {
        return fail(Rule::TooLong {
            max: PATH_PARAM_MAX_CHARS,
            actual,
        });
    }
    if value == "." || value == ".." {
        return fail(Rule::DotSegment);
    }
    let forbidden = if ascii {
        value
            .bytes()
            .map(char::from)
            .enumerate()
            .find(|&(_, ch)| is_forbidden_path_char(ch))
    } else {
        value
            .chars()
            .enumerate()
            .find(|&(_, ch)| is_forbidden_path_char(ch))
    };
    if let Some((at, ch)) = forbidden {
        return fail(Rule::ForbiddenChar { ch, at });
    }
    Ok(())
}

/// Percent-encodes one path segment.
///
/// `A-Z a-z 0-9 - _ . ~` are kept; every other character is written as
/// `%XX` (upper-case hex) for each byte of its UTF-8 encoding.
/// For example `"tâche"` becomes `"t%C3%A2che"`.
pub fn encode_path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_path_segment(&mut out, value);
    out
}

/// Appends `value` to `out`, percent-encoded as [`encode_path_segment`] does, without an
/// intermediate string: what the generated operations build their paths with.
pub fn push_path_segment(out: &mut String, value: &str) {
    // Unreserved runs come through as one piece each, encoded bytes as `%XX` pieces.
    for piece in utf8_percent_encode(value, SEGMENT_ENCODE_SET) {
        out.push_str(piece);
    }
}

/// Checks a project id: 1 to 64 ASCII letters, digits, `-` or `_`. Huawei Cloud's project
/// ids are 32 hexadecimal characters; the rule is a little wider so that test projects and
/// future formats pass, but nothing that would change as it travels (non-ASCII, spaces,
/// separators) does: the same bytes go in the path and in `X-Project-Id`.
pub fn validate_project_id(field: &'static str, value: &str) -> Result<(), ValidationError> {
    validate_path_param(field, value)?;
    let ok = value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(ValidationError::new(field, Rule::NotAProjectId));
    }
    Ok(())
}

macro_rules! path_id {
    ($(#[$meta:meta])* $name:ident, $field:literal) => {
        path_id!($(#[$meta])* $name, $field, validate_path_param);
    };
    ($(#[$meta:meta])* $name:ident, $field:literal, $check:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("The field name used in validation errors: `\"", $field, "\"`.")]
            pub const FIELD: &'static str = $field;

            #[doc = concat!(
                "Validates `value` as a path parameter; errors name the field `\"",
                $field,
                "\"`."
            )]
            pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
                let value = value.into();
                $check($field, &value)?;
                Ok(Self(value))
            }

            /// The id as given (not encoded).
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id percent-encoded for use as a path segment.
            pub fn encoded(&self) -> String {
                encode_path_segment(&self.0)
            }

            /// Gives back the owned id string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;

            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }
    };
}

path_id!(
    /// A validated project id (the `{project_id}` path parameter and the `X-Project-Id`
    /// header): 1 to 64 ASCII letters, digits, `-` or `_`.
    ProjectId,
    "project_id",
    validate_project_id
);

path_id!(
    /// A validated task id (the `{task_id}` path parameter).
    TaskId,
    "task_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_of_rules() {
        assert_eq!(Rule::Empty.to_string(), "must not be empty");
        assert_eq!(Rule::DotSegment.to_string(), "must not be '.' or '..'");
        assert_eq!(
            Rule::ForbiddenChar { ch: '/', at: 3 }.to_string(),
            "must not contain '/' (character 3)"
        );
        assert_eq!(
            Rule::ForbiddenChar { ch: '\u{7}', at: 0 }.to_string(),
            "must not contain '\\u{7}' (character 0)"
        );
        assert_eq!(
            Rule::ForbiddenChar { ch: '\n', at: 1 }.to_string(),
            "must not contain '\\u{a}' (character 1)"
        );
        assert_eq!(
            Rule::ForbiddenChar {
                ch: '\u{a0}',
                at: 1
            }
            .to_string(),
            "must not contain '\\u{a0}' (character 1)"
        );
        assert_eq!(
            Rule::ForbiddenChar { ch: ' ', at: 2 }.to_string(),
            "must not contain ' ' (character 2)"
        );
        assert_eq!(
            Rule::ForbiddenChar { ch: '\\', at: 2 }.to_string(),
            "must not contain '\\\\' (character 2)"
        );
        assert_eq!(
            Rule::TooLong {
                max: 256,
                actual: 300
            }
            .to_string(),
            "must be at most 256 characters, got 300"
        );
        assert_eq!(
            Rule::FieldTooLong { max: 9, actual: 10 }.to_string(),
            "must be at most 9 characters, got 10"
        );
    }

    #[test]
    fn error_display_names_field_and_rule() {
        let err = validate_path_param("task_id", "a/b").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid task_id: must not contain '/' (character 1)"
        );
    }
}
