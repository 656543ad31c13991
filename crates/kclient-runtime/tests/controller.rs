//! The controller runtime against `kclient-testserver` (or the real cluster named by
//! `KCLIENT_TEST_KUBECONFIG`): requeue timing, backoff on errors, one reconcile per key at a
//! time under load, owner mapping, shared caches, metrics hooks, graceful shutdown with
//! reconciles in flight. Every test only looks at the objects it made (a real cluster adds
//! `kube-root-ca.crt` to each namespace).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{CreateOptions, UpdateOptions};
use kclient_cache::ShutdownHandle;
use kclient_cache::workqueue::MetricsProvider;
use kclient_runtime::metrics::{ControllerMetrics, Outcome};
use kclient_runtime::{Action, Controller, ObjectKey, default_error_policy, owner};
use kclient_typed::api::core::v1::{ConfigMap, Secret};
use support::{Env, eventually};
use tokio::time::Instant;

fn name_of(cm: &ConfigMap) -> String {
    cm.metadata.name.clone().unwrap_or_default()
}

#[derive(Default)]
struct Sink {
    outcomes: Mutex<Vec<Outcome>>,
    errors: AtomicUsize,
    active_reports: AtomicUsize,
    queue_adds: AtomicUsize,
}

impl ControllerMetrics for Sink {
    fn reconciled(&self, controller: &str, outcome: Outcome, _: Duration) {
        assert_eq!(controller, "ticker");
        self.outcomes.lock().unwrap().push(outcome);
    }
    fn reconcile_error(&self, _: &str) {
        self.errors.fetch_add(1, Ordering::SeqCst);
    }
    fn active_workers(&self, _: &str, _: usize) {
        self.active_reports.fetch_add(1, Ordering::SeqCst);
    }
}

impl MetricsProvider for Sink {
    fn add(&self, queue: &str) {
        assert_eq!(queue, "ticker");
        self.queue_adds.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requeue_after_reconciles_again_after_the_delay_and_reports_metrics() {
    let env = Env::new().await;
    env.create_config_map("tick", "1").await;
    let times: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let sink = Arc::new(Sink::default());
    let controller = Controller::<ConfigMap>::new(env.factory())
        .name("ticker")
        .metrics(sink.clone())
        .queue_metrics(sink.clone());
    let handle = controller.handle();
    assert!(!handle.is_ready());
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, times: Arc<Mutex<Vec<Instant>>>| async move {
            if name_of(&cm) != "tick" {
                return Ok::<_, Infallible>(Action::await_change());
            }
            times.lock().unwrap().push(Instant::now());
            Ok(Action::requeue(Duration::from_millis(300)))
        },
        default_error_policy,
        times.clone(),
    ));
    assert!(eventually(|| async { times.lock().unwrap().len() >= 4 }).await);
    assert!(handle.is_ready() && handle.is_alive() && handle.is_leader());
    handle.shutdown();
    task.await.unwrap().unwrap();
    assert!(!handle.is_alive() && !handle.is_ready());
    let times = times.lock().unwrap().clone();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(300), "requeued after {gap:?}");
        assert!(gap < Duration::from_secs(10), "requeued after {gap:?}");
    }
    let outcomes = sink.outcomes.lock().unwrap().clone();
    assert!(
        outcomes
            .iter()
            .filter(|o| **o == Outcome::RequeueAfter)
            .count()
            >= 4,
        "{outcomes:?}"
    );
    assert_eq!(sink.errors.load(Ordering::SeqCst), 0);
    assert!(sink.active_reports.load(Ordering::SeqCst) >= 8);
    assert!(sink.queue_adds.load(Ordering::SeqCst) >= 4);
    env.cleanup().await;
}

