//! Soak test: nothing is lost. An informer over ConfigMaps and the namespace secret injector
//! (`examples/support/injector/`) run while the test server injects faults into their requests
//! (watch connections cut, history compacted so the next watch gets 410 and relists, 429 with
//! `Retry-After`, 500/503/504 answers, added latency) and a writer creates, updates and deletes
//! ConfigMaps and creates namespaces throughout.
//!
//! At the end the informer's store equals the server's state exactly, the handler saw every
//! object's final version, every deletion arrived (as a delete or a tombstone), no object's
//! events went backwards or repeated an add, and every namespace has exactly one registry
//! Secret. The figures are printed (run with `--nocapture`) and recorded in
//! `docs/reliability.md`.
//!
//! Size: `KCLIENT_SOAK_FAULTS` faults (default 1,000, about a minute on a quiet 2-core machine),
//! spread over at least `KCLIENT_SOAK_SECS` seconds of writing (default 30); the writer goes on
//! until the faults are all injected. Against a real cluster
//! (`KCLIENT_TEST_KUBECONFIG`) the same writer and checks run without injected faults, on
//! namespaces the test labels and removes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../examples/support/injector/mod.rs"]
mod injector;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use injector::{DEFAULT_SKIP, Injector, InjectorConfig, RegistryCredentials};
use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, UpdateOptions,
};
use kclient_cache::backoff::BackoffConfig;
use kclient_cache::reflector::ReflectorOptions;
use kclient_cache::{DeltaObject, EventHandler, InformerFactory, ShutdownHandle};
use kclient_config::{Config, ConfigOverrides, Kubeconfig, SecretString};
use kclient_testserver::{Fault, TestServer};
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::{ConfigMap, Namespace, Secret};

const KUBECONFIG_ENV: &str = "KCLIENT_TEST_KUBECONFIG";
/// Requests whose User-Agent carries this get the faults: the informer's and the injector's,
/// not the writer's (the writer stands for the rest of the world).
const SUBJECT_AGENT: &str = "kclient-soak-subject";
const SECRET: &str = "regcred";
const CONVERGE: Duration = Duration::from_secs(90);
/// The longest the faults may take to reach their number.
const MAX_FAULTING: Duration = Duration::from_secs(600);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// What the ConfigMap handler saw, object by object.
#[derive(Default)]
struct Seen {
    /// name → resourceVersion, as the handler's events build it.
    view: BTreeMap<String, String>,
    /// Names whose last event was a deletion, and how (`delete` or `tombstone`).
    deleted: BTreeMap<String, &'static str>,
    /// Highest resourceVersion seen per name (numeric on every real server and on ours).
    highest: BTreeMap<String, u64>,
    /// Every name the handler was ever told of.
    ever: BTreeSet<String>,
    anomalies: Vec<String>,
    adds: u64,
    updates: u64,
    syncs: u64,
    deletes: u64,
    tombstones: u64,
}

#[derive(Default)]
struct Recorder {
    seen: Mutex<Seen>,
}

fn key(cm: &ConfigMap) -> (String, String) {
    let ns = cm.metadata.namespace.clone().unwrap_or_default();
    let name = cm.metadata.name.clone().unwrap_or_default();
    (
        format!("{ns}/{name}"),
        cm.metadata.resource_version.clone().unwrap_or_default(),
    )
}

impl Seen {
    /// Records `rv` for `name`, flagging a version older than one already seen.
    fn advance(&mut self, name: &str, rv: &str, what: &str) {
        let Ok(n) = rv.parse::<u64>() else {
            self.anomalies
                .push(format!("{what} of {name}: resourceVersion {rv:?}"));
            return;
        };
        let high = self.highest.entry(name.to_string()).or_default();
        if n < *high {
            self.anomalies.push(format!(
                "{what} of {name} at {n} after {high} was delivered"
            ));
        }
        *high = (*high).max(n);
    }
}

impl EventHandler<ConfigMap> for Recorder {
    fn on_add(&self, obj: &Arc<ConfigMap>, _initial: bool) {
        let (name, rv) = key(obj);
        let mut s = self.seen.lock().unwrap();
        s.adds += 1;
        s.ever.insert(name.clone());
        if s.view.insert(name.clone(), rv.clone()).is_some() {
            s.anomalies.push(format!("duplicate add of {name} at {rv}"));
        }
        if s.deleted.remove(&name).is_some() {
            s.anomalies.push(format!(
                "add of {name} after its deletion (names are never reused)"
            ));
        }
        s.advance(&name, &rv, "add");
    }

