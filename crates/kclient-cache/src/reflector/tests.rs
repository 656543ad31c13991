#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use kclient_apimachinery::meta::{ListMeta, ObjectMeta};
use kclient_apimachinery::options::{ListOptions, ResourceVersionMatch};
use kclient_apimachinery::{MetaAccessor, Status, WatchEvent};

use super::*;
use crate::delta_fifo::{DeltaFifo, FifoEntry, delta_fifo};
use crate::listwatch::{ListerWatcher, ObjectList, WatchEventStream};
use crate::testutil::{TestObj, obj};

type Events = Vec<Result<WatchEvent<TestObj>, kclient_rest::Error>>;

/// What the fake answers to one watch: an error, or events (then it stays open, or ends).
enum WatchReply {
    Fail(kclient_rest::Error),
    Events { events: Events, then_end: bool },
}

#[derive(Default)]
struct Script {
    lists: VecDeque<Result<ObjectList<TestObj>, kclient_rest::Error>>,
    watches: VecDeque<WatchReply>,
    calls: Vec<(&'static str, ListOptions)>,
}

#[derive(Clone, Default)]
struct FakeLw(Arc<Mutex<Script>>);

impl FakeLw {
    fn list(&self, reply: Result<ObjectList<TestObj>, kclient_rest::Error>) -> &Self {
        self.0.lock().unwrap().lists.push_back(reply);
        self
    }
    fn watch(&self, reply: WatchReply) -> &Self {
        self.0.lock().unwrap().watches.push_back(reply);
        self
    }
    fn calls(&self) -> Vec<(&'static str, ListOptions)> {
        self.0.lock().unwrap().calls.clone()
    }
}

impl ListerWatcher<TestObj> for FakeLw {
    fn list(
        &self,
        opts: &ListOptions,
    ) -> BoxFuture<'static, Result<ObjectList<TestObj>, kclient_rest::Error>> {
        let mut s = self.0.lock().unwrap();
        s.calls.push(("list", opts.clone()));
        match s.lists.pop_front() {
            Some(reply) => futures_util::future::ready(reply).boxed(),
            None => futures_util::future::pending().boxed(),
        }
    }

    fn watch(
        &self,
        opts: &ListOptions,
    ) -> BoxFuture<'static, Result<WatchEventStream<TestObj>, kclient_rest::Error>> {
        let mut s = self.0.lock().unwrap();
        s.calls.push(("watch", opts.clone()));
        match s.watches.pop_front() {
            Some(WatchReply::Fail(e)) => futures_util::future::ready(Err(e)).boxed(),
            Some(WatchReply::Events { events, then_end }) => {
                let stream = futures_util::stream::iter(events);
                let stream: WatchEventStream<TestObj> = if then_end {
                    stream.boxed()
                } else {
                    stream.chain(futures_util::stream::pending()).boxed()
                };
                futures_util::future::ready(Ok(stream)).boxed()
            }
            None => futures_util::future::pending().boxed(),
        }
    }
}

fn page(rv: &str, cont: Option<&str>, items: Vec<Arc<TestObj>>) -> ObjectList<TestObj> {
    ObjectList {
        metadata: ListMeta {
            resource_version: Some(rv.into()),
            continue_: cont.map(str::to_string),
            ..ListMeta::default()
        },
        items: items.iter().map(|o| (**o).clone()).collect(),
    }
}

fn api_error(code: u16, reason: &str) -> kclient_rest::Error {
    kclient_rest::Error::Api {
        status: Box::new(Status {
            code: Some(code),
            reason: Some(reason.into()),
            status: Some("Failure".into()),
            ..Status::default()
        }),
        verb: http::Method::GET,
        url: "https://fake/api/v1/configmaps".into(),
    }
}

fn expired_event() -> Result<WatchEvent<TestObj>, kclient_rest::Error> {
    Ok(WatchEvent::Error(Box::new(Status {
        code: Some(410),
        reason: Some("Expired".into()),
        message: Some("too old resource version: 1 (5)".into()),
        ..Status::default()
    })))
}

fn bookmark(rv: &str, initial_end: bool) -> Result<WatchEvent<TestObj>, kclient_rest::Error> {
    let mut metadata = ObjectMeta {
        resource_version: Some(rv.into()),
        ..ObjectMeta::default()
    };
    if initial_end {
        metadata
            .annotations
            .insert("k8s.io/initial-events-end".into(), "true".into());
    }
    Ok(WatchEvent::Bookmark(TestObj {
        metadata,
        ..TestObj::default()
    }))
}

fn added(o: &Arc<TestObj>) -> Result<WatchEvent<TestObj>, kclient_rest::Error> {
    Ok(WatchEvent::Added((**o).clone()))
}

fn options(watch_list: WatchListMode) -> ReflectorOptions {
    ReflectorOptions {
        watch_list,
        list_options: ListOptions::default().label_selector("app=x").limit(7),
        ..ReflectorOptions::default()
    }
}

