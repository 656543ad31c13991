//! Port-forward protocol constants and the kubelet WebSocket channel rules, mirroring
//! `k8s.io/apimachinery/pkg/util/portforward` (constants), the stream headers of
//! `k8s.io/api/core/v1` and the channel layout of the kubelet's
//! `cri-streaming/pkg/streaming/portforward/websocket.go`.

use crate::Error;

/// The SPDY stream protocol name (`PortForwardV1Name`), sent in `X-Stream-Protocol-Version`.
pub const PORT_FORWARD_V1: &str = "portforward.k8s.io";
/// The WebSocket subprotocol that tunnels the SPDY port-forward protocol (kubectl 1.31+).
pub const WEBSOCKET_SPDY_TUNNELING_PORT_FORWARD_V1: &str = "SPDY/3.1+portforward.k8s.io";
/// The kubelet-style WebSocket subprotocol (binary frames, channel byte first).
pub const WEBSOCKET_V4_CHANNEL: &str = "v4.channel.k8s.io";
/// The kubelet-style WebSocket subprotocol with base64 text frames.
pub const WEBSOCKET_V4_BASE64_CHANNEL: &str = "v4.base64.channel.k8s.io";

/// SPDY stream header naming the stream's role (`StreamType`).
pub const HEADER_STREAM_TYPE: &str = "streamType";
/// SPDY stream header carrying the remote port (`PortHeader`).
pub const HEADER_PORT: &str = "port";
/// SPDY stream header pairing a data stream with its error stream (`PortForwardRequestIDHeader`).
pub const HEADER_REQUEST_ID: &str = "requestID";
/// `streamType` of the stream that carries the forwarded bytes.
pub const STREAM_TYPE_DATA: &str = "data";
/// `streamType` of the stream on which the server reports a forwarding failure.
pub const STREAM_TYPE_ERROR: &str = "error";

/// The data channel of the `index`-th requested port (kubelet WebSocket protocol): `2 * index`.
pub fn data_channel(index: usize) -> Result<u8, Error> {
    channel(index, 0)
}

/// The error channel of the `index`-th requested port (kubelet WebSocket protocol): `2 * index + 1`.
pub fn error_channel(index: usize) -> Result<u8, Error> {
    channel(index, 1)
}

fn channel(index: usize, offset: usize) -> Result<u8, Error> {
    index
        .checked_mul(2)
        .and_then(|c| c.checked_add(offset))
        .and_then(|c| u8::try_from(c).ok())
        .ok_or_else(|| Error::PortForward {
            reason: format!("port index {index} does not fit the one-byte channel numbers"),
        })
}

/// Which port and role a kubelet WebSocket channel number stands for: `(port index, is_error)`.
pub fn channel_role(channel: u8) -> (usize, bool) {
    (usize::from(channel / 2), channel % 2 == 1)
}

/// The 2-byte little-endian port prefix the server writes first on both channels of a port.
pub fn port_prefix(port: u16) -> [u8; 2] {
    port.to_le_bytes()
}

/// Checks the first message of a channel: exactly the 2-byte little-endian `expected` port.
pub fn check_port_prefix(message: &[u8], expected: u16) -> Result<(), Error> {
    match message {
        [lo, hi] if u16::from_le_bytes([*lo, *hi]) == expected => Ok(()),
        [lo, hi] => Err(Error::PortForward {
            reason: format!(
                "server sent port {} where port {expected} was expected",
                u16::from_le_bytes([*lo, *hi])
            ),
        }),
        other => Err(Error::PortForward {
            reason: format!(
                "the first message of a port's channel must be 2 bytes (the port), got {}",
                other.len()
            ),
        }),
    }
}

/// Parses a remote port as the kubelet does: a decimal number from 1 to 65535.
pub fn parse_port(text: &str) -> Result<u16, Error> {
    match text.trim().parse::<u16>() {
        Ok(p) if p >= 1 => Ok(p),
        _ => Err(Error::PortForward {
            reason: format!("invalid port {text:?}: expected 1-65535"),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn channels_follow_the_kubelet_layout() {
        assert_eq!(data_channel(0).unwrap(), 0);
        assert_eq!(error_channel(0).unwrap(), 1);
        assert_eq!(data_channel(3).unwrap(), 6);
        assert_eq!(error_channel(3).unwrap(), 7);
        assert!(error_channel(128).is_err());
        assert_eq!(channel_role(7), (3, true));
        assert_eq!(channel_role(6), (3, false));
    }

    #[test]
    fn port_prefix_is_little_endian_and_checked() {
        assert_eq!(port_prefix(8080), [0x90, 0x1f]);
        check_port_prefix(&[0x90, 0x1f], 8080).unwrap();
        let err = check_port_prefix(&[0x50, 0x00], 8080).unwrap_err();
        assert!(err.to_string().contains("port 80 where port 8080"), "{err}");
        assert!(check_port_prefix(&[0x90, 0x1f, 0], 8080).is_err());
        assert_eq!(parse_port("80").unwrap(), 80);
        assert!(parse_port("0").is_err());
        assert!(parse_port("65536").is_err());
    }
}
