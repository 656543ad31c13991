//! The test environment: a fresh `kclient-testserver` per test, or, when
//! `KCLIENT_TEST_KUBECONFIG` names a kubeconfig, the real cluster it points at. Each test works
//! in a new namespace of its own (deleted at the end on a real cluster), and its informers are
//! scoped to it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions};
use kclient_cache::InformerFactory;
use kclient_config::{Config, ConfigOverrides, Kubeconfig};
use kclient_testserver::TestServer;
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::{ConfigMap, Namespace};

/// The environment variable naming a kubeconfig of a real cluster to test against.
pub const KUBECONFIG_ENV: &str = "KCLIENT_TEST_KUBECONFIG";
/// How long anything may take.
pub const WAIT: Duration = Duration::from_secs(60);

pub struct Env {
    pub config: Config,
    pub clientset: Clientset,
    pub namespace: String,
    server: Option<TestServer>,
}

impl Env {
    pub async fn new() -> Env {
        let (kubeconfig, server) = match std::env::var_os(KUBECONFIG_ENV).filter(|p| !p.is_empty())
        {
            Some(path) => (Kubeconfig::read_from(path).unwrap(), None),
            None => {
                let server = TestServer::start().await.unwrap();
                (
                    Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap(),
                    Some(server),
                )
            }
        };
        let mut config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default()).unwrap();
        // The default 5 QPS would make the tests slow, not more faithful.
        (config.qps, config.burst) = (200.0, 400);
        let clientset = Clientset::for_config(&config).unwrap();
        let namespace = format!("kclient-runtime-{:08x}", random());
        clientset
            .core_v1()
            .namespaces()
            .create(
                &Namespace {
                    metadata: ObjectMeta::named(namespace.clone()),
                    ..Namespace::default()
                },
                &CreateOptions::default(),
            )
            .await
            .unwrap();
        Env {
            config,
            clientset,
            namespace,
            server,
        }
    }

    /// An informer factory scoped to the test's namespace.
    pub fn factory(&self) -> Arc<InformerFactory> {
        Arc::new(
            InformerFactory::for_clientset(&self.clientset, Duration::ZERO)
                .with_namespace(self.namespace.clone()),
        )
    }

    pub fn rest_client(&self) -> kclient_rest::RestClient {
        self.clientset.core_v1().namespaces().rest_client().clone()
    }

    pub fn is_test_server(&self) -> bool {
        self.server.is_some()
    }

    pub fn config_maps(&self) -> kclient_typed::ResourceClient<ConfigMap> {
        self.clientset.core_v1().config_maps(&self.namespace)
    }

    pub async fn create_config_map(&self, name: &str, value: &str) -> ConfigMap {
        let cm = ConfigMap {
            metadata: ObjectMeta::namespaced(self.namespace.clone(), name),
            data: Some(kclient_apimachinery::VecMap::from([(
                "v".to_string(),
                value.to_string(),
            )])),
            ..ConfigMap::default()
        };
        self.config_maps()
            .create(&cm, &CreateOptions::default())
            .await
            .unwrap()
    }

    pub async fn cleanup(self) {
        match self.server {
            Some(server) => server.shutdown().await,
            None => {
                let _ = self
                    .clientset
                    .core_v1()
                    .namespaces()
                    .delete(&self.namespace, &DeleteOptions::default())
                    .await;
            }
        }
    }
}

pub fn random() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now()) as u32
}

/// Polls `check` until it is true or [`WAIT`] passes.
pub async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
