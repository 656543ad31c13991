//! The scenarios a child process runs, one per process; each returns the figures it measured.

mod breakdown;
pub mod controller;
pub mod heap;
mod informer;
mod list_watch;

use crate::measure::{peak_kib, rss_kib};

/// A boxed error, for the benchmark's own plumbing.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Figures a scenario reports, by name.
pub type Figures = Vec<(&'static str, f64)>;

/// Every scenario: name, and what it does (for the parent's tables).
pub const SCENARIOS: &[(&str, &str)] = &[
    ("list-kclient", "kclient `Clientset` pods().list()"),
    ("list-kube", "kube-rs `Api::<Pod>::list`"),
    (
        "list-protobuf",
        "kclient `Clientset` pods().list() in protobuf",
    ),
    (
        "watch-kclient",
        "kclient `Clientset` pods().watch(), one event per chunk",
    ),
    (
        "watch-kube",
        "kube-rs `Api::<Pod>::watch`, one event per chunk",
    ),
    ("watch64k-kclient", "kclient watch, 64 KiB chunks"),
    ("watch64k-kube", "kube-rs watch, 64 KiB chunks"),
    (
        "watchtls-kclient",
        "kclient watch, HTTPS (HTTP/2), one event per chunk",
    ),
    (
        "watchtls-kube",
        "kube-rs watch, HTTPS (HTTP/1.1: kube-rs has no HTTP/2)",
    ),
    (
        "trickle-kclient",
        "kclient watch, 2,000 events, one per 0.5 ms",
    ),
    (
        "trickle-kube",
        "kube-rs watch, 2,000 events, one per 0.5 ms",
    ),
    (
        "watchproto-kclient",
        "kclient watch in protobuf, one event per chunk",
    ),
    (
        "informer-kclient",
        "kclient-cache `InformerFactory` ConfigMap informer",
    ),
    ("informer-kube", "kube-rs `reflector(store, watcher(api))`"),
    (
        "controller-kclient",
        "kclient-runtime `Controller`, 16 at once, one merge patch per ConfigMap",
    ),
    (
        "controller-kube",
        "kube-runtime `Controller`, 16 at once, one merge patch per ConfigMap",
    ),
    (
        "informer-protobuf",
        "kclient-cache ConfigMap informer in protobuf",
    ),
    (
        "body-list-kclient",
        "pod list body only: kclient `RestClient::bytes()`",
    ),
    (
        "body-list-kube",
        "pod list body only: kube-rs `Client::request_text`",
    ),
    (
        "decode-list-kclient",
        "from_slice of the list body into kclient-typed `PodList`",
    ),
    (
        "decode-list-kube",
        "from_slice of the list body into kube `ObjectList<Pod>`",
    ),
    (
        "body-watch-kclient",
        "pod watch body only, chunk by chunk: kclient `RestClient::stream()`",
    ),
    (
        "decode-watch-kclient",
        "from_slice of each event into kclient `WatchEvent<Pod>`",
    ),
    (
        "decode-watch-kube",
        "from_slice of each event into kube `WatchEvent<Pod>`",
    ),
    (
        "heap-configmap-kclient",
        "100,000 ConfigMaps decoded from memory into kclient-typed, held",
    ),
    (
        "heap-configmap-kube",
        "100,000 ConfigMaps decoded from memory into k8s-openapi, held",
    ),
    (
        "heap-fieldsv1",
        "only their `fieldsV1` (a `serde_json::Value` in both), held",
    ),
];

/// Runs `scenario` against the server at `url` in this process and returns its figures, with
/// the process's peak and final resident memory added.
pub fn run(scenario: &str, url: &str) -> Result<Figures, BoxError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut figures = runtime.block_on(async {
        match scenario {
            "list-kclient" => list_watch::list_kclient(url, false).await,
            "list-protobuf" => list_watch::list_kclient(url, true).await,
            "list-kube" => list_watch::list_kube(url).await,
            "watch-kclient" => list_watch::watch_kclient(url, list_watch::ONE_PER_CHUNK).await,
            "watch-kube" => list_watch::watch_kube(url, list_watch::ONE_PER_CHUNK).await,
            "watch64k-kclient" => list_watch::watch_kclient(url, list_watch::CHUNKED).await,
            "watch64k-kube" => list_watch::watch_kube(url, list_watch::CHUNKED).await,
            "watchtls-kclient" => list_watch::watch_kclient(url, list_watch::TLS).await,
            "watchtls-kube" => list_watch::watch_kube(url, list_watch::TLS).await,
            "trickle-kclient" => list_watch::watch_kclient(url, list_watch::TRICKLE).await,
            "trickle-kube" => list_watch::watch_kube(url, list_watch::TRICKLE).await,
            "watchproto-kclient" => list_watch::watch_kclient(url, list_watch::PROTOBUF).await,
            "informer-kclient" => informer::kclient(url, false).await,
            "informer-protobuf" => informer::kclient(url, true).await,
            "informer-kube" => informer::kube(url).await,
            "controller-kclient" => controller::kclient(url).await,
            "controller-kube" => controller::kube(url).await,
            "body-list-kclient" => breakdown::body_kclient(url).await,
            "body-list-kube" => breakdown::body_kube(url).await,
            "decode-list-kclient" => breakdown::decode_list_kclient(url).await,
            "decode-list-kube" => breakdown::decode_list_kube(url).await,
            "body-watch-kclient" => breakdown::body_watch_kclient(url).await,
            "decode-watch-kclient" => breakdown::decode_watch_kclient(url).await,
            "decode-watch-kube" => breakdown::decode_watch_kube(url).await,
            "heap-configmap-kclient" => heap::configmap_kclient(),
            "heap-configmap-kube" => heap::configmap_kube(),
            "heap-fieldsv1" => heap::fields_v1(),
            other => Err(format!("unknown scenario {other:?}").into()),
        }
    })?;
    figures.push(("peak_kib", peak_kib() as f64));
    figures.push(("end_kib", rss_kib() as f64));
    drop(runtime);
    Ok(figures)
}

/// A kclient configuration for `url`: no auth, no client-side rate limit.
fn kclient_config(url: &str) -> kclient_config::Config {
    let mut config = kclient_config::Config::new(url);
    config.qps = -1.0;
    config
}

/// The same, asking for protobuf (as client-go's clientsets do for built-in kinds).
fn kclient_protobuf_config(url: &str) -> kclient_config::Config {
    let mut config = kclient_config(url);
    config.content.content_type = Some(kclient_apimachinery::protobuf::MEDIA_TYPE.into());
    config
}

/// A kube-rs client for `url`, no auth. Needs a running Tokio runtime.
fn kube_client(url: &str) -> Result<kube::Client, BoxError> {
    let config = kube::Config::new(url.parse::<http::Uri>()?);
    Ok(kube::Client::try_from(config)?)
}

/// Milliseconds in `d`.
fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
