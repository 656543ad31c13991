//! A serde `Deserializer` over body chunks arriving on a channel, for large list bodies.
//!
//! It reads the top-level JSON object itself and hands each of its values to `serde_json` as one
//! contiguous slice — except arrays (a list's `items`), whose elements are handed over one by
//! one. Only the current element (plus the chunk it ends in) is ever buffered, and each element
//! is decoded at `serde_json::from_slice` speed. A body whose top level is not an object is
//! decoded with `serde_json::from_reader` instead.
//!
//! Runs on a blocking thread: reading blocks on the channel.

use std::fmt;
use std::io;

use bytes::{Buf, Bytes, BytesMut};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use tokio::sync::mpsc;

use super::deborrow::Deborrow;
use super::scan::ValueScanner;

/// Decodes a `T` from the chunks sent on `rx`.
pub(crate) fn from_chunks<T: de::DeserializeOwned>(
    rx: mpsc::Receiver<Bytes>,
) -> Result<T, serde_json::Error> {
    let mut source = Source::new(rx);
    if source.peek_non_ws()? != Some(b'{') {
        let reader = io::BufReader::with_capacity(64 * 1024, source);
        return serde_json::from_reader(reader);
    }
    let value = T::deserialize(TopLevel {
        source: &mut source,
    })?;
    match source.peek_non_ws()? {
        None => Ok(value),
        Some(_) => Err(source.error("trailing characters after the top-level object")),
    }
}

/// Buffered access to the chunks: `buf[pos..]` is unread.
pub(crate) struct Source {
    rx: mpsc::Receiver<Bytes>,
    buf: BytesMut,
    pos: usize,
    /// Offset in the body of `buf[0]`, for error messages.
    offset: u64,
    eof: bool,
}

impl Source {
    pub(crate) fn new(rx: mpsc::Receiver<Bytes>) -> Self {
        Self {
            rx,
            buf: BytesMut::new(),
            pos: 0,
            offset: 0,
            eof: false,
        }
    }

    /// Drops the bytes already read, then appends the next chunk; `false` at the end.
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        self.buf.advance(self.pos);
        self.offset += self.pos as u64;
        self.pos = 0;
        match self.rx.blocking_recv() {
            Some(chunk) => {
                self.buf.extend_from_slice(&chunk);
                true
            }
            None => {
                self.eof = true;
                false
            }
        }
    }

    /// The next non-whitespace byte (not consumed), `None` at the end of the body.
    pub(crate) fn peek_non_ws(&mut self) -> Result<Option<u8>, serde_json::Error> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                if !b.is_ascii_whitespace() {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
            if !self.fill() {
                return Ok(None);
            }
        }
    }

    /// Consumes the next non-whitespace byte if it is `expected`.
    pub(crate) fn eat(&mut self, expected: u8, what: &str) -> Result<(), serde_json::Error> {
        match self.peek_non_ws()? {
            Some(b) if b == expected => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(self.error(&format!("expected {what}, found {:?}", char::from(b)))),
            None => Err(self.error(&format!("expected {what}, found the end of the body"))),
        }
    }

    /// Reads one complete JSON value; returns its bytes (valid until the next read) and its
    /// offset in the body.
    pub(crate) fn take_value(&mut self) -> Result<(&[u8], u64), serde_json::Error> {
        if self.peek_non_ws()?.is_none() {
            return Err(self.error("expected a value, found the end of the body"));
        }
        // The value starts at `pos`; `fill` keeps it (it only drops bytes before `pos`).
        let mut scanner = ValueScanner::default();
        let mut scanned = 0;
        let len = loop {
            if let Some(n) = scanner.scan(&self.buf[self.pos + scanned..]) {
                break scanned + n;
            }
            scanned = self.buf.len() - self.pos;
            if !self.fill() {
                if scanner.is_scalar() {
                    break scanned; // A number or literal may end the body.
                }
                return Err(self.error("the body ended inside a value"));
            }
        };
        let start = self.pos;
        self.pos += len;
        Ok((&self.buf[start..start + len], self.offset + start as u64))
    }

    /// Consumes `n` bytes already peeked at.
    pub(crate) fn advance(&mut self, n: usize) {
        self.pos += n;
    }

    pub(crate) fn error(&self, message: &str) -> serde_json::Error {
        de::Error::custom(format_args!(
            "{message} at byte {} of the body",
            self.offset + self.pos as u64
        ))
    }
}

impl io::Read for Source {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.buf.len() {
            if !self.fill() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Decodes one complete value from a slice with `seed`, naming where it was on error.
fn decode_slice<'de, S: DeserializeSeed<'de>>(
    seed: S,
    bytes: &[u8],
    at: u64,
    path: &dyn fmt::Display,
) -> Result<S::Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    seed.deserialize(Deborrow::new(&mut de))
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| de::Error::custom(format_args!("{e} (in {path}, at byte {at} of the body)")))
}

/// The top-level object.
struct TopLevel<'a> {
    source: &'a mut Source,
}

impl<'de> Deserializer<'de> for TopLevel<'_> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.source.eat(b'{', "'{'")?;
        visitor.visit_map(ObjectAccess {
            source: self.source,
            first: true,
            key: String::new(),
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The members of the top-level object.
struct ObjectAccess<'a> {
    source: &'a mut Source,
    first: bool,
    /// The current member's name, for error messages.
    key: String,
}

impl<'de> MapAccess<'de> for ObjectAccess<'_> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.source.peek_non_ws()? {
            Some(b'}') => {
                self.source.pos += 1;
                return Ok(None);
            }
            Some(b',') if !self.first => self.source.pos += 1,
            _ if self.first => {}
            _ => return Err(self.source.error("expected ',' or '}' after a member")),
        }
        self.first = false;
        if self.source.peek_non_ws()? != Some(b'"') {
            return Err(self.source.error("expected a member name"));
        }
        let (bytes, at) = self.source.take_value()?;
        self.key = serde_json::from_slice(bytes).unwrap_or_default();
        decode_slice(seed, bytes, at, &"a member name").map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        self.source.eat(b':', "':'")?;
        if self.source.peek_non_ws()? == Some(b'[') {
            return seed.deserialize(ArrayDeserializer {
                source: self.source,
                key: &self.key,
            });
        }
        let (bytes, at) = self.source.take_value()?;
        decode_slice(seed, bytes, at, &format_args!("{:?}", self.key))
    }
}

