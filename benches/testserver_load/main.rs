//! Benchmark: `kclient-testserver` under load, in one process with its client.
//!
//! Starts a `TestServer` on 127.0.0.1 (port 0), builds `RestClient`s from its kubeconfig (rate
//! limiting off), fills namespace `bench` with 10,000 realistic pods (about 5 KB of JSON each,
//! status set through the `status` subresource), then (watches first, so that their memory is
//! not hidden by the heap the big lists leave behind):
//!
//! 1. opens 1,000 concurrent watches — on one HTTP/2 client, spread over several clients (one
//!    connection each), and over HTTP/1.1 — creates one pod and counts the watches that deliver
//!    its ADDED event, with the time until the last delivery, connections and memory;
//! 2. lists all of them (`GET /api/v1/namespaces/bench/pods`, no limit) several times, timing the
//!    response headers, the last byte, and decoding into `serde_json::Value` and typed structs,
//!    over HTTP/2 and HTTP/1.1, plus an in-process profile of the server's list steps.
//!
//! Every wait is bounded, a watchdog ends the process after 20 minutes, and it exits by itself.
//!
//! Run: `cargo bench -p kclient-benches --bench testserver_load`
//! (options after `--`: `--pods N`, `--watches N`, `--runs N`, `--clients N`).

#[path = "../shared/pods.rs"]
mod pods;

mod list;
mod measure;
mod setup;
mod watches;

use std::error::Error;
use std::time::{Duration, Instant};

use kclient_testserver::TestServer;

use measure::{mib, ms, rss_kb};

/// The error type of the benchmark.
type BoxResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// The process gives up after this long, whatever it is doing.
const WATCHDOG: Duration = Duration::from_secs(20 * 60);

/// What to run, from the command line.
struct Options {
    pods: usize,
    watches: usize,
    runs: usize,
    clients: usize,
}

impl Options {
    /// Reads `--pods`, `--watches`, `--runs` and `--clients`; other arguments (such as the
    /// `--bench` that `cargo bench` passes) are ignored.
    fn from_args() -> BoxResult<Self> {
        let args: Vec<String> = std::env::args().collect();
        let flag = |name: &str, default: usize| -> BoxResult<usize> {
            match args.iter().position(|a| a == name) {
                None => Ok(default),
                Some(i) => {
                    let value = args.get(i + 1).ok_or(format!("{name} needs a number"))?;
                    value
                        .parse()
                        .map_err(|e| format!("{name} {value:?}: {e}").into())
                }
            }
        };
        Ok(Self {
            pods: flag("--pods", 10_000)?,
            watches: flag("--watches", 1_000)?,
            runs: flag("--runs", 5)?.max(1),
            clients: flag("--clients", 8)?.max(1),
        })
    }
}

fn main() -> BoxResult<()> {
    let options = Options::from_args()?;
    std::thread::spawn(|| {
        std::thread::sleep(WATCHDOG);
        eprintln!("testserver_load: still running after {WATCHDOG:?}; giving up");
        std::process::exit(2);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(&options))
}

async fn run(options: &Options) -> BoxResult<()> {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "# kclient-testserver load: {} pods, {} watches, {} runs, {cores} cores, server and client in one process (one Tokio runtime, {cores} workers)\n",
        options.pods, options.watches, options.runs
    );
    println!("load average at start: {}\n", measure::load_average());
    let server = TestServer::start().await?;
    let (rss_start, _) = rss_kb()?;
    let h2_config = setup::config_for(&server, false)?;
    let http1_config = setup::config_for(&server, true)?;
    let client = setup::warm_client(&h2_config).await?;
    let http1 = setup::warm_client(&http1_config).await?;

    let started = Instant::now();
    setup::fill(&client, options.pods).await?;
    let fill_time = started.elapsed();
    let (rss_filled, _) = rss_kb()?;
    eprintln!("filled {} pods in {fill_time:.1?}", options.pods);

    let creator = setup::warm_client(&h2_config).await?;
    let mut reports = Vec::new();
    let mut probe = options.pods;
    reports.push(
        watches::scenario(
            "1 HttpClient, HTTP/2 (one warm connection)".into(),
            &server,
            &creator,
            std::slice::from_ref(&client),
            options.watches,
            probe,
        )
        .await?,
    );
    probe += 1;
    let mut spread = Vec::new();
    for _ in 0..options.clients {
        spread.push(setup::warm_client(&h2_config).await?);
    }
    reports.push(
        watches::scenario(
            format!(
                "{} HttpClients, HTTP/2 (one connection each)",
                options.clients
            ),
            &server,
            &creator,
            &spread,
            options.watches,
            probe,
        )
        .await?,
    );
    drop(spread);
    probe += 1;
    let http1_watch = setup::warm_client(&http1_config).await?;
    reports.push(
        watches::scenario(
            "1 HttpClient, HTTP/1.1 (a connection per watch)".into(),
            &server,
            &creator,
            std::slice::from_ref(&http1_watch),
            options.watches,
            probe,
        )
        .await?,
    );
    drop(http1_watch);

    println!(
        "\n## {} concurrent watches; one pod created, its ADDED event counted on every watch\n",
        options.watches
    );
    println!(
        "| clients | opened | open time | connections opened while opening | ADDED delivered | median delivery | last delivery | RSS growth | RSS with watches |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &reports {
        let opt = |d: Option<Duration>| d.map_or_else(|| "-".to_string(), ms);
        println!(
            "| {} | {}/{} | {} | {} | {}/{} | {} | {} | {} | {} |",
            r.label,
            r.opened,
            r.requested,
            ms(r.open_time),
            r.new_connections,
            r.delivered,
            r.requested,
            opt(r.median_delivery),
            opt(r.last_delivery),
            mib(r.rss_growth_kb),
            mib(r.rss_kb),
        );
    }

    let report = list::measure(&client, &http1, options.pods, options.runs).await?;
    let (rss_listed, hwm_listed) = rss_kb()?;
    println!(
        "\n## List of {} pods ({:.1} MB JSON, {:.0} bytes per pod), {} runs\n",
        options.pods,
        report.body_bytes as f64 / 1e6,
        report.body_bytes as f64 / options.pods.max(1) as f64,
        options.runs
    );
    println!("| measured until | min | median | max |\n|---|---:|---:|---:|");
    for row in &report.rows {
        println!("| {} | {} |", row.what, row.spread.cells());
    }
    println!("\nIn-process profile of the server's list steps on the same data (no network):\n");
    println!("| step | min | median | max |\n|---|---:|---:|---:|");
    for row in &report.profile {
        println!("| {} | {} |", row.what, row.spread.cells());
    }

    let (rss_end, hwm_end) = rss_kb()?;
    println!("\n## Memory (VmRSS of the process; server and client together)\n");
    println!("| point | VmRSS | VmHWM |\n|---|---:|---:|");
    println!("| server started | {} | |", mib(rss_start));
    println!(
        "| {} pods stored (filled in {:.1} s) | {} | |",
        options.pods,
        fill_time.as_secs_f64(),
        mib(rss_filled)
    );
    println!(
        "| after the watches, then the list runs | {} | {} |",
        mib(rss_listed),
        mib(hwm_listed)
    );
    println!("| end | {} | {} |", mib(rss_end), mib(hwm_end));
    println!("\nload average at the end: {}", measure::load_average());
    server.shutdown().await;
    Ok(())
}
