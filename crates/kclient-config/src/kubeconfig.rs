//! The kubeconfig file format (`apiVersion: v1`, `kind: Config`), as serde types with
//! kubeconfig's own field names (client-go's `tools/clientcmd/api/v1`).
//!
//! These types hold what a file says, nothing more: relative paths are made absolute by the
//! loader, `*-data` fields stay base64 until a [`Config`](crate::Config) is built, and nothing is
//! validated here. Tokens, passwords and key data are [`SecretString`]s, so `Debug` never shows
//! them; exec `env` values, `auth-provider` settings and a password in `proxy-url` are redacted
//! in `Debug` too.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use crate::config::redact_url_userinfo;
use crate::de::{nullable, opt_secret, opt_string};

/// A whole kubeconfig: one file, or several merged (client-go's `clientcmdapi.Config`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Kubeconfig {
    /// `apiVersion`; `v1` or unset.
    #[serde(rename = "apiVersion", default, deserialize_with = "opt_string")]
    pub api_version: Option<String>,
    /// `kind`; `Config` or unset.
    #[serde(default, deserialize_with = "opt_string")]
    pub kind: Option<String>,
    /// `preferences` (unused by clients; kept for completeness).
    #[serde(default, deserialize_with = "nullable")]
    pub preferences: Preferences,
    /// `clusters`: where API servers are and how to trust them.
    #[serde(default, deserialize_with = "nullable")]
    pub clusters: Vec<NamedCluster>,
    /// `users`: credentials (client-go calls them auth infos).
    #[serde(rename = "users", default, deserialize_with = "nullable")]
    pub auth_infos: Vec<NamedAuthInfo>,
    /// `contexts`: named (cluster, user, namespace) triples.
    #[serde(default, deserialize_with = "nullable")]
    pub contexts: Vec<NamedContext>,
    /// `current-context`: the context used when none is chosen explicitly.
    #[serde(default, deserialize_with = "opt_string")]
    pub current_context: Option<String>,
    /// `extensions`: arbitrary named data for tools.
    #[serde(default, deserialize_with = "nullable")]
    pub extensions: Vec<NamedExtension>,
}

/// `preferences`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Preferences {
    /// `colors`.
    #[serde(default, deserialize_with = "nullable")]
    pub colors: bool,
    /// `extensions`.
    #[serde(default, deserialize_with = "nullable")]
    pub extensions: Vec<NamedExtension>,
}

/// One entry of `extensions`: a name and arbitrary data. `Debug` shows the name only: the data
/// (the exec plugin's cluster config, say) may hold credentials.
#[derive(Clone, Default, PartialEq, Deserialize)]
pub struct NamedExtension {
    /// `name`.
    pub name: String,
    /// `extension`: the data, as JSON.
    #[serde(default)]
    pub extension: serde_json::Value,
}

impl fmt::Debug for NamedExtension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedExtension")
            .field("name", &self.name)
            .field("extension", &kclient_apimachinery::redact::Redacted)
            .finish()
    }
}

