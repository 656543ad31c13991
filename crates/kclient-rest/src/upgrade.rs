//! WebSocket upgrades over the client's own HTTP stack: the handshake request goes through the
//! same middleware (authentication, impersonation, user agent, rate limit, tracing) and the same
//! TLS and proxy settings as every other request, on an HTTP/1.1 connection from the
//! transport's upgrade pool. Mirrors client-go's `transport/websocket` (`RoundTripper`,
//! `Negotiate`) and the upgrade checks of `k8s.io/streaming/pkg/httpstream`.
//!
//! This is the primitive that exec, attach and port-forward are built on.

use http::StatusCode;
use http::header::{
    CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_PROTOCOL,
    SEC_WEBSOCKET_VERSION, UPGRADE,
};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::decode::error_body::error_from_bytes;
use crate::decode::next_chunk;
use crate::request::{Mode, Prepared};
use crate::transport::{UpgradeConnection, url_without_query};
use crate::{Error, Request};

/// The most of a non-101 answer's body that is read to find a `Status` (client-go reads 64 KiB).
pub const MAX_UPGRADE_ERROR_BODY: usize = 64 * 1024;

/// The largest WebSocket message accepted from the server. Channel frames are at most a few
/// tens of KiB (client-go writes 32 KiB chunks); this only bounds a hostile peer.
pub const MAX_WEBSOCKET_MESSAGE: usize = 16 * 1024 * 1024;

/// An upgraded connection: the WebSocket, the subprotocol the server chose, and the URL it was
/// opened on (without query), for error messages.
pub struct WebSocketConnection {
    /// The WebSocket, client role, over the upgraded HTTP/1.1 connection.
    pub socket: WebSocketStream<TokioIo<Upgraded>>,
    /// The subprotocol the server selected (always one of those offered).
    pub protocol: String,
    /// The URL of the upgrade request, without its query.
    pub url: String,
}

impl std::fmt::Debug for WebSocketConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketConnection")
            .field("protocol", &self.protocol)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// Upgrades the request to a WebSocket offering `protocols` (in order of preference, sent as
    /// one comma-separated `Sec-WebSocket-Protocol` header). The method should be GET (the
    /// apiserver authorizes WebSocket exec/attach/port-forward as `create` anyway).
    ///
    /// A non-101 answer is an error built from at most 64 KiB of its body: [`Error::Api`] when it
    /// is a `Status` (so `is_forbidden()`, `is_not_found()`… work), else
    /// [`Error::UnexpectedResponse`]. A 101 without a valid handshake or with a protocol that was
    /// not offered is [`Error::Upgrade`]. The request's timeout (or the client's default), if
    /// any, bounds only the handshake.
    pub async fn upgrade_websocket(self, protocols: &[&str]) -> Result<WebSocketConnection, Error> {
        let key = generate_key();
        let offered = protocols.join(", ");
        let Switched {
            mut response,
            context,
            url,
        } = self
            .send_upgrade("websocket", |headers| {
                headers.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
                headers.insert(
                    SEC_WEBSOCKET_KEY,
                    HeaderValue::from_str(&key).map_err(|_| Error::InvalidRequest {
                        reason: "generated WebSocket key is not a header value".into(),
                    })?,
                );
                if !protocols.is_empty() {
                    let value =
                        HeaderValue::from_str(&offered).map_err(|_| Error::InvalidRequest {
                            reason: format!(
                                "WebSocket subprotocols {protocols:?} are not a valid header value"
                            ),
                        })?;
                    headers.insert(SEC_WEBSOCKET_PROTOCOL, value);
                }
                Ok(())
            })
            .await?;

        let fail = |reason: String| Error::Upgrade {
            url: url.clone(),
            reason,
        };
        let headers = response.headers();
        let header = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        if !header(UPGRADE).is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
            return Err(fail(
                "the response has no \"Upgrade: websocket\" header".into(),
            ));
        }
        let connection_upgrade = header(CONNECTION).is_some_and(|v| {
            v.split(',')
                .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
        });
        if !connection_upgrade {
            return Err(fail(
                "the response has no \"Connection: Upgrade\" header".into(),
            ));
        }
        if header(SEC_WEBSOCKET_ACCEPT) != Some(derive_accept_key(key.as_bytes()).as_str()) {
            return Err(fail(
                "the Sec-WebSocket-Accept header does not match the key".into(),
            ));
        }
        let chosen = header(SEC_WEBSOCKET_PROTOCOL)
            .unwrap_or("")
            .trim()
            .to_string();
        if !protocols.is_empty() && !protocols.contains(&chosen.as_str()) {
            return Err(fail(format!(
                "invalid protocol, expected one of {protocols:?}, got {chosen:?}"
            )));
        }
        let upgraded = context
            .run(hyper::upgrade::on(&mut response))
            .await?
            .map_err(|e| fail(format!("the connection could not be taken over: {e}")))?;
        let socket = WebSocketStream::from_raw_socket(
            TokioIo::new(upgraded),
            Role::Client,
            Some(websocket_config()),
        )
        .await;
        Ok(WebSocketConnection {
            socket,
            protocol: chosen,
            url,
        })
    }
}

