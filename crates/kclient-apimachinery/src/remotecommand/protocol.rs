//! Subprotocol names and channel numbers (Go's `remotecommand/constants.go`).

use super::{
    BASE64_CHANNEL_PROTOCOL_NAME, STREAM_PROTOCOL_V1_NAME, STREAM_PROTOCOL_V2_NAME,
    STREAM_PROTOCOL_V3_NAME, STREAM_PROTOCOL_V4_NAME, STREAM_PROTOCOL_V5_NAME,
    V4_BASE64_CHANNEL_PROTOCOL_NAME,
};

/// The subprotocols a WebSocket exec/attach client offers, in order of preference: v5 (with
/// CLOSE) first, then v4 for servers that proxy straight to a kubelet.
pub const WEBSOCKET_CLIENT_PROTOCOLS: [&str; 2] =
    [STREAM_PROTOCOL_V5_NAME, STREAM_PROTOCOL_V4_NAME];

/// One of the remote-command stream protocols, as negotiated in `Sec-WebSocket-Protocol` (or
/// `X-Stream-Protocol-Version` for SPDY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// `channel.k8s.io` (also what an empty negotiated name means).
    V1,
    /// `v2.channel.k8s.io`.
    V2,
    /// `v3.channel.k8s.io`.
    V3,
    /// `v4.channel.k8s.io`.
    V4,
    /// `v5.channel.k8s.io`.
    V5,
    /// `base64.channel.k8s.io`: v1 semantics in base64 text frames.
    Base64,
    /// `v4.base64.channel.k8s.io`: v4 semantics in base64 text frames.
    V4Base64,
}

impl Protocol {
    /// The protocol's wire name.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::V1 => STREAM_PROTOCOL_V1_NAME,
            Protocol::V2 => STREAM_PROTOCOL_V2_NAME,
            Protocol::V3 => STREAM_PROTOCOL_V3_NAME,
            Protocol::V4 => STREAM_PROTOCOL_V4_NAME,
            Protocol::V5 => STREAM_PROTOCOL_V5_NAME,
            Protocol::Base64 => BASE64_CHANNEL_PROTOCOL_NAME,
            Protocol::V4Base64 => V4_BASE64_CHANNEL_PROTOCOL_NAME,
        }
    }

    /// Parses a negotiated name. The empty name is v1, as in client-go and the kubelet.
    pub fn from_name(name: &str) -> Option<Protocol> {
        Some(match name {
            "" | STREAM_PROTOCOL_V1_NAME => Protocol::V1,
            STREAM_PROTOCOL_V2_NAME => Protocol::V2,
            STREAM_PROTOCOL_V3_NAME => Protocol::V3,
            STREAM_PROTOCOL_V4_NAME => Protocol::V4,
            STREAM_PROTOCOL_V5_NAME => Protocol::V5,
            BASE64_CHANNEL_PROTOCOL_NAME => Protocol::Base64,
            V4_BASE64_CHANNEL_PROTOCOL_NAME => Protocol::V4Base64,
            _ => return None,
        })
    }

    /// Whether `[255, channel]` half-closes a channel: only for exactly `v5.channel.k8s.io`
    /// (`protocolSupportsStreamClose`).
    pub fn supports_close(self) -> bool {
        self == Protocol::V5
    }

    /// Whether frames are base64 text messages rather than binary ones.
    pub fn is_base64(self) -> bool {
        matches!(self, Protocol::Base64 | Protocol::V4Base64)
    }

    /// Whether the error channel carries a JSON `Status` (v4 and later) rather than plain text.
    pub fn status_on_error_channel(self) -> bool {
        matches!(self, Protocol::V4 | Protocol::V5 | Protocol::V4Base64)
    }

    /// Whether the protocol has the terminal resize channel (v3 and later; the kubelet's
    /// WebSocket server also reads it for the v1 and base64 names).
    pub fn supports_resize(self) -> bool {
        !matches!(self, Protocol::V2)
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The channels of an exec/attach stream and their channel bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// 0: the command's standard input (client to server).
    Stdin = 0,
    /// 1: the command's standard output (server to client).
    Stdout = 1,
    /// 2: the command's standard error (server to client; absent with a TTY).
    Stderr = 2,
    /// 3: the error channel: the final `Status` (v4+) or an error text (v1-v3).
    Error = 3,
    /// 4: terminal resize messages (client to server, only with a TTY).
    Resize = 4,
}

impl Channel {
    /// All channels, in channel-number order.
    pub const ALL: [Channel; 5] = [
        Channel::Stdin,
        Channel::Stdout,
        Channel::Stderr,
        Channel::Error,
        Channel::Resize,
    ];

    /// The channel byte.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The channel with this byte, if it is one of the five.
    pub fn from_id(id: u8) -> Option<Channel> {
        Channel::ALL.get(usize::from(id)).copied()
    }

    /// The stream-type name Go uses for this channel in SPDY headers (`stdin`, `stdout`, ...).
    pub fn stream_type(self) -> &'static str {
        match self {
            Channel::Stdin => "stdin",
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
            Channel::Error => "error",
            Channel::Resize => "resize",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in [
            Protocol::V1,
            Protocol::V2,
            Protocol::V3,
            Protocol::V4,
            Protocol::V5,
            Protocol::Base64,
            Protocol::V4Base64,
        ] {
            assert_eq!(Protocol::from_name(p.name()), Some(p));
        }
        assert_eq!(Protocol::from_name(""), Some(Protocol::V1));
        assert_eq!(Protocol::from_name("v6.channel.k8s.io"), None);
        assert_eq!(
            WEBSOCKET_CLIENT_PROTOCOLS,
            ["v5.channel.k8s.io", "v4.channel.k8s.io"]
        );
    }

    #[test]
    fn only_v5_closes() {
        assert!(Protocol::V5.supports_close());
        assert!(!Protocol::V4.supports_close());
        assert!(!Protocol::V4Base64.supports_close());
        assert!(Protocol::V4.status_on_error_channel());
        assert!(!Protocol::V1.status_on_error_channel());
    }

    #[test]
    fn channel_ids() {
        assert_eq!(
            Channel::ALL.map(Channel::id),
            [0, 1, 2, 3, 4],
            "stdin, stdout, stderr, error, resize"
        );
        assert_eq!(Channel::from_id(3), Some(Channel::Error));
        assert_eq!(Channel::from_id(5), None);
        assert_eq!(Channel::from_id(255), None);
    }
}
