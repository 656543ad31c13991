//! The core/v1 event recorder (client-go's `tools/record`) against the server: dedupe with
//! `count` patches, aggregation of similar events, the per-object spam filter, and the create
//! fallback when a patched event is gone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use kclient_cache::ObjectList;
use kclient_cache::events::record::{CoreEvent, EventRecorder, EventRecorderConfig, RecorderStats};
use kclient_cache::events::{EventType, ObjectReference};
use support::{ConfigMap, Env};

async fn events(env: &Env) -> Vec<CoreEvent> {
    let list: ObjectList<CoreEvent> = env
        .client
        .get()
        .abs_path("/api/v1")
        .namespace(&env.namespace)
        .resource("events")
        .object()
        .await
        .unwrap();
    list.items
}

fn recorder(env: &Env) -> EventRecorder {
    EventRecorder::new(
        env.client.clone(),
        EventRecorderConfig::new("test-controller", "node-1"),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_patch_count_and_last_timestamp_of_one_event() {
    let env = Env::new().await;
    let cm: ConfigMap = env.create("subject", "0").await;
    let object = ObjectReference::of(&cm);
    let recorder = recorder(&env);
    for _ in 0..3 {
        recorder.event(&object, EventType::Normal, "Synced", "all good");
    }
    recorder.event(&object, EventType::Warning, "Failed", "oops");
    recorder.flush().await;
    assert_eq!(
        recorder.stats(),
        RecorderStats {
            created: 2,
            patched: 2,
            ..Default::default()
        }
    );
    let mut got = events(&env).await;
    got.sort_by_key(|e| e.reason.clone());
    assert_eq!(got.len(), 2);
    let synced = &got[1];
    assert_eq!(synced.count, Some(3));
    assert_eq!(synced.message.as_deref(), Some("all good"));
    assert_eq!(synced.type_.as_deref(), Some("Normal"));
    assert_eq!(synced.involved_object.uid, cm.metadata.uid);
    let source = synced.source.clone().unwrap();
    assert_eq!(source.component.as_deref(), Some("test-controller"));
    assert_eq!(source.host.as_deref(), Some("node-1"));
    assert_eq!(
        synced.reporting_component.as_deref(),
        Some("test-controller")
    );
    assert_eq!(synced.reporting_instance.as_deref(), Some("node-1"));
    assert!(synced.first_timestamp <= synced.last_timestamp);
    assert!(
        synced
            .metadata
            .name
            .as_deref()
            .unwrap()
            .starts_with("subject.")
    );
    assert_eq!(got[0].count, Some(1));
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_similar_events_become_one_combined_event() {
    let env = Env::new().await;
    let cm: ConfigMap = env.create("subject", "0").await;
    let object = ObjectReference::of(&cm);
    let recorder = recorder(&env);
    for i in 0..11 {
        recorder.event(
            &object,
            EventType::Warning,
            "BackOff",
            &format!("attempt {i}"),
        );
    }
    recorder.flush().await;
    let got = events(&env).await;
    // 9 single events, then one aggregate created by the 10th and patched by the 11th.
    assert_eq!(got.len(), 10, "{got:#?}");
    let combined: Vec<&CoreEvent> = got
        .iter()
        .filter(|e| {
            e.message
                .as_deref()
                .unwrap()
                .starts_with("(combined from similar events): ")
        })
        .collect();
    assert_eq!(combined.len(), 1);
    assert_eq!(
        combined[0].message.as_deref(),
        Some("(combined from similar events): attempt 10")
    );
    assert_eq!(combined[0].count, Some(2));
    assert_eq!(combined[0].reason.as_deref(), Some("BackOff"));
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spam_filter_passes_25_events_per_object() {
    let env = Env::new().await;
    let a: ConfigMap = env.create("a", "0").await;
    let b: ConfigMap = env.create("b", "0").await;
    let recorder = recorder(&env);
    for i in 0..30 {
        // Different reasons: no aggregation, no dedupe; only the spam filter limits them.
        recorder.event(
            &ObjectReference::of(&a),
            EventType::Normal,
            &format!("R{i}"),
            "m",
        );
    }
    recorder.event(&ObjectReference::of(&b), EventType::Normal, "R0", "m");
    recorder.flush().await;
    let stats = recorder.stats();
    assert_eq!((stats.created, stats.filtered), (26, 5));
    let got = events(&env).await;
    let about = |name: &str| {
        got.iter()
            .filter(|e| e.involved_object.name.as_deref() == Some(name))
            .count()
    };
    assert_eq!((about("a"), about("b")), (25, 1));
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_of_a_deleted_event_is_created_again() {
    let env = Env::new().await;
    let cm: ConfigMap = env.create("subject", "0").await;
    let object = ObjectReference::of(&cm);
    let recorder = recorder(&env);
    recorder.event(&object, EventType::Normal, "Synced", "ok");
    recorder.flush().await;
    let first = events(&env).await.remove(0);
    env.client
        .delete()
        .abs_path("/api/v1")
        .namespace(&env.namespace)
        .resource("events")
        .name(first.metadata.name.as_deref().unwrap())
        .bytes()
        .await
        .unwrap();
    recorder.event(&object, EventType::Normal, "Synced", "ok");
    recorder.flush().await;
    let got = events(&env).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].metadata.name, first.metadata.name);
    assert_eq!(got[0].count, Some(2));
    assert_eq!(recorder.stats().created, 2);
    env.cleanup().await;
}
