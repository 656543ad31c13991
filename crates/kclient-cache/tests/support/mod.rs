//! Shared test environment: a fresh `kclient-testserver` per test, or, when
//! `KCLIENT_TEST_KUBECONFIG` names a kubeconfig, the real cluster it points at. Each test works
//! in its own new namespace, deleted at the end on a real cluster. Fault injection
//! (`close_watches`, `compact_history`) only exists on the test server; tests that need it
//! skip those steps (or the whole test) on a real cluster.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::ListOptions;
use kclient_apimachinery::{HasObjectMeta, MetaAccessor, StaticResource};
use kclient_cache::listwatch::WatchEventStream;
use kclient_cache::{ListerWatcher, ObjectList, RestListWatch};
use kclient_config::{Config, ConfigOverrides, Kubeconfig, Serializer};
use kclient_rest::RestClient;
use kclient_testserver::TestServer;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// The environment variable naming a kubeconfig of a real cluster to test against.
pub const KUBECONFIG_ENV: &str = "KCLIENT_TEST_KUBECONFIG";

/// The label every object made by a test carries; informers and server listings select on it,
/// so objects a real cluster adds by itself (such as `kube-root-ca.crt`) stay out of the way.
pub const TEST_LABEL: &str = "kclient-cache-test";

/// A core/v1 ConfigMap, as much of it as the tests need.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMap {
    #[serde(default = "v1")]
    pub api_version: String,
    #[serde(default = "cm_kind")]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub data: BTreeMap<String, String>,
}

fn v1() -> String {
    "v1".into()
}
fn cm_kind() -> String {
    "ConfigMap".into()
}

