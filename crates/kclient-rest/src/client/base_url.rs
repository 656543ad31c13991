//! Where a `RestClient` sends requests: the host of a `Config` turned into scheme, authority and
//! path prefix (client-go's `defaultServerUrlFor` / `DefaultServerURL`), and the versioned API path.

use std::fmt;

use http::Uri;
use http::uri::{Authority, Scheme};
use kclient_apimachinery::GroupVersion;

use crate::request::path;

/// Scheme, authority and unescaped path prefix of every request's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    pub(crate) scheme: Scheme,
    pub(crate) authority: Authority,
    /// The path prefix, unescaped (Go's `URL.Path`); empty or `/` for none.
    pub(crate) path: String,
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}{}",
            self.scheme,
            self.authority,
            path::escape_path(&self.path)
        )
    }
}

/// Parses a host given as `host`, `host:port` or a URL, as client-go's `DefaultServerURL` does:
/// an empty host is `localhost`; without a scheme, `https` is used when `default_tls` (a CA, a
/// client certificate or `insecure` is configured) and `http` otherwise, and a path is refused;
/// with a scheme, the URL's path becomes a prefix of every request.
pub(crate) fn parse_host(host: &str, default_tls: bool) -> Result<BaseUrl, String> {
    let host = host.trim();
    let host = if host.is_empty() { "localhost" } else { host };
    let not_a_host = || format!("host must be a URL or a host:port pair: {host:?}");
    if host.contains('@') {
        // Never echo it: the user information may hold a password.
        return Err(
            "host must not contain user information (user:password@); configure credentials \
             in the auth settings instead"
                .to_string(),
        );
    }
    let uri = match host.parse::<Uri>() {
        Ok(uri) if uri.scheme().is_some() && uri.authority().is_some() => uri,
        _ => {
            let scheme = if default_tls { "https" } else { "http" };
            let uri = format!("{scheme}://{host}")
                .parse::<Uri>()
                .map_err(|_| not_a_host())?;
            if !matches!(uri.path(), "" | "/") {
                return Err(not_a_host());
            }
            uri
        }
    };
    let parts = uri.into_parts();
    let (Some(scheme), Some(authority)) = (parts.scheme, parts.authority) else {
        return Err(not_a_host());
    };
    if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
        return Err(format!(
            "unsupported scheme {:?} in host {host:?}: use http or https",
            scheme.as_str()
        ));
    }
    if authority.host().is_empty() {
        return Err(not_a_host());
    }
    let (raw_path, query) = match &parts.path_and_query {
        Some(pq) => (pq.path(), pq.query()),
        None => ("", None),
    };
    if query.is_some() {
        return Err(format!("host {host:?} must not have a query string"));
    }
    let mut path = path::unescape_path(raw_path).map_err(|e| format!("host {host:?}: {e}"))?;
    if path == "/" {
        path.clear();
    }
    Ok(BaseUrl {
        scheme,
        authority,
        path,
    })
}

/// client-go's `DefaultVersionedAPIPath`: `/<api_path>/<group>/<version>` (the group is omitted for
/// the core group). Without a group/version this is just `/<api_path>`.
pub(crate) fn versioned_api_path(api_path: &str, group_version: Option<&GroupVersion>) -> String {
    let mut parts = vec!["/", api_path];
    if let Some(gv) = group_version {
        parts.push(&gv.group);
        parts.push(&gv.version);
    }
    path::join(parts)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn base(host: &str, tls: bool) -> String {
        parse_host(host, tls).unwrap().to_string()
    }

    #[test]
    fn host_forms_like_client_go() {
        assert_eq!(
            base("https://10.0.0.1:6443", false),
            "https://10.0.0.1:6443"
        );
        assert_eq!(base("10.0.0.1:6443", true), "https://10.0.0.1:6443");
        assert_eq!(base("10.0.0.1:6443", false), "http://10.0.0.1:6443");
        assert_eq!(base("localhost", false), "http://localhost");
        assert_eq!(base("", false), "http://localhost");
        assert_eq!(base("http://h:1/prefix/", true), "http://h:1/prefix/");
        assert_eq!(base("https://h/a%20b", false), "https://h/a%20b");
        assert_eq!(base("[::1]:8443", true), "https://[::1]:8443");
        assert_eq!(parse_host("https://h/a%20b", false).unwrap().path, "/a b");
    }

    #[test]
    fn garbage_is_refused_with_a_clear_error() {
        let err = parse_host("h:6443/path", false).unwrap_err();
        assert!(
            err.contains("host must be a URL or a host:port pair"),
            "{err}"
        );
        assert!(parse_host("not a host", false).is_err());
        let err = parse_host("ftp://h", false).unwrap_err();
        assert!(err.contains("unsupported scheme"), "{err}");
        let err = parse_host("https://h/?x=1", false).unwrap_err();
        assert!(err.contains("query"), "{err}");
        let err = parse_host("https://user:secret@h", false).unwrap_err();
        assert!(!err.contains("secret"), "{err}");
        assert!(parse_host("https://h/%zz", false).is_err());
    }

    #[test]
    fn versioned_api_paths() {
        let core = GroupVersion::new("", "v1");
        let apps = GroupVersion::new("apps", "v1");
        assert_eq!(versioned_api_path("/api", Some(&core)), "/api/v1");
        assert_eq!(versioned_api_path("/apis", Some(&apps)), "/apis/apps/v1");
        assert_eq!(versioned_api_path("apis/", Some(&apps)), "/apis/apps/v1");
        assert_eq!(versioned_api_path("/api", None), "/api");
        assert_eq!(versioned_api_path("", None), "/");
    }
}
