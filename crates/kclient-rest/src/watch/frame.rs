//! `FrameDecoder`: splits a byte stream of concatenated JSON objects into one slice per object,
//! as Go's `json.Decoder` reads a watch body (`NewJSONFramedReader`).
//!
//! Two ways to find a frame's end:
//! - **Line fast path.** The API server (and the test server) writes one event per line, so the
//!   next `\n` (found with `memchr`) usually ends the frame. A line is only a *candidate*
//!   ([`Frame::Line`]): the caller decodes it and then either [`FrameDecoder::commit_line`]s it or,
//!   if it does not decode (a pretty-printed object spread over lines, two objects on one line),
//!   [`FrameDecoder::reject_line`]s it, and the frame is found again with the state machine. A
//!   line that decodes as one JSON value is exactly the frame the state machine would find.
//! - **State machine.** Tracks brace depth, strings and escapes byte by byte, so newlines are not
//!   needed; used for rejected lines and for data without a newline yet (a frame split across
//!   chunks), which keeps latency: a complete frame is never held back waiting for a newline.
//!
//! Chunks are not copied while frames lie inside one chunk: a frame is a slice of the chunk's
//! `Bytes`. Only a frame split across chunks is copied (into `acc`). Frames are limited in size.

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

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

/// One frame found by [`FrameDecoder::next_frame`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A line, still pending: if it decodes, call [`FrameDecoder::commit_line`], otherwise
    /// [`FrameDecoder::reject_line`] and ask again.
    Line(Bytes),
    /// A complete object found by the state machine, already consumed.
    Object(Bytes),
}

/// Incremental splitter of concatenated JSON objects.
///
/// The bytes not yet handed out are a *window* (the front of the stream, where the next frame
/// starts) followed by the chunks not yet looked at (`rest`). The window is either a zero-copy
/// slice of one chunk (`cur`) or, only while a frame spans chunks, an owned buffer (`acc`) into
/// which exactly the bytes of that frame are copied (up to its newline when it has one). So a
/// chunk is never copied as a whole while its frames lie inside it, and pushing a chunk costs
/// nothing but a queue slot.
#[derive(Debug)]
pub(crate) struct FrameDecoder {
    /// The window when it is a slice of one chunk (empty while `acc` holds the window).
    cur: Bytes,
    /// The window when a frame spans chunks (empty otherwise).
    acc: BytesMut,
    /// Chunks after the window, untouched.
    rest: VecDeque<Bytes>,
    /// Bytes in `rest`.
    rest_len: usize,
    /// How far the current frame has been scanned (the scan state below describes its first
    /// `scanned` bytes).
    scanned: usize,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Bytes at the front of the window known to hold no newline (for the current frame).
    no_newline: usize,
    /// Length (with its newline) of the line handed out and not yet committed or rejected.
    pending_line: usize,
    /// The line fast path failed for the frame at the front: use the state machine.
    fallback: bool,
    /// Bytes of the stream already handed out or skipped, for error offsets.
    consumed: u64,
    max_frame: usize,
}

impl FrameDecoder {
    pub(crate) fn new(max_frame: usize) -> Self {
        Self {
            cur: Bytes::new(),
            acc: BytesMut::new(),
            rest: VecDeque::new(),
            rest_len: 0,
            scanned: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            no_newline: 0,
            pending_line: 0,
            fallback: false,
            consumed: 0,
            max_frame,
        }
    }

    pub(crate) fn set_max_frame(&mut self, max_frame: usize) {
        self.max_frame = max_frame;
    }

    /// The largest frame accepted.
    pub(crate) fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Bytes buffered and not yet handed out.
    pub(crate) fn buffered(&self) -> usize {
        self.cur.len() + self.acc.len() + self.rest_len
    }

    /// Takes the unread bytes (nothing may be pending), leaving the decoder empty.
    pub(crate) fn take_unread(&mut self) -> Vec<Bytes> {
        let cur = std::mem::take(&mut self.cur);
        let acc = std::mem::take(&mut self.acc).freeze();
        self.rest_len = 0;
        [acc, cur]
            .into_iter()
            .chain(self.rest.drain(..))
            .filter(|b| !b.is_empty())
            .collect()
    }

    /// Appends a chunk read from the stream (kept as is: no copy).
    pub(crate) fn push(&mut self, data: Bytes) {
        if data.is_empty() {
            return;
        }
        if self.cur.is_empty() && self.acc.is_empty() && self.rest.is_empty() {
            self.cur = data;
        } else {
            self.rest_len += data.len();
            self.rest.push_back(data);
        }
    }

