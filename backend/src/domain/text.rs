//! The one rule for control characters in what callers send (SPEC §3 validation): no text
//! field, query parameter or path segment may carry U+0000 or another C0 control character.
//! PostgreSQL refuses NUL in text outright, and the other controls have no place in names,
//! addresses or notes. Tab, line feed and carriage return are allowed in JSON text, where
//! multi-line fields (a care address, a note) need them; query parameters and paths allow none.

/// Whether `c` is refused in JSON text.
pub fn is_refused_in_text(c: char) -> bool {
    c < ' ' && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether `c` is refused in a query parameter or path segment.
pub fn is_refused_in_url(c: char) -> bool {
    c < ' ' || c == '\u{7f}'
}

pub const REFUSED_MESSAGE: &str = "must not contain control characters such as U+0000";

/// Whether raw JSON text holds a string with a refused control character. JSON cannot carry
/// a raw control character in a string (the parser refuses it), so only the escapes `\uXXXX`,
/// `\b` and `\f` need looking at; this runs over every JSON body without parsing it.
pub fn json_has_refused_escape(raw: &[u8]) -> bool {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            i += 1;
            continue;
        }
        match raw.get(i + 1) {
            Some(b'b' | b'f') => return true,
            Some(b'u') => {
                let code = raw
                    .get(i + 2..i + 6)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok());
                if code
                    .and_then(char::from_u32)
                    .is_some_and(is_refused_in_text)
                {
                    return true;
                }
                i += 6;
            }
            _ => i += 2,
        }
    }
    false
}

/// The dotted path (`employees.3.first_name`) of the first key or string in `value` with a
/// refused character, to name the field in the answer.
pub fn path_of_refused_text(value: &serde_json::Value) -> Option<String> {
    fn refused(text: &str) -> bool {
        text.chars().any(is_refused_in_text)
    }
    match value {
        serde_json::Value::String(text) => refused(text).then(String::new),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path_of_refused_text(item).map(|rest| join(&i.to_string(), &rest))
        }),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if refused(key) {
                return Some(key.chars().filter(|c| !is_refused_in_text(*c)).collect());
            }
            path_of_refused_text(item).map(|rest| join(key, &rest))
        }),
        _ => None,
    }
}

fn join(head: &str, rest: &str) -> String {
    if rest.is_empty() {
        head.to_string()
    } else {
        format!("{head}.{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_of_control_characters_are_found() {
        for raw in [
            r#"{"a":"x\u0000"}"#,
            r#"{"a":"\u001F"}"#,
            r#"{"a":"\b"}"#,
            r#"{"a":"\f"}"#,
            r#"["ok", "\u0007"]"#,
        ] {
            assert!(json_has_refused_escape(raw.as_bytes()), "{raw}");
        }
    }

    #[test]
    fn ordinary_text_and_escaped_backslashes_pass() {
        for raw in [
            r#"{"a":"regel 1\nregel 2\tmet tab\r"}"#,
            r#"{"a":"\\u0000 is written like this"}"#,
            r#"{"a":"\\b and \\f"}"#,
            r#"{"a":"\u00e9\u0020\"quoted\""}"#,
        ] {
            assert!(!json_has_refused_escape(raw.as_bytes()), "{raw}");
        }
    }

    #[test]
    fn the_path_names_the_field() {
        let value: serde_json::Value =
            serde_json::from_str(r#"{"employees":[{"a":"ok"},{"first_name":"J\u0000"}]}"#).unwrap();
        assert_eq!(
            path_of_refused_text(&value).as_deref(),
            Some("employees.1.first_name")
        );
        let clean: serde_json::Value = serde_json::from_str(r#"{"a":["b\n"]}"#).unwrap();
        assert_eq!(path_of_refused_text(&clean), None);
    }
}
