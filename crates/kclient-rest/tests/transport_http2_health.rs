//! client-go's HTTP/2 health check (`ReadIdleTimeout`/`PingTimeout`): a watch on a connection
//! that silently stops answering fails instead of hanging, and the next request gets a new
//! connection. The dead connection is made by a TCP proxy that stops forwarding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, Version};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use kclient_rest::{HttpClient, RequestSettings};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An HTTP/2-over-TLS server answering every request with one watch event, then nothing (the
/// stream stays open, as a quiet watch does).
async fn quiet_watch_server(ca: &Ca) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = server_config(ServerTls {
        cert: ca.server_cert(&["127.0.0.1"]),
        alpn: vec![b"h2".to_vec()],
        client_ca: None,
    });
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(|_req: Request<Incoming>| async {
                    let event =
                        Bytes::from_static(b"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\"}}\n");
                    let frames = futures_util::stream::once(async move {
                        Ok::<_, Infallible>(Frame::data(event))
                    })
                    .chain(futures_util::stream::pending());
                    Ok::<_, Infallible>(Response::new(StreamBody::new(frames)))
                });
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    addr
}

use futures_util::StreamExt as _;

/// A TCP proxy to `upstream`. `freeze()` makes every connection open at that moment stop
/// forwarding in both directions, while staying open: a silently dead connection.
struct FreezingProxy {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    frozen_below: Arc<AtomicUsize>,
}

impl FreezingProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let frozen_below = Arc::new(AtomicUsize::new(0));
        let (acc, frozen) = (accepted.clone(), frozen_below.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let id = acc.fetch_add(1, Ordering::SeqCst);
                let server = TcpStream::connect(upstream).await.unwrap();
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pipe(cr, sw, id, frozen.clone()));
                tokio::spawn(pipe(sr, cw, id, frozen.clone()));
            }
        });
        Self {
            addr,
            accepted,
            frozen_below,
        }
    }

    fn freeze(&self) {
        self.frozen_below
            .store(self.accepted.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

/// Copies `from` to `to` until the connection is frozen; then holds both open forever.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    id: usize,
    frozen_below: Arc<AtomicUsize>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        if id < frozen_below.load(Ordering::SeqCst) {
            // Swallow everything from now on, without closing anything.
            let _keep = (from, to);
            std::future::pending::<()>().await;
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

fn watch_request(url: &str) -> http::Request<kclient_rest::RequestBody> {
    with_settings(
        get(url),
        RequestSettings {
            is_watch: true,
            ..Default::default()
        },
    )
}

/// Starts a watch through `proxy`, reads its first event, freezes the connection, and returns
/// how the next read ended within `limit`: `Some(error text)`, or `None` if it still hung.
async fn watch_then_freeze(
    client: &HttpClient,
    proxy: &FreezingProxy,
    limit: Duration,
) -> Option<String> {
    let url = format!(
        "https://127.0.0.1:{}/api/v1/pods?watch=true",
        proxy.addr.port()
    );
    let response = client.send(watch_request(&url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), Version::HTTP_2);
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(first.starts_with(b"{\"type\":\"ADDED\""));
    proxy.freeze();
    match tokio::time::timeout(limit, body.frame()).await {
        Err(_) => None,
        Ok(Some(Ok(frame))) => panic!("unexpected frame after the freeze: {frame:?}"),
        Ok(Some(Err(e))) => Some(chain(&*e)),
        Ok(None) => Some("end of stream".into()),
    }
}

#[tokio::test]
async fn a_watch_on_a_dead_connection_fails_and_the_next_request_reconnects() {
    let ca = Ca::new("h2-ca");
    let proxy = FreezingProxy::start(quiet_watch_server(&ca).await).await;
    let config = config_for(
        &format!("https://127.0.0.1:{}", proxy.addr.port()),
        Some(&ca),
    );
    let client = HttpClient::builder(&config)
        .http2_health_check(Some(Duration::from_millis(500)), Duration::from_millis(500))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = watch_then_freeze(&client, &proxy, Duration::from_secs(20))
        .await
        .expect("the watch should fail once the PING goes unanswered");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // hyper closes the connection when the PING times out; the stream reports it.
    assert!(error.contains("body"), "{error}");

    // The dead connection is gone from the pool: the next watch opens a new one and works.
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 1);
    let url = format!(
        "https://127.0.0.1:{}/api/v1/pods?watch=true",
        proxy.addr.port()
    );
    let response = client.send(watch_request(&url)).await.unwrap();
    let mut body = response.into_body();
    assert!(body.frame().await.unwrap().is_ok());
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn without_the_health_check_the_same_watch_hangs() {
    let ca = Ca::new("h2-ca");
    let proxy = FreezingProxy::start(quiet_watch_server(&ca).await).await;
    let config = config_for(
        &format!("https://127.0.0.1:{}", proxy.addr.port()),
        Some(&ca),
    );
    let client = HttpClient::builder(&config)
        .http2_health_check(None, Duration::from_millis(500))
        .build()
        .unwrap();
    let outcome = watch_then_freeze(&client, &proxy, Duration::from_secs(3)).await;
    assert_eq!(outcome, None, "nothing notices a silently dead connection");
}
