//! TLS against a real local HTTPS server: CA trust, client certificates, server name override,
//! HTTP/2 negotiation and multiplexing, HTTP/1.1 fallback, insecure mode.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use http::Version;
use kclient_config::DataSource;
use kclient_rest::HttpClient;
use support::*;

#[tokio::test]
async fn custom_ca_is_trusted_and_an_untrusted_server_is_refused() {
    let ca = Ca::new("test CA");
    let server = tls_server(&ca, &[b"h2", b"http/1.1"], ok_handler("hello")).await;
    let url = server.https_url();

    let client = HttpClient::for_config(&config_for(&url, Some(&ca))).unwrap();
    assert_eq!(
        send(&client, get(&format!("{url}/api"))).await,
        (200, "hello".into())
    );

    let other = Ca::new("other CA");
    let client = HttpClient::for_config(&config_for(&url, Some(&other))).unwrap();
    let err = client.send(get(&format!("{url}/api"))).await.unwrap_err();
    assert!(err.is_connect(), "{}", chain(&err));
    assert!(chain(&err).contains("UnknownIssuer"), "{}", chain(&err));
}

#[tokio::test]
async fn ca_bundles_with_several_certificates_and_ca_files_work() {
    let ca = Ca::new("test CA");
    let other = Ca::new("other CA");
    let server = tls_server(&ca, &[b"http/1.1"], ok_handler("ok")).await;
    let url = server.https_url();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.pem");
    std::fs::write(&path, format!("{}\n{}", other.cert_pem, ca.cert_pem)).unwrap();

    let mut config = config_for(&url, None);
    config.tls.ca = Some(DataSource::File(path));
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&url)).await.0, 200);
}

#[tokio::test]
async fn unreadable_or_empty_ca_is_a_clear_error() {
    let mut config = config_for("https://127.0.0.1:1", None);
    config.tls.ca = Some(DataSource::File("/nonexistent/ca.crt".into()));
    let err = HttpClient::for_config(&config).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ca.crt"), "{err}");
    config.tls.ca = Some(DataSource::Data(b"garbage".to_vec()));
    let err = HttpClient::for_config(&config).unwrap_err();
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
}

#[tokio::test]
async fn client_certificates_are_presented_when_the_server_requires_them() {
    let ca = Ca::new("test CA");
    let client_cert = ca.client_cert("jane");
    let tls = ServerTls {
        cert: ca.server_cert(&["127.0.0.1"]),
        alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        client_ca: Some(ca.cert_pem.clone()),
    };
    let server = TestServer::start(Some(tls), ok_handler("hi jane")).await;
    let url = server.https_url();

    let mut config = config_for(&url, Some(&ca));
    config.tls.client_cert = Some(DataSource::Data(client_cert.cert_pem.clone().into_bytes()));
    config.tls.client_key = Some(DataSource::Data(client_cert.key_pem.clone().into_bytes()));
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&url)).await, (200, "hi jane".into()));
    let seen = server.requests();
    assert_eq!(
        seen[0].client_cert.as_deref(),
        Some(&der_of(&client_cert.cert_pem)[..])
    );

    // Without a client certificate the server refuses the handshake.
    let anonymous = HttpClient::for_config(&config_for(&url, Some(&ca))).unwrap();
    assert!(anonymous.send(get(&url)).await.is_err());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_key_that_does_not_match_the_certificate_is_refused_at_build_time() {
    let ca = Ca::new("test CA");
    let a = ca.client_cert("a");
    let b = ca.client_cert("b");
    let mut config = config_for("https://127.0.0.1:1", Some(&ca));
    config.tls.client_cert = Some(DataSource::Data(a.cert_pem.into_bytes()));
    config.tls.client_key = Some(DataSource::Data(b.key_pem.clone().into_bytes()));
    let err = HttpClient::for_config(&config).unwrap_err();
    let text = chain(&err);
    assert!(text.contains("client certificate and key"), "{text}");
    assert!(!text.contains(&b.key_pem[40..80]), "key material leaked");
}

