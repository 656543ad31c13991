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

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::Stream;
use http_body::Body;
use kclient_apimachinery::WatchEvent;
use serde::de::DeserializeOwned;

use crate::request::context::RequestContext;
use crate::{Error, ResponseBody};
pub use frame::DEFAULT_MAX_FRAME_SIZE;
use frame::{Frame, FrameDecoder, FrameError};

/// A stream of watch events of objects of type `T`.
#[must_use = "streams do nothing unless polled"]
pub struct WatchStream<T> {
    body: ResponseBody,
    decoder: FrameDecoder,
    context: RequestContext,
    done: bool,
    _events: PhantomData<fn() -> T>,
}

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
            body,
            decoder: FrameDecoder::new(DEFAULT_MAX_FRAME_SIZE),
            context,
            done: false,
            _events: PhantomData,
        }
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

impl<T: DeserializeOwned> WatchStream<T> {
    fn decode_event(&self, frame: &[u8]) -> Result<WatchEvent<T>, Error> {
        serde_json::from_slice(frame).map_err(|e| {
            let target = format!("a watch event of {}", std::any::type_name::<T>());
            self.context.decode_error(target, e)
        })
    }
}

impl<T: DeserializeOwned> Stream for WatchStream<T> {
    type Item = Result<WatchEvent<T>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match this.decoder.next_frame() {
                Ok(Some(Frame::Line(line))) => match this.decode_event(&line) {
                    Ok(event) => {
                        this.decoder.commit_line();
                        return Poll::Ready(Some(Ok(event)));
                    }
                    // Not one event per line after all: find the frame the slow way (and
                    // report its error if it has one).
                    Err(_) => {
                        this.decoder.reject_line();
                        continue;
                    }
                },
                Ok(Some(Frame::Object(frame))) => {
                    let event = this.decode_event(&frame);
                    this.done = event.is_err();
                    return Poll::Ready(Some(event));
                }
                Ok(None) => {}
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(this.framing_error(e))));
                }
            }
            match ready!(Pin::new(&mut this.body).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        this.decoder.push(data);
                    }
                }
                Some(Err(e)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(this.context.read_body_error(e))));
                }
                None => {
                    this.done = true;
                    return Poll::Ready(
                        this.decoder
                            .finish()
                            .err()
                            .map(|e| Err(this.framing_error(e))),
                    );
                }
            }
        }
    }
}

impl<T: DeserializeOwned> futures_util::stream::FusedStream for WatchStream<T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests;