#[derive(Default)]
struct Flaky {
    attempts: Mutex<BTreeMap<String, Vec<Instant>>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_back_off_with_the_rate_limiter_or_the_error_policy() {
    let env = Env::new().await;
    env.create_config_map("flaky", "1").await;
    env.create_config_map("slow-retry", "1").await;
    let probe = Arc::new(Flaky::default());
    let controller = Controller::<ConfigMap>::new(env.factory());
    let handle = controller.handle();
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, probe: Arc<Flaky>| async move {
            let name = name_of(&cm);
            if name != "flaky" && name != "slow-retry" {
                return Ok(Action::await_change());
            }
            let mut attempts = probe.attempts.lock().unwrap();
            let mine = attempts.entry(name).or_default();
            mine.push(Instant::now());
            if mine.len() <= 4 {
                Err(format!("attempt {} failed", mine.len()))
            } else {
                Ok(Action::await_change())
            }
        },
        // `slow-retry` is retried after a fixed 250 ms, everything else with the rate limiter.
        |cm: &Arc<ConfigMap>, _error: &String, _| {
            if name_of(cm) == "slow-retry" {
                Action::requeue(Duration::from_millis(250))
            } else {
                Action::backoff()
            }
        },
        probe.clone(),
    ));
    assert!(
        eventually(|| async {
            let a = probe.attempts.lock().unwrap();
            a.get("flaky").is_some_and(|v| v.len() >= 5)
                && a.get("slow-retry").is_some_and(|v| v.len() >= 5)
        })
        .await
    );
    // Settled: no more attempts after the success.
    tokio::time::sleep(Duration::from_millis(300)).await;
    handle.shutdown();
    task.await.unwrap().unwrap();
    let attempts = probe.attempts.lock().unwrap().clone();
    let flaky = &attempts["flaky"];
    assert_eq!(flaky.len(), 5, "retried after success");
    // client-go's per-item exponential backoff: 5, 10, 20, 40 ms.
    for (i, pair) in flaky.windows(2).enumerate() {
        let want = Duration::from_millis(5 << i);
        let gap = pair[1] - pair[0];
        assert!(
            gap >= want,
            "retry {i} after {gap:?}, want at least {want:?}"
        );
    }
    let slow = &attempts["slow-retry"];
    assert_eq!(slow.len(), 5);
    for pair in slow.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_millis(250));
    }
    let stats = handle.stats();
    assert_eq!(stats.errors, 8, "{stats:?}");
    env.cleanup().await;
}

#[derive(Default)]
struct Overlap {
    running: Mutex<BTreeSet<String>>,
    violated: AtomicBool,
    max_parallel: AtomicUsize,
    last_seen: Mutex<BTreeMap<String, String>>,
    reconciles: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_is_never_reconciled_twice_at_once_under_load() {
    let env = Env::new().await;
    let names: Vec<String> = (0..8).map(|i| format!("load-{i}")).collect();
    for n in &names {
        env.create_config_map(n, "0").await;
    }
    let probe = Arc::new(Overlap::default());
    let controller = Controller::<ConfigMap>::new(env.factory())
        .concurrency(8)
        .resync(Duration::from_millis(50));
    let handle = controller.handle();
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, probe: Arc<Overlap>| async move {
            let name = name_of(&cm);
            if !name.starts_with("load-") {
                return Ok::<_, Infallible>(Action::await_change());
            }
            let parallel = {
                let mut running = probe.running.lock().unwrap();
                if !running.insert(name.clone()) {
                    probe.violated.store(true, Ordering::SeqCst);
                }
                running.len()
            };
            probe.max_parallel.fetch_max(parallel, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
            let value = cm.data.as_ref().and_then(|d| d.get("v")).cloned();
            probe
                .last_seen
                .lock()
                .unwrap()
                .insert(name.clone(), value.unwrap_or_default());
            probe.running.lock().unwrap().remove(&name);
            probe.reconciles.fetch_add(1, Ordering::SeqCst);
            Ok(Action::await_change())
        },
        default_error_policy,
        probe.clone(),
    ));
    // 20 rounds of updates to every object, eight writers at once.
    for round in 1..=20 {
        let mut writers = tokio::task::JoinSet::new();
        for n in &names {
            let (client, n) = (env.config_maps(), n.clone());
            writers.spawn(async move {
                let mut cm = client.get(&n, &Default::default()).await.unwrap();
                cm.data = Some(kclient_apimachinery::VecMap::from([(
                    "v".to_string(),
                    round.to_string(),
                )]));
                client.update(&cm, &UpdateOptions::default()).await.unwrap();
            });
        }
        while let Some(w) = writers.join_next().await {
            w.unwrap();
        }
    }
    let final_state = || {
        let seen = probe.last_seen.lock().unwrap();
        names
            .iter()
            .all(|n| seen.get(n).map(String::as_str) == Some("20"))
    };
    assert!(
        eventually(|| async { final_state() }).await,
        "the last update was not reconciled"
    );
    handle.shutdown();
    task.await.unwrap().unwrap();
    assert!(
        !probe.violated.load(Ordering::SeqCst),
        "one key was reconciled twice at once"
    );
    assert!(
        probe.max_parallel.load(Ordering::SeqCst) > 1,
        "keys were not reconciled in parallel"
    );
    assert!(probe.reconciles.load(Ordering::SeqCst) >= names.len());
    env.cleanup().await;
}

