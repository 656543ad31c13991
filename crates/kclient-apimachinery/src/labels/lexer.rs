//! The label selector lexer, a byte-for-byte port of `labels.Lexer`: identifiers end at
//! whitespace (` \t\r\n`) or a special symbol (`= ! ( ) , > <`); symbols are scanned greedily
//! (`==`, `!=`); `in`/`notin` are keywords. As in Go, a NUL byte reads as end of input.

/// A token kind (`labels.Token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token {
    /// A scan error.
    Error,
    /// End of input.
    EndOfString,
    /// `)`.
    ClosedPar,
    /// `,`.
    Comma,
    /// `!`.
    DoesNotExist,
    /// `==`.
    DoubleEquals,
    /// `=`.
    Equals,
    /// `>`.
    GreaterThan,
    /// Keys and values.
    Identifier,
    /// `in`.
    In,
    /// `<`.
    LessThan,
    /// `!=`.
    NotEquals,
    /// `notin`.
    NotIn,
    /// `(`.
    OpenPar,
}

/// A token and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Item {
    pub(super) tok: Token,
    pub(super) lit: String,
}

fn keyword(s: &[u8]) -> Option<Token> {
    Some(match s {
        b")" => Token::ClosedPar,
        b"," => Token::Comma,
        b"!" => Token::DoesNotExist,
        b"==" => Token::DoubleEquals,
        b"=" => Token::Equals,
        b">" => Token::GreaterThan,
        b"in" => Token::In,
        b"<" => Token::LessThan,
        b"!=" => Token::NotEquals,
        b"notin" => Token::NotIn,
        b"(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    /// The next byte, or 0 at the end.
    fn read(&mut self) -> u8 {
        match self.s.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    fn scan_id_or_keyword(&mut self) -> Item {
        let mut buffer = Vec::new();
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if is_special(ch) || is_whitespace(ch) {
                self.unread();
                break;
            }
            buffer.push(ch);
        }
        let lit = String::from_utf8_lossy(&buffer).into_owned();
        let tok = keyword(&buffer).unwrap_or(Token::Identifier);
        Item { tok, lit }
    }

    fn scan_special(&mut self) -> Item {
        let mut last: Option<Item> = None;
        let mut buffer = Vec::new();
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if !is_special(ch) {
                self.unread();
                break;
            }
            buffer.push(ch);
            if let Some(tok) = keyword(&buffer) {
                last = Some(Item {
                    tok,
                    lit: String::from_utf8_lossy(&buffer).into_owned(),
                });
            } else if last.is_some() {
                self.unread();
                break;
            }
        }
        last.unwrap_or_else(|| Item {
            tok: Token::Error,
            lit: format!(
                "error expected: keyword found '{}'",
                String::from_utf8_lossy(&buffer)
            ),
        })
    }

    fn lex(&mut self) -> Item {
        let mut ch = self.read();
        while is_whitespace(ch) {
            ch = self.read();
        }
        if ch == 0 {
            return Item {
                tok: Token::EndOfString,
                lit: String::new(),
            };
        }
        self.unread();
        if is_special(ch) {
            self.scan_special()
        } else {
            self.scan_id_or_keyword()
        }
    }
}

/// All tokens of `s`, ending with (exactly one) `EndOfString`.
pub(super) fn scan(s: &str) -> Vec<Item> {
    let mut lexer = Lexer {
        s: s.as_bytes(),
        pos: 0,
    };
    let mut items = Vec::new();
    loop {
        let item = lexer.lex();
        let end = item.tok == Token::EndOfString;
        items.push(item);
        if end {
            return items;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<Token> {
        scan(s).into_iter().map(|i| i.tok).collect()
    }

    #[test]
    fn single_tokens_like_go() {
        use Token::*;
        let cases = [
            ("", EndOfString),
            (",", Comma),
            ("notin", NotIn),
            ("in", In),
            ("=", Equals),
            ("==", DoubleEquals),
            (">", GreaterThan),
            ("<", LessThan),
            ("!", DoesNotExist),
            ("!=", NotEquals),
            ("(", OpenPar),
            (")", ClosedPar),
            ("~", Identifier),
            ("||", Identifier),
        ];
        for (s, tok) in cases {
            let items = scan(s);
            assert_eq!(items[0].tok, tok, "{s:?}");
            assert_eq!(items[0].lit, s);
        }
    }

    #[test]
    fn sequences_like_go() {
        use Token::*;
        assert_eq!(
            tokens("key in ( value1, value2 )"),
            [
                Identifier,
                In,
                OpenPar,
                Identifier,
                Comma,
                Identifier,
                ClosedPar,
                EndOfString
            ]
        );
        assert_eq!(
            tokens("== != (), = notin"),
            [
                DoubleEquals,
                NotEquals,
                OpenPar,
                ClosedPar,
                Comma,
                Equals,
                NotIn,
                EndOfString
            ]
        );
        assert_eq!(tokens("!key"), [DoesNotExist, Identifier, EndOfString]);
        assert_eq!(
            tokens("key>2"),
            [Identifier, GreaterThan, Identifier, EndOfString]
        );
        assert_eq!(
            tokens("a===b"),
            [Identifier, DoubleEquals, Equals, Identifier, EndOfString]
        );
        assert_eq!(tokens("\r\n\ta \t"), [Identifier, EndOfString]);
        // A NUL byte ends an identifier, and ends the input where a token would start.
        assert_eq!(tokens("a\0b"), [Identifier, Identifier, EndOfString]);
        assert_eq!(tokens("a, \0b"), [Identifier, Comma, EndOfString]);
        assert_eq!(
            tokens("a,\0b"),
            [Identifier, Comma, Identifier, EndOfString]
        );
    }
}
