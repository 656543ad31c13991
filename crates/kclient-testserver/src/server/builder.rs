//! [`TestServerBuilder`]: the options of a test server, with their defaults in one place.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::Error;
use crate::api::{Behaviour, State};
use crate::auth::{Authenticator, User};
use crate::store::Store;
use crate::tls::{ADMIN_GROUP, ADMIN_USER};

use super::TestServer;

/// How many changes are retained for watches and list continuations by default.
pub const DEFAULT_WATCH_HISTORY: usize = 1000;
/// How often watches with `allowWatchBookmarks=true` get a bookmark by default.
pub const DEFAULT_BOOKMARK_INTERVAL: Duration = Duration::from_secs(60);
/// How long a watch without `timeoutSeconds` lasts by default (the real server's minimum
/// request timeout).
pub const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(1800);

/// Options for a [`TestServer`]. Build with [`TestServer::builder`], then [`start`](Self::start).
#[must_use]
#[derive(Clone)]
pub struct TestServerBuilder {
    pub(super) port: u16,
    watch_history: usize,
    rbac: bool,
    bookmark_interval: Duration,
    default_watch_timeout: Duration,
    tokens: Vec<(String, User)>,
    kubelet_termination_delay: Duration,
    kubelet_start_delay: Duration,
    seeds: Vec<crate::seed::Source>,
    runtime_config: Vec<String>,
}

impl std::fmt::Debug for TestServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServerBuilder")
            .field("port", &self.port)
            .field("watch_history", &self.watch_history)
            .field("rbac", &self.rbac)
            .field("bookmark_interval", &self.bookmark_interval)
            .field("default_watch_timeout", &self.default_watch_timeout)
            .field("tokens", &self.tokens.len())
            .field("kubelet_termination_delay", &self.kubelet_termination_delay)
            .field("kubelet_start_delay", &self.kubelet_start_delay)
            .field("seeds", &self.seeds)
            .field("runtime_config", &self.runtime_config)
            .finish()
    }
}

impl Default for TestServerBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            watch_history: DEFAULT_WATCH_HISTORY,
            rbac: false,
            bookmark_interval: DEFAULT_BOOKMARK_INTERVAL,
            default_watch_timeout: DEFAULT_WATCH_TIMEOUT,
            tokens: Vec::new(),
            kubelet_termination_delay: Duration::ZERO,
            kubelet_start_delay: Duration::ZERO,
            seeds: Vec::new(),
            runtime_config: Vec::new(),
        }
    }
}

impl TestServerBuilder {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// The port to listen on (127.0.0.1 only). Default is 0: a free port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Turns on RBAC authorization: requests are then checked against the Role, ClusterRole,
    /// RoleBinding and ClusterRoleBinding objects stored in the server, and denied ones get the
    /// real server's 403. Members of `system:masters` (the admin) may still do everything.
    /// Off by default (every authenticated user may do everything).
    pub fn rbac(mut self, on: bool) -> Self {
        self.rbac = on;
        self
    }

    /// How many changes are retained for watches and continuations; older resourceVersions
    /// get 410. Default is 1000.
    pub fn watch_history(mut self, changes: usize) -> Self {
        self.watch_history = changes;
        self
    }

    /// How often bookmarks are sent to watches that allow them. Default is 60 seconds.
    pub fn bookmark_interval(mut self, interval: Duration) -> Self {
        self.bookmark_interval = interval;
        self
    }

    /// How long a watch without `timeoutSeconds` lasts. Default is 30 minutes.
    pub fn default_watch_timeout(mut self, timeout: Duration) -> Self {
        self.default_watch_timeout = timeout;
        self
    }

    /// Accepts `token` as bearer token of `user` in `groups`.
    pub fn token(
        mut self,
        token: impl Into<String>,
        user: impl Into<String>,
        groups: &[&str],
    ) -> Self {
        self.tokens.push((
            token.into(),
            User::new(user, groups.iter().map(|g| g.to_string()).collect()),
        ));
        self
    }

    /// How long the server, playing the kubelet, takes to stop the containers of a pod deleted
    /// gracefully (bound to a node, grace period > 0) before it removes the pod; capped by the
    /// pod's grace period. Until then the pod has `deletionTimestamp` and
    /// `deletionGracePeriodSeconds` set. Default is 0: the pod goes right after it is marked.
    pub fn kubelet_termination_delay(mut self, delay: Duration) -> Self {
        self.kubelet_termination_delay = delay;
        self
    }

