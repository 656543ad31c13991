//! Graceful deletion of pods, as the real registry does it (`rest.BeforeDelete` with the pod
//! strategy's `CheckGracefulDelete`), and the kubelet's part played by the server: a pod bound
//! to a node and deleted with a grace period gets `deletionTimestamp` (now + grace) and
//! `deletionGracePeriodSeconds` and stays; a later delete may only shorten the grace; after the
//! configured kubelet termination delay (at most the grace period) the server removes the pod,
//! as the kubelet's final delete with grace 0 does (finalizers still hold it).

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::{Value, json};

use super::State;
use super::objects::{self, finalizers, meta_str};
use crate::store::{Key, Txn};

/// What a delete request does to a pod's grace period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grace {
    /// Not graceful: the pod goes now (or, with finalizers, is marked with grace 0).
    Now,
    /// Mark the pod as being deleted at `timestamp`, `seconds` from the request (a new
    /// deletion, or a shortened one).
    Mark {
        /// The new `deletionTimestamp`.
        timestamp: String,
        /// The new `deletionGracePeriodSeconds`.
        seconds: i64,
    },
    /// A graceful deletion is pending and this request does not shorten it.
    Pending,
}

fn int_at(obj: &Value, pointer: &str) -> Option<i64> {
    obj.pointer(pointer).and_then(Value::as_i64)
}

fn timestamp(t: jiff::Timestamp) -> String {
    jiff::Timestamp::from_second(t.as_second())
        .unwrap_or(t)
        .to_string()
}

/// The grace a delete with `requested` (`gracePeriodSeconds`) gives `pod` at `now`.
pub fn plan(pod: &Value, requested: Option<i64>, now: jiff::Timestamp) -> Grace {
    // Negative values are treated as 1 second on the delete path.
    let requested = requested.map(|g| if g < 0 { 1 } else { g });
    let deletion = meta_str(pod, "deletionTimestamp");
    if !deletion.is_empty() {
        let current = int_at(pod, "/metadata/deletionGracePeriodSeconds").unwrap_or(0);
        if current == 0 {
            return Grace::Now;
        }
        return match requested {
            Some(period) if period < current => {
                let at = deletion
                    .parse::<jiff::Timestamp>()
                    .unwrap_or(now)
                    .checked_add(jiff::SignedDuration::from_secs(period - current))
                    .unwrap_or(now);
                Grace::Mark {
                    timestamp: timestamp(at),
                    seconds: period,
                }
            }
            _ => Grace::Pending,
        };
    }
    let mut period = requested
        .or_else(|| int_at(pod, "/spec/terminationGracePeriodSeconds"))
        .unwrap_or(0);
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or("");
    let phase = pod
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("");
    if node.is_empty() || matches!(phase, "Failed" | "Succeeded") {
        period = 0;
    }
    if period < 0 {
        period = 1;
    }
    if period == 0 {
        return Grace::Now;
    }
    let at = now
        .checked_add(jiff::SignedDuration::from_secs(period))
        .unwrap_or(now);
    Grace::Mark {
        timestamp: timestamp(at),
        seconds: period,
    }
}

/// Sets the deletion fields of a `Mark` on `pod` (and bumps a set `generation`, as the real
/// server signals a deletion to controllers).
pub fn mark(pod: &mut Value, at: &str, seconds: i64, first: bool) {
    let m = objects::meta_mut(pod);
    m.insert("deletionTimestamp".into(), json!(at));
    m.insert("deletionGracePeriodSeconds".into(), json!(seconds));
    if first
        && let Some(g) = m
            .get("generation")
            .and_then(Value::as_i64)
            .filter(|g| *g > 0)
    {
        m.insert("generation".into(), json!(g + 1));
    }
}

/// Whether an object marked for deletion still waits for its grace period to end.
pub fn waiting(obj: &Value) -> bool {
    int_at(obj, "/metadata/deletionGracePeriodSeconds").is_some_and(|g| g > 0)
}

/// Has the kubelet finish the pod under `key` (uid `uid`) once its containers would have
/// stopped: after the configured delay, at most `grace_seconds`.
pub fn schedule_kubelet(state: &Arc<State>, key: &Key, uid: &str, grace_seconds: i64) {
    let grace = Duration::from_secs(u64::try_from(grace_seconds).unwrap_or(0));
    let wait = state.behaviour.kubelet_termination_delay.min(grace);
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let state: Weak<State> = Arc::downgrade(state);
    let (key, uid) = (key.clone(), uid.to_string());
    runtime.spawn(async move {
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let Some(state) = state.upgrade() else {
            return;
        };
        state.store.transact(|txn| finish(txn, &state, &key, &uid));
    });
}

