//! SPDY/3.1 framing, mirroring `k8s.io/apimachinery/pkg/util/httpstream/spdy` and the framer it
//! uses (`github.com/moby/spdystream/spdy`).
//!
//! - [`Frame`]: the control frames (`SYN_STREAM`, `SYN_REPLY`, `RST_STREAM`, `SETTINGS`, `PING`,
//!   `GOAWAY`, `HEADERS`, `WINDOW_UPDATE`) and `DATA` frames, with their flags.
//! - [`Headers`]: a name/value header block (lower-case names; several values of one name are
//!   joined with NUL on the wire).
//! - [`Framer`]: encodes and decodes frames for one connection. It owns the two zlib contexts
//!   SPDY/3 requires (one per direction, both primed with the protocol's preset
//!   [`HEADER_DICTIONARY`], sync-flushed after every header block), and enforces [`Limits`] so a
//!   hostile peer cannot make it allocate without bound. Decoding never panics.
//!
//! Like `spdystream`, which Kubernetes speaks on both ends, this framer does not enforce SPDY/3.1
//! flow control: `WINDOW_UPDATE` frames are decoded but neither side waits on windows (TCP
//! back-pressure does the job).

mod dictionary;
mod frame;
mod framer;
mod headers;
mod zlib;

pub use dictionary::HEADER_DICTIONARY;
pub use frame::{
    ControlFrameType, FLAG_FIN, FLAG_SETTINGS_CLEAR, FLAG_UNIDIRECTIONAL, Frame, GoAwayStatus,
    RstStatus, Setting, StreamId,
};
pub use framer::{FrameDecoder, FrameEncoder, Framer, Limits};
pub use headers::Headers;

/// The protocol version carried in every control frame.
pub const VERSION: u16 = 3;
/// Largest payload a frame's 24-bit length field can describe.
pub const MAX_FRAME_LENGTH: usize = (1 << 24) - 1;
/// Bytes in every frame header (control and data alike).
pub const FRAME_HEADER_LEN: usize = 8;
