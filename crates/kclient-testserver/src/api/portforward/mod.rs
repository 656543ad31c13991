//! `pods/portforward`, as the v1.36 apiserver and a kubelet serve it together (the apiserver's
//! `PortForwardLocation` checks and its tunnelling handler, the kubelet's port-forward servers):
//!
//! - WebSocket offering `SPDY/3.1+portforward.k8s.io` (kubectl 1.31+): SPDY inside binary
//!   messages ([`spdy`] over `kclient_rest::httpstream::WsByteStream`);
//! - `POST` with `Upgrade: SPDY/3.1` and `X-Stream-Protocol-Version: portforward.k8s.io`
//!   (kubectl's fallback): plain SPDY ([`spdy`]);
//! - any other WebSocket (`v4.channel.k8s.io`, none): the kubelet's channel protocol with the
//!   `ports` query parameter ([`channels`]).
//!
//! The pod's ports are simulated by [`container`]: declared ports echo or answer HTTP,
//! undeclared ones refuse as containerd does. The SPDY engine is `kclient-rest`'s (the same
//! code serves both roles, as `spdystream` does for the kubelet and client-go).

mod channels;
mod container;
mod spdy;

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Response, header};
use hyper_util::rt::TokioIo;
use kclient_apimachinery::httpstream::{SPDY_31, WEBSOCKET_SPDY_TUNNELING_PREFIX};
use kclient_apimachinery::portforward::{
    PORT_FORWARD_V1, WEBSOCKET_SPDY_TUNNELING_PORT_FORWARD_V1, WEBSOCKET_V4_CHANNEL,
};
use kclient_rest::httpstream::WsByteStream;
use serde_json::Value;

use super::response::Body;
use super::status::ApiError;
use super::{Ctx, State, websocket};
use crate::store::Key;
use container::PodTarget;

/// Whether `headers` ask for a plain SPDY upgrade (`Connection: Upgrade`, `Upgrade: SPDY/3.1`).
pub fn is_spdy_upgrade(headers: &HeaderMap) -> bool {
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    has(header::CONNECTION, "upgrade") && has(header::UPGRADE, SPDY_31)
}

/// Ends when the pod is deleted (or replaced) or the server shuts down.
#[derive(Clone)]
pub struct PodWatch {
    state: Arc<State>,
    key: Key,
    uid: String,
}

impl PodWatch {
    /// Resolves once the pod is gone.
    pub async fn gone(&mut self) {
        let mut shutdown = self.state.shutdown.clone();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
            let current = self.state.store.get(&self.key).map(|o| o.value());
            let uid = current
                .as_ref()
                .and_then(|p| p.pointer("/metadata/uid"))
                .and_then(Value::as_str);
            if uid != Some(self.uid.as_str()) {
                return;
            }
        }
    }
}

/// GET (WebSocket) or POST (SPDY) `pods/<name>/portforward`.
pub fn portforward(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let key = Key::new("", "pods", ctx.namespace(), ctx.name());
    let pod = ctx
        .state
        .store
        .get(&key)
        .ok_or_else(|| ApiError::not_found(&ctx.res.group_resource(), ctx.name()))?
        .value();
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if node.is_empty() {
        return Err(ApiError::bad_request(format!(
            "pod {} does not have a host assigned",
            ctx.name()
        )));
    }
    let target = Arc::new(PodTarget::from_pod(&pod));
    let watch = PodWatch {
        state: ctx.state.clone(),
        key,
        uid: target.uid.clone(),
    };
    let headers = &ctx.headers;
    if websocket::is_websocket(headers) {
        let offered = websocket::offered_protocols(headers);
        let tunnel = offered
            .iter()
            .any(|p| p.starts_with(WEBSOCKET_SPDY_TUNNELING_PREFIX) && p.ends_with(".k8s.io"));
        if tunnel {
            // streamtunnel.go: the kubelet only speaks portforward.k8s.io.
            let (resp, _) = websocket::accept(headers, &[WEBSOCKET_SPDY_TUNNELING_PORT_FORWARD_V1])
                .map_err(|_| {
                    ApiError::bad_request(format!(
                        "unable to upgrade: unable to negotiate protocol: client supports [{}], server supports [{PORT_FORWARD_V1}]",
                        offered.join(" ")
                    ))
                })?;
            let upgrade = ctx
                .take_upgrade()
                .ok_or_else(|| ApiError::bad_request("Upgrade request required"))?;
            tokio::spawn(async move {
                if let Ok(ws) = websocket::upgraded(upgrade).await {
                    spdy::serve(WsByteStream::new(ws), target, watch).await;
                }
            });
            return Ok(resp);
        }
        let ports =
            channels::parse_ports(&ctx.query.all("ports")).map_err(ApiError::bad_request)?;
        let (resp, _) = websocket::accept(headers, &[WEBSOCKET_V4_CHANNEL, ""])?;
        let upgrade = ctx
            .take_upgrade()
            .ok_or_else(|| ApiError::bad_request("Upgrade request required"))?;
        tokio::spawn(async move {
            if let Ok(ws) = websocket::upgraded(upgrade).await {
                channels::serve(ws, ports, target, watch).await;
            }
        });
        return Ok(resp);
    }
    if !is_spdy_upgrade(headers) {
        return Err(ApiError::bad_request(
            "unable to upgrade: missing upgrade headers in request",
        ));
    }
    // httpstream.Handshake: no protocol offered is the legacy case; otherwise it must match.
    let (resp, _) = super::session::spdy_handshake(headers, &[PORT_FORWARD_V1])?;
    let upgrade = ctx
        .take_upgrade()
        .ok_or_else(|| ApiError::bad_request("Upgrade request required"))?;
    tokio::spawn(async move {
        if let Ok(upgraded) = upgrade.await {
            spdy::serve(TokioIo::new(upgraded), target, watch).await;
        }
    });
    Ok(resp)
}
