//! Benchmark: listing 10,000 realistic pods through kclient as protobuf
//! (`application/vnd.kubernetes.protobuf`, kclient-typed's generated codec, items decoded on
//! several threads) against kclient's own JSON list (streaming, parallel), both into
//! kclient-typed's `Pod`; and an informer's initial sync of ConfigMaps (paginated list, then a
//! quiet watch) in both encodings, with the memory its cache holds.
//!
//! The parent process builds the bodies (the same pods in both encodings), serves them from a
//! plain-HTTP server on 127.0.0.1 (protobuf when the request's `Accept` starts with it), and runs
//! each scenario in a fresh child process (this binary with `--child <scenario>`), so every
//! scenario's peak RSS (`VmHWM`) is its own.
//!
//! Run: `cargo bench -p kclient-benches --bench protobuf_list` (`-- --pods N` for another size).

#[path = "../shared/pods.rs"]
mod pods;

use std::convert::Infallible;
use std::error::Error;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use kclient_apimachinery::GroupVersion;
use kclient_apimachinery::meta::{ListMeta, ObjectMeta};
use kclient_apimachinery::protobuf::{Codec, MEDIA_TYPE};
use kclient_config::{Config, Serializer};
use kclient_rest::RestClient;
use kclient_typed::api::core::v1::{ConfigMap, ConfigMapList, Pod, PodList};

type BoxResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

const DEFAULT_PODS: usize = 10_000;
const CONFIG_MAPS: usize = 50_000;
const PAGE: usize = 500;
const ITERATIONS: usize = 3;

const SCENARIOS: &[(&str, &str)] = &[
    ("startup", "floor: runtime + client + one tiny GET, no list"),
    (
        "json-list",
        "`list::<Pod>()`: kclient's JSON list (streaming, parallel)",
    ),
    (
        "protobuf-list",
        "`list_with(codec)`: protobuf, items decoded in parallel",
    ),
    (
        "informer-json",
        "informer sync of 50,000 ConfigMaps, pages of 500, JSON",
    ),
    ("informer-protobuf", "the same informer, protobuf"),
];

fn main() -> BoxResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let pods = match flag("--pods") {
        Some(n) => n.parse()?,
        None => DEFAULT_PODS,
    };
    match (flag("--child"), flag("--url")) {
        (Some(scenario), Some(url)) => child(&scenario, &url, pods),
        _ => parent(pods),
    }
}

/// The bodies the server answers with.
struct Bodies {
    pods_json: Bytes,
    pods_protobuf: Bytes,
    /// Pages of ConfigMaps, JSON and protobuf.
    pages_json: Vec<Bytes>,
    pages_protobuf: Vec<Bytes>,
}

fn config_map_pages() -> BoxResult<(Vec<Bytes>, Vec<Bytes>)> {
    let codec = Codec::<ConfigMapList>::new("v1", "ConfigMapList");
    let (mut json, mut proto) = (Vec::new(), Vec::new());
    let pages = CONFIG_MAPS.div_ceil(PAGE);
    for page in 0..pages {
        let items = (page * PAGE..((page + 1) * PAGE).min(CONFIG_MAPS))
            .map(|i| {
                let mut meta = ObjectMeta::namespaced("bench", format!("cm-{i:06}"));
                meta.uid = Some(format!("00000000-0000-0000-0000-{i:012}"));
                meta.resource_version = Some("1".into());
                meta.labels.insert("app".into(), format!("app-{}", i % 50));
                let mut data = kclient_apimachinery::VecMap::default();
                data.insert(
                    "config.yaml".to_string(),
                    format!("key: value-{i}\nother: {}\n", i * 7),
                );
                ConfigMap {
                    metadata: meta,
                    data: Some(data),
                    ..Default::default()
                }
            })
            .collect();
        let list = ConfigMapList {
            metadata: ListMeta {
                resource_version: Some("100".into()),
                continue_: (page + 1 < pages).then(|| (page + 1).to_string()),
                ..Default::default()
            },
            items,
            ..Default::default()
        };
        json.push(Bytes::from(serde_json::to_vec(&list)?));
        proto.push(Bytes::from(codec.encode(&list)));
    }
    Ok((json, proto))
}

