//! [`HttpClientBuilder`]: the transport stack of a `Config` with the user's own tower layers
//! added, a metrics sink of its own, and the transport's tunables (HTTP/2 health checks,
//! reloading of TLS files). kube-rs users know this as `ClientBuilder::with_layer`; client-go
//! users as `rest.Config.Wrap(func(http.RoundTripper) http.RoundTripper)`.

use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use kclient_config::Config;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service};

use crate::metrics::SharedMetrics;
use crate::transport::{LayerFn, StackOptions, build_stack};
use crate::{Error, HttpClient, RequestBody, ResponseBody};

/// The type-erased service a user layer wraps: the rest of the stack below it.
pub type StackService = BoxCloneSyncService<Request<RequestBody>, Response<ResponseBody>, Error>;

/// Builds an [`HttpClient`] from a `Config` plus what a `Config` cannot say.
///
/// ```
/// # fn run() -> Result<(), kclient_rest::Error> {
/// use http::{HeaderName, HeaderValue};
/// use kclient_config::Config;
/// use kclient_rest::HttpClient;
/// use std::time::Duration;
///
/// let config = Config::new("https://127.0.0.1:6443");
/// let client = HttpClient::builder(&config)
///     // around the real transport: sees every attempt with its final headers
///     .layer(tower::util::MapRequestLayer::new(|mut r: http::Request<_>| {
///         r.headers_mut().insert(
///             HeaderName::from_static("x-team"),
///             HeaderValue::from_static("storage"),
///         );
///         r
///     }))
///     // client-go's HTTP/2 health check, with shorter timeouts
///     .http2_health_check(Some(Duration::from_secs(10)), Duration::from_secs(5))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpClientBuilder {
    config: Config,
    base: Option<StackService>,
    options: StackOptions,
}

impl std::fmt::Debug for HttpClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClientBuilder")
            .field("host", &self.config.host)
            .field("metrics", &self.options.metrics.is_some())
            .field("inner_layers", &self.options.inner_layers.len())
            .field("outer_layers", &self.options.outer_layers.len())
            .field("transport", &self.options.transport)
            .finish_non_exhaustive()
    }
}

/// Boxes a user layer into a function over the type-erased stack.
fn boxed_layer<L>(layer: L) -> LayerFn
where
    L: Layer<StackService> + Send + Sync + 'static,
    L::Service: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Error>
        + Clone
        + Send
        + Sync
        + 'static,
    <L::Service as Service<Request<RequestBody>>>::Future: Send + 'static,
{
    Arc::new(move |inner| BoxCloneSyncService::new(layer.layer(inner)))
}

impl HttpClientBuilder {
    /// A builder for `config` with the defaults of [`HttpClient::for_config`]: the registered
    /// metrics sink, no user layers, the HTTP/2 health check of the environment.
    pub fn new(config: &Config) -> Self {
        Self {
            config: config.clone(),
            base: None,
            options: StackOptions::from_globals(),
        }
    }

    /// Adds `layer` directly around the real transport, below kclient's own middleware
    /// (authentication, impersonation, rate limiting, retries, timeouts): it sees every attempt
    /// (retries included) with its final headers, and the raw response. The first layer added
    /// is the outermost of these. Use it for per-attempt tracing or metrics, or for headers the
    /// server must see.
    ///
    /// The layer sees the `Authorization` header: it must not log it.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<StackService> + Send + Sync + 'static,
        L::Service: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<Request<RequestBody>>>::Future: Send + 'static,
    {
        self.options.inner_layers.push(boxed_layer(layer));
        self
    }

    /// Adds `layer` around the whole stack: it sees each request once, as the caller sent it,
    /// and the final result after retries. The first layer added is the outermost.
    pub fn outer_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<StackService> + Send + Sync + 'static,
        L::Service: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<Request<RequestBody>>>::Future: Send + 'static,
    {
        self.options.outer_layers.push(boxed_layer(layer));
        self
    }

    /// Reports this client's metrics to `metrics` instead of the registered sink.
    pub fn metrics(mut self, metrics: SharedMetrics) -> Self {
        self.options.metrics = Some(metrics);
        self
    }

    /// Reports no metrics from this client, even if a sink is registered.
    pub fn without_metrics(mut self) -> Self {
        self.options.metrics = None;
        self
    }

    /// client-go's HTTP/2 health check (`ReadIdleTimeout`, `PingTimeout`): after
    /// `read_idle_timeout` without a frame from the server, a PING is sent, and the connection
    /// is closed if no answer comes within `ping_timeout`; requests and watches on it then
    /// fail (and are retried or re-established by their callers) instead of hanging. `None`
    /// disables the check. The default is 30 s and 15 s, or the values of
    /// `HTTP2_READ_IDLE_TIMEOUT_SECONDS` and `HTTP2_PING_TIMEOUT_SECONDS`.
    pub fn http2_health_check(
        mut self,
        read_idle_timeout: Option<Duration>,
        ping_timeout: Duration,
    ) -> Self {
        self.options.transport.http2_read_idle_timeout = read_idle_timeout.filter(|d| !d.is_zero());
        self.options.transport.http2_ping_timeout = ping_timeout;
        self
    }

    /// Whether HTTP/2 is offered (ALPN `h2`, on by default); `false` keeps every connection on
    /// HTTP/1.1, as the `DISABLE_HTTP2` environment variable does (client-go honours it too).
    pub fn http2(mut self, enabled: bool) -> Self {
        self.options.transport.http2 = enabled;
        self
    }

    /// How often client certificate, key and CA files named by the config are checked for
    /// changes (client-go checks every 5 minutes, the default). A change takes effect for new
    /// connections; requests in flight finish on their connection.
    pub fn tls_reload_interval(mut self, interval: Duration) -> Self {
        self.options.transport.tls_reload_interval = interval;
        self
    }

    /// Sends requests to `service` instead of a real HTTP(S) client, below kclient's
    /// middleware and the user layers (as [`HttpClient::for_config_with_service`]).
    pub fn service(mut self, service: StackService) -> Self {
        self.base = Some(service);
        self
    }

    /// Builds the client: reads the TLS files and sets up the proxy and credentials, as
    /// [`HttpClient::for_config`] does.
    pub fn build(self) -> Result<HttpClient, Error> {
        Ok(HttpClient::from_stack(build_stack(
            &self.config,
            self.base,
            &self.options,
        )?))
    }
}