    fn on_update(&self, old: &Arc<ConfigMap>, new: &Arc<ConfigMap>) {
        let (name, rv) = key(new);
        let (_, old_rv) = key(old);
        let mut s = self.seen.lock().unwrap();
        match s.view.get(&name).cloned() {
            None => s.anomalies.push(format!("update of unknown {name}")),
            Some(seen) if seen != old_rv => s.anomalies.push(format!(
                "update of {name} from {old_rv}, but the handler last saw {seen}"
            )),
            Some(_) => {}
        }
        if rv == old_rv {
            s.syncs += 1;
        } else {
            s.updates += 1;
        }
        s.view.insert(name.clone(), rv.clone());
        s.advance(&name, &rv, "update");
    }

    fn on_delete(&self, obj: &DeltaObject<ConfigMap>) {
        let (name, _) = key(obj.object());
        let mut s = self.seen.lock().unwrap();
        if s.view.remove(&name).is_none() {
            s.anomalies.push(format!("delete of unknown {name}"));
        }
        let how = if obj.is_tombstone() {
            s.tombstones += 1;
            "tombstone"
        } else {
            s.deletes += 1;
            "delete"
        };
        if s.deleted.insert(name.clone(), how).is_some() {
            s.anomalies.push(format!("second deletion of {name}"));
        }
    }
}

/// Where the test runs, and the two clients: the subject (faulted) and the writer (not).
struct Env {
    subject: Clientset,
    writer: Clientset,
    server: Option<TestServer>,
    /// `key=value` on everything the test makes.
    label: (String, String),
    /// Whether the injector only handles the test's namespaces (real cluster).
    select: bool,
}

impl Env {
    async fn new() -> Self {
        let run = format!(
            "{:08x}",
            std::hash::BuildHasher::hash_one(
                &std::hash::RandomState::new(),
                std::time::SystemTime::now(),
            ) as u32
        );
        let label = ("kclient-soak".to_string(), run);
        let (kubeconfig, server) = match std::env::var_os(KUBECONFIG_ENV).filter(|p| !p.is_empty())
        {
            Some(path) => (Kubeconfig::read_from(path).unwrap(), None),
            None => {
                let server = TestServer::start().await.unwrap();
                let kc = Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
                server.faults().target_user_agent(Some(SUBJECT_AGENT));
                (kc, Some(server))
            }
        };
        let mut config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default()).unwrap();
        // client-go's default 5 requests/s would make the writer's thousand writes take minutes.
        (config.qps, config.burst) = (200.0, 400);
        let writer = Clientset::for_config(&config).unwrap();
        config.user_agent = Some(format!("{SUBJECT_AGENT}/0 (soak test)"));
        let subject = Clientset::for_config(&config).unwrap();
        let select = server.is_none();
        Self {
            subject,
            writer,
            server,
            label,
            select,
        }
    }

    fn selector(&self) -> String {
        format!("{}={}", self.label.0, self.label.1)
    }

    fn meta(&self, name: &str, namespace: Option<&str>) -> ObjectMeta {
        let mut meta = ObjectMeta::named(name);
        meta.namespace = namespace.map(str::to_string);
        meta.labels
            .insert(self.label.0.clone(), self.label.1.clone());
        meta
    }

    /// The labelled ConfigMaps on the server: `ns/name` → resourceVersion.
    async fn configmaps(&self) -> BTreeMap<String, String> {
        let list = self
            .writer
            .core_v1()
            .config_maps("")
            .list(&ListOptions::default().label_selector(self.selector()))
            .await
            .unwrap();
        list.items.iter().map(key).collect()
    }

    /// The namespaces the injector must serve.
    async fn served_namespaces(&self) -> BTreeSet<String> {
        let mut options = ListOptions::default();
        if self.select {
            options = options.label_selector(self.selector());
        }
        let list = self
            .writer
            .core_v1()
            .namespaces()
            .list(&options)
            .await
            .unwrap();
        let skip: BTreeSet<&str> = DEFAULT_SKIP.into_iter().collect();
        list.items
            .into_iter()
            .filter(|n| n.metadata.deletion_timestamp.is_none())
            .filter_map(|n| n.metadata.name)
            .filter(|n| !skip.contains(n.as_str()))
            .collect()
    }

    /// Registry Secrets by namespace.
    async fn registry_secrets(&self) -> BTreeMap<String, Vec<Secret>> {
        let list = self
            .writer
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
}

