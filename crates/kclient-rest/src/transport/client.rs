//! The bottom of the stack: one hyper-util client (one connection pool shared by every clone),
//! and the service that sends a request through it and types its errors.
//!
//! When an exec plugin hands out a new client certificate, the client is rebuilt with the new
//! TLS identity: new requests use a fresh pool (so new connections present the new certificate)
//! while requests in flight finish on the old connections, which close once idle and released.

use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
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
use super::reload::TlsFiles;
use super::tls::{Identity, TlsSettings, proxy_client_config};
use super::x509::validity;
use crate::metrics::SharedMetrics;
use crate::{Error, RequestBody};

/// Idle pooled connections are closed after this long (Go's `IdleConnTimeout`).
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// At most this many idle connections are kept per host (client-go's `MaxIdleConnsPerHost`).
const POOL_MAX_IDLE_PER_HOST: usize = 25;

/// client-go's default HTTP/2 `ReadIdleTimeout`.
const HTTP2_READ_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// client-go's default HTTP/2 `PingTimeout`.
const HTTP2_PING_TIMEOUT: Duration = Duration::from_secs(15);
/// How often TLS files are checked for changes (client-go's `CertCallbackRefreshDuration`).
const TLS_RELOAD_INTERVAL: Duration = Duration::from_secs(5 * 60);

type HyperClient = Client<Connector, RequestBody>;

/// Settings of the hyper transport that a `Config` does not hold.
#[derive(Clone)]
pub(crate) struct TransportOptions {
    /// Send an HTTP/2 PING after this long without a frame; `None` disables the health check.
    pub(crate) http2_read_idle_timeout: Option<Duration>,
    /// Close the connection when a PING is not answered within this.
    pub(crate) http2_ping_timeout: Duration,
    /// Offer HTTP/2 (ALPN `h2`); off when `DISABLE_HTTP2` is set to anything non-empty.
    pub(crate) http2: bool,
    /// How often TLS files are checked for changes.
    pub(crate) tls_reload_interval: Duration,
    /// Where certificate rotations are reported.
    pub(crate) metrics: Option<SharedMetrics>,
}

impl std::fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportOptions")
            .field("http2_read_idle_timeout", &self.http2_read_idle_timeout)
            .field("http2_ping_timeout", &self.http2_ping_timeout)
            .field("http2", &self.http2)
            .field("tls_reload_interval", &self.tls_reload_interval)
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

impl Default for TransportOptions {
    /// client-go's values, overridden by `HTTP2_READ_IDLE_TIMEOUT_SECONDS` and
    /// `HTTP2_PING_TIMEOUT_SECONDS` (integers; an unparsable value is logged and ignored; a
    /// read-idle timeout of 0 disables the check); HTTP/1.1 only when `DISABLE_HTTP2` is set
    /// and not empty, as client-go (`SetTransportDefaults`).
    fn default() -> Self {
        let read_idle = env_seconds("HTTP2_READ_IDLE_TIMEOUT_SECONDS", HTTP2_READ_IDLE_TIMEOUT);
        Self {
            http2_read_idle_timeout: Some(read_idle).filter(|d| !d.is_zero()),
            http2_ping_timeout: env_seconds("HTTP2_PING_TIMEOUT_SECONDS", HTTP2_PING_TIMEOUT),
            http2: !http2_disabled(std::env::var_os("DISABLE_HTTP2").as_deref()),
            tls_reload_interval: TLS_RELOAD_INTERVAL,
            metrics: None,
        }
    }
}

/// Whether a `DISABLE_HTTP2` value turns HTTP/2 off: any non-empty value does (client-go
/// tests `len(os.Getenv("DISABLE_HTTP2")) > 0`).
fn http2_disabled(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// Whole seconds from the environment variable `name`, or `default`.
fn env_seconds(name: &str, default: Duration) -> Duration {
    let Ok(value) = std::env::var(name) else {
        return default;
    };
    match value.trim().parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            tracing::warn!(
                "{name}={value:?} is not a whole number of seconds; using {}s",
                default.as_secs()
            );
            default
        }
    }
}

/// The current hyper client, the TLS settings it was built with, and the exec plugin's
/// identity it presents (if any, with its fingerprint).
struct Current {
    client: HyperClient,
    /// The client for protocol upgrades: same TLS trust, identity, proxy and timeouts, but its
    /// connections offer only `http/1.1` in ALPN (an HTTP/2 connection cannot be upgraded), in
    /// a pool of their own.
    upgrade_client: HyperClient,
    tls: TlsSettings,
    exec_identity: Option<(u64, Identity)>,
}

