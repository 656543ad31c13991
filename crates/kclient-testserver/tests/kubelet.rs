//! The simulated kubelet: pods bound to an existing node become Running (a MODIFIED event with
//! the status a kubelet writes); pods on a missing node stay Pending until the node appears.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use http::StatusCode;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;

const PODS: &str = "/api/v1/namespaces/default/pods";

fn pod(name: &str, node: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox:1.36"}]}})
}

fn node(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
}

async fn modified(w: &mut support::Watch) -> Value {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), w.next())
            .await
            .expect("no event within 10s")
            .expect("watch ended");
        if event["type"] == "MODIFIED" {
            return event["object"].clone();
        }
    }
}

#[tokio::test]
async fn a_pod_bound_to_a_node_becomes_running_after_the_start_delay() {
    let server = TestServer::builder()
        .kubelet_start_delay(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let c = Client::admin(&server);
    assert_eq!(
        c.post("/api/v1/nodes", node("n1")).await.0,
        StatusCode::CREATED
    );
    let mut w = c.watch(&format!("{PODS}?watch=true")).await;
    let (s, created) = c.post(PODS, pod("p", "n1")).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(created["status"]["phase"], "Pending");

    let running = modified(&mut w).await;
    let status = &running["status"];
    assert_eq!(status["phase"], "Running");
    assert_eq!(status["hostIP"], "10.0.0.1");
    assert!(status["podIP"].as_str().unwrap().starts_with("10.244."));
    let conditions: Vec<(&str, &str)> = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["type"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    for kind in ["Initialized", "Ready", "ContainersReady", "PodScheduled"] {
        assert!(conditions.contains(&(kind, "True")), "{conditions:?}");
    }
    let c0 = &status["containerStatuses"][0];
    assert_eq!(c0["name"], "c");
    assert!(c0["state"]["running"]["startedAt"].is_string());
    assert_eq!(c0["ready"], true);
    assert_eq!(c0["started"], true);
    assert_eq!(c0["restartCount"], 0);
    assert_eq!(c0["image"], "docker.io/library/busybox:1.36");
    assert!(
        c0["containerID"]
            .as_str()
            .unwrap()
            .starts_with("containerd://")
    );
    let (_, got) = c.get(&format!("{PODS}/p")).await;
    assert_eq!(got["status"]["phase"], "Running");
}

#[tokio::test]
async fn pods_wait_for_their_node_and_unbound_pods_stay_pending() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    c.post(PODS, pod("early", "n2")).await;
    let mut unbound = pod("unbound", "");
    unbound["spec"].as_object_mut().unwrap().remove("nodeName");
    c.post(PODS, unbound).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        c.get(&format!("{PODS}/early")).await.1["status"]["phase"],
        "Pending"
    );

    let mut w = c
        .watch(&format!(
            "{PODS}?watch=true&fieldSelector=metadata.name%3Dearly"
        ))
        .await;
    assert_eq!(
        c.post("/api/v1/nodes", node("n2")).await.0,
        StatusCode::CREATED
    );
    assert_eq!(modified(&mut w).await["status"]["phase"], "Running");
    assert_eq!(
        c.get(&format!("{PODS}/unbound")).await.1["status"]["phase"],
        "Pending"
    );
}
