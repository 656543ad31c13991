//! Retries (client-go semantics) against a real server, and the client-side rate limiter on a
//! virtual clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use kclient_rest::{Error, HttpClient, RequestBody, RequestSettings, ResponseBody};
use support::*;
use tokio::time::Instant;

fn settings(max_retries: u32) -> RequestSettings {
    RequestSettings {
        max_retries,
        ..Default::default()
    }
}

/// A handler answering the `i`-th request (0-based) with `answers[min(i, last)]`.
fn sequence(answers: Vec<(u16, Option<&'static str>)>) -> Handler {
    let count = AtomicUsize::new(0);
    Arc::new(move |_| {
        let i = count.fetch_add(1, Ordering::SeqCst).min(answers.len() - 1);
        let (status, retry_after) = answers[i];
        let headers: Vec<(&str, &str)> = retry_after
            .map(|v| ("retry-after", v))
            .into_iter()
            .collect();
        response(status, &headers, format!("answer {i}"))
    })
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_then_succeeds() {
    let server = TestServer::start(None, sequence(vec![(429, Some("0")), (200, None)])).await;
    let client = HttpClient::for_config(&config_for(&server.http_url(), None)).unwrap();
    let (status, body) = send(&client, get(&server.http_url())).await;
    assert_eq!((status, body.as_str()), (200, "answer 1"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_5xx_with_retry_after_is_retried_up_to_max_retries_and_the_last_answer_returned() {
    let server = TestServer::start(None, sequence(vec![(503, Some("0"))])).await;
    let client = HttpClient::for_config(&config_for(&server.http_url(), None)).unwrap();
    let request = with_settings(get(&server.http_url()), settings(2));
    let (status, body) = send(&client, request).await;
    assert_eq!((status, body.as_str()), (503, "answer 0"));
    assert_eq!(server.requests().len(), 3, "one attempt and two retries");

    let request = with_settings(get(&server.http_url()), settings(0));
    assert_eq!(send(&client, request).await.0, 503);
    assert_eq!(server.requests().len(), 4, "max_retries 0 disables retries");
}

#[tokio::test]
async fn a_503_without_retry_after_and_a_404_are_not_retried() {
    let server = TestServer::start(None, sequence(vec![(503, None)])).await;
    let client = HttpClient::for_config(&config_for(&server.http_url(), None)).unwrap();
    assert_eq!(send(&client, get(&server.http_url())).await.0, 503);
    assert_eq!(server.requests().len(), 1);

    let server = TestServer::start(None, sequence(vec![(404, Some("0"))])).await;
    let client = HttpClient::for_config(&config_for(&server.http_url(), None)).unwrap();
    assert_eq!(send(&client, get(&server.http_url())).await.0, 404);
    assert_eq!(server.requests().len(), 1);
}

/// A TCP server that accepts connections and closes them at once; counts them.
async fn slamming_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1/pods", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn get_is_retried_after_a_connection_reset_but_post_is_not() {
    let (url, accepted) = slamming_server().await;
    let client = HttpClient::for_config(&config_for(&url, None)).unwrap();

    let post = http::Request::post(&url)
        .body(RequestBody::from("{}"))
        .unwrap();
    let err = client
        .send(with_settings(post, settings(3)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{}", chain(&err));
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "POST is never retried");

    let err = client
        .send(with_settings(get(&url), settings(1)))
        .await
        .unwrap_err();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        3,
        "GET: one attempt and one retry"
    );
    let Error::Retried {
        attempts, previous, ..
    } = &err
    else {
        panic!("expected a Retried error, got {}", chain(&err));
    };
    assert_eq!(*attempts, 2);
    assert!(previous.contains("/api/v1/pods"), "{previous}");
    assert!(
        err.to_string().contains("error from a previous attempt"),
        "{err}"
    );
}

/// A base service recording when each request arrived (on tokio's clock) and answering with
/// `status` (plus `Retry-After: 0` for 429).
fn timed_base(
    times: Arc<Mutex<Vec<Instant>>>,
    first_status: u16,
) -> impl tower::Service<
    Request<RequestBody>,
    Response = Response<ResponseBody>,
    Error = Error,
    Future = impl Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    tower::service_fn(move |_req: Request<RequestBody>| {
        let times = times.clone();
        async move {
            let status = {
                let mut times = times.lock().unwrap();
                times.push(Instant::now());
                if times.len() == 1 { first_status } else { 200 }
            };
            let body = Full::new(Bytes::new())
                .map_err(|e| match e {})
                .boxed_unsync();
            let mut response = Response::new(body);
            *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
            response
                .headers_mut()
                .insert("retry-after", http::HeaderValue::from_static("0"));
            Ok::<_, Error>(response)
        }
    })
}

fn limited_config(qps: f32, burst: u32) -> kclient_config::Config {
    let mut config = config_for("https://kube.invalid", None);
    config.qps = qps;
    config.burst = burst;
    config
}

fn gaps(times: &Mutex<Vec<Instant>>) -> Vec<Duration> {
    let times = times.lock().unwrap();
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test(start_paused = true)]
async fn the_rate_limiter_spaces_requests_and_is_shared_by_clones() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let client = HttpClient::for_config_with_service(
        &limited_config(2.0, 2),
        timed_base(times.clone(), 200),
    )
    .unwrap();
    let clone = client.clone();
    let url = "https://kube.invalid/api";
    for c in [&client, &clone, &client, &clone] {
        c.send(get(url)).await.unwrap();
    }
    // Burst 2 goes at once; then one token every 500 ms, whichever clone asks.
    assert_eq!(
        gaps(&times),
        [
            Duration::ZERO,
            Duration::from_millis(500),
            Duration::from_millis(500)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn unthrottled_requests_and_first_watch_attempts_skip_the_limiter() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let client = HttpClient::for_config_with_service(
        &limited_config(1.0, 1),
        timed_base(times.clone(), 200),
    )
    .unwrap();
    let url = "https://kube.invalid/api";
    client.send(get(url)).await.unwrap();
    let unthrottled = RequestSettings {
        throttle: false,
        ..Default::default()
    };
    let watch = RequestSettings {
        is_watch: true,
        ..Default::default()
    };
    client
        .send(with_settings(get(url), unthrottled))
        .await
        .unwrap();
    client.send(with_settings(get(url), watch)).await.unwrap();
    assert_eq!(gaps(&times), [Duration::ZERO, Duration::ZERO]);
    // A normal request now has to wait for the next token.
    client.send(get(url)).await.unwrap();
    assert_eq!(gaps(&times)[2], Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn retries_go_through_the_rate_limiter_again() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let client = HttpClient::for_config_with_service(
        &limited_config(1.0, 1),
        timed_base(times.clone(), 429),
    )
    .unwrap();
    let response = client.send(get("https://kube.invalid/api")).await.unwrap();
    assert_eq!(response.status(), 200);
    // Retry-After was 0, yet the retry waited for a token.
    assert_eq!(gaps(&times), [Duration::from_secs(1)]);
}

#[tokio::test(start_paused = true)]
async fn a_negative_qps_disables_the_limiter() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let client = HttpClient::for_config_with_service(
        &limited_config(-1.0, 1),
        timed_base(times.clone(), 200),
    )
    .unwrap();
    for _ in 0..5 {
        client.send(get("https://kube.invalid/api")).await.unwrap();
    }
    assert!(gaps(&times).iter().all(|g| g.is_zero()));
}
