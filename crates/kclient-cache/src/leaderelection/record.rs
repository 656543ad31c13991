//! The pure decision of one acquire-or-renew attempt (client-go's `tryAcquireOrRenew` without
//! the I/O): given the lease as read, what to write, if anything.

use std::time::Duration;

use kclient_apimachinery::meta::MicroTime;
use tokio::time::Instant;

use super::lease::LeaseSpec;

/// What the elector last saw of the lease, and when (by the local clock: expiry is judged from
/// when a record was *observed* to change, never from the timestamps in it, so clock skew
/// between candidates does not matter).
#[derive(Debug, Clone)]
pub(crate) struct Observed {
    pub(crate) spec: LeaseSpec,
    pub(crate) at: Instant,
}

impl Observed {
    /// Records `spec` as seen at `now`, keeping the old time if nothing changed.
    pub(crate) fn update(previous: Option<Observed>, spec: LeaseSpec, now: Instant) -> Observed {
        match previous {
            Some(p) if p.spec == spec => p,
            _ => Observed { spec, at: now },
        }
    }

    /// The observed holder, if any.
    pub(crate) fn holder(&self) -> Option<&str> {
        self.spec
            .holder_identity
            .as_deref()
            .filter(|h| !h.is_empty())
    }

    /// Whether the observed holder's claim still runs at `now`.
    pub(crate) fn is_valid(&self, now: Instant) -> bool {
        let secs = self.spec.lease_duration_seconds.unwrap_or(0).max(0);
        self.at + Duration::from_secs(u64::from(secs.unsigned_abs())) > now
    }
}

/// What to do after reading the lease.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    /// Someone else holds a valid lease: do nothing.
    HeldByOther,
    /// Write this record (renewal or takeover).
    Write(LeaseSpec),
}

/// Decides an attempt by `identity` on the lease `observed` at `now`.
pub(crate) fn decide(
    observed: &Observed,
    identity: &str,
    lease_duration: Duration,
    now: Instant,
    wall_now: MicroTime,
) -> Decision {
    let old = &observed.spec;
    let holder = observed.holder();
    if holder.is_some_and(|h| h != identity) && observed.is_valid(now) {
        return Decision::HeldByOther;
    }
    let transitions = old.lease_transitions.unwrap_or(0);
    let renewing = holder == Some(identity);
    Decision::Write(LeaseSpec {
        holder_identity: Some(identity.to_string()),
        lease_duration_seconds: Some(duration_secs(lease_duration)),
        acquire_time: if renewing {
            old.acquire_time.or(Some(wall_now))
        } else {
            Some(wall_now)
        },
        renew_time: Some(wall_now),
        lease_transitions: Some(if renewing {
            transitions
        } else {
            transitions.saturating_add(1)
        }),
        strategy: old.strategy.clone(),
        preferred_holder: old.preferred_holder.clone(),
    })
}

/// The record of a fresh lease held by `identity`.
pub(crate) fn first_record(
    identity: &str,
    lease_duration: Duration,
    wall_now: MicroTime,
) -> LeaseSpec {
    LeaseSpec {
        holder_identity: Some(identity.to_string()),
        lease_duration_seconds: Some(duration_secs(lease_duration)),
        acquire_time: Some(wall_now),
        renew_time: Some(wall_now),
        lease_transitions: Some(0),
        strategy: None,
        preferred_holder: None,
    }
}

/// The record that gives a lease up: no holder, a 1 s duration (client-go's `release`).
pub(crate) fn released_record(old: &LeaseSpec, wall_now: MicroTime) -> LeaseSpec {
    LeaseSpec {
        holder_identity: None,
        lease_duration_seconds: Some(1),
        acquire_time: Some(wall_now),
        renew_time: Some(wall_now),
        lease_transitions: old.lease_transitions,
        strategy: old.strategy.clone(),
        preferred_holder: old.preferred_holder.clone(),
    }
}

fn duration_secs(d: Duration) -> i32 {
    i32::try_from(d.as_secs().max(1)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;

    fn held(by: &str, secs: i32, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(by.into()),
            lease_duration_seconds: Some(secs),
            acquire_time: Some(MicroTime::now()),
            renew_time: Some(MicroTime::now()),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }

    #[test]
    fn a_valid_lease_of_another_is_respected_until_it_expires() {
        let t0 = Instant::now();
        let theirs = held("b", 15, 3);
        let obs = Observed::update(None, theirs.clone(), t0);
        let d = Duration::from_secs(15);
        assert_eq!(
            decide(&obs, "a", d, t0 + Duration::from_secs(14), MicroTime::now()),
            Decision::HeldByOther
        );
        let Decision::Write(spec) =
            decide(&obs, "a", d, t0 + Duration::from_secs(16), MicroTime::now())
        else {
            panic!("an expired lease is taken over");
        };
        assert_eq!(spec.holder_identity.as_deref(), Some("a"));
        assert_eq!(spec.lease_transitions, Some(4));
        // The same record seen again later does not restart the clock.
        let again = Observed::update(Some(obs.clone()), theirs, t0 + Duration::from_secs(10));
        assert_eq!(again.at, obs.at);
        // A renewed record restarts it.
        let renewed = Observed::update(Some(obs), held("b", 15, 3), t0 + Duration::from_secs(10));
        assert_eq!(renewed.at, t0 + Duration::from_secs(10));
    }

    #[test]
    fn renewal_keeps_acquire_time_and_transitions_and_release_frees_it() {
        let t0 = Instant::now();
        let mine = held("a", 15, 2);
        let obs = Observed::update(None, mine.clone(), t0);
        let Decision::Write(spec) =
            decide(&obs, "a", Duration::from_secs(15), t0, MicroTime::now())
        else {
            panic!("the holder renews");
        };
        assert_eq!(spec.acquire_time, mine.acquire_time);
        assert_eq!(spec.lease_transitions, Some(2));
        let released = released_record(&spec, MicroTime::now());
        assert_eq!(released.holder_identity, None);
        assert_eq!(released.lease_duration_seconds, Some(1));
        let obs = Observed::update(Some(obs), released, t0);
        // No holder: anyone may take it at once.
        assert!(matches!(
            decide(&obs, "b", Duration::from_secs(15), t0, MicroTime::now()),
            Decision::Write(_)
        ));
    }
}
