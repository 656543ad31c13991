//! [`Action`]: what a reconcile asks for next — kube-runtime's `controller::Action`; in
//! client-go's sample-controller, the `AddAfter`, `Forget` and `AddRateLimited` calls a worker
//! makes on its work queue after `syncHandler` returns.

use std::time::Duration;

/// What should happen to an object's key after its reconcile.
///
/// ```
/// use std::time::Duration;
/// use kclient_runtime::Action;
///
/// // Look again in five minutes even if nothing changes (e.g. to renew a certificate).
/// let later = Action::requeue(Duration::from_secs(300));
/// assert_eq!(later.requeue_after(), Some(Duration::from_secs(300)));
/// // Nothing to do until the object (or something it owns or watches) changes.
/// assert_eq!(Action::await_change().requeue_after(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Action {
    next: Next,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    RequeueAfter(Duration),
    AwaitChange,
    Backoff,
}

impl Action {
    /// Reconcile the object again after `after` (client-go's `AddAfter`), or sooner if it
    /// changes. A zero duration requeues at once.
    pub const fn requeue(after: Duration) -> Self {
        Self {
            next: Next::RequeueAfter(after),
        }
    }

    /// Reconcile the object only when it (or an object mapped to it) changes, or at the next
    /// periodic resync.
    pub const fn await_change() -> Self {
        Self {
            next: Next::AwaitChange,
        }
    }

    /// Retry after the delay the controller's rate limiter picks (client-go's
    /// `AddRateLimited`): by default the larger of a per-object exponential backoff (5 ms
    /// doubling to 1000 s) and an overall bucket of 10 retries per second, burst 100. What
    /// [`default_error_policy`](crate::default_error_policy) returns for every error.
    pub const fn backoff() -> Self {
        Self {
            next: Next::Backoff,
        }
    }

    /// The requeue delay, for [`requeue`](Self::requeue).
    pub fn requeue_after(&self) -> Option<Duration> {
        match self.next {
            Next::RequeueAfter(d) => Some(d),
            _ => None,
        }
    }

    /// Whether this is [`backoff`](Self::backoff).
    pub fn is_backoff(&self) -> bool {
        self.next == Next::Backoff
    }

    pub(crate) fn next(&self) -> Next {
        self.next
    }
}
