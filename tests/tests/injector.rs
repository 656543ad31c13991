//! The namespace secret injector (`examples/support/injector/`) against `kclient-testserver`,
//! or the real cluster of the kubeconfig named by `KCLIENT_TEST_KUBECONFIG` (there it only
//! handles namespaces the test creates, selected by a label, and the fault injection is
//! skipped).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../examples/support/injector/mod.rs"]
mod injector;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use injector::desired::{DOCKERCONFIG_KEY, SECRET_TYPE};
use injector::{Action, Injector, InjectorConfig, LeaderElection, RegistryCredentials, decide};
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, DeleteOptions, ListOptions, UpdateOptions};
use kclient_cache::ShutdownHandle;
use kclient_config::{Config, ConfigOverrides, Kubeconfig, SecretString};
use kclient_testserver::TestServer;
use kclient_typed::api::core::v1::{Namespace, NamespaceStatus, Secret};
use kclient_typed::{ByteString, Clientset};

const KUBECONFIG_ENV: &str = "KCLIENT_TEST_KUBECONFIG";
const SECRET: &str = "regcred";
const WAIT: Duration = Duration::from_secs(120);

fn credentials() -> RegistryCredentials {
    RegistryCredentials::new(
        Some("registry.example.com".into()),
        Some("bot".into()),
        Some(SecretString::from("pa55-word".to_string())),
    )
    .unwrap()
}

/// A test server, or the real cluster; namespaces made by the test carry `label`.
struct Env {
    clientset: Clientset,
    server: Option<TestServer>,
    /// Prefix of the test's namespace names.
    prefix: String,
    /// `key=value` on every namespace the test makes.
    label: (String, String),
    /// Whether the injector should select only the test's namespaces (real cluster).
    select: bool,
}

impl Env {
    async fn new() -> Self {
        let run = format!("{:x}", fastrand_u32());
        let label = ("kclient-injector-test".to_string(), run.clone());
        if let Some(path) = std::env::var_os(KUBECONFIG_ENV).filter(|p| !p.is_empty()) {
            let yaml = std::fs::read_to_string(&path).unwrap();
            let kc = Kubeconfig::from_yaml(&yaml).unwrap();
            let mut config = Config::from_kubeconfig(&kc, &ConfigOverrides::default()).unwrap();
            // client-go's default 5 requests/s would make 400 writes take over a minute.
            (config.qps, config.burst) = (100.0, 200);
            return Self {
                clientset: Clientset::for_config(&config).unwrap(),
                server: None,
                prefix: format!("kinj-{run}-"),
                label,
                select: true,
            };
        }
        let server = TestServer::start().await.unwrap();
        let kc = Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
        let mut config = Config::from_kubeconfig(&kc, &ConfigOverrides::default()).unwrap();
        // client-go's default 5 requests/s would make 400 writes take over a minute.
        (config.qps, config.burst) = (100.0, 200);
        Self {
            clientset: Clientset::for_config(&config).unwrap(),
            server: Some(server),
            prefix: "team-".to_string(),
            label,
            select: false,
        }
    }

    fn config(&self) -> InjectorConfig {
        let mut config = InjectorConfig::new(SECRET, credentials());
        if self.select {
            config.namespace_selector = Some(format!("{}={}", self.label.0, self.label.1));
        }
        config
    }

    async fn create_namespace(&self, name: &str) {
        create_namespace(&self.clientset, name, &self.label).await;
    }

    /// Every Secret named [`SECRET`], by namespace.
    async fn secrets(&self) -> BTreeMap<String, Vec<Secret>> {
        let list = self
            .clientset
            .core_v1()
            .secrets("")
            .list(&ListOptions::default().field_selector(format!("metadata.name={SECRET}")))
            .await
            .unwrap();
        let mut by_ns: BTreeMap<String, Vec<Secret>> = BTreeMap::new();
        for s in list.items {
            by_ns
                .entry(s.metadata.namespace.clone().unwrap_or_default())
                .or_default()
                .push(s);
        }
        by_ns
    }

    /// The namespaces the injector should serve: the test's own, plus (on the test server)
    /// every other namespace not in the skip list.
    async fn expected(&self, made: &[String]) -> BTreeSet<String> {
        if self.select {
            return made.iter().cloned().collect();
        }
        let list = self
            .clientset
            .core_v1()
            .namespaces()
            .list(&ListOptions::default())
            .await
            .unwrap();
        let skip: BTreeSet<&str> = injector::DEFAULT_SKIP.into_iter().collect();
        list.items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .filter(|n| !skip.contains(n.as_str()))
            .collect()
    }

    async fn cleanup(&self, made: &[String]) {
        if self.server.is_none() {
            for ns in made {
                let _ = self
                    .clientset
                    .core_v1()
                    .namespaces()
                    .delete(ns, &DeleteOptions::default())
                    .await;
            }
        }
    }
}

