//! A tiny plain-HTTP API server for black-box tests: binds 127.0.0.1:0, answers with a handler
//! closure, records the requests it saw, and stops when dropped.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body::Frame;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use kclient_apimachinery::GroupVersion;
use kclient_config::{Config, Serializer};
use kclient_rest::RestClient;

/// A response body the test server sends.
pub type Body = UnsyncBoxBody<Bytes, Infallible>;

/// What the server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A running test server.
pub struct TestServer {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Starts a server answering every request with `handler`.
    pub async fn start<F, Fut>(handler: F) -> Self
    where
        F: Fn(Seen) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Response<Body>> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let recorder = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let recorder = recorder.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let handler = handler.clone();
                        let recorder = recorder.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body.collect().await.unwrap().to_bytes();
                            let seen = Seen {
                                method: parts.method,
                                uri: parts.uri.to_string(),
                                headers: parts.headers,
                                body,
                            };
                            recorder.lock().unwrap().push(seen.clone());
                            Ok::<_, Infallible>(handler(seen).await)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
        Self { addr, seen, task }
    }

    /// The requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// A config for this server: core group v1, JSON.
    pub fn config(&self) -> Config {
        let mut config = Config::new(format!("http://{}", self.addr));
        config.api_path = "/api".into();
        config.content.group_version = Some(GroupVersion::new("", "v1"));
        config.content.serializer = Some(Serializer::Json);
        config
    }

    /// A core/v1 client for this server.
    pub fn client(&self) -> RestClient {
        RestClient::for_config(&self.config()).unwrap()
    }
}

/// A response with a full body.
pub fn respond(code: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap())
        .header("content-type", content_type)
        .body(Full::new(body.into()).boxed_unsync())
        .unwrap()
}

/// A JSON response.
pub fn json(code: u16, value: &serde_json::Value) -> Response<Body> {
    respond(code, "application/json", serde_json::to_vec(value).unwrap())
}

/// A `Status` failure response, as the API server sends them.
pub fn status(code: u16, reason: &str, message: &str) -> Response<Body> {
    json(
        code,
        &serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": message, "reason": reason, "code": code,
        }),
    )
}

/// A chunked response sending `chunks` one by one with a short pause between them (so the
/// client sees them as separate reads).
pub fn chunked(code: u16, content_type: &str, chunks: Vec<Bytes>) -> Response<Body> {
    let frames = stream::unfold(chunks.into_iter(), |mut rest| async move {
        let chunk = rest.next()?;
        tokio::time::sleep(Duration::from_millis(5)).await;
        Some((Ok::<_, Infallible>(Frame::data(chunk)), rest))
    });
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap())
        .header("content-type", content_type)
        .body(StreamBody::new(frames).boxed_unsync())
        .unwrap()
}
