//! The tables the parent prints: medians over the runs of each scenario, and the ratios of
//! kclient to kube-rs next to the aims of the issues.

use crate::fixtures::{CONFIG_MAPS, WATCH_EVENTS};
use crate::measure::{Report, median};
use crate::scenarios::SCENARIOS;

/// The reports of every run, by scenario, in the order scenarios first ran.
#[derive(Default)]
pub struct Results {
    by_scenario: Vec<(String, Vec<Report>)>,
}

impl Results {
    /// Adds one run's report.
    pub fn add(&mut self, scenario: &str, report: Report) {
        match self.by_scenario.iter_mut().find(|(s, _)| s == scenario) {
            Some((_, reports)) => reports.push(report),
            None => self.by_scenario.push((scenario.to_string(), vec![report])),
        }
    }

    fn values(&self, scenario: &str, key: &str) -> Vec<f64> {
        self.by_scenario
            .iter()
            .filter(|(s, _)| s == scenario)
            .flat_map(|(_, reports)| reports.iter().filter_map(|r| r.get(key).copied()))
            .collect()
    }

    /// The median of `key` over the runs of `scenario`.
    fn median(&self, scenario: &str, key: &str) -> f64 {
        median(&self.values(scenario, key))
    }

    /// The median wall time with every run, e.g. `512 ms (498 / 512 / 530)`.
    fn wall(&self, scenario: &str) -> String {
        let runs: Vec<String> = self
            .values(scenario, "wall_ms")
            .iter()
            .map(|v| format!("{v:.0}"))
            .collect();
        format!(
            "{:.0} ms ({})",
            self.median(scenario, "wall_ms"),
            runs.join(" / ")
        )
    }

    /// Median peak RSS in MiB.
    fn peak_mib(&self, scenario: &str) -> f64 {
        self.median(scenario, "peak_kib") / 1024.0
    }

    /// Median of (held − base) in MiB.
    fn held_mib(&self, scenario: &str) -> f64 {
        let deltas: Vec<f64> = self
            .values(scenario, "held_kib")
            .iter()
            .zip(self.values(scenario, "base_kib"))
            .map(|(held, base)| (held - base) / 1024.0)
            .collect();
        median(&deltas)
    }
}

fn describe(scenario: &str) -> &'static str {
    SCENARIOS
        .iter()
        .find(|(name, _)| *name == scenario)
        .map_or("", |(_, what)| what)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// Prints the table of `part`.
pub fn print(part: &str, results: &Results) {
    println!("\n## {part}\n");
    match part {
        "list-watch" => list_watch(results),
        "informer" => informer(results),
        _ => breakdown(results),
    }
}

fn list_watch(r: &Results) {
    println!("| scenario | what | wall, median (runs) | events/s | peak RSS |");
    println!("|---|---|---:|---:|---:|");
    for s in ["list-kclient", "list-kube", "watch-kclient", "watch-kube"] {
        let rate = if s.starts_with("watch") {
            format!(
                "{:.0}",
                WATCH_EVENTS as f64 / (r.median(s, "wall_ms") / 1000.0)
            )
        } else {
            "-".into()
        };
        println!(
            "| {s} | {} | {} | {rate} | {:.1} MiB |",
            describe(s),
            r.wall(s),
            r.peak_mib(s)
        );
    }
    let wall = r.median("list-kclient", "wall_ms") / r.median("list-kube", "wall_ms");
    let peak = r.peak_mib("list-kclient") / r.peak_mib("list-kube");
    // Events per second over the same event count: the inverse ratio of the wall times.
    let rate = r.median("watch-kube", "wall_ms") / r.median("watch-kclient", "wall_ms");
    println!();
    println!(
        "- list wall time, kclient / kube-rs: {wall:.2}x (aim <= 0.5x): {}",
        verdict(wall <= 0.5)
    );
    println!(
        "- list peak RSS, kclient / kube-rs: {peak:.2}x (aim <= 0.5x): {}",
        verdict(peak <= 0.5)
    );
    println!(
        "- watch events/s, kclient / kube-rs: {rate:.2}x (aim >= 1.5x): {}",
        verdict(rate >= 1.5)
    );
}

fn informer(r: &Results) {
    println!(
        "| scenario | what | sync, median (runs) | peak RSS | held after sync | bytes/object |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for s in ["informer-kclient", "informer-kube"] {
        let held = r.held_mib(s);
        println!(
            "| {s} | {} | {} | {:.1} MiB | {held:.1} MiB | {:.0} |",
            describe(s),
            r.wall(s),
            r.peak_mib(s),
            held * 1024.0 * 1024.0 / CONFIG_MAPS as f64
        );
    }
    let peak = r.peak_mib("informer-kclient") / r.peak_mib("informer-kube");
    let held = r.held_mib("informer-kclient") / r.held_mib("informer-kube");
    let sync = r.median("informer-kclient", "wall_ms") / r.median("informer-kube", "wall_ms");
    println!();
    println!(
        "- peak RSS, kclient / kube-rs: {peak:.2}x (aim <= 0.5x): {}",
        verdict(peak <= 0.5)
    );
    println!("- held memory (bytes/object), kclient / kube-rs: {held:.2}x");
    println!(
        "- sync time, kclient / kube-rs: {sync:.2}x (aim <= 1.0x): {}",
        verdict(sync <= 1.0)
    );
}

fn breakdown(r: &Results) {
    println!("Inline sizes (bytes), kclient / k8s-openapi:");
    for (name, kclient, kube) in crate::scenarios::heap::type_sizes() {
        println!("- {name}: {kclient} / {kube}");
    }
    println!();
    println!("| scenario | what | wall, median (runs) | peak RSS | held by the result |");
    println!("|---|---|---:|---:|---:|");
    for (s, _) in &r.by_scenario {
        let held = if r.values(s, "held_kib").is_empty() {
            "-".to_string()
        } else {
            format!("{:.1} MiB", r.held_mib(s))
        };
        let wall = if r.values(s, "wall_ms").is_empty() {
            "-".to_string()
        } else {
            r.wall(s)
        };
        println!(
            "| {s} | {} | {} | {:.1} MiB | {held} |",
            describe(s),
            wall,
            r.peak_mib(s)
        );
    }
}
