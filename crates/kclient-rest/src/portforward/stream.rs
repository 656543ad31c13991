//! One forwarded connection to a pod port: the data/error stream pair of client-go's
//! `handleConnection`, as an `AsyncRead + AsyncWrite`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use kclient_apimachinery::httpstream::spdy::{FLAG_FIN, Frame, RstStatus};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, oneshot};

use crate::httpstream::{SpdyStream, StreamReader};

/// Largest `DATA` frame written (the peer accepts up to 16 MiB; client-go copies 32 KiB).
const MAX_WRITE: usize = 128 * 1024;
/// The most error-stream text kept.
const MAX_ERROR_TEXT: usize = 64 * 1024;

type Reserve = Pin<
    Box<dyn Future<Output = Result<mpsc::OwnedPermit<Frame>, mpsc::error::SendError<()>>> + Send>,
>;

/// Anything a forwarded stream can ride on.
pub(crate) trait StreamIo: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> StreamIo for T {}

/// A byte stream to one port of a pod, over a port-forward connection.
///
/// Reads return what the pod's port sends; end of stream means the pod closed it. When the
/// server reports a forwarding error (nothing listens on the port, the pod went away), reads
/// fail with that text. Writes go to the pod's port; `shutdown` half-closes. Dropping the
/// stream resets it, as client-go does when a local connection ends.
pub struct ForwardedStream {
    port: u16,
    io: Pin<Box<dyn StreamIo>>,
}

impl std::fmt::Debug for ForwardedStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardedStream")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl ForwardedStream {
    pub(crate) fn new(port: u16, io: impl StreamIo + 'static) -> Self {
        Self {
            port,
            io: Box::pin(io),
        }
    }

    /// The remote port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl AsyncRead for ForwardedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.io.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for ForwardedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.as_mut().poll_shutdown(cx)
    }
}

/// What the server wrote on a port's error stream (or channel): the `io::Error` a
/// [`ForwardedStream`] read fails with wraps this (find it with `get_ref()?.downcast_ref()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteError {
    /// The remote port.
    pub port: u16,
    /// The server's text, such as `error forwarding port 81 to pod web, uid ...`.
    pub text: String,
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for RemoteError {}

impl RemoteError {
    /// The server's error behind an I/O error of a forwarded stream, if that is what it is.
    pub fn from_io(e: &io::Error) -> Option<&RemoteError> {
        e.get_ref()?.downcast_ref()
    }
}

/// The SPDY form: a data stream and its error stream.
pub(crate) struct SpdyPair {
    port: u16,
    id: u32,
    reader: StreamReader,
    out: mpsc::Sender<Frame>,
    pending: Bytes,
    reserve: Option<Reserve>,
    error: Option<oneshot::Receiver<String>>,
    error_text: Option<String>,
    eof: bool,
    /// The data stream failed after data that was still handed out.
    failed: bool,
    write_closed: bool,
}

impl SpdyPair {
    /// Pairs a data stream with its error stream (the error stream's text is collected by a
    /// small task that ends with the stream or the connection).
    pub(crate) fn new(port: u16, data: SpdyStream, error: SpdyStream) -> Self {
        let id = data.id();
        let out = data.writer().sender();
        let (reader, _) = data.split();
        let (tx, rx) = oneshot::channel();
        let (mut error_reader, _) = error.split();
        tokio::spawn(async move {
            let mut text = Vec::new();
            while let Ok(Some(chunk)) = error_reader.read().await {
                let room = MAX_ERROR_TEXT.saturating_sub(text.len());
                text.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            let _ = tx.send(String::from_utf8_lossy(&text).into_owned());
        });
        Self {
            port,
            id,
            reader,
            out,
            pending: Bytes::new(),
            reserve: None,
            error: Some(rx),
            error_text: None,
            eof: false,
            failed: false,
            write_closed: false,
        }
    }

    /// Waits for the error stream to end; `Some(text)` when the server reported an error.
    fn poll_error(&mut self, cx: &mut Context<'_>) -> Poll<Option<String>> {
        if let Some(rx) = self.error.as_mut() {
            let text = ready!(Pin::new(rx).poll(cx)).unwrap_or_default();
            self.error = None;
            self.error_text = Some(text);
        }
        Poll::Ready(self.error_text.clone().filter(|t| !t.is_empty()))
    }

    fn forwarding_error(&self, text: &str) -> io::Error {
        io::Error::other(RemoteError {
            port: self.port,
            text: text.to_string(),
        })
    }

    fn poll_reserve(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<mpsc::OwnedPermit<Frame>>> {
        let fut = self
            .reserve
            .get_or_insert_with(|| Box::pin(self.out.clone().reserve_owned()));
        let result = ready!(fut.as_mut().poll(cx));
        self.reserve = None;
        Poll::Ready(result.map_err(|_| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the port-forward connection is closed",
            )
        }))
    }
}