/// What the writer did.
#[derive(Default)]
struct Written {
    namespaces: Vec<String>,
    deleted: BTreeSet<String>,
    writes: u64,
}

/// Creates namespaces and creates, updates and deletes ConfigMaps in them until `until`, and
/// on while `faulting`.
async fn write(env: &Env, until: Instant, faulting: &AtomicBool, written: &Mutex<Written>) {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut live: Vec<(String, String)> = Vec::new();
    let mut namespaces: Vec<String> = Vec::new();
    let mut step = 0u64;
    while Instant::now() < until || faulting.load(Ordering::Relaxed) {
        step += 1;
        if namespaces.is_empty() || (step.is_multiple_of(25) && namespaces.len() < 40) {
            let name = format!("soak-{}-{}", env.label.1, namespaces.len());
            let ns = Namespace {
                metadata: env.meta(&name, None),
                ..Namespace::default()
            };
            env.writer
                .core_v1()
                .namespaces()
                .create(&ns, &CreateOptions::default())
                .await
                .unwrap_or_else(|e| panic!("creating namespace {name}: {e}"));
            namespaces.push(name.clone());
            written.lock().unwrap().namespaces.push(name);
        }
        match rng.u8(0..10) {
            0..4 => {
                let ns = namespaces[rng.usize(0..namespaces.len())].clone();
                let name = format!("cm-{step}");
                let mut cm = ConfigMap {
                    metadata: env.meta(&name, Some(&ns)),
                    ..ConfigMap::default()
                };
                cm.data
                    .get_or_insert_default()
                    .insert("step".into(), step.to_string());
                env.writer
                    .core_v1()
                    .config_maps(&ns)
                    .create(&cm, &CreateOptions::default())
                    .await
                    .unwrap_or_else(|e| panic!("creating {ns}/{name}: {e}"));
                live.push((ns, name));
            }
            4..8 if !live.is_empty() => {
                let (ns, name) = live[rng.usize(0..live.len())].clone();
                let api = env.writer.core_v1().config_maps(&ns);
                let mut cm = api.get(&name, &GetOptions::default()).await.unwrap();
                cm.data
                    .get_or_insert_default()
                    .insert("step".into(), step.to_string());
                api.update(&cm, &UpdateOptions::default())
                    .await
                    .unwrap_or_else(|e| panic!("updating {ns}/{name}: {e}"));
            }
            8 if !live.is_empty() => {
                let (ns, name) = live.swap_remove(rng.usize(0..live.len()));
                env.writer
                    .core_v1()
                    .config_maps(&ns)
                    .delete(&name, &DeleteOptions::default())
                    .await
                    .unwrap_or_else(|e| panic!("deleting {ns}/{name}: {e}"));
                written
                    .lock()
                    .unwrap()
                    .deleted
                    .insert(format!("{ns}/{name}"));
            }
            _ => {}
        }
        written.lock().unwrap().writes += 1;
        tokio::time::sleep(Duration::from_millis(rng.u64(5..40))).await;
    }
}

/// Injected faults by kind.
#[derive(Debug, Default)]
struct Injected {
    watch_cuts: AtomicU64,
    compactions: AtomicU64,
}