/// Request extension marking a protocol-upgrade request (a WebSocket handshake): the transport
/// sends it over an HTTP/1.1 connection from the upgrade pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UpgradeConnection;

/// The shared transport of one `HttpClient` and all its clones.
pub(crate) struct Transport {
    proxy: ProxyConnector,
    options: TransportOptions,
    current: RwLock<Current>,
    /// The TLS files to re-read as they rotate, if the config names any.
    files: Option<Mutex<TlsFiles>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field(
                "tls",
                &self
                    .current
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .tls,
            )
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Reads the TLS material and proxy settings of `config` and builds the client.
    #[allow(dead_code)] // the default options; the stack builder passes its own
    pub(crate) fn new(config: &Config) -> Result<Arc<Self>, Error> {
        Self::with_options(config, &TransportOptions::default())
    }

    /// As [`Transport::new`], with non-default transport settings.
    pub(crate) fn with_options(
        config: &Config,
        options: &TransportOptions,
    ) -> Result<Arc<Self>, Error> {
        let needs_roots = !config.host.trim().starts_with("http://");
        let tls = TlsSettings::from_config(&config.tls, needs_roots)?;
        let rules = ProxyRules::new(config.proxy_url.as_deref())?;
        let proxy_tls = if rules.may_use_https_proxy() {
            Some(proxy_client_config(config.tls.ca.as_ref())?)
        } else {
            None
        };
        let proxy = ProxyConnector::new(Arc::new(rules), proxy_tls);
        let client = build_client(&tls, &proxy, options, tls.static_identity(), false)?;
        let upgrade_client = build_client(&tls, &proxy, options, tls.static_identity(), true)?;
        let files = TlsFiles::new(
            &config.tls,
            needs_roots,
            options.tls_reload_interval,
            options.metrics.clone(),
        );
        Ok(Arc::new(Self {
            proxy,
            options: options.clone(),
            current: RwLock::new(Current {
                client,
                upgrade_client,
                tls,
                exec_identity: None,
            }),
            files: files.map(Mutex::new),
        }))
    }

    /// The client to send the next request with (after re-reading TLS files, when due): the
    /// HTTP/1.1-only one for upgrades.
    fn client(&self, upgrade: bool) -> HyperClient {
        self.reload_files_if_due();
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        match upgrade {
            true => current.upgrade_client.clone(),
            false => current.client.clone(),
        }
    }

