//! Side-by-side benchmarks of kclient and kube-rs against one local stand-in API server.
//!
//! The parent process generates the data, serves it over plain HTTP on 127.0.0.1 (a thread of
//! its own), and runs every scenario in a fresh child process (this binary re-run as
//! `child <scenario> <url>`), so that each scenario's peak memory (`VmHWM`) is its own. Each
//! scenario runs [`RUNS`] times, the two libraries interleaved; the tables give medians.
//!
//! Run: `cd benches/peers && cargo run --release -- all` (or any of `list`, `watch`,
//! `informer`, `build`, `controller`, `breakdown`). `controller` runs the embedded
//! kclient-testserver in the parent instead of the stand-in server. `build` times cold builds of
//! two small programs (`build-probe/`), one per library. With `instructions` first
//! (`-- instructions watch`), each scenario runs once under callgrind instead, and the tables
//! compare the instructions each library executed: a CPU cost that a busy machine does not
//! distort.

#[path = "../../shared/pods.rs"]
mod pods;

mod build;
mod fixtures;
mod measure;
mod proto;
mod report;
mod scenarios;
mod server;

use std::time::Instant;

use fixtures::Fixtures;
use measure::Mode;

/// Runs of each scenario.
pub const RUNS: usize = 3;

/// The environment variable that gives a child the HTTPS server's URL.
pub const TLS_URL_ENV: &str = "KCLIENT_PEERS_TLS_URL";
/// The environment variable that gives a child the directory of the server's certificate.
pub const TLS_DIR_ENV: &str = "KCLIENT_PEERS_TLS_DIR";

/// The parts `all` runs, each a list of scenarios (`build` runs cargo, not scenarios).
const PARTS: &[(&str, &[&str])] = &[
    ("list", &["list-kclient", "list-kube", "list-protobuf"]),
    (
        "watch",
        &[
            "watch-kclient",
            "watch-kube",
            "watch64k-kclient",
            "watch64k-kube",
            "watchtls-kclient",
            "watchtls-kube",
            "trickle-kclient",
            "trickle-kube",
            "watchproto-kclient",
        ],
    ),
    (
        "informer",
        &["informer-kclient", "informer-kube", "informer-protobuf"],
    ),
    ("build", &[]),
    // Runs its own server (kclient-testserver), not the stand-in one.
    ("controller", &[]),
];

/// The scenarios of the `controller` part.
const CONTROLLER: &[&str] = &["controller-kclient", "controller-kube"];

/// Scenarios run only when asked for by name.
const BREAKDOWN: (&str, &[&str]) = (
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
);

const USAGE: &str =
    "usage: kclient-peer-benches [instructions] [all|list|watch|informer|build|controller|breakdown]...";

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["child", scenario, url] => {
            let figures = scenarios::run(scenario, url).map_err(|e| format!("{scenario}: {e}"))?;
            measure::print_result(&figures);
            Ok(())
        }
        ["instructions", rest @ ..] => choose(rest, Mode::Instructions),
        parts => choose(parts, Mode::Native),
    }
}

/// Runs the parts named (all of them for none or `all`).
fn choose(parts: &[&str], mode: Mode) -> Result<(), String> {
    match parts {
        [] | ["all"] => parent(PARTS, mode),
        parts => {
            let mut chosen = Vec::new();
            for part in parts {
                let found = PARTS
                    .iter()
                    .chain(std::iter::once(&BREAKDOWN))
                    .find(|(name, _)| name == part)
                    .ok_or_else(|| format!("unknown part {part:?}; {USAGE}"))?;
                chosen.push(*found);
            }
            parent(&chosen, mode)
        }
    }
}

