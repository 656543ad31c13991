//! `Config`: everything a client needs to talk to one API server, mirroring client-go's `rest.Config`.
//!
//! A `Config` is plain data. It is produced by the kubeconfig loader, by the in-cluster loader, or
//! by hand, and consumed by `kclient-rest`, which turns it into a transport. Nothing here does I/O:
//! files named by the config (CA, client certificate, token file, exec command) are read or run by
//! the transport, so a rotated file is picked up.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kclient_apimachinery::GroupVersion;
use secrecy::SecretString;

/// Default client-side rate limit, in queries per second (client-go's `DefaultQPS`).
pub const DEFAULT_QPS: f32 = 5.0;
/// Default client-side burst (client-go's `DefaultBurst`).
pub const DEFAULT_BURST: u32 = 10;
/// The API path of the legacy core group.
pub const LEGACY_API_PATH: &str = "/api";
/// The API path of named groups.
pub const GROUPS_API_PATH: &str = "/apis";

/// How to reach and authenticate to one API server (client-go's `rest.Config`).
///
/// Build one with [`crate::build_config_from_flags`], [`Config::infer`], the kubeconfig loader,
/// or [`Config::new`] plus field assignments. `Debug` never prints credentials.
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// The server: a URL such as `https://10.0.0.1:6443` (a path becomes a prefix of every request).
    pub host: String,
    /// `/api` for the core group, `/apis` for named groups. Empty means "not set".
    pub api_path: String,
    /// What to send and accept, and for which group/version.
    pub content: ContentConfig,
    /// TLS settings: trust, client identity, server name.
    pub tls: TlsConfig,
    /// How to authenticate.
    pub auth: AuthConfig,
    /// Who to impersonate, if anyone.
    pub impersonate: ImpersonationConfig,
    /// The `User-Agent`; `None` means kclient's default `kclient/<version> (<os>/<arch>)`.
    pub user_agent: Option<String>,
    /// Client-side rate limit in queries per second; `0.0` means the default ([`DEFAULT_QPS`]),
    /// a negative value disables rate limiting.
    pub qps: f32,
    /// Client-side burst; `0` means the default ([`DEFAULT_BURST`]).
    pub burst: u32,
    /// The timeout of each non-watch request (`None`: no timeout). Also sent as `?timeout=`.
    pub timeout: Option<Duration>,
    /// An explicit proxy (`http://`, `https://` or `socks5://`, as client-go accepts); `None`
    /// means the `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` environment variables.
    pub proxy_url: Option<String>,
    /// When true, do not ask for gzip-compressed responses.
    pub disable_compression: bool,
    /// The namespace of the selected context (or the in-cluster service account's), if any.
    /// Not part of client-go's `rest.Config`; clientcmd returns it beside the config.
    pub default_namespace: Option<String>,
    /// Called with each `Warning` header the server returns; `None` logs them with `tracing`.
    pub warning_handler: Option<Arc<dyn WarningHandler>>,
}

/// Receives `Warning` headers from the server (client-go's `rest.WarningHandler`).
pub trait WarningHandler: Send + Sync {
    /// Handles one warning: its code (299 for deprecation and validation warnings), agent and text.
    fn handle_warning(&self, code: u16, agent: &str, text: &str);
}

/// Which group/version a client talks to and how bodies are encoded (client-go's `ContentConfig`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContentConfig {
    /// The group/version of a `RestClient`; required by `RestClient::for_config`.
    pub group_version: Option<GroupVersion>,
    /// The serializer bodies are encoded and decoded with; required by `RestClient::for_config`.
    pub serializer: Option<Serializer>,
    /// The `Accept` header; `None` means `<content_type>, */*`.
    pub accept_content_types: Option<String>,
    /// The `Content-Type` of bodies sent; `None` means the serializer's media type.
    pub content_type: Option<String>,
}

/// How bodies are encoded on the wire (client-go's negotiated serializer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Serializer {
    /// `application/json`.
    Json,
}

impl Serializer {
    /// The media type this serializer reads and writes.
    pub fn media_type(&self) -> &'static str {
        match self {
            Serializer::Json => "application/json",
        }
    }
}

/// Bytes given either inline (`*-data` in a kubeconfig) or as a file to read when needed.
#[derive(Clone, PartialEq, Eq)]
pub enum DataSource {
    /// A file path, already made absolute against the kubeconfig that named it.
    File(PathBuf),
    /// Inline bytes (already base64-decoded).
    Data(Vec<u8>),
}

