//! Port forwarding to pods, mirroring client-go's `tools/portforward` (the SPDY stream
//! protocol, the WebSocket tunnel of `tunneling_dialer.go`, the fallback dialer) and the
//! kubelet-style `v4.channel.k8s.io` WebSocket protocol.
//!
//! - [`PortForward`]: one connection to a pod's `portforward` subresource. [`PortForward::open`]
//!   gives a [`ForwardedStream`] (an `AsyncRead + AsyncWrite`) to a port; over SPDY every call
//!   makes a data/error stream pair with the next `requestID` (counting from 0), so many ports
//!   and many connections share one connection.
//! - [`PortForwarder`]: local TCP listeners that forward every accepted connection, like
//!   `kubectl port-forward` (`127.0.0.1:0` picks a free port; [`PortForwarder::ports`] says
//!   which).
//!
//! Errors close cleanly: a server-reported error (nothing listens on the port, the pod was
//! deleted) fails that stream's reads with a [`RemoteError`]; a lost or unresponsive connection
//! (SPDY pings with a deadline) fails every stream; dropping a [`PortForward`] or
//! [`PortForwarder`] stops all of their tasks.

mod channels;
mod dial;
mod forwarder;
mod stream;

use std::sync::atomic::{AtomicU64, Ordering};

use kclient_apimachinery::httpstream::spdy::Headers;
use kclient_apimachinery::portforward::{
    HEADER_PORT, HEADER_REQUEST_ID, HEADER_STREAM_TYPE, STREAM_TYPE_DATA, STREAM_TYPE_ERROR,
    WEBSOCKET_V4_CHANNEL,
};

pub use dial::PortForwardOptions;
pub use forwarder::{ForwardedPort, PortForwarder, PortMapping};
pub use stream::{ForwardedStream, RemoteError};

use crate::Error;
use crate::httpstream::SpdyConnection;
use stream::SpdyPair;

/// Which protocol a [`PortForward`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// SPDY/3.1 inside WebSocket binary messages (`SPDY/3.1+portforward.k8s.io`), kubectl 1.31+'s default.
    WebSocketTunnel,
    /// SPDY/3.1 over a plain HTTP/1.1 upgrade (`Upgrade: SPDY/3.1`), kubectl's fallback.
    Spdy,
    /// The kubelet-style `v4.channel.k8s.io` WebSocket (what kube-rs speaks): one WebSocket per
    /// forwarded connection, no half-close. Nothing is dialled until [`PortForward::open`].
    WebSocketV4,
}

/// Builds the `portforward` request for a method (GET for WebSocket, POST for SPDY).
pub(crate) type RequestFn = std::sync::Arc<dyn Fn(http::Method) -> crate::Request + Send + Sync>;

enum Inner {
    Spdy {
        conn: SpdyConnection,
        next_request_id: AtomicU64,
    },
    Channels {
        request: RequestFn,
        closed: tokio::sync::watch::Sender<bool>,
    },
}

/// One port-forward connection to a pod. See the [module docs](self).
pub struct PortForward {
    protocol: Protocol,
    inner: Inner,
}

impl std::fmt::Debug for PortForward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortForward")
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl PortForward {
    /// Port forwarding over an established SPDY connection (client side); `protocol` says how
    /// it was established (the tunnel or a plain upgrade).
    pub fn over_spdy(conn: SpdyConnection, protocol: Protocol) -> Self {
        Self {
            protocol,
            inner: Inner::Spdy {
                conn,
                next_request_id: AtomicU64::new(0),
            },
        }
    }

    pub(crate) fn over_channels(request: RequestFn) -> Self {
        let (closed, _) = tokio::sync::watch::channel(false);
        Self {
            protocol: Protocol::WebSocketV4,
            inner: Inner::Channels { request, closed },
        }
    }

    /// The protocol in use.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Opens a new connection to `port` of the pod: an error stream (half-closed at once, the
    /// client never writes to it) and a data stream, sharing the next `requestID`.
    pub async fn open(&self, port: u16) -> Result<ForwardedStream, Error> {
        if port == 0 {
            return Err(Error::InvalidRequest {
                reason: "port 0 cannot be forwarded".into(),
            });
        }
        let (conn, next_request_id) = match &self.inner {
            Inner::Spdy {
                conn,
                next_request_id,
            } => (conn, next_request_id),
            Inner::Channels { request, closed } => {
                if *closed.borrow() {
                    return Err(Error::PortForward {
                        reason: "the port forward is closed".into(),
                    });
                }
                let ws = request(http::Method::GET)
                    .param("ports", port.to_string())
                    .upgrade_websocket(&[WEBSOCKET_V4_CHANNEL])
                    .await?;
                return Ok(ForwardedStream::new(
                    port,
                    channels::V4Stream::new(ws.socket, port),
                ));
            }
        };
        let request_id = next_request_id.fetch_add(1, Ordering::Relaxed);
        let headers = |stream_type: &str| {
            Headers::new()
                .with(HEADER_STREAM_TYPE, stream_type)
                .with(HEADER_PORT, port.to_string())
                .with(HEADER_REQUEST_ID, request_id.to_string())
        };
        let error = conn
            .create_stream(headers(STREAM_TYPE_ERROR))
            .await
            .map_err(|e| Error::PortForward {
                reason: format!("error creating error stream for port {port}: {e}"),
            })?;
        error.writer().close().await?;
        let data = conn
            .create_stream(headers(STREAM_TYPE_DATA))
            .await
            .map_err(|e| Error::PortForward {
                reason: format!("error creating forwarding stream for port {port}: {e}"),
            })?;
        Ok(ForwardedStream::new(port, SpdyPair::new(port, data, error)))
    }

    /// Waits until the connection ends; the reason is empty for a clean close. (Over
    /// `v4.channel.k8s.io` there is no shared connection: this waits for [`PortForward::close`].)
    pub async fn closed(&self) -> String {
        match &self.inner {
            Inner::Spdy { conn, .. } => conn.closed().await,
            Inner::Channels { closed, .. } => {
                let mut rx = closed.subscribe();
                let _ = rx.wait_for(|c| *c).await;
                String::new()
            }
        }
    }

    /// Closes the connection (`GOAWAY`), ending every stream.
    pub async fn close(&self) {
        match &self.inner {
            Inner::Spdy { conn, .. } => conn.close().await,
            Inner::Channels { closed, .. } => {
                closed.send_replace(true);
            }
        }
    }
}
