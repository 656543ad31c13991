//! [`Backoff`]: an exponential backoff with jitter and an optional cap and step budget —
//! apimachinery's `wait.Backoff` (`pkg/util/wait/backoff.go`). The one implementation of the
//! mechanism in kclient: the HTTP retry layer, kclient-cache's reflector backoff and work-queue
//! rate limiters, and [`crate::retry`] all use it.
//!
//! Pure logic: randomness comes from a `fastrand::Rng` the caller may seed.

use std::time::Duration;

/// The parameters and state of an exponential backoff (`wait.Backoff`).
///
/// Each [`Backoff::step`] returns the current `duration` (plus up to `jitter` × itself at
/// random) and multiplies `duration` by `factor`, until `cap` is reached (then `steps` drops to
/// zero and every later step returns the cap). `steps` counts the steps left; once it is zero
/// the duration no longer changes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The next delay (before jitter).
    pub duration: Duration,
    /// What `duration` is multiplied by after each step (`0` or `1`: constant).
    pub factor: f64,
    /// Each delay is increased by up to `jitter` times itself, at random (`0`: none).
    pub jitter: f64,
    /// How many steps change the duration (and how many attempts [`crate::retry`] makes).
    pub steps: u32,
    /// The largest `duration` (`Duration::ZERO`: none). Reaching it sets `steps` to 0.
    pub cap: Duration,
}

impl Default for Backoff {
    /// One attempt, no delay (Go's zero value with `Steps: 1`).
    fn default() -> Self {
        Self {
            duration: Duration::ZERO,
            factor: 0.0,
            jitter: 0.0,
            steps: 1,
            cap: Duration::ZERO,
        }
    }
}

impl Backoff {
    /// A backoff starting at `duration`, multiplied by `factor` each step, for `steps` steps.
    pub const fn new(duration: Duration, factor: f64, jitter: f64, steps: u32) -> Self {
        Self {
            duration,
            factor,
            jitter,
            steps,
            cap: Duration::ZERO,
        }
    }

    /// The same backoff with a cap on the duration.
    #[must_use]
    pub const fn with_cap(mut self, cap: Duration) -> Self {
        self.cap = cap;
        self
    }

    /// The delay to wait now, and advances the backoff (`wait.Backoff.Step`).
    pub fn step(&mut self, rng: &mut fastrand::Rng) -> Duration {
        if self.steps < 1 {
            return jitter(self.duration, self.jitter, rng);
        }
        self.steps -= 1;
        let current = self.duration;
        if self.factor != 0.0 {
            self.duration = scale(self.duration, self.factor);
            if !self.cap.is_zero() && self.duration > self.cap {
                self.duration = self.cap;
                self.steps = 0;
            }
        }
        jitter(current, self.jitter, rng)
    }

    /// The delay before jitter after `n` steps: `duration × factorⁿ`, at most `cap` — without
    /// changing the backoff (per-item rate limiters keep only the count).
    pub fn delay_after(&self, n: u32) -> Duration {
        let factor = if self.factor == 0.0 { 1.0 } else { self.factor };
        let power = factor.powi(i32::try_from(n).unwrap_or(i32::MAX));
        let secs = self.duration.as_secs_f64() * power;
        let capped = |d: Duration| {
            if self.cap.is_zero() {
                d
            } else {
                d.min(self.cap)
            }
        };
        if !secs.is_finite() || secs >= Duration::MAX.as_secs_f64() {
            return capped(Duration::MAX);
        }
        capped(Duration::from_secs_f64(secs))
    }
}

/// `d` plus a random part of up to `max_factor × d` (`wait.Jitter`; `max_factor ≤ 0` adds
/// nothing here, where Go would use 1.0 — callers pass the backoff's own jitter).
pub fn jitter(d: Duration, max_factor: f64, rng: &mut fastrand::Rng) -> Duration {
    if max_factor <= 0.0 {
        return d;
    }
    d.saturating_add(scale(d, rng.f64() * max_factor))
}

/// `d × factor`, saturating at `Duration::MAX` (and zero for a negative factor).
fn scale(d: Duration, factor: f64) -> Duration {
    let secs = d.as_secs_f64() * factor.max(0.0);
    if !secs.is_finite() || secs >= Duration::MAX.as_secs_f64() {
        Duration::MAX
    } else {
        Duration::from_secs_f64(secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn steps_grow_then_stay() {
        let mut rng = fastrand::Rng::with_seed(1);
        let mut b = Backoff::new(10 * MS, 5.0, 0.0, 3);
        let got: Vec<_> = (0..5).map(|_| b.step(&mut rng)).collect();
        assert_eq!(got, [10 * MS, 50 * MS, 250 * MS, 1250 * MS, 1250 * MS]);
        assert_eq!(b.steps, 0);
    }

    #[test]
    fn cap_ends_the_steps() {
        let mut rng = fastrand::Rng::with_seed(1);
        let mut b = Backoff::new(MS, 2.0, 0.0, 100).with_cap(5 * MS);
        let got: Vec<_> = (0..5).map(|_| b.step(&mut rng)).collect();
        assert_eq!(got, [MS, 2 * MS, 4 * MS, 5 * MS, 5 * MS]);
        assert_eq!(b.steps, 0);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let mut rng = fastrand::Rng::with_seed(3);
        let mut b = Backoff::new(100 * MS, 1.0, 0.1, 1000);
        for _ in 0..1000 {
            let d = b.step(&mut rng);
            assert!(d >= 100 * MS && d < 110 * MS, "{d:?}");
        }
    }

    #[test]
    fn delay_after_is_pure_and_capped() {
        let b = Backoff::new(5 * MS, 2.0, 0.0, 0).with_cap(Duration::from_secs(1000));
        assert_eq!(b.delay_after(0), 5 * MS);
        assert_eq!(b.delay_after(3), 40 * MS);
        assert_eq!(b.delay_after(10_000), Duration::from_secs(1000));
        let uncapped = Backoff::new(Duration::from_secs(1), 2.0, 0.0, 0);
        assert_eq!(uncapped.delay_after(u32::MAX), Duration::MAX);
    }
}
