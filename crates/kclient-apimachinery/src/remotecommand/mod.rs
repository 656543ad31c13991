//! The exec/attach channel protocol, without I/O: subprotocol names, channel numbers, frame
//! encoding, the error-channel `Status`, and terminal-size messages.
//!
//! Mirrors Go's `k8s.io/apimachinery/pkg/util/remotecommand` (names and constants) together with
//! the WebSocket framing of `k8s.io/streaming/pkg/httpstream/wsstream` (`conn.go`) and the
//! error-channel decoder of `k8s.io/client-go/tools/remotecommand` (`v4.go`, `errorDecoderV4`).
//! Both sides use it: the client's exec/attach engine in `kclient-rest`, and the simulated
//! kubelet in `kclient-testserver`.
//!
//! ```
//! use kclient_apimachinery::remotecommand::{
//!     decode_binary_frame, decode_error_channel, encode_close_frame, encode_data_frame,
//!     exit_code_status, encode_status, Channel, Frame, Protocol, RemoteOutcome, TerminalSize,
//! };
//!
//! // The client offers v5 first, then v4; the server echoes the one it picked.
//! let protocol = Protocol::from_name("v5.channel.k8s.io").unwrap();
//! assert!(protocol.supports_close());
//!
//! // Binary frames: one channel byte, then the payload.
//! assert_eq!(encode_data_frame(Channel::Stdin, b"ls\n"), b"\x00ls\n");
//! assert_eq!(encode_close_frame(Channel::Stdin), [255, 0]);
//! let frame = decode_binary_frame(b"\x01hello", protocol)?;
//! assert_eq!(frame, Frame::Data { channel: 1, payload: b"hello" });
//!
//! // The error channel carries one Status; a non-zero exit code is a value, not an error.
//! let status = encode_status(&exit_code_status(3));
//! assert_eq!(decode_error_channel(&status)?, RemoteOutcome::ExitCode(3));
//!
//! // Resize messages are Go-style JSON with capitalised keys.
//! assert_eq!(TerminalSize::new(80, 24).encode(), b"{\"Width\":80,\"Height\":24}\n");
//! # Ok::<(), kclient_apimachinery::Error>(())
//! ```

mod frame;
mod protocol;
mod resize;
mod status;

pub use frame::{
    Frame, decode_base64_text_frame, decode_binary_frame, encode_base64_text_frame,
    encode_close_frame, encode_data_frame,
};
pub use protocol::{Channel, Protocol, WEBSOCKET_CLIENT_PROTOCOLS};
pub use resize::{ResizeDecoder, TerminalSize};
pub use status::{
    RemoteOutcome, decode_error_channel, decode_error_channel_for, encode_status, exit_code_status,
    success_status,
};

/// `channel.k8s.io`: the original protocol (v1), plain-text errors.
pub const STREAM_PROTOCOL_V1_NAME: &str = "channel.k8s.io";
/// `v2.channel.k8s.io`: v1 with its bugs fixed (SPDY only).
pub const STREAM_PROTOCOL_V2_NAME: &str = "v2.channel.k8s.io";
/// `v3.channel.k8s.io`: adds the terminal resize stream (SPDY only).
pub const STREAM_PROTOCOL_V3_NAME: &str = "v3.channel.k8s.io";
/// `v4.channel.k8s.io`: the error channel carries a JSON `Status` with the exit code.
pub const STREAM_PROTOCOL_V4_NAME: &str = "v4.channel.k8s.io";
/// `v5.channel.k8s.io`: adds the CLOSE signal that half-closes one channel.
pub const STREAM_PROTOCOL_V5_NAME: &str = "v5.channel.k8s.io";
/// `base64.channel.k8s.io`: v1 over WebSocket text frames (kubelet only).
pub const BASE64_CHANNEL_PROTOCOL_NAME: &str = "base64.channel.k8s.io";
/// `v4.base64.channel.k8s.io`: v4 over WebSocket text frames (kubelet only).
pub const V4_BASE64_CHANNEL_PROTOCOL_NAME: &str = "v4.base64.channel.k8s.io";

/// The channel byte of a v5 CLOSE frame (`[255, channel]`).
pub const CLOSE_CHANNEL: u8 = 255;

/// `Status.reason` of a command that ended with a non-zero exit code.
pub const NON_ZERO_EXIT_CODE_REASON: &str = "NonZeroExitCode";
/// `StatusCause.reason` (Go's `Type`) of the cause that carries the exit code.
pub const EXIT_CODE_CAUSE_TYPE: &str = "ExitCode";

/// Default stream creation timeout (Go's `DefaultStreamCreationTimeout`): 30 seconds.
pub const DEFAULT_STREAM_CREATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
