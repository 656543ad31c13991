//! The task of one remote command: demultiplexes server frames into the stdout/stderr pipes and
//! the error-channel buffer, multiplexes stdin, resizes and pings onto the WebSocket, and turns
//! the error channel into the final status when the server closes the connection (client-go's
//! `wsStreamCreator.readDemuxLoop`, `heartbeat`, `streamProtocolV4.stream`).

use std::convert::Infallible;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use kclient_apimachinery::remotecommand::{
    Channel, Frame, Protocol, RemoteOutcome, TerminalSize, decode_binary_frame,
    decode_error_channel_for, encode_close_frame, encode_data_frame,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::handles::{RemoteCommand, RemoteOutput, RemoteStdin, TerminalSizeSender};
use super::{ExitStatus, StreamOptions, StreamSettings};
use crate::Error;

/// Capacity of each local pipe, and the largest stdin message (client-go's 32 KiB buffers).
const PIPE_CAPACITY: usize = 64 * 1024;
const STDIN_CHUNK: usize = 32 * 1024;
/// The most the error channel may carry (one `Status`).
const MAX_ERROR_CHANNEL: usize = 64 * 1024;

/// Sets up the pipes and handles and spawns the command's task.
pub(super) fn spawn<S>(
    socket: WebSocketStream<S>,
    protocol: Protocol,
    url: String,
    options: StreamOptions,
    settings: StreamSettings,
) -> RemoteCommand
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (alive, alive_rx) = mpsc::channel::<()>(1);
    let (status_tx, status_rx) = oneshot::channel();

    let (stdin, stdin_source) = match options.stdin {
        true => {
            let (user, task) = tokio::io::duplex(PIPE_CAPACITY);
            (
                Some(RemoteStdin {
                    pipe: user,
                    _alive: alive.clone(),
                }),
                Some(task),
            )
        }
        false => (None, None),
    };
    let output = |wanted: bool| match wanted {
        true => {
            let (user, task) = tokio::io::duplex(PIPE_CAPACITY);
            (
                Some(RemoteOutput {
                    pipe: user,
                    _alive: alive.clone(),
                }),
                Some(task),
            )
        }
        false => (None, None),
    };
    let (stdout, stdout_sink) = output(options.stdout);
    // client-go creates no stderr stream with a TTY: the terminal merges it into stdout.
    let (stderr, stderr_sink) = output(options.stderr && !options.tty);
    let (resize, resize_rx) = match options.tty {
        true => {
            let (tx, rx) = mpsc::channel(16);
            (
                Some(TerminalSizeSender {
                    tx,
                    url: url.clone(),
                    _alive: alive.clone(),
                }),
                Some(rx),
            )
        }
        false => (None, None),
    };

    let task = Task {
        protocol,
        url: url.clone(),
        settings,
    };
    tokio::spawn(async move {
        let result = task
            .run(
                socket,
                Pipes {
                    stdout: stdout_sink,
                    stderr: stderr_sink,
                },
                stdin_source,
                resize_rx,
                alive_rx,
            )
            .await;
        if let Some(result) = result {
            let _ = status_tx.send(result);
        }
    });

    RemoteCommand {
        stdin,
        stdout,
        stderr,
        resize,
        status: status_rx,
        protocol,
        url,
        _alive: alive,
    }
}

/// The task-side ends of the output pipes; `None` once closed or no longer read.
struct Pipes {
    stdout: Option<DuplexStream>,
    stderr: Option<DuplexStream>,
}

impl Pipes {
    fn slot(&mut self, channel: u8) -> Option<&mut Option<DuplexStream>> {
        match Channel::from_id(channel) {
            Some(Channel::Stdout) => Some(&mut self.stdout),
            Some(Channel::Stderr) => Some(&mut self.stderr),
            _ => None,
        }
    }
}

struct Task {
    protocol: Protocol,
    url: String,
    settings: StreamSettings,
}