/// One entry of `clusters`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NamedCluster {
    /// `name`.
    pub name: String,
    /// `cluster`.
    #[serde(default, deserialize_with = "nullable")]
    pub cluster: Cluster,
    /// The file this entry was read from (client-go's `LocationOfOrigin`); `None` for text
    /// parsed from a string. Not part of the file format.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// How to reach and trust one API server. `Debug` hides a password in `proxy-url`.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cluster {
    /// `server`: `https://host:port` (a path becomes a prefix of every request).
    #[serde(default, deserialize_with = "opt_string")]
    pub server: Option<String>,
    /// `tls-server-name`: the name to verify the server's certificate against.
    #[serde(default, deserialize_with = "opt_string")]
    pub tls_server_name: Option<String>,
    /// `insecure-skip-tls-verify`.
    #[serde(default, deserialize_with = "nullable")]
    pub insecure_skip_tls_verify: bool,
    /// `certificate-authority`: a PEM CA bundle file (absolute once loaded from a file).
    #[serde(default, deserialize_with = "opt_string")]
    pub certificate_authority: Option<String>,
    /// `certificate-authority-data`: a base64 PEM CA bundle.
    #[serde(default, deserialize_with = "opt_string")]
    pub certificate_authority_data: Option<String>,
    /// `proxy-url`: an `http`, `https` or `socks5` proxy.
    #[serde(default, deserialize_with = "opt_string")]
    pub proxy_url: Option<String>,
    /// `disable-compression`.
    #[serde(default, deserialize_with = "nullable")]
    pub disable_compression: bool,
    /// `extensions`; `client.authentication.k8s.io/exec` is passed to exec plugins.
    #[serde(default, deserialize_with = "nullable")]
    pub extensions: Vec<NamedExtension>,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("server", &self.server.as_deref().map(redact_url_userinfo))
            .field("tls_server_name", &self.tls_server_name)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("certificate_authority", &self.certificate_authority)
            .field(
                "certificate_authority_data",
                &self.certificate_authority_data,
            )
            .field(
                "proxy_url",
                &self.proxy_url.as_deref().map(redact_url_userinfo),
            )
            .field("disable_compression", &self.disable_compression)
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// One entry of `users`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NamedAuthInfo {
    /// `name`.
    pub name: String,
    /// `user`.
    #[serde(rename = "user", default, deserialize_with = "nullable")]
    pub auth_info: AuthInfo,
    /// The file this entry was read from; `None` for text parsed from a string.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// Credentials and identity for one user (client-go's `AuthInfo`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AuthInfo {
    /// `client-certificate`: a PEM certificate file.
    #[serde(default, deserialize_with = "opt_string")]
    pub client_certificate: Option<String>,
    /// `client-certificate-data`: a base64 PEM certificate.
    #[serde(default, deserialize_with = "opt_string")]
    pub client_certificate_data: Option<String>,
    /// `client-key`: a PEM private key file.
    #[serde(default, deserialize_with = "opt_string")]
    pub client_key: Option<String>,
    /// `client-key-data`: a base64 PEM private key.
    #[serde(default, deserialize_with = "opt_secret")]
    pub client_key_data: Option<SecretString>,
    /// `token`: a static bearer token.
    #[serde(default, deserialize_with = "opt_secret")]
    pub token: Option<SecretString>,
    /// `tokenFile`: a file holding a bearer token.
    #[serde(rename = "tokenFile", default, deserialize_with = "opt_string")]
    pub token_file: Option<String>,
    /// `as`: the user to impersonate.
    #[serde(rename = "as", default, deserialize_with = "opt_string")]
    pub impersonate: Option<String>,
    /// `as-uid`: the UID to impersonate.
    #[serde(rename = "as-uid", default, deserialize_with = "opt_string")]
    pub impersonate_uid: Option<String>,
    /// `as-groups`: the groups to impersonate.
    #[serde(rename = "as-groups", default, deserialize_with = "nullable")]
    pub impersonate_groups: Vec<String>,
    /// `as-user-extra`: extra fields of the impersonated user.
    #[serde(rename = "as-user-extra", default, deserialize_with = "nullable")]
    pub impersonate_user_extra: BTreeMap<String, Vec<String>>,
    /// `username`: HTTP basic auth.
    #[serde(default, deserialize_with = "opt_string")]
    pub username: Option<String>,
    /// `password`: HTTP basic auth.
    #[serde(default, deserialize_with = "opt_secret")]
    pub password: Option<SecretString>,
    /// `auth-provider`: removed from client-go; rejected when a config is built.
    #[serde(default)]
    pub auth_provider: Option<AuthProviderConfig>,
    /// `exec`: an exec credential plugin.
    #[serde(default)]
    pub exec: Option<ExecAuth>,
    /// `extensions`.
    #[serde(default, deserialize_with = "nullable")]
    pub extensions: Vec<NamedExtension>,
}

/// `auth-provider`: a legacy in-tree authentication provider (`gcp`, `azure`, `oidc`…).
#[derive(Clone, Default, Deserialize)]
pub struct AuthProviderConfig {
    /// `name`.
    #[serde(default)]
    pub name: String,
    /// `config`: provider settings, often including tokens (redacted in `Debug`).
    #[serde(default, deserialize_with = "nullable")]
    pub config: BTreeMap<String, String>,
}

