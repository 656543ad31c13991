//! The handles a running remote command hands out: stdin writer, stdout/stderr readers,
//! terminal-size sender and the final status. Each holds a keep-alive token: when all of them
//! are dropped, the command's task stops and the connection is closed.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use kclient_apimachinery::remotecommand::{Protocol, TerminalSize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, DuplexStream, ReadBuf};
use tokio::sync::{mpsc, oneshot};

use super::ExitStatus;
use crate::Error;

/// Dropped with the last handle of a command: the task then stops.
pub(super) type KeepAlive = mpsc::Sender<()>;

/// The standard input of a remote command: an [`AsyncWrite`]. Each write becomes one or more
/// messages of at most 32 KiB. `shutdown()` (or dropping it) ends stdin: under
/// `v5.channel.k8s.io` the server's stdin then reaches EOF; v4 has no way to say so.
pub struct RemoteStdin {
    pub(super) pipe: DuplexStream,
    pub(super) _alive: KeepAlive,
}

/// The standard output or standard error of a remote command: an [`AsyncRead`] that ends when
/// the server closes the stream (or the connection). Read it concurrently with writing stdin:
/// when it is not read, the command's output backs up and stops the command (as in client-go).
/// Dropping it discards the rest of that stream.
pub struct RemoteOutput {
    pub(super) pipe: DuplexStream,
    pub(super) _alive: KeepAlive,
}

/// Sends terminal size changes of a TTY session (channel 4).
#[derive(Clone)]
pub struct TerminalSizeSender {
    pub(super) tx: mpsc::Sender<TerminalSize>,
    pub(super) url: String,
    pub(super) _alive: KeepAlive,
}

/// A running exec or attach. Take the streams you need (`stdin.take()` …); those left in place
/// when [`RemoteCommand::status`] is called are closed (stdin) or discarded (output).
pub struct RemoteCommand {
    /// Standard input, when requested.
    pub stdin: Option<RemoteStdin>,
    /// Standard output, when requested.
    pub stdout: Option<RemoteOutput>,
    /// Standard error, when requested without a TTY.
    pub stderr: Option<RemoteOutput>,
    /// Terminal resizes, with a TTY.
    pub resize: Option<TerminalSizeSender>,
    pub(super) status: oneshot::Receiver<Result<ExitStatus, Error>>,
    pub(super) protocol: Protocol,
    pub(super) url: String,
    pub(super) _alive: KeepAlive,
}

/// Everything a finished command wrote, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// The exit status.
    pub status: ExitStatus,
}

impl std::fmt::Debug for RemoteCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteCommand")
            .field("url", &self.url)
            .field("protocol", &self.protocol.name())
            .field("stdin", &self.stdin.is_some())
            .field("stdout", &self.stdout.is_some())
            .field("stderr", &self.stderr.is_some())
            .field("tty", &self.resize.is_some())
            .finish_non_exhaustive()
    }
}

impl RemoteCommand {
    /// The subprotocol the server chose.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Waits for the command to end: `Ok` with its exit status (a non-zero code is a value),
    /// or the error that ended it ([`Error::Api`] with the server's `Status` for failures such
    /// as a missing container, [`Error::Stream`] for a broken connection). Streams not taken
    /// are closed or discarded.
    pub async fn status(self) -> Result<ExitStatus, Error> {
        let RemoteCommand {
            status,
            url,
            stdin,
            stdout,
            stderr,
            resize,
            _alive: alive,
            ..
        } = self;
        drop((stdin, stdout, stderr, resize));
        // The keep-alive is held until the status arrives, so the task keeps running.
        let outcome = status.await;
        drop(alive);
        match outcome {
            Ok(result) => result,
            Err(_) => Err(Error::Stream {
                url,
                reason: "the stream task ended without a status".into(),
                source: None,
            }),
        }
    }

    /// Reads stdout and stderr to their end (at most `max_bytes` each) while waiting for the
    /// status. Stdin, if still here, is closed first.
    pub async fn output(mut self, max_bytes: usize) -> Result<ExecOutput, Error> {
        drop(self.stdin.take());
        let url = self.url.clone();
        let stdout = self.stdout.take();
        let stderr = self.stderr.take();
        let (stdout, stderr, status) = tokio::join!(
            read_all(stdout, max_bytes, &url, "stdout"),
            read_all(stderr, max_bytes, &url, "stderr"),
            self.status()
        );
        Ok(ExecOutput {
            status: status?,
            stdout: stdout?,
            stderr: stderr?,
        })
    }
}

async fn read_all(
    output: Option<RemoteOutput>,
    max_bytes: usize,
    url: &str,
    what: &str,
) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    let Some(output) = output else {
        return Ok(bytes);
    };
    let limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut limited = output.take(limit);
    limited
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| Error::Stream {
            url: url.to_string(),
            reason: format!("reading {what} failed"),
            source: Some(Box::new(e)),
        })?;
    if bytes.len() > max_bytes {
        return Err(Error::Stream {
            url: url.to_string(),
            reason: format!("{what} is longer than {max_bytes} bytes"),
            source: None,
        });
    }
    Ok(bytes)
}

impl TerminalSizeSender {
    /// Sends a new terminal size. Fails once the command has ended.
    pub async fn send(&self, size: TerminalSize) -> Result<(), Error> {
        self.tx.send(size).await.map_err(|_| Error::Stream {
            url: self.url.clone(),
            reason: "the remote command has ended; the terminal size was not sent".into(),
            source: None,
        })
    }
}

impl std::fmt::Debug for TerminalSizeSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalSizeSender").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RemoteStdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteStdin").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RemoteOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteOutput").finish_non_exhaustive()
    }
}

impl AsyncWrite for RemoteStdin {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.pipe).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.pipe).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.pipe).poll_shutdown(cx)
    }
}

impl AsyncRead for RemoteOutput {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.pipe).poll_read(cx, buf)
    }
}
