//! Connecting to `pods/<name>/portforward`: client-go's tunnelling dialer (SPDY inside a
//! WebSocket), its SPDY dialer, and kubectl's `FallbackDialer` between them.

use std::time::Duration;

use http::Method;
use kclient_apimachinery::portforward::{
    PORT_FORWARD_V1, WEBSOCKET_SPDY_TUNNELING_PORT_FORWARD_V1,
};

use super::{PortForward, Protocol};
use crate::httpstream::{SpdyConfig, SpdyConnection, WsByteStream};
use crate::{Error, Request};

/// How a [`PortForward`] connects and watches its connection.
#[derive(Debug, Clone)]
pub struct PortForwardOptions {
    /// Transports to try, in order; the next is tried only when the server refuses the upgrade
    /// (kubectl's fallback condition). Default: the WebSocket tunnel, then plain SPDY. Put
    /// [`Protocol::WebSocketV4`] last to fall back to the kubelet-style protocol: it is chosen
    /// without a handshake (its WebSockets are opened per connection).
    pub transports: Vec<Protocol>,
    /// How often to ping over SPDY; `None` uses client-go's period for the transport
    /// (10 s inside the tunnel, 5 s over plain SPDY).
    pub ping_period: Option<Duration>,
    /// How long a ping may go unanswered before the connection is declared dead (default 30 s).
    pub ping_timeout: Duration,
}

impl Default for PortForwardOptions {
    fn default() -> Self {
        Self {
            transports: vec![Protocol::WebSocketTunnel, Protocol::Spdy],
            ping_period: None,
            ping_timeout: Duration::from_secs(30),
        }
    }
}

impl PortForwardOptions {
    /// Only the given transport (as `KUBECTL_PORT_FORWARD_WEBSOCKETS=false` keeps only SPDY).
    pub fn only(protocol: Protocol) -> Self {
        Self {
            transports: vec![protocol],
            ..Self::default()
        }
    }

    fn spdy_config(&self, protocol: Protocol) -> SpdyConfig {
        let default_period = match protocol {
            Protocol::WebSocketTunnel => Duration::from_secs(10),
            Protocol::Spdy | Protocol::WebSocketV4 => Duration::from_secs(5),
        };
        SpdyConfig {
            ping_period: Some(self.ping_period.unwrap_or(default_period)),
            ping_timeout: self.ping_timeout,
            ..SpdyConfig::default()
        }
    }
}

/// Whether kubectl would try the next transport after `e` (`httpstream.IsUpgradeFailure`: the
/// server answered the handshake with something other than a usable 101).
fn is_upgrade_failure(e: &Error) -> bool {
    matches!(
        e,
        Error::Api { .. } | Error::UnexpectedResponse { .. } | Error::Upgrade { .. }
    )
}

impl PortForward {
    /// Connects to a pod's `portforward` subresource. `request` builds the request for a method
    /// (GET for WebSocket, POST for SPDY), for example
    /// `|m| client.verb(m).namespace(ns).resource("pods").name(pod).subresource("portforward")`.
    pub async fn connect(
        request: impl Fn(Method) -> Request + Send + Sync + 'static,
        options: &PortForwardOptions,
    ) -> Result<Self, Error> {
        let request: super::RequestFn = std::sync::Arc::new(request);
        let mut last = None;
        for &protocol in &options.transports {
            let attempt = match protocol {
                // One WebSocket per forwarded connection: nothing to dial yet.
                Protocol::WebSocketV4 => return Ok(PortForward::over_channels(request)),
                Protocol::WebSocketTunnel => {
                    let offered = [WEBSOCKET_SPDY_TUNNELING_PORT_FORWARD_V1];
                    match request(Method::GET).upgrade_websocket(&offered).await {
                        Ok(ws) => SpdyConnection::client(
                            WsByteStream::new(ws.socket),
                            options.spdy_config(protocol),
                        ),
                        Err(e) => Err(e),
                    }
                }
                Protocol::Spdy => {
                    match request(Method::POST).upgrade_spdy(&[PORT_FORWARD_V1]).await {
                        Ok(up) => SpdyConnection::client(up.io, options.spdy_config(protocol)),
                        Err(e) => Err(e),
                    }
                }
            };
            match attempt {
                Ok(conn) => return Ok(PortForward::over_spdy(conn, protocol)),
                Err(e) if is_upgrade_failure(&e) => {
                    tracing::debug!(error = %e, ?protocol, "port-forward upgrade refused; trying the next transport");
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::InvalidRequest {
            reason: "no port-forward transport to try".into(),
        }))
    }
}
