//! Benchmark: listing 10,000 realistic pods (about 51 MB of JSON) through `RestClient`, with
//! kclient's streaming decode against the naive "collect the whole body, then
//! `serde_json::from_slice`" approach, measuring wall time and peak RSS.
//!
//! The parent process generates the list, serves it from a plain-HTTP server on 127.0.0.1, and
//! runs each scenario in a fresh child process (this same binary with `--child <scenario>`), so
//! that every scenario's peak RSS (`VmHWM` in `/proc/self/status`) is its own.
//!
//! Run: `cargo bench -p kclient-benches --bench list_decode` (add `-- --pods N` for another size).

#[path = "../shared/pods.rs"]
mod pods;

use std::convert::Infallible;
use std::error::Error;
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use kclient_apimachinery::GroupVersion;
use kclient_config::{Config, Serializer};
use kclient_rest::RestClient;

type BoxResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

const DEFAULT_PODS: usize = 10_000;
const ITERATIONS: usize = 3;

/// The scenarios, in the order they run, with what each does.
const SCENARIOS: &[(&str, &str)] = &[
    ("startup", "floor: runtime + client + one tiny GET, no list"),
    (
        "body-only",
        "`.bytes()` and drop: what holding the raw body costs",
    ),
    (
        "kclient-typed",
        "`.object::<PodList>()`: streaming decode into typed structs",
    ),
    (
        "naive-typed",
        "`.bytes()` then `serde_json::from_slice::<PodList>`",
    ),
    (
        "kclient-value",
        "`.object::<serde_json::Value>()`: streaming decode",
    ),
    (
        "naive-value",
        "`.bytes()` then `serde_json::from_slice::<Value>`",
    ),
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

/// Generates the list, serves it, runs every scenario in a child process and prints a table.
fn parent(pods: usize) -> BoxResult<()> {
    let started = Instant::now();
    let body = Bytes::from(pods::pod_list_json(pods));
    eprintln!(
        "generated {pods} pods: {:.1} MB of JSON in {:.1?}",
        body.len() as f64 / 1e6,
        started.elapsed()
    );
    let url = serve(body.clone())?;
    let exe = std::env::current_exe()?;

    println!(
        "list of {pods} pods, {:.1} MB JSON; wall time best of {ITERATIONS}, peak RSS = VmHWM of a fresh process\n",
        body.len() as f64 / 1e6
    );
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

/// Serves `body` for `/api/v1/pods` and a tiny JSON object for anything else, from a thread of
/// its own; returns the server's URL.
fn serve(body: Bytes) -> BoxResult<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        runtime.block_on(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let body = body.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let reply = if req.uri().path() == "/api/v1/pods" {
                            body.clone()
                        } else {
                            Bytes::from_static(b"{\"kind\":\"APIVersions\"}")
                        };
                        async move {
                            Ok::<_, Infallible>(
                                Response::builder()
                                    .header("content-type", "application/json")
                                    .body(Full::new(reply))
                                    .unwrap_or_default(),
                            )
                        }
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

/// Runs one scenario `ITERATIONS` times and prints `RESULT <best ms> <median ms> <VmHWM kB>`.
fn child(scenario: &str, url: &str, pods: usize) -> BoxResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut config = Config::new(url);
    config.api_path = "/api".into();
    config.content.group_version = Some(GroupVersion::new("", "v1"));
    config.content.serializer = Some(Serializer::Json);
    config.qps = -1.0; // no client-side rate limit in a benchmark
    let client = RestClient::for_config(&config)?;

    let mut times = Vec::new();
    for _ in 0..ITERATIONS {
        let started = Instant::now();
        let items = runtime.block_on(run(scenario, &client, pods))?;
        times.push(started.elapsed());
        if scenario != "startup" && items != pods {
            return Err(format!("{scenario} decoded {items} pods, expected {pods}").into());
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

/// One list (or, for `startup`, one tiny request); returns the number of pods decoded.
async fn run(scenario: &str, client: &RestClient, pods: usize) -> BoxResult<usize> {
    let list = || client.get().resource("pods");
    Ok(match scenario {
        "startup" => {
            client.get().abs_path("/api").bytes().await?;
            0
        }
        "body-only" => {
            list().bytes().await?;
            pods
        }
        "kclient-typed" => list().object::<pods::PodList>().await?.items.len(),
        "naive-typed" => {
            let bytes = list().bytes().await?;
            serde_json::from_slice::<pods::PodList>(&bytes)?.items.len()
        }
        "kclient-value" => count_items(&list().object::<serde_json::Value>().await?),
        "naive-value" => {
            let bytes = list().bytes().await?;
            count_items(&serde_json::from_slice::<serde_json::Value>(&bytes)?)
        }
        other => return Err(format!("unknown scenario {other:?}").into()),
    })
}

fn count_items(list: &serde_json::Value) -> usize {
    list["items"].as_array().map_or(0, Vec::len)
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
