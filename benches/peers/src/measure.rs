//! Measuring a process (its resident memory from `/proc/self/status`) and running scenarios in
//! child processes: each child prints one `RESULT key=value ...` line, which the parent parses.

use std::collections::BTreeMap;
use std::process::Command;

/// A memory figure of this process from `/proc/self/status`, in KiB (`VmHWM`: peak resident
/// set; `VmRSS`: current). 0 where the file is missing (not Linux).
pub fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Peak resident set size so far, KiB.
pub fn peak_kib() -> u64 {
    status_kib("VmHWM")
}

/// Current resident set size, KiB.
pub fn rss_kib() -> u64 {
    status_kib("VmRSS")
}

/// Clock-tick fields of `/proc/self/stat` summed, in milliseconds (10 ms resolution); `skip`
/// counts the fields after the command name's `)`. 0 where the file is missing.
fn stat_ms(skip: usize) -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may hold spaces: fields are counted from its closing parenthesis.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = rest
        .split_whitespace()
        .skip(skip)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    ticks * 10.0
}

/// CPU time (user + system) this process has used so far, in milliseconds.
pub fn cpu_ms() -> f64 {
    stat_ms(11) // utime, stime: fields 14 and 15
}

/// CPU time (user + system) of this process's children that have been waited for, in
/// milliseconds (a finished `cargo build` with every `rustc` it ran).
pub fn children_cpu_ms() -> f64 {
    stat_ms(13) // cutime, cstime: fields 16 and 17
}

/// What a child reported.
pub type Report = BTreeMap<String, f64>;

/// Prints a child's result line.
pub fn print_result(values: &[(&str, f64)]) {
    let fields: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("RESULT {}", fields.join(" "));
}

/// Where children find the server: the plain URL (an argument) and the environment for the
/// HTTPS one.
pub struct Target {
    /// The plain-HTTP URL.
    pub url: String,
    /// Environment variables set for the child.
    pub env: Vec<(&'static str, String)>,
}

/// How a child runs: natively, or under callgrind to count the instructions it executes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Natively: wall time, CPU time and memory are measured.
    Native,
    /// Under `valgrind --tool=callgrind`: the instructions the child executed (all its
    /// threads) are added to its report as `instructions`, a CPU cost that does not depend on
    /// what else the machine runs. Its times and memory are the emulator's, not comparable.
    Instructions,
}

/// Where callgrind's profiles of the children are kept (for `callgrind_annotate`).
pub fn callgrind_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/callgrind")
}

/// The instruction count in callgrind's summary (`==pid== Collected : N`).
fn collected(stderr: &str) -> Option<f64> {
    stderr
        .lines()
        .find_map(|l| l.split_once("Collected :").map(|(_, n)| n.trim()))
        .and_then(|n| n.parse().ok())
}

/// Runs this binary as `child <scenario> <url>` and parses its result line.
pub fn run_child(scenario: &str, target: &Target, mode: Mode) -> Result<Report, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let mut command = match mode {
        Mode::Native => Command::new(exe),
        Mode::Instructions => {
            let dir = callgrind_dir();
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("creating {}: {e}", dir.display()))?;
            let mut command = Command::new("valgrind");
            command
                .arg("--tool=callgrind")
                .arg(format!(
                    "--callgrind-out-file={}",
                    dir.join(format!("{scenario}.out")).display()
                ))
                .arg(exe);
            command
        }
    };
    let output = command
        .args(["child", scenario, &target.url])
        .envs(target.env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .map_err(|e| format!("cannot start child {scenario}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")) else {
        return Err(format!(
            "scenario {scenario} failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        ));
    };
    let mut report = Report::new();
    for field in line.split_whitespace() {
        let (key, value) = field
            .split_once('=')
            .ok_or_else(|| format!("bad result field {field:?} from {scenario}"))?;
        let value = value
            .parse()
            .map_err(|_| format!("bad number in {field:?} from {scenario}"))?;
        report.insert(key.to_string(), value);
    }
    if mode == Mode::Instructions {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let count = collected(&stderr)
            .ok_or_else(|| format!("no instruction count from callgrind for {scenario}"))?;
        report.insert("instructions".into(), count);
    }
    Ok(report)
}

/// The median of `values` (the lower middle for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
        .get(sorted.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0]), 1.0);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn reads_callgrind_summary() {
        let stderr = "==7== Events    : Ir\n==7== Collected : 123456789\n==7== \n";
        assert_eq!(collected(stderr), Some(123_456_789.0));
        assert_eq!(collected("no summary"), None);
    }

    #[test]
    fn reads_own_memory() {
        assert!(peak_kib() >= rss_kib());
        assert!(rss_kib() > 0);
    }
}