/// An array member of the top-level object, decoded element by element.
struct ArrayDeserializer<'a> {
    source: &'a mut Source,
    key: &'a str,
}

impl<'de> Deserializer<'de> for ArrayDeserializer<'_> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.source.eat(b'[', "'['")?;
        let mut access = ArrayAccess {
            source: self.source,
            key: self.key,
            index: 0,
            done: false,
        };
        let value = visitor.visit_seq(&mut access)?;
        if !access.done {
            return Err(access
                .source
                .error(&format!("{:?} has more elements than expected", self.key)));
        }
        Ok(value)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The elements of an array member.
struct ArrayAccess<'a> {
    source: &'a mut Source,
    key: &'a str,
    index: usize,
    done: bool,
}

impl<'de> SeqAccess<'de> for &mut ArrayAccess<'_> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        if self.done {
            return Ok(None);
        }
        match self.source.peek_non_ws()? {
            Some(b']') => {
                self.source.pos += 1;
                self.done = true;
                return Ok(None);
            }
            Some(b',') if self.index > 0 => self.source.pos += 1,
            _ if self.index == 0 => {}
            _ => return Err(self.source.error("expected ',' or ']' after an element")),
        }
        let (bytes, at) = self.source.take_value()?;
        let value = decode_slice(
            seed,
            bytes,
            at,
            &format_args!("{}[{}]", self.key, self.index),
        )?;
        self.index += 1;
        Ok(Some(value))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use serde::Deserialize;
    use serde_json::Value;

    use super::*;

    /// Decodes `json` sent in pieces cut at `cuts`.
    fn decode<T: de::DeserializeOwned>(json: &str, cuts: &[usize]) -> Result<T, serde_json::Error> {
        let (tx, rx) = mpsc::channel(cuts.len() + 1);
        let mut last = 0;
        for &cut in cuts.iter().chain(std::iter::once(&json.len())) {
            tx.try_send(Bytes::copy_from_slice(&json.as_bytes()[last..cut]))
                .unwrap();
            last = cut;
        }
        drop(tx);
        from_chunks(rx)
    }

    const DOC: &str = r#" { "kind" : "List", "metadata":{"resourceVersion":"5"},
        "items" : [ {"a":1} , {"a":2,"s":"x\"],}"}, {"a":3,"deep":[[1],{"b":[]}]} ],
        "empty":[], "nested":[[1,2],[3]], "n":-12.5e1, "t":true, "nul":null, "s":"]}" } "#;

    #[derive(Debug, PartialEq, Deserialize)]
    struct List {
        kind: String,
        items: Vec<Item>,
        empty: Option<Vec<Item>>,
        nested: Vec<Vec<u8>>,
        n: f64,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Item {
        a: u8,
        #[serde(default)]
        s: String,
    }

    #[test]
    fn same_result_as_from_slice_at_every_split() {
        let want_value: Value = serde_json::from_str(DOC).unwrap();
        let want_list: List = serde_json::from_str(DOC).unwrap();
        for cut in 0..=DOC.len() {
            assert_eq!(
                decode::<Value>(DOC, &[cut]).unwrap(),
                want_value,
                "cut {cut}"
            );
            assert_eq!(decode::<List>(DOC, &[cut]).unwrap(), want_list, "cut {cut}");
        }
        let bytewise: Vec<usize> = (1..DOC.len()).collect();
        assert_eq!(decode::<Value>(DOC, &bytewise).unwrap(), want_value);
    }

    #[test]
    fn other_top_level_values_fall_back_to_the_reader() {
        assert_eq!(decode::<Vec<u8>>(" [1, 2,3]", &[3]).unwrap(), [1, 2, 3]);
        assert_eq!(decode::<u32>("42", &[1]).unwrap(), 42);
        assert_eq!(decode::<Value>(r#""x""#, &[]).unwrap(), "x");
        assert_eq!(decode::<Value>("{}", &[1]).unwrap(), serde_json::json!({}));
    }

    #[test]
    fn errors_say_where() {
        let err = decode::<List>(
            r#"{"kind":"L","items":[{"a":1},{"a":"two"}],"nested":[],"n":1}"#,
            &[10],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("items[1]"), "{err}");
        assert!(err.contains("at byte 29"), "{err}");

        let err = decode::<Value>(r#"{"items":[{"a":1},"#, &[5])
            .unwrap_err()
            .to_string();
        assert!(err.contains("end of the body"), "{err}");
        let err = decode::<Value>(r#"{"a":1} x"#, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("trailing characters"), "{err}");
        let err = decode::<Value>(r#"{"a" 1}"#, &[]).unwrap_err().to_string();
        assert!(err.contains("expected ':'"), "{err}");
        let err = decode::<Value>(r#"{"a":[1 2]}"#, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected ',' or ']'"), "{err}");
        let err = decode::<Value>(r#"{"a":1 "b":2}"#, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected ',' or '}'"), "{err}");
        assert!(decode::<(u8,)>(r#"[1,2]"#, &[]).is_err());
        let err = decode::<Value>("", &[]).unwrap_err();
        assert!(err.is_eof(), "{err}");
    }
}
