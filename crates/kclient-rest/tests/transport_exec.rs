//! The exec credential plugin, run for real as shell scripts in a temporary directory: caching
//! until expiry, refresh after a 401, client certificates (mTLS and rotation), errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::path::Path;
use std::sync::Arc;

use kclient_config::{Config, ExecClusterInfo, ExecConfig, InteractiveMode};
use kclient_rest::{Error, HttpClient};
use support::*;

const V1: &str = "client.authentication.k8s.io/v1";

fn exec_config(command: String, dir: &Path) -> ExecConfig {
    ExecConfig {
        api_version: V1.into(),
        command,
        args: vec!["--flag".into()],
        env: vec![("DIR".into(), dir.to_str().unwrap().into())],
        install_hint: None,
        provide_cluster_info: false,
        interactive_mode: InteractiveMode::Never,
        cluster: None,
    }
}

/// A plugin that counts its runs in `$DIR/runs`, saves its input in `$DIR/info.json` and its
/// arguments in `$DIR/args`, and returns the token `token-<run number>` valid until `expiry`.
fn counting_plugin(dir: &Path, expiry: &str) -> String {
    let body = format!(
        r#"echo run >> "$DIR/runs"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$DIR/info.json"
echo "$@" > "$DIR/args"
n=$(wc -l < "$DIR/runs" | tr -d ' ')
printf '{{"apiVersion":"{V1}","kind":"ExecCredential","status":{{"token":"token-%s","expirationTimestamp":"{expiry}"}}}}' "$n"
"#
    );
    script(dir, "plugin.sh", &body)
}

fn client_with_exec(url: &str, ca: Option<&Ca>, exec: ExecConfig) -> HttpClient {
    let mut config: Config = config_for(url, ca);
    config.auth.exec = Some(exec);
    HttpClient::for_config(&config).unwrap()
}

fn auth_headers(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|s| s.header("authorization").unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn credential_is_cached_until_expiry_and_the_plugin_gets_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut exec = exec_config(
        counting_plugin(dir.path(), "2099-01-01T00:00:00Z"),
        dir.path(),
    );
    exec.provide_cluster_info = true;
    exec.cluster = Some(ExecClusterInfo {
        server: "https://kube.example:6443".into(),
        config: Some(serde_json::json!({"audience": "kclient"})),
        ..Default::default()
    });
    let server = TestServer::start(None, ok_handler("ok")).await;
    let client = client_with_exec(&server.http_url(), None, exec);
    for _ in 0..3 {
        assert_eq!(send(&client, get(&server.http_url())).await.0, 200);
    }
    assert_eq!(
        line_count(&dir.path().join("runs")),
        1,
        "cached across requests"
    );
    assert_eq!(auth_headers(&server), ["Bearer token-1"; 3]);

    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("info.json")).unwrap())
            .unwrap();
    assert_eq!(info["apiVersion"], V1);
    assert_eq!(info["kind"], "ExecCredential");
    assert_eq!(info["spec"]["interactive"], false);
    assert_eq!(
        info["spec"]["cluster"]["server"],
        "https://kube.example:6443"
    );
    assert_eq!(info["spec"]["cluster"]["config"]["audience"], "kclient");
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert_eq!(args.trim(), "--flag");
}

#[tokio::test]
async fn an_expired_credential_is_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let exec = exec_config(
        counting_plugin(dir.path(), "2001-01-01T00:00:00Z"),
        dir.path(),
    );
    let server = TestServer::start(None, ok_handler("ok")).await;
    let client = client_with_exec(&server.http_url(), None, exec);
    send(&client, get(&server.http_url())).await;
    send(&client, get(&server.http_url())).await;
    assert_eq!(line_count(&dir.path().join("runs")), 2);
    assert_eq!(auth_headers(&server), ["Bearer token-1", "Bearer token-2"]);
}

#[tokio::test]
async fn a_401_reruns_the_plugin_and_retries_once() {
    let dir = tempfile::tempdir().unwrap();
    let exec = exec_config(
        counting_plugin(dir.path(), "2099-01-01T00:00:00Z"),
        dir.path(),
    );
    // The server has revoked token-1.
    let handler: Handler = Arc::new(|seen: &Seen| {
        if seen.header("authorization").as_deref() == Some("Bearer token-1") {
            response(401, &[], "revoked")
        } else {
            response(200, &[], "welcome")
        }
    });
    let server = TestServer::start(None, handler).await;
    let client = client_with_exec(&server.http_url(), None, exec);
    assert_eq!(
        send(&client, get(&server.http_url())).await,
        (200, "welcome".into())
    );
    assert_eq!(send(&client, get(&server.http_url())).await.0, 200);
    assert_eq!(line_count(&dir.path().join("runs")), 2);
    assert_eq!(
        auth_headers(&server),
        ["Bearer token-1", "Bearer token-2", "Bearer token-2"]
    );
}