impl fmt::Debug for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataSource::File(p) => f.debug_tuple("File").field(p).finish(),
            DataSource::Data(d) => write!(f, "Data(<{} bytes>)", d.len()),
        }
    }
}

/// TLS settings (client-go's `TLSClientConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsConfig {
    /// Skip verification of the server's certificate. Dangerous; logged loudly when used.
    pub insecure: bool,
    /// The name to verify the server's certificate against (and send as SNI), instead of the host.
    pub server_name: Option<String>,
    /// PEM CA bundle to trust; `None` means the system's roots. A file is re-read by the
    /// transport when it changes (checked every 5 minutes, as client-go).
    pub ca: Option<DataSource>,
    /// PEM client certificate (chain). A file is re-read when it changes, like the CA.
    pub client_cert: Option<DataSource>,
    /// PEM client private key. Its bytes never appear in `Debug` output. A file is re-read
    /// when it changes, like the CA.
    pub client_key: Option<DataSource>,
    /// ALPN protocols to offer; empty means `h2` and `http/1.1`.
    pub next_protos: Vec<String>,
}

/// How to authenticate. At most one of token, token file, basic, exec is used; the loader rejects
/// conflicting combinations the way client-go does.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    /// A static bearer token.
    pub bearer_token: Option<SecretString>,
    /// A file holding a bearer token, re-read periodically as it rotates.
    pub bearer_token_file: Option<PathBuf>,
    /// HTTP basic auth user name.
    pub username: Option<String>,
    /// HTTP basic auth password.
    pub password: Option<SecretString>,
    /// An exec credential plugin.
    pub exec: Option<ExecConfig>,
}

/// Who to act as (client-go's `ImpersonationConfig`): sent as `Impersonate-*` headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImpersonationConfig {
    /// `Impersonate-User`.
    pub user: Option<String>,
    /// `Impersonate-Uid`.
    pub uid: Option<String>,
    /// `Impersonate-Group`, one header each.
    pub groups: Vec<String>,
    /// `Impersonate-Extra-<key>`, one header per value.
    pub extra: std::collections::BTreeMap<String, Vec<String>>,
}

impl ImpersonationConfig {
    /// Whether any impersonation is configured.
    pub fn is_empty(&self) -> bool {
        self.user.is_none() && self.uid.is_none() && self.groups.is_empty() && self.extra.is_empty()
    }
}

/// An exec credential plugin (client.authentication.k8s.io/v1 or v1beta1), as named in a kubeconfig.
/// Parsing never runs it; the transport does, when a credential is needed. `Debug` hides the
/// `args` and the values of `env` and the cluster's `config`, which often hold secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct ExecConfig {
    /// `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`.
    pub api_version: String,
    /// The command; made absolute against the kubeconfig if it contains a path separator.
    pub command: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Extra environment variables for the plugin, in order.
    pub env: Vec<(String, String)>,
    /// Text shown when the command is not found.
    pub install_hint: Option<String>,
    /// Whether to pass cluster information in `KUBERNETES_EXEC_INFO`.
    pub provide_cluster_info: bool,
    /// How the plugin may use standard input.
    pub interactive_mode: InteractiveMode,
    /// Cluster information for `KUBERNETES_EXEC_INFO` when `provide_cluster_info` is set.
    pub cluster: Option<ExecClusterInfo>,
}

/// The plugin's use of standard input (`interactiveMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InteractiveMode {
    /// Never use standard input.
    Never,
    /// Use standard input if it is available (the v1beta1 default).
    #[default]
    IfAvailable,
    /// Requires standard input.
    Always,
}

/// What the plugin is told about the cluster (`ExecCredential.spec.cluster`).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ExecClusterInfo {
    /// The server URL.
    pub server: String,
    /// `tls-server-name`.
    pub tls_server_name: Option<String>,
    /// `insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// The CA bundle (PEM), if the kubeconfig gave one.
    pub certificate_authority_data: Option<Vec<u8>>,
    /// `proxy-url`.
    pub proxy_url: Option<String>,
    /// `disable-compression`.
    pub disable_compression: bool,
    /// `extensions[client.authentication.k8s.io/exec]` of the cluster, as JSON.
    pub config: Option<serde_json::Value>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: String::new(),
            api_path: String::new(),
            content: ContentConfig::default(),
            tls: TlsConfig::default(),
            auth: AuthConfig::default(),
            impersonate: ImpersonationConfig::default(),
            user_agent: None,
            qps: 0.0,
            burst: 0,
            timeout: None,
            proxy_url: None,
            disable_compression: false,
            default_namespace: None,
            warning_handler: None,
        }
    }
}

