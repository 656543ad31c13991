//! Unit tests of the exec credential wire types.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::config::InteractiveMode;

const SENTINEL: &str = "SENTINEL-exec-token-c0ffee";

fn exec(api: &str, provide: bool) -> ExecConfig {
    ExecConfig {
        api_version: api.into(),
        command: "plugin".into(),
        args: vec![],
        env: vec![],
        install_hint: None,
        provide_cluster_info: provide,
        interactive_mode: InteractiveMode::Never,
        cluster: Some(ExecClusterInfo {
            server: "https://k:6443".into(),
            tls_server_name: Some("kube".into()),
            insecure_skip_tls_verify: false,
            certificate_authority_data: Some(b"PEM".to_vec()),
            proxy_url: None,
            disable_compression: true,
            config: Some(serde_json::json!({"audience": "x"})),
        }),
    }
}

#[test]
fn exec_info_without_cluster() {
    let json = exec_info_json(&exec(V1, false), false).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "apiVersion": V1, "kind": "ExecCredential", "spec": {"interactive": false}
        })
    );
}

#[test]
fn exec_info_with_cluster() {
    let json = exec_info_json(&exec(V1BETA1, true), true).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "apiVersion": V1BETA1, "kind": "ExecCredential",
            "spec": {
                "interactive": true,
                "cluster": {
                    "server": "https://k:6443",
                    "tls-server-name": "kube",
                    "certificate-authority-data": "UEVN",
                    "disable-compression": true,
                    "config": {"audience": "x"}
                }
            }
        })
    );
    // And it reads back.
    let back: ExecCredential = serde_json::from_str(&json).unwrap();
    let cluster = back.spec.cluster.unwrap();
    assert_eq!(
        cluster.certificate_authority_data.as_deref(),
        Some(&b"PEM"[..])
    );
}

#[test]
fn output_with_token_and_expiry() {
    let out = format!(
        r#"{{"apiVersion":"{V1}","kind":"ExecCredential","status":{{"token":"{SENTINEL}","expirationTimestamp":"2030-01-02T03:04:05Z"}}}}"#
    );
    let cred = ExecCredential::from_plugin_output(out.as_bytes(), V1).unwrap();
    let status = cred.status.as_ref().unwrap();
    assert_eq!(status.token.as_ref().unwrap().expose_secret(), SENTINEL);
    let exp = status.expiration_timestamp.unwrap();
    assert_eq!(exp.to_string(), "2030-01-02T03:04:05Z");
    assert!(!status.is_expired_at("2029-12-31T00:00:00Z".parse().unwrap()));
    assert!(status.is_expired_at("2030-01-02T03:04:05Z".parse().unwrap()));
    assert!(!format!("{cred:?}").contains(SENTINEL));
}

#[test]
fn output_with_cert_pair_as_yaml() {
    let out = format!(
        "apiVersion: {V1BETA1}\nkind: ExecCredential\nstatus:\n  clientCertificateData: CERT\n  clientKeyData: {SENTINEL}\n"
    );
    let cred = ExecCredential::from_plugin_output(out.as_bytes(), V1BETA1).unwrap();
    let status = cred.status.unwrap();
    assert_eq!(status.client_certificate_data.as_deref(), Some("CERT"));
    assert!(status.expiration_timestamp.is_none());
    assert!(!status.is_expired_at(jiff::Timestamp::MAX));
}

#[test]
fn output_rejections_never_quote_secrets() {
    let cases = [
        (
            format!(
                r#"{{"apiVersion":"{V1BETA1}","kind":"ExecCredential","status":{{"token":"{SENTINEL}"}}}}"#
            ),
            "configured for apiVersion",
        ),
        (
            format!(r#"{{"apiVersion":"{V1}","kind":"Other","status":{{"token":"{SENTINEL}"}}}}"#),
            "kind is \"Other\"",
        ),
        (
            format!(r#"{{"apiVersion":"{V1}","kind":"ExecCredential"}}"#),
            "no status",
        ),
        (
            format!(
                r#"{{"apiVersion":"{V1}","kind":"ExecCredential","status":{{"clientKeyData":"{SENTINEL}"}}}}"#
            ),
            "only one of",
        ),
        (
            format!(r#"{{"apiVersion":"{V1}","kind":"ExecCredential","status":{{}}}}"#),
            "neither a token",
        ),
        (
            format!(r#"{{"apiVersion":"{V1}","status":{{"token":"{SENTINEL}",}}}}"#),
            "syntax error at line 1",
        ),
        (
            format!(
                r#"{{"apiVersion":"{V1}","kind":"ExecCredential","status":{{"token":"{SENTINEL}","expirationTimestamp":"{SENTINEL}"}}}}"#
            ),
            "data error",
        ),
        ("just words: [".to_owned(), "yaml error"),
    ];
    for (out, expected) in cases {
        let e = ExecCredential::from_plugin_output(out.as_bytes(), V1).unwrap_err();
        let msg = format!("{e} / {e:?}");
        assert!(msg.contains(expected), "{msg} should contain {expected}");
        assert!(!msg.contains(SENTINEL), "{msg} leaks the secret");
    }
}
