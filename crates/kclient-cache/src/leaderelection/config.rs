//! [`LeaderElectionConfig`]: the lock, the identity, the timings and the callbacks of an
//! election, with client-go's validation.

use std::sync::Arc;
use std::time::Duration;

use crate::{Error, ShutdownHandle};

/// The default lease duration (component-base: 15 s).
pub const DEFAULT_LEASE_DURATION: Duration = Duration::from_secs(15);
/// The default renew deadline (10 s).
pub const DEFAULT_RENEW_DEADLINE: Duration = Duration::from_secs(10);
/// The default retry period (2 s).
pub const DEFAULT_RETRY_PERIOD: Duration = Duration::from_secs(2);
/// client-go's `JitterFactor`: acquire attempts wait up to 120 % longer than the retry period.
pub const JITTER_FACTOR: f64 = 1.2;

pub(super) type StartedFn = Arc<dyn Fn(ShutdownHandle) + Send + Sync>;
pub(super) type StoppedFn = Arc<dyn Fn() + Send + Sync>;
pub(super) type NewLeaderFn = Arc<dyn Fn(&str) + Send + Sync>;

/// How to run an election (client-go's `LeaderElectionConfig`).
#[must_use]
pub struct LeaderElectionConfig {
    /// The namespace of the Lease.
    pub namespace: String,
    /// The name of the Lease.
    pub name: String,
    /// This candidate's identity (unique among candidates, e.g. the pod name).
    pub identity: String,
    /// How long a claim lasts without renewal. Default [`DEFAULT_LEASE_DURATION`].
    pub lease_duration: Duration,
    /// How long the leader keeps retrying a failing renewal before giving up. Default
    /// [`DEFAULT_RENEW_DEADLINE`].
    pub renew_deadline: Duration,
    /// The wait between attempts. Default [`DEFAULT_RETRY_PERIOD`].
    pub retry_period: Duration,
    /// Give the lease up on shutdown. Default true.
    pub release_on_cancel: bool,
    pub(super) on_started_leading: Option<StartedFn>,
    pub(super) on_stopped_leading: Option<StoppedFn>,
    pub(super) on_new_leader: Option<NewLeaderFn>,
}

impl std::fmt::Debug for LeaderElectionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElectionConfig")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("identity", &self.identity)
            .field("lease_duration", &self.lease_duration)
            .field("renew_deadline", &self.renew_deadline)
            .field("retry_period", &self.retry_period)
            .field("release_on_cancel", &self.release_on_cancel)
            .finish_non_exhaustive()
    }
}

impl LeaderElectionConfig {
    /// An election on Lease `namespace/name` for candidate `identity`, with the default timings.
    pub fn new(
        namespace: impl Into<String>,
        name: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
            identity: identity.into(),
            lease_duration: DEFAULT_LEASE_DURATION,
            renew_deadline: DEFAULT_RENEW_DEADLINE,
            retry_period: DEFAULT_RETRY_PERIOD,
            release_on_cancel: true,
            on_started_leading: None,
            on_stopped_leading: None,
            on_new_leader: None,
        }
    }

    /// Sets the lease duration, renew deadline and retry period.
    pub fn timings(mut self, lease: Duration, renew_deadline: Duration, retry: Duration) -> Self {
        self.lease_duration = lease;
        self.renew_deadline = renew_deadline;
        self.retry_period = retry;
        self
    }

    /// Sets whether the lease is given up on shutdown.
    pub fn release_on_cancel(mut self, release: bool) -> Self {
        self.release_on_cancel = release;
        self
    }

    /// Called when this candidate starts leading, with a handle triggered when it stops: start
    /// the controller's tasks here and stop them on the handle.
    pub fn on_started_leading(
        mut self,
        f: impl Fn(ShutdownHandle) + Send + Sync + 'static,
    ) -> Self {
        self.on_started_leading = Some(Arc::new(f));
        self
    }

    /// Called when this candidate stops leading (only if it led).
    pub fn on_stopped_leading(mut self, f: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_stopped_leading = Some(Arc::new(f));
        self
    }

    /// Called with the identity of each new leader observed (this candidate included).
    pub fn on_new_leader(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_new_leader = Some(Arc::new(f));
        self
    }

    /// client-go's checks: lease duration > renew deadline > 1.2 × retry period > 0, and a
    /// lock name and identity.
    pub(super) fn validate(&self) -> Result<(), Error> {
        let fail = |reason: String| Err(Error::InvalidLeaderElection { reason });
        if self.lease_duration <= self.renew_deadline {
            return fail(format!(
                "lease_duration ({:?}) must be greater than renew_deadline ({:?})",
                self.lease_duration, self.renew_deadline
            ));
        }
        if self.renew_deadline.as_secs_f64() <= JITTER_FACTOR * self.retry_period.as_secs_f64() {
            return fail(format!(
                "renew_deadline ({:?}) must be greater than {JITTER_FACTOR} × retry_period ({:?})",
                self.renew_deadline, self.retry_period
            ));
        }
        if self.retry_period.is_zero() {
            return fail("retry_period must be greater than zero".to_string());
        }
        if self.lease_duration < Duration::from_secs(1) {
            return fail("lease_duration must be at least 1 s (leases count whole seconds)".into());
        }
        if self.name.is_empty() || self.namespace.is_empty() {
            return fail("the lease needs a namespace and a name".to_string());
        }
        if self.identity.is_empty() {
            return fail("identity must not be empty".to_string());
        }
        Ok(())
    }
}