/// Starts a reflector over `lw`; returns the queue and its shutdown handle.
fn start(
    lw: &FakeLw,
    opts: ReflectorOptions,
) -> (DeltaFifo<TestObj>, ShutdownHandle, ReflectorHandle) {
    let (tx, rx) = delta_fifo(16);
    let reflector = Reflector::new(Arc::new(lw.clone()), tx, opts);
    let handle = reflector.handle();
    let shutdown = ShutdownHandle::new();
    tokio::spawn(reflector.run(shutdown.clone()));
    (rx, shutdown, handle)
}

async fn next(rx: &mut DeltaFifo<TestObj>) -> FifoEntry<TestObj> {
    tokio::time::timeout(Duration::from_secs(3600), rx.pop())
        .await
        .expect("the reflector pushed nothing")
        .expect("queue closed")
}

fn replace_keys(entry: &FifoEntry<TestObj>) -> (Vec<String>, String) {
    match entry {
        FifoEntry::Replace {
            objects,
            resource_version,
        } => (
            objects
                .iter()
                .map(|o| crate::object_key(o.as_ref()))
                .collect(),
            resource_version.clone(),
        ),
        other => panic!("expected a Replace, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn paginates_then_watches_from_the_list_resource_version() {
    let lw = FakeLw::default();
    lw.list(Ok(page("10", Some("tok"), vec![obj("a", "1", 3, "")])))
        .list(Ok(page("10", None, vec![obj("a", "2", 4, "")])))
        .watch(WatchReply::Events {
            events: vec![added(&obj("a", "3", 11, "")), bookmark("15", false)],
            then_end: false,
        });
    let (mut rx, shutdown, handle) = start(&lw, options(WatchListMode::Disabled));
    assert_eq!(
        replace_keys(&next(&mut rx).await),
        (vec!["a/1".into(), "a/2".into()], "10".into())
    );
    assert!(matches!(next(&mut rx).await, FifoEntry::Added(o) if o.name() == Some("3")));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(handle.last_sync_resource_version(), "15");
    let calls = lw.calls();
    let (kind, first) = &calls[0];
    assert_eq!(*kind, "list");
    assert_eq!(first.resource_version.as_deref(), Some("0"));
    assert_eq!(first.limit, Some(500));
    assert_eq!(first.label_selector.as_deref(), Some("app=x"));
    let (_, second) = &calls[1];
    assert_eq!(second.continue_token.as_deref(), Some("tok"));
    assert_eq!(second.resource_version, None);
    let (kind, watch) = &calls[2];
    assert_eq!(*kind, "watch");
    assert!(watch.watch && watch.allow_watch_bookmarks);
    assert_eq!(watch.resource_version.as_deref(), Some("10"));
    assert!((300..600).contains(&watch.timeout_seconds.unwrap()));
    assert_eq!(
        watch.limit, None,
        "the reflector's own fields replace the caller's"
    );
    shutdown.shutdown();
}

#[tokio::test(start_paused = true)]
async fn rewatches_after_a_normal_end_and_relists_after_expiry() {
    let lw = FakeLw::default();
    lw.list(Ok(page("10", None, vec![obj("a", "1", 3, "")])))
        .watch(WatchReply::Events {
            events: vec![added(&obj("a", "2", 11, ""))],
            then_end: true,
        })
        .watch(WatchReply::Events {
            events: vec![expired_event()],
            then_end: false,
        })
        // The relist at the last resourceVersion is gone too: list from "" next.
        .list(Err(api_error(410, "Expired")))
        .list(Ok(page("20", None, vec![obj("a", "2", 11, "")])));
    let (mut rx, shutdown, _) = start(&lw, options(WatchListMode::Disabled));
    replace_keys(&next(&mut rx).await);
    assert!(matches!(next(&mut rx).await, FifoEntry::Added(_)));
    assert_eq!(
        replace_keys(&next(&mut rx).await),
        (vec!["a/2".into()], "20".into())
    );
    let calls = lw.calls();
    let summary: Vec<(&str, Option<String>)> = calls
        .iter()
        .map(|(k, o)| (*k, o.resource_version.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("list", Some("0".into())),
            ("watch", Some("10".into())),
            ("watch", Some("11".into())),
            ("list", Some("11".into())),
            ("list", Some(String::new())),
            ("watch", Some("20".into())),
        ]
    );
    assert_eq!(
        calls[3].1.limit, None,
        "a list at a specific version is not paginated"
    );
    assert_eq!(calls[4].1.limit, Some(500));
    shutdown.shutdown();
}

#[tokio::test(start_paused = true)]
async fn streaming_list_replaces_at_the_bookmark_and_keeps_watching() {
    let lw = FakeLw::default();
    lw.watch(WatchReply::Events {
        events: vec![
            added(&obj("a", "2", 7, "")),
            added(&obj("a", "1", 9, "")),
            bookmark("8", false),
            bookmark("12", true),
            Ok(WatchEvent::Modified((*obj("a", "1", 13, "")).clone())),
        ],
        then_end: false,
    });
    let (mut rx, shutdown, handle) = start(&lw, options(WatchListMode::Auto));
    assert_eq!(
        replace_keys(&next(&mut rx).await),
        (vec!["a/1".into(), "a/2".into()], "12".into())
    );
    assert!(matches!(next(&mut rx).await, FifoEntry::Modified(_)));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stats = handle.stats();
    assert_eq!(stats.last_sync_resource_version, "13");
    assert_eq!(stats.watch_list_supported, Some(true));
    let calls = lw.calls();
    assert_eq!(
        calls.len(),
        1,
        "one connection serves the list and the watch"
    );
    let opts = &calls[0].1;
    assert_eq!(opts.send_initial_events, Some(true));
    assert_eq!(
        opts.resource_version_match,
        Some(ResourceVersionMatch::NotOlderThan)
    );
    assert!(opts.allow_watch_bookmarks && opts.watch);
    assert_eq!(opts.limit, None);
    shutdown.shutdown();
}

#[tokio::test(start_paused = true)]
async fn a_rejected_streaming_list_falls_back_for_good() {
    let lw = FakeLw::default();
    lw.watch(WatchReply::Fail(api_error(422, "Invalid")))
        .list(Ok(page("5", None, vec![])))
        .watch(WatchReply::Events {
            events: vec![expired_event()],
            then_end: false,
        })
        .list(Ok(page("9", None, vec![obj("b", "x", 9, "")])));
    let (mut rx, shutdown, handle) = start(&lw, options(WatchListMode::Auto));
    assert_eq!(replace_keys(&next(&mut rx).await).1, "5");
    assert_eq!(replace_keys(&next(&mut rx).await).1, "9");
    let kinds: Vec<bool> = lw
        .calls()
        .iter()
        .map(|(_, o)| o.send_initial_events == Some(true))
        .collect();
    assert_eq!(kinds, vec![true, false, false, false, false]);
    assert_eq!(handle.stats().watch_list_supported, Some(false));
    shutdown.shutdown();
}

#[tokio::test(start_paused = true)]
async fn an_expired_continue_token_falls_back_to_one_full_list() {
    let lw = FakeLw::default();
    lw.list(Ok(page("10", Some("tok"), vec![obj("a", "1", 3, "")])))
        .list(Err(api_error(410, "Expired")))
        .list(Ok(page(
            "12",
            None,
            vec![obj("a", "1", 3, ""), obj("a", "2", 12, "")],
        )));
    let (mut rx, shutdown, _) = start(&lw, options(WatchListMode::Disabled));
    assert_eq!(
        replace_keys(&next(&mut rx).await),
        (vec!["a/1".into(), "a/2".into()], "12".into())
    );
    let calls = lw.calls();
    assert_eq!(calls[2].1.limit, None);
    assert_eq!(calls[2].1.continue_token, None);
    assert_eq!(calls[2].1.resource_version.as_deref(), Some("0"));
    shutdown.shutdown();
}

#[tokio::test(start_paused = true)]
async fn failures_back_off_and_transient_watch_errors_do_not_relist() {
    let lw = FakeLw::default();
    lw.list(Err(api_error(500, "InternalError")))
        .list(Ok(page("3", None, vec![])))
        .watch(WatchReply::Fail(api_error(429, "TooManyRequests")))
        .watch(WatchReply::Events {
            events: vec![added(&obj("a", "1", 4, ""))],
            then_end: false,
        });
    let started = tokio::time::Instant::now();
    let (mut rx, shutdown, handle) = start(&lw, options(WatchListMode::Disabled));
    replace_keys(&next(&mut rx).await);
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "the list failure backs off"
    );
    assert!(matches!(next(&mut rx).await, FifoEntry::Added(_)));
    let kinds: Vec<&str> = lw.calls().iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, vec!["list", "list", "watch", "watch"]);
    assert_eq!(handle.stats().failures, 2);
    shutdown.shutdown();
}

#[tokio::test(start_paused = true)]
async fn a_very_short_empty_watch_relists() {
    let lw = FakeLw::default();
    lw.list(Ok(page("3", None, vec![])))
        .watch(WatchReply::Events {
            events: vec![],
            then_end: true,
        })
        .list(Ok(page("4", None, vec![])));
    let (mut rx, shutdown, _) = start(&lw, options(WatchListMode::Disabled));
    assert_eq!(replace_keys(&next(&mut rx).await).1, "3");
    assert_eq!(replace_keys(&next(&mut rx).await).1, "4");
    shutdown.shutdown();
}

#[tokio::test(start_paused = true)]
async fn stops_when_the_queue_consumer_is_gone() {
    let lw = FakeLw::default();
    lw.list(Ok(page("3", None, vec![])));
    let (tx, rx) = delta_fifo::<TestObj>(4);
    drop(rx);
    let reflector = Reflector::new(Arc::new(lw.clone()), tx, options(WatchListMode::Disabled));
    tokio::time::timeout(
        Duration::from_secs(10),
        reflector.run(ShutdownHandle::new()),
    )
    .await
    .expect("the reflector stops by itself");
}
