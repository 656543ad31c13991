//! Impersonation headers (client-go's `ImpersonatingRoundTripper`): `Impersonate-User`,
//! `Impersonate-Uid`, one `Impersonate-Group` per group, and `Impersonate-Extra-<key>` per extra
//! value, the key percent-escaped to a valid header name. Requests that already carry
//! `Impersonate-User` are left alone.

use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue, Request};
use kclient_config::ImpersonationConfig;
use tower::{Layer, Service};

use crate::Error;

const USER: &str = "impersonate-user";
const UID: &str = "impersonate-uid";
const GROUP: &str = "impersonate-group";
const EXTRA_PREFIX: &str = "impersonate-extra-";

/// Makes [`Impersonate`] services.
#[derive(Clone, Debug)]
pub(crate) struct ImpersonateLayer {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ImpersonateLayer {
    /// The headers for `config`; `None` when nobody is impersonated.
    pub(crate) fn new(config: &ImpersonationConfig) -> Result<Option<Self>, Error> {
        if config.is_empty() {
            return Ok(None);
        }
        let mut headers = Vec::new();
        let mut push = |name: HeaderName, value: &str, what: &str| -> Result<(), Error> {
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::Config(format!(
                    "impersonation {what} {value:?} is not a valid header value"
                ))
            })?;
            headers.push((name, value));
            Ok(())
        };
        if let Some(user) = &config.user {
            push(HeaderName::from_static(USER), user, "user")?;
        }
        if let Some(uid) = &config.uid {
            push(HeaderName::from_static(UID), uid, "uid")?;
        }
        for group in &config.groups {
            push(HeaderName::from_static(GROUP), group, "group")?;
        }
        for (key, values) in &config.extra {
            let name = format!("{EXTRA_PREFIX}{}", escape_header_key(key));
            let name = HeaderName::try_from(name).map_err(|_| {
                Error::Config(format!(
                    "impersonation extra key {key:?} cannot be a header"
                ))
            })?;
            for value in values {
                push(name.clone(), value, "extra value")?;
            }
        }
        Ok(Some(Self { headers }))
    }
}

/// Percent-escapes every byte that is not an RFC 7230 `tchar`, and `%` itself (client-go's
/// `headerKeyEscape`), so any key round-trips through a header name.
pub(crate) fn escape_header_key(key: &str) -> String {
    crate::request::percent_escape(
        key,
        |b| b.is_ascii_alphanumeric() || b"!#$&'*+-.^_`|~".contains(&b),
        false,
    )
}

impl<S> Layer<S> for ImpersonateLayer {
    type Service = Impersonate<S>;

    fn layer(&self, inner: S) -> Impersonate<S> {
        Impersonate {
            inner,
            headers: self.headers.clone(),
        }
    }
}

/// Adds the impersonation headers.
#[derive(Clone, Debug)]
pub(crate) struct Impersonate<S> {
    inner: S,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl<S, B> Service<Request<B>> for Impersonate<S>
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
        if !request.headers().contains_key(USER) {
            for (name, value) in &self.headers {
                request.headers_mut().append(name.clone(), value.clone());
            }
        }
        self.inner.call(request)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use tower::ServiceExt;

    #[test]
    fn escapes_like_client_go() {
        assert_eq!(escape_header_key("example.org/foo"), "example.org%2Ffoo");
        assert_eq!(escape_header_key("a%b c"), "a%25b%20c");
        assert_eq!(escape_header_key("scopes"), "scopes");
        assert_eq!(escape_header_key("ü"), "%C3%BC");
    }

    #[test]
    fn empty_config_means_no_layer() {
        assert!(
            ImpersonateLayer::new(&ImpersonationConfig::default())
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn adds_all_headers_unless_user_already_set() {
        let mut config = ImpersonationConfig {
            user: Some("jane".into()),
            uid: Some("42".into()),
            groups: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        config
            .extra
            .insert("example.org/scope".into(), vec!["x".into(), "y".into()]);
        let layer = ImpersonateLayer::new(&config).unwrap().unwrap();
        let svc = layer.layer(tower::service_fn(|r: Request<()>| async move {
            Ok::<_, Error>(r.headers().clone())
        }));
        let h = svc.clone().oneshot(Request::new(())).await.unwrap();
        assert_eq!(h["impersonate-user"], "jane");
        assert_eq!(h["impersonate-uid"], "42");
        let groups: Vec<_> = h.get_all("impersonate-group").iter().collect();
        assert_eq!(groups, ["a", "b"]);
        let extra: Vec<_> = h
            .get_all("impersonate-extra-example.org%2Fscope")
            .iter()
            .collect();
        assert_eq!(extra, ["x", "y"]);

        let req = Request::builder()
            .header("impersonate-user", "other")
            .body(())
            .unwrap();
        let h = svc.oneshot(req).await.unwrap();
        assert_eq!(h["impersonate-user"], "other");
        assert!(h.get("impersonate-group").is_none());
    }
}
