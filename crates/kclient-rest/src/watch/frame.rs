//! `FrameDecoder`: splits a byte stream of concatenated JSON objects into one slice per object,
//! as Go's `json.Decoder` reads a watch body (`NewJSONFramedReader`). Newlines are not needed:
//! object boundaries are found by tracking brace depth, strings and escapes, so a frame may
//! arrive split across any number of chunks. Frames are limited to a maximum size.

use bytes::{Bytes, BytesMut};

/// The default maximum size of one watch event: 16 MiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 16 * 1024 * 1024;

/// Why the byte stream is not a sequence of JSON objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// One object is larger than the limit.
    TooLarge { max: usize },
    /// A byte that cannot start an object appeared between objects.
    Unexpected { byte: u8, offset: u64 },
    /// The stream ended inside an object.
    Truncated { pending: usize },
}

impl FrameError {
    pub(crate) fn describe(&self) -> String {
        match self {
            FrameError::TooLarge { max } => format!("a frame exceeds {max} bytes"),
            FrameError::Unexpected { byte, offset } => format!(
                "unexpected byte {:?} at offset {offset}; expected the start of a JSON object",
                char::from(*byte)
            ),
            FrameError::Truncated { pending } => {
                format!("the stream ended inside an event ({pending} bytes pending)")
            }
        }
    }
}

/// Incremental splitter of concatenated JSON objects.
#[derive(Debug)]
pub(crate) struct FrameDecoder {
    buf: BytesMut,
    /// How far `buf` has been scanned (the scan state below describes `buf[..scanned]`).
    scanned: usize,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Bytes of the stream already handed out or skipped, for error offsets.
    consumed: u64,
    max_frame: usize,
}

