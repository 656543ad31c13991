//! Tracing: one span per request with verb, path and status, and no credential in any log line.
//! (Alone in its test binary: `tracing`'s callsite cache is process-global, and other tests
//! running in parallel threads without a subscriber could make events here flaky.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::sync::{Arc, Mutex};

use kclient_config::SecretString;
use kclient_rest::HttpClient;
use support::*;

const SENTINEL: &str = "SENTINEL-7c1f-secret";

/// A `tracing` writer collecting everything into a buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn request_spans_record_verb_path_status_but_no_credentials() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let ca = Ca::new("test CA");
    let server = tls_server(&ca, &[b"h2", b"http/1.1"], ok_handler("ok")).await;
    let mut config = config_for(&server.https_url(), Some(&ca));
    config.auth.bearer_token = Some(SecretString::from(SENTINEL));
    let client = HttpClient::for_config(&config).unwrap();
    let url = format!("{}/api/v1/pods?labelSelector=app%3Dweb", server.https_url());
    assert_eq!(send(&client, get(&url)).await.0, 200);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("kclient.request"), "{logs}");
    assert!(logs.contains("verb=GET"), "{logs}");
    assert!(logs.contains("path=/api/v1/pods"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(!logs.contains(SENTINEL), "the token leaked into the logs");
}

/// Collects what the subscriber wrote so far.
fn logs(captured: &Captured) -> String {
    String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
}

/// Every class of value that can hold a credential, each built with the sentinel: a kubeconfig
/// (token, password, key data, exec args and env, extensions of cluster, user and context, URLs
/// with user information), the `Config` built from it, Secret-shaped unstructured objects, and
/// the errors and log lines of a whole request cycle (a request whose query holds the sentinel,
/// a server error, a connection failure to a URL with user information, and an exec plugin that
/// fails after printing the sentinel on its standard error). The sentinel shows in none of the
/// `Debug` output, error messages or trace-level log lines.
#[tokio::test]
async fn the_sentinel_shows_in_no_debug_error_or_log_line() {
    use kclient_apimachinery::{GroupVersion, Unstructured};
    use kclient_config::{Config, ConfigOverrides, Kubeconfig, Serializer};
    use kclient_rest::RestClient;

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut shown = Vec::new();

    // A kubeconfig holding the sentinel wherever a kubeconfig can hold a credential.
    let ca = Ca::new("test CA");
    let json = [("content-type", "application/json")];
    let handler: Handler = Arc::new(move |request: &Seen| {
        if request.path_and_query.contains("labelSelector") {
            let status = r#"{"kind":"Status","status":"Failure","message":"boom","code":500}"#;
            response(500, &json, status)
        } else {
            response(200, &json, "{}")
        }
    });
    let server = tls_server(&ca, &[b"http/1.1"], handler).await;
    let b64 = |s: &str| base64_encode(s.as_bytes());
    let yaml = format!(
        r#"apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster:
    server: {server}
    certificate-authority-data: {ca}
    proxy-url: http://proxyuser:{SENTINEL}@127.0.0.1:1
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {{audience: {SENTINEL}}}
users:
- name: u
  user:
    token: {SENTINEL}
    client-key-data: {key}
    extensions:
    - name: x
      extension: {{secret: {SENTINEL}}}
- name: e
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: /bin/false
      args: ["--token={SENTINEL}"]
      env: [{{name: TOKEN, value: {SENTINEL}}}]
      interactiveMode: Never
- name: p
  user:
    username: admin
    password: {SENTINEL}
contexts:
- name: c
  context: {{cluster: k, user: u, extensions: [{{name: y, extension: {SENTINEL}}}]}}
"#,
        server = server.https_url(),
        ca = b64(&ca.cert_pem),
        key = b64(SENTINEL),
    );
    let kubeconfig = Kubeconfig::from_yaml(&yaml).unwrap();
    shown.push(format!("{kubeconfig:?}"));
    for user in ["u", "e", "p"] {
        let mut overrides = ConfigOverrides::default();
        overrides.user = Some(user.into());
        match Config::from_kubeconfig(&kubeconfig, &overrides) {
            Ok(config) => shown.push(format!("{config:?}")),
            Err(error) => shown.push(format!("{error} {error:?}")),
        }
    }

    // A request cycle with the token: a success, then a server error for a URL whose query
    // holds the sentinel.
    let mut config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default()).unwrap();
    config.proxy_url = None;
    config.qps = -1.0;
    config.api_path = "/api".into();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    let client = RestClient::for_config(&config).unwrap();
    let secret: Unstructured = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
        "data": {"token": b64(SENTINEL)}, "stringData": {"password": SENTINEL},
    }))
    .unwrap();
    shown.push(format!("{secret:?}"));
    let created = client.post().resource("secrets").body(&secret).send().await;
    shown.push(format!("{created:?}"));
    let error = client
        .get()
        .resource("secrets")
        .param("labelSelector", SENTINEL)
        .object::<serde_json::Value>()
        .await
        .unwrap_err();
    shown.push(format!("{} | {error:?}", chain(&error)));

    // A server URL with user information that cannot be reached.
    let mut unreachable = config_for(&format!("http://user:{SENTINEL}@127.0.0.1:1"), None);
    unreachable.timeout = Some(std::time::Duration::from_secs(5));
    shown.push(format!("{unreachable:?}"));
    if let Ok(client) = HttpClient::for_config(&unreachable) {
        let error = client
            .send(get(&format!(
                "http://user:{SENTINEL}@127.0.0.1:1/api?x={SENTINEL}"
            )))
            .await
            .unwrap_err();
        shown.push(format!("{} | {error:?}", chain(&error)));
    }

    // An exec plugin that prints the sentinel on its standard error and fails.
    let dir = tempfile::tempdir().unwrap();
    let command = script(
        dir.path(),
        "fail.sh",
        &format!("echo '{SENTINEL}' >&2\nexit 1\n"),
    );
    let mut with_exec = config_for(&server.https_url(), Some(&ca));
    with_exec.auth.exec = Some(kclient_config::ExecConfig {
        api_version: "client.authentication.k8s.io/v1".into(),
        command,
        args: vec![format!("--token={SENTINEL}")],
        env: vec![("TOKEN".into(), SENTINEL.into())],
        install_hint: None,
        provide_cluster_info: false,
        interactive_mode: kclient_config::InteractiveMode::Never,
        cluster: None,
    });
    shown.push(format!("{with_exec:?}"));
    let client = HttpClient::for_config(&with_exec).unwrap();
    let error = client.send(get(&server.https_url())).await.unwrap_err();
    shown.push(format!("{} | {error:?}", chain(&error)));

    let logs = logs(&captured);
    assert!(
        logs.contains("kclient.request"),
        "nothing was logged: {logs}"
    );
    for (i, text) in shown.iter().enumerate() {
        assert!(
            !text.contains(SENTINEL),
            "value {i} shows the sentinel: {text}"
        );
    }
    assert!(
        !logs.contains(SENTINEL),
        "the logs show the sentinel:\n{logs}"
    );
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
