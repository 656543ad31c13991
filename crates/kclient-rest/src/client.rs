//! `RestClient`: one API group/version on one server (client-go's `rest.RESTClient`). It turns a
//! `Config` into a base URL and content settings, and hands out [`Request`] builders.

mod base_url;

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use kclient_apimachinery::GroupVersion;
use kclient_config::{Config, ContentConfig, GROUPS_API_PATH, LEGACY_API_PATH};

use crate::request::{PatchType, Request};
use crate::{Error, HttpClient};

pub(crate) use base_url::BaseUrl;

/// The group/version of `meta.k8s.io/v1`, which an unversioned client decodes with (client-go's
/// `metav1.SchemeGroupVersion`).
fn meta_v1() -> GroupVersion {
    GroupVersion::new("meta.k8s.io", "v1")
}

/// A client for one group/version of one API server, imposing the Kubernetes API conventions on
/// its paths (client-go's `rest.RESTClient`).
///
/// Cloning is cheap (the state is behind an `Arc`), and clients made with
/// [`RestClient::for_config_and_client`] from one [`HttpClient`] share its connection pool and
/// rate limiter.
///
/// ```no_run
/// # async fn run() -> Result<(), kclient_rest::Error> {
/// use kclient_apimachinery::GroupVersion;
/// use kclient_config::{Config, Serializer};
/// use kclient_rest::RestClient;
///
/// let mut config = Config::new("https://10.0.0.1:6443");
/// config.api_path = "/api".into();
/// config.content.group_version = Some(GroupVersion::new("", "v1"));
/// config.content.serializer = Some(Serializer::Json);
/// let client = RestClient::for_config(&config)?;
/// let pods: serde_json::Value = client
///     .get()
///     .namespace("default")
///     .resource("pods")
///     .param("limit", "10")
///     .object()
///     .await?;
/// # let _ = pods; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RestClient {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    base: BaseUrl,
    versioned_api_path: String,
    group_version: GroupVersion,
    content_type: String,
    accept: String,
    default_timeout: Option<Duration>,
    http: HttpClient,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("base", &self.inner.base.to_string())
            .field("versioned_api_path", &self.inner.versioned_api_path)
            .field("group_version", &self.inner.group_version)
            .field("content_type", &self.inner.content_type)
            .field("accept", &self.inner.accept)
            .field("default_timeout", &self.inner.default_timeout)
            .finish_non_exhaustive()
    }
}

impl RestClient {
    /// A client for `config.content.group_version` with its own [`HttpClient`] (client-go's
    /// `RESTClientFor`). Requires a group/version and a serializer in `config.content`.
    ///
    /// The API path is `config.api_path`; when it is empty it defaults to `/api` for the core
    /// group and `/apis` for named groups.
    pub fn for_config(config: &Config) -> Result<Self, Error> {
        Self::check_versioned(config)?;
        Self::for_config_and_client(config, HttpClient::for_config(config)?)
    }

    /// Like [`RestClient::for_config`], but sends through an existing [`HttpClient`], so that
    /// many clients (one per group/version) share connections and the rate limiter (client-go's
    /// `RESTClientForConfigAndClient`).
    pub fn for_config_and_client(config: &Config, http: HttpClient) -> Result<Self, Error> {
        let gv = Self::check_versioned(config)?;
        let api_path = if config.api_path.is_empty() {
            if gv.group.is_empty() {
                LEGACY_API_PATH
            } else {
                GROUPS_API_PATH
            }
        } else {
            config.api_path.as_str()
        };
        Self::build(config, api_path, Some(gv), http)
    }

    /// A client that is not bound to a group/version (client-go's `UnversionedRESTClientFor`):
    /// paths are `<api_path>/…` (plus the group/version when the config names one), and the
    /// group/version defaults to `meta.k8s.io/v1`. Requires a serializer.
    pub fn unversioned_for_config(config: &Config) -> Result<Self, Error> {
        Self::check_serializer(&config.content)?;
        Self::unversioned_for_config_and_client(config, HttpClient::for_config(config)?)
    }

    /// Like [`RestClient::unversioned_for_config`], sharing an existing [`HttpClient`].
    pub fn unversioned_for_config_and_client(
        config: &Config,
        http: HttpClient,
    ) -> Result<Self, Error> {
        Self::check_serializer(&config.content)?;
        let gv = config.content.group_version.clone();
        Self::build(config, &config.api_path, gv, http)
    }