impl AsyncRead for SpdyPair {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let mut copied = false;
        loop {
            if !this.pending.is_empty() {
                let n = this.pending.len().min(buf.remaining());
                buf.put_slice(&this.pending[..n]);
                this.pending.advance(n);
                copied = true;
            }
            if copied {
                // Fill the caller's buffer with what else is queued (fewer, larger writes
                // downstream); return what there is once the queue is empty or the stream ends.
                if buf.remaining() == 0 || this.eof {
                    return Poll::Ready(Ok(()));
                }
                match this.reader.poll_read_chunk(cx) {
                    Poll::Ready(Ok(Some(chunk))) => {
                        this.pending = chunk;
                        continue;
                    }
                    Poll::Ready(Ok(None)) => {
                        this.eof = true;
                        return Poll::Ready(Ok(()));
                    }
                    // An error is reported by the next read, after this data.
                    Poll::Ready(Err(_)) => {
                        this.eof = true;
                        this.failed = true;
                        return Poll::Ready(Ok(()));
                    }
                    Poll::Pending => return Poll::Ready(Ok(())),
                }
            }
            if this.failed {
                this.failed = false;
                return match ready!(this.poll_error(cx)) {
                    Some(text) => Poll::Ready(Err(this.forwarding_error(&text))),
                    None => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::ConnectionReset,
                        "the port-forward stream was reset",
                    ))),
                };
            }
            if this.eof {
                // The data stream ended: report the server's error, if it sent one.
                return match ready!(this.poll_error(cx)) {
                    Some(text) => Poll::Ready(Err(this.forwarding_error(&text))),
                    None => Poll::Ready(Ok(())),
                };
            }
            match ready!(this.reader.poll_read_chunk(cx)) {
                Ok(Some(chunk)) => this.pending = chunk,
                Ok(None) => this.eof = true,
                Err(e) => {
                    this.eof = true;
                    // A reset data stream usually comes with the reason on the error stream.
                    return match ready!(this.poll_error(cx)) {
                        Some(text) => Poll::Ready(Err(this.forwarding_error(&text))),
                        None => Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionReset, e))),
                    };
                }
            }
        }
    }
}

impl AsyncWrite for SpdyPair {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.write_closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the stream is shut down",
            )));
        }
        if let Some(text) = self.error_text.clone().filter(|t| !t.is_empty()) {
            return Poll::Ready(Err(self.forwarding_error(&text)));
        }
        let permit = ready!(self.poll_reserve(cx))?;
        let n = buf.len().min(MAX_WRITE);
        permit.send(Frame::Data {
            stream_id: self.id,
            flags: 0,
            data: Bytes::copy_from_slice(&buf[..n]),
        });
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.write_closed {
            return Poll::Ready(Ok(()));
        }
        let permit = ready!(self.poll_reserve(cx))?;
        permit.send(Frame::Data {
            stream_id: self.id,
            flags: FLAG_FIN,
            data: Bytes::new(),
        });
        self.write_closed = true;
        Poll::Ready(Ok(()))
    }
}

impl Drop for SpdyPair {
    fn drop(&mut self) {
        // client-go resets the data stream once a local connection is done with it.
        let _ = self.out.try_send(Frame::RstStream {
            stream_id: self.id,
            status: RstStatus::CANCEL,
        });
    }
}