    /// The window: the unread bytes at the front, where the next frame starts.
    fn window(&self) -> &[u8] {
        if self.acc.is_empty() {
            &self.cur
        } else {
            &self.acc
        }
    }

    /// Makes the next chunk the window once the window is used up.
    fn refill(&mut self) {
        while self.cur.is_empty()
            && self.acc.is_empty()
            && let Some(next) = self.rest.pop_front()
        {
            self.rest_len -= next.len();
            self.cur = next;
        }
    }

    /// Copies the first `n` bytes of `rest` to the end of the window (which becomes `acc`).
    fn extend_window(&mut self, mut n: usize) {
        if self.acc.is_empty() {
            let mut acc = BytesMut::with_capacity(self.cur.len() + n);
            acc.extend_from_slice(&self.cur);
            self.cur = Bytes::new();
            self.acc = acc;
        }
        while n > 0 {
            let Some(front) = self.rest.front_mut() else {
                break;
            };
            let take = n.min(front.len());
            self.acc.extend_from_slice(&front[..take]);
            front.advance(take);
            self.rest_len -= take;
            n -= take;
            if front.is_empty() {
                self.rest.pop_front();
            }
        }
    }

    /// Removes the first `n` bytes of the window and returns them.
    fn split_window(&mut self, n: usize) -> Bytes {
        let out = if self.acc.is_empty() {
            self.cur.split_to(n)
        } else {
            self.acc.split_to(n).freeze()
        };
        self.consumed += n as u64;
        out
    }

    /// Skips whitespace between objects.
    fn skip_whitespace(&mut self) {
        loop {
            self.refill();
            let window = self.window();
            let n = window
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(window.len());
            if n == 0 {
                return;
            }
            if self.acc.is_empty() {
                self.cur.advance(n);
            } else {
                self.acc.advance(n);
            }
            self.consumed += n as u64;
        }
    }

    /// The length of the line at the front (without its newline), making it one slice of the
    /// window; `None` if no newline has arrived yet (or the line would be too large).
    fn find_line(&mut self) -> Option<usize> {
        let window = self.window();
        if let Some(p) = memchr::memchr(b'\n', &window[self.no_newline.min(window.len())..]) {
            let len = self.no_newline + p;
            return (len <= self.max_frame).then_some(len);
        }
        self.no_newline = window.len();
        // The newline may be in a later chunk: copy the line's bytes (only those) together.
        let mut len = self.no_newline;
        for chunk in &self.rest {
            if len > self.max_frame {
                return None;
            }
            match memchr::memchr(b'\n', chunk) {
                Some(p) => {
                    let in_rest = len - self.no_newline + p + 1;
                    len += p;
                    if len > self.max_frame {
                        return None;
                    }
                    self.extend_window(in_rest);
                    return Some(len);
                }
                None => len += chunk.len(),
            }
        }
        None
    }

