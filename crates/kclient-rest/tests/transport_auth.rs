//! Credentials and identity headers: bearer token, token file rotation, basic auth,
//! impersonation, user agent; and that no credential leaks into Debug output, errors or logs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use kclient_config::SecretString;
use kclient_rest::{Error, HttpClient, RequestBody, ResponseBody};
use support::*;

const SENTINEL: &str = "SENTINEL-7c1f-secret";

#[tokio::test]
async fn bearer_token_is_sent_and_never_shown() {
    let server = TestServer::start(None, ok_handler("ok")).await;
    let mut config = config_for(&server.http_url(), None);
    config.auth.bearer_token = Some(SecretString::from(SENTINEL));
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&server.http_url())).await.0, 200);
    let seen = server.requests();
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {SENTINEL}"))
    );

    assert!(!format!("{client:?}").contains(SENTINEL));
    assert!(!format!("{config:?}").contains(SENTINEL));
    // An error (connection refused) mentions neither the token nor the header.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = client
        .send(get(&format!("http://127.0.0.1:{port}/")))
        .await
        .unwrap_err();
    assert!(!chain(&err).contains(SENTINEL));
    assert!(!format!("{err:?}").contains(SENTINEL));
}

#[tokio::test]
async fn an_authorization_header_already_set_is_kept() {
    let server = TestServer::start(None, ok_handler("ok")).await;
    let mut config = config_for(&server.http_url(), None);
    config.auth.bearer_token = Some(SecretString::from("from-config"));
    let client = HttpClient::for_config(&config).unwrap();
    let mut request = get(&server.http_url());
    request
        .headers_mut()
        .insert("authorization", "Bearer mine".parse().unwrap());
    assert_eq!(send(&client, request).await.0, 200);
    assert_eq!(
        server.requests()[0].header("authorization").as_deref(),
        Some("Bearer mine")
    );
}

#[tokio::test]
async fn basic_auth_is_sent() {
    let server = TestServer::start(None, ok_handler("ok")).await;
    let mut config = config_for(&server.http_url(), None);
    config.auth.username = Some("user".into());
    config.auth.password = Some(SecretString::from("pass"));
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&server.http_url())).await.0, 200);
    assert_eq!(
        server.requests()[0].header("authorization").as_deref(),
        Some("Basic dXNlcjpwYXNz")
    );
    assert!(!format!("{client:?}").contains("dXNlcjpwYXNz"));
}

#[tokio::test]
async fn token_file_is_read_for_real_requests() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "file-token\n").unwrap();
    let server = TestServer::start(None, ok_handler("ok")).await;
    let mut config = config_for(&server.http_url(), None);
    config.auth.bearer_token_file = Some(path);
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&server.http_url())).await.0, 200);
    assert_eq!(
        server.requests()[0].header("authorization").as_deref(),
        Some("Bearer file-token")
    );
}

/// A base service that records the `Authorization` header of each request and answers 200.
fn recording_base(
    seen: Arc<Mutex<Vec<Option<String>>>>,
) -> impl tower::Service<
    Request<RequestBody>,
    Response = Response<ResponseBody>,
    Error = Error,
    Future = impl Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    tower::service_fn(move |req: Request<RequestBody>| {
        let seen = seen.clone();
        async move {
            let auth = req
                .headers()
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_string());
            seen.lock().unwrap().push(auth);
            let body = Full::new(Bytes::new())
                .map_err(|e| match e {})
                .boxed_unsync();
            Ok::<_, Error>(Response::new(body))
        }
    })
}

#[tokio::test(start_paused = true)]
async fn token_file_rotation_is_picked_up_after_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "first").unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut config = config_for("https://kube.invalid", None);
    config.auth.bearer_token_file = Some(path.clone());
    let client =
        HttpClient::for_config_with_service(&config, recording_base(seen.clone())).unwrap();

    let url = "https://kube.invalid/api";
    client.send(get(url)).await.unwrap();
    std::fs::write(&path, "second").unwrap();
    client.send(get(url)).await.unwrap();
    tokio::time::advance(Duration::from_secs(61)).await;
    client.send(get(url)).await.unwrap();

    let seen = seen.lock().unwrap().clone();
    let expected = ["Bearer first", "Bearer first", "Bearer second"];
    assert_eq!(seen, expected.map(|s| Some(s.to_string())));
}

#[tokio::test]
async fn a_missing_token_file_is_an_auth_error_naming_the_file() {
    let mut config = config_for("https://kube.invalid", None);
    config.auth.bearer_token_file = Some("/nonexistent/token".into());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client =
        HttpClient::for_config_with_service(&config, recording_base(seen.clone())).unwrap();
    let err = client
        .send(get("https://kube.invalid/api"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/token"), "{err}");
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn impersonation_headers_are_sent() {
    let server = TestServer::start(None, ok_handler("ok")).await;
    let mut config = config_for(&server.http_url(), None);
    config.impersonate.user = Some("jane".into());
    config.impersonate.uid = Some("1234".into());
    config.impersonate.groups = vec!["dev".into(), "ops".into()];
    config
        .impersonate
        .extra
        .insert("example.org/scopes".into(), vec!["a".into(), "b".into()]);
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&server.http_url())).await.0, 200);

    let seen = &server.requests()[0];
    assert_eq!(seen.header("impersonate-user").as_deref(), Some("jane"));
    assert_eq!(seen.header("impersonate-uid").as_deref(), Some("1234"));
    let groups: Vec<_> = seen.headers.get_all("impersonate-group").iter().collect();
    assert_eq!(groups, ["dev", "ops"]);
    let extra: Vec<_> = seen
        .headers
        .get_all("impersonate-extra-example.org%2fscopes")
        .iter()
        .collect();
    assert_eq!(extra, ["a", "b"]);
}

#[tokio::test]
async fn user_agent_default_custom_and_preset() {
    let server = TestServer::start(None, ok_handler("ok")).await;
    let url = server.http_url();
    let client = HttpClient::for_config(&config_for(&url, None)).unwrap();
    send(&client, get(&url)).await;

    let mut config = config_for(&url, None);
    config.user_agent = Some("my-controller/1.2".into());
    let custom = HttpClient::for_config(&config).unwrap();
    send(&custom, get(&url)).await;
    let mut request = get(&url);
    request
        .headers_mut()
        .insert("user-agent", "preset/0".parse().unwrap());
    send(&custom, request).await;

    let agents: Vec<_> = server
        .requests()
        .iter()
        .map(|s| s.header("user-agent").unwrap())
        .collect();
    let expected_default = format!(
        "kclient/{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    assert_eq!(
        agents,
        [expected_default.as_str(), "my-controller/1.2", "preset/0"]
    );
}
