//! Informer handler semantics: late handlers, slow handlers, resync, removal, shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use kclient_cache::{Error, HandlerFns, InformerOptions, SharedInformer};
use support::{ConfigMap, Env, Recorder, eventually, store_state};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_late_handler_gets_the_current_contents_as_initial_adds() {
    let env = Env::new().await;
    for i in 0..5 {
        env.create(&format!("c{i}"), "0").await;
    }
    let informer = SharedInformer::new(env.configmap_lw(), InformerOptions::default());
    let early = Arc::new(Recorder::default());
    let early_reg = informer.add_event_handler(early.clone()).unwrap();
    assert!(!early_reg.has_synced());
    informer.start().unwrap();
    informer.start().unwrap(); // idempotent
    assert!(informer.wait_for_cache_sync().await);
    assert!(eventually(WAIT, || early_reg.has_synced()).await);
    assert_eq!(early.seen().initial_adds, 5);

    let late = Arc::new(Recorder::default());
    let late_reg = informer.add_event_handler(late.clone()).unwrap();
    assert!(eventually(WAIT, || late_reg.has_synced()).await);
    let seen = late.seen();
    assert_eq!(seen.initial_adds, 5);
    assert_eq!(seen.view, store_state(informer.store()));
    // Later changes reach both, once.
    env.create("c5", "0").await;
    let expected = env.server_state().await;
    assert!(
        eventually(WAIT, || late.seen().view == expected
            && early.seen().view == expected)
        .await
    );
    assert_eq!(late.seen().initial_adds, 5);
    assert!(late.seen().anomalies.is_empty());
    assert!(!informer.last_sync_resource_version().is_empty());
    informer.shutdown();
    env.cleanup().await;
}

/// A handler that blocks does not hold back the others; once released it catches up (through
/// coalescing, its buffer being tiny) to the same final view.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_handler_does_not_stall_the_others() {
    let env = Env::new().await;
    let options = InformerOptions::<ConfigMap> {
        handler_buffer: 4,
        ..InformerOptions::default()
    };
    let informer = SharedInformer::new(env.configmap_lw(), options);
    let released = Arc::new(AtomicBool::new(false));
    let blocked_calls = Arc::new(AtomicUsize::new(0));
    let slow_view = Arc::new(Recorder::default());
    let slow = {
        let released = released.clone();
        let calls = blocked_calls.clone();
        let view = slow_view.clone();
        HandlerFns::<ConfigMap>::new()
            .on_add(move |obj, initial| {
                calls.fetch_add(1, Ordering::SeqCst);
                while !released.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                kclient_cache::EventHandler::on_add(&*view, obj, initial);
            })
            .on_update({
                let view = slow_view.clone();
                move |old, new| kclient_cache::EventHandler::on_update(&*view, old, new)
            })
            .on_delete({
                let view = slow_view.clone();
                move |obj| kclient_cache::EventHandler::on_delete(&*view, obj)
            })
    };
    let slow_reg = informer.add_event_handler(slow).unwrap();
    let fast = Arc::new(Recorder::default());
    informer.add_event_handler(fast.clone()).unwrap();
    informer.start().unwrap();
    assert!(informer.wait_for_cache_sync().await);
    for i in 0..30 {
        env.create(&format!("s{i}"), "0").await;
    }
    for i in 0..30 {
        env.update(&format!("s{i}"), "1").await;
    }
    for i in 0..10 {
        env.delete(&format!("s{i}")).await;
    }
    let expected = env.server_state().await;
    assert!(
        eventually(WAIT, || fast.seen().view == expected).await,
        "the fast handler is stalled"
    );
    assert_eq!(
        blocked_calls.load(Ordering::SeqCst),
        1,
        "the slow handler is still on its first call"
    );
    let stats = slow_reg.stats();
    assert!(stats.overflowed > 0, "{stats:?}");
    assert!(
        stats.pending <= 4 + 30,
        "one entry per object at most: {stats:?}"
    );
    released.store(true, Ordering::SeqCst);
    assert!(eventually(WAIT, || slow_view.seen().view == expected).await);
    let seen = slow_view.seen();
    assert!(seen.anomalies.is_empty(), "{:?}", seen.anomalies);
    assert!(fast.seen().anomalies.is_empty());
    informer.shutdown();
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resync_replays_objects_to_handlers_that_asked_for_it() {
    let env = Env::new().await;
    env.create("r", "0").await;
    let options = InformerOptions::<ConfigMap> {
        resync: Some(Duration::from_secs(1)),
        ..InformerOptions::default()
    };
    let informer = SharedInformer::new(env.configmap_lw(), options);
    let resyncing = Arc::new(Recorder::default());
    informer.add_event_handler(resyncing.clone()).unwrap();
    let quiet = Arc::new(Recorder::default());
    informer
        .add_event_handler_with_resync(quiet.clone(), None)
        .unwrap();
    informer.start().unwrap();
    assert!(informer.wait_for_cache_sync().await);
    let syncs = |r: &Recorder| {
        r.seen()
            .history
            .get("r")
            .map(|h| h.iter().filter(|e| e.starts_with("sync:")).count())
            .unwrap_or(0)
    };
    assert!(eventually(Duration::from_secs(10), || syncs(&resyncing) >= 2).await);
    assert_eq!(syncs(&quiet), 0);
    informer.shutdown();
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removed_handlers_stop_and_stopped_informers_refuse_work() {
    let env = Env::new().await;
    let informer = SharedInformer::new(env.configmap_lw(), InformerOptions::default());
    let kept = Arc::new(Recorder::default());
    let removed = Arc::new(Recorder::default());
    informer.add_event_handler(kept.clone()).unwrap();
    let reg = informer.add_event_handler(removed.clone()).unwrap();
    informer.start().unwrap();
    assert!(informer.wait_for_cache_sync().await);
    assert!(informer.remove_event_handler(&reg));
    assert!(!informer.remove_event_handler(&reg));
    env.create("after", "0").await;
    assert!(eventually(WAIT, || kept.seen().view.contains_key("after")).await);
    assert!(removed.seen().view.is_empty());

    informer.shutdown();
    assert!(informer.is_stopped());
    assert!(matches!(
        informer.add_event_handler(Recorder::default()),
        Err(Error::Stopped { .. })
    ));
    assert!(matches!(informer.start(), Err(Error::Stopped { .. })));
    assert!(
        informer.wait_for_cache_sync().await,
        "it had synced before stopping"
    );
    let never = SharedInformer::new(env.configmap_lw(), InformerOptions::default());
    never.shutdown();
    assert!(!never.wait_for_cache_sync().await);
    env.cleanup().await;
}
