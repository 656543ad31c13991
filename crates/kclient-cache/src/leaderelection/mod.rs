//! Leader election on a `coordination.k8s.io/v1` Lease (client-go's `tools/leaderelection`
//! with `resourcelock.LeaseLock`).
//!
//! Candidates share one Lease. Each [`LeaderElector::run`] goes through these states:
//!
//! ```text
//!  Acquiring --(lease free, expired, or ours: write it; 409 => retry)--> Leading
//!     ^  | every retry_period (+ up to 120 % jitter)                       |
//!     |  +-- held by another, valid: wait                                  | renew every retry_period;
//!     |                                                                    | no success for renew_deadline
//!   (run returns)  <-- on_stopped_leading, then release (ReleaseOnCancel) <-+ or shutdown
//! ```
//!
//! - A lease is valid for `leaseDurationSeconds` after the candidate *observed* it change (local
//!   clock), so clock skew between machines does not matter.
//! - Writes use the lease's resourceVersion: a concurrent write gets 409 Conflict and the
//!   attempt simply fails; exactly one candidate wins each round.
//! - Leadership ends when a renewal has not succeeded for `renew_deadline` (shorter than the
//!   lease duration, so the old leader stops before anyone else may start) or on shutdown. The
//!   leader's context handle is triggered and `on_stopped_leading` called *before* the lease is
//!   released, so two leaders' callbacks never overlap.
//! - With `release_on_cancel`, a leader that shuts down writes an empty holder and a 1 s
//!   duration, so the next candidate takes over at its next retry instead of waiting for expiry.

mod config;
mod lease;
mod record;

use std::sync::{Arc, Mutex, PoisonError};

use kclient_apimachinery::meta::MicroTime;
use kclient_rest::RestClient;
use tokio::time::Instant;

pub use config::{
    DEFAULT_LEASE_DURATION, DEFAULT_RENEW_DEADLINE, DEFAULT_RETRY_PERIOD, JITTER_FACTOR,
    LeaderElectionConfig,
};
pub use lease::{Lease, LeaseLock, LeaseSpec};
use record::{Decision, Observed, decide, first_record, released_record};

use crate::{Error, ShutdownHandle};

#[derive(Debug, Default)]
struct Status {
    leading: bool,
    leader: Option<String>,
}

/// Reads an elector's state while it runs.
#[derive(Debug, Clone, Default)]
pub struct ElectorHandle {
    status: Arc<Mutex<Status>>,
}

impl ElectorHandle {
    /// Whether this candidate leads now.
    pub fn is_leader(&self) -> bool {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .leading
    }

    /// The last leader this candidate observed.
    pub fn leader(&self) -> Option<String> {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .leader
            .clone()
    }
}

/// One candidate in an election.
pub struct LeaderElector {
    config: LeaderElectionConfig,
    lock: LeaseLock,
    observed: Option<Observed>,
    current: Option<Lease>,
    handle: ElectorHandle,
    rng: fastrand::Rng,
}

impl std::fmt::Debug for LeaderElector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl LeaderElector {
    /// A candidate using `client` (any `RestClient` of the server). Fails if the config is
    /// invalid.
    pub fn new(client: RestClient, config: LeaderElectionConfig) -> Result<Self, Error> {
        config.validate()?;
        let lock = LeaseLock::new(client, config.namespace.clone(), config.name.clone());
        Ok(Self {
            config,
            lock,
            observed: None,
            current: None,
            handle: ElectorHandle::default(),
            rng: fastrand::Rng::new(),
        })
    }

    /// A handle to read whether this candidate leads.
    pub fn handle(&self) -> ElectorHandle {
        self.handle.clone()
    }

    /// Runs one term: acquires the lease (waiting as long as it takes), leads until renewal
    /// fails or `shutdown` is triggered, then returns. Run it in a loop to stand again.
    pub async fn run(mut self, shutdown: ShutdownHandle) {
        if !self.acquire(&shutdown).await {
            return;
        }
        let leading = shutdown.child();
        self.set_leading(true);
        tracing::info!(lease = %self.lock.describe(), identity = %self.config.identity,
            "started leading");
        if let Some(f) = &self.config.on_started_leading {
            f(leading.clone());
        }
        self.renew(&shutdown).await;
        leading.shutdown();
        self.set_leading(false);
        tracing::info!(lease = %self.lock.describe(), identity = %self.config.identity,
            "stopped leading");
        if let Some(f) = &self.config.on_stopped_leading {
            f();
        }
        if shutdown.is_shutdown() && self.config.release_on_cancel {
            self.release().await;
        }
    }

