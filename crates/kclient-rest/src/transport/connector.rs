//! Connectors for the hyper client: TCP (directly, through an HTTP CONNECT tunnel of an
//! `http://` or `https://` proxy, or through a `socks5://` proxy), then TLS for `https://`
//! destinations.
//!
//! SOCKS5 follows Go's `net/http` (which client-go uses): the destination's host name is sent to
//! the proxy, which resolves it (no local DNS lookup), and a user name and password in the proxy
//! URL are used for the SOCKS5 user/password method.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use rustls::ClientConfig;
use tower::Service;

use super::proxy::ProxyRules;
use super::tls::TlsSettings;
use crate::BoxError;

/// How long establishing TCP may take (client-go's dial timeout).
const TCP_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the whole connection setup (TCP, proxy tunnel, TLS handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(40);
/// TCP keepalive of connections (client-go's value).
const TCP_KEEPALIVE: Duration = Duration::from_secs(30);

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A connection of any kind the proxy connector produces.
trait Io: Read + Write + Connection + Send + Unpin {}
impl<T: Read + Write + Connection + Send + Unpin> Io for T {}

/// A type-erased connection (direct TCP, or a tunnel through a plain or TLS proxy connection).
pub(crate) struct BoxedIo(Box<dyn Io>);

impl Connection for BoxedIo {
    fn connected(&self) -> Connected {
        self.0.connected()
    }
}

impl Read for BoxedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl Write for BoxedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }
}

/// Opens the byte stream to a destination: directly or through a CONNECT tunnel.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    http: HttpConnector,
    rules: Arc<ProxyRules>,
    /// TLS settings for `https://` proxies (present when one may be used).
    proxy_tls: Option<Arc<ClientConfig>>,
}

impl ProxyConnector {
    /// A connector following `rules`; `proxy_tls` is needed for `https://` proxies.
    pub(crate) fn new(rules: Arc<ProxyRules>, proxy_tls: Option<Arc<ClientConfig>>) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(TCP_CONNECT_TIMEOUT));
        http.set_keepalive(Some(TCP_KEEPALIVE));
        http.set_nodelay(true);
        Self {
            http,
            rules,
            proxy_tls,
        }
    }
}

impl Service<Uri> for ProxyConnector {
    type Response = BoxedIo;
    type Error = BoxError;
    type Future = BoxFuture<Result<BoxedIo, BoxError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut http = self.http.clone();
        let Some(intercept) = self.rules.intercept(&dst) else {
            return Box::pin(async move { Ok(BoxedIo(Box::new(http.call(dst).await?))) });
        };
        let proxy = intercept.uri().clone();
        let auth = intercept.basic_auth().cloned();
        let dst = with_explicit_port(dst);
        let proxy_tls = self.proxy_tls.clone();
        let socks_auth = intercept
            .raw_auth()
            .map(|(user, pass)| (user.to_string(), pass.to_string()));
        Box::pin(async move {
            tracing::debug!(proxy = %redacted_authority(&proxy), "connecting through proxy");
            if matches!(proxy.scheme_str(), Some("socks5" | "socks5h")) {
                let mut socks = SocksV5::new(proxy, http).local_dns(false);
                if let Some((user, pass)) = socks_auth {
                    socks = socks.with_auth(user, pass);
                }
                Ok(BoxedIo(Box::new(socks.call(dst).await?)))
            } else if proxy.scheme_str() == Some("https") {
                let tls = proxy_tls.ok_or("no TLS configuration for the https:// proxy")?;
                let mut tunnel = Tunnel::new(proxy, HttpsConnector::from((http, tls)));
                if let Some(auth) = auth {
                    tunnel = tunnel.with_auth(auth);
                }
                Ok(BoxedIo(Box::new(tunnel.call(dst).await?)))
            } else {
                let mut tunnel = Tunnel::new(proxy, http);
                if let Some(auth) = auth {
                    tunnel = tunnel.with_auth(auth);
                }
                Ok(BoxedIo(Box::new(tunnel.call(dst).await?)))
            }
        })
    }
}

/// The host and port of a proxy URI (its credentials, if any, are already split off).
fn redacted_authority(uri: &Uri) -> String {
    uri.authority()
        .map(|a| {
            a.as_str()
                .rsplit('@')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_default()
}

/// The CONNECT tunnel needs the port; `http://host` means port 80, `https://host` 443.
fn with_explicit_port(dst: Uri) -> Uri {
    if dst.port().is_some() {
        return dst;
    }
    let port = if dst.scheme_str() == Some("http") {
        80
    } else {
        443
    };
    let Some(host) = dst.host() else { return dst };
    let authority = format!("{host}:{port}");
    let mut parts = dst.clone().into_parts();
    match authority.parse() {
        Ok(a) => parts.authority = Some(a),
        Err(_) => return dst,
    }
    Uri::from_parts(parts).unwrap_or(dst)
}

/// The connector of the hyper client: proxy-aware TCP plus TLS, under one overall timeout.
#[derive(Clone)]
pub(crate) struct Connector {
    inner: HttpsConnector<ProxyConnector>,
}

impl Connector {
    /// TLS with `tls_config`, verifying (and sending SNI for) the settings' server name override.
    pub(crate) fn new(
        proxy: ProxyConnector,
        settings: &TlsSettings,
        tls_config: Arc<ClientConfig>,
    ) -> Self {
        let inner = match settings.server_name() {
            Some(name) => HttpsConnector::new(
                proxy,
                tls_config,
                false,
                Arc::new(FixedServerNameResolver::new(name.clone())),
            ),
            None => HttpsConnector::from((proxy, tls_config)),
        };
        Self { inner }
    }
}

impl Service<Uri> for Connector {
    type Response = MaybeHttpsStream<BoxedIo>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let connecting = self.inner.call(dst);
        Box::pin(async move {
            match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
                Ok(result) => result,
                Err(_) => Err(Box::new(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("connection setup took longer than {CONNECT_TIMEOUT:?}"),
                )) as BoxError),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn explicit_ports() {
        let u = with_explicit_port("http://h/x".parse().unwrap());
        assert_eq!(u.to_string(), "http://h:80/x");
        let u = with_explicit_port("https://h/x?y=1".parse().unwrap());
        assert_eq!(u.to_string(), "https://h:443/x?y=1");
        let u = with_explicit_port("https://h:6443/".parse().unwrap());
        assert_eq!(u.port_u16(), Some(6443));
    }

    #[test]
    fn proxy_authority_hides_credentials() {
        let u: Uri = "http://user:pw@proxy:3128/".parse().unwrap();
        assert_eq!(redacted_authority(&u), "proxy:3128");
    }
}
