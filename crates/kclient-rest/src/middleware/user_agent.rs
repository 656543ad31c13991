//! Sets the `User-Agent` header unless the request already has one.

use std::task::{Context, Poll};

use http::header::USER_AGENT;
use http::{HeaderValue, Request};
use tower::{Layer, Service};

use crate::Error;

/// kclient's default user agent: `kclient/<version> (<os>/<arch>)`.
pub(crate) fn default_user_agent() -> String {
    format!(
        "kclient/{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Makes [`UserAgent`] services.
#[derive(Clone, Debug)]
pub(crate) struct UserAgentLayer {
    value: HeaderValue,
}

impl UserAgentLayer {
    /// Sends `user_agent`, or the default when `None`.
    pub(crate) fn new(user_agent: Option<&str>) -> Result<Self, Error> {
        let text = user_agent.map_or_else(default_user_agent, str::to_string);
        let value = HeaderValue::from_str(&text).map_err(|_| {
            Error::Config(format!("user agent {text:?} is not a valid header value"))
        })?;
        Ok(Self { value })
    }
}

impl<S> Layer<S> for UserAgentLayer {
    type Service = UserAgent<S>;

    fn layer(&self, inner: S) -> UserAgent<S> {
        UserAgent {
            inner,
            value: self.value.clone(),
        }
    }
}

/// Adds `User-Agent` to requests that lack it.
#[derive(Clone, Debug)]
pub(crate) struct UserAgent<S> {
    inner: S,
    value: HeaderValue,
}

impl<S, B> Service<Request<B>> for UserAgent<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> S::Future {
        if !request.headers().contains_key(USER_AGENT) {
            request.headers_mut().insert(USER_AGENT, self.value.clone());
        }
        self.inner.call(request)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use tower::ServiceExt;

    async fn seen(layer: UserAgentLayer, request: Request<()>) -> Option<String> {
        let svc = layer.layer(tower::service_fn(|r: Request<()>| async move {
            Ok::<_, Error>(
                r.headers()
                    .get(USER_AGENT)
                    .map(|v| v.to_str().unwrap().to_string()),
            )
        }));
        svc.oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn default_and_custom_and_present() {
        let ua = seen(UserAgentLayer::new(None).unwrap(), Request::new(())).await;
        assert!(ua.unwrap().starts_with("kclient/"));
        let ua = seen(UserAgentLayer::new(Some("me/1")).unwrap(), Request::new(())).await;
        assert_eq!(ua.as_deref(), Some("me/1"));
        let req = Request::builder()
            .header(USER_AGENT, "mine")
            .body(())
            .unwrap();
        let ua = seen(UserAgentLayer::new(Some("me/1")).unwrap(), req).await;
        assert_eq!(ua.as_deref(), Some("mine"));
        assert!(UserAgentLayer::new(Some("bad\nagent")).is_err());
    }
}
