//! Multiplexed byte streams over one upgraded HTTP connection, mirroring
//! `k8s.io/apimachinery/pkg/util/httpstream` (since 1.36 an alias of `k8s.io/streaming`).
//!
//! Only the wire format lives here (pure logic, no I/O): [`spdy`] encodes and decodes SPDY/3.1
//! frames with their zlib-compressed header blocks. The connection engines that drive it over a
//! socket are in `kclient-rest` (client) and `kclient-testserver` (server).

pub mod spdy;

/// `Upgrade` header value a client sends to ask for SPDY (`httpstream.HeaderUpgrade` value).
pub const SPDY_31: &str = "SPDY/3.1";
/// Request/response header naming the stream protocol (`httpstream.HeaderProtocolVersion`).
pub const HEADER_PROTOCOL_VERSION: &str = "X-Stream-Protocol-Version";
/// Prefix of a WebSocket subprotocol that tunnels SPDY (`WebsocketsSPDYTunnelingPrefix`).
pub const WEBSOCKET_SPDY_TUNNELING_PREFIX: &str = "SPDY/3.1+";