fn parent(pods: usize) -> BoxResult<()> {
    let started = Instant::now();
    let pods_json = Bytes::from(pods::pod_list_json(pods));
    let list: PodList = serde_json::from_slice(&pods_json)?;
    let pods_protobuf = Bytes::from(Codec::<PodList>::new("v1", "PodList").encode(&list));
    drop(list);
    let (pages_json, pages_protobuf) = config_map_pages()?;
    eprintln!(
        "generated {pods} pods: {:.1} MB of JSON, {:.1} MB of protobuf, in {:.1?}",
        pods_json.len() as f64 / 1e6,
        pods_protobuf.len() as f64 / 1e6,
        started.elapsed()
    );
    println!(
        "list of {pods} pods: {:.1} MB JSON, {:.1} MB protobuf; wall time best of {ITERATIONS}, peak RSS = VmHWM of a fresh process\n",
        pods_json.len() as f64 / 1e6,
        pods_protobuf.len() as f64 / 1e6,
    );
    let url = serve(Arc::new(Bodies {
        pods_json,
        pods_protobuf,
        pages_json,
        pages_protobuf,
    }))?;
    let exe = std::env::current_exe()?;
    println!("| scenario | what | wall (best) | wall (median) | peak RSS |");
    println!("|---|---|---:|---:|---:|");
    for (name, what) in SCENARIOS {
        let output = Command::new(&exe)
            .args(["--child", name, "--url", &url, "--pods", &pods.to_string()])
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")) else {
            return Err(format!(
                "scenario {name} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        };
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [best_ms, median_ms, hwm_kb] = fields[..] else {
            return Err(format!("scenario {name} printed {line:?}").into());
        };
        let hwm_mib = hwm_kb.parse::<f64>()? / 1024.0;
        println!("| {name} | {what} | {best_ms} ms | {median_ms} ms | {hwm_mib:.1} MiB |");
    }
    Ok(())
}

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn answer(content_type: &str, body: Body) -> Response<Body> {
    Response::builder()
        .header("content-type", content_type)
        .body(body)
        .unwrap_or_default()
}

fn handle(bodies: &Bodies, req: &Request<Incoming>) -> Response<Body> {
    let protobuf = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.starts_with(MEDIA_TYPE));
    let query = req.uri().query().unwrap_or_default();
    let full = |b: &Bytes| Full::new(b.clone()).boxed();
    match req.uri().path() {
        "/api/v1/pods" if protobuf => answer(MEDIA_TYPE, full(&bodies.pods_protobuf)),
        "/api/v1/pods" => answer("application/json", full(&bodies.pods_json)),
        "/api/v1/namespaces/bench/configmaps" if query.contains("watch=true") => {
            // A watch that stays open and quiet.
            let never = futures_util::stream::pending::<Result<Frame<Bytes>, Infallible>>();
            let ct = if protobuf {
                "application/vnd.kubernetes.protobuf;stream=watch"
            } else {
                "application/json"
            };
            answer(ct, StreamBody::new(never).boxed())
        }
        "/api/v1/namespaces/bench/configmaps" => {
            let page = query
                .split('&')
                .find_map(|p| p.strip_prefix("continue="))
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or(0);
            if protobuf {
                answer(MEDIA_TYPE, full(&bodies.pages_protobuf[page]))
            } else {
                answer("application/json", full(&bodies.pages_json[page]))
            }
        }
        _ => answer(
            "application/json",
            Full::new(Bytes::from_static(b"{\"kind\":\"APIVersions\"}")).boxed(),
        ),
    }
}

fn serve(bodies: Arc<Bodies>) -> BoxResult<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        runtime.block_on(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let bodies = bodies.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let reply = handle(&bodies, &req);
                        async move { Ok::<_, Infallible>(reply) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
    });
    Ok(url)
}

fn config(url: &str, protobuf: bool) -> Config {
    let mut config = Config::new(url);
    config.api_path = "/api".into();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    if protobuf {
        config.content.content_type = Some(MEDIA_TYPE.into());
    }
    config.qps = -1.0; // no client-side rate limit in a benchmark
    config
}

fn child(scenario: &str, url: &str, pods: usize) -> BoxResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut times = Vec::new();
    for _ in 0..ITERATIONS {
        let started = Instant::now();
        let items = runtime.block_on(run(scenario, url))?;
        times.push(started.elapsed());
        let want = match scenario {
            "startup" => 0,
            s if s.starts_with("informer") => CONFIG_MAPS,
            _ => pods,
        };
        if items != want {
            return Err(format!("{scenario} decoded {items} objects, expected {want}").into());
        }
    }
    times.sort();
    let ms = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1000.0);
    println!(
        "RESULT {} {} {}",
        ms(times[0]),
        ms(times[times.len() / 2]),
        peak_rss_kb()?
    );
    Ok(())
}

async fn run(scenario: &str, url: &str) -> BoxResult<usize> {
    Ok(match scenario {
        "startup" => {
            let client = RestClient::for_config(&config(url, false))?;
            client.get().abs_path("/api").bytes().await?;
            0
        }
        "json-list" => {
            let client = RestClient::for_config(&config(url, false))?;
            client
                .get()
                .resource("pods")
                .list::<Pod>()
                .await?
                .items
                .len()
        }
        "protobuf-list" => {
            let client = RestClient::for_config(&config(url, true))?;
            let codec = kclient_typed::protobuf::codec::<Pod>();
            client
                .get()
                .resource("pods")
                .accept_protobuf()
                .list_with(codec)
                .await?
                .items
                .len()
        }
        "informer-json" => informer(url, false).await?,
        "informer-protobuf" => informer(url, true).await?,
        other => return Err(format!("unknown scenario {other:?}").into()),
    })
}

/// An informer for ConfigMaps in `bench` (pages of 500, streaming lists off), until synced;
/// returns the number of objects in its cache.
async fn informer(url: &str, protobuf: bool) -> BoxResult<usize> {
    use kclient_cache::InformerFactory;
    use kclient_cache::reflector::{ReflectorOptions, WatchListMode};
    let reflector = ReflectorOptions {
        page_size: PAGE as i64,
        watch_list: WatchListMode::Disabled,
        ..ReflectorOptions::default()
    };
    let factory = InformerFactory::from_config(&config(url, protobuf), Duration::ZERO)?
        .with_namespace("bench")
        .with_reflector_options(reflector);
    let informer = factory.for_resource::<ConfigMap>();
    factory.start()?;
    if !factory.wait_for_cache_sync().await {
        return Err("the informer stopped before it synced".into());
    }
    let n = informer.store().len();
    factory.shutdown();
    Ok(n)
}

/// `VmHWM` (peak resident set size) of this process, in kB.
fn peak_rss_kb() -> BoxResult<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}
