//! The plain SPDY upgrade (client-go's `transport/spdy` round tripper and
//! `httpstream.Negotiate`): `Connection: Upgrade`, `Upgrade: SPDY/3.1` and one
//! `X-Stream-Protocol-Version` per offered protocol, sent through the client's own stack on an
//! HTTP/1.1 connection from the upgrade pool, like the WebSocket upgrade.

use http::header::HeaderValue;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use kclient_apimachinery::httpstream::{HEADER_PROTOCOL_VERSION, SPDY_31};

use crate::upgrade::Switched;
use crate::{Error, Request};

/// A connection upgraded to SPDY/3.1: the raw bytes, and the protocol the server chose.
pub struct SpdyUpgrade {
    /// The upgraded HTTP/1.1 connection.
    pub io: TokioIo<Upgraded>,
    /// The `X-Stream-Protocol-Version` the server answered (empty if it sent none).
    pub protocol: String,
    /// The URL of the upgrade request, without its query.
    pub url: String,
}

impl std::fmt::Debug for SpdyUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpdyUpgrade")
            .field("protocol", &self.protocol)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// Upgrades the request to SPDY/3.1 offering `protocols` (the method should be POST, as
    /// client-go sends it). A non-101 answer becomes [`Error::Api`] or
    /// [`Error::UnexpectedResponse`] from at most 64 KiB of its body; a 101 without the upgrade
    /// headers, or choosing a protocol that was not offered, is [`Error::Upgrade`].
    pub async fn upgrade_spdy(self, protocols: &[&str]) -> Result<SpdyUpgrade, Error> {
        let Switched {
            mut response,
            context,
            url,
        } = self
            .send_upgrade(SPDY_31, |headers| {
                for p in protocols {
                    let value = HeaderValue::from_str(p).map_err(|_| Error::InvalidRequest {
                        reason: format!("stream protocol {p:?} is not a valid header value"),
                    })?;
                    headers.append(HEADER_PROTOCOL_VERSION, value);
                }
                Ok(())
            })
            .await?;
        let fail = |reason: String| Error::Upgrade {
            url: url.clone(),
            reason,
        };
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let has_token = |value: Option<String>, token: &str| {
            value.is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        };
        if !has_token(header("connection"), "upgrade") || !has_token(header("upgrade"), SPDY_31) {
            return Err(fail(
                "unable to upgrade: missing upgrade headers in the response".into(),
            ));
        }
        let protocol = header(HEADER_PROTOCOL_VERSION).unwrap_or_default();
        if !protocols.is_empty() && !protocols.contains(&protocol.as_str()) {
            return Err(fail(format!(
                "unable to negotiate protocol: client supports {protocols:?}, server returned {protocol:?}"
            )));
        }
        let upgraded = context
            .run(hyper::upgrade::on(&mut response))
            .await?
            .map_err(|e| fail(format!("the connection could not be taken over: {e}")))?;
        Ok(SpdyUpgrade {
            io: TokioIo::new(upgraded),
            protocol,
            url,
        })
    }
}