    /// How long the simulated kubelet takes to start the containers of a pod bound to an
    /// existing node (default 0): until then the pod is `Pending` and its logs answer
    /// `ContainerCreating`; then it becomes `Running` with running container statuses.
    pub fn kubelet_start_delay(mut self, delay: Duration) -> Self {
        self.kubelet_start_delay = delay;
        self
    }

    /// Creates the objects of `path` at start: a YAML or JSON file (multi-document YAML and
    /// `List`s allowed), or a directory whose `*.yaml`, `*.yml` and `*.json` files are read in
    /// name order. Objects go through the same create path as `kubectl create -f`; Namespaces
    /// are created first, then CustomResourceDefinitions, then the rest. A file that cannot be
    /// read or an object the server refuses makes [`start`](Self::start) fail with an error
    /// naming the file, the document and the reason. May be called several times.
    pub fn seed_path(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.seeds.push(crate::seed::Source::Path(path.into()));
        self
    }

    /// Creates the objects of `yaml` (YAML or JSON text, as for
    /// [`seed_path`](Self::seed_path)) at start.
    pub fn seed_yaml(mut self, yaml: impl Into<String>) -> Self {
        self.seeds.push(crate::seed::Source::Text(yaml.into()));
        self
    }

    /// Changes the set of built-in group/versions served, as kube-apiserver's
    /// `--runtime-config` does (same syntax, comma-separated `key=value`): `api/all=true`
    /// serves every version, `api/beta=true` the betas, `group/version=true|false` (`v1` for
    /// the core group) one group/version, `group/version/resource=false` one resource. By
    /// default a server serves what a v1.36 kube-apiserver with default flags serves: every
    /// GA group/version, no beta or alpha. May be called several times (the specs are joined).
    /// A spec the real server refuses makes [`start`](Self::start) fail.
    pub fn runtime_config(mut self, spec: impl Into<String>) -> Self {
        self.runtime_config.push(spec.into());
        self
    }

    fn api_set(&self) -> Result<crate::apis::ApiSet, Error> {
        if self.runtime_config.is_empty() {
            return Ok(crate::apis::ApiSet::default());
        }
        crate::apis::ApiSet::parse(&self.runtime_config.join(",")).map_err(|reason| {
            Error::InvalidOption {
                option: "runtime_config",
                reason,
            }
        })
    }

    /// Starts the server. Must be called inside a Tokio runtime.
    pub async fn start(self) -> Result<TestServer, Error> {
        if self.watch_history == 0 {
            return Err(Error::InvalidOption {
                option: "watch_history",
                reason: "must be at least 1".into(),
            });
        }
        if self.bookmark_interval.is_zero() {
            return Err(Error::InvalidOption {
                option: "bookmark_interval",
                reason: "must be greater than zero".into(),
            });
        }
        self.api_set()?;
        TestServer::launch(self).await
    }

    /// The seed documents, read and ordered for creation.
    pub(super) fn seed_documents(&self) -> Result<Vec<crate::seed::Document>, Error> {
        crate::seed::load(&self.seeds)
    }

    pub(super) fn state(
        &self,
        addr: SocketAddr,
        admin_token: &str,
        ca_pem: &str,
        namespace_queue: tokio::sync::mpsc::UnboundedSender<String>,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> State {
        let mut tokens: HashMap<String, User> = self.tokens.iter().cloned().collect();
        tokens.insert(
            admin_token.to_string(),
            User::new(ADMIN_USER, vec![ADMIN_GROUP.to_string()]),
        );
        State {
            store: Store::new(self.watch_history),
            auth: Authenticator::new(tokens),
            tokens: crate::tokens::Issuer::default(),
            ca_pem: ca_pem.to_string(),
            server_address: addr.to_string(),
            behaviour: Behaviour {
                bookmark_interval: self.bookmark_interval,
                default_watch_timeout: self.default_watch_timeout,
                rbac: self.rbac,
                kubelet_termination_delay: self.kubelet_termination_delay,
                kubelet_start_delay: self.kubelet_start_delay,
            },
            namespace_queue,
            crds: crate::crd::CrdRegistry::default(),
            shutdown,
            runtime: crate::runtime::Runtime::default(),
            faults: crate::faults::Faults::default(),
            apis: self.api_set().unwrap_or_default(),
        }
    }
}