#[tokio::test]
async fn tls_server_name_overrides_verification_and_sni() {
    let ca = Ca::new("test CA");
    let tls = ServerTls {
        cert: ca.server_cert(&["kube.test"]),
        alpn: vec![b"http/1.1".to_vec()],
        client_ca: None,
    };
    let server = TestServer::start(Some(tls), ok_handler("named")).await;
    let url = server.https_url();

    // The certificate is not valid for 127.0.0.1 …
    let client = HttpClient::for_config(&config_for(&url, Some(&ca))).unwrap();
    let err = client.send(get(&url)).await.unwrap_err();
    assert!(
        chain(&err).contains("not valid for name"),
        "{}",
        chain(&err)
    );

    // … but it is for the configured server name, which is also sent as SNI.
    let mut config = config_for(&url, Some(&ca));
    config.tls.server_name = Some("kube.test".into());
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&url)).await, (200, "named".into()));
    let seen = server.requests();
    assert_eq!(seen.last().unwrap().sni.as_deref(), Some("kube.test"));
}

#[tokio::test]
async fn http2_is_negotiated_and_concurrent_requests_share_one_connection() {
    let ca = Ca::new("test CA");
    let server = tls_server(&ca, &[b"h2", b"http/1.1"], ok_handler("h2")).await;
    let url = server.https_url();
    let client = HttpClient::for_config(&config_for(&url, Some(&ca))).unwrap();

    assert_eq!(send(&client, get(&url)).await.0, 200);
    let requests = (0..8).map(|i| {
        let client = client.clone();
        let url = format!("{url}/r/{i}");
        async move { send(&client, get(&url)).await }
    });
    let results = futures_util::future::join_all(requests).await;
    assert!(results.iter().all(|(status, _)| *status == 200));

    let seen = server.requests();
    assert_eq!(seen.len(), 9);
    assert!(
        seen.iter().all(|s| s.version == Version::HTTP_2),
        "{seen:?}"
    );
    assert_eq!(
        server.connection_count(),
        1,
        "HTTP/2 multiplexes on one connection"
    );
}

#[tokio::test]
async fn http2_can_be_turned_off_per_client_or_by_disable_http2() {
    let ca = Ca::new("test CA");
    let server = tls_server(&ca, &[b"h2", b"http/1.1"], ok_handler("h1")).await;
    let url = server.https_url();
    let config = config_for(&url, Some(&ca));
    // In the child process below, DISABLE_HTTP2 is set: the default client stays on HTTP/1.1.
    let env_disabled = std::env::var_os("DISABLE_HTTP2").is_some_and(|v| !v.is_empty());
    let default_client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&default_client, get(&url)).await.0, 200);
    let off = HttpClient::builder(&config).http2(false).build().unwrap();
    assert_eq!(send(&off, get(&url)).await.0, 200);
    let versions: Vec<_> = server.requests().iter().map(|s| s.version).collect();
    let expected_default = if env_disabled {
        Version::HTTP_11
    } else {
        Version::HTTP_2
    };
    assert_eq!(versions, [expected_default, Version::HTTP_11]);
    if env_disabled {
        return;
    }
    // The environment is the process's: run this test again in a child process with
    // DISABLE_HTTP2=1 (no unsafe `set_var` in a threaded test).
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "http2_can_be_turned_off_per_client_or_by_disable_http2",
            "--quiet",
        ])
        .env("DISABLE_HTTP2", "1")
        .status()
        .unwrap();
    assert!(status.success(), "the run with DISABLE_HTTP2=1 failed");
}

#[tokio::test]
async fn http11_is_used_when_the_server_does_not_offer_h2() {
    let ca = Ca::new("test CA");
    for alpn in [&[b"http/1.1".as_slice()][..], &[][..]] {
        let server = tls_server(&ca, alpn, ok_handler("h1")).await;
        let url = server.https_url();
        let client = HttpClient::for_config(&config_for(&url, Some(&ca))).unwrap();
        assert_eq!(send(&client, get(&url)).await, (200, "h1".into()));
        assert_eq!(server.requests()[0].version, Version::HTTP_11);
    }
}

#[tokio::test]
async fn insecure_mode_accepts_an_untrusted_certificate() {
    let ca = Ca::new("unknown CA");
    let server = tls_server(&ca, &[b"h2"], ok_handler("whatever")).await;
    let url = server.https_url();
    let mut config = config_for(&url, None);
    config.tls.insecure = true;
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(send(&client, get(&url)).await, (200, "whatever".into()));
}

#[tokio::test]
async fn plain_http_works_and_a_closed_port_is_a_connect_error() {
    let server = TestServer::start(None, ok_handler("plain")).await;
    let client = HttpClient::for_config(&config_for(&server.http_url(), None)).unwrap();
    assert_eq!(
        send(&client, get(&server.http_url())).await,
        (200, "plain".into())
    );

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/api");
    let err = client.send(get(&url)).await.unwrap_err();
    assert!(err.is_connect(), "{}", chain(&err));
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}/api")),
        "{err}"
    );
}
