//! Metrics hooks (client-go's `tools/metrics`) and user layers, against a real server: what one
//! request cycle with a retry and a rate-limiter wait records, and where user layers sit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request};
use http_body_util::BodyExt;
use kclient_rest::metrics::{ClientMetrics, ExecCallStatus};
use kclient_rest::{HttpClient, RequestBody};
use support::*;

/// One recorded observation.
#[derive(Debug, Clone, PartialEq)]
enum Obs {
    Latency(String, String, Duration),
    Throttle(String, String, Duration),
    RequestSize(String, u64),
    ResponseSize(String, u64),
    Result(String, String, String),
    Retry(String, String, String),
    Exec(i32, ExecCallStatus),
    Expiry(Option<std::time::SystemTime>),
    RotationAge(Duration),
}

#[derive(Default)]
struct Recorder(Mutex<Vec<Obs>>);

impl Recorder {
    fn all(&self) -> Vec<Obs> {
        self.0.lock().unwrap().clone()
    }
    fn push(&self, o: Obs) {
        self.0.lock().unwrap().push(o);
    }
}

impl ClientMetrics for Recorder {
    fn request_latency(&self, verb: &str, host: &str, latency: Duration) {
        self.push(Obs::Latency(verb.into(), host.into(), latency));
    }
    fn rate_limiter_latency(&self, verb: &str, host: &str, latency: Duration) {
        self.push(Obs::Throttle(verb.into(), host.into(), latency));
    }
    fn request_size(&self, verb: &str, _host: &str, bytes: u64) {
        self.push(Obs::RequestSize(verb.into(), bytes));
    }
    fn response_size(&self, verb: &str, _host: &str, bytes: u64) {
        self.push(Obs::ResponseSize(verb.into(), bytes));
    }
    fn request_result(&self, code: &str, verb: &str, host: &str) {
        self.push(Obs::Result(code.into(), verb.into(), host.into()));
    }
    fn request_retry(&self, code: &str, verb: &str, host: &str) {
        self.push(Obs::Retry(code.into(), verb.into(), host.into()));
    }
    fn exec_plugin_call(&self, exit_code: i32, status: ExecCallStatus) {
        self.push(Obs::Exec(exit_code, status));
    }
    fn client_cert_expiry(&self, expiry: Option<std::time::SystemTime>) {
        self.push(Obs::Expiry(expiry));
    }
    fn client_cert_rotation_age(&self, age: Duration) {
        self.push(Obs::RotationAge(age));
    }
}

/// Answers 503 with `Retry-After: 0` to the first request, then 200 `answer N`.
fn flaky() -> Handler {
    let n = AtomicUsize::new(0);
    Arc::new(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        if i == 0 {
            response(503, &[("retry-after", "0")], "busy")
        } else {
            response(200, &[], format!("answer {i}"))
        }
    })
}

