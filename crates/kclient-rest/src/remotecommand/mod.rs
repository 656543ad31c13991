//! Exec and attach over WebSocket: the protocol engine behind `pods/exec` and `pods/attach`.
//! Mirrors client-go's `tools/remotecommand` (`NewWebSocketExecutor`, `StreamWithContext`, the
//! v4/v5 stream handlers and `errorDecoderV4`); the frame and status encodings themselves are in
//! `kclient_apimachinery::remotecommand`.
//!
//! [`Request::remote_command`] upgrades a request (offering `v5.channel.k8s.io`, then
//! `v4.channel.k8s.io`) and returns a [`RemoteCommand`]: an async writer for stdin (shutting it
//! down or dropping it sends CLOSE under v5), async readers for stdout and stderr, a terminal
//! size sender (with a TTY), and the final [`ExitStatus`]. A non-zero exit code is a value; a
//! `Failure` status from the server is [`Error::Api`] with that status.
//!
//! One task per command reads the WebSocket (demultiplexing into the pipes) and writes it
//! (stdin, resizes, pings every 5 s). It ends when the server closes the connection, when no
//! pong arrives within 61 s, or when every handle of the command has been dropped.

mod engine;
mod handles;

use std::time::Duration;

use kclient_apimachinery::remotecommand::{Protocol, WEBSOCKET_CLIENT_PROTOCOLS};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;

pub use handles::{ExecOutput, RemoteCommand, RemoteOutput, RemoteStdin, TerminalSizeSender};

use crate::{Error, Request, WebSocketConnection};

/// Which streams a remote command has (client-go's `StreamOptions`, minus the actual readers
/// and writers, which the [`RemoteCommand`] hands out). The same flags go into the request's
/// query (`stdin`, `stdout`, `stderr`, `tty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamOptions {
    /// Send standard input.
    pub stdin: bool,
    /// Receive standard output.
    pub stdout: bool,
    /// Receive standard error (never with a TTY: the terminal merges it into stdout).
    pub stderr: bool,
    /// Allocate a terminal; enables resizes.
    pub tty: bool,
}

/// Heartbeat and deadline settings of a remote-command stream (client-go's values by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamSettings {
    /// How often a WebSocket ping is sent (client-go: 5 s).
    pub ping_period: Duration,
    /// How long without a pong before the stream fails (client-go: 12 × 5 s + 1 s = 61 s).
    /// Data does not extend it; only pongs do.
    pub pong_timeout: Duration,
    /// How long one message write may take (client-go: 60 s).
    pub write_timeout: Duration,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            ping_period: Duration::from_secs(5),
            pong_timeout: Duration::from_secs(61),
            write_timeout: Duration::from_secs(60),
        }
    }
}

/// How a remote command ended when it ran to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// Exit code 0.
    Success,
    /// A non-zero exit code (client-go's `exec.CodeExitError`).
    Code(u8),
}

impl ExitStatus {
    /// The exit code (0 for success).
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Code(code) => code,
        }
    }

    /// Whether the command exited with 0.
    pub fn success(self) -> bool {
        self == ExitStatus::Success
    }
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitStatus::Success => f.write_str("exit code 0"),
            ExitStatus::Code(code) => write!(f, "command terminated with exit code {code}"),
        }
    }
}

impl Request {
    /// Upgrades this (GET) request to a WebSocket offering `v5.channel.k8s.io` then
    /// `v4.channel.k8s.io` and runs it as a remote command with the streams of `options`. The
    /// request's query must already say the same (`stdin=true`, …); the typed pods client does
    /// both. See [`Request::upgrade_websocket`] for handshake errors.
    pub async fn remote_command(
        self,
        options: StreamOptions,
        settings: StreamSettings,
    ) -> Result<RemoteCommand, Error> {
        let connection = self.upgrade_websocket(&WEBSOCKET_CLIENT_PROTOCOLS).await?;
        RemoteCommand::start(connection, options, settings)
    }
}

impl RemoteCommand {
    /// Runs a remote command over an upgraded connection (see [`Request::remote_command`]).
    pub fn start(
        connection: WebSocketConnection,
        options: StreamOptions,
        settings: StreamSettings,
    ) -> Result<RemoteCommand, Error> {
        let WebSocketConnection {
            socket,
            protocol,
            url,
        } = connection;
        RemoteCommand::from_socket(socket, &protocol, url, options, settings)
    }

    /// Runs a remote command over any client-role WebSocket whose negotiated subprotocol is
    /// `protocol` (an empty name is v1). `url` is used in error messages. Only the binary
    /// protocols are supported (`channel.k8s.io`, `v4.channel.k8s.io`, `v5.channel.k8s.io`).
    pub fn from_socket<S>(
        socket: WebSocketStream<S>,
        protocol: &str,
        url: String,
        options: StreamOptions,
        settings: StreamSettings,
    ) -> Result<RemoteCommand, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let negotiated = Protocol::from_name(protocol)
            .filter(|p| !p.is_base64())
            .ok_or_else(|| Error::Upgrade {
                url: url.clone(),
                reason: format!("unsupported remote command protocol {protocol:?}"),
            })?;
        Ok(engine::spawn(socket, negotiated, url, options, settings))
    }
}