    /// The next frame, `Ok(None)` if more bytes are needed. A [`Frame::Line`] must be committed
    /// or rejected before the next call.
    pub(crate) fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.pending_line > 0 {
            self.commit_line();
        }
        if self.scanned == 0 {
            // Between objects: skip whitespace; anything else must open an object.
            self.skip_whitespace();
            match self.window().first() {
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
        if !self.fallback
            && let Some(len) = self.find_line()
        {
            self.pending_line = len + 1;
            if !self.acc.is_empty() {
                // The line becomes the window as a frozen slice; what follows it in `acc`
                // goes back in front of the chunks (no copy either way).
                self.cur = self.acc.split_to(len + 1).freeze();
                let after = std::mem::take(&mut self.acc).freeze();
                if !after.is_empty() {
                    self.rest_len += after.len();
                    self.rest.push_front(after);
                }
            }
            return Ok(Some(Frame::Line(self.cur.slice(..len))));
        }
        loop {
            match self.scan() {
                Some(len) if len > self.max_frame => {
                    return Err(FrameError::TooLarge {
                        max: self.max_frame,
                    });
                }
                Some(len) => {
                    self.reset_frame();
                    return Ok(Some(Frame::Object(self.split_window(len))));
                }
                None if self.window().len() > self.max_frame => {
                    return Err(FrameError::TooLarge {
                        max: self.max_frame,
                    });
                }
                None => match self.rest.front() {
                    // The frame continues past the window: join the next chunk to it.
                    Some(next) => {
                        let n = next.len();
                        self.extend_window(n);
                    }
                    None => return Ok(None),
                },
            }
        }
    }

    /// Forgets the scan state of the frame just handed out.
    fn reset_frame(&mut self) {
        self.scanned = 0;
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        self.no_newline = 0;
        self.fallback = false;
    }

    /// Accepts the pending line as a frame.
    pub(crate) fn commit_line(&mut self) {
        let n = self.pending_line;
        self.pending_line = 0;
        self.reset_frame();
        self.split_window(n);
    }

    /// Rejects the pending line: the next call finds the frame with the state machine.
    pub(crate) fn reject_line(&mut self) {
        self.pending_line = 0;
        self.fallback = true;
    }

    /// Runs the state machine over the unscanned bytes of the window; the frame's length if it
    /// ends there.
    fn scan(&mut self) -> Option<usize> {
        let (mut depth, mut in_string, mut escaped) = (self.depth, self.in_string, self.escaped);
        let data = self.window();
        let mut end = None;
        let mut i = self.scanned;
        while i < data.len() {
            let b = data[i];
            i += 1;
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                } else if let Some(n) = memchr::memchr2(b'"', b'\\', &data[i..]) {
                    i += n;
                } else {
                    i = data.len();
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
        self.scanned = i;
        end
    }

    /// Called at the end of the stream: fails if an object was left incomplete.
    pub(crate) fn finish(&self) -> Result<(), FrameError> {
        let pending = self.buffered();
        if self
            .window()
            .iter()
            .chain(self.rest.iter().flat_map(|c| c.iter()))
            .all(u8::is_ascii_whitespace)
        {
            Ok(())
        } else {
            Err(FrameError::Truncated { pending })
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
            decoder.push(Bytes::copy_from_slice(&stream[last..cut]));
            last = cut;
            while let Some(frame) = decoder.next_frame()? {
                match frame {
                    // As the watch stream does: a line counts if it decodes.
                    Frame::Line(line) => {
                        if serde_json::from_slice::<serde_json::Value>(&line).is_ok() {
                            decoder.commit_line();
                            out.push(Bytes::copy_from_slice(line.trim_ascii()));
                        } else {
                            decoder.reject_line();
                        }
                    }
                    Frame::Object(object) => out.push(object),
                }
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
    fn objects_spread_over_lines_fall_back_to_the_state_machine() {
        let stream = "{\n  \"a\": {\n    \"b\": \"x\\ny\"\n  }\n}\n{\"c\":2}\n{\"d\":\n3}";
        let want = [r#"{"a":{"b":"x\ny"}}"#, r#"{"c":2}"#, r#"{"d":3}"#];
        let want: Vec<serde_json::Value> = want
            .iter()
            .map(|w| serde_json::from_str(w).unwrap())
            .collect();
        for cut in 0..=stream.len() {
            let got: Vec<serde_json::Value> = frames(stream.as_bytes(), &[cut], 1024)
                .unwrap()
                .iter()
                .map(|f| serde_json::from_slice(f).unwrap())
                .collect();
            assert_eq!(got, want, "cut {cut}");
        }
    }

    #[test]
    fn a_frame_inside_one_chunk_is_a_slice_of_it() {
        let chunk = Bytes::from_static(b"{\"a\":1}\n{\"b\":2}{\"c\":3}\n");
        let range = chunk.as_ptr_range();
        let mut decoder = FrameDecoder::new(1024);
        decoder.push(chunk.clone());
        let Some(Frame::Line(line)) = decoder.next_frame().unwrap() else {
            panic!("expected a line");
        };
        assert_eq!(&line[..], br#"{"a":1}"#);
        assert!(range.contains(&line.as_ptr()));
        decoder.commit_line();
        // Two objects on one line: the caller rejects the line, the state machine splits it.
        assert!(matches!(
            decoder.next_frame().unwrap(),
            Some(Frame::Line(_))
        ));
        decoder.reject_line();
        let Some(Frame::Object(object)) = decoder.next_frame().unwrap() else {
            panic!("expected an object");
        };
        assert_eq!(&object[..], br#"{"b":2}"#);
        assert!(range.contains(&object.as_ptr()));
        assert!(
            matches!(decoder.next_frame().unwrap(), Some(Frame::Line(l)) if &l[..] == br#"{"c":3}"#)
        );
        decoder.commit_line();
        assert_eq!(decoder.next_frame().unwrap(), None);
        decoder.finish().unwrap();
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
        decoder.push(Bytes::copy_from_slice(&big.as_bytes()[..80]));
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
