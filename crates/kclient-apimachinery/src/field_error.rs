//! Formatting helpers that reproduce Go's error texts: `strconv.Quote` (`%q`) and the messages of
//! `field.Invalid(...).Error()` and `ErrorList.ToAggregate().Error()`, so that client-side
//! validation reports exactly what the API server would.

/// Go's `strconv.Quote` (what `%q` prints for a string), for valid UTF-8 input.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c == ' ' || !(c.is_control() || c.is_whitespace()) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// A bad value as `field.Error` renders it: strings with `%q`, string lists as JSON.
pub(crate) enum BadValue<'a> {
    /// A single string.
    Str(&'a str),
    /// A list of strings.
    List(&'a [String]),
}

/// `field.Invalid(path, value, detail).Error()`: `path: Invalid value: "v": detail`.
pub(crate) fn invalid(path: &str, value: BadValue<'_>, detail: &str) -> String {
    let value = match value {
        BadValue::Str(s) => go_quote(s),
        BadValue::List(list) => serde_json::to_string(list).unwrap_or_else(|_| "[]".to_string()),
    };
    if detail.is_empty() {
        format!("{path}: Invalid value: {value}")
    } else {
        format!("{path}: Invalid value: {value}: {detail}")
    }
}

/// `utilerrors.NewAggregate(errs).Error()`: one message as is; several deduplicated in
/// `[a, b]`. `None` when there is no error.
pub(crate) fn aggregate(messages: Vec<String>) -> Option<String> {
    let mut unique: Vec<String> = Vec::with_capacity(messages.len());
    for m in messages {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    match unique.len() {
        0 => None,
        1 => unique.pop(),
        _ => Some(format!("[{}]", unique.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_like_go() {
        assert_eq!(go_quote("a b"), r#""a b""#);
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\n\t\u{1}\u{7f}"), r#""\n\t\x01\x7f""#);
        assert_eq!(go_quote("é"), "\"é\"");
        assert_eq!(go_quote("\u{85}"), r#""\u0085""#);
    }

    #[test]
    fn field_errors_like_go() {
        assert_eq!(
            invalid("values[0][app]", BadValue::Str("-x"), "bad"),
            r#"values[0][app]: Invalid value: "-x": bad"#
        );
        assert_eq!(
            invalid("values", BadValue::List(&["a".into(), "b".into()]), "d"),
            r#"values: Invalid value: ["a","b"]: d"#
        );
        assert_eq!(aggregate(vec![]), None);
        assert_eq!(
            aggregate(vec!["a".into(), "a".into()]).as_deref(),
            Some("a")
        );
        assert_eq!(
            aggregate(vec!["a".into(), "b".into(), "a".into()]).as_deref(),
            Some("[a, b]")
        );
    }
}
