//! Watch and list semantics: events from a resourceVersion, selectors, bookmarks,
//! sendInitialEvents, timeouts, 410 on compacted history, and pagination over a snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::json;
use support::{Client, cms, configmap};

#[tokio::test]
async fn watch_from_list_resource_version_sees_changes_in_order() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    c.post(&cms("default"), configmap("before")).await;
    let (_, list) = c.get(&cms("default")).await;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut w = c
        .watch(&format!(
            "{}?watch=true&resourceVersion={rv}",
            cms("default")
        ))
        .await;

    c.post(&cms("default"), configmap("a")).await;
    c.patch(
        &format!("{}/a", cms("default")),
        "application/merge-patch+json",
        json!({"data": {"k": "2"}}),
    )
    .await;
    c.delete(&format!("{}/a", cms("default")), None).await;
    c.post(&cms("kube-system"), configmap("elsewhere")).await;

    assert_eq!(w.next_kind_name().await, ("ADDED".into(), "a".into()));
    let e = w.next().await.unwrap();
    assert_eq!(e["type"], "MODIFIED");
    assert_eq!(e["object"]["kind"], "ConfigMap");
    assert_eq!(e["object"]["data"]["k"], "2");
    assert_eq!(w.next_kind_name().await, ("DELETED".into(), "a".into()));
    assert!(
        w.next_within(Duration::from_millis(200)).await.is_err(),
        "other namespaces are not seen"
    );
}

#[tokio::test]
async fn watch_without_resource_version_starts_with_current_state() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let mut w = c.watch("/api/v1/watch/namespaces").await;
    let mut names = Vec::new();
    for _ in 0..4 {
        let (kind, name) = w.next_kind_name().await;
        assert_eq!(kind, "ADDED");
        names.push(name);
    }
    names.sort();
    assert_eq!(
        names,
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );
}

#[tokio::test]
async fn label_selector_watch_sees_objects_enter_and_leave() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let rv = server.current_resource_version();
    let mut w = c
        .watch(&format!(
            "{}?watch=1&labelSelector=app%3Dweb&resourceVersion={rv}",
            cms("default")
        ))
        .await;
    let path = format!("{}/x", cms("default"));
    c.post(&cms("default"), configmap("x")).await;
    c.patch(
        &path,
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"app": "web"}}}),
    )
    .await;
    c.patch(
        &path,
        "application/merge-patch+json",
        json!({"data": {"k": "3"}}),
    )
    .await;
    c.patch(
        &path,
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"app": "db"}}}),
    )
    .await;
    assert_eq!(w.next_kind_name().await, ("ADDED".into(), "x".into()));
    assert_eq!(w.next_kind_name().await, ("MODIFIED".into(), "x".into()));
    assert_eq!(w.next_kind_name().await, ("DELETED".into(), "x".into()));

    let mut f = c
        .watch(&format!(
            "{}?watch=1&fieldSelector=metadata.name%3Dy&resourceVersion={rv}",
            cms("default")
        ))
        .await;
    c.post(&cms("default"), configmap("y")).await;
    assert_eq!(f.next_kind_name().await, ("ADDED".into(), "y".into()));
    let (s, e) = c
        .get(&format!("{}?fieldSelector=spec.foo%3Dbar", cms("default")))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["message"],
        "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    );
}

#[tokio::test]
async fn compacted_history_gives_410_and_closed_watches_end() {
    let server = TestServer::builder()
        .watch_history(3)
        .start()
        .await
        .unwrap();
    let c = Client::admin(&server);
    let old = server.current_resource_version();
    for i in 0..5 {
        c.post(&cms("default"), configmap(&format!("c{i}"))).await;
    }
    let mut w = c
        .watch(&format!(
            "{}?watch=true&resourceVersion={old}",
            cms("default")
        ))
        .await;
    let e = w.next().await.unwrap();
    assert_eq!(e["type"], "ERROR");
    assert_eq!(e["object"]["code"], 410);
    assert_eq!(e["object"]["reason"], "Expired");
    assert!(
        e["object"]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("too old resource version: {old} ("))
    );
    assert!(w.next().await.is_none());

    let now = server.current_resource_version();
    let mut live = c
        .watch(&format!(
            "{}?watch=true&resourceVersion={now}",
            cms("default")
        ))
        .await;
    server.compact_history();
    let mut late = c
        .watch(&format!(
            "{}?watch=true&resourceVersion={now}",
            cms("default")
        ))
        .await;
    c.post(&cms("default"), configmap("after")).await;
    assert_eq!(
        late.next_kind_name().await,
        ("ADDED".into(), "after".into()),
        "the compacted version is still served"
    );
    assert_eq!(
        live.next_kind_name().await,
        ("ADDED".into(), "after".into())
    );
    server.close_watches();
    assert!(
        live.next().await.is_none(),
        "close_watches ends open watches"
    );
}

