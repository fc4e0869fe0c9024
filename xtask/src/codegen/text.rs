//! Names and text: Rust identifiers from API names, doc comments that rustdoc reads without
//! warnings, string literals.

use std::fmt::Write as _;

/// `CreateInstance` -> `create_instance`, as the official SDKs name their methods.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `CreateInstance` -> `CREATE_INSTANCE`.
pub fn upper_snake(name: &str) -> String {
    snake(name).to_ascii_uppercase()
}

/// A field or parameter name as a Rust identifier (raw where it is a keyword).
pub fn ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else",
        "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "static", "struct", "super", "trait", "true",
        "type", "unsafe", "use", "where", "while", "yield",
    ];
    if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// A Rust string literal.
pub fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// Text from the spec (the official SDK's Chinese descriptions) made inert for rustdoc: no
/// links, HTML, emphasis or code spans can come out of it.
pub fn inert(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "'")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('#', "\\#")
        .replace('|', "\\|")
        .trim()
        .to_string();
    autolink(&escaped)
}

/// Bare `http(s)://` URLs wrapped as autolinks (`<url>`), ending at whitespace, a closing
/// parenthesis (ASCII or full-width) or the end.
fn autolink(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(i) = rest.find("http") {
        let tail = &rest[i..];
        if !(tail.starts_with("http://") || tail.starts_with("https://")) {
            out.push_str(&rest[..i + 4]);
            rest = &rest[i + 4..];
            continue;
        }
        out.push_str(&rest[..i]);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '）' | '，' | '。' | '\\'))
            .unwrap_or(tail.len());
        let _ = write!(out, "<{}>", &tail[..end]);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Our Markdown from the reviewed tables made safe for rustdoc: code spans and `[text](url)`
/// links are kept; any other `[`, `]`, `<` and `>` is escaped (so it is neither a broken
/// intra-doc link nor an HTML tag), and a bare URL becomes an autolink.
pub fn markdown(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            // A code span: copy through its closing backtick.
            if let Some(end) = chars[i + 1..].iter().position(|&x| x == '`') {
                out.extend(&chars[i..=i + 1 + end]);
                i += end + 2;
                continue;
            }
            out.push('\'');
            i += 1;
            continue;
        }
        if c == '[' {
            if let Some(len) = link_len(&chars[i..]) {
                out.extend(&chars[i..i + len]);
                i += len;
                continue;
            }
            out.push_str("\\[");
            i += 1;
            continue;
        }
        if c == ']' {
            out.push_str("\\]");
            i += 1;
            continue;
        }
        if c == '<' {
            out.push_str("&lt;");
            i += 1;
            continue;
        }
        if c == '>' {
            out.push_str("&gt;");
            i += 1;
            continue;
        }
        if chars[i..].starts_with(&['h', 't', 't', 'p']) {
            let rest: String = chars[i..].iter().collect();
            if rest.starts_with("http://") || rest.starts_with("https://") {
                let len = rest
                    .find(|ch: char| ch.is_whitespace() || ch == ')' || ch == ']')
                    .unwrap_or(rest.len());
                let url = rest[..len].trim_end_matches(['.', ',', ';', ':']);
                let _ = write!(out, "<{url}>");
                i += url.chars().count();
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out.trim().to_string()
}

/// The length of a `[text](url)` link at the start of `chars`, if there is one.
fn link_len(chars: &[char]) -> Option<usize> {
    let close = chars.iter().position(|&c| c == ']')?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = chars[close + 2..].iter().position(|&c| c == ')')?;
    let url: String = chars[close + 2..close + 2 + end].iter().collect();
    (url.starts_with("https://") || url.starts_with("http://")).then_some(close + 3 + end)
}

/// Appends `text` as `///` lines (an empty line as `///`).
pub fn doc_lines(out: &mut String, text: &str) {
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {line}");
        }
    }
}

/// The first sentence of `text` (up to the first `. ` or the end).
pub fn first_sentence(text: &str) -> &str {
    let t = text.trim();
    match t.find(". ") {
        Some(i) => &t[..=i],
        None => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_code_and_links_and_escapes_the_rest() {
        assert_eq!(
            markdown("Use `a<b>` or [the page](https://x.y/z) [1] <tag>"),
            "Use `a<b>` or [the page](https://x.y/z) \\[1\\] &lt;tag&gt;"
        );
        assert_eq!(
            markdown("See https://x.y/a.html."),
            "See <https://x.y/a.html>."
        );
        assert_eq!(markdown("odd ` tick"), "odd ' tick");
    }

    #[test]
    fn names() {
        assert_eq!(
            snake("ResetAclAccountPassWord"),
            "reset_acl_account_pass_word"
        );
        assert_eq!(snake("ListTagsOfTenant"), "list_tags_of_tenant");
        assert_eq!(upper_snake("ShowJobInfo"), "SHOW_JOB_INFO");
        assert_eq!(ident("type"), "r#type");
        assert_eq!(first_sentence("One. Two."), "One.");
    }
}
