//! Side-by-side benchmarks of kclient and kube-rs against one local stand-in API server.
//!
//! The parent process generates the data, serves it over plain HTTP on 127.0.0.1 (a thread of
//! its own), and runs every scenario in a fresh child process (this binary re-run as
//! `child <scenario> <url>`), so that each scenario's peak memory (`VmHWM`) is its own. Each
//! scenario runs [`RUNS`] times, the two libraries interleaved; the tables give medians.
//!
//! Run: `cd benches/peers && cargo run --release -- all` (or `list-watch`, `informer`,
//! `breakdown` for one part).

#[path = "../../shared/pods.rs"]
mod pods;

mod fixtures;
mod measure;
mod report;
mod scenarios;
mod server;

use std::time::Instant;

use fixtures::Fixtures;

/// Runs of each scenario.
pub const RUNS: usize = 3;

/// The parts `all` runs, each a list of scenarios.
const PARTS: &[(&str, &[&str])] = &[
    (
        "list-watch",
        &["list-kclient", "list-kube", "watch-kclient", "watch-kube"],
    ),
    ("informer", &["informer-kclient", "informer-kube"]),
    (
        "breakdown",
        &[
            "body-list-kclient",
            "body-list-kube",
            "decode-list-kclient",
            "decode-list-kube",
            "body-watch-kclient",
            "decode-watch-kclient",
            "decode-watch-kube",
            "heap-configmap-kclient",
            "heap-configmap-kube",
            "heap-fieldsv1",
        ],
    ),
];

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["child", scenario, url] => {
            let figures = scenarios::run(scenario, url).map_err(|e| format!("{scenario}: {e}"))?;
            measure::print_result(&figures);
            Ok(())
        }
        [] | ["all"] => parent(PARTS),
        [part] => {
            let chosen: Vec<_> = PARTS
                .iter()
                .filter(|(name, _)| name == part)
                .copied()
                .collect();
            if chosen.is_empty() {
                return Err(format!(
                    "unknown part {part:?}; use all, list-watch, informer or breakdown"
                ));
            }
            parent(&chosen)
        }
        _ => Err("usage: kclient-peer-benches [all|list-watch|informer|breakdown]".into()),
    }
}

/// Generates the data, starts the server and runs `parts`, printing a table for each.
fn parent(parts: &[(&str, &[&str])]) -> Result<(), String> {
    let started = Instant::now();
    let fixtures = Fixtures::generate();
    println!(
        "data: pod list {:.1} MB ({} pods); watch {:.1} MB ({} events); {} ConfigMaps {:.1} MB \
         (pages of {}); generated in {:.1} s",
        fixtures.pod_list.len() as f64 / 1e6,
        fixtures::LIST_PODS,
        fixtures.pod_events_len() as f64 / 1e6,
        fixtures::WATCH_EVENTS,
        fixtures::CONFIG_MAPS,
        fixtures.config_maps_len() as f64 / 1e6,
        fixtures::PAGE_SIZE,
        started.elapsed().as_secs_f64()
    );
    let (addr, stats) = server::start(fixtures);
    let url = format!("http://{addr}");
    for (part, scenarios) in parts {
        let mut results = report::Results::default();
        for run in 0..RUNS {
            for scenario in *scenarios {
                let figures = measure::run_child(scenario, &url)?;
                let (pages, unlimited, watches) = stats.take();
                eprintln!(
                    "{part} run {}/{RUNS}: {scenario}: {:.0} ms, peak {:.1} MiB \
                     (server saw {pages} list requests, {unlimited} without limit, {watches} watches)",
                    run + 1,
                    figures.get("wall_ms").copied().unwrap_or(0.0),
                    figures.get("peak_kib").copied().unwrap_or(0.0) / 1024.0,
                );
                results.add(scenario, figures);
            }
        }
        report::print(part, &results);
    }
    Ok(())
}
