//! Tests of `WatchStream` over in-memory chunked bodies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http::Method;
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use kclient_apimachinery::{WatchEvent, WatchEventType};
use serde::Deserialize;

use super::*;
use crate::BoxError;

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Obj {
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
    r#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}"#,
    "\n",
    r#"{"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"2"}}}"#,
    r#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"3"}}}"#,
    "\n",
    r#"{"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"4"}}}"#,
    "\n",
    r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#,
    "\n",
);

fn watch_of(chunks: Vec<Result<Bytes, BoxError>>) -> WatchStream<Obj> {
    let body = StreamBody::new(stream::iter(chunks.into_iter().map(|c| c.map(Frame::data))))
        .boxed_unsync();
    let ctx = RequestContext::new(Method::GET, "http://h/api/v1/pods?watch=true".into(), None);
    WatchStream::new(body, ctx)
}

fn split(bytes: &[u8], cuts: &[usize]) -> Vec<Result<Bytes, BoxError>> {
    let mut out = Vec::new();
    let mut last = 0;
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        out.push(Ok(Bytes::copy_from_slice(&bytes[last..cut])));
        last = cut;
    }
    out
}

async fn collect(stream: WatchStream<Obj>) -> Vec<Result<WatchEvent<Obj>, Error>> {
    stream.collect().await
}

fn check_events(events: &[Result<WatchEvent<Obj>, Error>]) {
    let types: Vec<_> = events
        .iter()
        .map(|e| e.as_ref().unwrap().event_type())
        .collect();
    assert_eq!(
        types,
        [
            WatchEventType::Added,
            WatchEventType::Modified,
            WatchEventType::Bookmark,
            WatchEventType::Deleted,
            WatchEventType::Error
        ]
    );
    match &events[2] {
        Ok(WatchEvent::Bookmark(o)) => assert_eq!(o.metadata.resource_version, "3"),
        other => panic!("{other:?}"),
    }
    match &events[4] {
        Ok(WatchEvent::Error(status)) => {
            assert_eq!(status.reason(), "Expired");
            assert_eq!(status.code(), 410);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn events_split_at_every_boundary_decode_identically() {
    let bytes = EVENTS.as_bytes();
    for cut in 0..=bytes.len() {
        let events = collect(watch_of(split(bytes, &[cut]))).await;
        check_events(&events);
    }
}

#[tokio::test]
async fn events_split_randomly_decode_identically() {
    let bytes = EVENTS.as_bytes();
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..300 {
        let mut cuts: Vec<usize> = (0..rng.usize(0..30))
            .map(|_| rng.usize(0..=bytes.len()))
            .collect();
        cuts.sort_unstable();
        check_events(&collect(watch_of(split(bytes, &cuts))).await);
    }
}

#[tokio::test]
async fn unknown_event_types_are_decode_errors_and_end_the_stream() {
    let body = concat!(
        r#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}"#,
        r#"{"type":"RENAMED","object":{"metadata":{"name":"a","resourceVersion":"2"}}}"#,
        r#"{"type":"ADDED","object":{"metadata":{"name":"b","resourceVersion":"3"}}}"#,
    );
    let events = collect(watch_of(split(body.as_bytes(), &[]))).await;
    assert_eq!(events.len(), 2);
    assert!(events[0].is_ok());
    let err = events[1].as_ref().unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let source = std::error::Error::source(err).unwrap().to_string();
    assert!(source.contains("RENAMED"), "{source}");
}

#[tokio::test]
async fn oversized_events_fail_with_a_typed_error() {
    let events: Vec<_> = watch_of(split(EVENTS.as_bytes(), &[10, 50]))
        .max_frame_size(40)
        .collect()
        .await;
    assert_eq!(events.len(), 1);
    assert!(
        matches!(events[0], Err(Error::WatchFrameTooLarge { max: 40, .. })),
        "{:?}",
        events[0]
    );
}

#[tokio::test]
async fn truncated_streams_and_broken_connections_are_errors() {
    let half = &EVENTS.as_bytes()[..100];
    let events = collect(watch_of(split(half, &[]))).await;
    assert_eq!(events.len(), 2);
    assert!(
        matches!(events[1], Err(Error::WatchFraming { .. })),
        "{:?}",
        events[1]
    );

    let mut chunks = split(&EVENTS.as_bytes()[..100], &[]);
    chunks.push(Err("connection reset".into()));
    let events = collect(watch_of(chunks)).await;
    assert!(
        matches!(events[1], Err(Error::ReadBody { .. })),
        "{:?}",
        events[1]
    );
}

#[tokio::test]
async fn an_empty_body_is_a_clean_end() {
    assert!(collect(watch_of(vec![])).await.is_empty());
    assert!(collect(watch_of(split(b"\n\n", &[1]))).await.is_empty());
}

/// `n` ADDED events, one per line, resourceVersion = index.
fn many_events(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"type":"ADDED","object":{{"metadata":{{"name":"o{i}","resourceVersion":"{i}"}}}}}}"#
            ) + "\n"
        })
        .collect()
}

