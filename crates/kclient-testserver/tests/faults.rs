//! Fault injection (`TestServer::faults`): the answers are the real server's, they reach only
//! the targeted clients, and each queued fault is used once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use http::Method;
use kclient_testserver::{Fault, FaultStats, TestServer};
use support::Client;

#[tokio::test]
async fn a_queued_429_answers_as_the_max_in_flight_filter_then_requests_succeed() {
    let server = TestServer::start().await.unwrap();
    let client = Client::admin(&server);
    server.faults().inject(
        Fault::TooManyRequests {
            retry_after_seconds: 2,
        },
        1,
    );
    let resp = client
        .raw(Method::GET, "/api/v1/namespaces", &[], None)
        .await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "2");
    let (code, body) = client.get("/api/v1/namespaces").await;
    assert_eq!(code, 200, "the fault is used once: {body}");
    server.faults().inject(
        Fault::TooManyRequests {
            retry_after_seconds: 1,
        },
        1,
    );
    let (code, body) = client.get("/api/v1/namespaces/default").await;
    assert_eq!(code, 429);
    assert_eq!(body["reason"], "TooManyRequests");
    assert_eq!(
        body["message"],
        "Too many requests, please try again later."
    );
    assert_eq!(body["details"]["retryAfterSeconds"], 1);
    assert_eq!(body["code"], 429);
    assert_eq!(server.faults().stats().too_many_requests, 2);
}

#[tokio::test]
async fn server_errors_latency_and_targeting_by_user_agent() {
    let server = TestServer::start().await.unwrap();
    let client = Client::admin(&server);
    let faults = server.faults();
    faults.inject(Fault::InternalError, 1);
    faults.inject(Fault::ServiceUnavailable, 1);
    faults.inject(Fault::GatewayTimeout, 1);
    for (code, reason) in [
        (500, "InternalError"),
        (503, "ServiceUnavailable"),
        (504, "Timeout"),
    ] {
        let (status, body) = client.get("/api/v1/namespaces").await;
        assert_eq!(status.as_u16(), code, "{body}");
        assert_eq!(body["reason"], reason);
        assert_eq!(body["kind"], "Status");
    }
    faults.inject(Fault::Latency(Duration::from_millis(300)), 1);
    let start = Instant::now();
    let (status, _) = client.get("/api/v1/namespaces").await;
    assert_eq!(status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));

    // Only the targeted client gets the faults (and is counted).
    faults.target_user_agent(Some("victim"));
    faults.inject(Fault::InternalError, 1);
    let (status, _) = client.get("/api/v1/namespaces").await;
    assert_eq!(status, 200, "another client is not affected");
    assert_eq!(faults.pending(), 1);
    let resp = client
        .raw(
            Method::GET,
            "/api/v1/namespaces?watch=true&timeoutSeconds=1",
            &[("user-agent", "victim/1.0")],
            None,
        )
        .await;
    assert_eq!(resp.status(), 500);
    faults.inject(Fault::InternalError, 3);
    faults.clear();
    assert_eq!(faults.pending(), 0);
    assert_eq!(
        faults.stats(),
        FaultStats {
            too_many_requests: 0,
            server_errors: 4,
            delayed: 1,
            lists: 4,
            watches: 1,
        }
    );
}
