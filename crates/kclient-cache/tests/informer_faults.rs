//! Informers under faults: watches cut repeatedly, history compacted mid-run, deletions missed
//! while disconnected. Against the test server (or a real cluster, where the fault-injection
//! steps are skipped).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kclient_cache::backoff::BackoffConfig;
use kclient_cache::reflector::{ReflectorOptions, WatchListMode};
use kclient_cache::{InformerOptions, SharedInformer};
use support::{ConfigMap, Env, GatedLw, Recorder, eventually, store_state};

const CONVERGE: Duration = Duration::from_secs(30);

fn options(watch_list: WatchListMode) -> InformerOptions<ConfigMap> {
    InformerOptions {
        reflector: ReflectorOptions {
            watch_list,
            backoff: BackoffConfig {
                initial: Duration::from_millis(20),
                max: Duration::from_millis(500),
                ..BackoffConfig::default()
            },
            ..ReflectorOptions::default()
        },
        ..InformerOptions::default()
    }
}

/// Waits until the store and the handler's view both equal the server's contents.
async fn converge(env: &Env, informer: &SharedInformer<ConfigMap>, rec: &Recorder) {
    let expected = env.server_state().await;
    let ok = eventually(CONVERGE, || {
        store_state(informer.store()) == expected && rec.seen().view == expected
    })
    .await;
    assert!(
        ok,
        "did not converge:\nserver  {expected:?}\nstore   {:?}\nhandler {:?}",
        store_state(informer.store()),
        rec.seen().view
    );
    let seen = rec.seen();
    assert!(seen.anomalies.is_empty(), "{:?}", seen.anomalies);
}

/// While the reflector is disconnected (its re-watch held back), objects are created, updated
/// and deleted; the watch then resumes from the last resourceVersion and the handler sees every
/// one of those changes, in order, with nothing listed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_change_made_while_disconnected_is_delivered() {
    let env = Env::new().await;
    if !env.can_inject_faults() {
        return env.cleanup().await;
    }
    let lw = GatedLw::new(env.configmap_lw());
    let informer = SharedInformer::new(lw.clone(), options(WatchListMode::Disabled));
    let rec = Arc::new(Recorder::default());
    informer.add_event_handler(rec.clone()).unwrap();
    informer.start().unwrap();
    assert!(informer.wait_for_cache_sync().await);

    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut live: Vec<String> = Vec::new();
    for round in 0..6 {
        // Something for the current watch to deliver, so its end is not a "very short watch".
        let marker = format!("marker-{round}");
        let cm = env.create(&marker, "x").await;
        expected
            .entry(marker.clone())
            .or_default()
            .push(format!("add:{}", rv(&cm)));
        live.push(marker);
        converge(&env, &informer, &rec).await;

        lw.close();
        env.close_watches();
        for i in 0..4 {
            let name = format!("r{round}-{i}");
            let cm = env.create(&name, "0").await;
            expected
                .entry(name.clone())
                .or_default()
                .push(format!("add:{}", rv(&cm)));
            let cm = env.update(&name, "1").await;
            expected
                .entry(name.clone())
                .or_default()
                .push(format!("update:{}", rv(&cm)));
            live.push(name);
        }
        if live.len() > 3 {
            let victim = live.remove(1);
            env.delete(&victim).await;
            let history = expected.get_mut(&victim).unwrap();
            let last_rv = history
                .last()
                .unwrap()
                .split(':')
                .nth(1)
                .unwrap()
                .to_string();
            history.push(format!("delete:{last_rv}"));
        }
        lw.open();
        converge(&env, &informer, &rec).await;
    }
    let seen = rec.seen();
    for (name, want) in &expected {
        let got: Vec<String> = seen.history[name]
            .iter()
            .map(|h| {
                // The delete carries the deletion's resourceVersion; compare only the kind.
                if h.starts_with("delete:") {
                    want.last().unwrap().clone()
                } else {
                    h.clone()
                }
            })
            .collect();
        assert_eq!(&got, want, "history of {name}");
    }
    let stats = informer.reflector_stats();
    assert_eq!(stats.lists, 1, "resuming watches never relists: {stats:?}");
    assert!(stats.watches >= 7, "{stats:?}");
    informer.shutdown();
    env.cleanup().await;
}

fn rv(cm: &ConfigMap) -> String {
    cm.metadata.resource_version.clone().unwrap()
}