impl HasObjectMeta for ConfigMap {
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl StaticResource for ConfigMap {
    const GROUP: &'static str = "";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "ConfigMap";
    const PLURAL: &'static str = "configmaps";
    const NAMESPACED: bool = true;
}

/// Where the tests run.
pub struct Env {
    pub config: Config,
    pub client: RestClient,
    pub namespace: String,
    server: Option<TestServer>,
}

impl Env {
    /// A test server (or the real cluster of `KCLIENT_TEST_KUBECONFIG`) and a new namespace.
    pub async fn new() -> Env {
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
        let (kubeconfig, server) = match std::env::var_os(KUBECONFIG_ENV) {
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
        config.content.serializer = Some(Serializer::Json);
        // The default 5 QPS would make the tests slow, not more faithful.
        config.qps = 200.0;
        config.burst = 400;
        let client = RestClient::unversioned_for_config(&config).unwrap();
        let namespace = format!("kclient-cache-{:08x}", fastrand::u32(..));
        let ns = serde_json::json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}
        });
        let _: serde_json::Value = client
            .post()
            .abs_path("/api/v1")
            .resource("namespaces")
            .body(&ns)
            .object()
            .await
            .unwrap();
        Env {
            config,
            client,
            namespace,
            server,
        }
    }

    /// Whether fault injection is available (only on the test server).
    pub fn can_inject_faults(&self) -> bool {
        self.server.is_some()
    }

    /// The test server, if the tests run against one.
    pub fn server(&self) -> Option<&TestServer> {
        self.server.as_ref()
    }

    /// Ends every open watch (test server only; a no-op on a real cluster).
    pub fn close_watches(&self) {
        if let Some(s) = &self.server {
            s.close_watches();
        }
    }

    /// Forgets the change history (test server only; a no-op on a real cluster).
    pub fn compact_history(&self) {
        if let Some(s) = &self.server {
            s.compact_history();
        }
    }

    /// Deletes the namespace on a real cluster; stops the test server.
    pub async fn cleanup(self) {
        match self.server {
            Some(server) => server.shutdown().await,
            None => {
                let _ = self
                    .client
                    .delete()
                    .abs_path("/api/v1")
                    .resource("namespaces")
                    .name(&self.namespace)
                    .send()
                    .await;
            }
        }
    }

    fn configmaps(&self) -> kclient_rest::Request {
        self.client
            .get()
            .abs_path("/api/v1")
            .namespace(&self.namespace)
    }

    pub async fn create(&self, name: &str, value: &str) -> ConfigMap {
        self.create_labeled(name, value, &[]).await
    }

    pub async fn create_labeled(
        &self,
        name: &str,
        value: &str,
        labels: &[(&str, &str)],
    ) -> ConfigMap {
        let mut metadata = ObjectMeta::named(name);
        metadata.labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        metadata
            .labels
            .insert(TEST_LABEL.to_string(), "true".to_string());
        let cm = ConfigMap {
            api_version: v1(),
            kind: cm_kind(),
            metadata,
            data: BTreeMap::from([("v".to_string(), value.to_string())]),
        };
        self.client
            .post()
            .abs_path("/api/v1")
            .namespace(&self.namespace)
            .resource("configmaps")
            .body(&cm)
            .object()
            .await
            .unwrap()
    }

    pub async fn update(&self, name: &str, value: &str) -> ConfigMap {
        let patch = serde_json::json!({"data": {"v": value}});
        self.client
            .patch(kclient_rest::PatchType::Merge)
            .abs_path("/api/v1")
            .namespace(&self.namespace)
            .resource("configmaps")
            .name(name)
            .body(&patch)
            .object()
            .await
            .unwrap()
    }

    pub async fn delete(&self, name: &str) {
        let _ = self
            .client
            .delete()
            .abs_path("/api/v1")
            .namespace(&self.namespace)
            .resource("configmaps")
            .name(name)
            .send()
            .await
            .unwrap();
    }

    /// The server's configmaps of the namespace: name -> resourceVersion.
    pub async fn server_state(&self) -> BTreeMap<String, String> {
        let list: ObjectList<ConfigMap> = self
            .configmaps()
            .resource("configmaps")
            .param("labelSelector", TEST_LABEL)
            .object()
            .await
            .unwrap();
        list.items
            .iter()
            .map(|c| {
                (
                    c.name().unwrap().to_string(),
                    c.resource_version().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// A list-watcher of the namespace's configmaps made by the test.
    pub fn configmap_lw(&self) -> Labeled<RestListWatch<ConfigMap>> {
        Labeled(
            RestListWatch::<ConfigMap>::typed(self.client.clone())
                .namespace(self.namespace.clone()),
        )
    }
}

/// Polls `check` every 20 ms until it holds or `timeout` passes; returns whether it held.
pub async fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A list-watcher that selects [`TEST_LABEL`] unless the caller set a label selector.
#[derive(Clone)]
pub struct Labeled<L>(pub L);

fn with_test_label(opts: &ListOptions) -> ListOptions {
    let mut opts = opts.clone();
    if opts.label_selector.is_none() {
        opts.label_selector = Some(TEST_LABEL.to_string());
    }
    opts
}

impl<T: Send + 'static, L: ListerWatcher<T>> ListerWatcher<T> for Labeled<L> {
    fn list(
        &self,
        opts: &ListOptions,
    ) -> BoxFuture<'static, Result<ObjectList<T>, kclient_rest::Error>> {
        self.0.list(&with_test_label(opts))
    }

    fn watch(
        &self,
        opts: &ListOptions,
    ) -> BoxFuture<'static, Result<WatchEventStream<T>, kclient_rest::Error>> {
        self.0.watch(&with_test_label(opts))
    }

    fn describe(&self) -> String {
        self.0.describe()
    }
}

/// A list-watcher whose watches wait while its gate is closed: lets a test keep the reflector
/// disconnected while it changes things on the server.
#[derive(Clone)]
pub struct GatedLw<L> {
    inner: Arc<L>,
    gate: Arc<watch::Sender<bool>>,
}

impl<L> GatedLw<L> {
    pub fn new(inner: L) -> Self {
        let (gate, _) = watch::channel(true);
        Self {
            inner: Arc::new(inner),
            gate: Arc::new(gate),
        }
    }

    pub fn close(&self) {
        self.gate.send_replace(false);
    }

    pub fn open(&self) {
        self.gate.send_replace(true);
    }
}