fn versions(events: &[Result<WatchEvent<Obj>, Error>]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Ok(WatchEvent::Added(o)) => o.metadata.resource_version.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_stream_is_decoded_in_parallel_and_in_order() {
    // Thousands of events at hand at once: decoded in jobs on the blocking pool.
    let body = many_events(3_000);
    let cuts: Vec<usize> = (1..body.len()).step_by(7_919).collect();
    let events = collect(watch_of(split(body.as_bytes(), &cuts))).await;
    let want: Vec<String> = (0..3_000).map(|i| i.to_string()).collect();
    assert_eq!(versions(&events), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_that_is_not_one_event_deep_in_a_fast_stream_is_framed_again() {
    // Line 1,500 holds two events and line 2,000 is spread over two lines: the stream must
    // still give every event once, in order, as the sequential decoder would.
    let mut body = many_events(3_000);
    body = body.replacen(
        "}}}\n{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"o1500\"",
        "}}}{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"o1500\"",
        1,
    );
    body = body.replacen("{\"name\":\"o2000\",", "{\"name\":\n\"o2000\",", 1);
    let events = collect(watch_of(split(body.as_bytes(), &[100_000]))).await;
    let want: Vec<String> = (0..3_000).map(|i| i.to_string()).collect();
    assert_eq!(versions(&events), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_after_many_events_comes_after_them() {
    let mut chunks = split(many_events(1_000).as_bytes(), &[50_000]);
    chunks.push(Err("connection reset".into()));
    let events = collect(watch_of(chunks)).await;
    assert_eq!(events.len(), 1_001);
    assert_eq!(
        versions(&events[..1_000]).last().map(String::as_str),
        Some("999")
    );
    assert!(events[1_000].is_err());
}

/// A body that never sends anything and records when it is dropped.
struct IdleBody(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl http_body::Body for IdleBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        std::task::Poll::Pending
    }
}

impl Drop for IdleBody {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_an_idle_watch_closes_its_body() {
    // The reader task must not keep an idle connection open once the stream is gone.
    let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let body = IdleBody(dropped.clone()).boxed_unsync();
    let ctx = RequestContext::new(Method::GET, "http://h/api/v1/pods?watch=true".into(), None);
    let mut stream: WatchStream<Obj> = WatchStream::new(body, ctx);
    let waited = tokio::time::timeout(std::time::Duration::from_millis(50), stream.next()).await;
    assert!(waited.is_err(), "an idle watch yields nothing");
    assert!(!dropped.load(std::sync::atomic::Ordering::SeqCst));
    drop(stream);
    for _ in 0..100 {
        if dropped.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the body of a dropped watch was not released");
}

/// An endless body of events in 64 KiB chunks that counts the bytes taken from it.
struct EndlessBody {
    chunk: Bytes,
    taken: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl http_body::Body for EndlessBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.taken
            .fetch_add(self.chunk.len(), std::sync::atomic::Ordering::SeqCst);
        std::task::Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_stops_reading_stops_the_reader() {
    // 64 KiB of whole events per chunk, forever.
    let event = r#"{"type":"ADDED","object":{"metadata":{"name":"o","resourceVersion":"1"}}}"#;
    let per_chunk = 64 * 1024 / (event.len() + 1);
    let chunk = Bytes::from(format!("{event}\n").repeat(per_chunk));
    let taken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let body = EndlessBody {
        chunk,
        taken: taken.clone(),
    }
    .boxed_unsync();
    let ctx = RequestContext::new(Method::GET, "http://h/api/v1/pods?watch=true".into(), None);
    let mut stream: WatchStream<Obj> = WatchStream::new(body, ctx);
    // Read a burst (the pipeline decodes in parallel), then stop reading.
    for _ in 0..50_000 {
        assert!(matches!(
            stream.next().await,
            Some(Ok(WatchEvent::Added(_)))
        ));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let stalled = taken.load(std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        taken.load(std::sync::atomic::Ordering::SeqCst),
        stalled,
        "the reader kept reading while nobody read the stream"
    );
    // What was read ahead of the consumer is bounded: the events handed out, plus at most the
    // reader's channel, the stream's read-ahead and the jobs' frames (a few MiB).
    let handed_out = 50_000 * (event.len() + 1);
    let ahead = stalled - handed_out;
    assert!(ahead < 6 * 1024 * 1024, "{ahead} bytes read ahead");
    // And reading resumes.
    assert!(matches!(
        stream.next().await,
        Some(Ok(WatchEvent::Added(_)))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_events_per_chunk_and_events_across_chunks_decode_in_order() {
    // 20,000 events (~1.6 MB) cut into 64 KiB chunks: frames inside a chunk, frames spanning
    // two chunks, a burst decoded in parallel and the tail decoded on the consumer.
    let body = many_events(20_000);
    let cuts: Vec<usize> = (65_536..body.len()).step_by(65_536).collect();
    let events = collect(watch_of(split(body.as_bytes(), &cuts))).await;
    let want: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
    assert_eq!(versions(&events), want);
}
