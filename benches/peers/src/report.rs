//! The tables the parent prints: medians over the runs of each scenario, and the ratios of
//! kclient to kube-rs next to the aims of the issues.

use crate::fixtures::{CONFIG_MAPS, TRICKLE_EVENTS, WATCH_EVENTS};
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

/// One line of the summary: what, kclient's and kube-rs's figures, their ratio and the aim.
struct Line {
    what: String,
    kclient: String,
    kube: String,
    ratio: f64,
    aim: &'static str,
    met: Option<bool>,
}

/// The ratios of every part run, printed last as one table.
#[derive(Default)]
pub struct Summary {
    lines: Vec<Line>,
}

impl Summary {
    /// Adds a line; `met` is `None` where there is no aim.
    pub fn add(
        &mut self,
        what: impl Into<String>,
        kclient: String,
        kube: String,
        ratio: f64,
        aim: &'static str,
        met: Option<bool>,
    ) {
        self.lines.push(Line {
            what: what.into(),
            kclient,
            kube,
            ratio,
            aim,
            met,
        });
    }

    /// Prints the table (nothing when empty).
    pub fn print(&self) {
        if self.lines.is_empty() {
            return;
        }
        println!("\n## summary: kclient / kube-rs (or / kclient JSON where the line says so)\n");
        println!("| measure | kclient | kube-rs (or as named) | ratio | aim | met? |");
        println!("|---|---:|---:|---:|---|---|");
        for l in &self.lines {
            let met = match l.met {
                Some(m) => verdict(m),
                None => "-",
            };
            println!(
                "| {} | {} | {} | {:.2}x | {} | {met} |",
                l.what, l.kclient, l.kube, l.ratio, l.aim
            );
        }
    }
}

/// Prints the table of `part` and adds its ratios to `summary`.
pub fn print(part: &str, results: &Results, summary: &mut Summary) {
    println!("\n## {part}\n");
    match part {
        "list" => list(results, summary),
        "watch" => watch(results, summary),
        "informer" => informer(results, summary),
        "controller" => controller(results, summary),
        _ => breakdown(results),
    }
}

/// Prints the instruction counts of `part` (a run under callgrind) and adds the ratio of each
/// kclient scenario to its kube-rs twin (`X-kclient` / `X-kube`) to `summary`. The watch's aim
/// is its CPU aim (at most 1.2x kube-rs's).
pub fn instructions(part: &str, r: &Results, summary: &mut Summary) {
    println!("\n## {part}: instructions (callgrind, all threads of the client process)\n");
    println!("| scenario | what | instructions |");
    println!("|---|---|---:|");
    for (s, _) in &r.by_scenario {
        println!(
            "| {s} | {} | {:.0} M |",
            describe(s),
            r.median(s, "instructions") / 1e6
        );
    }
    for (s, _) in &r.by_scenario {
        let Some(shape) = s.strip_suffix("-kclient") else {
            continue;
        };
        let twin = format!("{shape}-kube");
        if r.values(&twin, "instructions").is_empty() {
            continue;
        }
        let (k, u) = (r.median(s, "instructions"), r.median(&twin, "instructions"));
        let watch = part == "watch";
        summary.add(
            format!("{shape}: instructions"),
            format!("{:.0} M", k / 1e6),
            format!("{:.0} M", u / 1e6),
            k / u,
            if watch { "<= 1.2x" } else { "-" },
            watch.then_some(k <= 1.2 * u),
        );
    }
}

