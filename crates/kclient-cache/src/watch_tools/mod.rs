//! Watch tools — client-go's `tools/watch`:
//!
//! - [`RetryWatcher`]: a watch that survives closed connections by resuming from the last
//!   resourceVersion it delivered (so it neither repeats nor drops events), and surfaces a
//!   410 Gone as an error instead of hiding it (the caller must relist).
//! - [`until_without_retry`], [`until`] and [`until_with_sync`]: wait, with a timeout, until a
//!   list of conditions holds, one after the other, for the events of a watch, of a
//!   [`RetryWatcher`], or of an informer (which also checks a precondition against its synced
//!   cache).
//! - [`await_condition`] and the [`conditions`]: wait until one named object is in a state
//!   (pod running, deployment rolled out, CRD established, object deleted) — the informer-based
//!   wait kubectl's `wait` and kube-rs's `await_condition` do.

pub mod conditions;
mod retry_watcher;
mod until;

pub use retry_watcher::RetryWatcher;
pub use until::{ConditionFunc, await_condition, until, until_with_sync, until_without_retry};
