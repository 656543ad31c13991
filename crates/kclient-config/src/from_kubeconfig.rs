//! Building a [`Config`] from a (merged) kubeconfig and overrides, the way client-go's
//! `DirectClientConfig.ClientConfig()` does:
//!
//! - the server comes from the cluster (or `--server`); query and fragment are dropped;
//! - `proxy-url`, `disable-compression`, the impersonation fields and the namespace always apply;
//! - TLS settings and credentials apply only when the server is `https://` (client-go never
//!   sends credentials in the clear);
//! - an inline `token` beats `tokenFile`; a static token, basic auth or client certificate
//!   makes client-go skip the exec plugin, and so does this;
//! - `*-data` fields are decoded from base64 here, with errors naming the field and file.

use std::path::Path;

use secrecy::ExposeSecret as _;

use crate::config::{
    AuthConfig, Config, DataSource, ExecClusterInfo, ImpersonationConfig, TlsConfig,
};
use crate::error::Result;
use crate::exec_auth::{EXEC_CLUSTER_EXTENSION, exec_config};
use crate::kubeconfig::{AuthInfo, Cluster, Kubeconfig};
use crate::overrides::ConfigOverrides;
use crate::select::select;
use crate::validate::{Owner, has_credentials, validate_cluster, validate_user};

impl Config {
    /// Builds the config of the kubeconfig's current context, or of the context, cluster and
    /// user named in `overrides` (client-go's `ClientConfig()`).
    ///
    /// Fails with an error naming the problem when the context, its cluster or its user does not
    /// exist, when no context is chosen, or when the chosen entries are invalid (see
    /// [`Error`](crate::Error)). Files named by the kubeconfig are checked to be readable but are
    /// read by the transport, so rotated files are picked up.
    pub fn from_kubeconfig(kubeconfig: &Kubeconfig, overrides: &ConfigOverrides) -> Result<Config> {
        let sel = select(kubeconfig, overrides)?;
        tracing::debug!(
            context = %sel.context_name,
            cluster = %sel.cluster_name,
            user = %sel.user_name,
            "building config from kubeconfig"
        );
        let no_cluster = Cluster::default();
        let cluster = sel.cluster.map_or(&no_cluster, |c| &c.cluster);
        let cluster_owner = Owner {
            kind: "cluster",
            name: &sel.cluster_name,
            origin: sel.cluster.and_then(|c| c.origin.as_deref()),
        };
        let anonymous = AuthInfo::default();
        let user = sel.user.map_or(&anonymous, |u| &u.auth_info);
        let user_owner = Owner {
            kind: "user",
            name: &sel.user_name,
            origin: sel.user.and_then(|u| u.origin.as_deref()),
        };
        validate_cluster(cluster, cluster_owner)?;
        validate_user(user, user_owner)?;

        let (server, tls_server_name) = match &sel.overrides.server {
            // `--server` drops the kubeconfig's tls-server-name, as in client-go.
            Some(s) => (s.clone(), None),
            _ => (
                cluster.server.clone().unwrap_or_default(),
                cluster.tls_server_name.clone(),
            ),
        };
        if server.is_empty() {
            return Err(crate::Error::NoServer {
                cluster: sel.cluster_name.clone(),
                origin: cluster_owner.origin.map(Path::to_owned),
            });
        }

        let mut config = Config::new(strip_query_and_fragment(&server));
        config.proxy_url = cluster.proxy_url.clone();
        config.disable_compression = cluster.disable_compression;
        config.default_namespace = sel.namespace.clone();
        config.impersonate = impersonation(user);

        if is_https(&config.host) {
            config.tls = tls_config(cluster, cluster_owner, user, user_owner, tls_server_name)?;
            config.auth = auth_config(&config, cluster, cluster_owner, user, user_owner)?;
        } else if has_credentials(user) || cluster.certificate_authority.is_some() {
            tracing::warn!(
                server = %kclient_apimachinery::redact::url(&config.host),
                user = %sel.user_name,
                "server is not https: TLS settings and credentials of the kubeconfig are not used"
            );
        }
        Ok(config)
    }
}

fn impersonation(user: &AuthInfo) -> ImpersonationConfig {
    ImpersonationConfig {
        user: user.impersonate.clone(),
        uid: user.impersonate_uid.clone(),
        groups: user.impersonate_groups.clone(),
        extra: user.impersonate_user_extra.clone(),
    }
}