/// Injects `target` faults into the subject's requests, spread over `span`: watch cuts,
/// compactions, and queued request faults (429, 5xx, latency) that the subject's next requests
/// receive. Returns when `target` faults have been injected (request faults count once a
/// request received them).
async fn inject(
    server: &TestServer,
    target: u64,
    span: Duration,
    injected: &Injected,
    faulting: &AtomicBool,
) {
    let faults = server.faults();
    let mut rng = fastrand::Rng::with_seed(11);
    let tick = span / u32::try_from(target.max(1)).unwrap_or(u32::MAX);
    let total = || {
        let s = faults.stats();
        injected.watch_cuts.load(Ordering::Relaxed)
            + injected.compactions.load(Ordering::Relaxed)
            + s.too_many_requests
            + s.server_errors
            + s.delayed
    };
    // A cut counts when it ended at least one of the subject's watches: one was started since
    // the last counted cut (the server's own controllers watch too, so the number of watches
    // `close_watches` ended does not tell).
    let last_watch = AtomicU64::new(0);
    let counted_cut = |counter: &AtomicU64| {
        let watches = faults.stats().watches;
        if server.close_watches() > 0 && watches > last_watch.swap(watches, Ordering::Relaxed) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    };
    let cut = || counted_cut(&injected.watch_cuts);
    // However slow the machine, the test ends (and fails if the faults fell short).
    let deadline = Instant::now() + MAX_FAULTING;
    let mut report = Instant::now();
    while total() < target && Instant::now() < deadline {
        if report.elapsed() > Duration::from_secs(5) {
            report = Instant::now();
            eprintln!(
                "soak: {} faults injected, {} queued",
                total(),
                faults.pending()
            );
        }
        // A request fault waits for the subject's next request; with a few already waiting,
        // cut the watches instead (the re-watches come to take them).
        let roll = rng.u8(0..100);
        match roll {
            0..55 => cut(),
            55..60 => {
                server.compact_history();
                counted_cut(&injected.compactions);
            }
            _ if faults.pending() >= 3 => cut(),
            // Each 429 holds a request for its Retry-After second: a few go a long way.
            60..65 => faults.inject(
                Fault::TooManyRequests {
                    retry_after_seconds: 1,
                },
                1,
            ),
            65..72 => faults.inject(Fault::InternalError, 1),
            72..77 => faults.inject(Fault::ServiceUnavailable, 1),
            77..80 => faults.inject(Fault::GatewayTimeout, 1),
            _ => faults.inject(Fault::Latency(Duration::from_millis(rng.u64(20..150))), 1),
        }
        tokio::time::sleep(tick).await;
    }
    // The last queued faults are taken by the re-watches these cuts cause.
    while faults.pending() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if faults.pending() > 0 {
            cut();
        }
    }
    faults.clear();
    faulting.store(false, Ordering::Relaxed);
}

