//! Exponential backoff with jitter and reset after a healthy period, as the reflector uses
//! between failed list/watch attempts (client-go's `wait.Backoff` with `DelayWithReset`). The
//! schedule itself is [`kclient_rest::wait::Backoff`]; this adds only the reset.
//!
//! Pure logic: the caller passes the current time, so the schedule is testable without a clock.

use std::time::Duration;

use kclient_rest::wait;
use tokio::time::Instant;

/// The parameters of a [`Backoff`]. The defaults are client-go's reflector backoff.
#[derive(Debug, Clone, PartialEq)]
pub struct BackoffConfig {
    /// The first delay. Default 800 ms.
    pub initial: Duration,
    /// The largest delay before jitter. Default 30 s.
    pub max: Duration,
    /// The multiplier applied after each delay. Default 2.0.
    pub factor: f64,
    /// Each delay is increased by up to `jitter` times itself, at random. Default 1.0 (so a
    /// delay `d` becomes a value in `[d, 2d)`).
    pub jitter: f64,
    /// When no delay was asked for during this long, the next one starts over from `initial`.
    /// Default 2 minutes.
    pub reset_after: Duration,
}

/// client-go's reflector backoff start (`800ms`).
pub const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_millis(800);
/// client-go's reflector backoff cap (`30s`).
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(30);
/// client-go's reflector backoff reset interval (`2m`).
pub const DEFAULT_BACKOFF_RESET: Duration = Duration::from_secs(120);

impl Default for BackoffConfig {
    fn default() -> Self {
        Self {
            initial: DEFAULT_BACKOFF_INITIAL,
            max: DEFAULT_BACKOFF_MAX,
            factor: 2.0,
            jitter: 1.0,
            reset_after: DEFAULT_BACKOFF_RESET,
        }
    }
}

/// The state of an exponential backoff: hands out growing delays, and starts over after a quiet
/// period.
#[derive(Debug)]
pub struct Backoff {
    config: BackoffConfig,
    schedule: wait::Backoff,
    last: Option<Instant>,
    rng: fastrand::Rng,
}

impl Backoff {
    /// A backoff with `config`, randomised from the process's entropy.
    pub fn new(config: BackoffConfig) -> Self {
        Self::with_rng(config, fastrand::Rng::new())
    }

    /// A backoff with a given random generator (seed it for reproducible tests).
    pub fn with_rng(config: BackoffConfig, rng: fastrand::Rng) -> Self {
        Self {
            schedule: Self::fresh(&config),
            config,
            last: None,
            rng,
        }
    }

    fn fresh(config: &BackoffConfig) -> wait::Backoff {
        wait::Backoff::new(
            config.initial.min(config.max),
            config.factor.max(1.0),
            config.jitter.max(0.0),
            u32::MAX,
        )
        .with_cap(config.max)
    }

    /// The delay to wait now, and advances the schedule. If the previous delay was asked for more
    /// than `reset_after` ago, the schedule starts over first.
    pub fn next_delay(&mut self, now: Instant) -> Duration {
        if let Some(last) = self.last
            && now.saturating_duration_since(last) > self.config.reset_after
        {
            self.schedule = Self::fresh(&self.config);
        }
        self.last = Some(now);
        self.schedule.step(&mut self.rng)
    }

    /// Starts the schedule over from `initial`.
    pub fn reset(&mut self) {
        self.schedule = Self::fresh(&self.config);
        self.last = None;
    }
}

/// A random watch timeout between `min` and `2 * min` (client-go's `timeoutSeconds`, 300–600 s
/// for the default 5 minutes), in whole seconds.
pub fn random_watch_timeout(min: Duration, rng: &mut fastrand::Rng) -> i64 {
    let min = min.as_secs().max(1);
    let secs = min + rng.u64(0..min);
    i64::try_from(secs).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_jitters_within_bounds() {
        let mut b = Backoff::with_rng(BackoffConfig::default(), fastrand::Rng::with_seed(7));
        let start = Instant::now();
        let mut expected = Duration::from_millis(800);
        for i in 0..10u32 {
            let d = b.next_delay(start + Duration::from_secs(u64::from(i)));
            assert!(
                d >= expected && d < expected * 2,
                "{i}: {d:?} vs {expected:?}"
            );
            expected = (expected * 2).min(Duration::from_secs(30));
        }
    }

    #[test]
    fn no_jitter_is_exact_and_resets_after_quiet_period() {
        let config = BackoffConfig {
            jitter: 0.0,
            ..BackoffConfig::default()
        };
        let mut b = Backoff::new(config);
        let t = Instant::now();
        assert_eq!(b.next_delay(t), Duration::from_millis(800));
        assert_eq!(b.next_delay(t), Duration::from_millis(1600));
        assert_eq!(
            b.next_delay(t + Duration::from_secs(60)),
            Duration::from_millis(3200)
        );
        // More than two minutes since the last delay: start over.
        let later = t + Duration::from_secs(60 + 121);
        assert_eq!(b.next_delay(later), Duration::from_millis(800));
        b.reset();
        assert_eq!(b.next_delay(later), Duration::from_millis(800));
    }

    #[test]
    fn watch_timeouts_are_between_five_and_ten_minutes() {
        let mut rng = fastrand::Rng::with_seed(1);
        for _ in 0..1000 {
            let t = random_watch_timeout(Duration::from_secs(300), &mut rng);
            assert!((300..600).contains(&t), "{t}");
        }
    }
}