/// The kubelet's final delete with grace 0: the pod goes (unless finalizers hold it, in which
/// case its grace becomes 0 and the last finalizer's removal deletes it).
fn finish(txn: &mut Txn<'_>, state: &State, key: &Key, uid: &str) {
    let Some(pod) = txn.get(key) else {
        return;
    };
    if meta_str(&pod, "uid") != uid || !waiting(&pod) {
        return;
    }
    if !finalizers(&pod).is_empty() {
        let mut pod = pod;
        if let Grace::Mark { timestamp, seconds } = plan(&pod, Some(0), jiff::Timestamp::now()) {
            mark(&mut pod, &timestamp, seconds, false);
        }
        txn.put(key, pod);
        return;
    }
    if let Some(gone) = txn.delete(key) {
        super::gc::collect(txn, vec![super::gc::Work::of(&gone)]);
    }
    super::namespaces::poke(state, &key.namespace);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        "2026-01-02T03:04:05Z".parse().unwrap()
    }

    fn pod(node: &str, grace: Option<i64>) -> Value {
        let mut p = json!({"metadata": {"name": "p"}, "spec": {"nodeName": node}, "status": {"phase": "Pending"}});
        if let Some(g) = grace {
            p["spec"]["terminationGracePeriodSeconds"] = json!(g);
        }
        p
    }

    fn marked(at: &str, seconds: i64) -> Grace {
        Grace::Mark {
            timestamp: at.into(),
            seconds,
        }
    }

    #[test]
    fn bound_pods_get_their_grace_period() {
        assert_eq!(
            plan(&pod("n1", Some(30)), None, now()),
            marked("2026-01-02T03:04:35Z", 30)
        );
        assert_eq!(
            plan(&pod("n1", Some(30)), Some(5), now()),
            marked("2026-01-02T03:04:10Z", 5)
        );
        assert_eq!(plan(&pod("n1", Some(30)), Some(0), now()), Grace::Now);
        assert_eq!(
            plan(&pod("n1", Some(30)), Some(-3), now()),
            marked("2026-01-02T03:04:06Z", 1)
        );
        assert_eq!(plan(&pod("n1", None), None, now()), Grace::Now);
    }

    #[test]
    fn unbound_or_finished_pods_go_at_once() {
        assert_eq!(plan(&pod("", Some(30)), None, now()), Grace::Now);
        assert_eq!(plan(&pod("", Some(30)), Some(10), now()), Grace::Now);
        let mut done = pod("n1", Some(30));
        done["status"]["phase"] = json!("Succeeded");
        assert_eq!(plan(&done, None, now()), Grace::Now);
    }

    #[test]
    fn a_second_delete_may_only_shorten_the_grace() {
        let mut p = pod("n1", Some(30));
        mark(&mut p, "2026-01-02T03:04:35Z", 30, true);
        assert!(waiting(&p));
        assert_eq!(plan(&p, None, now()), Grace::Pending);
        assert_eq!(plan(&p, Some(30), now()), Grace::Pending);
        assert_eq!(plan(&p, Some(60), now()), Grace::Pending);
        assert_eq!(
            plan(&p, Some(10), now()),
            marked("2026-01-02T03:04:15Z", 10)
        );
        assert_eq!(plan(&p, Some(0), now()), marked("2026-01-02T03:04:05Z", 0));
        mark(&mut p, "2026-01-02T03:04:05Z", 0, false);
        assert!(!waiting(&p));
        assert_eq!(plan(&p, Some(10), now()), Grace::Now);
    }

    #[test]
    fn marking_bumps_generation_once() {
        let mut p = pod("n1", Some(30));
        p["metadata"]["generation"] = json!(1);
        mark(&mut p, "2026-01-02T03:04:35Z", 30, true);
        mark(&mut p, "2026-01-02T03:04:15Z", 10, false);
        assert_eq!(p["metadata"]["generation"], 2);
        assert_eq!(p["metadata"]["deletionGracePeriodSeconds"], 10);
    }
}
