//! Binding pods to nodes (`pods/<name>/binding`, `bindings`) and graceful pod deletion with the
//! server playing the kubelet, as a client of a real cluster observes them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use http::StatusCode;
use kclient_testserver::{TestServer, TestServerBuilder};
use serde_json::{Value, json};
use support::Client;
use support::kubectl::Env;

const PODS: &str = "/api/v1/namespaces/default/pods";

fn pod(name: &str, node: Option<&str>) -> Value {
    let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
    if let Some(n) = node {
        p["spec"]["nodeName"] = json!(n);
    }
    p
}

fn binding(name: &str, node: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
        "target": {"apiVersion": "v1", "kind": "Node", "name": node}})
}

#[tokio::test]
async fn binding_assigns_a_node_once() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    c.post(PODS, pod("p", None)).await;
    let mut w = c
        .watch(&format!(
            "{PODS}?watch=true&resourceVersion={}",
            server.current_resource_version()
        ))
        .await;

    let mut b = binding("p", "n1");
    b["metadata"]["annotations"] = json!({"scheduler.example.com/score": "7"});
    let (s, body) = c.post(&format!("{PODS}/p/binding"), b).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})
    );
    let event = w.next().await.unwrap();
    assert_eq!(event["type"], "MODIFIED");
    let bound = &event["object"];
    assert_eq!(bound["spec"]["nodeName"], "n1");
    assert_eq!(
        bound["metadata"]["annotations"]["scheduler.example.com/score"],
        "7"
    );
    let scheduled: Vec<&Value> = bound["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "PodScheduled")
        .collect();
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0]["status"], "True");

    let (s, body) = c
        .post(&format!("{PODS}/p/binding"), binding("p", "n2"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["reason"], "Conflict");
    assert_eq!(
        body["message"],
        "Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node \"n1\""
    );
    // pods/log reads the node the pod is bound to.
    let (s, body) = c.get(&format!("{PODS}/p/log")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "nodes \"n1\" not found");

    let (s, body) = c
        .post(&format!("{PODS}/p/binding"), binding("q", "n1"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "name in URL does not match name in Binding object"
    );
    let (s, body) = c
        .post(&format!("{PODS}/ghost/binding"), binding("ghost", "n1"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "pods \"ghost\" not found");
    let mut no_target = binding("p", "");
    no_target["target"] = json!({});
    let (s, body) = c.post(&format!("{PODS}/p/binding"), no_target).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["message"], "target.name: Required value");
}

#[tokio::test]
async fn the_bindings_resource_binds_by_body_name() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    c.post(PODS, pod("q", None)).await;
    let (s, body) = c
        .post("/api/v1/namespaces/default/bindings", binding("q", "n7"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "Success");
    let (_, q) = c.get(&format!("{PODS}/q")).await;
    assert_eq!(q["spec"]["nodeName"], "n7");
    // Nothing is stored as a binding; a bound pod cannot be bound again.
    let (s, _) = c
        .post("/api/v1/namespaces/default/bindings", binding("q", "n8"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A pod being deleted cannot be bound.
    let mut held = pod("r", None);
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    c.post(PODS, held).await;
    c.delete(&format!("{PODS}/r"), None).await;
    let (s, body) = c
        .post("/api/v1/namespaces/default/bindings", binding("r", "n1"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        body["message"],
        "Operation cannot be fulfilled on pods/binding \"r\": pod r is being deleted, cannot be assigned to a host"
    );
}

/// A server whose kubelet never finishes on its own within a test.
async fn slow_kubelet() -> TestServer {
    TestServerBuilder::new()
        .kubelet_termination_delay(Duration::from_secs(3600))
        .start()
        .await
        .unwrap()
}

fn seconds_between(from: &str, to: &str) -> i64 {
    let from: jiff::Timestamp = from.parse().unwrap();
    let to: jiff::Timestamp = to.parse().unwrap();
    to.as_second() - from.as_second()
}

#[tokio::test]
async fn bound_pods_are_deleted_gracefully() {
    let server = slow_kubelet().await;
    let c = Client::admin(&server);
    let (_, created) = c.post(PODS, pod("p", Some("n1"))).await;
    let path = format!("{PODS}/p");
    let mut w = c
        .watch(&format!(
            "{PODS}?watch=true&resourceVersion={}",
            server.current_resource_version()
        ))
        .await;

    let (s, marked) = c.delete(&path, None).await;
    assert_eq!(s, StatusCode::OK);
    let meta = &marked["metadata"];
    assert_eq!(meta["deletionGracePeriodSeconds"], 30);
    let grace = seconds_between(
        created["metadata"]["creationTimestamp"].as_str().unwrap(),
        meta["deletionTimestamp"].as_str().unwrap(),
    );
    assert!(
        (30..=32).contains(&grace),
        "deletionTimestamp is now + 30s: {grace}"
    );
    assert_eq!(w.next_kind_name().await, ("MODIFIED".into(), "p".into()));
    let (s, still) = c.get(&path).await;
    assert_eq!(s, StatusCode::OK, "the pod stays during its grace period");
    assert_eq!(still["metadata"]["deletionGracePeriodSeconds"], 30);

    // A second delete cannot lengthen the grace; it answers with the pod as it is.
    let (s, again) = c
        .delete(&path, Some(json!({"gracePeriodSeconds": 60})))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["metadata"], still["metadata"]);
    // It may shorten it: the deletion moves earlier by the difference.
    let (_, shorter) = c
        .delete(&path, Some(json!({"gracePeriodSeconds": 20})))
        .await;
    assert_eq!(shorter["metadata"]["deletionGracePeriodSeconds"], 20);
    assert_eq!(
        seconds_between(
            meta["deletionTimestamp"].as_str().unwrap(),
            shorter["metadata"]["deletionTimestamp"].as_str().unwrap()
        ),
        -10
    );
    assert_eq!(w.next_kind_name().await, ("MODIFIED".into(), "p".into()));
    // Grace 0 (`kubectl delete --force --grace-period=0`): gone at once.
    let (s, _) = c
        .delete(&format!("{path}?gracePeriodSeconds=0"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(w.next_kind_name().await, ("DELETED".into(), "p".into()));
    assert_eq!(c.get(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unbound_and_explicitly_graceless_pods_go_at_once() {
    let server = slow_kubelet().await;
    let c = Client::admin(&server);
    c.post(PODS, pod("unbound", None)).await;
    let (s, gone) = c.delete(&format!("{PODS}/unbound"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(gone["metadata"]["name"], "unbound");
    assert_eq!(
        c.get(&format!("{PODS}/unbound")).await.0,
        StatusCode::NOT_FOUND
    );

    // The pod's own terminationGracePeriodSeconds is the default grace.
    let mut quick = pod("quick", Some("n1"));
    quick["spec"]["terminationGracePeriodSeconds"] = json!(0);
    c.post(PODS, quick).await;
    c.delete(&format!("{PODS}/quick"), None).await;
    assert_eq!(
        c.get(&format!("{PODS}/quick")).await.0,
        StatusCode::NOT_FOUND
    );
    let mut slow = pod("slow", Some("n1"));
    slow["spec"]["terminationGracePeriodSeconds"] = json!(120);
    c.post(PODS, slow).await;
    let (_, marked) = c.delete(&format!("{PODS}/slow"), None).await;
    assert_eq!(marked["metadata"]["deletionGracePeriodSeconds"], 120);

    // A dry run shows the marked pod and changes nothing.
    c.post(PODS, pod("dry", Some("n1"))).await;
    let (_, before) = c.get(&format!("{PODS}/dry")).await;
    let (s, shown) = c.delete(&format!("{PODS}/dry?dryRun=All"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(shown["metadata"]["deletionGracePeriodSeconds"], 30);
    assert_eq!(c.get(&format!("{PODS}/dry")).await.1, before);

    // Eviction deletes gracefully too.
    c.post(PODS, pod("evicted", Some("n1"))).await;
    let (s, _) = c
        .post(
            &format!("{PODS}/evicted/eviction"),
            json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "evicted"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, evicted) = c.get(&format!("{PODS}/evicted")).await;
    assert_eq!(evicted["metadata"]["deletionGracePeriodSeconds"], 30);
}

#[tokio::test]
async fn the_kubelet_removes_terminated_pods_and_finalizers_still_hold() {
    // Default delay: the pod goes right after it is marked.
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    c.post(PODS, pod("p", Some("n1"))).await;
    let mut w = c
        .watch(&format!(
            "{PODS}?watch=true&resourceVersion={}",
            server.current_resource_version()
        ))
        .await;
    let (s, marked) = c.delete(&format!("{PODS}/p"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(marked["metadata"]["deletionGracePeriodSeconds"], 30);
    assert_eq!(w.next_kind_name().await, ("MODIFIED".into(), "p".into()));
    assert_eq!(w.next_kind_name().await, ("DELETED".into(), "p".into()));

    // A finalizer keeps the pod after the kubelet is done (grace 0), until it is removed.
    let mut held = pod("held", Some("n1"));
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    c.post(PODS, held).await;
    assert_eq!(w.next_kind_name().await, ("ADDED".into(), "held".into()));
    c.delete(&format!("{PODS}/held"), None).await;
    assert_eq!(w.next_kind_name().await, ("MODIFIED".into(), "held".into()));
    let event = w.next().await.unwrap();
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["metadata"]["deletionGracePeriodSeconds"], 0);
    let (s, _) = c
        .patch(
            &format!("{PODS}/held"),
            "application/merge-patch+json",
            json!({"metadata": {"finalizers": null}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(w.next_kind_name().await, ("DELETED".into(), "held".into()));
}

#[tokio::test]
async fn removing_finalizers_during_the_grace_period_leaves_the_pod_to_the_kubelet() {
    let server = slow_kubelet().await;
    let c = Client::admin(&server);
    let mut held = pod("held", Some("n1"));
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    c.post(PODS, held).await;
    c.delete(&format!("{PODS}/held"), None).await;
    c.patch(
        &format!("{PODS}/held"),
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": null}}),
    )
    .await;
    let (s, pod) = c.get(&format!("{PODS}/held")).await;
    assert_eq!(s, StatusCode::OK, "still terminating: {pod}");
    assert_eq!(pod["metadata"]["deletionGracePeriodSeconds"], 30);
    c.delete(&format!("{PODS}/held?gracePeriodSeconds=0"), None)
        .await;
    assert_eq!(
        c.get(&format!("{PODS}/held")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn kubectl_delete_of_a_bound_pod_does_not_wait_for_the_grace_period() {
    let Some(env) = Env::start().await else {
        return;
    };
    let manifest = serde_json::to_string(&pod("web", Some("n1"))).unwrap();
    env.run_with(&["create", "-f", "-"], &manifest).await;
    let out = tokio::time::timeout(Duration::from_secs(20), env.run(&["delete", "pod", "web"]))
        .await
        .expect("kubectl delete waited for the grace period");
    assert_eq!(out.trim(), "pod \"web\" deleted");
    let (ok, _, err) = env.try_run(&["get", "pod", "web"], None).await;
    assert!(!ok);
    assert!(err.contains("pods \"web\" not found"), "{err}");
}
