//! The kubelet-style WebSocket port-forward (`v4.channel.k8s.io`, what kube-rs speaks): no SPDY,
//! one WebSocket per connection to a port (`ports=<port>` in the query), data on channel 0 and
//! errors on channel 1, each opened by the port as 2 little-endian bytes. The protocol has no
//! half-close: shutting down the write side only flushes.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use futures_util::{Sink, Stream};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use kclient_apimachinery::portforward::check_port_prefix;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::RemoteError;

/// Largest payload put in one message (client-go's 32 KiB data buffer).
const MAX_MESSAGE: usize = 32 * 1024;
/// The most error-channel text kept.
const MAX_ERROR_TEXT: usize = 64 * 1024;

/// One forwarded connection over a `v4.channel.k8s.io` WebSocket.
pub(crate) struct V4Stream {
    ws: WebSocketStream<TokioIo<Upgraded>>,
    port: u16,
    /// Whether the port prefix was seen on (data, error).
    prefixed: [bool; 2],
    pending: Bytes,
    error: Vec<u8>,
    eof: bool,
    /// A write is buffered in the WebSocket and not yet flushed.
    unflushed: bool,
}

impl V4Stream {
    pub(crate) fn new(ws: WebSocketStream<TokioIo<Upgraded>>, port: u16) -> Self {
        Self {
            ws,
            port,
            prefixed: [false; 2],
            pending: Bytes::new(),
            error: Vec::new(),
            eof: false,
            unflushed: false,
        }
    }

    fn remote_error(&self) -> Option<io::Error> {
        (!self.error.is_empty()).then(|| {
            io::Error::other(RemoteError {
                port: self.port,
                text: String::from_utf8_lossy(&self.error).into_owned(),
            })
        })
    }
}

fn ws_error(e: tokio_tungstenite::tungstenite::Error) -> io::Error {
    match e {
        tokio_tungstenite::tungstenite::Error::Io(e) => e,
        other => io::Error::other(other),
    }
}

impl AsyncRead for V4Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // Writes flush eagerly; finish one that could not complete then.
        if this.unflushed
            && let Poll::Ready(_) = Pin::new(&mut this.ws).poll_flush(cx)
        {
            this.unflushed = false;
        }
        loop {
            if !this.pending.is_empty() {
                let n = this.pending.len().min(buf.remaining());
                buf.put_slice(&this.pending[..n]);
                this.pending.advance(n);
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(this.remote_error().map_or(Ok(()), Err));
            }
            let message = match ready!(Pin::new(&mut this.ws).poll_next(cx)) {
                None | Some(Ok(Message::Close(_))) => {
                    this.eof = true;
                    continue;
                }
                Some(Err(e)) => {
                    use tokio_tungstenite::tungstenite::Error as E;
                    if matches!(e, E::ConnectionClosed | E::AlreadyClosed) {
                        this.eof = true;
                        continue;
                    }
                    return Poll::Ready(Err(this.remote_error().unwrap_or_else(|| ws_error(e))));
                }
                Some(Ok(Message::Binary(b))) => b,
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "unexpected text message on a v4.channel.k8s.io port-forward",
                    )));
                }
                Some(Ok(_)) => continue,
            };
            let Some((&channel, payload)) = message.split_first() else {
                continue;
            };
            let index = match channel {
                0 | 1 => usize::from(channel),
                other => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "message on channel {other}, but only port 0's channels (0, 1) exist"
                        ),
                    )));
                }
            };
            if !this.prefixed[index] {
                check_port_prefix(payload, this.port)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                this.prefixed[index] = true;
                continue;
            }
            if index == 0 {
                this.pending = message.slice(1..);
            } else {
                let room = MAX_ERROR_TEXT.saturating_sub(this.error.len());
                this.error
                    .extend_from_slice(&payload[..payload.len().min(room)]);
                if let Some(e) = this.remote_error() {
                    this.eof = true;
                    return Poll::Ready(Err(e));
                }
            }
        }
    }
}

impl AsyncWrite for V4Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(ws_error)?;
        let n = buf.len().min(MAX_MESSAGE);
        let mut message = BytesMut::with_capacity(n + 1);
        message.extend_from_slice(&[0]);
        message.extend_from_slice(&buf[..n]);
        Pin::new(&mut self.ws)
            .start_send(Message::Binary(message.freeze()))
            .map_err(ws_error)?;
        // client-go writes one message per Write and sends it at once; do the same, so a
        // caller that never flushes (write_all, then read) still gets its bytes sent.
        self.unflushed = Pin::new(&mut self.ws).poll_flush(cx).is_pending();
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(Pin::new(&mut self.ws).poll_flush(cx)).map_err(ws_error)?;
        self.unflushed = false;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
