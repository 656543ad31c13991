//! `Lines`: a streaming body split into lines of bounded length (pod logs, client-go users'
//! `bufio.Scanner` over `Request.Stream`).

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::Stream;

use super::ByteStream;
use crate::Error;

/// The lines of a [`ByteStream`], without their `\n` (a `\r` before it is kept, as sent), decoded
/// as UTF-8 (invalid sequences replaced). A last line without a newline is yielded too. A line
/// longer than the limit ends the stream with [`Error::Stream`].
#[must_use = "streams do nothing unless polled"]
pub struct Lines {
    inner: ByteStream,
    buf: Vec<u8>,
    /// Where to resume the newline search in `buf`.
    scanned: usize,
    max_line: usize,
    done: bool,
}

impl std::fmt::Debug for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lines")
            .field("inner", &self.inner)
            .field("max_line", &self.max_line)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    /// Splits the body into lines of at most `max_line` bytes (newline excluded).
    pub fn into_lines(self, max_line: usize) -> Lines {
        Lines {
            inner: self,
            buf: Vec::new(),
            scanned: 0,
            max_line,
            done: false,
        }
    }
}

impl Lines {
    fn take_line(&mut self, end: usize, skip: usize) -> String {
        let line = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + skip);
        self.scanned = 0;
        line
    }
}

impl Stream for Lines {
    type Item = Result<String, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &this.buf[this.scanned..]) {
                let end = this.scanned + pos;
                if end > this.max_line {
                    break;
                }
                return Poll::Ready(Some(Ok(this.take_line(end, 1))));
            }
            this.scanned = this.buf.len();
            if this.buf.len() > this.max_line {
                break;
            }
            if this.done {
                if this.buf.is_empty() {
                    return Poll::Ready(None);
                }
                let end = this.buf.len();
                return Poll::Ready(Some(Ok(this.take_line(end, 0))));
            }
            match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                Some(Ok(chunk)) => this.buf.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    this.done = true;
                    this.buf.clear();
                    return Poll::Ready(Some(Err(e)));
                }
                None => this.done = true,
            }
        }
        // A line over the limit: report it once, then end.
        this.done = true;
        this.buf.clear();
        this.scanned = 0;
        Poll::Ready(Some(Err(Error::Stream {
            url: this.inner.url().to_string(),
            reason: format!("a line is longer than {} bytes", this.max_line),
            source: None,
        })))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use bytes::Bytes;
    use futures_util::StreamExt;
    use http_body::Frame;
    use http_body_util::{BodyExt, StreamBody};

    use super::*;
    use crate::request::context::RequestContext;
    use crate::{BoxError, ResponseBody};

    fn stream(chunks: &[&'static [u8]]) -> ByteStream {
        let frames = chunks
            .iter()
            .map(|c| Ok::<_, BoxError>(Frame::data(Bytes::from_static(c))))
            .collect::<Vec<_>>();
        let body: ResponseBody = StreamBody::new(futures_util::stream::iter(frames)).boxed_unsync();
        let context = RequestContext::new(
            http::Method::GET,
            "http://h/api/v1/namespaces/n/pods/p/log?follow=true".into(),
            None,
        );
        ByteStream::new(body, context)
    }

    async fn collect(lines: Lines) -> Vec<Result<String, String>> {
        lines.map(|l| l.map_err(|e| e.to_string())).collect().await
    }

    #[tokio::test]
    async fn lines_across_chunks_and_a_last_partial_line() {
        let lines = stream(&[b"one\ntw", b"o\n", b"\nthree\r\nfo", b"ur"]).into_lines(100);
        assert_eq!(
            collect(lines).await,
            vec![
                Ok("one".into()),
                Ok("two".into()),
                Ok("".into()),
                Ok("three\r".into()),
                Ok("four".into())
            ]
        );
    }

    #[tokio::test]
    async fn a_line_over_the_limit_is_an_error_once() {
        let lines = stream(&[b"ok\n", b"0123456789", b"abc\nnext\n"]).into_lines(8);
        let got = collect(lines).await;
        assert_eq!(got[0], Ok("ok".into()));
        assert_eq!(got.len(), 2, "{got:?}");
        let err = got[1].clone().unwrap_err();
        assert!(err.contains("longer than 8 bytes"), "{err}");
        assert!(
            err.contains("/pods/p/log") && !err.contains("follow"),
            "{err}"
        );
        // Exactly at the limit is fine.
        let lines = stream(&[b"12345678\n"]).into_lines(8);
        assert_eq!(collect(lines).await, vec![Ok("12345678".into())]);
    }
}
