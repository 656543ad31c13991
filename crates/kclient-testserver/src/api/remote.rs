//! What `exec` and `attach` share: their query options (`PodExecOptions`/`PodAttachOptions`),
//! the `create` check a WebSocket GET needs (`AuthorizePodWebsocketUpgradeCreatePermission`),
//! the subprotocols served, and writing channel frames and the final status as the kubelet
//! and the apiserver's v5 translator do (`k8s.io/streaming/pkg/httpstream/wsstream`,
//! `apiserver/pkg/util/proxy/streamtranslator.go`). Channel framing itself is
//! `kclient_apimachinery::remotecommand`.

use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use http::Method;
use kclient_apimachinery::remotecommand::{self as rc, Channel, Protocol};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::status::ApiError;
use super::websocket::WebSocket;
use super::{Ctx, review};

/// The subprotocols exec and attach accept, in the server's preference (the client's order
/// decides): v5 (apiserver translator), then what the kubelet's WebSocket server speaks.
pub const PROTOCOLS: [&str; 6] = [
    rc::STREAM_PROTOCOL_V5_NAME,
    rc::STREAM_PROTOCOL_V4_NAME,
    rc::V4_BASE64_CHANNEL_PROTOCOL_NAME,
    rc::STREAM_PROTOCOL_V1_NAME,
    rc::BASE64_CHANNEL_PROTOCOL_NAME,
    "",
];

/// The streams a session asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Streams {
    /// `stdin`.
    pub stdin: bool,
    /// `stdout`.
    pub stdout: bool,
    /// `stderr` (ignored with a TTY: stderr joins stdout).
    pub stderr: bool,
    /// `tty`.
    pub tty: bool,
}

/// A query bool as `Convert_Slice_string_To_bool` reads it: absent, `0` or `false` is false;
/// anything else (even empty) is true; only the first value counts.
fn flag(ctx: &Ctx, key: &str) -> bool {
    match ctx.query.all(key).first() {
        None => false,
        Some(v) => !(*v == "0" || v.eq_ignore_ascii_case("false")),
    }
}

/// The streams of the request; the kubelet's 400 when none is asked for.
pub fn streams(ctx: &Ctx) -> Result<Streams, ApiError> {
    let s = Streams {
        stdin: flag(ctx, "stdin"),
        stdout: flag(ctx, "stdout"),
        stderr: flag(ctx, "stderr"),
        tty: flag(ctx, "tty"),
    };
    if !(s.stdin || s.stdout || s.stderr) {
        return Err(ApiError::bad_request(
            "you must specify at least 1 of stdin, stdout, stderr",
        ));
    }
    Ok(s)
}

/// With RBAC on, a WebSocket GET of `pods/<sub>` also needs `create` (the request was already
/// authorized for `get`), as with the `AuthorizePodWebsocketUpgradeCreatePermission` gate.
pub fn authorize_create(ctx: &Ctx, method: &Method) -> Result<(), ApiError> {
    if *method != Method::GET {
        return Ok(());
    }
    let attrs = crate::rbac::Request::Resource {
        verb: "create".into(),
        namespace: ctx.namespace().to_string(),
        group: String::new(),
        resource: "pods".into(),
        subresource: ctx.path.subresource.clone().unwrap_or_default(),
        name: ctx.name().to_string(),
    };
    review::check(
        &ctx.state.store,
        ctx.state.behaviour.rbac,
        &ctx.user,
        &attrs,
    )
}

/// The sending half of a session's WebSocket, framing by protocol.
pub struct Wire {
    /// The sink.
    pub sink: SplitSink<WebSocket, Message>,
    /// The negotiated protocol.
    pub protocol: Protocol,
}

impl Wire {
    /// Sends `data` on `channel` (an empty payload is the readiness signal).
    pub async fn send(&mut self, channel: Channel, data: &[u8]) -> bool {
        let msg = if self.protocol.is_base64() {
            Message::text(rc::encode_base64_text_frame(channel, data))
        } else {
            Message::binary(rc::encode_data_frame(channel, data))
        };
        self.sink.send(msg).await.is_ok()
    }

    /// Writes how the command ended on the error channel (v4/v5: a `Status`; older: the
    /// message text, nothing on success), then closes the WebSocket normally.
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
        let _ = self
            .sink
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            })))
            .await;
        let _ = self.sink.close().await;
    }
}

/// What one incoming message means.
#[derive(Debug)]
pub enum Incoming {
    /// Data for stdin.
    Stdin(Vec<u8>),
    /// The client half-closed stdin (v5 CLOSE).
    CloseStdin,
    /// A terminal resize (the simulated processes have no terminal to resize).
    Resize,
    /// Nothing to do (pings, empty or unknown-channel frames).
    Nothing,
    /// The client closed the connection or broke the protocol.
    End,
}

/// Decodes a client message under `protocol`.
pub fn incoming(msg: Message, protocol: Protocol) -> Incoming {
    let (channel, payload) = match msg {
        Message::Binary(b) if !protocol.is_base64() => {
            match rc::decode_binary_frame(&b, protocol) {
                Ok(rc::Frame::Data { channel, payload }) => (channel, payload.to_vec()),
                Ok(rc::Frame::Close { channel }) if channel == Channel::Stdin.id() => {
                    return Incoming::CloseStdin;
                }
                Ok(_) => return Incoming::Nothing,
                Err(_) => return Incoming::End,
            }
        }
        Message::Text(t) if protocol.is_base64() => match rc::decode_base64_text_frame(&t) {
            Ok(Some((channel, payload))) => (channel, payload),
            Ok(None) => return Incoming::Nothing,
            Err(_) => return Incoming::End,
        },
        Message::Close(_) => return Incoming::End,
        _ => return Incoming::Nothing,
    };
    match Channel::from_id(channel) {
        Some(Channel::Stdin) => Incoming::Stdin(payload),
        Some(Channel::Resize) => Incoming::Resize,
        _ => Incoming::Nothing,
    }
}
