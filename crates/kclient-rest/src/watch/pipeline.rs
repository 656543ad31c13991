//! Decoding watch events off the reading task, several at a time, when that pays.
//!
//! A watch whose consumer keeps up (a controller's usual watch, a trickle of changes) is decoded
//! on the consumer, one frame at a time, straight from the chunk it arrived in: no batching, no
//! thread hop. Only when a backlog builds up (a watch replaying many changes, a streaming list's
//! initial events, a consumer briefly slower than the server) does the stream cut the frames at
//! hand into jobs of about [`JOB_BYTES`] and decode them on Tokio's blocking pool, at most one
//! job per core plus one queued, so that the cores decode while the stream keeps reading. Results
//! are handed out strictly in order, and the pipeline falls back to the consumer as soon as the
//! backlog is gone.
//!
//! Memory is bounded by construction: at most [`READ_AHEAD_BYTES`] of frames are read ahead of
//! the events handed out (plus the reader's own bounded channel), and decoded events wait only
//! for as long as one job's output is being handed out.
//!
//! A line that does not decode as one event (two objects on one line, an object spread over
//! lines) stops the pipeline: that line and everything after it is framed again by the byte
//! state machine, and the stream stays sequential — exactly what the sequential path would
//! have produced.

use std::collections::VecDeque;
use std::sync::OnceLock;

use bytes::Bytes;
use kclient_apimachinery::WatchEvent;
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

/// Frames read ahead (in the decoder and in flight) before reading pauses, in bytes.
pub(super) const READ_AHEAD_BYTES: usize = 2 * 1024 * 1024;
/// Bytes of frames per job (a job may exceed it by its last frame).
pub(super) const JOB_BYTES: usize = 128 * 1024;
/// With less than this at hand and nothing in flight, frames are decoded on the consumer.
pub(super) const PARALLEL_MIN_BYTES: usize = 2 * JOB_BYTES;

/// Jobs in flight at most: one per core, plus one queued so no core waits for the stream.
pub(super) fn max_jobs() -> usize {
    static JOBS: OnceLock<usize> = OnceLock::new();
    *JOBS.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from) + 1)
}

/// A frame taken from the decoder, to be decoded.
#[derive(Debug, Clone)]
pub(super) enum Taken {
    /// A line, provisionally taken as one event.
    Line(Bytes),
    /// An object the state machine framed.
    Object(Bytes),
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
    /// The output of the last finished job, handed out before anything else.
    pub(super) ready: VecDeque<Decoded<T>>,
    pub(super) jobs: VecDeque<Job<T>>,
    /// Bytes of the frames in flight.
    in_flight: usize,
}

impl<T> Default for Pipeline<T> {
    fn default() -> Self {
        Self {
            ready: VecDeque::new(),
            jobs: VecDeque::new(),
            in_flight: 0,
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> Pipeline<T> {
    /// Bytes of the frames in flight.
    pub(super) fn in_flight_bytes(&self) -> usize {
        self.in_flight
    }

    /// Whether more jobs may start.
    pub(super) fn has_room(&self) -> bool {
        self.jobs.len() < max_jobs()
    }

    /// Whether a burst is being decoded (jobs in flight or their results not handed out).
    pub(super) fn is_busy(&self) -> bool {
        !self.jobs.is_empty() || !self.ready.is_empty()
    }

    /// Decodes `frames` as one job on the blocking pool, or in place when there is no runtime.
    pub(super) fn dispatch(&mut self, frames: Vec<Taken>, bytes: usize) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.ready.extend(decode_frames(frames));
            return;
        };
        let work = frames.clone();
        let handle = runtime.spawn_blocking(move || decode_frames::<T>(work));
        self.in_flight += bytes;
        self.jobs.push_back(Job {
            handle,
            input: frames,
            bytes,
        });
    }

    /// Takes the front job off the queue once it finished (its output then goes to `ready`).
    pub(super) fn finished(&mut self, job: Job<T>) {
        self.in_flight -= job.bytes;
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
        self.in_flight = 0;
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
