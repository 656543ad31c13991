//! Parsing of `Warning` response headers (RFC 7234 §5.5, as client-go's `ParseWarningHeaders`):
//! `<3-digit code> <agent> "<text>" ["<date>"]`, several per header separated by commas, and the
//! header may repeat. Inside the quoted text, `\` escapes the next character.

use http::HeaderMap;
use http::header::WARNING;

/// One warning from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    /// The warn-code (299 for deprecation and validation warnings).
    pub(crate) code: u16,
    /// The warn-agent (usually `-`).
    pub(crate) agent: String,
    /// The unescaped warn-text.
    pub(crate) text: String,
}

/// All warnings of all `Warning` headers, and a description of each malformed header (parsing of
/// that header stops at the first malformed warning; earlier ones are kept).
pub(crate) fn parse_warning_headers(headers: &HeaderMap) -> (Vec<Warning>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for value in headers.get_all(WARNING) {
        let Ok(text) = value.to_str() else {
            errors.push("a Warning header is not visible ASCII".to_string());
            continue;
        };
        if let Err(e) = parse_warning_header(text, &mut warnings) {
            errors.push(e);
        }
    }
    (warnings, errors)
}

/// Parses one header value, appending its warnings to `out`.
pub(crate) fn parse_warning_header(value: &str, out: &mut Vec<Warning>) -> Result<(), String> {
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            return Ok(());
        }
        let (warning, after) = parse_one(rest)?;
        out.push(warning);
        rest = after.trim_start_matches([' ', '\t']);
        match rest.strip_prefix(',') {
            Some(after_comma) => rest = after_comma,
            None if rest.is_empty() => return Ok(()),
            None => return Err(format!("unexpected text after a warning: {rest:?}")),
        }
    }
}

/// Parses `code SP agent SP "text" [SP "date"]` at the start of `s`; returns the rest.
fn parse_one(s: &str) -> Result<(Warning, &str), String> {
    let code_str = s.get(..3).filter(|c| c.bytes().all(|b| b.is_ascii_digit()));
    let code = code_str
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| format!("a warning does not start with a 3-digit code: {s:?}"))?;
    let s = s[3..]
        .strip_prefix(' ')
        .ok_or_else(|| format!("no space after warn-code {code}"))?;
    let agent_end = s
        .find(' ')
        .ok_or_else(|| format!("warning {code} has no text"))?;
    let agent = &s[..agent_end];
    if agent.is_empty() || agent.contains('"') {
        return Err(format!("warning {code} has an invalid agent"));
    }
    let (text, rest) = parse_quoted(&s[agent_end + 1..])
        .ok_or_else(|| format!("warning {code} has no properly quoted text"))?;
    // An optional quoted date follows; it is not used.
    let trimmed = rest.trim_start_matches([' ', '\t']);
    let rest = if trimmed.starts_with('"') {
        parse_quoted(trimmed)
            .map(|(_, r)| r)
            .ok_or_else(|| format!("warning {code} has a malformed date"))?
    } else {
        rest
    };
    let warning = Warning {
        code,
        agent: agent.to_string(),
        text,
    };
    Ok((warning, rest))
}

/// Parses a quoted string at the start of `s`: its unescaped content and the rest.
fn parse_quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut text = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?.1),
            '"' => return Some((text, &body[i + 1..])),
            c => text.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use http::HeaderValue;

    fn parse(s: &str) -> (Vec<Warning>, Result<(), String>) {
        let mut out = Vec::new();
        let r = parse_warning_header(s, &mut out);
        (out, r)
    }

    fn w(code: u16, agent: &str, text: &str) -> Warning {
        Warning {
            code,
            agent: agent.into(),
            text: text.into(),
        }
    }

    #[test]
    fn single_and_multiple() {
        assert_eq!(
            parse(r#"299 - "deprecated""#).0,
            [w(299, "-", "deprecated")]
        );
        let (ws, r) =
            parse(r#"299 - "a", 199 host:80 "b" "Sat, 25 Aug 2012 23:34:45 GMT" ,299 - "c""#);
        r.unwrap();
        assert_eq!(
            ws,
            [w(299, "-", "a"), w(199, "host:80", "b"), w(299, "-", "c")]
        );
    }

    #[test]
    fn escapes_and_commas_in_text() {
        let (ws, r) = parse(r#"299 - "say \"hi\", then \\ leave""#);
        r.unwrap();
        assert_eq!(ws, [w(299, "-", r#"say "hi", then \ leave"#)]);
    }

    #[test]
    fn malformed_keeps_earlier_warnings() {
        let (ws, r) = parse(r#"299 - "ok", 29 - "short code""#);
        assert_eq!(ws, [w(299, "-", "ok")]);
        assert!(r.is_err());
        assert!(parse(r#"299 - "unterminated"#).1.is_err());
        assert!(parse("299 -").1.is_err());
        assert!(parse(r#"299 - "a" junk"#).1.is_err());
        assert!(parse("").1.is_ok());
    }

    #[test]
    fn repeated_headers() {
        let mut headers = HeaderMap::new();
        headers.append(WARNING, HeaderValue::from_static(r#"299 - "one""#));
        headers.append(
            WARNING,
            HeaderValue::from_static(r#"299 - "two", 299 - "three""#),
        );
        headers.append(WARNING, HeaderValue::from_static("garbage"));
        let (ws, errors) = parse_warning_headers(&headers);
        let texts: Vec<_> = ws.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["one", "two", "three"]);
        assert_eq!(errors.len(), 1);
    }
}
