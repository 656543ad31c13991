//! Leader election built into the controller: one of two replicas reconciles, the other takes
//! over when the leader stops, and a leader that loses its lease cancels its reconciles at once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kclient_apimachinery::meta::MicroTime;
use kclient_apimachinery::options::UpdateOptions;
use kclient_cache::ShutdownHandle;
use kclient_cache::leaderelection::LeaderElectionConfig;
use kclient_runtime::{Action, Controller, default_error_policy};
use kclient_typed::api::core::v1::ConfigMap;
use support::{Env, eventually};

const LEASE: &str = "runtime-test";

fn election(env: &Env, identity: &str) -> LeaderElectionConfig {
    LeaderElectionConfig::new(env.namespace.clone(), LEASE, identity).timings(
        Duration::from_secs(2),
        Duration::from_millis(1500),
        Duration::from_millis(200),
    )
}

type Seen = Arc<Mutex<Vec<(String, String)>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_replica_reconciles_and_the_other_takes_over() {
    let env = Env::new().await;
    for i in 0..3 {
        env.create_config_map(&format!("item-{i}"), "1").await;
    }
    let seen: Seen = Arc::default();
    let mut replicas = Vec::new();
    for id in ["replica-a", "replica-b"] {
        let stop = ShutdownHandle::new();
        let controller = Controller::<ConfigMap>::new(env.factory())
            .leader_election(env.rest_client(), election(&env, id))
            .graceful_shutdown_on(stop.clone());
        let handle = controller.handle();
        let task = tokio::spawn(controller.run(
            move |cm: Arc<ConfigMap>, seen: Seen| async move {
                let name = cm.metadata.name.clone().unwrap_or_default();
                if name.starts_with("item-") {
                    seen.lock().unwrap().push((id.to_string(), name));
                }
                Ok::<_, Infallible>(Action::await_change())
            },
            default_error_policy,
            seen.clone(),
        ));
        replicas.push((id, stop, handle, task));
    }
    let by = |who: &str| -> BTreeSet<String> {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|(id, _)| id == who)
            .map(|(_, n)| n.clone())
            .collect()
    };
    assert!(
        eventually(|| async { by("replica-a").len() == 3 || by("replica-b").len() == 3 }).await
    );
    // Give a would-be second leader time to show itself.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let leader = if by("replica-a").len() == 3 { 0 } else { 1 };
    let follower = 1 - leader;
    assert!(
        by(replicas[follower].0).is_empty(),
        "both replicas reconciled"
    );
    assert!(replicas[leader].2.is_leader() && !replicas[follower].2.is_leader());
    assert!(
        replicas[follower].2.is_ready(),
        "the standby's caches are not warm"
    );

    // The leader stops (releasing the lease); the other replica takes over and reconciles
    // every object once more.
    let (_, stop, _, task) = replicas.remove(leader);
    stop.shutdown();
    task.await.unwrap().unwrap();
    let (follower_id, stop, handle, task) = replicas.remove(0);
    assert!(
        eventually(|| async { by(follower_id).len() == 3 }).await,
        "the other replica did not take over"
    );
    assert!(handle.is_leader());
    stop.shutdown();
    task.await.unwrap().unwrap();
    env.cleanup().await;
}

#[derive(Default)]
struct Slow {
    started: AtomicUsize,
    completed: AtomicBool,
    cancelled: AtomicBool,
}

/// Sets `cancelled` when dropped before the reconcile completed.
struct Guard(Arc<Slow>);

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.0.completed.load(Ordering::SeqCst) {
            self.0.cancelled.store(true, Ordering::SeqCst);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_lease_cancels_reconciles_at_once() {
    let env = Env::new().await;
    env.create_config_map("slow", "1").await;
    let probe = Arc::new(Slow::default());
    let controller = Controller::<ConfigMap>::new(env.factory())
        .leader_election(env.rest_client(), election(&env, "holder"));
    let handle = controller.handle();
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, probe: Arc<Slow>| async move {
            if cm.metadata.name.as_deref() == Some("slow") {
                probe.started.fetch_add(1, Ordering::SeqCst);
                let _guard = Guard(probe.clone());
                tokio::time::sleep(Duration::from_secs(60)).await;
                probe.completed.store(true, Ordering::SeqCst);
            }
            Ok::<_, Infallible>(Action::await_change())
        },
        default_error_policy,
        probe.clone(),
    ));
    assert!(eventually(|| async { probe.started.load(Ordering::SeqCst) == 1 }).await);
    assert!(handle.is_leader());

    // Another party takes the lease (as if this replica had been partitioned away).
    let leases = env.clientset.coordination_v1().leases(&env.namespace);
    let mut lease = leases.get(LEASE, &Default::default()).await.unwrap();
    let spec = lease.spec.get_or_insert_with(Default::default);
    spec.holder_identity = Some("intruder".into());
    spec.lease_duration_seconds = Some(600);
    spec.renew_time = Some(MicroTime::now());
    leases
        .update(&lease, &UpdateOptions::default())
        .await
        .unwrap();

    // Within the renew deadline (1.5 s) the replica stops leading and its reconcile is
    // cancelled, long before it would have finished.
    assert!(
        eventually(|| async { probe.cancelled.load(Ordering::SeqCst) }).await,
        "the reconcile was not cancelled"
    );
    assert!(!handle.is_leader());
    assert!(!probe.completed.load(Ordering::SeqCst));
    assert_eq!(handle.stats().in_flight, 0);
    // It keeps campaigning (and stays ready) without reconciling.
    assert!(handle.is_alive() && handle.is_ready());
    handle.shutdown();
    task.await.unwrap().unwrap();
    assert_eq!(probe.started.load(Ordering::SeqCst), 1);
    env.cleanup().await;
}