impl Config {
    /// A config for `host` with every other field at its default.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            ..Self::default()
        }
    }

    /// The effective QPS: the default when unset, `None` when rate limiting is disabled.
    pub fn effective_qps(&self) -> Option<f32> {
        if self.qps < 0.0 {
            None
        } else if self.qps == 0.0 {
            Some(DEFAULT_QPS)
        } else {
            Some(self.qps)
        }
    }

    /// The effective burst: the default when unset.
    pub fn effective_burst(&self) -> u32 {
        if self.burst == 0 {
            DEFAULT_BURST
        } else {
            self.burst
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("host", &redact_url_userinfo(&self.host))
            .field("api_path", &self.api_path)
            .field("content", &self.content)
            .field("tls", &self.tls)
            .field("auth", &self.auth)
            .field("impersonate", &self.impersonate)
            .field("user_agent", &self.user_agent)
            .field("qps", &self.qps)
            .field("burst", &self.burst)
            .field("timeout", &self.timeout)
            .field(
                "proxy_url",
                &self.proxy_url.as_deref().map(redact_url_userinfo),
            )
            .field("disable_compression", &self.disable_compression)
            .field("default_namespace", &self.default_namespace)
            .field(
                "warning_handler",
                &self.warning_handler.as_ref().map(|_| "<handler>"),
            )
            .finish()
    }
}

impl fmt::Debug for ExecConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(name, _)| (name.as_str(), "<redacted>"))
            .collect();
        f.debug_struct("ExecConfig")
            .field("api_version", &self.api_version)
            .field("command", &self.command)
            .field(
                "args",
                &kclient_apimachinery::redact::Values(self.args.len()),
            )
            .field("env", &env)
            .field("install_hint", &self.install_hint)
            .field("provide_cluster_info", &self.provide_cluster_info)
            .field("interactive_mode", &self.interactive_mode)
            .field("cluster", &self.cluster)
            .finish()
    }
}

impl fmt::Debug for ExecClusterInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecClusterInfo")
            .field("server", &redact_url_userinfo(&self.server))
            .field("tls_server_name", &self.tls_server_name)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field(
                "certificate_authority_data",
                &self
                    .certificate_authority_data
                    .as_ref()
                    .map(|d| format!("<{} bytes>", d.len())),
            )
            .field(
                "proxy_url",
                &self.proxy_url.as_deref().map(redact_url_userinfo),
            )
            .field("disable_compression", &self.disable_compression)
            .field("config", &self.config.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A URL with any `user:password@` part replaced, for `Debug` output (the one rule of
/// [`kclient_apimachinery::redact`]).
pub(crate) fn redact_url_userinfo(url: &str) -> std::borrow::Cow<'_, str> {
    kclient_apimachinery::redact::url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_proxy_credentials_and_exec_env() {
        assert_eq!(
            redact_url_userinfo("http://u:pw@proxy:3128/x"),
            "http://<redacted>@proxy:3128/x"
        );
        assert_eq!(
            redact_url_userinfo("http://proxy:3128"),
            "http://proxy:3128"
        );
        let mut c = Config::new("https://h");
        c.proxy_url = Some("http://u:hunter2@proxy".into());
        c.auth.exec = Some(ExecConfig {
            api_version: "client.authentication.k8s.io/v1".into(),
            command: "p".into(),
            args: vec![],
            env: vec![("AWS_SECRET".into(), "hunter3".into())],
            install_hint: None,
            provide_cluster_info: true,
            interactive_mode: InteractiveMode::Never,
            cluster: Some(ExecClusterInfo {
                config: Some(serde_json::json!({"k": "hunter4"})),
                ..Default::default()
            }),
        });
        let dbg = format!("{c:?}");
        assert!(dbg.contains("AWS_SECRET"), "{dbg}");
        for secret in ["hunter2", "hunter3", "hunter4"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }
}
