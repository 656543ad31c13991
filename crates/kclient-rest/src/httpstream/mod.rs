//! Multiplexed streams over one upgraded connection, mirroring client-go's
//! `k8s.io/apimachinery/pkg/util/httpstream/spdy` (connection side) and `transport/spdy`.
//!
//! [`SpdyConnection`] drives a SPDY/3.1 session over any byte stream (an upgraded HTTP/1.1
//! connection, or the WebSocket tunnel of [`WsByteStream`]): a reader task decodes frames with
//! `kclient-apimachinery`'s framer and hands `DATA` to per-stream queues, a writer task encodes
//! everything the streams send, and an optional pinger declares the connection dead when a
//! `PING` goes unanswered past its deadline. Both roles are served: a client creates streams
//! (odd ids) and waits for each `SYN_REPLY`; a server accepts the peer's streams and replies or
//! resets them. Dropping the [`SpdyConnection`] stops every task.

mod spdy;
mod upgrade;
mod ws_tunnel;

pub use spdy::{
    CLOSE_FLUSH_TIMEOUT, SpdyConfig, SpdyConnection, SpdyStream, StreamReader, StreamWriter,
};
pub use upgrade::SpdyUpgrade;
pub use ws_tunnel::WsByteStream;
