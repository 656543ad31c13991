//! Which destinations go through which proxy.
//!
//! An explicit `proxy-url` is used for every destination (like client-go's `http.ProxyURL`, which
//! ignores `NO_PROXY`). Otherwise `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` (and their
//! lowercase forms) apply, and — as in Go's `ProxyFromEnvironment` — `localhost` and loopback
//! addresses are never proxied.

use std::net::IpAddr;

use http::Uri;
use hyper_util::client::proxy::matcher::{Intercept, Matcher};

use crate::Error;

/// The proxy rules of one client.
pub(crate) struct ProxyRules {
    matcher: Matcher,
    from_env: bool,
}

impl std::fmt::Debug for ProxyRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyRules")
            .field("from_env", &self.from_env)
            .finish_non_exhaustive()
    }
}

impl ProxyRules {
    /// Rules from an explicit proxy URL, else from the environment.
    pub(crate) fn new(proxy_url: Option<&str>) -> Result<Self, Error> {
        match proxy_url {
            Some(url) => {
                validate_proxy_url(url)?;
                Ok(Self {
                    matcher: Matcher::builder().all(url.to_string()).build(),
                    from_env: false,
                })
            }
            None => Ok(Self {
                matcher: Matcher::from_env(),
                from_env: true,
            }),
        }
    }

    /// The proxy to use for `dst`, if any.
    pub(crate) fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        if self.from_env && dst.host().is_some_and(is_loopback_host) {
            return None;
        }
        self.matcher.intercept(dst)
    }

    /// Whether any destination with the given scheme could go through an `https://` proxy
    /// (so a TLS configuration for the proxy is needed).
    pub(crate) fn may_use_https_proxy(&self) -> bool {
        ["https://kclient.invalid", "http://kclient.invalid"]
            .iter()
            .filter_map(|u| u.parse::<Uri>().ok())
            .filter_map(|u| self.matcher.intercept(&u))
            .any(|i| i.uri().scheme_str() == Some("https"))
    }
}

/// Accepts `http://`, `https://` and `socks5://` (client-go's set; `socks5h://` too, which
/// means the same here) proxy URLs with a host; everything else is a config error.
fn validate_proxy_url(url: &str) -> Result<(), Error> {
    // userinfo may hold a password: never echo the URL itself in errors.
    let parsed: Uri = url
        .parse()
        .map_err(|_| Error::Config("the proxy URL is not a valid URL".into()))?;
    match parsed.scheme_str() {
        Some("http" | "https" | "socks5" | "socks5h") => {}
        Some(other) => {
            return Err(Error::Config(format!(
                "proxy scheme {other:?} is not supported (use http://, https:// or socks5://)"
            )));
        }
        None => {
            return Err(Error::Config(
                "the proxy URL has no scheme (use http://, https:// or socks5://)".into(),
            ));
        }
    }
    if parsed.host().is_none_or(str::is_empty) {
        return Err(Error::Config("the proxy URL has no host".into()));
    }
    Ok(())
}

/// `localhost`, `*.localhost`, and loopback IPs.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn explicit_proxy_applies_to_everything() {
        let rules = ProxyRules::new(Some("http://proxy.example:3128")).unwrap();
        let dst: Uri = "https://127.0.0.1:6443/api".parse().unwrap();
        let got = rules.intercept(&dst).unwrap();
        assert_eq!(
            got.uri().authority().unwrap().as_str(),
            "proxy.example:3128"
        );
        assert!(!rules.may_use_https_proxy());
    }

    #[test]
    fn bad_proxy_urls_are_rejected_without_echoing_them() {
        let err = ProxyRules::new(Some("socks4://user:secret@h:1")).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(ProxyRules::new(Some("proxy:3128")).is_err());
        assert!(ProxyRules::new(Some("socks5://user:secret@h:1")).is_ok());
        assert!(
            ProxyRules::new(Some("https://p:1"))
                .unwrap()
                .may_use_https_proxy()
        );
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback_host("localhost"));
        assert!(is_loopback_host("api.localhost"));
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("[::1]"));
        assert!(!is_loopback_host("10.0.0.1"));
        assert!(!is_loopback_host("example.com"));
    }
}
