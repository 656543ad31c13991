//! Leader election with two candidates on one Lease.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kclient_cache::leaderelection::{LeaderElectionConfig, LeaderElector, LeaseLock};
use kclient_cache::{Error, ShutdownHandle};
use support::{Env, eventually};

const LEASE: Duration = Duration::from_secs(2);
const RENEW: Duration = Duration::from_millis(1500);
const RETRY: Duration = Duration::from_millis(200);

/// Counts leaders and records any moment with more than one.
#[derive(Default)]
struct Leaders {
    now: AtomicI32,
    max: AtomicI32,
    started: Mutex<Vec<String>>,
    new_leaders: Mutex<Vec<String>>,
}

fn candidate(env: &Env, identity: &str, leaders: &Arc<Leaders>) -> LeaderElector {
    let (l1, l2, l3) = (leaders.clone(), leaders.clone(), leaders.clone());
    let id = identity.to_string();
    let config = LeaderElectionConfig::new(&env.namespace, "the-lock", identity)
        .timings(LEASE, RENEW, RETRY)
        .on_started_leading(move |_leading| {
            let n = l1.now.fetch_add(1, Ordering::SeqCst) + 1;
            l1.max.fetch_max(n, Ordering::SeqCst);
            l1.started.lock().unwrap().push(id.clone());
        })
        .on_stopped_leading(move || {
            l2.now.fetch_sub(1, Ordering::SeqCst);
        })
        .on_new_leader(move |who| l3.new_leaders.lock().unwrap().push(who.to_string()));
    LeaderElector::new(env.client.clone(), config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_leader_at_a_time_and_a_released_lease_is_taken_over_quickly() {
    let env = Env::new().await;
    let leaders = Arc::new(Leaders::default());
    let a = candidate(&env, "a", &leaders);
    let b = candidate(&env, "b", &leaders);
    let (ha, hb) = (a.handle(), b.handle());
    let (stop_a, stop_b) = (ShutdownHandle::new(), ShutdownHandle::new());
    let run_a = tokio::spawn(a.run(stop_a.clone()));
    let run_b = tokio::spawn(b.run(stop_b.clone()));
    assert!(eventually(Duration::from_secs(10), || ha.is_leader() || hb.is_leader()).await);
    // Both candidates keep trying for a while; the leader keeps renewing.
    tokio::time::sleep(LEASE * 2).await;
    assert_eq!(leaders.now.load(Ordering::SeqCst), 1);
    assert!(ha.is_leader() ^ hb.is_leader());
    let (first, stop_first, run_first, h_second) = if ha.is_leader() {
        ("a", stop_a.clone(), run_a, hb.clone())
    } else {
        ("b", stop_b.clone(), run_b, ha.clone())
    };
    assert_eq!(
        h_second.leader().as_deref(),
        Some(first),
        "the follower knows the leader"
    );

    stop_first.shutdown();
    run_first.await.unwrap();
    assert!(
        eventually(LEASE, || h_second.is_leader()).await,
        "the other candidate takes over within the lease duration"
    );
    assert_eq!(
        leaders.max.load(Ordering::SeqCst),
        1,
        "never two leaders at once"
    );
    let started = leaders.started.lock().unwrap().clone();
    assert_eq!(started.len(), 2);
    assert_eq!(started[0], first);
    assert!(leaders.new_leaders.lock().unwrap().len() >= 2);
    let lease = LeaseLock::new(env.client.clone(), &env.namespace, "the-lock")
        .get()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        lease.spec.lease_transitions,
        Some(1),
        "created: 0; released: 0; taken over: 1"
    );
    assert_eq!(
        lease.spec.holder_identity.as_deref(),
        Some(if first == "a" { "b" } else { "a" })
    );
    stop_a.shutdown();
    stop_b.shutdown();
    env.cleanup().await;
}

/// A leader that vanishes without releasing: the other waits for the lease to expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crashed_leader_is_replaced_after_the_lease_expires() {
    let env = Env::new().await;
    let leaders = Arc::new(Leaders::default());
    let a = candidate(&env, "a", &leaders);
    let ha = a.handle();
    let run_a = tokio::spawn(a.run(ShutdownHandle::new()));
    assert!(eventually(Duration::from_secs(10), || ha.is_leader()).await);
    let b = candidate(&env, "b", &leaders);
    let hb = b.handle();
    let stop_b = ShutdownHandle::new();
    tokio::spawn(b.run(stop_b.clone()));
    tokio::time::sleep(RETRY * 3).await;
    assert!(!hb.is_leader());
    run_a.abort(); // no release, no more renewals
    assert!(eventually(LEASE * 4, || hb.is_leader()).await);
    stop_b.shutdown();
    env.cleanup().await;
}

#[tokio::test]
async fn invalid_timings_are_refused() {
    let client = kclient_rest::RestClient::new(
        "https://127.0.0.1:1",
        "/api/v1",
        &kclient_config::ContentConfig {
            serializer: Some(kclient_config::Serializer::Json),
            ..Default::default()
        },
        kclient_rest::HttpClient::for_config(&kclient_config::Config::new("https://127.0.0.1:1"))
            .unwrap(),
    )
    .unwrap();
    for (lease, renew, retry) in [(10, 10, 2), (15, 2, 2), (15, 10, 0)] {
        let config = LeaderElectionConfig::new("ns", "l", "me").timings(
            Duration::from_secs(lease),
            Duration::from_secs(renew),
            Duration::from_secs(retry),
        );
        let err = LeaderElector::new(client.clone(), config).unwrap_err();
        assert!(matches!(err, Error::InvalidLeaderElection { .. }), "{err}");
    }
    let err = LeaderElector::new(client, LeaderElectionConfig::new("ns", "l", "")).unwrap_err();
    assert!(err.to_string().contains("identity"), "{err}");
}