impl<T: Send + 'static, L: ListerWatcher<T>> ListerWatcher<T> for GatedLw<L> {
    fn list(
        &self,
        opts: &ListOptions,
    ) -> BoxFuture<'static, Result<ObjectList<T>, kclient_rest::Error>> {
        self.inner.list(opts)
    }

    fn watch(
        &self,
        opts: &ListOptions,
    ) -> BoxFuture<'static, Result<WatchEventStream<T>, kclient_rest::Error>> {
        let inner = self.inner.clone();
        let opts = opts.clone();
        let mut gate = self.gate.subscribe();
        async move {
            let _ = gate.wait_for(|open| *open).await;
            inner.watch(&opts).await
        }
        .boxed()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// What a recording handler saw.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// The handler's view: name -> resourceVersion, maintained by applying notifications.
    pub view: BTreeMap<String, String>,
    /// Per name, every notification in order: `add:<rv>`, `update:<rv>`, `sync:<rv>`,
    /// `delete:<rv>`, `tombstone:<rv>`.
    pub history: BTreeMap<String, Vec<String>>,
    /// Notifications that contradict the view (an add of a known object, an update or delete of
    /// an unknown one, an update from a stale old state).
    pub anomalies: Vec<String>,
    /// Adds flagged `is_in_initial_list`.
    pub initial_adds: usize,
}

/// A handler that records what it sees and checks it for consistency.
#[derive(Debug, Default)]
pub struct Recorder {
    seen: std::sync::Mutex<Seen>,
}

impl Recorder {
    pub fn seen(&self) -> Seen {
        self.seen.lock().unwrap().clone()
    }
}

fn name_rv<T: MetaAccessor>(o: &T) -> (String, String) {
    (
        o.name().unwrap_or("").to_string(),
        o.resource_version().unwrap_or("").to_string(),
    )
}

impl<T: MetaAccessor + Send + Sync + 'static> kclient_cache::EventHandler<T> for Recorder {
    fn on_add(&self, obj: &Arc<T>, is_in_initial_list: bool) {
        let (name, rv) = name_rv(obj.as_ref());
        let mut s = self.seen.lock().unwrap();
        if is_in_initial_list {
            s.initial_adds += 1;
        }
        if s.view.insert(name.clone(), rv.clone()).is_some() {
            s.anomalies.push(format!("duplicate add of {name} at {rv}"));
        }
        s.history.entry(name).or_default().push(format!("add:{rv}"));
    }

    fn on_update(&self, old: &Arc<T>, new: &Arc<T>) {
        let (name, rv) = name_rv(new.as_ref());
        let (_, old_rv) = name_rv(old.as_ref());
        let mut s = self.seen.lock().unwrap();
        match s.view.get(&name).cloned() {
            None => s.anomalies.push(format!("update of unknown {name}")),
            Some(seen) if seen != old_rv => s.anomalies.push(format!(
                "update of {name} from {old_rv}, but the view has {seen}"
            )),
            Some(_) => {}
        }
        let kind = if rv == old_rv { "sync" } else { "update" };
        s.view.insert(name.clone(), rv.clone());
        s.history
            .entry(name)
            .or_default()
            .push(format!("{kind}:{rv}"));
    }

    fn on_delete(&self, obj: &kclient_cache::DeltaObject<T>) {
        let (name, rv) = name_rv(obj.object().as_ref());
        let mut s = self.seen.lock().unwrap();
        if s.view.remove(&name).is_none() {
            s.anomalies.push(format!("delete of unknown {name}"));
        }
        let kind = if obj.is_tombstone() {
            "tombstone"
        } else {
            "delete"
        };
        s.history
            .entry(name)
            .or_default()
            .push(format!("{kind}:{rv}"));
    }
}

/// The informer store's contents: name -> resourceVersion.
pub fn store_state<T: MetaAccessor>(store: &kclient_cache::Store<T>) -> BTreeMap<String, String> {
    store.list().iter().map(|o| name_rv(o.as_ref())).collect()
}
