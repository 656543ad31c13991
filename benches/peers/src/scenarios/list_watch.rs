//! Benchmark 1: a typed list of 10,000 pods and a watch of 30,000 `MODIFIED` pod events, through
//! each library's everyday typed API.

use std::hint::black_box;
use std::time::Instant;

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod as KubePod;
use kclient_apimachinery::options::ListOptions;
use kclient_apimachinery::watch::WatchEvent;
use kclient_typed::Clientset;
use kube::api::{Api, ListParams, WatchParams};

use super::{BoxError, Figures, kclient_config, kclient_protobuf_config, kube_client, ms};
use crate::fixtures::{LIST_PODS, TRICKLE_EVENTS, WATCH_EVENTS};
use crate::measure::{cpu_ms, rss_kib};

/// `pods("bench").list()` through the kclient clientset, in JSON or protobuf.
pub async fn list_kclient(url: &str, protobuf: bool) -> Result<Figures, BoxError> {
    let config = if protobuf {
        kclient_protobuf_config(url)
    } else {
        kclient_config(url)
    };
    let cs = Clientset::new(config)?;
    let pods = cs.core_v1().pods("bench");
    let base = rss_kib();
    let started = Instant::now();
    let list = pods.list(&ListOptions::default()).await?;
    let wall = started.elapsed();
    check(list.items.len(), LIST_PODS)?;
    let held = rss_kib();
    black_box(list);
    Ok(vec![
        ("wall_ms", ms(wall)),
        ("base_kib", base as f64),
        ("held_kib", held as f64),
    ])
}

/// `Api::<Pod>::namespaced(client, "bench").list()` through kube-rs.
pub async fn list_kube(url: &str) -> Result<Figures, BoxError> {
    let pods: Api<KubePod> = Api::namespaced(kube_client(url)?, "bench");
    let base = rss_kib();
    let started = Instant::now();
    let list = pods.list(&ListParams::default()).await?;
    let wall = started.elapsed();
    check(list.items.len(), LIST_PODS)?;
    let held = rss_kib();
    black_box(list);
    Ok(vec![
        ("wall_ms", ms(wall)),
        ("base_kib", base as f64),
        ("held_kib", held as f64),
    ])
}

/// The shapes of watch stream the server offers (see `server.rs`): namespace, HTTPS or not,
/// and the number of events.
#[derive(Clone, Copy)]
pub struct Shape {
    namespace: &'static str,
    tls: bool,
    events: usize,
    protobuf: bool,
}

/// One event per chunk, HTTP/1.1.
pub const ONE_PER_CHUNK: Shape = Shape {
    namespace: "bench",
    tls: false,
    events: WATCH_EVENTS,
    protobuf: false,
};
/// 64 KiB chunks (many events per chunk), HTTP/1.1.
pub const CHUNKED: Shape = Shape {
    namespace: "chunked",
    tls: false,
    events: WATCH_EVENTS,
    protobuf: false,
};
/// One event per chunk over HTTPS (HTTP/2 where the client offers it).
pub const TLS: Shape = Shape {
    namespace: "bench",
    tls: true,
    events: WATCH_EVENTS,
    protobuf: false,
};
/// A slow watch: one event every 0.5 ms.
pub const TRICKLE: Shape = Shape {
    namespace: "trickle",
    tls: false,
    events: TRICKLE_EVENTS,
    protobuf: false,
};
/// One event per chunk, in protobuf (kclient only: kube-rs has no protobuf).
pub const PROTOBUF: Shape = Shape {
    namespace: "bench",
    tls: false,
    events: WATCH_EVENTS,
    protobuf: true,
};

/// The figures of a watch: wall time, CPU time of the process during it, and the resident
/// memory before it (the peak is added by the caller).
fn watch_figures(wall: std::time::Duration, cpu: f64, base: u64) -> Figures {
    vec![
        ("wall_ms", ms(wall)),
        ("cpu_ms", cpu),
        ("base_kib", base as f64),
    ]
}

/// `pods(ns).watch()` through the kclient clientset, consuming every event.
pub async fn watch_kclient(url: &str, shape: Shape) -> Result<Figures, BoxError> {
    let config = if shape.tls {
        let (url, pem, _) = tls_target()?;
        let mut config = kclient_config(&url);
        config.tls.ca = Some(kclient_config::DataSource::Data(pem));
        config
    } else if shape.protobuf {
        kclient_protobuf_config(url)
    } else {
        kclient_config(url)
    };
    let cs = Clientset::new(config)?;
    let pods = cs.core_v1().pods(shape.namespace);
    // Connect first (TLS handshake, HTTP/2 preface) so only the watch is measured: a list in
    // a namespace the server does not have (a small 404).
    let warm_up = cs.core_v1().pods("warm-up");
    warm_up.list(&ListOptions::default()).await.ok();
    let base = rss_kib();
    let cpu = cpu_ms();
    let started = Instant::now();
    let mut events = pods.watch(&ListOptions::default()).await?;
    let mut modified = 0;
    while let Some(event) = events.next().await {
        if let WatchEvent::Modified(pod) = event? {
            modified += 1;
            black_box(pod);
        }
    }
    let wall = started.elapsed();
    let cpu = cpu_ms() - cpu;
    check(modified, shape.events)?;
    Ok(watch_figures(wall, cpu, base))
}

/// `Api::<Pod>::watch(&WatchParams::default(), "0")` through kube-rs, consuming every event.
pub async fn watch_kube(url: &str, shape: Shape) -> Result<Figures, BoxError> {
    let client = if shape.tls {
        let (url, _, der) = tls_target()?;
        let mut config = kube::Config::new(url.parse::<http::Uri>()?);
        config.root_cert = Some(vec![der]);
        kube::Client::try_from(config)?
    } else {
        kube_client(url)?
    };
    let pods: Api<KubePod> = Api::namespaced(client, shape.namespace);
    let warm_up: Api<KubePod> = Api::namespaced(pods.clone().into_client(), "warm-up");
    warm_up.list(&ListParams::default()).await.ok();
    let base = rss_kib();
    let cpu = cpu_ms();
    let started = Instant::now();
    let mut events = pods.watch(&WatchParams::default(), "0").await?.boxed();
    let mut modified = 0;
    while let Some(event) = events.try_next().await? {
        if let kube::api::WatchEvent::Modified(pod) = event {
            modified += 1;
            black_box(pod);
        }
    }
    let wall = started.elapsed();
    let cpu = cpu_ms() - cpu;
    check(modified, shape.events)?;
    Ok(watch_figures(wall, cpu, base))
}

/// The HTTPS server's URL and certificate (PEM, DER), from the environment the parent sets.
fn tls_target() -> Result<(String, Vec<u8>, Vec<u8>), BoxError> {
    let url = std::env::var(crate::TLS_URL_ENV)?;
    let dir = std::path::PathBuf::from(std::env::var(crate::TLS_DIR_ENV)?);
    Ok((
        url,
        std::fs::read(dir.join("cert.pem"))?,
        std::fs::read(dir.join("cert.der"))?,
    ))
}

/// Fails unless `got` objects arrived of the `want` expected.
pub fn check(got: usize, want: usize) -> Result<(), BoxError> {
    if got == want {
        Ok(())
    } else {
        Err(format!("got {got} objects, expected {want}").into())
    }
}
