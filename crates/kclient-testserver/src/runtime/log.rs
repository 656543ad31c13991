//! A container's log as the kubelet keeps it (`pkg/kubelet/kuberuntime/logs`): timestamped
//! lines of stdout and stderr, in a ring bounded in bytes (the oldest lines go first), and the
//! selection `pods/log` makes of them (`sinceTime`, `tailLines`, `limitBytes`, `timestamps`).
//! Pure logic; the followers' wake-ups live in [`super::ContainerLog`].

use std::collections::VecDeque;

use bytes::Bytes;

/// The bytes a container's log keeps (1 MiB); older lines are dropped first.
pub const LOG_CAPACITY: usize = 1 << 20;

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The process's stdout.
    Stdout,
    /// The process's stderr.
    Stderr,
}

/// One line (or the unterminated end of a write), as the CRI log records it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Position in the log (counts every line ever written).
    pub seq: u64,
    /// When it was written.
    pub time: jiff::Timestamp,
    /// Its stream.
    pub stream: Stream,
    /// The bytes, with the newline when the line had one.
    pub data: Bytes,
}

/// The ring of lines.
#[derive(Debug)]
pub struct LogRing {
    entries: VecDeque<Entry>,
    bytes: usize,
    capacity: usize,
    next: u64,
}

impl LogRing {
    /// An empty ring keeping at most `capacity` bytes of lines.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            bytes: 0,
            capacity,
            next: 0,
        }
    }

    /// The sequence number the next line gets.
    pub fn next_seq(&self) -> u64 {
        self.next
    }

    /// Numbers the lines of an empty ring from `next` on (a restarted container's log goes on
    /// from where the previous instance's stopped).
    pub fn skip_to(&mut self, next: u64) {
        if self.entries.is_empty() {
            self.next = next;
        }
    }

    /// Appends `data` written at `time` to `stream`, one entry per line (a final piece without
    /// a newline is an entry of its own), dropping the oldest lines beyond the capacity.
    pub fn append(&mut self, time: jiff::Timestamp, stream: Stream, data: &[u8]) {
        for line in data.split_inclusive(|b| *b == b'\n') {
            // A single line longer than the whole ring keeps only its end.
            let line = &line[line.len().saturating_sub(self.capacity)..];
            self.bytes += line.len();
            self.entries.push_back(Entry {
                seq: self.next,
                time,
                stream,
                data: Bytes::copy_from_slice(line),
            });
            self.next += 1;
        }
        while self.bytes > self.capacity {
            match self.entries.pop_front() {
                Some(e) => self.bytes -= e.data.len(),
                None => break,
            }
        }
    }

    /// The retained entries from sequence number `from` on.
    pub fn since_seq(&self, from: u64) -> Vec<Entry> {
        let first = self.entries.front().map_or(self.next, |e| e.seq);
        let skip = usize::try_from(from.saturating_sub(first)).unwrap_or(usize::MAX);
        self.entries.iter().skip(skip).cloned().collect()
    }

    /// The entries a `pods/log` request starts with: those at or after `since`, then the last
    /// `tail` of them.
    pub fn select(&self, since: Option<jiff::Timestamp>, tail: Option<usize>) -> Vec<Entry> {
        let mut picked: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| since.is_none_or(|s| e.time >= s))
            .cloned()
            .collect();
        if let Some(tail) = tail {
            let drop = picked.len().saturating_sub(tail);
            picked.drain(..drop);
        }
        picked
    }
}

/// `RFC3339NanoFixed` as the kubelet writes timestamps: nine fraction digits, UTC `Z`.
pub fn format_timestamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S.%9fZ").to_string()
}

/// How entries are written to a `pods/log` response: with timestamps or not, and up to a byte
/// limit (cut mid-line, as the kubelet's `LimitedWriter`).
#[derive(Debug, Clone)]
pub struct Render {
    /// Prefix each line with its timestamp and a space.
    pub timestamps: bool,
    /// Bytes still allowed (`None`: unlimited).
    pub remaining: Option<u64>,
}

impl Render {
    /// Appends `entry` to `out`; `false` once the limit is reached (nothing more may follow).
    pub fn write(&mut self, entry: &Entry, out: &mut Vec<u8>) -> bool {
        let mut line = Vec::with_capacity(entry.data.len() + 31);
        if self.timestamps {
            line.extend_from_slice(format_timestamp(entry.time).as_bytes());
            line.push(b' ');
        }
        line.extend_from_slice(&entry.data);
        match &mut self.remaining {
            None => {
                out.extend_from_slice(&line);
                true
            }
            Some(left) => {
                let n = usize::try_from(*left).unwrap_or(usize::MAX).min(line.len());
                out.extend_from_slice(&line[..n]);
                *left -= n as u64;
                *left > 0
            }
        }
    }

    /// Whether the byte limit is used up.
    pub fn done(&self) -> bool {
        self.remaining == Some(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_700_000_000 + s).unwrap()
    }

    fn text(entries: &[Entry], mut render: Render) -> String {
        let mut out = Vec::new();
        for e in entries {
            if !render.write(e, &mut out) {
                break;
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn plain() -> Render {
        Render {
            timestamps: false,
            remaining: None,
        }
    }

    #[test]
    fn writes_become_lines_and_selection_applies_since_and_tail() {
        let mut ring = LogRing::new(LOG_CAPACITY);
        ring.append(at(0), Stream::Stdout, b"one\ntwo\n");
        ring.append(at(10), Stream::Stderr, b"three\nfour");
        assert_eq!(ring.next_seq(), 4);
        assert_eq!(
            text(&ring.select(None, None), plain()),
            "one\ntwo\nthree\nfour"
        );
        assert_eq!(text(&ring.select(None, Some(2)), plain()), "three\nfour");
        assert_eq!(text(&ring.select(None, Some(0)), plain()), "");
        assert_eq!(
            text(&ring.select(Some(at(5)), None), plain()),
            "three\nfour"
        );
        assert_eq!(ring.since_seq(3).len(), 1);
        assert_eq!(ring.select(None, None)[2].stream, Stream::Stderr);
    }

    #[test]
    fn the_ring_drops_the_oldest_lines_beyond_its_capacity() {
        let mut ring = LogRing::new(10);
        ring.append(at(0), Stream::Stdout, b"aaaa\nbbbb\ncccc\n");
        assert_eq!(text(&ring.select(None, None), plain()), "bbbb\ncccc\n");
        assert_eq!(ring.since_seq(0).len(), 2);
        assert_eq!(ring.since_seq(2)[0].data, "cccc\n");
        ring.append(at(0), Stream::Stdout, &[b'x'; 25]);
        assert_eq!(ring.select(None, None)[0].data.len(), 10);
    }

    #[test]
    fn rendering_adds_timestamps_and_cuts_at_the_byte_limit() {
        let mut ring = LogRing::new(LOG_CAPACITY);
        let t: jiff::Timestamp = "2026-01-02T03:04:05.5Z".parse().unwrap();
        ring.append(t, Stream::Stdout, b"hello\nworld\n");
        let stamped = Render {
            timestamps: true,
            remaining: None,
        };
        assert_eq!(
            text(&ring.select(None, Some(1)), stamped),
            "2026-01-02T03:04:05.500000000Z world\n"
        );
        let limited = Render {
            timestamps: false,
            remaining: Some(8),
        };
        assert_eq!(text(&ring.select(None, None), limited), "hello\nwo");
    }
}
