//! HTTP-level behaviour against a real server: gzip, Warning headers, CONNECT proxies, timeouts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kclient_config::WarningHandler;
use kclient_rest::{HttpClient, RequestSettings};
use support::*;

fn gzip_handler(body: &'static str) -> Handler {
    Arc::new(move |seen: &Seen| {
        let accepts = seen
            .header("accept-encoding")
            .is_some_and(|v| v.contains("gzip"));
        if accepts {
            response(
                200,
                &[("content-encoding", "gzip")],
                gzip_stored(body.as_bytes()),
            )
        } else {
            response(200, &[], body)
        }
    })
}

#[tokio::test]
async fn gzip_responses_are_requested_and_decompressed() {
    let server = TestServer::start(None, gzip_handler("{\"kind\":\"PodList\"}")).await;
    let client = HttpClient::for_config(&config_for(&server.http_url(), None)).unwrap();
    let (status, body) = send(&client, get(&server.http_url())).await;
    assert_eq!((status, body.as_str()), (200, "{\"kind\":\"PodList\"}"));
    assert!(
        server.requests()[0]
            .header("accept-encoding")
            .unwrap()
            .contains("gzip")
    );
}

#[tokio::test]
async fn disable_compression_asks_for_identity_bodies() {
    let server = TestServer::start(None, gzip_handler("plain body")).await;
    let mut config = config_for(&server.http_url(), None);
    config.disable_compression = true;
    let client = HttpClient::for_config(&config).unwrap();
    let (status, body) = send(&client, get(&server.http_url())).await;
    assert_eq!((status, body.as_str()), (200, "plain body"));
    assert!(server.requests()[0].header("accept-encoding").is_none());
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(u16, String, String)>>);

impl WarningHandler for Recorder {
    fn handle_warning(&self, code: u16, agent: &str, text: &str) {
        self.0
            .lock()
            .unwrap()
            .push((code, agent.to_string(), text.to_string()));
    }
}

#[tokio::test]
async fn warning_headers_reach_the_handler_parsed() {
    let handler: Handler = Arc::new(|_: &Seen| {
        let mut r = response(200, &[], "ok");
        let headers = r.headers_mut();
        headers.append(
            "warning",
            r#"299 - "apps/v1beta1 is deprecated""#.parse().unwrap(),
        );
        headers.append(
            "warning",
            r#"299 - "say \"hi\", twice", 199 proxy:8080 "other" "Sat, 25 Aug 2012 23:34:45 GMT""#
                .parse()
                .unwrap(),
        );
        r
    });
    let server = TestServer::start(None, handler).await;
    let recorder = Arc::new(Recorder::default());
    let mut config = config_for(&server.http_url(), None);
    config.warning_handler = Some(recorder.clone());
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&server.http_url())).await.0, 200);

    let got = recorder.0.lock().unwrap().clone();
    let expected = [
        (299, "-", "apps/v1beta1 is deprecated"),
        (299, "-", r#"say "hi", twice"#),
        (199, "proxy:8080", "other"),
    ]
    .map(|(c, a, t)| (c, a.to_string(), t.to_string()));
    assert_eq!(got, expected);
}

#[tokio::test]
async fn an_explicit_http_proxy_tunnels_tls_with_proxy_credentials() {
    let ca = Ca::new("test CA");
    let server = tls_server(&ca, &[b"h2", b"http/1.1"], ok_handler("through the proxy")).await;
    let proxy = ConnectProxy::start().await;
    let mut config = config_for(&server.https_url(), Some(&ca));
    config.proxy_url = Some(format!("http://user:s3cret@{}", proxy.addr));
    let client = HttpClient::for_config(&config).unwrap();
    let (status, body) = send(&client, get(&server.https_url())).await;
    assert_eq!((status, body.as_str()), (200, "through the proxy"));
    assert_eq!(proxy.tunnels.load(Ordering::SeqCst), 1);
    let auth = proxy.auth.lock().unwrap().clone();
    assert_eq!(auth, [Some("Basic dXNlcjpzM2NyZXQ=".to_string())]);
    assert!(!format!("{client:?}").contains("s3cret"));
}

#[tokio::test]
async fn a_plain_http_destination_can_also_use_the_proxy() {
    let server = TestServer::start(None, ok_handler("plain via proxy")).await;
    let proxy = ConnectProxy::start().await;
    let mut config = config_for(&server.http_url(), None);
    config.proxy_url = Some(format!("http://{}", proxy.addr));
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&server.http_url())).await.0, 200);
    assert_eq!(proxy.tunnels.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreachable_proxy_is_a_connect_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = config_for("https://kube.invalid:6443", None);
    config.tls.insecure = true;
    config.proxy_url = Some(format!("http://127.0.0.1:{port}"));
    let client = HttpClient::for_config(&config).unwrap();
    let err = client
        .send(get("https://kube.invalid:6443/api"))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{}", chain(&err));
}

#[tokio::test]
async fn a_request_timeout_fails_a_slow_response_but_not_a_watch() {
    // A server that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api", listener.local_addr().unwrap());
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            keep.lock().unwrap().push(stream);
        }
    });
    let client = HttpClient::for_config(&config_for(&url, None)).unwrap();
    let settings = RequestSettings {
        timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    };
    let err = client
        .send(with_settings(get(&url), settings))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{}", chain(&err));

    // The same setting on a watch is ignored: it is still waiting when we give up.
    let watch = RequestSettings {
        is_watch: true,
        ..settings
    };
    let pending = tokio::time::timeout(
        Duration::from_millis(400),
        client.send(with_settings(get(&url), watch)),
    )
    .await;
    assert!(pending.is_err(), "a watch has no request timeout");
}
