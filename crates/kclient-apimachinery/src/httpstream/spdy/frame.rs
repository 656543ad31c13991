//! SPDY/3.1 frames as plain values.

use bytes::Bytes;

use super::headers::Headers;

/// A 31-bit stream identifier (clients use odd numbers, servers even; 0 is never a stream).
pub type StreamId = u32;

/// `FLAG_FIN`: the sender will send nothing more on this stream (DATA and SYN frames).
pub const FLAG_FIN: u8 = 0x01;
/// `FLAG_UNIDIRECTIONAL` on `SYN_STREAM`: the recipient may not send on the stream.
pub const FLAG_UNIDIRECTIONAL: u8 = 0x02;
/// `FLAG_SETTINGS_CLEAR_SETTINGS` on `SETTINGS`.
pub const FLAG_SETTINGS_CLEAR: u8 = 0x01;

/// The type field of a control frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum ControlFrameType {
    /// Opens a stream.
    SynStream = 1,
    /// Accepts a stream.
    SynReply = 2,
    /// Aborts a stream.
    RstStream = 3,
    /// Connection settings.
    Settings = 4,
    /// Liveness check, echoed by the peer.
    Ping = 6,
    /// The sender is closing the connection.
    GoAway = 7,
    /// Extra headers on an open stream.
    Headers = 8,
    /// Flow-control credit.
    WindowUpdate = 9,
}

impl ControlFrameType {
    /// The type for a wire value, if known.
    pub fn from_wire(value: u16) -> Option<Self> {
        Some(match value {
            1 => Self::SynStream,
            2 => Self::SynReply,
            3 => Self::RstStream,
            4 => Self::Settings,
            6 => Self::Ping,
            7 => Self::GoAway,
            8 => Self::Headers,
            9 => Self::WindowUpdate,
            _ => return None,
        })
    }

    /// The frame's name as the specification writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::SynStream => "SYN_STREAM",
            Self::SynReply => "SYN_REPLY",
            Self::RstStream => "RST_STREAM",
            Self::Settings => "SETTINGS",
            Self::Ping => "PING",
            Self::GoAway => "GOAWAY",
            Self::Headers => "HEADERS",
            Self::WindowUpdate => "WINDOW_UPDATE",
        }
    }
}

/// The status code of a `RST_STREAM` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RstStatus(pub u32);

impl RstStatus {
    /// `PROTOCOL_ERROR`.
    pub const PROTOCOL_ERROR: Self = Self(1);
    /// `INVALID_STREAM`.
    pub const INVALID_STREAM: Self = Self(2);
    /// `REFUSED_STREAM`.
    pub const REFUSED_STREAM: Self = Self(3);
    /// `CANCEL`: what `spdystream`'s `Stream.Reset` sends.
    pub const CANCEL: Self = Self(5);
    /// `INTERNAL_ERROR`.
    pub const INTERNAL_ERROR: Self = Self(6);
}

/// The status code of a `GOAWAY` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoAwayStatus(pub u32);

impl GoAwayStatus {
    /// `OK`: a normal shutdown.
    pub const OK: Self = Self(0);
    /// `PROTOCOL_ERROR`.
    pub const PROTOCOL_ERROR: Self = Self(1);
    /// `INTERNAL_ERROR`.
    pub const INTERNAL_ERROR: Self = Self(2);
}

/// One entry of a `SETTINGS` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// Per-entry flags (`PERSIST_VALUE` = 1, `PERSISTED` = 2).
    pub flags: u8,
    /// The 24-bit setting id (for example 7 = `INITIAL_WINDOW_SIZE`).
    pub id: u32,
    /// The value.
    pub value: u32,
}

/// One SPDY/3.1 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// `SYN_STREAM`: opens `stream_id` with `headers`.
    SynStream {
        /// The new stream.
        stream_id: StreamId,
        /// The stream this one is associated with (0 for none).
        associated_to: StreamId,
        /// Priority 0 (highest) to 7.
        priority: u8,
        /// [`FLAG_FIN`] and/or [`FLAG_UNIDIRECTIONAL`].
        flags: u8,
        /// The stream's headers.
        headers: Headers,
    },
    /// `SYN_REPLY`: accepts `stream_id`.
    SynReply {
        /// The accepted stream.
        stream_id: StreamId,
        /// [`FLAG_FIN`] or 0.
        flags: u8,
        /// Reply headers.
        headers: Headers,
    },
    /// `RST_STREAM`: aborts `stream_id`.
    RstStream {
        /// The aborted stream.
        stream_id: StreamId,
        /// Why.
        status: RstStatus,
    },
    /// `SETTINGS`.
    Settings {
        /// [`FLAG_SETTINGS_CLEAR`] or 0.
        flags: u8,
        /// The entries.
        entries: Vec<Setting>,
    },
    /// `PING`: the peer echoes the same id.
    Ping {
        /// Odd from clients, even from servers.
        id: u32,
    },
    /// `GOAWAY`: no streams above `last_good_stream_id` will be accepted.
    GoAway {
        /// Highest stream the sender accepted.
        last_good_stream_id: StreamId,
        /// Why.
        status: GoAwayStatus,
    },
    /// `HEADERS`: more headers for an open stream.
    Headers {
        /// The stream.
        stream_id: StreamId,
        /// [`FLAG_FIN`] or 0.
        flags: u8,
        /// The headers.
        headers: Headers,
    },
    /// `WINDOW_UPDATE`: `delta` more bytes may be sent on `stream_id` (0 = the connection).
    WindowUpdate {
        /// The stream, or 0 for the connection.
        stream_id: StreamId,
        /// The 31-bit credit.
        delta: u32,
    },
    /// `DATA`: payload bytes on a stream.
    Data {
        /// The stream.
        stream_id: StreamId,
        /// [`FLAG_FIN`] or 0.
        flags: u8,
        /// The payload.
        data: Bytes,
    },
    /// A control frame of a type this framer does not know; the specification says to ignore it.
    Unknown {
        /// Its type field.
        frame_type: u16,
    },
}

impl Frame {
    /// Whether this frame carries [`FLAG_FIN`] (DATA, SYN_STREAM, SYN_REPLY, HEADERS).
    pub fn is_fin(&self) -> bool {
        match self {
            Frame::SynStream { flags, .. }
            | Frame::SynReply { flags, .. }
            | Frame::Headers { flags, .. }
            | Frame::Data { flags, .. } => flags & FLAG_FIN != 0,
            _ => false,
        }
    }
}