/// Generates the data, starts the server and runs `parts`, printing a table for each and the
/// summary of the ratios at the end.
fn parent(parts: &[(&str, &[&str])], mode: Mode) -> Result<(), String> {
    let started = Instant::now();
    let mut summary = report::Summary::default();
    let needs_server = parts.iter().any(|(_, scenarios)| !scenarios.is_empty());
    let server = needs_server.then(|| {
        let fixtures = Fixtures::generate();
        let proto = proto::ProtoFixtures::from_json(&fixtures);
        println!(
            "data: pod list {:.1} MB ({} pods; protobuf {:.1} MB); watch {:.1} MB ({} events; \
             protobuf {:.1} MB); {} ConfigMaps {:.1} MB (pages of {}); generated in {:.1} s",
            fixtures.pod_list.len() as f64 / 1e6,
            fixtures::LIST_PODS,
            proto.pod_list.len() as f64 / 1e6,
            fixtures.pod_events_len() as f64 / 1e6,
            fixtures::WATCH_EVENTS,
            proto.pod_events_len() as f64 / 1e6,
            fixtures::CONFIG_MAPS,
            fixtures.config_maps_len() as f64 / 1e6,
            fixtures::PAGE_SIZE,
            started.elapsed().as_secs_f64()
        );
        server::start(fixtures, proto)
    });
    let mut target = None;
    if let Some((addresses, _)) = &server {
        let dir = std::env::temp_dir().join(format!("kclient-peers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        std::fs::write(dir.join("cert.pem"), &addresses.cert_pem)
            .and_then(|()| std::fs::write(dir.join("cert.der"), &addresses.cert_der))
            .map_err(|e| format!("writing the certificate: {e}"))?;
        target = Some(measure::Target {
            url: format!("http://{}", addresses.http),
            env: vec![
                (TLS_URL_ENV, format!("https://{}", addresses.https)),
                (TLS_DIR_ENV, dir.display().to_string()),
            ],
        });
    }
    for (part, scenarios) in parts {
        if *part == "build" {
            if mode == Mode::Native {
                build::run(&mut summary)?;
            }
            continue;
        }
        if *part == "controller" {
            controller_part(&mut summary)?;
            continue;
        }
        let (Some(target), Some((_, stats))) = (&target, &server) else {
            continue;
        };
        let mut results = report::Results::default();
        // Instruction counts hardly vary from run to run: one run each.
        let runs = if mode == Mode::Native { RUNS } else { 1 };
        for run in 0..runs {
            for scenario in *scenarios {
                let figures = measure::run_child(scenario, target, mode)?;
                let (pages, unlimited, watches) = stats.take();
                eprintln!(
                    "{part} run {}/{runs}: {scenario}: {:.0} ms, cpu {:.0} ms, peak {:.1} MiB, \
                     {:.0} M instructions (server saw {pages} list requests, {unlimited} without \
                     limit, {watches} watches)",
                    run + 1,
                    figures.get("wall_ms").copied().unwrap_or(0.0),
                    figures.get("cpu_ms").copied().unwrap_or(0.0),
                    figures.get("peak_kib").copied().unwrap_or(0.0) / 1024.0,
                    figures.get("instructions").copied().unwrap_or(0.0) / 1e6,
                );
                results.add(scenario, figures);
            }
        }
        match mode {
            Mode::Native => report::print(part, &results, &mut summary),
            Mode::Instructions => report::instructions(part, &results, &mut summary),
        }
    }
    summary.print();
    Ok(())
}

/// The `controller` part: the test server with 10,000 ConfigMaps in this process, each
/// controller in a child given the server's kubeconfig and a fresh token per run.
fn controller_part(summary: &mut report::Summary) -> Result<(), String> {
    use scenarios::controller::{OBJECTS, TOKEN_ENV, start_server};
    let dir = std::env::temp_dir().join(format!("kclient-peers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let kubeconfig = dir.join("kubeconfig");
    let started = Instant::now();
    let (runtime, server) =
        start_server(&kubeconfig).map_err(|e| format!("starting the test server: {e}"))?;
    println!(
        "controller: kclient-testserver with {OBJECTS} ConfigMaps, seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut results = report::Results::default();
    for run in 0..RUNS {
        for scenario in CONTROLLER {
            let target = measure::Target {
                url: kubeconfig.display().to_string(),
                env: vec![(TOKEN_ENV, format!("{scenario}-{run}"))],
            };
            let figures = measure::run_child(scenario, &target)?;
            eprintln!(
                "controller run {}/{RUNS}: {scenario}: {:.0} ms, cpu {:.0} ms, peak {:.1} MiB, errors {}",
                run + 1,
                figures.get("wall_ms").copied().unwrap_or(0.0),
                figures.get("cpu_ms").copied().unwrap_or(0.0),
                figures.get("peak_kib").copied().unwrap_or(0.0) / 1024.0,
                figures.get("errors").copied().unwrap_or(0.0),
            );
            results.add(scenario, figures);
        }
    }
    report::print("controller", &results, summary);
    let _entered = runtime.enter();
    drop(server);
    Ok(())
}