fn list(r: &Results, summary: &mut Summary) {
    println!("| scenario | what | wall, median (runs) | peak RSS |");
    println!("|---|---|---:|---:|");
    for s in ["list-kclient", "list-kube", "list-protobuf"] {
        if r.values(s, "wall_ms").is_empty() {
            continue;
        }
        println!(
            "| {s} | {} | {} | {:.1} MiB |",
            describe(s),
            r.wall(s),
            r.peak_mib(s)
        );
    }
    let (kc, ku) = (
        r.median("list-kclient", "wall_ms"),
        r.median("list-kube", "wall_ms"),
    );
    summary.add(
        "list 10,000 pods: wall time",
        format!("{kc:.0} ms"),
        format!("{ku:.0} ms"),
        kc / ku,
        "<= 0.5x",
        Some(kc / ku <= 0.5),
    );
    let (kc, ku) = (r.peak_mib("list-kclient"), r.peak_mib("list-kube"));
    summary.add(
        "list 10,000 pods: peak RSS",
        format!("{kc:.1} MiB"),
        format!("{ku:.1} MiB"),
        kc / ku,
        "<= 0.5x",
        Some(kc / ku <= 0.5),
    );
    if r.values("list-protobuf", "wall_ms").is_empty() {
        return;
    }
    let (pb, js) = (
        r.median("list-protobuf", "wall_ms"),
        r.median("list-kclient", "wall_ms"),
    );
    summary.add(
        "list 10,000 pods: protobuf wall time (vs kclient JSON; kube-rs column: JSON)",
        format!("{pb:.0} ms"),
        format!("{js:.0} ms"),
        pb / js,
        "<= 0.5x",
        Some(pb / js <= 0.5),
    );
    let (pb, js) = (r.peak_mib("list-protobuf"), r.peak_mib("list-kclient"));
    summary.add(
        "list 10,000 pods: protobuf peak RSS (vs kclient JSON)",
        format!("{pb:.1} MiB"),
        format!("{js:.1} MiB"),
        pb / js,
        "<= 0.8x",
        Some(pb / js <= 0.8),
    );
}

/// Median of (peak − base) in MiB: the memory the watch itself took.
fn above_base_mib(r: &Results, scenario: &str) -> f64 {
    let deltas: Vec<f64> = r
        .values(scenario, "peak_kib")
        .iter()
        .zip(r.values(scenario, "base_kib"))
        .map(|(peak, base)| (peak - base) / 1024.0)
        .collect();
    median(&deltas)
}

fn watch(r: &Results, summary: &mut Summary) {
    println!(
        "| scenario | what | wall, median (runs) | events/s | CPU time | peak RSS | peak above start |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    let shapes = [
        ("watch", "one event per chunk", WATCH_EVENTS),
        ("watch64k", "64 KiB chunks", WATCH_EVENTS),
        ("watchtls", "HTTPS (kclient HTTP/2)", WATCH_EVENTS),
        ("trickle", "trickle, 1 per 0.5 ms", TRICKLE_EVENTS),
        ("watchproto", "protobuf, one event per chunk", WATCH_EVENTS),
    ];
    for (shape, _, events) in shapes {
        for lib in ["kclient", "kube"] {
            let s = format!("{shape}-{lib}");
            if r.values(&s, "wall_ms").is_empty() {
                continue;
            }
            println!(
                "| {s} | {} | {} | {:.0} | {:.0} ms | {:.1} MiB | {:.1} MiB |",
                describe(&s),
                r.wall(&s),
                events as f64 / (r.median(&s, "wall_ms") / 1000.0),
                r.median(&s, "cpu_ms"),
                r.peak_mib(&s),
                above_base_mib(r, &s),
            );
        }
    }
    for (shape, label, events) in shapes {
        let (kc, ku) = (format!("{shape}-kclient"), format!("{shape}-kube"));
        if r.values(&kc, "wall_ms").is_empty() || r.values(&ku, "wall_ms").is_empty() {
            continue;
        }
        let (wk, wu) = (r.median(&kc, "wall_ms"), r.median(&ku, "wall_ms"));
        let rate = |w: f64| events as f64 / (w / 1000.0);
        // A trickle's pace is the server's: its rate is the same for both, CPU is what counts.
        let rate_aim = shape != "trickle";
        summary.add(
            format!("watch, {label}: events/s"),
            format!("{:.0}", rate(wk)),
            format!("{:.0}", rate(wu)),
            wu / wk,
            if rate_aim {
                ">= 1.5x"
            } else {
                "(server-paced)"
            },
            rate_aim.then_some(wu / wk >= 1.5),
        );
        let (ck, cu) = (r.median(&kc, "cpu_ms"), r.median(&ku, "cpu_ms"));
        summary.add(
            format!("watch, {label}: CPU time"),
            format!("{ck:.0} ms"),
            format!("{cu:.0} ms"),
            ck / cu,
            "<= 1.2x",
            Some(ck <= 1.2 * cu),
        );
        let mk = above_base_mib(r, &kc);
        summary.add(
            format!("watch, {label}: peak above start"),
            format!("{mk:.1} MiB"),
            format!("{:.1} MiB", above_base_mib(r, &ku)),
            mk / above_base_mib(r, &ku).max(0.1),
            "kclient <= 32 MiB",
            Some(mk <= 32.0),
        );
    }
    // kclient's protobuf watch against kube-rs's (JSON: it has no protobuf) and its own JSON.
    let pb = "watchproto-kclient";
    if r.values(pb, "wall_ms").is_empty() {
        return;
    }
    let rate = |s: &str| WATCH_EVENTS as f64 / (r.median(s, "wall_ms") / 1000.0);
    for (twin, label) in [
        ("watch-kube", "kube-rs JSON"),
        ("watch-kclient", "kclient JSON"),
    ] {
        if r.values(twin, "wall_ms").is_empty() {
            continue;
        }
        summary.add(
            format!("watch, protobuf, one event per chunk: events/s (vs {label})"),
            format!("{:.0}", rate(pb)),
            format!("{:.0}", rate(twin)),
            rate(pb) / rate(twin),
            ">= 1.5x",
            Some(rate(pb) >= 1.5 * rate(twin)),
        );
        let (ck, cu) = (r.median(pb, "cpu_ms"), r.median(twin, "cpu_ms"));
        summary.add(
            format!("watch, protobuf, one event per chunk: CPU time (vs {label})"),
            format!("{ck:.0} ms"),
            format!("{cu:.0} ms"),
            ck / cu,
            "<= 1.2x",
            Some(ck <= 1.2 * cu),
        );
    }
    let mk = above_base_mib(r, pb);
    summary.add(
        "watch, protobuf, one event per chunk: peak above start",
        format!("{mk:.1} MiB"),
        "-".into(),
        0.0,
        "kclient <= 32 MiB",
        Some(mk <= 32.0),
    );
}

