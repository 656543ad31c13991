//! `socks5://` proxies (client-go accepts them in `proxy-url`): the destination's name goes to the
//! proxy (remote DNS, as Go's `net/http`), user and password from the URL are used, TLS runs
//! through the tunnel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use kclient_rest::HttpClient;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the SOCKS5 proxy was asked: the credentials offered and the destination.
#[derive(Debug, Clone, PartialEq)]
struct Asked {
    credentials: Option<(String, String)>,
    destination: String,
}

/// A minimal SOCKS5 server (RFC 1928/1929): no-auth or user/password, CONNECT only.
struct Socks5Proxy {
    addr: SocketAddr,
    asked: Arc<Mutex<Vec<Asked>>>,
}

impl Socks5Proxy {
    async fn start(require_auth: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = handle(client, require_auth, log).await;
                });
            }
        });
        Self { addr, asked }
    }
}

async fn handle(
    mut c: TcpStream,
    require_auth: bool,
    log: Arc<Mutex<Vec<Asked>>>,
) -> std::io::Result<()> {
    let mut head = [0u8; 2];
    c.read_exact(&mut head).await?;
    let mut methods = vec![0u8; usize::from(head[1])];
    c.read_exact(&mut methods).await?;
    let method = if require_auth { 2 } else { 0 };
    if !methods.contains(&method) {
        c.write_all(&[5, 0xff]).await?;
        return Ok(());
    }
    c.write_all(&[5, method]).await?;
    let mut credentials = None;
    if require_auth {
        let mut ver_len = [0u8; 2];
        c.read_exact(&mut ver_len).await?;
        let mut user = vec![0u8; usize::from(ver_len[1])];
        c.read_exact(&mut user).await?;
        let mut plen = [0u8; 1];
        c.read_exact(&mut plen).await?;
        let mut pass = vec![0u8; usize::from(plen[0])];
        c.read_exact(&mut pass).await?;
        let (user, pass) = (
            String::from_utf8(user).unwrap(),
            String::from_utf8(pass).unwrap(),
        );
        let ok = user == "kube" && pass == "s3cret";
        c.write_all(&[1, if ok { 0 } else { 1 }]).await?;
        credentials = Some((user, pass));
        if !ok {
            return Ok(());
        }
    }
    let mut req = [0u8; 4];
    c.read_exact(&mut req).await?;
    let host = match req[3] {
        1 => {
            let mut ip = [0u8; 4];
            c.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            c.read_exact(&mut len).await?;
            let mut name = vec![0u8; usize::from(len[0])];
            c.read_exact(&mut name).await?;
            String::from_utf8(name).unwrap()
        }
        _ => return Ok(()),
    };
    let mut port = [0u8; 2];
    c.read_exact(&mut port).await?;
    let port = u16::from_be_bytes(port);
    log.lock().unwrap().push(Asked {
        credentials,
        destination: format!("{host}:{port}"),
    });
    // Resolve the way a proxy does; the test servers listen on 127.0.0.1.
    let target = if host == "localhost" {
        "127.0.0.1".to_string()
    } else {
        host
    };
    let mut upstream = TcpStream::connect((target.as_str(), port)).await?;
    c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
    tokio::io::copy_bidirectional(&mut c, &mut upstream).await?;
    Ok(())
}

#[tokio::test]
async fn https_through_an_authenticating_socks5_proxy_with_remote_dns() {
    let ca = Ca::new("socks-ca");
    let server = tls_server(&ca, &[b"h2", b"http/1.1"], ok_handler("through socks")).await;
    let proxy = Socks5Proxy::start(true).await;
    let url = format!("https://localhost:{}", server.addr.port());
    let mut config = config_for(&url, Some(&ca));
    config.proxy_url = Some(format!("socks5://kube:s3cret@{}", proxy.addr));
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(
        send(&client, get(&format!("{url}/version"))).await,
        (200, "through socks".into())
    );
    assert_eq!(
        proxy.asked.lock().unwrap().clone(),
        [Asked {
            credentials: Some(("kube".into(), "s3cret".into())),
            destination: format!("localhost:{}", server.addr.port()),
        }],
        "the host name goes to the proxy, with the URL's credentials"
    );
    // The password never shows in the client's Debug output.
    assert!(!format!("{config:?}").contains("s3cret"));
}

#[tokio::test]
async fn plain_http_through_a_socks5_proxy_and_wrong_credentials_fail_clearly() {
    let server = TestServer::start(None, ok_handler("plain")).await;
    let proxy = Socks5Proxy::start(false).await;
    let mut config = config_for(&server.http_url(), None);
    config.proxy_url = Some(format!("socks5://{}", proxy.addr));
    let client = HttpClient::for_config(&config).unwrap();
    assert_eq!(
        send(&client, get(&server.http_url())).await,
        (200, "plain".into())
    );
    assert_eq!(proxy.asked.lock().unwrap()[0].credentials, None);

    let strict = Socks5Proxy::start(true).await;
    config.proxy_url = Some(format!("socks5://kube:wrong@{}", strict.addr));
    let client = HttpClient::for_config(&config).unwrap();
    let err = client.send(get(&server.http_url())).await.unwrap_err();
    assert!(!chain(&err).contains("wrong"), "{}", chain(&err));
    assert!(
        err.to_string().contains("connect") || chain(&err).to_lowercase().contains("socks"),
        "{}",
        chain(&err)
    );
}

#[test]
fn unsupported_proxy_schemes_are_refused_when_the_client_is_built() {
    let mut config = config_for("https://127.0.0.1:6443", None);
    config.proxy_url = Some("socks4://127.0.0.1:1080".into());
    let err = HttpClient::for_config(&config).unwrap_err();
    assert!(err.to_string().contains("socks4"), "{err}");
}
