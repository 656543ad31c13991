//! Containers whose main process ends: the simulated kubelet reports `terminated` states
//! (exit code, `Completed`/`Error`), restarts per `restartPolicy` (restart count, last state,
//! `previous` logs), sets the phase to `Succeeded`/`Failed` when nothing is left to run, ends
//! log follows with the container, and refuses exec into a container that is not running.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use http::{Method, StatusCode};
use http_body_util::BodyExt;
use kclient_testserver::TestServer;
use serde_json::{Value, json};
use support::Client;

const PODS: &str = "/api/v1/namespaces/default/pods";

async fn setup() -> (TestServer, Client) {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}});
    assert_eq!(c.post("/api/v1/nodes", node).await.0, StatusCode::CREATED);
    (server, c)
}

async fn create(c: &Client, name: &str, policy: &str, script: &str) {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"nodeName": "n1", "restartPolicy": policy, "containers": [{"name": "app",
        "image": "busybox:1.36", "command": ["sh", "-c", script]}]}});
    assert_eq!(c.post(PODS, pod).await.0, StatusCode::CREATED);
}

/// Polls the pod until `done` holds (10 s at most); the last pod read.
async fn wait_for(c: &Client, name: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, pod) = c.get(&format!("{PODS}/{name}")).await;
        if done(&pod) {
            return pod;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "pod never got there: {}",
            pod["status"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn log(c: &Client, name: &str, query: &str) -> (StatusCode, String) {
    let resp = c
        .raw(Method::GET, &format!("{PODS}/{name}/log{query}"), &[], None)
        .await;
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn an_exit_under_restart_policy_never_fails_or_succeeds_the_pod() {
    let (_server, c) = setup().await;
    create(&c, "fails", "Never", "echo hi; exit 2").await;
    create(&c, "works", "Never", "echo done").await;

    let pod = wait_for(&c, "fails", |p| p["status"]["phase"] == "Failed").await;
    let cs = &pod["status"]["containerStatuses"][0];
    let t = &cs["state"]["terminated"];
    assert_eq!(t["exitCode"], 2);
    assert_eq!(t["reason"], "Error");
    assert!(t["finishedAt"].is_string() && t["startedAt"].is_string());
    assert_eq!(t["containerID"], cs["containerID"]);
    assert_eq!(cs["ready"], false);
    assert_eq!(cs["restartCount"], 0);
    let ready = pod["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap();
    assert_eq!(ready["status"], "False");
    assert_eq!(ready["reason"], "PodCompleted");

    let pod = wait_for(&c, "works", |p| p["status"]["phase"] == "Succeeded").await;
    let t = &pod["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(
        (t["exitCode"].clone(), t["reason"].clone()),
        (json!(0), json!("Completed"))
    );

    // The terminated container's log is still there; there is no previous instance.
    assert_eq!(log(&c, "fails", "").await, (StatusCode::OK, "hi\n".into()));
    let (code, body) = log(&c, "fails", "?previous=true").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("previous terminated container \\\"app\\\" in pod \\\"fails\\\" not found"),
        "{body}"
    );
    // Following a terminated container's log returns what there is and ends.
    let follow = tokio::time::timeout(Duration::from_secs(5), log(&c, "fails", "?follow=true"));
    assert_eq!(
        follow.await.expect("follow ends"),
        (StatusCode::OK, "hi\n".into())
    );

    // No exec into a container that is not running.
    let resp = c
        .raw(
            Method::GET,
            &format!("{PODS}/fails/exec?command=true&stdout=true"),
            &[
                ("connection", "Upgrade"),
                ("upgrade", "websocket"),
                ("sec-websocket-version", "13"),
                ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ("sec-websocket-protocol", "v5.channel.k8s.io"),
            ],
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["message"], "container not found (\"app\")");
}

#[tokio::test]
async fn a_failed_container_restarts_and_keeps_its_previous_log() {
    let (_server, c) = setup().await;
    create(&c, "crash", "OnFailure", "echo attempt; exit 1").await;
    let pod = wait_for(&c, "crash", |p| {
        p["status"]["containerStatuses"][0]["restartCount"]
            .as_u64()
            .is_some_and(|n| n >= 1)
    })
    .await;
    let cs = &pod["status"]["containerStatuses"][0];
    assert_eq!(pod["status"]["phase"], "Running");
    let last = &cs["lastState"]["terminated"];
    assert_eq!(
        (last["exitCode"].clone(), last["reason"].clone()),
        (json!(1), json!("Error"))
    );
    let state = cs["state"].as_object().unwrap();
    assert!(
        state.contains_key("running") || cs["state"]["waiting"]["reason"] == "CrashLoopBackOff",
        "{state:?}"
    );
    assert_eq!(
        log(&c, "crash", "?previous=true").await,
        (StatusCode::OK, "attempt\n".into())
    );
}

#[tokio::test]
async fn a_log_follow_ends_when_the_container_ends() {
    let (_server, c) = setup().await;
    create(&c, "job", "Never", "echo first; sleep 1; echo second").await;
    wait_for(&c, "job", |p| p["status"]["phase"] == "Running").await;
    let follow = log(&c, "job", "?follow=true");
    let (code, body) = tokio::time::timeout(Duration::from_secs(10), follow)
        .await
        .expect("the follow ends with the container");
    assert_eq!((code, body.as_str()), (StatusCode::OK, "first\nsecond\n"));
    wait_for(&c, "job", |p| p["status"]["phase"] == "Succeeded").await;
}
