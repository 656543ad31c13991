//! Small measuring helpers: min/median/max of a set of durations, and the process's memory and
//! socket counts from `/proc/self`.

use std::time::Duration;

use crate::BoxResult;

/// Min, median and max of several runs.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    /// The fastest run.
    pub min: Duration,
    /// The middle run (the upper middle for an even count).
    pub median: Duration,
    /// The slowest run.
    pub max: Duration,
}

impl Spread {
    /// The spread of `times`; `None` when there are none.
    pub fn of(mut times: Vec<Duration>) -> Option<Self> {
        times.sort();
        Some(Self {
            min: *times.first()?,
            median: *times.get(times.len() / 2)?,
            max: *times.last()?,
        })
    }

    /// `min / median / max` in milliseconds, for a table cell.
    pub fn cells(&self) -> String {
        format!("{} | {} | {}", ms(self.min), ms(self.median), ms(self.max))
    }
}

/// A duration in milliseconds with one decimal, e.g. `12.3 ms`.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `VmRSS` and `VmHWM` (current and peak resident set size) of this process, in kB.
pub fn rss_kb() -> BoxResult<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> BoxResult<u64> {
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .ok_or_else(|| format!("no {name} in /proc/self/status"))?;
        Ok(line.trim().trim_end_matches("kB").trim().parse()?)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// A kB count as MiB with one decimal.
pub fn mib(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

/// The number of sockets this process holds open (a loopback connection between the in-process
/// client and server counts twice; the listener once).
pub fn open_sockets() -> BoxResult<usize> {
    let mut count = 0;
    for entry in std::fs::read_dir("/proc/self/fd")? {
        // An fd closed between listing and reading is simply not counted.
        let Ok(target) = std::fs::read_link(entry?.path()) else {
            continue;
        };
        if target.to_string_lossy().starts_with("socket:") {
            count += 1;
        }
    }
    Ok(count)
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg` (other work on the machine skews
/// every timing), or `unknown`.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
