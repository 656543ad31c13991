//! Tests of body decoding over in-memory bodies split into chunks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use futures_util::stream;
use http::Method;
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use serde::Deserialize;

use super::*;

fn ctx() -> RequestContext {
    RequestContext::new(Method::GET, "http://h/api/v1/pods".into(), None)
}

fn body_of(chunks: Vec<Result<Bytes, BoxError>>) -> ResponseBody {
    StreamBody::new(stream::iter(chunks.into_iter().map(|c| c.map(Frame::data)))).boxed_unsync()
}

fn chunked(bytes: &[u8], size: usize) -> ResponseBody {
    body_of(
        bytes
            .chunks(size)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect(),
    )
}

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    name: String,
    n: u64,
}

#[derive(Debug, Deserialize, PartialEq)]
struct List {
    kind: String,
    items: Vec<Item>,
}

fn list_json(count: usize) -> Vec<u8> {
    let items: Vec<_> = (0..count)
        .map(|i| serde_json::json!({"name": format!("item-{i}"), "n": i, "extra": "x".repeat(50)}))
        .collect();
    serde_json::to_vec(&serde_json::json!({"kind": "ItemList", "items": items})).unwrap()
}

#[tokio::test]
async fn small_bodies_take_the_fast_path() {
    let json = list_json(3);
    assert!(json.len() < FAST_PATH_LIMIT);
    let list: List = decode_object(chunked(&json, 7), 200, &ctx()).await.unwrap();
    assert_eq!(list.items.len(), 3);
    assert_eq!(
        list.items[2],
        Item {
            name: "item-2".into(),
            n: 2
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_stream_through_the_blocking_decoder() {
    let json = list_json(10_000);
    assert!(json.len() > 2 * FAST_PATH_LIMIT);
    for chunk_size in [1000, 16 * 1024, 300_000] {
        let list: List = decode_object(chunked(&json, chunk_size), 200, &ctx())
            .await
            .unwrap();
        assert_eq!(list.kind, "ItemList");
        assert_eq!(list.items.len(), 10_000);
        assert_eq!(list.items[9_999].name, "item-9999");
    }
}

#[tokio::test]
async fn large_bodies_decode_on_a_current_thread_runtime_too() {
    let json = list_json(5_000);
    let list: List = decode_object(chunked(&json, 4096), 200, &ctx())
        .await
        .unwrap();
    assert_eq!(list.items.len(), 5_000);
}

#[tokio::test]
async fn a_failure_status_in_a_success_response_is_an_error() {
    let body = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"nope","reason":"Conflict","code":409}"#;
    let err = decode_object::<serde_json::Value>(chunked(body, 10), 200, &ctx())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    // A success Status decodes normally.
    let ok = br#"{"kind":"Status","apiVersion":"v1","status":"Success"}"#;
    let v: serde_json::Value = decode_object(chunked(ok, 10), 200, &ctx()).await.unwrap();
    assert_eq!(v["status"], "Success");
}

#[tokio::test]
async fn decode_errors_name_the_type_and_request() {
    let err = decode_object::<List>(chunked(b"", 1), 200, &ctx())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("List") && text.contains("http://h/api/v1/pods"),
        "{text}"
    );

    let json = String::from_utf8(list_json(10_000)).unwrap();
    let at = json[json.len() / 2..].find("},{").unwrap() + json.len() / 2;
    let broken = format!("{}}}!{{{}", &json[..at], &json[at + 3..]);
    let Err(err) = decode_object::<List>(chunked(broken.as_bytes(), 8192), 200, &ctx()).await
    else {
        panic!("a syntax error must fail the decode");
    };
    match err {
        Error::Decode { source, .. } => {
            let text = source.to_string();
            assert!(text.contains("expected ',' or ']'"), "{text}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_broken_connection_is_a_read_error_not_a_decode_error() {
    let json = list_json(10_000);
    let mut chunks: Vec<Result<Bytes, BoxError>> = json[..json.len() / 2]
        .chunks(8192)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    chunks.push(Err("connection reset".into()));
    let err = decode_object::<List>(body_of(chunks), 200, &ctx())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ReadBody { .. }), "{err:?}");
    let small = vec![Ok(Bytes::from_static(b"{\"a\":")), Err("reset".into())];
    let err = decode_object::<serde_json::Value>(body_of(small), 200, &ctx())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ReadBody { .. }), "{err:?}");
}

#[tokio::test]
async fn collect_joins_chunks_in_order() {
    let json = list_json(100);
    for size in [1usize, 7, 4096, json.len()] {
        let bytes = collect(chunked(&json, size), &ctx()).await.unwrap();
        assert_eq!(&bytes[..], &json[..], "chunks of {size}");
    }
    assert!(collect(body_of(vec![]), &ctx()).await.unwrap().is_empty());
}
