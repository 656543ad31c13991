//! In-cluster configuration from a pod's service account (client-go's `rest.InClusterConfig`):
//! the API server from `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`, the token file (kept
//! as a file so the rotating token is re-read), `ca.crt`, and the namespace.

use std::path::{Path, PathBuf};

use crate::config::{Config, DataSource};
use crate::error::{Error, Result};

/// Where a pod's service account files are mounted.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// The API server host variable.
pub const SERVICE_HOST_ENV: &str = "KUBERNETES_SERVICE_HOST";
/// The API server port variable.
pub const SERVICE_PORT_ENV: &str = "KUBERNETES_SERVICE_PORT";
/// The variable that overrides the namespace file (client-go's in-cluster client config).
pub const POD_NAMESPACE_ENV: &str = "POD_NAMESPACE";

/// The inputs of in-cluster configuration; [`InClusterOptions::from_env`] reads the real ones,
/// tests set them by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct InClusterOptions {
    /// `KUBERNETES_SERVICE_HOST` (an IP, IPv6 without brackets, or a name).
    pub service_host: Option<String>,
    /// `KUBERNETES_SERVICE_PORT`.
    pub service_port: Option<String>,
    /// `POD_NAMESPACE`; preferred over the namespace file when set.
    pub pod_namespace: Option<String>,
    /// The directory holding `token`, `ca.crt` and `namespace`.
    pub service_account_dir: PathBuf,
}

impl InClusterOptions {
    /// Reads the environment variables; the service account directory is [`SERVICE_ACCOUNT_DIR`].
    pub fn from_env() -> Self {
        let var = |name| std::env::var(name).ok();
        Self {
            service_host: var(SERVICE_HOST_ENV),
            service_port: var(SERVICE_PORT_ENV),
            pod_namespace: var(POD_NAMESPACE_ENV),
            service_account_dir: PathBuf::from(SERVICE_ACCOUNT_DIR),
        }
    }

    /// Options with the given host and port, and the service account directory under `root`
    /// (`<root>/var/run/secrets/kubernetes.io/serviceaccount`), for tests.
    pub fn with_root(
        root: impl AsRef<Path>,
        host: impl Into<String>,
        port: impl Into<String>,
    ) -> Self {
        Self {
            service_host: Some(host.into()),
            service_port: Some(port.into()),
            pod_namespace: None,
            service_account_dir: root
                .as_ref()
                .join(SERVICE_ACCOUNT_DIR.trim_start_matches('/')),
        }
    }

    /// Sets `POD_NAMESPACE`.
    pub fn pod_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.pod_namespace = Some(namespace.into());
        self
    }

    /// The token file.
    pub fn token_file(&self) -> PathBuf {
        self.service_account_dir.join("token")
    }

    /// The CA bundle file.
    pub fn ca_file(&self) -> PathBuf {
        self.service_account_dir.join("ca.crt")
    }

    /// The namespace file.
    pub fn namespace_file(&self) -> PathBuf {
        self.service_account_dir.join("namespace")
    }

    /// Whether in-cluster configuration looks possible: both variables set and the token file
    /// present (client-go's `inClusterClientConfig.Possible`).
    pub fn is_possible(&self) -> bool {
        non_empty(&self.service_host).is_some()
            && non_empty(&self.service_port).is_some()
            && self.token_file().is_file()
    }
}

impl Config {
    /// The in-cluster config of the pod this process runs in.
    pub fn incluster() -> Result<Config> {
        Config::incluster_with(&InClusterOptions::from_env())
    }

    /// The in-cluster config from explicit inputs.
    ///
    /// The host is `https://<host>:<port>` (IPv6 hosts in brackets). The token is given as
    /// `bearer_token_file`, so it is re-read as it rotates; it must be readable now. `ca.crt`
    /// becomes the CA file (if it is missing, a warning is logged and the system roots are used,
    /// as in client-go). The namespace is `POD_NAMESPACE`, else the namespace file, else unset.
    pub fn incluster_with(options: &InClusterOptions) -> Result<Config> {
        let host = non_empty(&options.service_host);
        let port = non_empty(&options.service_port);
        let (host, port) = match (host, port) {
            (Some(h), Some(p)) => (h, p),
            (h, p) => {
                let mut missing = Vec::new();
                if h.is_none() {
                    missing.push(SERVICE_HOST_ENV);
                }
                if p.is_none() {
                    missing.push(SERVICE_PORT_ENV);
                }
                return Err(Error::NotInCluster { missing });
            }
        };
        let token_file = options.token_file();
        std::fs::File::open(&token_file).map_err(|source| Error::ServiceAccountToken {
            path: token_file.clone(),
            source,
        })?;

        let mut config = Config::new(format!("https://{}", join_host_port(host, port)));
        config.auth.bearer_token_file = Some(token_file);
        let ca_file = options.ca_file();
        if ca_file.is_file() {
            config.tls.ca = Some(DataSource::File(ca_file));
        } else {
            tracing::warn!(path = %ca_file.display(), "in-cluster CA file not found; using the system's roots");
        }
        config.default_namespace = non_empty(&options.pod_namespace)
            .map(str::to_owned)
            .or_else(|| read_namespace(&options.namespace_file()));
        Ok(config)
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `host:port`, with an IPv6 host in brackets (Go's `net.JoinHostPort`).
pub(crate) fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn read_namespace(path: &Path) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(ns) => Some(ns.trim().to_owned()).filter(|ns| !ns.is_empty()),
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "no in-cluster namespace file");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_joining() {
        assert_eq!(join_host_port("10.0.0.1", "443"), "10.0.0.1:443");
        assert_eq!(join_host_port("::1", "443"), "[::1]:443");
        assert_eq!(join_host_port("fd00::a", "6443"), "[fd00::a]:6443");
        assert_eq!(join_host_port("[::1]", "443"), "[::1]:443");
        assert_eq!(
            join_host_port("kubernetes.default.svc", "443"),
            "kubernetes.default.svc:443"
        );
    }

    #[test]
    fn missing_env_named() {
        let mut o = InClusterOptions::with_root("/nonexistent", "", "443");
        let e = Config::incluster_with(&o).err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("not running in a cluster: KUBERNETES_SERVICE_HOST not set")
        );
        o.service_host = None;
        o.service_port = None;
        assert!(!o.is_possible());
        let e = Config::incluster_with(&o).err();
        assert!(matches!(e, Some(Error::NotInCluster { missing }) if missing.len() == 2));
    }
}