    fn set_leading(&self, leading: bool) {
        self.handle
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .leading = leading;
    }

    /// Tries until the lease is ours; false if shut down first.
    async fn acquire(&mut self, shutdown: &ShutdownHandle) -> bool {
        loop {
            if self.attempt().await {
                return true;
            }
            let jitter = 1.0 + JITTER_FACTOR * self.rng.f64();
            let wait = self.config.retry_period.mul_f64(jitter);
            tokio::select! {
                _ = shutdown.cancelled() => return false,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Renews every retry period; returns when a renewal failed for `renew_deadline`, or on
    /// shutdown.
    async fn renew(&mut self, shutdown: &ShutdownHandle) {
        loop {
            let deadline = kclient_rest::deadline::after(self.config.renew_deadline);
            loop {
                if shutdown.is_shutdown() {
                    return;
                }
                let attempt = tokio::time::timeout_at(deadline, self.attempt()).await;
                if attempt == Ok(true) {
                    break;
                }
                if kclient_rest::deadline::after(self.config.retry_period) >= deadline {
                    tracing::warn!(lease = %self.lock.describe(),
                        "failed to renew the lease within the renew deadline");
                    return;
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(self.config.retry_period) => {}
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.config.retry_period) => {}
            }
        }
    }

    /// One acquire-or-renew attempt; true if the lease is ours now.
    async fn attempt(&mut self) -> bool {
        match self.try_acquire_or_renew().await {
            Ok(won) => won,
            Err(e) if e.is_conflict() || e.is_already_exists() => {
                tracing::debug!(error = %e, "another candidate wrote the lease first");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "leader election attempt failed");
                false
            }
        }
    }

    async fn try_acquire_or_renew(&mut self) -> Result<bool, Error> {
        let identity = self.config.identity.clone();
        let Some(current) = self.lock.get().await? else {
            let spec = first_record(&identity, self.config.lease_duration, MicroTime::now());
            let lease = self.lock.create(spec).await?;
            self.observe(lease);
            return Ok(true);
        };
        self.observe(current.clone());
        let Some(observed) = &self.observed else {
            return Ok(false);
        };
        match decide(
            observed,
            &identity,
            self.config.lease_duration,
            Instant::now(),
            MicroTime::now(),
        ) {
            Decision::HeldByOther => Ok(false),
            Decision::Write(spec) => {
                let lease = self.lock.update(&current, spec).await?;
                self.observe(lease);
                Ok(true)
            }
        }
    }

    /// Records the lease as observed now, and reports a new leader.
    fn observe(&mut self, lease: Lease) {
        let observed = Observed::update(self.observed.take(), lease.spec.clone(), Instant::now());
        let holder = observed.holder().map(str::to_string);
        self.observed = Some(observed);
        self.current = Some(lease);
        let changed = {
            let mut status = self
                .handle
                .status
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let changed = holder.is_some() && status.leader != holder;
            if holder.is_some() {
                status.leader.clone_from(&holder);
            }
            changed
        };
        if let (true, Some(f), Some(h)) = (changed, &self.config.on_new_leader, &holder) {
            f(h);
        }
    }

    /// Gives the lease up, if it is still ours.
    async fn release(&mut self) {
        let Some(current) = self.current.clone() else {
            return;
        };
        if current.spec.holder_identity.as_deref() != Some(self.config.identity.as_str()) {
            return;
        }
        let spec = released_record(&current.spec, MicroTime::now());
        match self.lock.update(&current, spec).await {
            Ok(lease) => {
                tracing::info!(lease = %self.lock.describe(), "released the lease");
                self.current = Some(lease);
            }
            Err(e) => tracing::warn!(error = %e, "failed to release the lease"),
        }
    }
}
