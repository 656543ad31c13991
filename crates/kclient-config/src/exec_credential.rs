//! The exec credential plugin protocol (`client.authentication.k8s.io` v1 and v1beta1): the
//! `ExecCredential` object passed to the plugin in `KUBERNETES_EXEC_INFO` and the one it prints
//! on standard output.
//!
//! This module is pure: it builds the plugin's input from an [`ExecConfig`] and checks the
//! plugin's output. Running the plugin (environment, stdin, caching, refresh on 401) is the
//! transport's job in `kclient-rest`.

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::{ExecClusterInfo, ExecConfig};
use crate::error::{Error, Result};

/// `client.authentication.k8s.io/v1`.
pub const V1: &str = "client.authentication.k8s.io/v1";
/// `client.authentication.k8s.io/v1beta1`.
pub const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";
/// The kind of the object exchanged with the plugin.
pub const KIND: &str = "ExecCredential";
/// The environment variable carrying the plugin's input.
pub const EXEC_INFO_ENV: &str = "KUBERNETES_EXEC_INFO";

/// An `ExecCredential`: input to the plugin (with `spec`) or its output (with `status`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecCredential {
    /// [`V1`] or [`V1BETA1`]; the plugin must answer with the version it was given.
    #[serde(default)]
    pub api_version: String,
    /// Always [`KIND`].
    #[serde(default)]
    pub kind: String,
    /// What the client tells the plugin.
    #[serde(default)]
    pub spec: ExecCredentialSpec,
    /// What the plugin answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ExecCredentialStatus>,
}

/// `spec`: what the client tells the plugin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecCredentialSpec {
    /// The cluster, when the kubeconfig sets `provideClusterInfo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ExecCluster>,
    /// Whether the plugin may use standard input to talk to the user.
    #[serde(default)]
    pub interactive: bool,
}

/// `spec.cluster`: the cluster the credential is for. `Debug` hides the `config` extension and
/// any password in the URLs.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExecCluster {
    /// The server URL.
    #[serde(default)]
    pub server: String,
    /// `tls-server-name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    /// `insecure-skip-tls-verify`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure_skip_tls_verify: bool,
    /// The PEM CA bundle (base64 on the wire).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_base64",
        deserialize_with = "de_base64"
    )]
    pub certificate_authority_data: Option<Vec<u8>>,
    /// `proxy-url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<String>,
    /// `disable-compression`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disable_compression: bool,
    /// The cluster's `client.authentication.k8s.io/exec` extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
}

impl std::fmt::Debug for ExecCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use kclient_apimachinery::redact;
        f.debug_struct("ExecCluster")
            .field("server", &redact::url(&self.server))
            .field("tls_server_name", &self.tls_server_name)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field(
                "certificate_authority_data",
                &self
                    .certificate_authority_data
                    .as_ref()
                    .map(|d| format!("<{} bytes>", d.len())),
            )
            .field("proxy_url", &self.proxy_url.as_deref().map(redact::url))
            .field("disable_compression", &self.disable_compression)
            .field("config", &self.config.as_ref().map(|_| redact::Redacted))
            .finish()
    }
}

/// `status`: the credential the plugin returns. `Debug` never shows the token or key;
/// serializing writes them in clear, since that is the wire format (for fake plugins in tests).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecCredentialStatus {
    /// When the credential expires; `None` means it is valid for the life of the process.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_time",
        deserialize_with = "de_time"
    )]
    pub expiration_timestamp: Option<jiff::Timestamp>,
    /// A bearer token.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_secret",
        deserialize_with = "crate::de::opt_secret"
    )]
    pub token: Option<SecretString>,
    /// A PEM client certificate (not base64).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub client_certificate_data: Option<String>,
    /// A PEM client key (not base64).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_secret",
        deserialize_with = "crate::de::opt_secret"
    )]
    pub client_key_data: Option<SecretString>,
}

impl From<&ExecClusterInfo> for ExecCluster {
    fn from(c: &ExecClusterInfo) -> Self {
        ExecCluster {
            server: c.server.clone(),
            tls_server_name: c.tls_server_name.clone(),
            insecure_skip_tls_verify: c.insecure_skip_tls_verify,
            certificate_authority_data: c.certificate_authority_data.clone(),
            proxy_url: c.proxy_url.clone(),
            disable_compression: c.disable_compression,
            config: c.config.clone(),
        }
    }
}