async fn create_secret(
    env: &Env,
    name: &str,
    owners: Vec<kclient_apimachinery::meta::OwnerReference>,
) {
    let mut metadata = ObjectMeta::namespaced(env.namespace.clone(), name);
    metadata.owner_references = owners;
    env.clientset
        .core_v1()
        .secrets(&env.namespace)
        .create(
            &Secret {
                metadata,
                ..Secret::default()
            },
            &CreateOptions::default(),
        )
        .await
        .unwrap();
}

async fn touch_secret(env: &Env, name: &str, value: &str) {
    let secrets = env.clientset.core_v1().secrets(&env.namespace);
    let mut s = secrets.get(name, &Default::default()).await.unwrap();
    s.metadata.labels.insert("touched".into(), value.into());
    secrets.update(&s, &UpdateOptions::default()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owned_children_map_to_their_controller_owner() {
    let env = Env::new().await;
    let parent = env.create_config_map("parent", "1").await;
    let mut other_kind = owner::controller_reference(&parent).unwrap();
    other_kind.kind = "Deployment".into();
    other_kind.api_version = "apps/v1".into();
    create_secret(
        &env,
        "owned",
        vec![owner::controller_reference(&parent).unwrap()],
    )
    .await;
    create_secret(
        &env,
        "plain",
        vec![owner::owner_reference(&parent).unwrap()],
    )
    .await;
    create_secret(&env, "other-kind", vec![other_kind]).await;
    create_secret(&env, "orphan", vec![]).await;

    let count = Arc::new(AtomicUsize::new(0));
    let controller = Controller::<ConfigMap>::new(env.factory()).owns::<Secret>();
    let handle = controller.handle();
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, count: Arc<AtomicUsize>| async move {
            if name_of(&cm) == "parent" {
                count.fetch_add(1, Ordering::SeqCst);
            }
            Ok::<_, Infallible>(Action::await_change())
        },
        default_error_policy,
        count.clone(),
    ));
    assert!(eventually(|| async { count.load(Ordering::SeqCst) >= 1 }).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let settled = count.load(Ordering::SeqCst);

    for name in ["plain", "other-kind", "orphan"] {
        touch_secret(&env, name, "1").await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        count.load(Ordering::SeqCst),
        settled,
        "a child without a controller reference to the parent triggered it"
    );
    touch_secret(&env, "owned", "1").await;
    assert!(
        eventually(|| async { count.load(Ordering::SeqCst) > settled }).await,
        "a change of an owned child did not reconcile its owner"
    );
    handle.shutdown();
    task.await.unwrap().unwrap();
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watches_map_any_object_to_keys() {
    let env = Env::new().await;
    env.create_config_map("target", "1").await;
    let count = Arc::new(AtomicUsize::new(0));
    // A Secret labelled `for=<name>` stands for the ConfigMap of that name.
    let ns = env.namespace.clone();
    let controller = Controller::<ConfigMap>::new(env.factory()).watches(move |s: &Secret| {
        s.metadata
            .labels
            .get("for")
            .map(|target| ObjectKey::namespaced(ns.clone(), target.clone()))
    });
    let handle = controller.handle();
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, count: Arc<AtomicUsize>| async move {
            if name_of(&cm) == "target" {
                count.fetch_add(1, Ordering::SeqCst);
            }
            Ok::<_, Infallible>(Action::await_change())
        },
        default_error_policy,
        count.clone(),
    ));
    assert!(eventually(|| async { count.load(Ordering::SeqCst) >= 1 }).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let settled = count.load(Ordering::SeqCst);
    let mut metadata = ObjectMeta::namespaced(env.namespace.clone(), "pointer");
    metadata.labels.insert("for".into(), "target".into());
    env.clientset
        .core_v1()
        .secrets(&env.namespace)
        .create(
            &Secret {
                metadata,
                ..Secret::default()
            },
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    assert!(eventually(|| async { count.load(Ordering::SeqCst) > settled }).await);
    handle.shutdown();
    task.await.unwrap().unwrap();
    env.cleanup().await;
}

#[derive(Default)]
struct InFlight {
    started: AtomicUsize,
    finished: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_reconciles_in_flight_finish_then_stops_the_informers() {
    let env = Env::new().await;
    for i in 0..3 {
        env.create_config_map(&format!("busy-{i}"), "1").await;
    }
    let probe = Arc::new(InFlight::default());
    let stop = ShutdownHandle::new();
    let controller = Controller::<ConfigMap>::new(env.factory())
        .concurrency(3)
        .graceful_shutdown_on(stop.clone());
    let informer = controller.informer().clone();
    let handle = controller.handle();
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, probe: Arc<InFlight>| async move {
            if name_of(&cm).starts_with("busy-") {
                probe.started.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(600)).await;
                probe.finished.fetch_add(1, Ordering::SeqCst);
            }
            Ok::<_, Infallible>(Action::requeue(Duration::ZERO))
        },
        default_error_policy,
        probe.clone(),
    ));
    assert!(eventually(|| async { probe.started.load(Ordering::SeqCst) == 3 }).await);
    assert_eq!(probe.finished.load(Ordering::SeqCst), 0);
    assert_eq!(handle.stats().in_flight, 3);
    stop.shutdown();
    task.await.unwrap().unwrap();
    // Every reconcile in flight finished; the requeued keys were not started again.
    assert_eq!(probe.finished.load(Ordering::SeqCst), 3);
    assert_eq!(probe.started.load(Ordering::SeqCst), 3);
    assert_eq!(handle.stats().in_flight, 0);
    assert!(informer.is_stopped(), "the informer still runs");
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_controllers_on_one_factory_share_one_cache() {
    let env = Env::new().await;
    env.create_config_map("shared", "1").await;
    let factory = env.factory();
    let stop = ShutdownHandle::new();
    let seen: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let mut tasks = Vec::new();
    let mut informers = Vec::new();
    let mut handles = Vec::new();
    for who in ["one", "two"] {
        let controller = Controller::<ConfigMap>::new(factory.clone())
            .name(who)
            .graceful_shutdown_on(stop.clone());
        informers.push(controller.informer().clone());
        handles.push(controller.handle());
        tasks.push(tokio::spawn(controller.run(
            move |cm: Arc<ConfigMap>, seen: Arc<Mutex<Vec<&'static str>>>| async move {
                if name_of(&cm) == "shared" {
                    seen.lock().unwrap().push(who);
                }
                Ok::<_, Infallible>(Action::await_change())
            },
            default_error_policy,
            seen.clone(),
        )));
    }
    assert!(
        eventually(|| async {
            let s = seen.lock().unwrap();
            s.contains(&"one") && s.contains(&"two")
        })
        .await
    );
    // One informer (one list) serves both.
    assert_eq!(informers[0].reflector_stats().lists, 1);
    // Stopping the first controller's informer stops the second's: they are the same. Both
    // controllers notice the cache stopped and return.
    informers[0].shutdown();
    assert!(informers[1].is_stopped());
    for task in tasks {
        tokio::time::timeout(support::WAIT, task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
    assert!(handles.iter().all(|h| !h.is_alive()));
    env.cleanup().await;
}
