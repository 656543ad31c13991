//! What `exec` and `attach` share: their query options (`PodExecOptions`/`PodAttachOptions`),
//! the `create` check a WebSocket GET needs (`AuthorizePodWebsocketUpgradeCreatePermission`),
//! the WebSocket subprotocols served, and reading channel frames as the kubelet and the
//! apiserver's v5 translator do (`k8s.io/streaming/pkg/httpstream/wsstream`,
//! `apiserver/pkg/util/proxy/streamtranslator.go`). Channel framing itself is
//! `kclient_apimachinery::remotecommand`; the transports (WebSocket, SPDY) are
//! [`super::session`].

use http::Method;
use kclient_apimachinery::remotecommand::{self as rc, Channel, Protocol};
use tokio_tungstenite::tungstenite::Message;

use super::status::ApiError;
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

/// What one incoming message means.
#[derive(Debug)]
pub enum Incoming {
    /// Data for stdin.
    Stdin(Vec<u8>),
    /// The client half-closed stdin (v5 CLOSE).
    CloseStdin,
    /// Bytes on the resize channel: `TerminalSize` JSON values.
    Resize(Vec<u8>),
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
        Some(Channel::Resize) => Incoming::Resize(payload),
        _ => Incoming::Nothing,
    }
}
