//! Command-line style overrides applied when a [`Config`](crate::Config) is built from a
//! kubeconfig (client-go's `ConfigOverrides`: `--context`, `--cluster`, `--user`, `--namespace`,
//! `--server`).

/// What to use instead of the kubeconfig's own choices. Every field is optional; unset fields
/// leave the kubeconfig's value alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct ConfigOverrides {
    /// The context to use instead of `current-context` (`--context`).
    pub context: Option<String>,
    /// The cluster to use instead of the context's (`--cluster`).
    pub cluster: Option<String>,
    /// The user (auth info) to use instead of the context's (`--user`).
    pub user: Option<String>,
    /// The namespace to use instead of the context's (`--namespace`).
    pub namespace: Option<String>,
    /// The server URL to use instead of the cluster's (`--server`). As in client-go it also
    /// drops the cluster's `tls-server-name`.
    pub server: Option<String>,
}

impl ConfigOverrides {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses context `name`.
    pub fn context(mut self, name: impl Into<String>) -> Self {
        self.context = Some(name.into());
        self
    }

    /// Uses cluster `name`.
    pub fn cluster(mut self, name: impl Into<String>) -> Self {
        self.cluster = Some(name.into());
        self
    }

    /// Uses user `name`.
    pub fn user(mut self, name: impl Into<String>) -> Self {
        self.user = Some(name.into());
        self
    }

    /// Uses namespace `namespace` as the default namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Uses server `url`.
    pub fn server(mut self, url: impl Into<String>) -> Self {
        self.server = Some(url.into());
        self
    }

    /// The overrides with empty strings treated as unset (flags default to `""`).
    pub(crate) fn normalized(&self) -> ConfigOverrides {
        let clean = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        ConfigOverrides {
            context: clean(&self.context),
            cluster: clean(&self.cluster),
            user: clean(&self.user),
            namespace: clean(&self.namespace),
            server: clean(&self.server),
        }
    }
}
