//! The transport: the hyper client with TLS and proxy support at the bottom, and the tower stack
//! of middleware built on it from a `Config` ([`build_stack`]).

mod client;
mod connector;
pub(crate) mod errors;
mod insecure;
mod proxy;
mod reload;
mod tls;
mod x509;

use std::sync::Arc;

use http::Response;
use http_body_util::BodyExt;
use kclient_config::Config;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;

use client::HyperService;
pub(crate) use client::{Transport, TransportOptions, UpgradeConnection, url_without_query};
pub use tls::crypto_provider;

use crate::Error;
use crate::auth::Authenticator;
use crate::http_client::HttpStack;
use crate::metrics::SharedMetrics;
use crate::metrics::layer::{AttemptMetricsLayer, RequestMetricsLayer};
use crate::middleware::auth::AuthLayer;
use crate::middleware::impersonate::ImpersonateLayer;
use crate::middleware::rate_limit::RateLimitLayer;
use crate::middleware::retry::{Backoff, RetryLayer};
use crate::middleware::timeout::TimeoutLayer;
use crate::middleware::trace::TraceLayer;
use crate::middleware::user_agent::UserAgentLayer;
use crate::middleware::warnings::WarningsLayer;

/// Builds the whole stack for `config`. With `base`, requests are finally handed to that service
/// instead of a real HTTP(S) client (then exec-provided client certificates cannot be used).
///
/// The layers are listed below in request order (the first sees the request first and the
/// response last), one comment each.
pub(crate) fn build_stack(
    config: &Config,
    base: Option<HttpStack>,
    options: &StackOptions,
) -> Result<HttpStack, Error> {
    let (base, transport) = match base {
        Some(base) => (base, None),
        None => {
            let mut transport_options = options.transport.clone();
            transport_options.metrics = options.metrics.clone();
            let transport = Transport::with_options(config, &transport_options)?;
            (hyper_base(config, transport.clone()), Some(transport))
        }
    };
    // user layers around the transport: they see every attempt, with its final headers
    let base = options.inner_layers.iter().rev().fold(base, |s, l| l(s));
    let metrics = options.metrics.clone();
    let rate_limit = RateLimitLayer::new(config.effective_qps(), config.effective_burst())?
        .map(|l| l.with_metrics(metrics.clone()));
    let impersonate = ImpersonateLayer::new(&config.impersonate)?;
    let auth = Authenticator::from_config(config, transport, metrics.clone())?.map(AuthLayer::new);
    let stack = ServiceBuilder::new()
        // latency of the whole request, retries and throttling included (metrics sink only)
        .option_layer(metrics.clone().map(RequestMetricsLayer::new))
        // a span per request: verb, path, status, latency (never headers or query)
        .layer(TraceLayer)
        // Warning headers of the final response to the handler or the log
        .layer(WarningsLayer::new(config.warning_handler.clone()))
        // the per-request timeout, over throttling, retries and the body
        .layer(TimeoutLayer)
        // retries of 429/5xx with Retry-After and of GETs on connection resets
        .layer(RetryLayer::new(Backoff::from_env()).with_metrics(metrics.clone()))
        // client-side token bucket, per attempt (not the first attempt of a watch)
        .option_layer(rate_limit)
        // per attempt: request size, result code, response size (metrics sink only)
        .option_layer(metrics.map(AttemptMetricsLayer::new))
        // User-Agent unless set
        .layer(UserAgentLayer::new(config.user_agent.as_deref())?)
        // Impersonate-* headers
        .option_layer(impersonate)
        // Authorization unless set; refresh and resend once on 401 (exec)
        .option_layer(auth)
        // then: gzip decompression (unless disabled) and the hyper client (see `hyper_base`)
        .service(base);
    let stack = BoxCloneSyncService::new(stack);
    // user layers around everything: they see each request once, as the caller sent it
    Ok(options.outer_layers.iter().rev().fold(stack, |s, l| l(s)))
}

/// A user layer, applied to the boxed stack below it.
pub(crate) type LayerFn = Arc<dyn Fn(HttpStack) -> HttpStack + Send + Sync>;

/// What an [`crate::HttpClientBuilder`] adds to the stack of a `Config`.
#[derive(Clone, Default)]
pub(crate) struct StackOptions {
    /// The metrics sink, if any.
    pub(crate) metrics: Option<SharedMetrics>,
    /// User layers directly around the transport, outermost first.
    pub(crate) inner_layers: Vec<LayerFn>,
    /// User layers around the whole stack, outermost first.
    pub(crate) outer_layers: Vec<LayerFn>,
    /// Settings of the hyper transport.
    pub(crate) transport: TransportOptions,
}

impl StackOptions {
    /// The defaults: the registered metrics sink, if any, and no user layers.
    pub(crate) fn from_globals() -> Self {
        Self {
            metrics: crate::metrics::registered(),
            ..Self::default()
        }
    }
}

/// The bottom of the stack: optional gzip decompression over the hyper client.
fn hyper_base(config: &Config, transport: Arc<Transport>) -> HttpStack {
    let hyper = HyperService::new(transport);
    #[cfg(feature = "gzip")]
    if !config.disable_compression {
        let service = ServiceBuilder::new()
            .map_response(box_body)
            .layer(tower_http::decompression::DecompressionLayer::new())
            .service(hyper);
        return BoxCloneSyncService::new(service);
    }
    let _ = config;
    BoxCloneSyncService::new(ServiceBuilder::new().map_response(box_body).service(hyper))
}

/// Erases the body type into the crate's `ResponseBody`.
fn box_body<B>(response: Response<B>) -> Response<crate::ResponseBody>
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<crate::BoxError>,
{
    response.map(|body| body.map_err(Into::into).boxed_unsync())
}