    /// A client from its parts (client-go's `NewRESTClient`): `base_url` is a URL with scheme
    /// (its path is a prefix of every request), `versioned_api_path` such as `/apis/apps/v1`.
    /// `content` must name a serializer; without a group/version it is `meta.k8s.io/v1`.
    /// No default timeout applies; see [`RestClient::with_default_timeout`].
    pub fn new(
        base_url: &str,
        versioned_api_path: &str,
        content: &ContentConfig,
        http: HttpClient,
    ) -> Result<Self, Error> {
        Self::check_serializer(content)?;
        if !base_url.contains("://") {
            return Err(Error::Config(format!(
                "the base URL {base_url:?} must include a scheme (http:// or https://)"
            )));
        }
        let base = base_url::parse_host(base_url, true).map_err(Error::Config)?;
        let versioned = crate::request::path::join(["/", versioned_api_path]);
        Ok(Self::from_parts(base, versioned, content, None, http))
    }

    /// The same client with a different default timeout for non-watch requests (`None`: none).
    pub fn with_default_timeout(&self, timeout: Option<Duration>) -> Self {
        let mut inner = (*self.inner).clone();
        inner.default_timeout = timeout;
        Self {
            inner: Arc::new(inner),
        }
    }

    fn check_serializer(content: &ContentConfig) -> Result<(), Error> {
        if content.serializer.is_none() {
            return Err(Error::Config(
                "NegotiatedSerializer is required when initializing a RESTClient".to_string(),
            ));
        }
        Ok(())
    }

    fn check_versioned(config: &Config) -> Result<GroupVersion, Error> {
        let Some(gv) = config.content.group_version.clone() else {
            return Err(Error::Config(
                "GroupVersion is required when initializing a RESTClient".to_string(),
            ));
        };
        Self::check_serializer(&config.content)?;
        Ok(gv)
    }

    fn build(
        config: &Config,
        api_path: &str,
        gv: Option<GroupVersion>,
        http: HttpClient,
    ) -> Result<Self, Error> {
        let tls = &config.tls;
        let default_tls = tls.ca.is_some() || tls.client_cert.is_some() || tls.insecure;
        let base = base_url::parse_host(&config.host, default_tls).map_err(Error::Config)?;
        let versioned = base_url::versioned_api_path(api_path, gv.as_ref());
        let mut content = config.content.clone();
        content.group_version = gv;
        Ok(Self::from_parts(
            base,
            versioned,
            &content,
            config.timeout,
            http,
        ))
    }