fn tls_config(
    cluster: &Cluster,
    cluster_owner: Owner<'_>,
    user: &AuthInfo,
    user_owner: Owner<'_>,
    server_name: Option<String>,
) -> Result<TlsConfig> {
    let ca = match (
        &cluster.certificate_authority_data,
        &cluster.certificate_authority,
    ) {
        (Some(data), _) => Some(DataSource::Data(
            cluster_owner.decode_base64("certificate-authority-data", data)?,
        )),
        (None, Some(file)) => Some(DataSource::File(file.into())),
        (None, None) => None,
    };
    let client_cert = match (&user.client_certificate_data, &user.client_certificate) {
        (Some(data), _) => Some(DataSource::Data(
            user_owner.decode_base64("client-certificate-data", data)?,
        )),
        (None, Some(file)) => Some(DataSource::File(file.into())),
        (None, None) => None,
    };
    // client-go uses a key only together with a certificate.
    let client_key = match (&client_cert, &user.client_key_data, &user.client_key) {
        (None, ..) => None,
        (Some(_), Some(data), _) => Some(DataSource::Data(
            user_owner.decode_base64("client-key-data", data.expose_secret())?,
        )),
        (Some(_), None, Some(file)) => Some(DataSource::File(file.into())),
        (Some(_), None, None) => None,
    };
    if client_cert.is_some() && cluster.insecure_skip_tls_verify {
        tracing::debug!("client certificate used with insecure-skip-tls-verify");
    }
    Ok(TlsConfig {
        insecure: cluster.insecure_skip_tls_verify,
        server_name,
        ca,
        client_cert,
        client_key,
        next_protos: Vec::new(),
    })
}

fn auth_config(
    config: &Config,
    cluster: &Cluster,
    cluster_owner: Owner<'_>,
    user: &AuthInfo,
    user_owner: Owner<'_>,
) -> Result<AuthConfig> {
    let mut auth = AuthConfig::default();
    if let Some(token) = &user.token {
        auth.bearer_token = Some(token.clone());
        if user.token_file.is_some() {
            tracing::debug!(user = %user_owner.name, "both token and tokenFile set; the inline token is used");
        }
    } else if let Some(file) = &user.token_file {
        user_owner.check_readable("tokenFile", file)?;
        auth.bearer_token_file = Some(file.into());
    }
    if user.username.is_some() || user.password.is_some() {
        auth.username = user.username.clone();
        auth.password = user.password.clone();
    }
    if let Some(exec) = &user.exec {
        let converted = exec_config(exec, user_owner.name, user_owner.origin, || {
            exec_cluster_info(config, cluster, cluster_owner)
        })?;
        let static_credentials = auth.bearer_token.is_some()
            || auth.bearer_token_file.is_some()
            || auth.username.is_some()
            || config.tls.client_cert.is_some();
        if static_credentials {
            // client-go's exec authenticator steps aside when other credentials are present.
            tracing::debug!(user = %user_owner.name, "static credentials present; the exec plugin is not used");
        } else {
            auth.exec = Some(converted);
        }
    }
    Ok(auth)
}

/// What `provideClusterInfo` passes to the plugin. A CA given as a file is read now, since the
/// plugin protocol carries the bytes.
fn exec_cluster_info(
    config: &Config,
    cluster: &Cluster,
    owner: Owner<'_>,
) -> Result<ExecClusterInfo> {
    let certificate_authority_data = match &config.tls.ca {
        Some(DataSource::Data(d)) => Some(d.clone()),
        Some(DataSource::File(path)) => {
            Some(
                std::fs::read(path).map_err(|source| crate::Error::UnreadableFile {
                    field: "certificate-authority",
                    owner: format!("cluster {:?}", owner.name),
                    path: path.clone(),
                    source,
                })?,
            )
        }
        None => None,
    };
    Ok(ExecClusterInfo {
        server: config.host.clone(),
        tls_server_name: config.tls.server_name.clone(),
        insecure_skip_tls_verify: config.tls.insecure,
        certificate_authority_data,
        proxy_url: config.proxy_url.clone(),
        disable_compression: config.disable_compression,
        config: cluster.extension(EXEC_CLUSTER_EXTENSION).cloned(),
    })
}

/// Whether `host` is an `https://` URL (case-insensitive scheme).
fn is_https(host: &str) -> bool {
    host.get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
}

/// Drops `?query` and `#fragment` from a server URL that has a path, as client-go does.
fn strip_query_and_fragment(server: &str) -> String {
    let Some((scheme, rest)) = server.split_once("://") else {
        return server.to_owned();
    };
    let path_start = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(path_start);
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let path = &tail[..path_end];
    if path.len() > 1 {
        format!("{scheme}://{authority}{path}")
    } else {
        server.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn query_and_fragment_dropped_only_with_path() {
        assert_eq!(
            strip_query_and_fragment("https://h:6443/prefix?x=1#f"),
            "https://h:6443/prefix"
        );
        assert_eq!(
            strip_query_and_fragment("https://h:6443/?x=1"),
            "https://h:6443/?x=1"
        );
        assert_eq!(strip_query_and_fragment("https://h:6443"), "https://h:6443");
        assert_eq!(strip_query_and_fragment("h:6443"), "h:6443");
    }

    #[test]
    fn https_detection() {
        assert!(is_https("https://x"));
        assert!(is_https("HTTPS://x"));
        assert!(!is_https("http://x"));
        assert!(!is_https("x:6443"));
        assert!(!is_https("https:/"));
    }
}