/// An object deleted while the watch is down, with the history compacted before it comes back:
/// the watch gets 410, the reflector relists, and the handler gets a tombstone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deletion_missed_during_a_disconnect_arrives_as_a_tombstone() {
    for mode in [WatchListMode::Disabled, WatchListMode::Auto] {
        let env = Env::new().await;
        if !env.can_inject_faults() {
            return env.cleanup().await;
        }
        for name in ["keep", "doomed", "changed"] {
            env.create(name, "0").await;
        }
        let lw = GatedLw::new(env.configmap_lw());
        let informer = SharedInformer::new(lw.clone(), options(mode));
        let rec = Arc::new(Recorder::default());
        informer.add_event_handler(rec.clone()).unwrap();
        informer.start().unwrap();
        assert!(informer.wait_for_cache_sync().await);
        env.create("marker", "x").await;
        converge(&env, &informer, &rec).await;
        assert_eq!(rec.seen().initial_adds, 3);

        lw.close();
        env.close_watches();
        env.delete("doomed").await;
        env.update("changed", "1").await;
        env.create("born", "0").await;
        env.create("ephemeral", "0").await;
        env.delete("ephemeral").await;
        env.compact_history();
        lw.open();
        converge(&env, &informer, &rec).await;

        let seen = rec.seen();
        let doomed = seen.history["doomed"].last().unwrap();
        assert!(
            doomed.starts_with("tombstone:"),
            "{mode:?}: {:?}",
            seen.history["doomed"]
        );
        assert!(
            seen.history["changed"]
                .last()
                .unwrap()
                .starts_with("update:")
        );
        assert_eq!(seen.history["born"].len(), 1);
        assert!(seen.history["born"][0].starts_with("add:"));
        assert!(
            !seen.history.contains_key("ephemeral"),
            "it came and went unseen"
        );
        assert_eq!(
            seen.history["keep"].len(),
            1,
            "an unchanged object is not re-added"
        );
        assert!(informer.reflector_stats().lists >= 2);
        informer.shutdown();
        env.cleanup().await;
    }
}

/// Random creates, updates and deletes while watches are cut and the history is compacted, with
/// no pause: the store and every handler end identical to the server, and no handler ever sees
/// an inconsistent sequence (duplicate add, update or delete of something it does not know).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_and_handlers_converge_under_cut_watches_and_compaction() {
    for mode in [WatchListMode::Auto, WatchListMode::Disabled] {
        let env = Env::new().await;
        let lw = GatedLw::new(env.configmap_lw());
        let informer = SharedInformer::new(lw.clone(), options(mode));
        let early = Arc::new(Recorder::default());
        informer.add_event_handler(early.clone()).unwrap();
        informer.start().unwrap();
        let mut rng = fastrand::Rng::with_seed(42);
        let mut live: Vec<String> = Vec::new();
        let mut late = None;
        for step in 0..150 {
            match rng.u8(0..10) {
                0..4 => {
                    let name = format!("o{step}");
                    env.create(&name, "0").await;
                    live.push(name);
                }
                4..7 if !live.is_empty() => {
                    let name = &live[rng.usize(0..live.len())];
                    env.update(name, &step.to_string()).await;
                }
                7..9 if !live.is_empty() => {
                    let name = live.swap_remove(rng.usize(0..live.len()));
                    env.delete(&name).await;
                }
                _ => {}
            }
            // Cuts the watch re-established at once, cuts with the reconnection held back for a
            // few steps, and compactions (some while disconnected: 410 and a relist).
            if step % 5 == 0 {
                env.close_watches();
            }
            if step % 13 == 0 && env.can_inject_faults() {
                lw.close();
                env.close_watches();
            }
            if step % 13 == 6 {
                lw.open();
            }
            if step % 17 == 0 {
                env.compact_history();
            }
            if step == 75 {
                let rec = Arc::new(Recorder::default());
                informer.add_event_handler(rec.clone()).unwrap();
                late = Some(rec);
            }
        }
        lw.open();
        converge(&env, &informer, &early).await;
        converge(&env, &informer, late.as_ref().unwrap()).await;
        assert!(late.as_ref().unwrap().seen().initial_adds > 0);
        if env.can_inject_faults() {
            let stats = informer.reflector_stats();
            // ~30 cuts, but how many land on a live watch (rather than on one being
            // re-established, or while the gate holds reconnection back) depends on timing.
            assert!(stats.watches >= 4, "{mode:?}: {stats:?}");
            assert!(
                stats.lists > 1,
                "compaction while disconnected relists: {stats:?}"
            );
        }
        informer.shutdown();
        env.cleanup().await;
    }
}