    fn from_parts(
        base: BaseUrl,
        versioned_api_path: String,
        content: &ContentConfig,
        default_timeout: Option<Duration>,
        http: HttpClient,
    ) -> Self {
        let content_type = content
            .content_type
            .clone()
            .or_else(|| content.serializer.map(|s| s.media_type().to_string()))
            .unwrap_or_else(|| "application/json".to_string());
        let accept = content
            .accept_content_types
            .clone()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| format!("{content_type}, */*"));
        Self {
            inner: Arc::new(Inner {
                base,
                versioned_api_path,
                group_version: content.group_version.clone().unwrap_or_else(meta_v1),
                content_type,
                accept,
                default_timeout,
                http,
            }),
        }
    }

    /// A request with any HTTP method (client-go's `Verb`).
    pub fn verb(&self, verb: Method) -> Request {
        Request::new(self.clone(), verb)
    }

    /// A GET request.
    pub fn get(&self) -> Request {
        self.verb(Method::GET)
    }

    /// A POST request (create).
    pub fn post(&self) -> Request {
        self.verb(Method::POST)
    }

    /// A PUT request (update/replace).
    pub fn put(&self) -> Request {
        self.verb(Method::PUT)
    }

    /// A DELETE request.
    pub fn delete(&self) -> Request {
        self.verb(Method::DELETE)
    }

    /// A PATCH request whose body is sent with the patch type's `Content-Type`
    /// (`PatchType::Merge`, `PatchType::Strategic`, `PatchType::Apply`, …).
    pub fn patch(&self, patch_type: impl Into<PatchType>) -> Request {
        let patch_type = patch_type.into();
        self.verb(Method::PATCH).set_header(
            http::header::CONTENT_TYPE.as_str(),
            patch_type.content_type(),
        )
    }

    /// The group/version this client talks to (`meta.k8s.io/v1` for an unversioned client).
    pub fn group_version(&self) -> &GroupVersion {
        &self.inner.group_version
    }

    /// The server's base URL (scheme, authority and path prefix).
    pub fn base_url(&self) -> String {
        self.inner.base.to_string()
    }

    /// The path between the base URL and the resources, such as `/apis/apps/v1`.
    pub fn versioned_api_path(&self) -> &str {
        &self.inner.versioned_api_path
    }

    /// The `Content-Type` of request bodies.
    pub fn content_type(&self) -> &str {
        &self.inner.content_type
    }

    /// The `Accept` header sent with every request.
    pub fn accept(&self) -> &str {
        &self.inner.accept
    }

    /// The timeout applied to non-watch requests that set none (from `Config::timeout`).
    pub fn default_timeout(&self) -> Option<Duration> {
        self.inner.default_timeout
    }

    /// The HTTP client requests go through.
    pub fn http_client(&self) -> &HttpClient {
        &self.inner.http
    }

    pub(crate) fn base(&self) -> &BaseUrl {
        &self.inner.base
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use kclient_config::Serializer;

    use super::*;

    fn config(host: &str, gv: Option<GroupVersion>) -> Config {
        let mut c = Config::new(host);
        c.content.group_version = gv;
        c.content.serializer = Some(Serializer::Json);
        c
    }

    #[tokio::test]
    async fn refuses_configs_client_go_refuses() {
        let mut c = config("http://h", None);
        let err = RestClient::for_config(&c).unwrap_err().to_string();
        assert!(err.contains("GroupVersion is required"), "{err}");
        c.content.group_version = Some(GroupVersion::new("", "v1"));
        c.content.serializer = None;
        let err = RestClient::for_config(&c).unwrap_err().to_string();
        assert!(err.contains("NegotiatedSerializer is required"), "{err}");
        let err = RestClient::unversioned_for_config(&c)
            .unwrap_err()
            .to_string();
        assert!(err.contains("NegotiatedSerializer is required"), "{err}");
        let err = RestClient::for_config(&config("h:1/x", Some(GroupVersion::new("", "v1"))))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("host must be a URL or a host:port pair"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn paths_and_content_defaults() {
        let core =
            RestClient::for_config(&config("h:8080", Some(GroupVersion::new("", "v1")))).unwrap();
        assert_eq!(core.base_url(), "http://h:8080");
        assert_eq!(core.versioned_api_path(), "/api/v1");
        assert_eq!(core.accept(), "application/json, */*");
        assert_eq!(core.content_type(), "application/json");

        let mut c = config("h", Some(GroupVersion::new("apps", "v1")));
        c.tls.insecure = true;
        c.content.accept_content_types = Some("application/json".into());
        c.timeout = Some(Duration::from_secs(5));
        let apps = RestClient::for_config(&c).unwrap();
        assert_eq!(apps.base_url(), "https://h");
        assert_eq!(apps.versioned_api_path(), "/apis/apps/v1");
        assert_eq!(apps.accept(), "application/json");
        assert_eq!(apps.default_timeout(), Some(Duration::from_secs(5)));
        assert_eq!(apps.with_default_timeout(None).default_timeout(), None);

        let mut c = config("http://h", None);
        c.api_path = "/apis".into();
        let unversioned = RestClient::unversioned_for_config(&c).unwrap();
        assert_eq!(unversioned.versioned_api_path(), "/apis");
        assert_eq!(
            unversioned.group_version(),
            &GroupVersion::new("meta.k8s.io", "v1")
        );
    }

    #[tokio::test]
    async fn new_shares_an_http_client() {
        let http = HttpClient::for_config(&Config::new("http://h")).unwrap();
        let content = ContentConfig {
            serializer: Some(Serializer::Json),
            ..ContentConfig::default()
        };
        let c =
            RestClient::new("http://h:1/prefix", "apis/apps/v1", &content, http.clone()).unwrap();
        assert_eq!(c.versioned_api_path(), "/apis/apps/v1");
        assert_eq!(c.base_url(), "http://h:1/prefix");
        assert!(RestClient::new("h:1", "/api/v1", &content, http).is_err());
    }
}
