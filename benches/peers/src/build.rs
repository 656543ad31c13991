//! The cold-build comparison: how long a user's first build of a small program takes with each
//! library. `build-probe/kclient` and `build-probe/kube` are the same program (list, watch and an
//! informer/reflector on core/v1 pods, TLS through rustls on ring), each its own workspace.
//!
//! Each build gets a fresh target directory (removed afterwards) and runs with
//! `cargo build --timings`, whose HTML report is kept in
//! `target/build-timings/<library>-<profile>.html`. The builds alternate between the libraries,
//! debug then release, [`BUILD_RUNS`] times (`KCLIENT_PEERS_BUILD_RUNS` overrides it). Dependencies
//! come from the local Cargo cache (fetched once beforehand, not timed). The load average is
//! printed with each build: on a shared machine only ratios of builds run back to back mean
//! anything.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::measure::{children_cpu_ms, median};
use crate::report::Summary;

/// Rounds of the four builds, by default.
const BUILD_RUNS: usize = 1;

/// The 1-minute load average, for the log.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Builds the probe in `dir` cold with `profile`; returns the wall time and the CPU time of
/// cargo and the compilers it ran, in seconds.
fn cold_build(dir: &Path, name: &str, profile: &str, scratch: &Path) -> Result<(f64, f64), String> {
    let target = scratch.join(format!("{name}-{profile}"));
    let _ = std::fs::remove_dir_all(&target);
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(dir)
        .args(["build", "--timings", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS");
    if profile == "release" {
        cmd.arg("--release");
    }
    // Fetch first (not timed) so that only the compilation is measured.
    let fetched = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(dir)
        .arg("fetch")
        .status()
        .map_err(|e| format!("cargo fetch in {}: {e}", dir.display()))?;
    if !fetched.success() {
        return Err(format!("cargo fetch in {} failed", dir.display()));
    }
    let before = load();
    let cpu = children_cpu_ms();
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("cargo build in {}: {e}", dir.display()))?;
    let secs = started.elapsed().as_secs_f64();
    let cpu = (children_cpu_ms() - cpu) / 1000.0;
    if !status.success() {
        return Err(format!("cold build of {name} ({profile}) failed"));
    }
    let report = target.join("cargo-timings").join("cargo-timing.html");
    let keep = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/build-timings");
    let _ = std::fs::create_dir_all(&keep);
    let _ = std::fs::copy(&report, keep.join(format!("{name}-{profile}.html")));
    let _ = std::fs::remove_dir_all(&target);
    eprintln!(
        "build: {name} {profile}: {secs:.1} s wall, {cpu:.1} s CPU (load average {before} \
         before, {} after)",
        load()
    );
    Ok((secs, cpu))
}

/// Runs the builds and prints their table; adds the ratios to `summary`.
pub fn run(summary: &mut Summary) -> Result<(), String> {
    let runs = std::env::var("KCLIENT_PEERS_BUILD_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(BUILD_RUNS);
    let probes = Path::new(env!("CARGO_MANIFEST_DIR")).join("build-probe");
    let scratch: PathBuf =
        std::env::temp_dir().join(format!("kclient-peers-build-{}", std::process::id()));
    let libs = [
        ("kclient", probes.join("kclient")),
        ("kube-rs", probes.join("kube")),
    ];
    // (library, profile, wall times, CPU times)
    let mut times: Vec<(&str, &str, Vec<f64>, Vec<f64>)> = Vec::new();
    for _ in 0..runs {
        for profile in ["debug", "release"] {
            for (name, dir) in &libs {
                let (secs, cpu) = cold_build(dir, name, profile, &scratch)?;
                match times
                    .iter_mut()
                    .find(|(n, p, _, _)| n == name && *p == profile)
                {
                    Some((_, _, w, c)) => {
                        w.push(secs);
                        c.push(cpu);
                    }
                    None => times.push((name, profile, vec![secs], vec![cpu])),
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let get = |name: &str, profile: &str, cpu: bool| {
        times
            .iter()
            .find(|(n, p, _, _)| *n == name && *p == profile)
            .map(|(_, _, w, c)| if cpu { c.clone() } else { w.clone() })
            .unwrap_or_default()
    };
    println!("\n## build\n");
    println!("| program | profile | cold build wall, median (runs) | CPU time, median |");
    println!("|---|---|---:|---:|");
    for profile in ["debug", "release"] {
        for (name, _) in &libs {
            let v = get(name, profile, false);
            let runs: Vec<String> = v.iter().map(|s| format!("{s:.0}")).collect();
            println!(
                "| {name} | {profile} | {:.0} s ({}) | {:.0} s |",
                median(&v),
                runs.join(" / "),
                median(&get(name, profile, true)),
            );
        }
    }
    for profile in ["debug", "release"] {
        for (what, cpu) in [("wall", false), ("CPU", true)] {
            let k = median(&get("kclient", profile, cpu));
            let u = median(&get("kube-rs", profile, cpu));
            summary.add(
                format!("cold build of the probe program, {profile}, {what} time"),
                format!("{k:.0} s"),
                format!("{u:.0} s"),
                k / u,
                "<= 0.7x",
                Some(k <= 0.7 * u),
            );
        }
    }
    Ok(())
}
