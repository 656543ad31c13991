//! Where the integration tests run: an embedded `kclient-testserver` (one per test, on
//! 127.0.0.1 port 0), or — when `KCLIENT_TEST_KUBECONFIG` names a kubeconfig — the real cluster
//! of its current context. Each test works in its own namespace, created here and deleted when
//! the [`Cluster`] is dropped (on a real cluster; the embedded server just stops).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions};
use kclient_config::{Config, ConfigOverrides, Kubeconfig};
use kclient_testserver::TestServer;
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::Namespace;

/// The environment variable naming a kubeconfig of a real cluster to test against.
pub const KUBECONFIG_VAR: &str = "KCLIENT_TEST_KUBECONFIG";

/// A cluster to test against, with a fresh namespace.
pub struct Cluster {
    /// The client configuration.
    pub config: Config,
    /// A clientset over `config`.
    pub clientset: Clientset,
    /// The namespace made for this test.
    pub namespace: String,
    server: Option<TestServer>,
}

impl Cluster {
    /// Whether this is the embedded test server (not a real cluster).
    pub fn is_embedded(&self) -> bool {
        self.server.is_some()
    }

    /// The embedded server, if this is one.
    pub fn server(&self) -> Option<&TestServer> {
        self.server.as_ref()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.server.is_some() {
            return;
        }
        // A real cluster: delete the namespace (and everything in it) in the background of the
        // runtime that is still alive, if any; a leftover `kclient-test-*` namespace is harmless.
        let namespaces = self.clientset.core_v1().namespaces();
        let name = self.namespace.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let _ = namespaces.delete(&name, &DeleteOptions::background()).await;
            });
        }
    }
}

/// A name unique in this process and across runs: `prefix-<random>`.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}-{:x}{n:x}{:x}", nanos, std::process::id() % 4096)
}

/// The cluster named by `KCLIENT_TEST_KUBECONFIG`, or a new embedded test server; with a
/// namespace `kclient-test-<test>-<random>` created for the test.
pub async fn start(test: &str) -> Cluster {
    let (config, server) = match std::env::var_os(KUBECONFIG_VAR).filter(|v| !v.is_empty()) {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(&path)
                .unwrap_or_else(|e| panic!("reading {KUBECONFIG_VAR}={path:?}: {e}"));
            let config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default())
                .unwrap_or_else(|e| panic!("configuring from {KUBECONFIG_VAR}: {e}"));
            (config, None)
        }
        None => {
            let server = TestServer::start().await.unwrap();
            let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
            let config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default()).unwrap();
            (config, Some(server))
        }
    };
    let clientset = Clientset::for_config(&config).unwrap();
    let namespace = unique(&format!("kclient-test-{test}"));
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(namespace.clone()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    clientset
        .core_v1()
        .namespaces()
        .create(&ns, &CreateOptions::default())
        .await
        .unwrap_or_else(|e| panic!("creating the test namespace {namespace}: {e}"));
    Cluster {
        config,
        clientset,
        namespace,
        server,
    }
}
