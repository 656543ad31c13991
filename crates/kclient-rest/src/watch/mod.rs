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
use pipeline::{Decoded, JOB_FRAMES, MAX_JOBS, Pipeline, READ_AHEAD_BYTES, Taken};

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

    /// One frame at a time: a line that does not decode is framed again by the state machine.
    fn poll_sequential(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<WatchEvent<T>, Error>>> {
        loop {
            match self.decoder.next_frame() {
                Ok(Some(Frame::Line(line))) => match self.decode_event(&line) {
                    Ok(event) => {
                        self.decoder.commit_line();
                        return Poll::Ready(Some(Ok(event)));
                    }
                    // Not one event per line after all: find the frame the slow way (and
                    // report its error if it has one).
                    Err(_) => {
                        self.decoder.reject_line();
                        continue;
                    }
                },
                Ok(Some(Frame::Object(frame))) => {
                    let event = self.decode_event(&frame);
                    self.done = event.is_err();
                    return Poll::Ready(Some(event));
                }
                Ok(None) => {}
                Err(e) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(self.framing_error(e))));
                }
            }
            if self.body_done {
                return self.finish();
            }
            ready!(self.poll_body(cx));
        }
    }

    /// Takes the complete frames at hand and starts decoding them; `true` if there were any.
    fn dispatch_frames(&mut self) -> bool {
        let mut frames = Vec::new();
        while self.framing.is_none() && frames.len() < JOB_FRAMES * MAX_JOBS {
            match self.decoder.next_frame() {
                Ok(Some(Frame::Line(line))) => {
                    self.decoder.commit_line();
                    frames.push(Taken::Line(line));
                }
                Ok(Some(Frame::Object(object))) => frames.push(Taken::Object(object)),
                Ok(None) => break,
                Err(e) => self.framing = Some(e),
            }
        }
        if frames.is_empty() {
            return false;
        }
        self.pipeline.dispatch(frames);
        true
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
            // Results, strictly in order.
            if let Some(decoded) = this.pipeline.ready.pop_front() {
                match decoded {
                    Decoded::Event(event) => return Poll::Ready(Some(Ok(event))),
                    Decoded::Failed(e) => {
                        this.done = true;
                        return Poll::Ready(Some(Err(this.decode_error(e))));
                    }
                    Decoded::NotOneEvent(line) => this.reframe(line),
                    // Only ever after a `NotOneEvent`, whose unwinding takes them.
                    Decoded::Skipped(_) => {}
                }
                continue;
            }
            if let Some(job) = this.pipeline.jobs.front_mut()
                && let Poll::Ready(result) = Pin::new(&mut job.handle).poll(cx)
            {
                this.pipeline.jobs.pop_front();
                match result {
                    Ok(decoded) => this.pipeline.ready.extend(decoded),
                    Err(e) => {
                        this.done = true;
                        return Poll::Ready(Some(Err(this.context.read_body_error(Box::new(e)))));
                    }
                }
                continue;
            }
            // Read ahead while the body has data (bounded while jobs are in flight).
            let mut read = false;
            while !this.body_done
                && (this.pipeline.jobs.is_empty()
                    || this.decoder.buffered() + this.pipeline.in_flight_bytes() < READ_AHEAD_BYTES)
            {
                match this.poll_body(cx) {
                    Poll::Ready(data) => read |= data,
                    Poll::Pending => break,
                }
            }
            if this.pipeline.has_room() && this.dispatch_frames() {
                continue;
            }
            if this.pipeline.ready.is_empty()
                && this.pipeline.jobs.is_empty()
                && (this.body_done || this.framing.is_some())
            {
                return this.finish();
            }
            if !read {
                return Poll::Pending;
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
