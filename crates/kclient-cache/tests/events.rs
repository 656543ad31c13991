//! The event recorder against the server: fields, series deduplication, overflow.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use kclient_cache::ObjectList;
use kclient_cache::events::{
    Event, EventRecorder, EventRecorderConfig, EventType, ObjectReference, RecorderStats,
};
use support::{ConfigMap, Env};

async fn events(env: &Env) -> Vec<Event> {
    let list: ObjectList<Event> = env
        .client
        .get()
        .abs_path("/apis/events.k8s.io/v1")
        .namespace(&env.namespace)
        .resource("events")
        .object()
        .await
        .unwrap();
    list.items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_posted_and_repeats_become_a_series() {
    let env = Env::new().await;
    let cm: ConfigMap = env.create("subject", "0").await;
    let regarding = ObjectReference::of(&cm);
    assert_eq!(regarding.kind.as_deref(), Some("ConfigMap"));
    let recorder = EventRecorder::new(
        env.client.clone(),
        EventRecorderConfig::new("example.com/test-controller", "test-0"),
    )
    .unwrap();
    for _ in 0..3 {
        recorder
            .record(
                &regarding,
                None,
                EventType::Normal,
                "Synced",
                "Reconcile",
                "all good",
            )
            .unwrap();
    }
    recorder
        .record(
            &regarding,
            None,
            EventType::Warning,
            "Failed",
            "Reconcile",
            "oops",
        )
        .unwrap();
    recorder.flush().await;
    let stats = recorder.stats();
    assert_eq!(
        stats,
        RecorderStats {
            created: 2,
            series_updates: 2,
            ..RecorderStats::default()
        }
    );
    let mut got = events(&env).await;
    got.sort_by_key(|e| e.reason.clone());
    assert_eq!(got.len(), 2);
    let failed = &got[0];
    assert_eq!(failed.type_.as_deref(), Some("Warning"));
    assert_eq!(failed.note.as_deref(), Some("oops"));
    assert!(failed.series.is_none());
    let synced = &got[1];
    assert_eq!(synced.reason.as_deref(), Some("Synced"));
    assert_eq!(synced.action.as_deref(), Some("Reconcile"));
    assert_eq!(
        synced.reporting_controller.as_deref(),
        Some("example.com/test-controller")
    );
    assert_eq!(synced.regarding.name.as_deref(), Some("subject"));
    assert_eq!(synced.regarding.uid, cm.metadata.uid);
    assert_eq!(synced.series.as_ref().map(|s| s.count), Some(3));
    assert!(synced.event_time.is_some());
    assert!(
        synced
            .metadata
            .name
            .as_deref()
            .unwrap()
            .starts_with("subject.")
    );
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_deduplication_every_event_is_an_object_and_bad_events_are_refused() {
    let env = Env::new().await;
    let cm: ConfigMap = env.create("subject", "0").await;
    let mut config = EventRecorderConfig::new("example.com/test-controller", "test-0");
    config.deduplicate = false;
    let recorder = EventRecorder::new(env.client.clone(), config).unwrap();
    let regarding = ObjectReference::of(&cm);
    for _ in 0..3 {
        recorder
            .record(
                &regarding,
                None,
                EventType::Normal,
                "Synced",
                "Reconcile",
                &"x".repeat(5000),
            )
            .unwrap();
    }
    assert!(
        recorder
            .record(&regarding, None, EventType::Normal, "", "Reconcile", "n")
            .is_err()
    );
    recorder.flush().await;
    let got = events(&env).await;
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|e| e.note.as_ref().unwrap().len() == 1024));
    env.cleanup().await;
}

/// Recording never waits: with the sender unable to run, a full queue drops events.
#[tokio::test(flavor = "current_thread")]
async fn a_full_queue_drops_events_instead_of_blocking() {
    let env = Env::new().await;
    let mut config = EventRecorderConfig::new("example.com/test-controller", "test-0");
    config.queue_capacity = 2;
    let recorder = EventRecorder::new(env.client.clone(), config).unwrap();
    let regarding = ObjectReference {
        kind: Some("ConfigMap".into()),
        api_version: Some("v1".into()),
        namespace: Some(env.namespace.clone()),
        name: Some("x".into()),
        ..ObjectReference::default()
    };
    for i in 0..10 {
        recorder
            .record(
                &regarding,
                None,
                EventType::Normal,
                "Tick",
                "Count",
                &i.to_string(),
            )
            .unwrap();
    }
    assert_eq!(recorder.stats().dropped, 8);
    recorder.flush().await;
    assert_eq!(recorder.stats().created, 2);
    env.cleanup().await;
}
