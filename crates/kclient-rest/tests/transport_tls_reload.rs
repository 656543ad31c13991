//! TLS files named by the config (client certificate, key, CA) are re-read when they change
//! (client-go's certificate and CA rotation for file-based credentials), under a running client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::path::Path;
use std::time::Duration;

use kclient_config::DataSource;
use kclient_rest::HttpClient;
use support::*;

const RELOAD: Duration = Duration::from_millis(200);

/// Writes `contents` to `path` the way rotation tools do: a new file renamed over the old one.
fn rotate(path: &Path, contents: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn after_reload_interval() {
    tokio::time::sleep(RELOAD + Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_rotated_client_certificate_is_presented_on_new_connections() {
    let ca = Ca::new("reload-ca");
    let server = TestServer::start(
        Some(ServerTls {
            cert: ca.server_cert(&["127.0.0.1"]),
            alpn: vec![b"http/1.1".to_vec()],
            client_ca: Some(ca.cert_pem.clone()),
        }),
        ok_handler("ok"),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("client.crt"), dir.path().join("client.key"));
    let alice = ca.client_cert("alice");
    let bob = ca.client_cert("bob");
    rotate(&cert_path, &alice.cert_pem);
    rotate(&key_path, &alice.key_pem);

    let mut config = config_for(&server.https_url(), Some(&ca));
    config.tls.client_cert = Some(DataSource::File(cert_path.clone()));
    config.tls.client_key = Some(DataSource::File(key_path.clone()));
    let client = HttpClient::builder(&config)
        .tls_reload_interval(RELOAD)
        .build()
        .unwrap();
    let presented = |i: usize| server.requests()[i].client_cert.clone().unwrap();

    assert_eq!(send(&client, get(&server.https_url())).await.0, 200);
    assert_eq!(presented(0), der_of(&alice.cert_pem));

    rotate(&cert_path, &bob.cert_pem);
    rotate(&key_path, &bob.key_pem);
    // Before the interval has passed, nothing is re-read.
    assert_eq!(send(&client, get(&server.https_url())).await.0, 200);
    assert_eq!(presented(1), der_of(&alice.cert_pem));
    after_reload_interval().await;
    assert_eq!(send(&client, get(&server.https_url())).await.0, 200);
    assert_eq!(presented(2), der_of(&bob.cert_pem));
    assert_eq!(
        server.connection_count(),
        2,
        "the rotation opened a new connection"
    );

    // A half-written rotation (a certificate that does not parse) keeps the working one.
    rotate(&cert_path, "-----BEGIN CERTIFICATE-----\nnot base64\n");
    after_reload_interval().await;
    assert_eq!(send(&client, get(&server.https_url())).await.0, 200);
    assert_eq!(presented(3), der_of(&bob.cert_pem));
    // A vanished file also keeps it.
    std::fs::remove_file(&cert_path).unwrap();
    after_reload_interval().await;
    assert_eq!(send(&client, get(&server.https_url())).await.0, 200);
    assert_eq!(presented(4), der_of(&bob.cert_pem));
}

#[tokio::test]
async fn a_rotated_ca_file_is_trusted_for_new_connections() {
    let old_ca = Ca::new("old-ca");
    let new_ca = Ca::new("new-ca");
    let server = tls_server(&new_ca, &[b"http/1.1"], ok_handler("ok")).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.crt");
    rotate(&ca_path, &old_ca.cert_pem);
    let mut config = config_for(&server.https_url(), None);
    config.tls.ca = Some(DataSource::File(ca_path.clone()));
    let client = HttpClient::builder(&config)
        .tls_reload_interval(RELOAD)
        .build()
        .unwrap();

    let err = client.send(get(&server.https_url())).await.unwrap_err();
    assert!(
        chain(&err).to_lowercase().contains("certificate"),
        "{}",
        chain(&err)
    );

    rotate(&ca_path, &format!("{}{}", old_ca.cert_pem, new_ca.cert_pem));
    after_reload_interval().await;
    assert_eq!(
        send(&client, get(&server.https_url())).await,
        (200, "ok".into())
    );
}

/// Every check of the CA file is reported (client-go's `TransportCAReloads`: result and
/// reason), and a CA file that went bad keeps the working CA.
#[tokio::test]
async fn ca_file_checks_are_reported_to_the_metrics_sink() {
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct CaReloads(Mutex<Vec<String>>);
    impl kclient_rest::metrics::ClientMetrics for CaReloads {
        fn transport_ca_reload(&self, result: &str, reason: &str) {
            self.0.lock().unwrap().push(format!("{result}/{reason}"));
        }
    }

    let old_ca = Ca::new("old-ca");
    let new_ca = Ca::new("new-ca");
    let server = tls_server(&new_ca, &[b"http/1.1"], ok_handler("ok")).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.crt");
    rotate(&ca_path, &old_ca.cert_pem);
    let mut config = config_for(&server.https_url(), None);
    config.tls.ca = Some(DataSource::File(ca_path.clone()));
    let sink = Arc::new(CaReloads::default());
    let client = HttpClient::builder(&config)
        .tls_reload_interval(RELOAD)
        .metrics(sink.clone())
        .build()
        .unwrap();
    let url = server.https_url();
    assert!(client.send(get(&url)).await.is_err());

    let steps: [(Option<String>, &str, bool); 5] = [
        (Some(new_ca.cert_pem.clone()), "success/updated", true),
        (None, "success/unchanged", true),
        (
            Some("not a certificate".into()),
            "failure/ca_parse_error",
            true,
        ),
        (Some("\n".into()), "failure/empty", true),
        (None, "failure/read_error", true),
    ];
    for (i, (contents, expected, works)) in steps.into_iter().enumerate() {
        match contents {
            Some(c) => rotate(&ca_path, &c),
            None if i == 4 => std::fs::remove_file(&ca_path).unwrap(),
            None => {}
        }
        after_reload_interval().await;
        let ok = send(&client, get(&url)).await == (200, "ok".into());
        assert_eq!(ok, works, "step {i}");
        assert_eq!(
            sink.0.lock().unwrap().last().map(String::as_str),
            Some(expected),
            "step {i}: {:?}",
            sink.0.lock().unwrap()
        );
    }
}
