//! The stand-in API server on 127.0.0.1, on its own thread with a single-threaded runtime (so it
//! takes at most one of the machine's cores): plain HTTP/1.1 on one port, and HTTPS offering
//! HTTP/2 and HTTP/1.1 (ALPN, as an API server does) on another, with a self-signed certificate.
//!
//! - `GET /api/v1/namespaces/bench/pods`: the pod list (`Content-Length` body).
//! - `GET /api/v1/namespaces/bench/pods?watch=true`: the 30,000 `MODIFIED` events, chunked, one
//!   event per chunk (as the API server flushes them), then the end of the body.
//! - `GET /api/v1/namespaces/chunked/pods?watch=true`: the same bytes in 64 KiB chunks, several
//!   events per chunk and events split across chunks.
//! - `GET /api/v1/namespaces/trickle/pods?watch=true`: the first 2,000 events, one per chunk,
//!   one every 0.5 ms (a slow watch).
//! - `GET /api/v1/namespaces/bench/configmaps[?limit=N&continue=K]`: pages of at most
//!   [`PAGE_SIZE`] ConfigMaps (fewer if `limit` asks), `continue` being the next index.
//! - `GET /api/v1/namespaces/bench/configmaps?watch=true`: a watch that sends nothing and stays
//!   open until the client goes away.
//!
//! A request whose `Accept` header puts `application/vnd.kubernetes.protobuf` first gets the pod
//! list, the one-event-per-chunk pod watch and the ConfigMap pages in protobuf (`proto.rs`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream;
use http::{Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::fixtures::{Fixtures, PAGE_SIZE, TRICKLE_EVENTS, TRICKLE_GAP, config_map_page};
use crate::proto::ProtoFixtures;
use kclient_apimachinery::protobuf::{MEDIA_TYPE, WATCH_MEDIA_TYPE};

type Body = BoxBody<Bytes, Infallible>;

/// Requests served since the last [`Stats::take`], by kind.
#[derive(Default)]
pub struct Stats {
    list_pages: AtomicU64,
    unlimited_lists: AtomicU64,
    watches: AtomicU64,
}

impl Stats {
    /// `(list pages, lists without a limit, watches)` since the last call, and resets them.
    pub fn take(&self) -> (u64, u64, u64) {
        (
            self.list_pages.swap(0, Ordering::Relaxed),
            self.unlimited_lists.swap(0, Ordering::Relaxed),
            self.watches.swap(0, Ordering::Relaxed),
        )
    }
}

/// Where the server listens, and the certificate of its HTTPS port.
pub struct Addresses {
    /// Plain HTTP/1.1.
    pub http: SocketAddr,
    /// HTTPS, HTTP/2 or HTTP/1.1.
    pub https: SocketAddr,
    /// The HTTPS port's self-signed certificate (to trust), PEM and DER.
    pub cert_pem: String,
    /// The same certificate, DER.
    pub cert_der: Vec<u8>,
}

/// Starts the server on a thread of its own; returns its addresses and request counters.
pub fn start(fixtures: Fixtures, proto: ProtoFixtures) -> (Addresses, Arc<Stats>) {
    let bind = || {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        listener
    };
    let (plain, tls) = (bind(), bind());
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let addresses = Addresses {
        http: plain.local_addr().unwrap(),
        https: tls.local_addr().unwrap(),
        cert_pem: cert.cert.pem(),
        cert_der: cert.cert.der().to_vec(),
    };
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let stats = Arc::new(Stats::default());
    let state = Arc::new(State {
        fixtures,
        proto,
        stats: stats.clone(),
    });
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            tokio::spawn(serve(tls, state.clone(), Some(acceptor)));
            serve(plain, state, None).await;
        });
    });
    (addresses, stats)
}

/// What the server answers from, and its counters.
struct State {
    fixtures: Fixtures,
    proto: ProtoFixtures,
    stats: Arc<Stats>,
}

async fn serve(
    listener: std::net::TcpListener,
    state: Arc<State>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        let _ = socket.set_nodelay(true);
        let state = state.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, &req)) }
            });
            match tls {
                None => {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                }
                Some(acceptor) => {
                    let Ok(stream) = acceptor.accept(socket).await else {
                        return;
                    };
                    let _ = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                }
            }
        });
    }
}