impl ExecCredential {
    /// The plugin's input for `exec`: the same API version, `spec.interactive` as decided by the
    /// caller (standard input is a terminal and the mode allows it), and `spec.cluster` when
    /// `provideClusterInfo` is set.
    pub fn request(exec: &ExecConfig, interactive: bool) -> ExecCredential {
        ExecCredential {
            api_version: exec.api_version.clone(),
            kind: KIND.to_owned(),
            spec: ExecCredentialSpec {
                cluster: if exec.provide_cluster_info {
                    exec.cluster.as_ref().map(ExecCluster::from)
                } else {
                    None
                },
                interactive,
            },
            status: None,
        }
    }

    /// Decodes and checks a plugin's standard output (JSON, or YAML as client-go also
    /// accepts): it must be an `ExecCredential` of `expected_api_version` with a `status`
    /// holding a token or a certificate and key pair. Errors never quote the output.
    pub fn from_plugin_output(output: &[u8], expected_api_version: &str) -> Result<ExecCredential> {
        let cred = decode(output)?;
        let invalid = |reason: String| Err(Error::InvalidExecCredential { reason });
        if cred.api_version != expected_api_version {
            return invalid(format!(
                "the plugin is configured for apiVersion {expected_api_version:?} but returned {:?}",
                cred.api_version
            ));
        }
        if cred.kind != KIND {
            return invalid(format!("kind is {:?}, expected {KIND:?}", cred.kind));
        }
        let Some(status) = &cred.status else {
            return invalid("no status returned".to_owned());
        };
        let has_cert = status.client_certificate_data.is_some();
        let has_key = status.client_key_data.is_some();
        if has_cert != has_key {
            return invalid(
                "only one of clientCertificateData and clientKeyData returned; both are needed"
                    .to_owned(),
            );
        }
        if status.token.is_none() && !has_cert {
            return invalid("neither a token nor a client certificate and key returned".to_owned());
        }
        Ok(cred)
    }
}

impl ExecCredentialStatus {
    /// Whether the credential has expired at `now` (never, without an expiration timestamp).
    pub fn is_expired_at(&self, now: jiff::Timestamp) -> bool {
        self.expiration_timestamp.is_some_and(|t| now >= t)
    }
}

/// The `KUBERNETES_EXEC_INFO` value for `exec`: [`ExecCredential::request`] as JSON.
pub fn exec_info_json(exec: &ExecConfig, interactive: bool) -> Result<String> {
    serde_json::to_string(&ExecCredential::request(exec, interactive))
        .map_err(|source| Error::ExecInfoEncode { source })
}

fn decode(output: &[u8]) -> Result<ExecCredential> {
    let first = output.iter().find(|b| !b.is_ascii_whitespace());
    match serde_json::from_slice::<ExecCredential>(output) {
        Ok(c) => Ok(c),
        Err(e) if first == Some(&b'{') => Err(Error::ExecCredentialDecode {
            category: match e.classify() {
                serde_json::error::Category::Io => "io",
                serde_json::error::Category::Syntax => "syntax",
                serde_json::error::Category::Data => "data",
                serde_json::error::Category::Eof => "eof",
            },
            line: e.line(),
            column: e.column(),
        }),
        Err(_) => {
            let text = std::str::from_utf8(output).map_err(|_| Error::InvalidExecCredential {
                reason: "output is not UTF-8".to_owned(),
            })?;
            let options = serde_saphyr::options! { with_snippet: false };
            serde_saphyr::from_str_with_options(text, options).map_err(|e| {
                let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
                Error::ExecCredentialDecode {
                    category: "yaml",
                    line: usize::try_from(line).unwrap_or(usize::MAX),
                    column: usize::try_from(column).unwrap_or(usize::MAX),
                }
            })
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn ser_base64<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(bytes) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes)),
        None => s.serialize_none(),
    }
}

fn de_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map(Some)
        .map_err(|_| serde::de::Error::custom("certificate-authority-data is not valid base64"))
}

fn ser_time<S: Serializer>(v: &Option<jiff::Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<jiff::Timestamp>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            serde::de::Error::custom("expirationTimestamp is not an RFC 3339 timestamp")
        }),
    }
}

fn ser_secret<S: Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(secret) => s.serialize_str(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
#[path = "exec_credential_tests.rs"]
mod tests;