fn post(url: &str, body: &'static str) -> Request<RequestBody> {
    Request::post(url)
        .body(RequestBody::new(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

#[tokio::test]
async fn a_request_with_a_retry_and_a_throttled_attempt_records_everything() {
    let server = TestServer::start(None, flaky()).await;
    let host = server.http_url().trim_start_matches("http://").to_string();
    let mut config = config_for(&server.http_url(), None);
    // One token, refilled every 50 ms: the retry has to wait for the limiter.
    config.qps = 20.0;
    config.burst = 1;
    let recorder = Arc::new(Recorder::default());
    let client = HttpClient::builder(&config)
        .metrics(recorder.clone())
        .build()
        .unwrap();

    let response = client
        .send(post(
            &format!("{}/api/v1/pods", server.http_url()),
            "payload",
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let before_body = recorder.all();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"answer 1");
    let all = recorder.all();

    let post = "POST".to_string();
    let throttles: Vec<Duration> = all
        .iter()
        .filter_map(|o| match o {
            Obs::Throttle(v, h, d) if *v == post && *h == host => Some(*d),
            _ => None,
        })
        .collect();
    assert_eq!(throttles.len(), 2, "one limiter wait per attempt: {all:?}");
    assert_eq!(
        throttles[0],
        Duration::ZERO,
        "the first attempt takes the burst token"
    );
    assert!(throttles[1] >= Duration::from_millis(30), "{throttles:?}");

    let results: Vec<&Obs> = all
        .iter()
        .filter(|o| matches!(o, Obs::Result(..)))
        .collect();
    assert_eq!(
        results,
        [
            &Obs::Result("503".into(), post.clone(), host.clone()),
            &Obs::Result("200".into(), post.clone(), host.clone()),
        ]
    );
    let retries: Vec<&Obs> = all.iter().filter(|o| matches!(o, Obs::Retry(..))).collect();
    assert_eq!(
        retries,
        [&Obs::Retry("503".into(), post.clone(), host.clone())]
    );
    let sizes: Vec<&Obs> = all
        .iter()
        .filter(|o| matches!(o, Obs::RequestSize(..)))
        .collect();
    assert_eq!(
        sizes,
        [
            &Obs::RequestSize(post.clone(), 7),
            &Obs::RequestSize(post.clone(), 7)
        ]
    );
    let latencies: Vec<Duration> = all
        .iter()
        .filter_map(|o| match o {
            Obs::Latency(v, h, d) if *v == post && *h == host => Some(*d),
            _ => None,
        })
        .collect();
    assert_eq!(
        latencies.len(),
        1,
        "one latency per request, not per attempt"
    );
    assert!(
        latencies[0] >= throttles[1],
        "the latency includes the limiter wait"
    );

    // The response size is known once the body has been read to its end.
    assert!(
        !before_body
            .iter()
            .any(|o| matches!(o, Obs::ResponseSize(..)))
    );
    let response_sizes: Vec<&Obs> = all
        .iter()
        .filter(|o| matches!(o, Obs::ResponseSize(..)))
        .collect();
    assert_eq!(response_sizes, [&Obs::ResponseSize(post, 8)]);
}

#[tokio::test]
async fn a_failed_connection_is_an_error_result_and_a_client_without_a_sink_records_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api", listener.local_addr().unwrap());
    drop(listener);
    let recorder = Arc::new(Recorder::default());
    let client = HttpClient::builder(&config_for(&url, None))
        .metrics(recorder.clone())
        .build()
        .unwrap();
    assert!(client.send(get(&url)).await.is_err());
    let results: Vec<Obs> = recorder
        .all()
        .into_iter()
        .filter(|o| matches!(o, Obs::Result(..)))
        .collect();
    let host = url.trim_start_matches("http://").trim_end_matches("/api");
    assert_eq!(
        results,
        [Obs::Result("<error>".into(), "GET".into(), host.into())]
    );
    assert!(recorder.all().iter().all(|o| !matches!(o, Obs::Retry(..))));

    // Another client without a sink of its own (and none registered) adds nothing.
    let server = TestServer::start(None, ok_handler("ok")).await;
    let plain = HttpClient::for_config(&config_for(&server.http_url(), None)).unwrap();
    let count = recorder.all().len();
    assert_eq!(send(&plain, get(&server.http_url())).await.0, 200);
    assert_eq!(recorder.all().len(), count);
}

#[tokio::test]
async fn exec_plugin_calls_are_counted_by_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let ok = script(
        dir.path(),
        "ok",
        r#"echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}'"#,
    );
    let failing = script(dir.path(), "failing", "exit 3");
    let server = TestServer::start(None, ok_handler("ok")).await;
    for (command, expected) in [
        (ok, Obs::Exec(0, ExecCallStatus::NoError)),
        (failing, Obs::Exec(3, ExecCallStatus::PluginExecutionError)),
        (
            dir.path().join("missing").display().to_string(),
            Obs::Exec(1, ExecCallStatus::PluginNotFoundError),
        ),
    ] {
        let mut config = config_for(&server.http_url(), None);
        config.auth.exec = Some(kclient_config::ExecConfig {
            api_version: "client.authentication.k8s.io/v1".into(),
            command,
            args: vec![],
            env: vec![],
            install_hint: None,
            provide_cluster_info: false,
            interactive_mode: kclient_config::InteractiveMode::Never,
            cluster: None,
        });
        let recorder = Arc::new(Recorder::default());
        let client = HttpClient::builder(&config)
            .metrics(recorder.clone())
            .build()
            .unwrap();
        let _ = client.send(get(&server.http_url())).await;
        let calls: Vec<Obs> = recorder
            .all()
            .into_iter()
            .filter(|o| matches!(o, Obs::Exec(..)))
            .collect();
        assert_eq!(calls, [expected]);
    }
}

/// A layer counting the requests that pass through it.
#[derive(Clone)]
struct CountLayer(Arc<AtomicUsize>);

impl<S> tower::Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Count<S> {
        Count(inner, self.0.clone())
    }
}

#[derive(Clone)]
struct Count<S>(S, Arc<AtomicUsize>);

impl<S: tower::Service<Request<RequestBody>>> tower::Service<Request<RequestBody>> for Count<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<RequestBody>) -> S::Future {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.call(request)
    }
}

