//! The server side of a WebSocket upgrade (RFC 6455) over hyper, shared by the streaming
//! subresources (`exec`, `attach`, `portforward`): recognise the upgrade request, negotiate a
//! subprotocol, answer 101 with the accept key, then hand back the WebSocket once hyper has
//! switched the connection. Mirrors `k8s.io/streaming/pkg/httpstream/wsstream` (`conn.go`:
//! `IsWebSocketRequest`, `handshake`), which picks the **first client-offered** protocol the
//! server supports.
//!
//! Use: in a (sync) handler call [`accept`] with the request headers and the supported
//! protocols; return its response, and spawn a task that awaits [`upgraded`] with the request's
//! [`OnUpgrade`] (taken with `hyper::upgrade::on` before the body is read).

use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::response::{self, Body};
use super::status::ApiError;

/// An accepted WebSocket over the upgraded HTTP/1.1 connection.
pub type WebSocket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// Whether `headers` ask for a WebSocket upgrade (`Connection` containing `upgrade` and
/// `Upgrade: websocket`, both case-insensitive).
pub fn is_websocket(headers: &HeaderMap) -> bool {
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    has(header::CONNECTION, "upgrade") && has(header::UPGRADE, "websocket")
}

/// The subprotocols the client offers, in its order (repeated headers and comma-separated
/// values both count).
pub fn offered_protocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// The first protocol the client offers that is in `supported`; a client that offers none
/// gets `""` when `supported` lists `""` (the kubelet's v1 default).
pub fn negotiate(offered: &[String], supported: &[&'static str]) -> Option<&'static str> {
    if offered.is_empty() {
        return supported.iter().find(|s| s.is_empty()).copied();
    }
    offered
        .iter()
        .find_map(|o| supported.iter().find(|s| !s.is_empty() && *s == o))
        .copied()
}

/// Validates a WebSocket upgrade request and negotiates its subprotocol: the 101 response to
/// return, and the chosen protocol (`""` when none was offered and `""` is supported).
///
/// Errors: 400 when the request is not a valid WebSocket upgrade (missing
/// `Sec-WebSocket-Key`, version other than 13) or offers no supported protocol
/// (`requested protocol(s) are not supported: [..]; supports [..]`, as `wsstream` words it).
pub fn accept(
    headers: &HeaderMap,
    supported: &[&'static str],
) -> Result<(Response<Body>, &'static str), ApiError> {
    if !is_websocket(headers) {
        return Err(ApiError::bad_request("Upgrade request required"));
    }
    let version = headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if version.trim() != "13" {
        return Err(ApiError::bad_request(format!(
            "unsupported WebSocket version {version:?} (want 13)"
        )));
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or_else(|| ApiError::bad_request("missing Sec-WebSocket-Key"))?;
    let offered = offered_protocols(headers);
    let protocol = negotiate(&offered, supported).ok_or_else(|| {
        ApiError::bad_request(format!(
            "requested protocol(s) are not supported: [{}]; supports [{}]",
            offered.join(" "),
            supported.join(" ")
        ))
    })?;
    let mut resp = Response::new(response::full(bytes::Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if !protocol.is_empty() {
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(protocol),
        );
    }
    Ok((resp, protocol))
}

/// Waits for hyper to hand over the upgraded connection, then wraps it as a server-side
/// WebSocket. Messages up to 16 MiB are accepted (client-go writes 32 KiB at most).
pub async fn upgraded(on: OnUpgrade) -> Result<WebSocket, hyper::Error> {
    let io = TokioIo::new(on.await?);
    let config = WebSocketConfig::default()
        .max_message_size(Some(16 << 20))
        .max_frame_size(Some(16 << 20));
    Ok(WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    const UPGRADE: [(&str, &str); 4] = [
        ("connection", "keep-alive, Upgrade"),
        ("upgrade", "WebSocket"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];

    #[test]
    fn the_first_offered_supported_protocol_wins() {
        let supported = ["v5.channel.k8s.io", "v4.channel.k8s.io", ""];
        let offered = |s: &[&str]| s.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(
            negotiate(
                &offered(&["v4.channel.k8s.io", "v5.channel.k8s.io"]),
                &supported
            ),
            Some("v4.channel.k8s.io")
        );
        assert_eq!(
            negotiate(&offered(&["x", "v5.channel.k8s.io"]), &supported),
            Some("v5.channel.k8s.io")
        );
        assert_eq!(negotiate(&offered(&[]), &supported), Some(""));
        assert_eq!(negotiate(&offered(&[]), &supported[..2]), None);
        assert_eq!(negotiate(&offered(&["x"]), &supported), None);
    }

    #[test]
    fn accept_answers_101_with_the_rfc_6455_key() {
        let mut pairs = UPGRADE.to_vec();
        pairs.push((
            "sec-websocket-protocol",
            "v5.channel.k8s.io, v4.channel.k8s.io",
        ));
        let (resp, protocol) = accept(
            &headers(&pairs),
            &["v4.channel.k8s.io", "v5.channel.k8s.io"],
        )
        .unwrap();
        assert_eq!(protocol, "v5.channel.k8s.io");
        assert_eq!(resp.status(), 101);
        // The example of RFC 6455 section 1.3.
        assert_eq!(
            resp.headers()[header::SEC_WEBSOCKET_ACCEPT],
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert_eq!(
            resp.headers()[header::SEC_WEBSOCKET_PROTOCOL],
            "v5.channel.k8s.io"
        );
    }

    #[test]
    fn bad_upgrades_are_refused() {
        let err = accept(&headers(&UPGRADE[..2]), &[""]).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(accept(&headers(&[]), &[""]).is_err());
        let mut pairs = UPGRADE.to_vec();
        pairs.push(("sec-websocket-protocol", "nope"));
        let err = accept(&headers(&pairs), &["v5.channel.k8s.io"]).unwrap_err();
        assert_eq!(
            err.message,
            "requested protocol(s) are not supported: [nope]; supports [v5.channel.k8s.io]"
        );
    }
}