    /// Re-reads the TLS files when a check is due, and switches to a new client when they
    /// changed. One caller checks; the others go on with the current client.
    fn reload_files_if_due(&self) {
        let Some(files) = &self.files else { return };
        let Ok(mut files) = files.try_lock() else {
            return;
        };
        let now = tokio::time::Instant::now();
        if !files.due(now) {
            return;
        }
        let Some(tls) = files.check(now) else { return };
        drop(files);
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let identity = match &current.exec_identity {
            Some((_, identity)) => Some(identity),
            None => tls.static_identity(),
        };
        let built =
            build_client(&tls, &self.proxy, &self.options, identity, false).and_then(|client| {
                let upgrade = build_client(&tls, &self.proxy, &self.options, identity, true)?;
                Ok((client, upgrade))
            });
        match built {
            Ok((client, upgrade_client)) => {
                current.client = client;
                current.upgrade_client = upgrade_client;
                current.tls = tls;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot use the new TLS files; keeping the old ones");
            }
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
            .exec_identity
            .as_ref()
            .is_some_and(|(f, _)| *f == fingerprint);
        if unchanged {
            return Ok(());
        }
        let identity = Identity::from_pem(cert_pem, key_pem, "exec plugin credential")?;
        if let Some(metrics) = &self.options.metrics {
            report_rotation(metrics, &self.current, &identity);
        }
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let client = build_client(
            &current.tls,
            &self.proxy,
            &self.options,
            Some(&identity),
            false,
        )?;
        let upgrade_client = build_client(
            &current.tls,
            &self.proxy,
            &self.options,
            Some(&identity),
            true,
        )?;
        let rotated = current.exec_identity.is_some();
        current.client = client;
        current.upgrade_client = upgrade_client;
        current.exec_identity = Some((fingerprint, identity));
        if rotated {
            tracing::info!("client certificate rotated; new connections present the new one");
        }
        Ok(())
    }
}

/// client-go's exec certificate metrics: the age of the certificate being replaced (now − its
/// `notBefore`) and the expiry of the new one.
fn report_rotation(metrics: &SharedMetrics, current: &RwLock<Current>, new: &Identity) {
    let now = std::time::SystemTime::now();
    let old_not_before = current
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .exec_identity
        .as_ref()
        .and_then(|(_, old)| old.leaf())
        .and_then(validity)
        .map(|(not_before, _)| not_before);
    if let Some(age) = old_not_before.and_then(|t| now.duration_since(t).ok()) {
        metrics.client_cert_rotation_age(age);
    }
    let expiry = new
        .leaf()
        .and_then(validity)
        .map(|(_, not_after)| not_after);
    metrics.client_cert_expiry(expiry);
}

/// A hyper client with its own pool, presenting `identity`; `http1_only` for upgrades.
fn build_client(
    tls: &TlsSettings,
    proxy: &ProxyConnector,
    options: &TransportOptions,
    identity: Option<&Identity>,
    http1_only: bool,
) -> Result<HyperClient, Error> {
    let http1_only = http1_only || !options.http2;
    let connector = Connector::new(proxy.clone(), tls, tls.client_config(identity, http1_only)?);
    let mut builder = Client::builder(TokioExecutor::new());
    builder
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST);
    // client-go's HTTP/2 health check: hyper sends a PING once `interval` has passed without
    // a frame read from the connection, and closes it when the PING is not answered in time.
    if let Some(read_idle) = options.http2_read_idle_timeout {
        builder
            .http2_keep_alive_interval(read_idle)
            .http2_keep_alive_timeout(options.http2_ping_timeout)
            .http2_keep_alive_while_idle(true);
    }
    Ok(builder.build(connector))
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

    fn call(&mut self, mut request: Request<RequestBody>) -> Self::Future {
        let upgrade = request.extensions().get::<UpgradeConnection>().is_some();
        let client = self.transport.client(upgrade);
        let url = url_without_query(request.uri());
        strip_userinfo(request.uri_mut());
        Box::pin(async move {
            client
                .request(request)
                .await
                .map_err(|e| map_client_error(url, e))
        })
    }
}

/// Removes `user:password@` from the URI's authority before the request reaches hyper, whose
/// connection pool names connections by authority in its trace logs. (kclient never
/// authenticates with user information in a URL: credentials come from the config.)
fn strip_userinfo(uri: &mut http::Uri) {
    let Some(authority) = uri.authority() else {
        return;
    };
    let Some(host) = authority
        .as_str()
        .rsplit_once('@')
        .and_then(|(_, host)| host.parse::<http::uri::Authority>().ok())
    else {
        return;
    };
    let mut parts = std::mem::take(uri).into_parts();
    parts.authority = Some(host);
    if let Ok(stripped) = http::Uri::from_parts(parts) {
        *uri = stripped;
    }
}

/// The URL for messages: scheme, authority and path only (query values may be sensitive), by
/// the rule of [`kclient_apimachinery::redact::url_for_errors`].
pub(crate) fn url_without_query(uri: &http::Uri) -> String {
    kclient_apimachinery::redact::url_for_errors(&uri.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn userinfo_is_stripped_before_hyper_sees_the_uri() {
        let mut uri: http::Uri = "https://u:p@h:6443/api/v1/pods?x=1".parse().unwrap();
        strip_userinfo(&mut uri);
        assert_eq!(uri.to_string(), "https://h:6443/api/v1/pods?x=1");
    }

    #[test]
    fn url_without_query_drops_query_and_userinfo() {
        let uri: http::Uri = "https://u:p@h:6443/api/v1/pods?labelSelector=x"
            .parse()
            .unwrap();
        assert_eq!(url_without_query(&uri), "https://h:6443/api/v1/pods");
        let uri: http::Uri = "/api".parse().unwrap();
        assert_eq!(url_without_query(&uri), "/api");
    }

    #[test]
    fn disable_http2_is_any_non_empty_value() {
        use std::ffi::OsStr;
        assert!(!http2_disabled(None));
        assert!(!http2_disabled(Some(OsStr::new(""))));
        assert!(http2_disabled(Some(OsStr::new("1"))));
        assert!(http2_disabled(Some(OsStr::new("false"))));
    }
}