#[tokio::test]
async fn user_layers_wrap_the_transport_or_the_whole_stack() {
    let server = TestServer::start(None, flaky()).await;
    let per_attempt = Arc::new(AtomicUsize::new(0));
    let per_request = Arc::new(AtomicUsize::new(0));
    let mut config = config_for(&server.http_url(), None);
    config.user_agent = Some("layered/1".into());
    let client = HttpClient::builder(&config)
        .layer(tower::util::MapRequestLayer::new(
            |mut r: Request<RequestBody>| {
                // Below kclient's middleware: the user agent is already set.
                let ua = r.headers()["user-agent"].clone();
                r.headers_mut()
                    .insert(HeaderName::from_static("x-seen-user-agent"), ua);
                r.headers_mut().insert(
                    HeaderName::from_static("x-team"),
                    HeaderValue::from_static("storage"),
                );
                r
            },
        ))
        .layer(CountLayer(per_attempt.clone()))
        .outer_layer(CountLayer(per_request.clone()))
        .build()
        .unwrap();
    let (status, body) = send(&client, get(&server.http_url())).await;
    assert_eq!((status, body.as_str()), (200, "answer 1"));
    assert_eq!(
        per_attempt.load(Ordering::SeqCst),
        2,
        "the retry passes the inner layers"
    );
    assert_eq!(
        per_request.load(Ordering::SeqCst),
        1,
        "the outer layer sees the request once"
    );
    for seen in server.requests() {
        assert_eq!(seen.header("x-team").as_deref(), Some("storage"));
        assert_eq!(
            seen.header("x-seen-user-agent").as_deref(),
            Some("layered/1")
        );
    }
}

#[tokio::test]
async fn exec_certificate_rotation_reports_expiry_and_the_age_of_the_replaced_certificate() {
    let ca = Ca::new("rotation-ca");
    let server = TestServer::start(
        Some(ServerTls {
            cert: ca.server_cert(&["127.0.0.1"]),
            alpn: vec![b"http/1.1".to_vec()],
            client_ca: Some(ca.cert_pem.clone()),
        }),
        ok_handler("mtls"),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let write = |cert: &CertKey| {
        let cred = serde_json::json!({
            "apiVersion": "client.authentication.k8s.io/v1",
            "kind": "ExecCredential",
            "status": {
                "clientCertificateData": cert.cert_pem,
                "clientKeyData": cert.key_pem,
                // already expired: the plugin runs for every request
                "expirationTimestamp": "2001-01-01T00:00:00Z",
            }
        });
        std::fs::write(dir.path().join("cred.json"), cred.to_string()).unwrap();
    };
    let plugin = script(
        dir.path(),
        "plugin.sh",
        &format!("cat {}/cred.json\n", dir.path().display()),
    );
    let mut config = config_for(&server.https_url(), Some(&ca));
    config.auth.exec = Some(kclient_config::ExecConfig {
        api_version: "client.authentication.k8s.io/v1".into(),
        command: plugin,
        args: vec![],
        env: vec![],
        install_hint: None,
        provide_cluster_info: false,
        interactive_mode: kclient_config::InteractiveMode::Never,
        cluster: None,
    });
    let recorder = Arc::new(Recorder::default());
    let client = HttpClient::builder(&config)
        .metrics(recorder.clone())
        .build()
        .unwrap();
    write(&ca.client_cert("first"));
    assert_eq!(send(&client, get(&server.https_url())).await.0, 200);
    write(&ca.client_cert("second"));
    assert_eq!(send(&client, get(&server.https_url())).await.0, 200);
    let cert_obs: Vec<Obs> = recorder
        .all()
        .into_iter()
        .filter(|o| matches!(o, Obs::Expiry(_) | Obs::RotationAge(_)))
        .collect();
    // rcgen's default validity: 1975-01-01 to 4096-01-01.
    let expiry = std::time::UNIX_EPOCH + Duration::from_secs(67_090_118_400);
    assert_eq!(cert_obs.len(), 3, "{cert_obs:?}");
    assert_eq!(cert_obs[0], Obs::Expiry(Some(expiry)));
    let Obs::RotationAge(age) = cert_obs[1] else {
        panic!("{cert_obs:?}")
    };
    let since_1975 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH + Duration::from_secs(157_766_400))
        .unwrap();
    assert!(
        since_1975.abs_diff(age) < Duration::from_secs(60),
        "{age:?}"
    );
    assert_eq!(cert_obs[2], Obs::Expiry(Some(expiry)));
}