#[tokio::test]
async fn bookmarks_initial_events_and_timeouts() {
    let server = TestServer::builder()
        .bookmark_interval(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let c = Client::admin(&server);
    c.post(&cms("default"), configmap("a")).await;
    let mut w = c
        .watch(&format!(
            "{}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
            cms("default")
        ))
        .await;
    assert_eq!(w.next_kind_name().await, ("ADDED".into(), "a".into()));
    // Every namespace holds the root CA publisher's ConfigMap, as on a real cluster.
    assert_eq!(
        w.next_kind_name().await,
        ("ADDED".into(), "kube-root-ca.crt".into())
    );
    let end = w.next().await.unwrap();
    assert_eq!(end["type"], "BOOKMARK");
    assert_eq!(
        end["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    assert_eq!(end["object"]["kind"], "ConfigMap");
    let rv = server.current_resource_version().to_string();
    assert_eq!(end["object"]["metadata"]["resourceVersion"], rv);
    let tick = w.next().await.unwrap();
    assert_eq!(tick["type"], "BOOKMARK");

    let (s, e) = c
        .get(&format!(
            "{}?watch=true&sendInitialEvents=true",
            cms("default")
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    let mut short = c
        .watch(&format!(
            "{}?watch=true&timeoutSeconds=1&resourceVersion={rv}",
            cms("default")
        ))
        .await;
    assert!(
        short.next().await.is_none(),
        "timeoutSeconds ends the watch"
    );
}

#[tokio::test]
async fn pagination_is_consistent_and_expires() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    for i in 0..5 {
        c.post(&cms("default"), configmap(&format!("p{i}"))).await;
    }
    let (s, page1) = c.get(&format!("{}?limit=2", cms("default"))).await;
    assert_eq!(s, StatusCode::OK);
    // The namespace's `kube-root-ca.crt` (published in every namespace) sorts first.
    let first: Vec<&str> = page1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(first, ["kube-root-ca.crt", "p0"]);
    assert_eq!(page1["metadata"]["remainingItemCount"], 4);
    let token = page1["metadata"]["continue"].as_str().unwrap().to_string();

    // Changes after the first page do not show up in later pages.
    c.post(&cms("default"), configmap("p9")).await;
    c.delete(&format!("{}/p4", cms("default")), None).await;
    let mut names: Vec<String> = Vec::new();
    let mut token = Some(token);
    while let Some(t) = token {
        let (s, page) = c
            .get(&format!("{}?limit=2&continue={t}", cms("default")))
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert_eq!(
            page["metadata"]["resourceVersion"],
            page1["metadata"]["resourceVersion"]
        );
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["metadata"]["name"].as_str().unwrap().to_string()),
        );
        token = page["metadata"]["continue"].as_str().map(str::to_string);
    }
    assert_eq!(names, ["p1", "p2", "p3", "p4"]);

    let (_, page) = c.get(&format!("{}?limit=1", cms("default"))).await;
    let token = page["metadata"]["continue"].as_str().unwrap().to_string();
    c.post(&cms("default"), configmap("later")).await;
    server.compact_history();
    let (s, e) = c
        .get(&format!("{}?limit=1&continue={token}", cms("default")))
        .await;
    assert_eq!(s, StatusCode::GONE);
    assert_eq!(e["reason"], "Expired");
    let (s, _) = c.get(&format!("{}?continue=garbage", cms("default"))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, e) = c
        .get(&format!("{}?resourceVersion=999999", cms("default")))
        .await;
    assert_eq!(s, StatusCode::GATEWAY_TIMEOUT, "{e}");
}

#[tokio::test]
async fn one_http2_connection_carries_more_than_200_watches() {
    // hyper's default limit is 200 concurrent streams; the server allows 1,000 like
    // kube-apiserver. With the old limit the 201st watch would wait forever for headers.
    let server = TestServer::start().await.unwrap();
    let c = std::sync::Arc::new(Client::admin_h2(&server));
    c.get(&cms("default")).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..300 {
        let c = c.clone();
        tasks.spawn(async move {
            let path = format!("{}?watch=true", cms("default"));
            c.raw(http::Method::GET, &path, &[], None).await
        });
    }
    let mut open = Vec::new();
    let all = async {
        while let Some(resp) = tasks.join_next().await {
            open.push(resp.unwrap());
        }
    };
    tokio::time::timeout(Duration::from_secs(60), all)
        .await
        .expect("every watch got its response headers on the one connection");
    assert_eq!(open.len(), 300);
    assert!(open.iter().all(|r| r.status() == StatusCode::OK));
}
