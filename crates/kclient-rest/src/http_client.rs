//! `HttpClient`: the configured transport stack as one cheap-to-clone handle (client-go's
//! `rest.HTTPClientFor`). Every `RestClient` built from it shares its connection pool.
//!
//! TEMPORARY minimal version (plain HTTP, no middleware); the transport owner replaces the body of
//! `for_config` with the full stack from `crate::transport`.

use http::{Request, Response};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use kclient_config::Config;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

use crate::{Error, RequestBody, ResponseBody};

/// The service type of the transport stack.
pub(crate) type HttpStack =
    BoxCloneSyncService<Request<RequestBody>, Response<ResponseBody>, Error>;

/// A configured HTTP(S) client for one API server: TLS, auth, rate limits, retries and tracing
/// included. Cloning it is cheap and clones share one connection pool and one rate limiter.
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
    /// Builds the transport stack described by `config`.
    pub fn for_config(config: &Config) -> Result<Self, Error> {
        let _ = config;
        let client = Client::builder(TokioExecutor::new()).build_http::<RequestBody>();
        let service = tower::service_fn(move |req: Request<RequestBody>| {
            let client = client.clone();
            async move {
                let resp = client
                    .request(req)
                    .await
                    .map_err(|e| Error::Config(e.to_string()))?;
                Ok::<_, Error>(resp.map(|b| b.map_err(Into::into).boxed_unsync()))
            }
        });
        Ok(Self {
            service: BoxCloneSyncService::new(service),
        })
    }

    /// Sends one request through the stack. The URI must be absolute.
    pub async fn send(
        &self,
        request: Request<RequestBody>,
    ) -> Result<Response<ResponseBody>, Error> {
        self.service.clone().oneshot(request).await
    }
}