/// The error for an upgrade answered with something other than 101, built from at most 64 KiB
/// of its body: [`Error::Api`] for a `Status`, else [`Error::UnexpectedResponse`]. Shared by
/// the WebSocket and the SPDY upgrade.
/// The answer to an upgrade request that switched protocols (101), with what errors need.
pub(crate) struct Switched {
    pub(crate) response: http::Response<crate::ResponseBody>,
    pub(crate) context: crate::request::context::RequestContext,
    /// The request's URL without its query.
    pub(crate) url: String,
}

impl Request {
    /// Sends the request as an upgrade to `protocol` (`Connection: Upgrade`, `Upgrade:
    /// <protocol>`, plus what `headers` adds) through the client's stack, on an HTTP/1.1
    /// connection of the upgrade pool. A non-101 answer is [`failed_upgrade`]'s error. The one
    /// sender of the WebSocket and the SPDY upgrades.
    pub(crate) async fn send_upgrade(
        self,
        protocol: &'static str,
        headers: impl FnOnce(&mut http::HeaderMap) -> Result<(), Error>,
    ) -> Result<Switched, Error> {
        let Prepared {
            mut request,
            context,
            http,
        } = self.prepare(Mode::Upgrade)?;
        let url = url_without_query(request.uri());
        let map = request.headers_mut();
        map.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        map.insert(UPGRADE, HeaderValue::from_static(protocol));
        headers(map)?;
        request.extensions_mut().insert(UpgradeConnection);
        let response = context.run(http.send(request)).await??;
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            return Err(failed_upgrade(response, &context).await);
        }
        Ok(Switched {
            response,
            context,
            url,
        })
    }
}

pub(crate) async fn failed_upgrade(
    response: http::Response<crate::ResponseBody>,
    context: &crate::request::context::RequestContext,
) -> Error {
    let code = response.status().as_u16();
    let (parts, mut body) = response.into_parts();
    let mut bytes = Vec::new();
    let mut complete = true;
    loop {
        match context.run(next_chunk(&mut body)).await {
            Ok(Ok(Some(chunk))) => {
                let room = MAX_UPGRADE_ERROR_BODY - bytes.len();
                if chunk.len() > room {
                    bytes.extend_from_slice(&chunk[..room]);
                    complete = false;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(Ok(None)) => break,
            Ok(Err(_)) | Err(_) => {
                complete = false;
                break;
            }
        }
    }
    error_from_bytes(code, &parts.headers, &bytes, complete, context)
}

/// The WebSocket settings of every upgraded connection: bounded message and frame sizes.
pub(crate) fn websocket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_WEBSOCKET_MESSAGE))
        .max_frame_size(Some(MAX_WEBSOCKET_MESSAGE))
}