#[tokio::test]
async fn a_second_401_is_returned_not_retried_forever() {
    let dir = tempfile::tempdir().unwrap();
    let exec = exec_config(
        counting_plugin(dir.path(), "2099-01-01T00:00:00Z"),
        dir.path(),
    );
    let server = TestServer::start(None, Arc::new(|_: &Seen| response(401, &[], "no"))).await;
    let client = client_with_exec(&server.http_url(), None, exec);
    assert_eq!(send(&client, get(&server.http_url())).await.0, 401);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(line_count(&dir.path().join("runs")), 2);
}

/// A plugin printing the credential stored in `$DIR/cred.json`.
fn file_plugin(dir: &Path) -> String {
    script(dir, "plugin.sh", "cat \"$DIR/cred.json\"\n")
}

fn write_cert_credential(dir: &Path, cert: &CertKey, expiry: &str) {
    let cred = serde_json::json!({
        "apiVersion": V1,
        "kind": "ExecCredential",
        "status": {
            "clientCertificateData": cert.cert_pem,
            "clientKeyData": cert.key_pem,
            "expirationTimestamp": expiry,
        }
    });
    std::fs::write(dir.join("cred.json"), cred.to_string()).unwrap();
}

#[tokio::test]
async fn client_certificates_from_the_plugin_are_used_and_rotated() {
    let ca = Ca::new("test CA");
    let first = ca.client_cert("first");
    let second = ca.client_cert("second");
    let tls = ServerTls {
        cert: ca.server_cert(&["127.0.0.1"]),
        alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        client_ca: Some(ca.cert_pem.clone()),
    };
    let server = TestServer::start(Some(tls), ok_handler("mtls")).await;
    let url = server.https_url();
    let dir = tempfile::tempdir().unwrap();
    // Already expired: the plugin runs for every request, so a new certificate shows at once.
    write_cert_credential(dir.path(), &first, "2001-01-01T00:00:00Z");
    let client = client_with_exec(
        &url,
        Some(&ca),
        exec_config(file_plugin(dir.path()), dir.path()),
    );

    assert_eq!(send(&client, get(&url)).await, (200, "mtls".into()));
    assert_eq!(send(&client, get(&url)).await.0, 200);
    write_cert_credential(dir.path(), &second, "2001-01-01T00:00:00Z");
    assert_eq!(send(&client, get(&url)).await.0, 200);

    let seen = server.requests();
    let certs: Vec<_> = seen
        .iter()
        .map(|s| s.client_cert.clone().unwrap())
        .collect();
    assert_eq!(certs[0], der_of(&first.cert_pem));
    assert_eq!(
        certs[1],
        der_of(&first.cert_pem),
        "same certificate, same connection"
    );
    assert_eq!(
        certs[2],
        der_of(&second.cert_pem),
        "new connection, new certificate"
    );
    assert!(seen.iter().all(|s| s.header("authorization").is_none()));
    assert_eq!(server.connection_count(), 2);
}

#[tokio::test]
async fn a_missing_command_shows_the_install_hint() {
    let dir = tempfile::tempdir().unwrap();
    let mut exec = exec_config("/nonexistent/kubectl-login".into(), dir.path());
    exec.install_hint = Some("Install it with `brew install kubectl-login`.".into());
    let server = TestServer::start(None, ok_handler("ok")).await;
    let client = client_with_exec(&server.http_url(), None, exec);
    let err = client.send(get(&server.http_url())).await.unwrap_err();
    assert!(matches!(err, Error::ExecPlugin { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("not found"), "{text}");
    assert!(text.contains("brew install kubectl-login"), "{text}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_failing_plugin_reports_its_exit_status_but_never_quotes_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(
        dir.path(),
        "fail.sh",
        "echo 'login required: run sso-login' >&2\nexit 3\n",
    );
    let server = TestServer::start(None, ok_handler("ok")).await;
    let client = client_with_exec(&server.http_url(), None, exec_config(command, dir.path()));
    let err = client.send(get(&server.http_url())).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("status 3"), "{text}");
    // Standard error may quote credentials: it goes to the terminal, as client-go does.
    assert!(!text.contains("login required"), "{text}");
}

#[tokio::test]
async fn an_invalid_answer_is_an_error_without_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"SENTINEL-exec-token"}}'
"#;
    let command = script(dir.path(), "wrong.sh", body);
    let server = TestServer::start(None, ok_handler("ok")).await;
    let client = client_with_exec(&server.http_url(), None, exec_config(command, dir.path()));
    let err = client.send(get(&server.http_url())).await.unwrap_err();
    let text = chain(&err);
    assert!(text.contains("apiVersion"), "{text}");
    assert!(!text.contains("SENTINEL"), "{text}");
    assert!(!format!("{err:?}").contains("SENTINEL"));
}

#[tokio::test]
async fn tokens_from_the_plugin_never_show_in_debug_output() {
    let dir = tempfile::tempdir().unwrap();
    let exec = exec_config(
        counting_plugin(dir.path(), "2099-01-01T00:00:00Z"),
        dir.path(),
    );
    let server = TestServer::start(None, ok_handler("ok")).await;
    let client = client_with_exec(&server.http_url(), None, exec);
    send(&client, get(&server.http_url())).await;
    assert!(!format!("{client:?}").contains("token-1"));
}