async fn create_namespace(clientset: &Clientset, name: &str, label: &(String, String)) {
    let mut meta = ObjectMeta::named(name);
    meta.labels.insert(label.0.clone(), label.1.clone());
    let ns = Namespace {
        metadata: meta,
        ..Namespace::default()
    };
    clientset
        .core_v1()
        .namespaces()
        .create(&ns, &CreateOptions::default())
        .await
        .unwrap_or_else(|e| panic!("creating namespace {name}: {e}"));
}

fn fastrand_u32() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now()) as u32
}

/// Polls `check` until it is true or `limit` passes.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the Secret of `ns` to satisfy `want`.
async fn secret_where(env: &Env, ns: &str, want: impl Fn(&Secret) -> bool) -> Option<Secret> {
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < deadline {
        if let Some(s) = env.secrets().await.get(ns).map(|v| v[0].clone())
            && want(&s)
        {
            return Some(s);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

fn assert_right_secret(secret: &Secret) {
    let want = credentials().docker_config_json();
    assert_eq!(secret.type_.as_deref(), Some(SECRET_TYPE));
    let data = secret.data.as_ref().expect("secret has data");
    assert_eq!(data.len(), 1);
    assert_eq!(data.get(DOCKERCONFIG_KEY).map(|b| &b.0), Some(&want));
    let doc: serde_json::Value = serde_json::from_slice(&want).unwrap();
    assert_eq!(doc["auths"]["registry.example.com"]["username"], "bot");
    assert_eq!(
        doc["auths"]["registry.example.com"]["auth"],
        "Ym90OnBhNTUtd29yZA=="
    );
}

fn spawn(injector: &Injector) -> (ShutdownHandle, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let stop = ShutdownHandle::new();
    let (me, s) = (injector.clone(), stop.clone());
    (stop, tokio::spawn(async move { me.run(s).await }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_namespace_gets_exactly_one_secret_while_watches_break() {
    let env = Env::new().await;
    let injector = Injector::new(env.clientset.clone(), env.config());
    let (stop, task) = spawn(&injector);

    // Break the watches again and again, and forget the history now and then (at least three
    // times), while the namespaces are created.
    let faults_on = Arc::new(AtomicBool::new(true));
    let faults = env.server.as_ref().map(|_| faults_on.clone());
    let server_faults = async {
        if let (Some(server), Some(on)) = (&env.server, faults) {
            let (mut round, mut compactions) = (0u32, 0u32);
            while on.load(Ordering::SeqCst) || compactions < 3 {
                server.close_watches();
                if round % 12 == 11 {
                    server.compact_history();
                    compactions += 1;
                }
                round += 1;
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    };
    let creates = async {
        let names: Vec<String> = (0..200).map(|i| format!("{}{i:03}", env.prefix)).collect();
        // Ten at a time, as a busy cluster would see them.
        for chunk in names.chunks(10) {
            let mut batch = tokio::task::JoinSet::new();
            for name in chunk {
                let (cs, name, label) = (env.clientset.clone(), name.clone(), env.label.clone());
                batch.spawn(async move { create_namespace(&cs, &name, &label).await });
            }
            while let Some(done) = batch.join_next().await {
                done.unwrap();
            }
        }
        faults_on.store(false, Ordering::SeqCst);
        names
    };
    let (made, ()) = tokio::join!(creates, server_faults);

    let expected = env.expected(&made).await;
    assert!(expected.len() >= 200);
    let done = eventually(WAIT, || async {
        let have: BTreeSet<String> = env
            .secrets()
            .await
            .into_keys()
            .filter(|ns| !env.select || expected.contains(ns))
            .collect();
        have == expected
    })
    .await;
    let secrets = env.secrets().await;
    assert!(
        done,
        "missing secrets in {:?}",
        expected
            .iter()
            .filter(|ns| !secrets.contains_key(*ns))
            .collect::<Vec<_>>()
    );
    for ns in &expected {
        let in_ns = &secrets[ns];
        assert_eq!(in_ns.len(), 1, "namespace {ns}");
        assert_right_secret(&in_ns[0]);
    }
    for system in injector::DEFAULT_SKIP {
        assert!(
            !secrets.contains_key(system),
            "a secret was made in {system}"
        );
    }
    stop.shutdown();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let m = injector.metrics().snapshot();
    // Every successful create made one of the secrets above; nothing was made twice.
    assert_eq!(m.creates, expected.len() as u64, "{m:?}");
    env.cleanup(&made).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deleted_or_changed_secret_is_restored() {
    let env = Env::new().await;
    let injector = Injector::new(env.clientset.clone(), env.config());
    let (stop, task) = spawn(&injector);
    let ns = format!("{}restore", env.prefix);
    env.create_namespace(&ns).await;
    let secrets = env.clientset.core_v1().secrets(&ns);
    let uid = |s: &Secret| s.metadata.uid.clone();
    let first = secret_where(&env, &ns, |_| true)
        .await
        .expect("no secret was made");
    assert_right_secret(&first);

    secrets
        .delete(SECRET, &DeleteOptions::default())
        .await
        .unwrap();
    let second = secret_where(&env, &ns, |s| uid(s) != uid(&first))
        .await
        .expect("the deleted secret was not recreated");
    let mut changed = second;
    assert_right_secret(&changed);

    changed.data = Some(kclient_apimachinery::VecMap::from([(
        DOCKERCONFIG_KEY.to_string(),
        ByteString::from("{}"),
    )]));
    secrets
        .update(&changed, &UpdateOptions::default())
        .await
        .unwrap();
    assert!(
        eventually(WAIT, || async {
            env.secrets().await.get(&ns).is_some_and(|v| {
                v[0].data
                    .as_ref()
                    .and_then(|d| d.get(DOCKERCONFIG_KEY))
                    .map(|b| &b.0)
                    == Some(&credentials().docker_config_json())
            })
        })
        .await,
        "the changed secret was not restored"
    );
    stop.shutdown();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let m = injector.metrics().snapshot();
    assert!(m.creates >= 2 && m.updates >= 1, "{m:?}");
    env.cleanup(std::slice::from_ref(&ns)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_leader_election_only_one_replica_acts() {
    let env = Env::new().await;
    let lease_ns = if env.select {
        let ns = format!("{}lease", env.prefix);
        env.create_namespace(&ns).await;
        ns
    } else {
        "default".to_string()
    };
    let timings = Some((
        Duration::from_secs(2),
        Duration::from_millis(1500),
        Duration::from_millis(200),
    ));
    let mut replicas = Vec::new();
    for id in ["replica-a", "replica-b"] {
        let injector = Injector::new(env.clientset.clone(), env.config());
        let election = LeaderElection {
            namespace: lease_ns.clone(),
            lease_name: "injector-test".to_string(),
            identity: id.to_string(),
            timings,
        };
        let stop = ShutdownHandle::new();
        let task = tokio::spawn(injector::run_with_leader_election(
            injector.clone(),
            election,
            stop.clone(),
        ));
        replicas.push((injector, stop, task));
    }
    let mut made: Vec<String> = (0..20).map(|i| format!("{}le{i:02}", env.prefix)).collect();
    for ns in &made {
        env.create_namespace(ns).await;
    }
    let expected = env.expected(&made).await;
    let all_there = |expected: BTreeSet<String>| {
        let env = &env;
        async move {
            eventually(WAIT, || async {
                let have = env.secrets().await;
                expected.iter().all(|ns| have.contains_key(ns))
            })
            .await
        }
    };
    assert!(all_there(expected.clone()).await);
    // Give a would-be second actor time to show itself.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let [a, b] = [&replicas[0].0, &replicas[1].0].map(|r| r.metrics().snapshot());
    assert!(
        (a.reconciles == 0) ^ (b.reconciles == 0),
        "both or neither acted: {a:?} {b:?}"
    );
    assert_eq!(a.creates + b.creates, expected.len() as u64, "{a:?} {b:?}");
    assert_eq!(a.already_exists + b.already_exists, 0, "{a:?} {b:?}");

    // Stop the leader: the other replica takes over and serves new namespaces.
    let leader = usize::from(a.reconciles == 0);
    let (_, stop, task) = replicas.remove(leader);
    stop.shutdown();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let before = replicas[0].0.metrics().snapshot();
    assert_eq!(before.reconciles, 0);
    let later: Vec<String> = (0..3).map(|i| format!("{}late{i}", env.prefix)).collect();
    for ns in &later {
        env.create_namespace(ns).await;
    }
    made.extend(later.iter().cloned());
    let expected_later = env.expected(&made).await;
    assert!(
        all_there(expected_later.clone()).await,
        "the other replica did not take over"
    );
    let after = replicas[0].0.metrics().snapshot();
    assert_eq!(after.creates, later.len() as u64, "{after:?}");
    let (_, stop, task) = replicas.remove(0);
    stop.shutdown();
    tokio::time::timeout(WAIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    for (ns, list) in env.secrets().await {
        if expected_later.contains(&ns) {
            assert_eq!(list.len(), 1);
            assert_right_secret(&list[0]);
        }
    }
    made.push(lease_ns);
    env.cleanup(&made).await;
}

#[test]
fn decisions() {
    let config = InjectorConfig::new(SECRET, credentials());
    let ns = |name: &str| Namespace {
        metadata: ObjectMeta::named(name),
        ..Namespace::default()
    };
    assert_eq!(
        decide(&config, "x", None, None),
        Action::Nothing("namespace is gone")
    );
    assert!(matches!(
        decide(&config, "kube-system", Some(&ns("kube-system")), None),
        Action::Nothing(_)
    ));
    let terminating = Namespace {
        status: Some(NamespaceStatus {
            phase: Some("Terminating".into()),
            ..NamespaceStatus::default()
        }),
        ..ns("t")
    };
    assert_eq!(
        decide(&config, "t", Some(&terminating), None),
        Action::Nothing("namespace is terminating")
    );
    let Action::Create(desired) = decide(&config, "a", Some(&ns("a")), None) else {
        panic!("expected a create");
    };
    assert_right_secret(&desired);
    assert_eq!(desired.metadata.namespace.as_deref(), Some("a"));
    assert_eq!(desired.metadata.name.as_deref(), Some(SECRET));
    assert!(matches!(
        decide(&config, "a", Some(&ns("a")), Some(&desired)),
        Action::Nothing(_)
    ));
    let mut stale = (*desired).clone();
    stale.data = Some(kclient_apimachinery::VecMap::new());
    assert!(matches!(
        decide(&config, "a", Some(&ns("a")), Some(&stale)),
        Action::Update(_)
    ));
    let mut opaque = (*desired).clone();
    opaque.type_ = Some("Opaque".into());
    assert!(matches!(
        decide(&config, "a", Some(&ns("a")), Some(&opaque)),
        Action::Nothing(_)
    ));
}

#[test]
fn credentials_are_required_and_never_shown() {
    let creds = credentials();
    assert!(!format!("{creds:?}").contains("pa55-word"));
    let err = RegistryCredentials::new(Some("r".into()), Some("u".into()), None).unwrap_err();
    assert!(err.to_string().contains("REGISTRY_PASSWORD"), "{err}");
    let err = RegistryCredentials::new(
        None,
        Some("u".into()),
        Some(SecretString::from("p".to_string())),
    )
    .unwrap_err();
    assert!(err.to_string().contains("--registry-server"), "{err}");
    let err = RegistryCredentials::new(
        Some("r".into()),
        Some(" ".into()),
        Some(SecretString::from("hunter2".to_string())),
    )
    .unwrap_err();
    assert!(!err.to_string().contains("hunter2"));
}

/// The typed informer accessors the injector uses: typed objects decode the server's
/// bookmarks (only `metadata`), so bookmarks neither end the watch nor count as failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_informers_take_bookmarks_in_their_stride() {
    use kclient_apimachinery::labels::Selector;
    use kclient_cache::InformerFactory;
    use kclient_typed::api::apps::v1::Deployment;
    use kclient_typed::api::core::v1::ConfigMap;

    let server = TestServer::builder()
        .bookmark_interval(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    let kc = Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
    let config = Config::from_kubeconfig(&kc, &ConfigOverrides::default()).unwrap();
    let clientset = Clientset::for_config(&config).unwrap();
    let factory = InformerFactory::for_clientset(&clientset, Duration::ZERO);
    let namespaces = factory.core().v1().namespaces();
    let config_maps = factory.core().v1().config_maps();
    let deployments = factory.apps().v1().deployments();
    // The generic accessor hands out the same shared informer as the named one.
    let same = factory.core().v1().resource::<ConfigMap>();
    factory.start().unwrap();
    assert!(
        tokio::time::timeout(WAIT, factory.wait_for_cache_sync())
            .await
            .unwrap()
    );
    assert!(namespaces.lister().get("kube-system").is_some());

    let cm = ConfigMap {
        metadata: ObjectMeta::namespaced("default", "settings"),
        data: Some(kclient_apimachinery::VecMap::from([(
            "a".to_string(),
            "1".to_string(),
        )])),
        ..ConfigMap::default()
    };
    clientset
        .core_v1()
        .config_maps("default")
        .create(&cm, &CreateOptions::default())
        .await
        .unwrap();
    let before = config_maps.informer().reflector_stats();
    // Many bookmark intervals pass.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let deployment: Deployment = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}
    }))
    .unwrap();
    clientset
        .apps_v1()
        .deployments("default")
        .create(&deployment, &CreateOptions::default())
        .await
        .unwrap();
    assert!(
        eventually(WAIT, || async {
            deployments
                .lister()
                .namespace("default")
                .get("web")
                .is_some()
                && same.lister().namespace("default").get("settings").is_some()
        })
        .await
    );
    let after = config_maps.informer().reflector_stats();
    assert_eq!(after.failures, 0, "{after:?}");
    assert_eq!(
        after.watches, before.watches,
        "a bookmark ended the watch: {before:?} -> {after:?}"
    );
    assert_eq!(after.lists, before.lists, "{before:?} -> {after:?}");
    assert_eq!(
        config_maps.lister().list(&Selector::everything()).len(),
        same.lister().list(&Selector::everything()).len()
    );
    factory.shutdown();
}
