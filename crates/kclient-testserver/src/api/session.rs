//! The transport of an exec or attach session, so that a session reads and writes channels the
//! same way whichever the client chose:
//!
//! - a WebSocket (kubectl 1.30+, client-go's WebSocket executor): channel-prefixed messages, as
//!   the apiserver's v5 translator and the kubelet's WebSocket server speak them
//!   (`k8s.io/streaming/pkg/httpstream/wsstream`);
//! - SPDY/3.1 (`POST` with `Upgrade: SPDY/3.1`: kubectl before 1.30, client-go's SPDY executor,
//!   kubectl's fallback, `KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`): one stream per channel,
//!   told apart by the `streamType` header, as the kubelet's server takes them
//!   (`cri-streaming/pkg/streaming/remotecommand/httpstream.go`: `createHTTPStreamStreams`,
//!   `waitStreamReply`, `v4WriteStatusFunc`).
//!
//! A session sends through a [`Wire`] and receives [`Incoming`] events from an [`Inbound`].

use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use kclient_apimachinery::httpstream::spdy::Headers;
use kclient_apimachinery::httpstream::{HEADER_PROTOCOL_VERSION, SPDY_31};
use kclient_apimachinery::remotecommand::{
    self as rc, Channel, DEFAULT_STREAM_CREATION_TIMEOUT, Protocol,
};
use kclient_rest::httpstream::{SpdyConfig, SpdyConnection, StreamReader, StreamWriter};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::remote::{self, Incoming, Streams};
use super::response::{self, Body};
use super::status::ApiError;
use super::websocket::{self, WebSocket};

/// The SPDY stream protocols the kubelet serves exec and attach with
/// (`SupportedStreamingProtocols`: no v5 over SPDY), in its order.
pub const SPDY_PROTOCOLS: [&str; 4] = [
    rc::STREAM_PROTOCOL_V4_NAME,
    rc::STREAM_PROTOCOL_V3_NAME,
    rc::STREAM_PROTOCOL_V2_NAME,
    rc::STREAM_PROTOCOL_V1_NAME,
];

/// The header that names a SPDY stream's channel (`api.StreamType`).
const HEADER_STREAM_TYPE: &str = "streamType";

/// How long a SPDY session waits for the client to create its streams.
const STREAM_CREATION_TIMEOUT: Duration = DEFAULT_STREAM_CREATION_TIMEOUT;

/// How the client upgraded, with the negotiated protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A WebSocket.
    WebSocket(Protocol),
    /// SPDY/3.1.
    Spdy(Protocol),
}

