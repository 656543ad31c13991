#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;

fn cm(name: &str, v: &str) -> Value {
    json!({"metadata": {"name": name, "namespace": "ns"}, "data": {"v": v}})
}

fn key(name: &str) -> Key {
    Key::new("", "configmaps", "ns", name)
}

fn prefix() -> Prefix {
    Prefix::new("", "configmaps", Some("ns"))
}

#[test]
fn writes_get_increasing_resource_versions() {
    let store = Store::new(10);
    let a = store.transact(|t| t.put(&key("a"), cm("a", "1")));
    let b = store.transact(|t| t.put(&key("b"), cm("b", "1")));
    assert_eq!(a["metadata"]["resourceVersion"], "1");
    assert_eq!(b["metadata"]["resourceVersion"], "2");
    let gone = store.transact(|t| t.delete(&key("a"))).unwrap();
    assert_eq!(gone["metadata"]["resourceVersion"], "3");
    assert_eq!(store.current_rv(), 3);
    assert!(store.get(&key("a")).is_none());
}

#[test]
fn snapshots_at_old_versions_undo_later_changes() {
    let store = Store::new(10);
    store.transact(|t| t.put(&key("a"), cm("a", "1")));
    store.transact(|t| t.put(&key("b"), cm("b", "1")));
    store.transact(|t| t.put(&key("a"), cm("a", "2")));
    store.transact(|t| t.delete(&key("b")));
    store.transact(|t| t.put(&Key::new("", "secrets", "ns", "s"), cm("s", "1")));
    let (rv, items) = store.snapshot(&prefix(), Some(2)).unwrap();
    assert_eq!(rv, 2);
    let values: Vec<_> = items
        .iter()
        .map(|(k, v)| (k.name.as_str(), v.value()["data"]["v"].clone()))
        .collect();
    assert_eq!(values, vec![("a", json!("1")), ("b", json!("1"))]);
    let (rv, items) = store.snapshot(&prefix(), None).unwrap();
    assert_eq!(rv, 5);
    assert_eq!(items.len(), 1);
}

#[test]
fn compacted_history_is_too_old() {
    let store = Store::new(2);
    for i in 0..5 {
        store.transact(|t| t.put(&key("a"), cm("a", &i.to_string())));
    }
    // Changes 4 and 5 are retained: snapshots and watches from 3 on are served.
    assert!(store.snapshot(&prefix(), Some(3)).is_ok());
    assert_eq!(
        store.snapshot(&prefix(), Some(2)).unwrap_err(),
        TooOld { oldest: 3 }
    );
    assert!(store.subscribe(prefix(), WatchFrom::Version(2)).is_err());
    store.compact();
    assert!(store.subscribe(prefix(), WatchFrom::Version(4)).is_err());
    assert!(store.subscribe(prefix(), WatchFrom::Version(5)).is_ok());
}

#[tokio::test]
async fn subscribers_get_backlog_then_live_changes_under_their_prefix() {
    let store = Store::new(10);
    store.transact(|t| t.put(&key("a"), cm("a", "1")));
    store.transact(|t| t.put(&key("b"), cm("b", "1")));
    let mut sub = store.subscribe(prefix(), WatchFrom::Version(1)).unwrap();
    assert_eq!(sub.backlog.len(), 1);
    assert_eq!(sub.backlog[0].key.name, "b");
    store.transact(|t| t.put(&Key::new("", "configmaps", "other", "c"), cm("c", "1")));
    store.transact(|t| t.delete(&key("a")));
    let change = sub.rx.recv().await.unwrap();
    assert_eq!(change.kind, ChangeType::Deleted);
    assert_eq!(change.key.name, "a");
    store.close_watches();
    assert!(sub.rx.recv().await.is_none());
}

#[test]
fn current_state_subscription_lists_objects() {
    let store = Store::new(10);
    store.transact(|t| t.put(&key("a"), cm("a", "1")));
    let sub = store.subscribe(prefix(), WatchFrom::CurrentState).unwrap();
    assert_eq!(sub.initial.len(), 1);
    assert_eq!(sub.rv, 1);
}
