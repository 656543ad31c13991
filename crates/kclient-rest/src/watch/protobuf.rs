//! Protobuf watch framing (apimachinery's `framer.LengthDelimitedFramer` with the protobuf
//! `RawSerializer`): each frame is a 4-byte big-endian length and that many bytes of a bare
//! `metav1.WatchEvent`, whose `object.raw` is the enveloped object (`k8s\0` + `Unknown`), or a
//! `Status` for `ERROR` events. Mirrors client-go's `rest/watch/decoder.go` for
//! `application/vnd.kubernetes.protobuf;stream=watch`.
//!
//! A frame longer than the stream's maximum ends the stream with an error before anything of
//! it is buffered, so a hostile length cannot make it allocate.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, BytesMut};
use http_body::Body;
use kclient_apimachinery::WatchEvent;
use kclient_apimachinery::protobuf::{Codec, decode_status, decode_watch_event};

use crate::request::context::RequestContext;
use crate::{Error, ResponseBody};

/// The protobuf side of a [`WatchStream`](super::WatchStream).
pub(super) struct ProtoWatch<T> {
    body: ResponseBody,
    buffer: BytesMut,
    codec: Codec<T>,
    body_done: bool,
}

impl<T> ProtoWatch<T> {
    pub(super) fn new(body: ResponseBody, codec: Codec<T>) -> Self {
        Self {
            body,
            buffer: BytesMut::new(),
            codec,
            body_done: false,
        }
    }

    /// The next whole frame in the buffer, if one has arrived.
    fn next_frame(&mut self, max: usize, ctx: &RequestContext) -> Result<Option<BytesMut>, Error> {
        if self.buffer.len() < 4 {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        len.copy_from_slice(&self.buffer[..4]);
        let len = u32::from_be_bytes(len) as usize;
        if len > max {
            return Err(Error::WatchFrameTooLarge {
                url: ctx.url.clone(),
                max,
            });
        }
        if self.buffer.len() < 4 + len {
            self.buffer.reserve(4 + len - self.buffer.len());
            return Ok(None);
        }
        self.buffer.advance(4);
        Ok(Some(self.buffer.split_to(len)))
    }

    fn decode(&self, frame: &[u8], ctx: &RequestContext) -> Result<WatchEvent<T>, Error> {
        let failed = |reason: String| Error::WatchFraming {
            url: ctx.url.clone(),
            reason,
        };
        let event = decode_watch_event(frame)
            .map_err(|e| failed(format!("a protobuf watch event does not decode: {e}")))?;
        let object = |what: &str| {
            self.codec.decode(event.object).map_err(|e| {
                failed(format!(
                    "the object of a protobuf {what} event is not a {} {}: {e}",
                    self.codec.api_version, self.codec.kind
                ))
            })
        };
        Ok(match event.event_type.as_str() {
            "ADDED" => WatchEvent::Added(object("ADDED")?),
            "MODIFIED" => WatchEvent::Modified(object("MODIFIED")?),
            "DELETED" => WatchEvent::Deleted(object("DELETED")?),
            "BOOKMARK" => WatchEvent::Bookmark(object("BOOKMARK")?),
            "ERROR" => {
                WatchEvent::Error(Box::new(decode_status(event.object).ok_or_else(|| {
                    failed("the object of a protobuf ERROR event is not a Status".to_string())
                })?))
            }
            other => return Err(failed(format!("unknown watch event type {other:?}"))),
        })
    }

    /// The next event: `None` when the body ended cleanly.
    pub(super) fn poll_event(
        &mut self,
        cx: &mut Context<'_>,
        max: usize,
        ctx: &RequestContext,
    ) -> Poll<Option<Result<WatchEvent<T>, Error>>> {
        loop {
            match self.next_frame(max, ctx) {
                Ok(Some(frame)) => return Poll::Ready(Some(self.decode(&frame, ctx))),
                Ok(None) => {}
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
            if self.body_done {
                if self.buffer.is_empty() {
                    return Poll::Ready(None);
                }
                let left = self.buffer.len();
                self.buffer.clear();
                return Poll::Ready(Some(Err(Error::WatchFraming {
                    url: ctx.url.clone(),
                    reason: format!("the watch ended inside a protobuf frame ({left} bytes of it)"),
                })));
            }
            match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => self.body_done = true,
                Poll::Ready(Some(Err(e))) => {
                    self.body_done = true;
                    self.buffer.clear();
                    return Poll::Ready(Some(Err(ctx.read_body_error(e))));
                }
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        self.buffer.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}
