//! Black-box tests of requests against a local plain-HTTP server: decoding, errors, raw bodies,
//! streams and timeouts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client_support;

use std::time::Duration;

use bytes::Bytes;
use client_support::{Seen, TestServer, chunked, json, respond, status};
use futures_util::StreamExt;
use kclient_rest::{Error, PatchType};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncBufReadExt;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct PodList {
    metadata: ListMeta,
    items: Vec<Pod>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct ListMeta {
    resource_version: String,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Pod {
    metadata: Meta,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Meta {
    name: String,
}

fn pod_list(count: usize) -> serde_json::Value {
    let items: Vec<_> = (0..count)
        .map(|i| serde_json::json!({"metadata": {"name": format!("pod-{i}")}, "spec": {"nodeName": "n1"}}))
        .collect();
    serde_json::json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "42"}, "items": items})
}

#[tokio::test]
async fn lists_decode_into_typed_structs() {
    let server = TestServer::start(|_| async { json(200, &pod_list(3)) }).await;
    let list: PodList = server
        .client()
        .get()
        .namespace("default")
        .resource("pods")
        .param("limit", "100")
        .object()
        .await
        .unwrap();
    assert_eq!(list.metadata.resource_version, "42");
    assert_eq!(list.items.len(), 3);
    assert_eq!(list.items[1].metadata.name, "pod-1");

    let seen = server.seen();
    assert_eq!(seen[0].uri, "/api/v1/namespaces/default/pods?limit=100");
    assert_eq!(seen[0].headers["accept"], "application/json, */*");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_lists_stream_through_the_decoder() {
    let body = serde_json::to_vec(&pod_list(20_000)).unwrap();
    assert!(body.len() > 1024 * 1024);
    let chunks: Vec<Bytes> = body.chunks(64 * 1024).map(Bytes::copy_from_slice).collect();
    let server = TestServer::start(move |_| {
        let chunks = chunks.clone();
        async move { chunked(200, "application/json", chunks) }
    })
    .await;
    let list: PodList = server
        .client()
        .get()
        .resource("pods")
        .object()
        .await
        .unwrap();
    assert_eq!(list.items.len(), 20_000);
    assert_eq!(list.items[19_999].metadata.name, "pod-19999");
}

#[tokio::test]
async fn a_404_status_is_not_found_with_the_servers_message() {
    let server =
        TestServer::start(|_| async { status(404, "NotFound", "pods \"nope\" not found") }).await;
    let err = server
        .client()
        .get()
        .namespace("default")
        .resource("pods")
        .name("nope")
        .object::<Pod>()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.code(), Some(404));
    assert_eq!(err.reason(), Some("NotFound"));
    let status = err.status().unwrap();
    assert_eq!(status.message.as_deref(), Some("pods \"nope\" not found"));
    let text = err.to_string();
    assert!(text.contains("pods \"nope\" not found"), "{text}");
    assert!(
        text.contains("/api/v1/namespaces/default/pods/nope"),
        "{text}"
    );
}

#[tokio::test]
async fn conflicts_and_gone_are_classified() {
    let server = TestServer::start(|seen: Seen| async move {
        match seen.method {
            http::Method::PUT => status(409, "Conflict", "the object has been modified"),
            http::Method::POST => status(409, "AlreadyExists", "pods \"a\" already exists"),
            _ => status(410, "Expired", "too old resource version: 1 (5)"),
        }
    })
    .await;
    let client = server.client();
    let pod = Pod {
        metadata: Meta { name: "a".into() },
    };
    let err = client
        .put()
        .namespace("ns")
        .resource("pods")
        .name("a")
        .body(&pod)
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_conflict() && !err.is_already_exists(), "{err:?}");

    let err = client
        .post()
        .namespace("ns")
        .resource("pods")
        .body(&pod)
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_already_exists() && !err.is_conflict(), "{err:?}");

    let err = client
        .get()
        .resource("pods")
        .param("resourceVersion", "1")
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_gone() && err.is_resource_expired(), "{err:?}");

    let seen = server.seen();
    assert_eq!(seen[0].headers["content-type"], "application/json");
    assert_eq!(&seen[0].body[..], br#"{"metadata":{"name":"a"}}"#);
}

