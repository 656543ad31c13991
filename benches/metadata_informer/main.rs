//! An informer over 100,000 ConfigMaps three ways: full objects (`for_resource::<ConfigMap>`),
//! full objects with a transform that drops `managedFields` (`set_transform`, client-go's
//! `SetTransform`), and metadata only (`for_metadata`, client-go's `metadatainformer`, asking
//! the server for `PartialObjectMetadataList` pages and `PartialObjectMetadata` watch events).
//!
//! The parent process generates the ConfigMaps (the generator of the kube-rs comparison,
//! `benches/peers/src/fixtures.rs`: three labels, one `managedFields` entry, two data keys),
//! serves them from a stand-in API server on 127.0.0.1 (pages of 500, `continue` = next index;
//! each page as full objects or as their metadata, as the `Accept` header asks), and runs each
//! scenario [`RUNS`] times in a fresh child process so that its peak memory (`VmHWM`) is its
//! own. Figures are medians.
//!
//! Run: `cargo bench -p kclient-benches --bench metadata_informer`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../shared/pods.rs"]
mod pods;

#[allow(dead_code)]
#[path = "../peers/src/fixtures.rs"]
mod fixtures;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream;
use http::{Request, Response};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use kclient_apimachinery::{ApiResource, GroupVersionKind};
use kclient_cache::InformerFactory;
use kclient_cache::reflector::{ReflectorOptions, WatchListMode};
use kclient_typed::api::core::v1::ConfigMap;

use fixtures::{CONFIG_MAPS, PAGE_SIZE, config_map, config_map_page};

/// Runs of each scenario.
const RUNS: usize = 3;
/// How long to wait after the sync before reading the held memory.
const SETTLE: Duration = Duration::from_secs(2);
const SCENARIOS: [&str; 3] = ["full", "full-transform", "metadata"];

type Body = BoxBody<Bytes, Infallible>;

/// The served data: each ConfigMap as a list item, and as its `PartialObjectMetadata`.
struct Data {
    full: Vec<Bytes>,
    metadata: Vec<Bytes>,
}

fn generate() -> Data {
    let mut full = Vec::with_capacity(CONFIG_MAPS);
    let mut metadata = Vec::with_capacity(CONFIG_MAPS);
    for i in 0..CONFIG_MAPS {
        let cm = config_map(i);
        full.push(Bytes::from(serde_json::to_vec(&cm).unwrap()));
        let partial = serde_json::json!({
            "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": cm["metadata"],
        });
        metadata.push(Bytes::from(serde_json::to_vec(&partial).unwrap()));
    }
    Data { full, metadata }
}

fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn handle(data: &Data, req: &Request<Incoming>) -> Response<Body> {
    let query = req.uri().query().unwrap_or("");
    let accept = req
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let metadata = accept.starts_with("application/json;as=PartialObjectMetadata");
    let content_type = if metadata {
        accept.split(',').next().unwrap_or("application/json")
    } else {
        "application/json"
    };
    let body = if matches!(param(query, "watch"), Some("true" | "1")) {
        StreamBody::new(stream::pending::<Result<Frame<Bytes>, Infallible>>()).boxed()
    } else {
        let size = param(query, "limit")
            .and_then(|l| l.parse::<usize>().ok())
            .filter(|&l| l > 0)
            .unwrap_or(PAGE_SIZE)
            .min(PAGE_SIZE);
        let all = if metadata { &data.metadata } else { &data.full };
        let start = param(query, "continue")
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(0)
            .min(all.len());
        let end = (start + size).min(all.len());
        let next = (end < all.len()).then_some(end);
        let mut page = config_map_page(&all[start..end], next, all.len() - end).to_vec();
        if metadata {
            let envelope = br#"{"kind":"ConfigMapList","apiVersion":"v1""#;
            let replacement =
                br#"{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1""#;
            page.splice(0..envelope.len(), replacement.iter().copied());
        }
        Full::new(Bytes::from(page)).boxed()
    };
    Response::builder()
        .header("content-type", content_type)
        .body(body)
        .unwrap()
}

