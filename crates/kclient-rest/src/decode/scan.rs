//! `ValueScanner`: finds where one JSON value ends in a byte stream fed piece by piece, tracking
//! nesting depth, strings and escapes (numbers and literals end at the next delimiter).

/// What the scanner is inside of.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Start,
    /// An object or array, `depth` levels deep.
    Container,
    /// A top-level string.
    String,
    /// A number, `true`, `false` or `null`.
    Scalar,
}

/// Incremental end-of-value finder.
#[derive(Debug, Default)]
pub(crate) struct ValueScanner {
    state: State,
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl ValueScanner {
    /// Scans the next bytes of the value (which starts at the first byte ever given, not
    /// whitespace). Returns how many of `bytes` complete the value, or `None` if it continues.
    pub(crate) fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            match self.state {
                State::Start => match b {
                    b'{' | b'[' => {
                        self.state = State::Container;
                        self.depth = 1;
                    }
                    b'"' => {
                        self.state = State::String;
                        self.in_string = true;
                    }
                    _ => self.state = State::Scalar,
                },
                State::Scalar => {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        return Some(i - 1);
                    }
                }
                State::String | State::Container if self.in_string => {
                    if self.escaped {
                        self.escaped = false;
                    } else if b == b'\\' {
                        self.escaped = true;
                    } else if b == b'"' {
                        self.in_string = false;
                        if self.state == State::String {
                            return Some(i);
                        }
                    } else {
                        // Most bytes are string content: skip to the next quote or backslash
                        // (`memchr2` looks at a word or vector of bytes at a time).
                        i = memchr::memchr2(b'"', b'\\', &bytes[i..])
                            .map_or(bytes.len(), |n| i + n);
                    }
                }
                State::String => {}
                State::Container => match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            return Some(i);
                        }
                    }
                    _ => {}
                },
            }
        }
        None
    }

    /// Whether the value is a number or literal (which the end of the body may terminate).
    pub(crate) fn is_scalar(&self) -> bool {
        self.state == State::Scalar
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// The end of the value at the start of `text`, fed in pieces of `piece` bytes.
    fn end_of(text: &str, piece: usize) -> Option<usize> {
        let mut scanner = ValueScanner::default();
        let mut done = 0;
        for chunk in text.as_bytes().chunks(piece) {
            if let Some(n) = scanner.scan(chunk) {
                return Some(done + n);
            }
            done += chunk.len();
        }
        None
    }

    #[test]
    fn finds_the_end_of_every_kind_of_value() {
        for (text, value) in [
            (
                r#"{"a":"}]\"{","b":[1,{"c":[]}]},rest"#,
                r#"{"a":"}]\"{","b":[1,{"c":[]}]}"#,
            ),
            (r#"[1,[2,[3]],"]"] x"#, r#"[1,[2,[3]],"]"]"#),
            (r#""a\\\"b",1"#, r#""a\\\"b""#),
            ("12.5e3,", "12.5e3"),
            ("true}", "true"),
            ("null ", "null"),
        ] {
            for piece in 1..=text.len() {
                assert_eq!(
                    end_of(text, piece),
                    Some(value.len()),
                    "{text:?} by {piece}"
                );
            }
        }
        assert_eq!(end_of(r#"{"a":1"#, 2), None);
        assert_eq!(end_of("123", 2), None);
    }
}