impl FrameDecoder {
    pub(crate) fn new(max_frame: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            scanned: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            consumed: 0,
            max_frame,
        }
    }

    pub(crate) fn set_max_frame(&mut self, max_frame: usize) {
        self.max_frame = max_frame;
    }

    /// Appends bytes read from the stream.
    pub(crate) fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete object, `Ok(None)` if more bytes are needed.
    pub(crate) fn next_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        if self.depth == 0 {
            // Between objects: skip whitespace; anything else must open an object.
            let start = self.buf.iter().position(|b| !b.is_ascii_whitespace());
            let skip = start.unwrap_or(self.buf.len());
            let _ = self.buf.split_to(skip);
            self.consumed += skip as u64;
            self.scanned = 0;
            match self.buf.first() {
                None => return Ok(None),
                Some(b'{') => {}
                Some(&byte) => {
                    return Err(FrameError::Unexpected {
                        byte,
                        offset: self.consumed,
                    });
                }
            }
        }
        let (mut depth, mut in_string, mut escaped) = (self.depth, self.in_string, self.escaped);
        let mut end = None;
        let mut i = self.scanned;
        while i < self.buf.len() {
            let b = self.buf[i];
            i += 1;
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        (self.depth, self.in_string, self.escaped) = (depth, in_string, escaped);
        match end {
            Some(len) if len > self.max_frame => Err(FrameError::TooLarge {
                max: self.max_frame,
            }),
            Some(len) => {
                self.scanned = 0;
                self.consumed += len as u64;
                Ok(Some(self.buf.split_to(len).freeze()))
            }
            None if self.buf.len() > self.max_frame => Err(FrameError::TooLarge {
                max: self.max_frame,
            }),
            None => {
                self.scanned = i;
                Ok(None)
            }
        }
    }

    /// Called at the end of the stream: fails if an object was left incomplete.
    pub(crate) fn finish(&self) -> Result<(), FrameError> {
        if self.buf.iter().all(u8::is_ascii_whitespace) {
            Ok(())
        } else {
            Err(FrameError::Truncated {
                pending: self.buf.len(),
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Feeds `stream` split at `cuts` and returns every frame (or the first error).
    fn frames(stream: &[u8], cuts: &[usize], max: usize) -> Result<Vec<Bytes>, FrameError> {
        let mut decoder = FrameDecoder::new(max);
        let mut out = Vec::new();
        let mut last = 0;
        for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
            decoder.push(&stream[last..cut]);
            last = cut;
            while let Some(frame) = decoder.next_frame()? {
                out.push(frame);
            }
        }
        decoder.finish()?;
        Ok(out)
    }

    const STREAM: &str = concat!(
        r#"{"type":"ADDED","object":{"metadata":{"name":"a{b}[c]"},"data":{"k":"quote \" brace } \\"}}}"#,
        "\n",
        r#"{"type":"MODIFIED","object":{"list":[1,{"x":[]},"]"],"s":"\\\\\""}}"#,
        r#"  {"type":"DELETED","object":{"u":"\u00e9 é 日本"}}"#,
        "\r\n\t ",
        r#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}}"#,
        "\n",
    );

    fn expected() -> Vec<String> {
        vec![
            r#"{"type":"ADDED","object":{"metadata":{"name":"a{b}[c]"},"data":{"k":"quote \" brace } \\"}}}"#.into(),
            r#"{"type":"MODIFIED","object":{"list":[1,{"x":[]},"]"],"s":"\\\\\""}}"#.into(),
            r#"{"type":"DELETED","object":{"u":"\u00e9 é 日本"}}"#.into(),
            r#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}}"#.into(),
        ]
    }

    fn as_strings(frames: Vec<Bytes>) -> Vec<String> {
        frames
            .into_iter()
            .map(|f| String::from_utf8(f.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn every_frame_is_valid_json() {
        for frame in expected() {
            serde_json::from_str::<serde_json::Value>(&frame).unwrap();
        }
    }

    #[test]
    fn whole_stream_in_one_chunk() {
        let got = frames(STREAM.as_bytes(), &[], DEFAULT_MAX_FRAME_SIZE).unwrap();
        assert_eq!(as_strings(got), expected());
    }

    #[test]
    fn split_at_every_single_boundary() {
        let bytes = STREAM.as_bytes();
        for cut in 0..=bytes.len() {
            let got = frames(bytes, &[cut], DEFAULT_MAX_FRAME_SIZE).unwrap();
            assert_eq!(as_strings(got), expected(), "cut at {cut}");
        }
    }

    #[test]
    fn split_at_every_pair_of_boundaries() {
        let bytes = STREAM.as_bytes();
        for a in 0..=bytes.len() {
            for b in a..=bytes.len() {
                let got = frames(bytes, &[a, b], DEFAULT_MAX_FRAME_SIZE).unwrap();
                assert_eq!(as_strings(got), expected(), "cuts at {a}, {b}");
            }
        }
    }

    #[test]
    fn byte_by_byte() {
        let bytes = STREAM.as_bytes();
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        let got = frames(bytes, &cuts, DEFAULT_MAX_FRAME_SIZE).unwrap();
        assert_eq!(as_strings(got), expected());
    }

    #[test]
    fn random_splits() {
        let bytes = STREAM.repeat(20).into_bytes();
        let want: Vec<String> = (0..20).flat_map(|_| expected()).collect();
        let mut rng = fastrand::Rng::with_seed(0x5eed);
        for _ in 0..500 {
            let n = rng.usize(0..40);
            let mut cuts: Vec<usize> = (0..n).map(|_| rng.usize(0..=bytes.len())).collect();
            cuts.sort_unstable();
            let got = frames(&bytes, &cuts, DEFAULT_MAX_FRAME_SIZE).unwrap();
            assert_eq!(as_strings(got), want, "cuts {cuts:?}");
        }
    }

    #[test]
    fn frames_larger_than_the_limit_fail() {
        let big = format!(
            r#"{{"type":"ADDED","object":{{"data":"{}"}}}}"#,
            "x".repeat(100)
        );
        assert_eq!(
            frames(big.as_bytes(), &[], 64),
            Err(FrameError::TooLarge { max: 64 })
        );
        // Also when the frame never completes: the buffer does not grow past the limit.
        let mut decoder = FrameDecoder::new(64);
        decoder.push(&big.as_bytes()[..80]);
        assert_eq!(decoder.next_frame(), Err(FrameError::TooLarge { max: 64 }));
        // Exactly at the limit is fine.
        let len = big.len();
        assert_eq!(frames(big.as_bytes(), &[10], len).unwrap().len(), 1);
    }

    #[test]
    fn stray_bytes_and_truncation_fail() {
        assert_eq!(
            frames(b"{}\n x{}", &[], 1024),
            Err(FrameError::Unexpected {
                byte: b'x',
                offset: 4
            })
        );
        assert_eq!(
            frames(b"{\"a\":1}{\"b\":", &[], 1024),
            Err(FrameError::Truncated { pending: 5 })
        );
        assert_eq!(frames(b" \n ", &[], 1024).unwrap().len(), 0);
    }
}
