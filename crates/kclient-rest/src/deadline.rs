//! Deadlines from durations a user supplies (a timeout, a requeue delay, a resync period, a
//! lease duration) that never panic: `Instant + Duration` overflows for a huge duration such as
//! `Duration::MAX`, which users pass to mean "never". The one place kclient adds a duration to
//! an instant; client-go needs none of this (Go's `time.Time.Add` saturates).

use std::time::Duration;

use tokio::time::Instant;

/// About thirty years: what "never" becomes when a duration does not fit.
const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// `base + duration`, or about thirty years after `base` when that does not fit.
pub fn saturating_add(base: Instant, duration: Duration) -> Instant {
    base.checked_add(duration)
        .or_else(|| base.checked_add(FAR_FUTURE))
        .unwrap_or(base)
}

/// The instant `duration` from now, saturating as [`saturating_add`].
pub fn after(duration: Duration) -> Instant {
    saturating_add(Instant::now(), duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_saturate_instead_of_panicking() {
        let now = Instant::now();
        assert_eq!(
            saturating_add(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
        assert!(saturating_add(now, Duration::MAX) > now + Duration::from_secs(3600 * 24 * 365));
        assert!(after(Duration::MAX) > now);
    }
}