#[tokio::test]
async fn a_non_status_error_body_becomes_a_bounded_excerpt() {
    let page = format!(
        "<html><body><h1>502 Bad Gateway</h1>{}</body></html>",
        "padding ".repeat(1000)
    );
    let server = TestServer::start(move |_| {
        let page = page.clone();
        async move { respond(502, "text/html", page) }
    })
    .await;
    let err = server
        .client()
        .get()
        .resource("pods")
        .bytes()
        .await
        .unwrap_err();
    match &err {
        Error::UnexpectedResponse {
            code,
            content_type,
            excerpt,
            ..
        } => {
            assert_eq!(*code, 502);
            assert_eq!(content_type.as_deref(), Some("text/html"));
            assert!(excerpt.starts_with("<html><body><h1>502 Bad Gateway</h1>"));
            assert!(excerpt.len() <= 1024, "{}", excerpt.len());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_server_error());
    assert!(err.status().is_none());
}

#[tokio::test]
async fn a_failure_status_in_a_200_is_an_error() {
    let server = TestServer::start(|_| async {
        json(
            200,
            &serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                "reason": "Invalid", "message": "bad", "code": 422}),
        )
    })
    .await;
    let err = server
        .client()
        .get()
        .resource("pods")
        .object::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
}

#[tokio::test]
async fn patch_bytes_and_response_metadata() {
    let server = TestServer::start(|seen: Seen| async move {
        let mut response = respond(201, "application/json", seen.body);
        response.headers_mut().append(
            "warning",
            http::HeaderValue::from_static("299 - \"v1 is deprecated\""),
        );
        response
    })
    .await;
    let response = server
        .client()
        .patch(PatchType::Merge)
        .namespace("ns")
        .resource("pods")
        .name("a")
        .body(&serde_json::json!({"metadata": {"labels": {"x": "y"}}}))
        .send()
        .await
        .unwrap();
    assert!(response.was_created());
    assert_eq!(response.content_type(), Some("application/json"));
    let warnings = response.warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        (
            warnings[0].code,
            warnings[0].agent.as_str(),
            warnings[0].text.as_str()
        ),
        (299, "-", "v1 is deprecated")
    );
    let body = response.into_bytes().await.unwrap();
    assert_eq!(&body[..], br#"{"metadata":{"labels":{"x":"y"}}}"#);
    assert_eq!(
        server.seen()[0].headers["content-type"],
        "application/merge-patch+json"
    );
}

#[tokio::test]
async fn logs_stream_line_by_line() {
    let chunks = vec![
        Bytes::from_static(b"line one\nline "),
        Bytes::from_static(b"two\n"),
        Bytes::from_static(b"line three\n"),
    ];
    let server = TestServer::start(move |_| {
        let chunks = chunks.clone();
        async move { chunked(200, "text/plain", chunks) }
    })
    .await;
    let request = || {
        server
            .client()
            .get()
            .namespace("ns")
            .resource("pods")
            .name("p")
            .subresource("log")
            .param("follow", "true")
    };
    let mut lines = request().stream().await.unwrap().lines();
    let mut got = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        got.push(line);
    }
    assert_eq!(got, ["line one", "line two", "line three"]);

    let chunks: Vec<Bytes> = request()
        .stream()
        .await
        .unwrap()
        .map(|c| c.unwrap())
        .collect()
        .await;
    assert_eq!(chunks.concat(), b"line one\nline two\nline three\n");
    assert_eq!(
        server.seen()[0].uri,
        "/api/v1/namespaces/ns/pods/p/log?follow=true"
    );
}

#[tokio::test]
async fn timeouts_are_sent_and_enforced() {
    let server = TestServer::start(|_| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        json(200, &serde_json::json!({}))
    })
    .await;
    let err = server
        .client()
        .get()
        .resource("pods")
        .timeout(Duration::from_millis(200))
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(server.seen()[0].uri, "/api/v1/pods?timeout=200ms");
}

#[tokio::test]
async fn invalid_requests_fail_before_sending() {
    let server = TestServer::start(|_| async { json(200, &serde_json::json!({})) }).await;
    let err = server
        .client()
        .post()
        .namespace("")
        .resource("pods")
        .body(&serde_json::json!({}))
        .bytes()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(server.seen().is_empty());
}
