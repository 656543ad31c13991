//! A WebSocket as a plain byte stream, mirroring client-go's
//! `tools/portforward/tunneling_connection.go`: every write is one binary message, reads join
//! binary messages into one stream ignoring their boundaries, a text message is an error, and a
//! close frame (code 1000 or none) reads as end of stream. This is how SPDY rides inside the
//! `SPDY/3.1+portforward.k8s.io` tunnel.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// Largest payload put in one binary message (client-go writes at most 32 KiB; bigger messages
/// cost the peer nothing extra and halve the framing work).
const MAX_MESSAGE: usize = 256 * 1024;

/// A [`WebSocketStream`] read and written as bytes (binary messages only).
pub struct WsByteStream<S> {
    ws: WebSocketStream<S>,
    pending: Bytes,
    eof: bool,
}

impl<S> std::fmt::Debug for WsByteStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsByteStream")
            .field("eof", &self.eof)
            .finish_non_exhaustive()
    }
}

impl<S> WsByteStream<S> {
    /// Wraps an established WebSocket.
    pub fn new(ws: WebSocketStream<S>) -> Self {
        Self {
            ws,
            pending: Bytes::new(),
            eof: false,
        }
    }
}

fn ws_error(e: tokio_tungstenite::tungstenite::Error) -> io::Error {
    match e {
        tokio_tungstenite::tungstenite::Error::Io(e) => e,
        other => io::Error::other(other),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsByteStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if !this.pending.is_empty() {
                let n = this.pending.len().min(buf.remaining());
                buf.put_slice(&this.pending[..n]);
                this.pending.advance(n);
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut this.ws).poll_next(cx)) {
                None => {
                    this.eof = true;
                }
                Some(Err(e)) => {
                    use tokio_tungstenite::tungstenite::Error as E;
                    if matches!(e, E::ConnectionClosed | E::AlreadyClosed) {
                        this.eof = true;
                    } else {
                        return Poll::Ready(Err(ws_error(e)));
                    }
                }
                Some(Ok(Message::Binary(b))) => this.pending = b,
                Some(Ok(Message::Close(frame))) => {
                    let normal = frame.as_ref().is_none_or(|f| u16::from(f.code) == 1000);
                    if !normal {
                        let reason = frame.map(|f| format!("{} {}", u16::from(f.code), f.reason));
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::ConnectionAborted,
                            format!("the WebSocket was closed: {}", reason.unwrap_or_default()),
                        )));
                    }
                    this.eof = true;
                }
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "invalid message type received: text (the tunnel carries binary messages only)",
                    )));
                }
                Some(Ok(_)) => {} // ping/pong: tungstenite answers pings itself
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsByteStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let ws = &mut self.ws;
        ready!(Pin::new(&mut *ws).poll_ready(cx)).map_err(ws_error)?;
        let n = buf.len().min(MAX_MESSAGE);
        Pin::new(&mut *ws)
            .start_send(Message::Binary(Bytes::copy_from_slice(&buf[..n])))
            .map_err(ws_error)?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws).poll_flush(cx).map_err(ws_error)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match ready!(Pin::new(&mut self.ws).poll_close(cx)) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(tokio_tungstenite::tungstenite::Error::ConnectionClosed) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(ws_error(e))),
        }
    }
}
