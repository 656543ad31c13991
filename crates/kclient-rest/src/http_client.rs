//! `HttpClient`: the configured transport stack as one cheap-to-clone handle (client-go's
//! `rest.HTTPClientFor`). Every `RestClient` built from it shares its connection pool, its rate
//! limiter and its credential caches.

use http::{Request, Response};
use kclient_config::Config;
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceExt};

use crate::{Error, RequestBody, ResponseBody};

/// The service type of the transport stack.
pub(crate) type HttpStack =
    BoxCloneSyncService<Request<RequestBody>, Response<ResponseBody>, Error>;

/// A configured HTTP(S) client for one API server: TLS, proxy, authentication, impersonation,
/// user agent, rate limits, retries, timeouts, warnings and tracing included. Cloning it is cheap
/// and clones share one connection pool, one rate limiter and one credential cache.
#[derive(Clone)]
pub struct HttpClient {
    service: HttpStack,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Builds the transport stack described by `config`: reads the CA, client certificate and
    /// key now (errors name the file), sets up the proxy and the credential source. No
    /// connection is made and no exec plugin runs until the first request.
    pub fn for_config(config: &Config) -> Result<Self, Error> {
        Ok(Self {
            service: crate::transport::build_stack(
                config,
                None,
                &crate::transport::StackOptions::from_globals(),
            )?,
        })
    }

    /// The middleware of `config` (auth, impersonation, user agent, rate limit, retries,
    /// timeout, warnings, tracing) over `service` instead of a real HTTP client: for tests, or
    /// to send requests through a custom transport. TLS and proxy settings are not used, and a
    /// client certificate from an exec plugin is ignored (with a warning).
    pub fn for_config_with_service<S>(config: &Config, service: S) -> Result<Self, Error>
    where
        S: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        let base = BoxCloneSyncService::new(service);
        Ok(Self {
            service: crate::transport::build_stack(
                config,
                Some(base),
                &crate::transport::StackOptions::from_globals(),
            )?,
        })
    }

    /// A builder for a client of `config` with user layers, a metrics sink of its own, or
    /// non-default transport settings (see [`HttpClientBuilder`](crate::HttpClientBuilder)).
    pub fn builder(config: &Config) -> crate::HttpClientBuilder {
        crate::HttpClientBuilder::new(config)
    }

    /// Wraps an already built stack.
    pub(crate) fn from_stack(service: HttpStack) -> Self {
        Self { service }
    }

    /// A client that hands every request to `service` as is, with no middleware at all: for
    /// tests of code built on `HttpClient` (a fake API server in a closure).
    pub fn from_service<S>(service: S) -> Self
    where
        S: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        Self {
            service: BoxCloneSyncService::new(service),
        }
    }

    /// Sends one request through the stack. The URI must be absolute. Per-request behaviour
    /// comes from a [`crate::RequestSettings`] extension (defaults when absent). A response
    /// with any status is `Ok`; errors are failures to get a response.
    pub async fn send(
        &self,
        request: Request<RequestBody>,
    ) -> Result<Response<ResponseBody>, Error> {
        self.service.clone().oneshot(request).await
    }
}