/// The value of query parameter `name`, if present.
fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn handle(state: &State, req: &Request<Incoming>) -> Response<Body> {
    let (fixtures, proto, stats) = (&state.fixtures, &state.proto, &*state.stats);
    let query = req.uri().query().unwrap_or("");
    let watch = matches!(param(query, "watch"), Some("true" | "1"));
    let protobuf = req
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.starts_with(MEDIA_TYPE));
    match req.uri().path() {
        "/api/v1/namespaces/bench/pods" if watch && protobuf => {
            stats.watches.fetch_add(1, Ordering::Relaxed);
            let events = proto.pod_events.clone();
            let frames = stream::iter(events.into_iter().map(|e| Ok(Frame::data(e))));
            typed_response(WATCH_MEDIA_TYPE, BodyExt::boxed(StreamBody::new(frames)))
        }
        "/api/v1/namespaces/bench/pods" if protobuf => {
            stats.list_pages.fetch_add(1, Ordering::Relaxed);
            typed_response(MEDIA_TYPE, Full::new(proto.pod_list.clone()).boxed())
        }
        "/api/v1/namespaces/bench/pods" if watch => {
            stats.watches.fetch_add(1, Ordering::Relaxed);
            let events = fixtures.pod_events.clone();
            let frames = stream::iter(events.into_iter().map(|e| Ok(Frame::data(e))));
            json_response(BodyExt::boxed(StreamBody::new(frames)))
        }
        "/api/v1/namespaces/chunked/pods" if watch => {
            stats.watches.fetch_add(1, Ordering::Relaxed);
            let chunks = fixtures.pod_event_chunks.clone();
            let frames = stream::iter(chunks.into_iter().map(|e| Ok(Frame::data(e))));
            json_response(BodyExt::boxed(StreamBody::new(frames)))
        }
        "/api/v1/namespaces/trickle/pods" if watch => {
            stats.watches.fetch_add(1, Ordering::Relaxed);
            let events = fixtures.pod_events[..TRICKLE_EVENTS].to_vec();
            let start = tokio::time::Instant::now();
            let frames = stream::iter(events.into_iter().enumerate()).then(move |(i, e)| async move {
                tokio::time::sleep_until(start + TRICKLE_GAP * i as u32).await;
                Ok(Frame::data(e))
            });
            json_response(BodyExt::boxed(StreamBody::new(frames)))
        }
        "/api/v1/namespaces/bench/pods" => {
            stats.list_pages.fetch_add(1, Ordering::Relaxed);
            json_response(Full::new(fixtures.pod_list.clone()).boxed())
        }
        "/api/v1/namespaces/bench/configmaps" if watch => {
            stats.watches.fetch_add(1, Ordering::Relaxed);
            let never = stream::pending::<Result<Frame<Bytes>, Infallible>>();
            let content_type = if protobuf {
                WATCH_MEDIA_TYPE
            } else {
                "application/json"
            };
            typed_response(content_type, BodyExt::boxed(StreamBody::new(never)))
        }
        "/api/v1/namespaces/bench/configmaps" => {
            stats.list_pages.fetch_add(1, Ordering::Relaxed);
            let limit = param(query, "limit").and_then(|l| l.parse::<usize>().ok());
            if limit.is_none() {
                stats.unlimited_lists.fetch_add(1, Ordering::Relaxed);
            }
            let size = limit.filter(|&l| l > 0).unwrap_or(PAGE_SIZE).min(PAGE_SIZE);
            let all = &fixtures.config_maps;
            let start = param(query, "continue")
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or(0)
                .min(all.len());
            let end = (start + size).min(all.len());
            let next = (end < all.len()).then_some(end);
            if protobuf {
                // Pages were encoded up front for the page size both clients ask for.
                let page = (start % PAGE_SIZE == 0 && size == PAGE_SIZE)
                    .then(|| proto.config_map_pages.get(start / PAGE_SIZE))
                    .flatten();
                return match page {
                    Some(page) => typed_response(MEDIA_TYPE, Full::new(page.clone()).boxed()),
                    None => Response::builder()
                        .status(StatusCode::NOT_ACCEPTABLE)
                        .body(Full::new(Bytes::new()).boxed())
                        .unwrap(),
                };
            }
            let page = config_map_page(&all[start..end], next, all.len() - end);
            json_response(Full::new(page).boxed())
        }
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header("content-type", "application/json")
            .body(
                Full::new(Bytes::from_static(
                    br#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#,
                ))
                .boxed(),
            )
            .unwrap(),
    }
}

fn json_response(body: Body) -> Response<Body> {
    typed_response("application/json", body)
}

fn typed_response(content_type: &str, body: Body) -> Response<Body> {
    Response::builder()
        .header("content-type", content_type)
        .body(body)
        .unwrap()
}