impl Task {
    /// Runs until the server ends the command (`Some(result)`) or every handle is gone (`None`).
    async fn run<S>(
        &self,
        socket: WebSocketStream<S>,
        pipes: Pipes,
        stdin: Option<DuplexStream>,
        resize: Option<mpsc::Receiver<TerminalSize>>,
        mut alive: mpsc::Receiver<()>,
    ) -> Option<Result<ExitStatus, Error>>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (sink, stream) = socket.split();
        tokio::select! {
            result = self.read_loop(stream, pipes) => Some(result),
            never = self.write_loop(sink, stdin, resize) => match never {},
            _ = alive.recv() => {
                tracing::debug!(url = %self.url, "remote command abandoned; closing the stream");
                None
            }
        }
    }

    fn error(&self, reason: String, source: Option<WsError>) -> Error {
        Error::Stream {
            url: self.url.clone(),
            reason,
            source: source.map(|e| Box::new(e) as crate::BoxError),
        }
    }

    /// Reads frames until the server closes the connection, then decodes the error channel.
    async fn read_loop<S>(
        &self,
        mut stream: SplitStream<WebSocketStream<S>>,
        mut pipes: Pipes,
    ) -> Result<ExitStatus, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let pong_timeout = self.settings.pong_timeout;
        let mut deadline = Instant::now() + pong_timeout;
        let mut error_channel = Vec::new();
        loop {
            let message = match tokio::time::timeout_at(deadline, stream.next()).await {
                Err(_) => {
                    return Err(self.error(
                        format!("next reader: no pong received within {pong_timeout:?}"),
                        None,
                    ));
                }
                Ok(None) | Ok(Some(Err(WsError::ConnectionClosed))) => break,
                Ok(Some(Err(e))) => return Err(self.error(format!("next reader: {e}"), Some(e))),
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Binary(data) => match decode_binary_frame(&data, self.protocol) {
                    Ok(Frame::Empty) => {}
                    Ok(Frame::Close { channel }) => {
                        if let Some(slot) = pipes.slot(channel) {
                            *slot = None;
                        }
                    }
                    Ok(Frame::Data { channel, payload }) => {
                        if channel == Channel::Error.id() {
                            if error_channel.len() + payload.len() > MAX_ERROR_CHANNEL {
                                return Err(self.error(
                                    format!(
                                        "the error stream is longer than {MAX_ERROR_CHANNEL} bytes"
                                    ),
                                    None,
                                ));
                            }
                            error_channel.extend_from_slice(payload);
                        } else if let Some(slot) = pipes.slot(channel) {
                            deliver(slot, payload).await;
                        } else {
                            tracing::debug!(channel, "Unknown stream, discarding message");
                        }
                    }
                    Err(e) => {
                        return Err(self.error(e.to_string(), None));
                    }
                },
                Message::Pong(_) => deadline = Instant::now() + pong_timeout,
                Message::Ping(_) | Message::Frame(_) => {}
                Message::Text(_) => {
                    return Err(self.error("unexpected message type: 1 (text)".into(), None));
                }
                Message::Close(frame) => match frame {
                    Some(frame) if frame.code != CloseCode::Normal => {
                        return Err(self.error(
                            format!(
                                "next reader: websocket: close {} {}",
                                u16::from(frame.code),
                                frame.reason
                            ),
                            None,
                        ));
                    }
                    _ => break,
                },
            }
        }
        // End of stream: the readers see EOF, and the error channel decides the outcome.
        drop(pipes);
        match decode_error_channel_for(self.protocol, &error_channel) {
            Ok(RemoteOutcome::Success) => Ok(ExitStatus::Success),
            Ok(RemoteOutcome::ExitCode(0)) => Ok(ExitStatus::Success),
            Ok(RemoteOutcome::ExitCode(code)) => Ok(ExitStatus::Code(code)),
            Ok(RemoteOutcome::Failure(status)) => Err(Error::Api {
                status,
                verb: http::Method::GET,
                url: self.url.clone(),
            }),
            Err(e) => Err(self.error(e.to_string(), None)),
        }
    }

    /// Sends stdin, resizes and pings. Never returns: a failed write stops the writing, and the
    /// read side reports how the connection ended.
    async fn write_loop<S>(
        &self,
        mut sink: SplitSink<WebSocketStream<S>, Message>,
        mut stdin: Option<DuplexStream>,
        mut resize: Option<mpsc::Receiver<TerminalSize>>,
    ) -> Infallible
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let period = self.settings.ping_period;
        let mut ping = tokio::time::interval_at(Instant::now() + period, period);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut buf = vec![0u8; STDIN_CHUNK];
        let write_timeout = self.settings.write_timeout;
        loop {
            let message = tokio::select! {
                read = read_some(&mut stdin, &mut buf) => match read {
                    Some(n) => Message::Binary(Bytes::from(encode_data_frame(Channel::Stdin, &buf[..n]))),
                    None => {
                        stdin = None;
                        if !self.protocol.supports_close() {
                            continue;
                        }
                        Message::Binary(Bytes::copy_from_slice(&encode_close_frame(Channel::Stdin)))
                    }
                },
                size = next_size(&mut resize) => match size {
                    Some(size) => Message::Binary(Bytes::from(encode_data_frame(Channel::Resize, &size.encode()))),
                    None => {
                        resize = None;
                        continue;
                    }
                },
                _ = ping.tick() => Message::Ping(Bytes::new()),
            };
            let is_ping = matches!(message, Message::Ping(_));
            match tokio::time::timeout(write_timeout, sink.send(message)).await {
                Ok(Ok(())) => {}
                // client-go ignores ping timeouts.
                Err(_) if is_ping => {}
                Ok(Err(e)) => {
                    tracing::debug!(url = %self.url, error = %e, "remote command write failed");
                    return std::future::pending().await;
                }
                Err(_) => {
                    tracing::debug!(url = %self.url, "remote command write timed out after {write_timeout:?}");
                    return std::future::pending().await;
                }
            }
        }
    }
}

/// Writes `payload` to an output pipe; a pipe whose reader is gone is dropped (its data
/// discarded from then on).
async fn deliver(slot: &mut Option<DuplexStream>, payload: &[u8]) {
    if payload.is_empty() {
        return;
    }
    if let Some(pipe) = slot
        && pipe.write_all(payload).await.is_err()
    {
        *slot = None;
    }
}

/// The next chunk of stdin; `None` at EOF or error; pending forever when there is no stdin.
async fn read_some(stdin: &mut Option<DuplexStream>, buf: &mut [u8]) -> Option<usize> {
    match stdin {
        Some(pipe) => match pipe.read(buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => Some(n),
        },
        None => std::future::pending().await,
    }
}

/// The next terminal size; `None` when the sender is gone; pending forever when there is none.
async fn next_size(resize: &mut Option<mpsc::Receiver<TerminalSize>>) -> Option<TerminalSize> {
    match resize {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