/// `httpstream.Handshake` for a plain SPDY upgrade: the first protocol the client offers (in
/// its `X-Stream-Protocol-Version` headers) that `supported` lists; `""` when the client
/// offers none (a legacy client). 403 when nothing matches, worded as the kubelet does. Returns
/// the 101 answer and the chosen protocol.
pub fn spdy_handshake(
    headers: &HeaderMap,
    supported: &[&'static str],
) -> Result<(Response<Body>, &'static str), ApiError> {
    let offered: Vec<&str> = headers
        .get_all(HEADER_PROTOCOL_VERSION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let chosen = if offered.is_empty() {
        ""
    } else {
        offered
            .iter()
            .find_map(|o| supported.iter().find(|s| *s == o))
            .copied()
            .ok_or_else(|| ApiError {
                code: 403,
                reason: "Forbidden",
                message: format!(
                    "unable to upgrade: unable to negotiate protocol: client supports [{}], server supports [{}]",
                    offered.join(" "),
                    supported.join(" ")
                ),
                details: None,
            })?
    };
    let mut resp = Response::new(response::full(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static(SPDY_31));
    if !chosen.is_empty() {
        h.insert(HEADER_PROTOCOL_VERSION, HeaderValue::from_static(chosen));
    }
    Ok((resp, chosen))
}

/// Accepts an exec or attach upgrade (WebSocket or SPDY): the 101 answer and the transport.
pub fn accept(headers: &HeaderMap) -> Result<(Response<Body>, Transport), ApiError> {
    if websocket::is_websocket(headers) {
        let (resp, name) = websocket::accept(headers, &remote::PROTOCOLS)?;
        let protocol = Protocol::from_name(name).unwrap_or(Protocol::V1);
        return Ok((resp, Transport::WebSocket(protocol)));
    }
    if !super::portforward::is_spdy_upgrade(headers) {
        return Err(ApiError::bad_request("Upgrade request required"));
    }
    let (resp, name) = spdy_handshake(headers, &SPDY_PROTOCOLS)?;
    let protocol = Protocol::from_name(name).unwrap_or(Protocol::V1);
    Ok((resp, Transport::Spdy(protocol)))
}

/// Takes over the upgraded connection and sets the session's channels up (for SPDY: waits for
/// the streams the request asked for). `None` when the client went away first.
pub async fn connect(
    transport: Transport,
    upgrade: OnUpgrade,
    streams: Streams,
) -> Option<(Wire, Inbound)> {
    match transport {
        Transport::WebSocket(protocol) => {
            let ws = websocket::upgraded(upgrade).await.ok()?;
            let (sink, stream) = ws.split();
            Some((
                Wire {
                    protocol,
                    out: Out::Ws(sink),
                },
                Inbound::Ws { stream, protocol },
            ))
        }
        Transport::Spdy(protocol) => {
            let io = TokioIo::new(upgrade.await.ok()?);
            // The kubelet sends no pings of its own; it answers the client's.
            let config = SpdyConfig {
                ping_period: None,
                ..SpdyConfig::default()
            };
            let conn = SpdyConnection::server(io, config).ok()?;
            tokio::time::timeout(
                STREAM_CREATION_TIMEOUT,
                spdy_streams(conn, protocol, streams),
            )
            .await
            .ok()?
        }
    }
}

/// The streams a SPDY client creates for `streams` (`createHTTPStreamStreams`): error always;
/// stdin, stdout as asked; stderr unless there is a TTY; resize with a TTY (v3+).
fn expected(streams: Streams, protocol: Protocol) -> Vec<Channel> {
    let mut want = vec![Channel::Error];
    if streams.stdin {
        want.push(Channel::Stdin);
    }
    if streams.stdout {
        want.push(Channel::Stdout);
    }
    if streams.stderr && !streams.tty {
        want.push(Channel::Stderr);
    }
    if streams.tty && !matches!(protocol, Protocol::V1 | Protocol::V2) {
        want.push(Channel::Resize);
    }
    want
}

async fn spdy_streams(
    mut conn: SpdyConnection,
    protocol: Protocol,
    streams: Streams,
) -> Option<(Wire, Inbound)> {
    let want = expected(streams, protocol);
    let mut writers: Vec<(Channel, StreamWriter)> = Vec::new();
    let mut readers: Vec<(Channel, StreamReader)> = Vec::new();
    while writers.len() < want.len() {
        let stream = conn.accept().await?;
        let kind = stream.headers().get(HEADER_STREAM_TYPE).unwrap_or_default();
        let channel = want
            .iter()
            .copied()
            .find(|c| c.stream_type() == kind && !writers.iter().any(|(w, _)| w == c));
        let Some(channel) = channel else {
            tracing::debug!(
                stream_type = kind,
                "exec/attach: unexpected SPDY stream reset"
            );
            let _ = stream.writer().reset().await;
            continue;
        };
        stream.writer().reply(Headers::new()).await.ok()?;
        let (reader, writer) = stream.split();
        writers.push((channel, writer));
        if matches!(channel, Channel::Stdin | Channel::Resize) {
            readers.push((channel, reader));
        }
    }
    let (tx, rx) = mpsc::channel(16);
    let task = tokio::spawn(spdy_inbound(readers, tx));
    Some((
        Wire {
            protocol,
            out: Out::Spdy { conn, writers },
        },
        Inbound::Spdy { rx, task },
    ))
}

/// Turns the client's stdin and resize streams into events; ends when both are done (the
/// receiver then reports [`Incoming::End`] once the connection is gone).
async fn spdy_inbound(readers: Vec<(Channel, StreamReader)>, tx: mpsc::Sender<Incoming>) {
    let mut pumps = tokio::task::JoinSet::new();
    let mut lost = false;
    for (channel, mut reader) in readers {
        let tx = tx.clone();
        pumps.spawn(async move {
            loop {
                let event = match reader.read().await {
                    Ok(Some(chunk)) if channel == Channel::Resize => {
                        Incoming::Resize(chunk.to_vec())
                    }
                    Ok(Some(chunk)) => Incoming::Stdin(chunk.to_vec()),
                    Ok(None) if channel == Channel::Stdin => {
                        let _ = tx.send(Incoming::CloseStdin).await;
                        return false;
                    }
                    Ok(None) => return false,
                    // A reset stream or a lost connection.
                    Err(_) => return true,
                };
                if tx.send(event).await.is_err() {
                    return false;
                }
            }
        });
    }
    while let Some(done) = pumps.join_next().await {
        lost |= done.unwrap_or(true);
    }
    if lost {
        let _ = tx.send(Incoming::End).await;
    } else {
        // Input is over but the session goes on; the client leaving is seen by the writes.
        std::future::pending::<()>().await;
    }
}

/// Where a session's events come from.
pub enum Inbound {
    /// The WebSocket's messages.
    Ws {
        /// The receiving half.
        stream: SplitStream<WebSocket>,
        /// The negotiated protocol.
        protocol: Protocol,
    },
    /// Events from the SPDY streams' task.
    Spdy {
        /// The events.
        rx: mpsc::Receiver<Incoming>,
        /// The task (stopped when this is dropped).
        task: JoinHandle<()>,
    },
}

impl Inbound {
    /// The next event; [`Incoming::End`] once the client is gone.
    pub async fn next(&mut self) -> Incoming {
        match self {
            Inbound::Ws { stream, protocol } => match stream.next().await {
                Some(Ok(msg)) => remote::incoming(msg, *protocol),
                None | Some(Err(_)) => Incoming::End,
            },
            Inbound::Spdy { rx, .. } => rx.recv().await.unwrap_or(Incoming::End),
        }
    }
}

impl Drop for Inbound {
    fn drop(&mut self) {
        if let Inbound::Spdy { task, .. } = self {
            task.abort();
        }
    }
}

enum Out {
    Ws(SplitSink<WebSocket, Message>),
    Spdy {
        conn: SpdyConnection,
        writers: Vec<(Channel, StreamWriter)>,
    },
}

/// The sending side of a session: output channels and the final status.
pub struct Wire {
    protocol: Protocol,
    out: Out,
}

impl Wire {
    /// Sends `data` on `channel`; `false` when the client is gone. Over SPDY a channel the
    /// client did not open is skipped.
    pub async fn send(&mut self, channel: Channel, data: &[u8]) -> bool {
        match &mut self.out {
            Out::Ws(sink) => {
                let msg = if self.protocol.is_base64() {
                    Message::text(rc::encode_base64_text_frame(channel, data))
                } else {
                    Message::binary(rc::encode_data_frame(channel, data))
                };
                sink.send(msg).await.is_ok()
            }
            Out::Spdy { writers, .. } => {
                let Some((_, w)) = writers.iter().find(|(c, _)| *c == channel) else {
                    return true;
                };
                data.is_empty() || w.write(Bytes::copy_from_slice(data)).await.is_ok()
            }
        }
    }

    /// The readiness signal a WebSocket server sends right after the upgrade: an empty message
    /// on the lowest writable channel (SPDY has none: creating the streams was the handshake).
    pub async fn ready(&mut self, channel: Channel) -> bool {
        match self.out {
            Out::Ws(_) => self.send(channel, &[]).await,
            Out::Spdy { .. } => true,
        }
    }

    /// Writes how the command ended on the error channel (v4/v5: a `Status`; older: the
    /// message text, nothing on success), then closes the connection normally.
    pub async fn finish(mut self, exit: i32) {
        let code = u8::try_from(exit & 0xff).unwrap_or(u8::MAX);
        let status = if code == 0 {
            rc::success_status()
        } else {
            rc::exit_code_status(code)
        };
        if self.protocol.status_on_error_channel() {
            let _ = self.send(Channel::Error, &rc::encode_status(&status)).await;
        } else if let Some(message) = status.message.as_deref().filter(|_| code != 0) {
            let _ = self.send(Channel::Error, message.as_bytes()).await;
        }
        match self.out {
            Out::Ws(mut sink) => {
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code: CloseCode::Normal,
                        reason: "".into(),
                    })))
                    .await;
                let _ = sink.close().await;
            }
            Out::Spdy { conn, writers } => {
                // The client's copies end at each stream's FIN; then the connection goes.
                for (_, w) in &writers {
                    let _ = w.close().await;
                }
                conn.close().await;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn offer(protocols: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("SPDY/3.1"));
        for p in protocols {
            h.append(
                HEADER_PROTOCOL_VERSION,
                HeaderValue::from_str(p).expect("header"),
            );
        }
        h
    }

    #[test]
    fn spdy_negotiation_takes_the_clients_first_supported_protocol() {
        // kubectl's SPDY executor offers v5 first; the kubelet has no v5 over SPDY.
        let h = offer(&[
            "v5.channel.k8s.io",
            "v4.channel.k8s.io",
            "v3.channel.k8s.io",
            "v2.channel.k8s.io",
            "channel.k8s.io",
        ]);
        let (resp, transport) = accept(&h).expect("accepted");
        assert_eq!(resp.status(), StatusCode::SWITCHING_PROTOCOLS);
        assert_eq!(transport, Transport::Spdy(Protocol::V4));
        assert_eq!(resp.headers()[HEADER_PROTOCOL_VERSION], "v4.channel.k8s.io");
        let (_, transport) = accept(&offer(&["v2.channel.k8s.io"])).expect("accepted");
        assert_eq!(transport, Transport::Spdy(Protocol::V2));
        let (resp, transport) = accept(&offer(&[])).expect("legacy client");
        assert_eq!(transport, Transport::Spdy(Protocol::V1));
        assert!(resp.headers().get(HEADER_PROTOCOL_VERSION).is_none());
        let Err(err) = accept(&offer(&["v9.channel.k8s.io"])) else {
            panic!("an unknown protocol is refused");
        };
        assert_eq!(err.code, 403);
        assert!(
            err.message.contains("unable to negotiate protocol"),
            "{}",
            err.message
        );
    }

    #[test]
    fn spdy_sessions_expect_the_kubelets_streams() {
        let s = Streams {
            stdin: true,
            stdout: true,
            stderr: true,
            tty: false,
        };
        assert_eq!(
            expected(s, Protocol::V4),
            [
                Channel::Error,
                Channel::Stdin,
                Channel::Stdout,
                Channel::Stderr
            ]
        );
        let tty = Streams { tty: true, ..s };
        assert_eq!(
            expected(tty, Protocol::V4),
            [
                Channel::Error,
                Channel::Stdin,
                Channel::Stdout,
                Channel::Resize
            ]
        );
        assert_eq!(
            expected(tty, Protocol::V2),
            [Channel::Error, Channel::Stdin, Channel::Stdout]
        );
    }
}
