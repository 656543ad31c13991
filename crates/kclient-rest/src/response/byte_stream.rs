//! `ByteStream`: a response body as a `Stream` of chunks and as `AsyncRead`/`AsyncBufRead`
//! (client-go's `Request.Stream`), used for logs and other raw streaming endpoints.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use futures_util::Stream;
use http_body::Body;
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};
use tokio::time::Sleep;

use crate::request::context::RequestContext;
use crate::{Error, ResponseBody};

/// A streaming response body. The request's timeout, if any, covers the whole stream.
#[must_use = "streams do nothing unless polled"]
pub struct ByteStream {
    body: ResponseBody,
    context: RequestContext,
    deadline: Option<Pin<Box<Sleep>>>,
    /// The unread rest of the last chunk (for `AsyncRead`/`AsyncBufRead`).
    current: Bytes,
    done: bool,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("url", &self.context.url)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    pub(crate) fn new(body: ResponseBody, context: RequestContext) -> Self {
        let deadline = context
            .deadline
            .map(|at| Box::pin(tokio::time::sleep_until(at)));
        Self {
            body,
            context,
            deadline,
            current: Bytes::new(),
            done: false,
        }
    }

    /// The URL of the request (without its query), for messages.
    pub fn url(&self) -> &str {
        url_only(&self.context.url)
    }

    /// The next non-empty chunk, `None` at the end.
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        if !self.current.is_empty() {
            return Poll::Ready(Some(Ok(std::mem::take(&mut self.current))));
        }
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            if let Some(deadline) = self.deadline.as_mut()
                && deadline.as_mut().poll(cx).is_ready()
            {
                self.done = true;
                return Poll::Ready(Some(Err(self.context.timeout_error())));
            }
            match ready!(Pin::new(&mut self.body).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && !data.is_empty()
                    {
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(self.context.read_body_error(e))));
                }
                None => {
                    self.done = true;
                    return Poll::Ready(None);
                }
            }
        }
    }
}

use std::future::Future as _;

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx)
    }
}

impl AsyncBufRead for ByteStream {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.current.is_empty() {
            match ready!(this.poll_chunk(cx)) {
                Some(Ok(chunk)) => this.current = chunk,
                Some(Err(e)) => return Poll::Ready(Err(io::Error::other(e))),
                None => {}
            }
        }
        Poll::Ready(Ok(&this.current[..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        this.current.advance(amt.min(this.current.len()));
    }
}

impl AsyncRead for ByteStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

/// `url` without its query string (queries may hold sensitive values).
fn url_only(url: &str) -> &str {
    url.split_once('?').map_or(url, |(path, _)| path)
}
