//! Pure path helpers with Go's semantics: `path.Join`/`path.Clean`, the URL path escaping of
//! `url.URL.EscapedPath`, and client-go's `IsValidPathSegmentName` check.

/// Go's `path.Clean`: collapses repeated slashes, removes `.` and resolves `..` lexically.
/// A rooted path stays rooted; an empty result is `.` (or `/` when rooted).
pub(crate) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// Go's `path.Join`: joins the non-empty elements with `/` and cleans the result; all-empty
/// input gives the empty string.
pub(crate) fn join<'a>(elements: impl IntoIterator<Item = &'a str>) -> String {
    let non_empty: Vec<&str> = elements.into_iter().filter(|e| !e.is_empty()).collect();
    if non_empty.is_empty() {
        return String::new();
    }
    clean(&non_empty.join("/"))
}

/// Why `segment` cannot be one path segment (client-go's `IsValidPathSegmentName`), if it cannot.
pub(crate) fn invalid_segment_reason(segment: &str) -> Option<&'static str> {
    match segment {
        "." => Some("may not be '.'"),
        ".." => Some("may not be '..'"),
        s if s.contains('/') => Some("may not contain '/'"),
        s if s.contains('%') => Some("may not contain '%'"),
        _ => None,
    }
}

/// Escapes a path the way Go's `url.URL.EscapedPath` does (its `encodePath` mode): unreserved
/// characters and `$&+,/:;=@` stay, every other byte becomes `%XX`.
pub(crate) fn escape_path(path: &str) -> String {
    escape(
        path,
        |b| b.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&b),
        false,
    )
}

/// Escapes a query key or value the way Go's `url.QueryEscape` does: unreserved characters stay,
/// a space becomes `+`, every other byte becomes `%XX`.
pub(crate) fn escape_query(component: &str) -> String {
    escape(
        component,
        |b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b),
        true,
    )
}

/// The one percent-encoder of the crate: bytes for which `keep` holds stay, a space becomes `+`
/// when `space_as_plus`, every other byte becomes `%XX` (upper-case hex, as Go writes it).
pub(crate) fn escape(input: &str, keep: impl Fn(u8) -> bool, space_as_plus: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len());
    for &b in input.as_bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else if b == b' ' && space_as_plus {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// Decodes `%XX` escapes in a URL path (as Go's `url.Parse` stores `URL.Path`).
pub(crate) fn unescape_path(path: &str) -> Result<String, String> {
    unescape(path, "path")
}

fn unescape(input: &str, what: &str) -> Result<String, String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => out.push(b),
                None => return Err(format!("invalid escape at byte {i} of {what} {input:?}")),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{what} {input:?} does not decode to UTF-8"))
}

/// Decodes a query key or value (`+` is a space, `%XX` a byte), as Go's `url.QueryUnescape`.
pub(crate) fn unescape_query(component: &str) -> Result<String, String> {
    unescape(&component.replace('+', " "), "query component")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("//a//b/", "/a/b"),
            ("a/./b/../c", "a/c"),
            ("/../a", "/a"),
            ("../a", "../a"),
            ("a/../..", ".."),
            ("/api/v1/", "/api/v1"),
        ] {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }

    #[test]
    fn join_matches_go() {
        assert_eq!(join(["", ""]), "");
        assert_eq!(join(["/", "prefix", "/api/v1"]), "/prefix/api/v1");
        assert_eq!(join(["/api", "", "v1"]), "/api/v1");
        assert_eq!(join(["a", "b/"]), "a/b");
    }

    #[test]
    fn segments_are_validated_like_client_go() {
        assert_eq!(invalid_segment_reason("."), Some("may not be '.'"));
        assert_eq!(invalid_segment_reason(".."), Some("may not be '..'"));
        assert_eq!(invalid_segment_reason("a/b"), Some("may not contain '/'"));
        assert_eq!(invalid_segment_reason("a%2F"), Some("may not contain '%'"));
        assert_eq!(invalid_segment_reason("a.b..c"), None);
        assert_eq!(invalid_segment_reason("with space"), None);
    }

    #[test]
    fn escaping_matches_go() {
        assert_eq!(escape_path("/api/v1/a b/é:x@y"), "/api/v1/a%20b/%C3%A9:x@y");
        assert_eq!(escape_path("/q?x#y"), "/q%3Fx%23y");
        assert_eq!(escape_query("a b&c=d/e+f~"), "a+b%26c%3Dd%2Fe%2Bf~");
        assert_eq!(escape_query("app in (a,b)"), "app+in+%28a%2Cb%29");
    }

    #[test]
    fn unescape_decodes_and_rejects_bad_escapes() {
        assert_eq!(unescape_path("/a%20b/c").unwrap(), "/a b/c");
        assert!(unescape_path("/a%2").is_err());
        assert!(unescape_path("/a%zz").is_err());
        assert!(unescape_path("/%ff").is_err());
        assert_eq!(unescape_query("a+b%2Bc").unwrap(), "a b+c");
    }
}
