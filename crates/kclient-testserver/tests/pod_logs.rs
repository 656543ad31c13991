//! `pods/log` of a running pod over plain HTTP: option validation as `ValidatePodLogOptions`,
//! `previous`, and a followed log that ends when the pod is deleted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use http::{Method, StatusCode};
use http_body_util::BodyExt;
use kclient_testserver::TestServer;
use serde_json::json;
use support::Client;

const PODS: &str = "/api/v1/namespaces/default/pods";

async fn running_pod() -> (TestServer, Client) {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    c.post("/api/v1/nodes", json!({"metadata": {"name": "n1"}}))
        .await;
    let pod = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1",
        "containers": [{"name": "c", "image": "nginx:1.27"}]}});
    c.post(PODS, pod).await;
    for _ in 0..100 {
        if c.get(&format!("{PODS}/p")).await.1["status"]["phase"] == "Running" {
            return (server, c);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the pod did not start");
}

#[tokio::test]
async fn options_are_validated_like_the_real_server() {
    let (_server, c) = running_pod().await;
    let (s, body) = c.get(&format!("{PODS}/p/log?tailLines=-1")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        "PodLogOptions \"p\" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0"
    );
    let (s, body) = c.get(&format!("{PODS}/p/log?limitBytes=0")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("limitBytes: Invalid value: 0: must be greater than 0")
    );
    let (s, _) = c
        .get(&format!(
            "{PODS}/p/log?sinceSeconds=10&sinceTime=2026-01-01T00:00:00Z"
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, body) = c.get(&format!("{PODS}/p/log?previous=true")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "previous terminated container \"c\" in pod \"p\" not found"
    );
    let resp = c
        .raw(Method::GET, &format!("{PODS}/p/log"), &[], None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/plain");
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        body.as_ref(),
        b"kclient-testserver: container c started (image nginx:1.27)\n"
    );
}

#[tokio::test]
async fn a_followed_log_ends_when_the_pod_is_deleted() {
    let (server, c) = running_pod().await;
    let resp = c
        .raw(
            Method::GET,
            &format!("{PODS}/p/log?follow=true&timestamps=true"),
            &[],
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(
        String::from_utf8_lossy(&first)
            .ends_with("Z kclient-testserver: container c started (image nginx:1.27)\n")
    );
    let deleter = Client::admin(&server);
    deleter
        .delete(&format!("{PODS}/p?gracePeriodSeconds=0"), None)
        .await;
    let rest = tokio::time::timeout(Duration::from_secs(5), body.collect())
        .await
        .expect("the followed log did not end")
        .unwrap();
    assert!(rest.to_bytes().is_empty());
}

#[tokio::test]
async fn the_main_process_runs_the_container_command() {
    let server = TestServer::start().await.unwrap();
    let c = Client::admin(&server);
    c.post("/api/v1/nodes", json!({"metadata": {"name": "n1"}}))
        .await;
    let pod = json!({"metadata": {"name": "job"}, "spec": {"nodeName": "n1",
        "containers": [{"name": "c", "image": "busybox",
            "command": ["sh", "-c"], "args": ["echo first; echo err >&2; echo $MODE"],
            "env": [{"name": "MODE", "value": "batch"}]}]}});
    c.post(PODS, pod).await;
    let mut text = String::new();
    for _ in 0..100 {
        let resp = c
            .raw(Method::GET, &format!("{PODS}/job/log"), &[], None)
            .await;
        if resp.status() == StatusCode::OK {
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            text = String::from_utf8_lossy(&body).into_owned();
            if text.lines().count() == 3 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(text, "first\nerr\nbatch\n");
}