/// Starts the stand-in server on a thread of its own; returns its URL.
fn serve(data: Data) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let data = Arc::new(data);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let data = data.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let data = data.clone();
                        async move { Ok::<_, Infallible>(handle(&data, &req)) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
    });
    url
}

fn status_kib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0)
}

/// One scenario in this (child) process: prints `RESULT sync_ms base peak held`.
async fn child(scenario: &str, url: &str) {
    let mut config = kclient_config::Config::new(url);
    config.qps = -1.0;
    let reflector = ReflectorOptions {
        page_size: PAGE_SIZE as i64,
        watch_list: WatchListMode::Disabled,
        ..ReflectorOptions::default()
    };
    let factory = InformerFactory::from_config(&config, Duration::ZERO)
        .unwrap()
        .with_namespace("bench")
        .with_reflector_options(reflector);
    let resource = ApiResource::new(
        &GroupVersionKind::new("", "v1", "ConfigMap"),
        "configmaps",
        true,
    );
    let len: Box<dyn Fn() -> usize> = match scenario {
        "full" => {
            let i = factory.for_resource::<ConfigMap>();
            Box::new(move || i.store().len())
        }
        "full-transform" => {
            let i = factory.for_resource::<ConfigMap>();
            i.set_transform(|mut cm: ConfigMap| {
                cm.metadata.managed_fields = Vec::new();
                cm
            })
            .unwrap();
            Box::new(move || i.store().len())
        }
        "metadata" => {
            let i = factory.for_metadata(resource);
            Box::new(move || i.store().len())
        }
        other => panic!("unknown scenario {other}"),
    };
    let base = status_kib("VmRSS");
    let started = Instant::now();
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await);
    let sync_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(len(), CONFIG_MAPS);
    tokio::time::sleep(SETTLE).await;
    let held = status_kib("VmRSS");
    let peak = status_kib("VmHWM");
    assert_eq!(len(), CONFIG_MAPS);
    factory.shutdown();
    println!("RESULT {sync_ms} {base} {peak} {held}");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, scenario, url] = args.as_slice()
        && mode == "child"
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(child(scenario, url));
        return;
    }
    let data = generate();
    let full_bytes: usize = data.full.iter().map(Bytes::len).sum();
    let meta_bytes: usize = data.metadata.iter().map(Bytes::len).sum();
    println!(
        "{CONFIG_MAPS} ConfigMaps: {:.1} MB as objects, {:.1} MB as metadata",
        full_bytes as f64 / 1e6,
        meta_bytes as f64 / 1e6
    );
    let url = serve(data);
    let exe = std::env::current_exe().unwrap();
    println!("| informer | sync time | peak RSS | held after sync | bytes / object |");
    println!("|---|---:|---:|---:|---:|");
    for scenario in SCENARIOS {
        let mut runs: Vec<[f64; 4]> = Vec::new();
        for _ in 0..RUNS {
            let out = std::process::Command::new(&exe)
                .args(["child", scenario, &url])
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")) else {
                panic!(
                    "{scenario} failed: {stdout}{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            let v: Vec<f64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
            runs.push([v[0], v[1], v[2], v[3]]);
        }
        let col = |i: usize| median(runs.iter().map(|r| r[i]).collect());
        let syncs: Vec<String> = runs.iter().map(|r| format!("{:.0}", r[0])).collect();
        let (sync, base, peak, held) = (col(0), col(1), col(2), col(3));
        println!(
            "| {scenario} | {sync:.0} ms ({}) | {:.1} MiB | {:.1} MiB | {:.0} |",
            syncs.join(" / "),
            peak / 1024.0,
            held / 1024.0,
            (held - base) * 1024.0 / CONFIG_MAPS as f64
        );
    }
}
