//! The name/value header block of `SYN_STREAM`, `SYN_REPLY` and `HEADERS` frames (uncompressed form).

use crate::Error;

/// Headers of a SPDY stream: lower-case names, each with one or more values, in insertion order.
///
/// On the wire every name appears once; several values are joined with NUL bytes, which is how
/// Go's `http.Header` round-trips through `spdystream`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, Vec<String>)>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` under `name` (lower-cased), keeping values already there.
    pub fn add(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        let name = name.to_ascii_lowercase();
        let value = value.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => self.entries.push((name, vec![value])),
        }
        self
    }

    /// Builder form of [`Headers::add`].
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.add(name, value);
        self
    }

    /// The first value of `name` (compared case-insensitively).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).first().map(String::as_str)
    }

    /// Every value of `name` (compared case-insensitively).
    pub fn get_all(&self, name: &str) -> &[String] {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// The (name, values) pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// Number of distinct names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends the uncompressed block: count, then (name length, name, value length, values).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&len32(self.entries.len()).to_be_bytes());
        for (name, values) in &self.entries {
            out.extend_from_slice(&len32(name.len()).to_be_bytes());
            out.extend_from_slice(name.as_bytes());
            let value_len =
                values.iter().map(String::len).sum::<usize>() + values.len().saturating_sub(1);
            out.extend_from_slice(&len32(value_len).to_be_bytes());
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push(0);
                }
                out.extend_from_slice(v.as_bytes());
            }
        }
    }

    /// Parses an uncompressed block, rejecting anything malformed (`frame` names the frame in errors).
    pub(crate) fn decode(mut block: &[u8], frame: &'static str) -> Result<Self, Error> {
        let bad = |reason: String| Error::Spdy { frame, reason };
        let count = take_u32(&mut block).ok_or_else(|| bad("header block is truncated".into()))?;
        // Each pair needs at least 8 bytes, so a count larger than that is a lie we refuse to
        // pre-allocate for.
        if count as usize > block.len() / 8 {
            return Err(bad(format!(
                "header block claims {count} pairs but holds only {} bytes",
                block.len()
            )));
        }
        let mut headers = Headers {
            entries: Vec::with_capacity(count as usize),
        };
        for _ in 0..count {
            let name = take_str(&mut block).map_err(|e| bad(format!("header name {e}")))?;
            if name.is_empty() {
                return Err(bad("empty header name".into()));
            }
            if name.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(bad(format!("header name {name:?} is not lower case")));
            }
            if headers.entries.iter().any(|(n, _)| *n == name) {
                return Err(bad(format!("header {name:?} appears twice")));
            }
            let value = take_str(&mut block).map_err(|e| bad(format!("value of {name:?} {e}")))?;
            let values = value.split('\0').map(str::to_owned).collect();
            headers.entries.push((name.to_owned(), values));
        }
        if !block.is_empty() {
            return Err(bad(format!("{} bytes after the last header", block.len())));
        }
        Ok(headers)
    }
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn take_u32(block: &mut &[u8]) -> Option<u32> {
    let (head, rest) = block.split_first_chunk::<4>()?;
    *block = rest;
    Some(u32::from_be_bytes(*head))
}

fn take_str<'a>(block: &mut &'a [u8]) -> Result<&'a str, String> {
    let len = take_u32(block).ok_or("is truncated")? as usize;
    if len > block.len() {
        return Err(format!(
            "claims {len} bytes but only {} remain",
            block.len()
        ));
    }
    let (text, rest) = block.split_at(len);
    *block = rest;
    std::str::from_utf8(text).map_err(|_| "is not UTF-8".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn block_round_trips_with_multiple_values() {
        let mut h = Headers::new();
        h.add("streamType", "data")
            .add("port", "80")
            .add("port", "81");
        let mut raw = Vec::new();
        h.encode(&mut raw);
        let back = Headers::decode(&raw, "SYN_STREAM").unwrap();
        assert_eq!(back.get("streamtype"), Some("data"));
        assert_eq!(back.get_all("PORT"), ["80", "81"]);
        assert_eq!(back, h);
    }

    #[test]
    fn hostile_blocks_are_rejected_with_reasons() {
        let err = Headers::decode(&[0, 0, 0xff, 0xff], "SYN_STREAM").unwrap_err();
        assert!(err.to_string().contains("claims 65535 pairs"), "{err}");
        let err =
            Headers::decode(&[0, 0, 0, 1, 0, 0, 0, 1, b'A', 0, 0, 0, 0], "HEADERS").unwrap_err();
        assert!(err.to_string().contains("not lower case"), "{err}");
        let err = Headers::decode(&[0, 0, 0, 1, 0xff, 0, 0, 0, 0, 0, 0, 0], "HEADERS").unwrap_err();
        assert!(err.to_string().contains("claims"), "{err}");
        let mut dup = Vec::new();
        Headers::new().with("a", "1").encode(&mut dup);
        let mut two = vec![0, 0, 0, 2];
        two.extend_from_slice(&dup[4..]);
        two.extend_from_slice(&dup[4..]);
        let err = Headers::decode(&two, "HEADERS").unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
    }
}
