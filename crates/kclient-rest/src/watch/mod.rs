//! `WatchStream`: the events of a watch, decoded incrementally from the chunked response body
//! (client-go's `rest/watch` decoder with its `StreamWatcher`). The body is never buffered whole:
//! a [`frame`] decoder cuts it into one JSON object per event, each limited in size.
//!
//! The stream yields `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` and `ERROR` events; an `ERROR`
//! event carries the server's `Status` (for example 410 `Expired`) and is an item, not an error.
//! It ends when the server ends the response. After an `Err` item (a broken connection, a frame
//! too large, an undecodable event or unknown event type) it ends as well, as client-go's watcher
//! stops; the caller decides whether to watch again or relist.

mod frame;
#[cfg(test)]
mod fuzz;
mod pipeline;
#[cfg(feature = "protobuf")]
mod protobuf;
mod reader;

use std::future::Future as _;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::Stream;
use kclient_apimachinery::WatchEvent;
use serde::de::DeserializeOwned;

use crate::request::context::RequestContext;
use crate::{Error, ResponseBody};
pub use frame::DEFAULT_MAX_FRAME_SIZE;
use frame::{Frame, FrameDecoder, FrameError};
use pipeline::{Decoded, JOB_BYTES, PARALLEL_MIN_BYTES, Pipeline, READ_AHEAD_BYTES, Taken};

/// A stream of watch events of objects of type `T`.
#[must_use = "streams do nothing unless polled"]
pub struct WatchStream<T> {
    body: reader::Chunks,
    decoder: FrameDecoder,
    context: RequestContext,
    done: bool,
    /// Events decoded or being decoded, in order (see [`pipeline`]).
    pipeline: Pipeline<T>,
    /// Decode one frame at a time (after a line that was not one event).
    sequential: bool,
    /// The body has ended (or failed: `tail`).
    body_done: bool,
    /// The body's error, handed out after the events before it.
    tail: Option<Error>,
    /// A framing error, handed out after the events before it.
    framing: Option<FrameError>,
    /// Protobuf framing instead of JSON (`watch/protobuf.rs`).
    #[cfg(feature = "protobuf")]
    protobuf: Option<protobuf::ProtoWatch<T>>,
    _events: PhantomData<fn() -> T>,
}

// Nothing is pinned inside: events are only held in queues, so the stream moves freely.
impl<T> Unpin for WatchStream<T> {}