impl fmt::Debug for AuthProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthProviderConfig")
            .field("name", &self.name)
            .field("config_keys", &self.config.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `exec`: an exec credential plugin as written in a kubeconfig (client-go's `ExecConfig`).
/// `Debug` hides `args` (often `--token=…`) and the values of `env`.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecAuth {
    /// `apiVersion`: `client.authentication.k8s.io/v1` or `.../v1beta1`.
    #[serde(default, deserialize_with = "opt_string")]
    pub api_version: Option<String>,
    /// `command`: the program; absolute once loaded if it contains a path separator.
    #[serde(default)]
    pub command: String,
    /// `args`.
    #[serde(default, deserialize_with = "nullable")]
    pub args: Vec<String>,
    /// `env`: extra environment variables.
    #[serde(default, deserialize_with = "nullable")]
    pub env: Vec<ExecEnvVar>,
    /// `installHint`: shown when the command cannot be found.
    #[serde(default, deserialize_with = "opt_string")]
    pub install_hint: Option<String>,
    /// `provideClusterInfo`: pass cluster details in `KUBERNETES_EXEC_INFO`.
    #[serde(default, deserialize_with = "nullable")]
    pub provide_cluster_info: bool,
    /// `interactiveMode`: `Never`, `IfAvailable` or `Always` (required by v1).
    #[serde(default, deserialize_with = "opt_string")]
    pub interactive_mode: Option<String>,
}

impl fmt::Debug for ExecAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecAuth")
            .field("api_version", &self.api_version)
            .field("command", &self.command)
            .field(
                "args",
                &kclient_apimachinery::redact::Values(self.args.len()),
            )
            .field("env", &self.env)
            .field("install_hint", &self.install_hint)
            .field("provide_cluster_info", &self.provide_cluster_info)
            .field("interactive_mode", &self.interactive_mode)
            .finish()
    }
}

/// One `exec.env` entry. `Debug` hides the value, which is often a secret.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ExecEnvVar {
    /// `name`.
    #[serde(default)]
    pub name: String,
    /// `value`.
    #[serde(default)]
    pub value: String,
}

impl fmt::Debug for ExecEnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecEnvVar")
            .field("name", &self.name)
            .field("value", &kclient_apimachinery::redact::Redacted)
            .finish()
    }
}

/// One entry of `contexts`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NamedContext {
    /// `name`.
    pub name: String,
    /// `context`.
    #[serde(default, deserialize_with = "nullable")]
    pub context: Context,
    /// The file this entry was read from; `None` for text parsed from a string.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// A context: which cluster, which user, which namespace.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Context {
    /// `cluster`: a cluster's name.
    #[serde(default, deserialize_with = "opt_string")]
    pub cluster: Option<String>,
    /// `user`: a user's name.
    #[serde(default, deserialize_with = "opt_string")]
    pub user: Option<String>,
    /// `namespace`: the default namespace.
    #[serde(default, deserialize_with = "opt_string")]
    pub namespace: Option<String>,
    /// `extensions`.
    #[serde(default, deserialize_with = "nullable")]
    pub extensions: Vec<NamedExtension>,
}

impl Kubeconfig {
    /// The cluster called `name`.
    pub fn cluster(&self, name: &str) -> Option<&NamedCluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// The user called `name`.
    pub fn auth_info(&self, name: &str) -> Option<&NamedAuthInfo> {
        self.auth_infos.iter().find(|u| u.name == name)
    }

    /// The context called `name`.
    pub fn context(&self, name: &str) -> Option<&NamedContext> {
        self.contexts.iter().find(|c| c.name == name)
    }

    /// Whether this kubeconfig says nothing useful: no clusters, users, contexts or
    /// current-context (client-go's `IsConfigEmpty`).
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
            && self.auth_infos.is_empty()
            && self.contexts.is_empty()
            && self.current_context.is_none()
    }
}

impl Cluster {
    /// The `extensions` entry called `name`.
    pub fn extension(&self, name: &str) -> Option<&serde_json::Value> {
        self.extensions
            .iter()
            .find(|e| e.name == name)
            .map(|e| &e.extension)
    }
}