async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_is_lost_under_a_thousand_faults() {
    let target = env_number("KCLIENT_SOAK_FAULTS", 1_000);
    let secs = env_number("KCLIENT_SOAK_SECS", 30);
    let env = Env::new().await;
    let started = Instant::now();

    // The subject: a ConfigMap informer (only the test's, by label) and the injector.
    // A short reflector backoff (20 ms doubling to 500 ms, starting over after 1 s without a
    // failure; client-go's is 800 ms to 30 s, reset after 2 min) so a thousand faults fit in a
    // minute or two; the injector's informers keep the defaults.
    let factory = InformerFactory::for_clientset(&env.subject, Duration::ZERO)
        .with_reflector_options(ReflectorOptions {
            backoff: BackoffConfig {
                initial: Duration::from_millis(20),
                max: Duration::from_millis(500),
                reset_after: Duration::from_secs(1),
                ..BackoffConfig::default()
            },
            ..ReflectorOptions::default()
        })
        .with_tweak_list_options({
            let selector = env.selector();
            move |o| o.label_selector = Some(selector.clone())
        });
    let informer = factory.core().v1().config_maps().informer();
    let recorder = Arc::new(Recorder::default());
    informer.add_event_handler(recorder.clone()).unwrap();
    factory.start().unwrap();

    let mut config = InjectorConfig::new(
        SECRET,
        RegistryCredentials::new(
            Some("registry.example.com".into()),
            Some("bot".into()),
            Some(SecretString::from("soak-pa55".to_string())),
        )
        .unwrap(),
    );
    if env.select {
        config.namespace_selector = Some(env.selector());
    }
    let injector = Injector::new(env.subject.clone(), config);
    let shutdown = ShutdownHandle::new();
    let injector_task = tokio::spawn({
        let (injector, shutdown) = (injector.clone(), shutdown.clone());
        async move { injector.run(shutdown).await }
    });

    // The writer and the faults, side by side.
    let written = Mutex::new(Written::default());
    let injected = Injected::default();
    let until = Instant::now() + Duration::from_secs(secs);
    let faulting = AtomicBool::new(env.server.is_some());
    let writing = write(&env, until, &faulting, &written);
    match &env.server {
        Some(server) => {
            let injecting = inject(
                server,
                target,
                Duration::from_secs(secs),
                &injected,
                &faulting,
            );
            tokio::join!(writing, injecting);
        }
        None => writing.await,
    }
    let faults_done = Instant::now();
    let wrote = faults_done.duration_since(until - Duration::from_secs(secs));

    // Converge: the store and the handler's view equal the server's state.
    let store_state = || -> BTreeMap<String, String> {
        informer.store().list().iter().map(|cm| key(cm)).collect()
    };
    let deadline = Instant::now() + CONVERGE;
    let (converged, expected) = loop {
        let server = env.configmaps().await;
        let view = recorder.seen.lock().unwrap().view.clone();
        if server == store_state() && server == view {
            break (true, server);
        }
        if Instant::now() >= deadline {
            break (false, server);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let converge_time = faults_done.elapsed();
    let seen = std::mem::take(&mut *recorder.seen.lock().unwrap());
    assert!(
        converged,
        "the informer did not converge in {CONVERGE:?}:\nserver  {expected:?}\nstore   {:?}\nhandler {:?}",
        store_state(),
        seen.view
    );
    assert!(seen.anomalies.is_empty(), "{:#?}", seen.anomalies);
    // Every deletion of an object the handler knew arrived, as a delete or a tombstone (an
    // object created and deleted while the informer was disconnected is never seen at all, as
    // with client-go).
    let written = written.into_inner().unwrap();
    let missed: Vec<&String> = written
        .deleted
        .iter()
        .filter(|name| seen.ever.contains(*name) && !seen.deleted.contains_key(*name))
        .collect();
    assert!(missed.is_empty(), "deletions never delivered: {missed:?}");
    let unseen = written
        .deleted
        .iter()
        .filter(|name| !seen.ever.contains(*name))
        .count();

    // Every namespace has exactly one registry Secret.
    let served = env.served_namespaces().await;
    assert!(
        written.namespaces.iter().all(|n| served.contains(n)),
        "the test's namespaces are served"
    );
    let ok = eventually(CONVERGE, || async {
        let secrets = env.registry_secrets().await;
        served
            .iter()
            .all(|ns| secrets.get(ns).is_some_and(|v| v.len() == 1))
    })
    .await;
    let secrets = env.registry_secrets().await;
    let missing: Vec<&String> = served
        .iter()
        .filter(|ns| secrets.get(*ns).is_none_or(|v| v.len() != 1))
        .collect();
    assert!(
        ok,
        "namespaces without exactly one registry Secret: {missing:?}"
    );
    let skipped: Vec<&String> = secrets
        .keys()
        .filter(|ns| DEFAULT_SKIP.contains(&ns.as_str()))
        .collect();
    assert!(
        skipped.is_empty(),
        "Secrets in skipped namespaces: {skipped:?}"
    );

    // The figures.
    let reflector = informer.reflector_stats();
    println!(
        "soak: {} s of writing, {} writes, {} namespaces, {} ConfigMaps at the end, {} deleted \
         ({unseen} of them created and deleted while the informer was away)",
        wrote.as_secs(),
        written.writes,
        written.namespaces.len(),
        expected.len(),
        written.deleted.len()
    );
    if let Some(server) = &env.server {
        let stats = server.faults().stats();
        let cuts = injected.watch_cuts.load(Ordering::Relaxed);
        let compactions = injected.compactions.load(Ordering::Relaxed);
        let total =
            cuts + compactions + stats.too_many_requests + stats.server_errors + stats.delayed;
        println!(
            "soak: {total} faults: {cuts} watch cuts, {compactions} compactions (410 + relist), \
             {} × 429, {} × 5xx, {} delayed; the subject made {} lists and {} watches",
            stats.too_many_requests, stats.server_errors, stats.delayed, stats.lists, stats.watches
        );
        assert!(
            total >= target,
            "only {total} of {target} faults were injected"
        );
        assert!(
            reflector.lists > 1,
            "compactions made the informer relist: {reflector:?}"
        );
    }
    println!(
        "soak: handler saw {} adds, {} updates, {} syncs, {} deletes, {} tombstones; \
         ConfigMap reflector: {} lists, {} watches, {} failures; converged {:.1} s after the \
         faults stopped; {:.1} s in all",
        seen.adds,
        seen.updates,
        seen.syncs,
        seen.deletes,
        seen.tombstones,
        reflector.lists,
        reflector.watches,
        reflector.failures,
        converge_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let metrics = injector.metrics().snapshot();
    println!("soak: injector {metrics:?}");

    shutdown.shutdown();
    factory.shutdown();
    injector_task.await.unwrap().unwrap();
    if env.server.is_none() {
        for ns in &written.namespaces {
            let _ = env
                .writer
                .core_v1()
                .namespaces()
                .delete(ns, &DeleteOptions::default())
                .await;
        }
    }
}
