//! Black-box tests of watches against a local plain-HTTP server sending chunked bodies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client_support;

use bytes::Bytes;
use client_support::{TestServer, chunked, respond, status};
use futures_util::StreamExt;
use kclient_apimachinery::options::ListOptions;
use kclient_apimachinery::{WatchEvent, WatchEventType};
use kclient_rest::Error;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Pod {
    metadata: Meta,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    #[serde(default)]
    name: String,
    resource_version: String,
}

const EVENTS: &str = concat!(
    r#"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"ns","resourceVersion":"10"}}}"#,
    "\n",
    r#"{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"ns","resourceVersion":"11"}}}"#,
    "\n",
    r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12"}}}"#,
    "\n",
    r#"{"type":"DELETED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"ns","resourceVersion":"13"}}}"#,
    "\n",
);

/// Splits `text` into chunks of `size` bytes, so events straddle chunk boundaries.
fn pieces(text: &str, size: usize) -> Vec<Bytes> {
    text.as_bytes()
        .chunks(size)
        .map(Bytes::copy_from_slice)
        .collect()
}

async fn watch_server(chunks: Vec<Bytes>) -> TestServer {
    TestServer::start(move |_| {
        let chunks = chunks.clone();
        async move { chunked(200, "application/json", chunks) }
    })
    .await
}

#[tokio::test]
async fn events_split_across_chunks_arrive_in_order_and_the_stream_ends_cleanly() {
    let server = watch_server(pieces(EVENTS, 37)).await;
    let events: Vec<_> = server
        .client()
        .get()
        .namespace("ns")
        .resource("pods")
        .versioned_params(
            &ListOptions::default()
                .watch()
                .allow_watch_bookmarks()
                .resource_version("10"),
        )
        .watch::<Pod>()
        .await
        .unwrap()
        .collect()
        .await;
    let events: Vec<WatchEvent<Pod>> = events.into_iter().map(Result::unwrap).collect();
    let summary: Vec<_> = events
        .iter()
        .map(|e| match e {
            WatchEvent::Added(p)
            | WatchEvent::Modified(p)
            | WatchEvent::Deleted(p)
            | WatchEvent::Bookmark(p) => (e.event_type(), p.metadata.resource_version.clone()),
            WatchEvent::Error(_) => panic!("unexpected error event"),
        })
        .collect();
    assert_eq!(
        summary,
        [
            (WatchEventType::Added, "10".to_string()),
            (WatchEventType::Modified, "11".to_string()),
            (WatchEventType::Bookmark, "12".to_string()),
            (WatchEventType::Deleted, "13".to_string()),
        ]
    );
    assert_eq!(
        server.seen()[0].uri,
        "/api/v1/namespaces/ns/pods?allowWatchBookmarks=true&resourceVersion=10&watch=true"
    );
}

#[tokio::test]
async fn error_events_carry_the_servers_status() {
    let body = concat!(
        r#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}"#,
        r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#,
    );
    let server = watch_server(pieces(body, 50)).await;
    let mut stream = server
        .client()
        .get()
        .resource("pods")
        .watch::<Pod>()
        .await
        .unwrap();
    assert!(matches!(
        stream.next().await,
        Some(Ok(WatchEvent::Added(_)))
    ));
    match stream.next().await {
        Some(Ok(WatchEvent::Error(status))) => {
            assert_eq!(status.reason(), "Expired");
            assert_eq!(status.code(), 410);
            assert_eq!(
                status.message.as_deref(),
                Some("too old resource version: 1 (5)")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn a_watch_refused_by_the_server_is_a_status_error() {
    let server = TestServer::start(|_| async { status(410, "Gone", "too old") }).await;
    let err = server
        .client()
        .get()
        .resource("pods")
        .watch::<Pod>()
        .await
        .unwrap_err();
    assert!(err.is_gone(), "{err:?}");

    let server = TestServer::start(|_| async { respond(500, "text/plain", "boom") }).await;
    let err = server
        .client()
        .get()
        .resource("pods")
        .max_retries(0)
        .watch::<Pod>()
        .await
        .unwrap_err();
    match err {
        Error::UnexpectedResponse { code, excerpt, .. } => {
            assert_eq!(code, 500);
            assert_eq!(excerpt, "boom");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn unknown_event_types_and_oversized_events_end_the_watch_with_an_error() {
    let body = r#"{"type":"SURPRISE","object":{"metadata":{"resourceVersion":"1"}}}"#;
    let server = watch_server(pieces(body, 10)).await;
    let events: Vec<_> = server
        .client()
        .get()
        .resource("pods")
        .watch::<Pod>()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(events.len(), 1);
    assert!(
        matches!(events[0], Err(Error::Decode { .. })),
        "{:?}",
        events[0]
    );

    let server = watch_server(pieces(EVENTS, 64)).await;
    let events: Vec<_> = server
        .client()
        .get()
        .resource("pods")
        .watch::<Pod>()
        .await
        .unwrap()
        .max_frame_size(64)
        .collect()
        .await;
    assert_eq!(events.len(), 1);
    assert!(
        matches!(events[0], Err(Error::WatchFrameTooLarge { max: 64, .. })),
        "{:?}",
        events[0]
    );
}
