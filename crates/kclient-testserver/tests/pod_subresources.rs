//! The pod subresources `eviction` (policy/v1) and `log` as a server without kubelets answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;

const PODS: &str = "/api/v1/namespaces/default/pods";

fn pod(name: &str, node: Option<&str>, containers: &[&str]) -> Value {
    let cs: Vec<Value> = containers
        .iter()
        .map(|c| json!({"name": c, "image": "nginx"}))
        .collect();
    let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": cs}});
    if let Some(n) = node {
        p["spec"]["nodeName"] = json!(n);
    }
    p
}

fn eviction(name: &str) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}})
}

#[tokio::test]
async fn eviction_deletes_the_pod() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    assert_eq!(
        c.post(PODS, pod("p", None, &["c"])).await.0,
        StatusCode::CREATED
    );

    let (s, body) = c
        .post(&format!("{PODS}/missing/eviction"), eviction("missing"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "pods \"missing\" not found");

    let (s, body) = c.post(&format!("{PODS}/p/eviction"), eviction("q")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "name in URL does not match name in Eviction object"
    );

    // deleteOptions are respected: a failed precondition keeps the pod.
    let mut ev = eviction("p");
    ev["deleteOptions"] = json!({"preconditions": {"uid": "nope"}});
    let (s, _) = c.post(&format!("{PODS}/p/eviction"), ev).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let mut ev = eviction("p");
    ev["deleteOptions"] = json!({"dryRun": ["All"]});
    assert_eq!(
        c.post(&format!("{PODS}/p/eviction"), ev).await.0,
        StatusCode::CREATED
    );
    assert_eq!(c.get(&format!("{PODS}/p")).await.0, StatusCode::OK);

    let (s, body) = c.post(&format!("{PODS}/p/eviction"), eviction("p")).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})
    );
    assert_eq!(c.get(&format!("{PODS}/p")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn logs_answer_like_a_cluster_without_kubelets() {
    // The kubelet of node-1 takes an hour to start containers: they stay ContainerCreating.
    let server = TestServer::builder()
        .kubelet_start_delay(std::time::Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let c = Client::admin(&server);
    c.post(PODS, pod("pending", None, &["c"])).await;
    c.post(PODS, pod("two", None, &["a", "b"])).await;
    c.post(PODS, pod("placed", Some("node-1"), &["c"])).await;

    let (s, body) = c.get(&format!("{PODS}/pending/log")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "pod pending does not have a host assigned");
    let (_, body) = c.get(&format!("{PODS}/two/log")).await;
    assert_eq!(
        body["message"],
        "a container name must be specified for pod two, choose one of: [a b]"
    );
    let (_, body) = c.get(&format!("{PODS}/two/log?container=z")).await;
    assert_eq!(body["message"], "container z is not valid for pod two");
    let (s, body) = c.get(&format!("{PODS}/missing/log")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");

    // Scheduled on a node that does not exist, then on one that does.
    let (s, body) = c.get(&format!("{PODS}/placed/log")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "nodes \"node-1\" not found");
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}});
    assert_eq!(c.post("/api/v1/nodes", node).await.0, StatusCode::CREATED);
    let (s, body) = c.get(&format!("{PODS}/placed/log")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "container \"c\" in pod \"placed\" is waiting to start: ContainerCreating"
    );
}
