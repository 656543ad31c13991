//! Decoding watch events off the reading task, several at a time.
//!
//! When events arrive faster than one is decoded (a watch replaying many changes, a streaming
//! list's initial events), the stream reads ahead, takes every complete frame it has, and
//! hands them in batches to Tokio's blocking pool, where they decode in parallel while the
//! stream keeps reading. Results are handed out strictly in order. A slow watch (one event at
//! a time, the usual case for a controller) is decoded inline, without a thread hop.
//!
//! A line that does not decode as one event (two objects on one line, an object spread over
//! lines) stops the pipeline: that line and everything after it is framed again by the byte
//! state machine, and the stream stays sequential — exactly what the sequential path would
//! have produced.

use std::collections::VecDeque;

use bytes::Bytes;
use kclient_apimachinery::WatchEvent;
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

/// Frames read ahead (in the decoder and in flight) before reading pauses, in bytes.
pub(super) const READ_AHEAD_BYTES: usize = 4 * 1024 * 1024;
/// Fewer frames than this at hand (and nothing in flight) are decoded inline.
pub(super) const PARALLEL_MIN_FRAMES: usize = 4;
/// Jobs in flight at most.
pub(super) const MAX_JOBS: usize = 8;
/// Frames per job at most.
pub(super) const JOB_FRAMES: usize = 32;

/// A frame taken from the decoder, to be decoded.
#[derive(Debug, Clone)]
pub(super) enum Taken {
    /// A line, provisionally taken as one event.
    Line(Bytes),
    /// An object the state machine framed.
    Object(Bytes),
}

impl Taken {
    pub(super) fn len(&self) -> usize {
        match self {
            Taken::Line(b) | Taken::Object(b) => b.len(),
        }
    }
}

/// What decoding a frame gave.
#[derive(Debug)]
pub(super) enum Decoded<T> {
    /// An event.
    Event(WatchEvent<T>),
    /// An object frame that is not an event: the stream's error.
    Failed(serde_json::Error),
    /// A line that is not one event: frame again from here.
    NotOneEvent(Bytes),
    /// A frame after a [`Decoded::NotOneEvent`] in the same job, not decoded.
    Skipped(Taken),
}

/// Decodes `frames` in order; after a line that is not one event, the rest is returned as is.
pub(super) fn decode_frames<T: DeserializeOwned>(frames: Vec<Taken>) -> Vec<Decoded<T>> {
    let mut out = Vec::with_capacity(frames.len());
    let mut stopped = false;
    for frame in frames {
        if stopped {
            out.push(Decoded::Skipped(frame));
            continue;
        }
        match &frame {
            Taken::Line(line) => match serde_json::from_slice(line) {
                Ok(event) => out.push(Decoded::Event(event)),
                Err(_) => {
                    out.push(Decoded::NotOneEvent(line.clone()));
                    stopped = true;
                }
            },
            Taken::Object(object) => match serde_json::from_slice(object) {
                Ok(event) => out.push(Decoded::Event(event)),
                Err(e) => {
                    out.push(Decoded::Failed(e));
                    stopped = true;
                }
            },
        }
    }
    out
}

/// A batch being decoded on the blocking pool, with its input kept (cheap `Bytes` clones) in
/// case an earlier line forces the stream to frame everything again.
pub(super) struct Job<T> {
    pub(super) handle: JoinHandle<Vec<Decoded<T>>>,
    pub(super) input: Vec<Taken>,
    pub(super) bytes: usize,
}

/// Results waiting to be handed out and jobs in flight, both in stream order.
pub(super) struct Pipeline<T> {
    pub(super) ready: VecDeque<Decoded<T>>,
    pub(super) jobs: VecDeque<Job<T>>,
}

impl<T> Default for Pipeline<T> {
    fn default() -> Self {
        Self {
            ready: VecDeque::new(),
            jobs: VecDeque::new(),
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> Pipeline<T> {
    /// Bytes of the frames in flight.
    pub(super) fn in_flight_bytes(&self) -> usize {
        self.jobs.iter().map(|j| j.bytes).sum()
    }

    /// Whether more jobs may start.
    pub(super) fn has_room(&self) -> bool {
        self.jobs.len() < MAX_JOBS
    }

    /// Decodes `frames`: inline when they are few and nothing is in flight (or there is no
    /// runtime to run jobs on), otherwise as jobs on the blocking pool.
    pub(super) fn dispatch(&mut self, mut frames: Vec<Taken>) {
        let runtime = tokio::runtime::Handle::try_current().ok();
        let Some(runtime) =
            runtime.filter(|_| frames.len() >= PARALLEL_MIN_FRAMES || !self.jobs.is_empty())
        else {
            self.ready.extend(decode_frames(frames));
            return;
        };
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let per_job = frames.len().div_ceil(workers).clamp(1, JOB_FRAMES);
        while !frames.is_empty() {
            let rest = frames.split_off(per_job.min(frames.len()));
            let input = std::mem::replace(&mut frames, rest);
            let bytes = input.iter().map(Taken::len).sum();
            let work = input.clone();
            let handle = runtime.spawn_blocking(move || decode_frames::<T>(work));
            self.jobs.push_back(Job {
                handle,
                input,
                bytes,
            });
        }
    }

    /// Everything not yet handed out, as frames in order, starting with `line`; the jobs are
    /// abandoned.
    pub(super) fn unwind(&mut self, line: Bytes) -> Vec<Taken> {
        let mut frames = vec![Taken::Line(line)];
        for decoded in self.ready.drain(..) {
            if let Decoded::Skipped(frame) = decoded {
                frames.push(frame);
            }
        }
        for job in self.jobs.drain(..) {
            job.handle.abort();
            frames.extend(job.input);
        }
        frames
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_stops_decoding_and_keeps_the_rest() {
        let frames = vec![
            Taken::Line(Bytes::from_static(br#"{"type":"ADDED","object":1}"#)),
            Taken::Line(Bytes::from_static(br#"{"type":"ADDED","object":2}{"#)),
            Taken::Line(Bytes::from_static(br#"{"type":"ADDED","object":3}"#)),
        ];
        let out = decode_frames::<u32>(frames);
        assert!(matches!(out[0], Decoded::Event(WatchEvent::Added(1))));
        assert!(matches!(out[1], Decoded::NotOneEvent(_)));
        assert!(matches!(out[2], Decoded::Skipped(Taken::Line(_))));
    }

    #[test]
    fn a_bad_object_is_the_streams_error() {
        let frames = vec![Taken::Object(Bytes::from_static(br#"{"type":"NOPE"}"#))];
        assert!(matches!(
            decode_frames::<u32>(frames)[0],
            Decoded::Failed(_)
        ));
    }
}