fn informer(r: &Results, summary: &mut Summary) {
    println!(
        "| scenario | what | sync, median (runs) | peak RSS | held after sync | bytes/object |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for s in ["informer-kclient", "informer-kube", "informer-protobuf"] {
        if r.values(s, "wall_ms").is_empty() {
            continue;
        }
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
    summary.add(
        "informer, 100,000 ConfigMaps: peak RSS",
        format!("{:.1} MiB", r.peak_mib("informer-kclient")),
        format!("{:.1} MiB", r.peak_mib("informer-kube")),
        peak,
        "<= 0.5x",
        Some(peak <= 0.5),
    );
    summary.add(
        "informer, 100,000 ConfigMaps: sync time",
        format!("{:.0} ms", r.median("informer-kclient", "wall_ms")),
        format!("{:.0} ms", r.median("informer-kube", "wall_ms")),
        sync,
        "<= 1.0x",
        Some(sync <= 1.0),
    );
    let pb = "informer-protobuf";
    if r.values(pb, "wall_ms").is_empty() {
        return;
    }
    let (ps, js) = (
        r.median(pb, "wall_ms"),
        r.median("informer-kclient", "wall_ms"),
    );
    summary.add(
        "informer, 100,000 ConfigMaps: protobuf sync time (vs kclient JSON)",
        format!("{ps:.0} ms"),
        format!("{js:.0} ms"),
        ps / js,
        "-",
        None,
    );
    let (pp, jp) = (r.peak_mib(pb), r.peak_mib("informer-kclient"));
    summary.add(
        "informer, 100,000 ConfigMaps: protobuf peak RSS (vs kclient JSON)",
        format!("{pp:.1} MiB"),
        format!("{jp:.1} MiB"),
        pp / jp,
        "-",
        None,
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

fn controller(r: &Results, summary: &mut Summary) {
    println!("| scenario | what | all patched, median (runs) | CPU time | peak RSS |");
    println!("|---|---|---:|---:|---:|");
    for s in ["controller-kclient", "controller-kube"] {
        println!(
            "| {s} | {} | {} | {:.0} ms | {:.1} MiB |",
            describe(s),
            r.wall(s),
            r.median(s, "cpu_ms"),
            r.peak_mib(s)
        );
    }
    let (kc, ku) = (
        r.median("controller-kclient", "wall_ms"),
        r.median("controller-kube", "wall_ms"),
    );
    summary.add(
        "controller, 10,000 ConfigMaps patched: wall time",
        format!("{kc:.0} ms"),
        format!("{ku:.0} ms"),
        kc / ku,
        "<= 1x",
        Some(kc / ku <= 1.0),
    );
    let (kc, ku) = (
        r.peak_mib("controller-kclient"),
        r.peak_mib("controller-kube"),
    );
    summary.add(
        "controller, 10,000 ConfigMaps patched: peak RSS",
        format!("{kc:.1} MiB"),
        format!("{ku:.1} MiB"),
        kc / ku,
        "<= 0.5x",
        Some(kc / ku <= 0.5),
    );
}