impl<T> std::fmt::Debug for WatchStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchStream")
            .field("url", &self.context.url)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T> WatchStream<T> {
    pub(crate) fn new(body: ResponseBody, context: RequestContext) -> Self {
        Self {
            body: reader::Chunks::new(body),
            decoder: FrameDecoder::new(DEFAULT_MAX_FRAME_SIZE),
            context,
            done: false,
            pipeline: Pipeline::default(),
            sequential: false,
            body_done: false,
            tail: None,
            framing: None,
            #[cfg(feature = "protobuf")]
            protobuf: None,
            _events: PhantomData,
        }
    }

    /// A watch whose body is protobuf frames, decoded with `codec`.
    #[cfg(feature = "protobuf")]
    pub(crate) fn new_protobuf(
        body: ResponseBody,
        context: RequestContext,
        codec: kclient_apimachinery::protobuf::Codec<T>,
    ) -> Self {
        use http_body_util::BodyExt as _;
        let empty = http_body_util::Empty::new()
            .map_err(|never| match never {})
            .boxed_unsync();
        let mut stream = Self::new(empty, context);
        stream.protobuf = Some(protobuf::ProtoWatch::new(body, codec));
        stream
    }

    /// Sets the largest event accepted, in bytes; a larger one ends the stream with
    /// [`Error::WatchFrameTooLarge`]. Default is [`DEFAULT_MAX_FRAME_SIZE`] (16 MiB).
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.decoder.set_max_frame(bytes);
        self
    }

    /// The URL being watched.
    pub fn url(&self) -> &str {
        &self.context.url
    }

    fn framing_error(&self, error: FrameError) -> Error {
        match error {
            FrameError::TooLarge { max } => Error::WatchFrameTooLarge {
                url: self.context.url.clone(),
                max,
            },
            other => Error::WatchFraming {
                url: self.context.url.clone(),
                reason: other.describe(),
            },
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> WatchStream<T> {
    fn decode_event(&self, frame: &[u8]) -> Result<WatchEvent<T>, Error> {
        serde_json::from_slice(frame).map_err(|e| self.decode_error(e))
    }

    fn decode_error(&self, e: serde_json::Error) -> Error {
        let target = format!("a watch event of {}", std::any::type_name::<T>());
        self.context.decode_error(target, e)
    }

    /// A line was not one event: frame it and everything after it again, one at a time.
    fn reframe(&mut self, line: Bytes) {
        let mut decoder = FrameDecoder::new(self.decoder.max_frame());
        for frame in self.pipeline.unwind(line) {
            match frame {
                Taken::Line(bytes) | Taken::Object(bytes) => {
                    decoder.push(bytes);
                    decoder.push(Bytes::from_static(b"\n"));
                }
            }
        }
        for chunk in self.decoder.take_unread() {
            decoder.push(chunk);
        }
        self.decoder = decoder;
        self.framing = None;
        self.sequential = true;
    }

    /// The end of the stream, once everything before it has been handed out.
    fn finish(&mut self) -> Poll<Option<Result<WatchEvent<T>, Error>>> {
        self.done = true;
        if let Some(e) = self.framing.take() {
            return Poll::Ready(Some(Err(self.framing_error(e))));
        }
        if let Some(e) = self.tail.take() {
            return Poll::Ready(Some(Err(e)));
        }
        Poll::Ready(
            self.decoder
                .finish()
                .err()
                .map(|e| Err(self.framing_error(e))),
        )
    }

    /// Reads the next body frame into the decoder; `Ready(true)` if data arrived.
    fn poll_body(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        match ready!(self.body.poll_chunk(cx)) {
            Some(Ok(data)) => {
                self.decoder.push(data);
                Poll::Ready(true)
            }
            Some(Err(e)) => {
                self.body_done = true;
                self.tail = Some(self.context.read_body_error(e));
                Poll::Ready(false)
            }
            None => {
                self.body_done = true;
                Poll::Ready(false)
            }
        }
    }

    /// Decodes the next frame at hand on the consumer; `None` if no complete frame is at hand.
    /// A line that does not decode is framed again by the state machine.
    fn decode_inline(&mut self) -> Option<Result<WatchEvent<T>, Error>> {
        loop {
            match self.decoder.next_frame() {
                Ok(Some(Frame::Line(line))) => match self.decode_event(&line) {
                    Ok(event) => {
                        self.decoder.commit_line();
                        return Some(Ok(event));
                    }
                    // Not one event per line after all: find the frame the slow way (and
                    // report its error if it has one).
                    Err(_) => self.decoder.reject_line(),
                },
                Ok(Some(Frame::Object(frame))) => {
                    let event = self.decode_event(&frame);
                    self.done = event.is_err();
                    return Some(event);
                }
                Ok(None) => return None,
                Err(e) => {
                    self.done = true;
                    return Some(Err(self.framing_error(e)));
                }
            }
        }
    }

    /// One frame at a time, for good (after a line that was not one event in a burst).
    fn poll_sequential(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<WatchEvent<T>, Error>>> {
        loop {
            if let Some(event) = self.decode_inline() {
                return Poll::Ready(Some(event));
            }
            if self.body_done {
                return self.finish();
            }
            ready!(self.poll_body(cx));
        }
    }

    /// Reads what the body has at hand while less than [`READ_AHEAD_BYTES`] waits undecoded;
    /// `true` if data arrived.
    fn read_ahead(&mut self, cx: &mut Context<'_>) -> bool {
        let mut read = false;
        while !self.body_done
            && self.decoder.buffered() + self.pipeline.in_flight_bytes() < READ_AHEAD_BYTES
        {
            match self.poll_body(cx) {
                Poll::Ready(data) => read |= data,
                Poll::Pending => break,
            }
        }
        read
    }

    /// Starts jobs of about [`JOB_BYTES`] of complete frames while there is room. A smaller
    /// job only starts at the end of the body (or of the frames, after a framing error).
    fn dispatch_frames(&mut self) {
        let tail = self.body_done || self.framing.is_some();
        while self.pipeline.has_room()
            && self.framing.is_none()
            && (tail || self.decoder.buffered() >= JOB_BYTES)
        {
            let mut frames = Vec::new();
            let mut bytes = 0;
            while bytes < JOB_BYTES {
                match self.decoder.next_frame() {
                    Ok(Some(Frame::Line(line))) => {
                        self.decoder.commit_line();
                        bytes += line.len();
                        frames.push(Taken::Line(line));
                    }
                    Ok(Some(Frame::Object(object))) => {
                        bytes += object.len();
                        frames.push(Taken::Object(object));
                    }
                    Ok(None) => break,
                    Err(e) => {
                        self.framing = Some(e);
                        break;
                    }
                }
            }
            if frames.is_empty() {
                return;
            }
            let partial = bytes < JOB_BYTES;
            self.pipeline.dispatch(frames, bytes);
            if partial {
                return;
            }
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for WatchStream<T> {
    type Item = Result<WatchEvent<T>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        #[cfg(feature = "protobuf")]
        if let Some(proto) = this.protobuf.as_mut() {
            if this.done {
                return Poll::Ready(None);
            }
            let max = this.decoder.max_frame();
            let item = ready!(proto.poll_event(cx, max, &this.context));
            this.done = !matches!(item, Some(Ok(_)));
            return Poll::Ready(item);
        }
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if this.sequential {
                return this.poll_sequential(cx);
            }
            // A burst: take the front job's results once it is done, and keep the pool busy.
            if this.pipeline.is_busy() {
                if this.pipeline.ready.is_empty()
                    && let Some(job) = this.pipeline.jobs.front_mut()
                    && let Poll::Ready(result) = Pin::new(&mut job.handle).poll(cx)
                {
                    if let Some(job) = this.pipeline.jobs.pop_front() {
                        this.pipeline.finished(job);
                    }
                    match result {
                        Ok(decoded) => this.pipeline.ready = decoded.into(),
                        Err(e) => {
                            this.done = true;
                            let error = this.context.read_body_error(Box::new(e));
                            return Poll::Ready(Some(Err(error)));
                        }
                    }
                }
                if this.pipeline.has_room() {
                    this.read_ahead(cx);
                    this.dispatch_frames();
                }
                match this.pipeline.ready.pop_front() {
                    Some(Decoded::Event(event)) => return Poll::Ready(Some(Ok(event))),
                    Some(Decoded::Failed(e)) => {
                        this.done = true;
                        return Poll::Ready(Some(Err(this.decode_error(e))));
                    }
                    Some(Decoded::NotOneEvent(line)) => {
                        this.reframe(line);
                        continue;
                    }
                    // Only ever after a `NotOneEvent`, whose unwinding takes them.
                    Some(Decoded::Skipped(_)) => continue,
                    // Waiting for the front job (its waker is registered).
                    None if !this.pipeline.jobs.is_empty() => return Poll::Pending,
                    None => {}
                }
            }
            // No burst: decode on the consumer, unless a backlog has built up.
            let read = this.read_ahead(cx);
            if this.framing.is_some() {
                return this.finish();
            }
            if this.decoder.buffered() >= PARALLEL_MIN_BYTES {
                this.dispatch_frames();
                if this.pipeline.is_busy() {
                    continue;
                }
            }
            if let Some(event) = this.decode_inline() {
                return Poll::Ready(Some(event));
            }
            if this.body_done {
                return this.finish();
            }
            // No complete frame at hand: read on, even past the read-ahead bound (one frame
            // larger than it is limited by the frame size limit).
            if !read {
                match this.poll_body(cx) {
                    Poll::Ready(_) => continue,
                    Poll::Pending => return Poll::Pending,
                }
            }
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> futures_util::stream::FusedStream for WatchStream<T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests;
