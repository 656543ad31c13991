//! The bottom of the stack: one hyper-util client (one connection pool shared by every clone),
//! and the service that sends a request through it and types its errors.
//!
//! When an exec plugin hands out a new client certificate, the client is rebuilt with the new
//! TLS identity: new requests use a fresh pool (so new connections present the new certificate)
//! while requests in flight finish on the old connections, which close once idle and released.

use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use kclient_config::Config;
use tower::Service;

use super::connector::{Connector, ProxyConnector};
use super::errors::map_client_error;
use super::proxy::ProxyRules;
use super::tls::{Identity, TlsSettings, proxy_client_config};
use crate::{Error, RequestBody};

/// Idle pooled connections are closed after this long (Go's `IdleConnTimeout`).
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// At most this many idle connections are kept per host (client-go's `MaxIdleConnsPerHost`).
const POOL_MAX_IDLE_PER_HOST: usize = 25;

type HyperClient = Client<Connector, RequestBody>;

/// The current hyper clients and the fingerprint of the identity they present.
struct Current {
    client: HyperClient,
    /// The client for protocol upgrades: same TLS trust, identity, proxy and timeouts, but its
    /// connections offer only `http/1.1` in ALPN (an HTTP/2 connection cannot be upgraded), in
    /// a pool of their own.
    upgrade_client: HyperClient,
    identity_fingerprint: Option<u64>,
}

/// Request extension marking a protocol-upgrade request (a WebSocket handshake): the transport
/// sends it over an HTTP/1.1 connection from the upgrade pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UpgradeConnection;

/// The shared transport of one `HttpClient` and all its clones.
pub(crate) struct Transport {
    tls: TlsSettings,
    proxy: ProxyConnector,
    current: RwLock<Current>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Reads the TLS material and proxy settings of `config` and builds the client.
    pub(crate) fn new(config: &Config) -> Result<Arc<Self>, Error> {
        let needs_roots = !config.host.trim().starts_with("http://");
        let tls = TlsSettings::from_config(&config.tls, needs_roots)?;
        let rules = ProxyRules::new(config.proxy_url.as_deref())?;
        let proxy_tls = if rules.may_use_https_proxy() {
            Some(proxy_client_config(config.tls.ca.as_ref())?)
        } else {
            None
        };
        let proxy = ProxyConnector::new(Arc::new(rules), proxy_tls);
        let identity = tls.static_identity().cloned();
        let client = build_client(&tls, &proxy, identity.as_ref(), false)?;
        let upgrade_client = build_client(&tls, &proxy, identity.as_ref(), true)?;
        Ok(Arc::new(Self {
            tls,
            proxy,
            current: RwLock::new(Current {
                client,
                upgrade_client,
                identity_fingerprint: None,
            }),
        }))
    }

    /// The client to send the next request with (the HTTP/1.1-only one for upgrades).
    fn client(&self, upgrade: bool) -> HyperClient {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        match upgrade {
            true => current.upgrade_client.clone(),
            false => current.client.clone(),
        }
    }

    /// Presents the PEM `cert` and `key` from now on (exec plugin credentials). A no-op when they
    /// are the ones already in use.
    pub(crate) fn set_identity(&self, cert_pem: &[u8], key_pem: &[u8]) -> Result<(), Error> {
        let fingerprint = {
            let mut hasher = DefaultHasher::new();
            cert_pem.hash(&mut hasher);
            key_pem.hash(&mut hasher);
            hasher.finish()
        };
        let unchanged = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .identity_fingerprint
            == Some(fingerprint);
        if unchanged {
            return Ok(());
        }
        let identity = Identity::from_pem(cert_pem, key_pem, "exec plugin credential")?;
        let client = build_client(&self.tls, &self.proxy, Some(&identity), false)?;
        let upgrade_client = build_client(&self.tls, &self.proxy, Some(&identity), true)?;
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let rotated = current.identity_fingerprint.is_some();
        *current = Current {
            client,
            upgrade_client,
            identity_fingerprint: Some(fingerprint),
        };
        if rotated {
            tracing::info!("client certificate rotated; new connections present the new one");
        }
        Ok(())
    }
}

/// A hyper client with its own pool, presenting `identity`; `http1_only` for upgrades.
fn build_client(
    tls: &TlsSettings,
    proxy: &ProxyConnector,
    identity: Option<&Identity>,
    http1_only: bool,
) -> Result<HyperClient, Error> {
    let tls_config = tls.client_config(identity, http1_only)?;
    let connector = Connector::new(proxy.clone(), tls, tls_config);
    Ok(Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
        .build(connector))
}

/// Sends requests through the transport's current client; errors become typed [`Error`]s.
#[derive(Clone, Debug)]
pub(crate) struct HyperService {
    transport: Arc<Transport>,
}

impl HyperService {
    /// A service sending through `transport`.
    pub(crate) fn new(transport: Arc<Transport>) -> Self {
        Self { transport }
    }
}

impl Service<Request<RequestBody>> for HyperService {
    type Response = Response<Incoming>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Incoming>, Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<RequestBody>) -> Self::Future {
        let upgrade = request.extensions().get::<UpgradeConnection>().is_some();
        let client = self.transport.client(upgrade);
        let url = url_without_query(request.uri());
        Box::pin(async move {
            client
                .request(request)
                .await
                .map_err(|e| map_client_error(url, e))
        })
    }
}

/// The URL for messages: scheme, authority and path only (query values may be sensitive).
pub(crate) fn url_without_query(uri: &http::Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("");
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if scheme.is_empty() {
        uri.path().to_string()
    } else {
        format!("{scheme}://{authority}{}", uri.path())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn url_without_query_drops_query_and_userinfo() {
        let uri: http::Uri = "https://u:p@h:6443/api/v1/pods?labelSelector=x"
            .parse()
            .unwrap();
        assert_eq!(url_without_query(&uri), "https://h:6443/api/v1/pods");
        let uri: http::Uri = "/api".parse().unwrap();
        assert_eq!(url_without_query(&uri), "/api");
    }
}
