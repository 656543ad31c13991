//! The informer's processing loop: pops entries from the delta FIFO in order, applies each to
//! the store, and turns the resulting deltas into notifications for the handlers.

use std::sync::Arc;

use kclient_apimachinery::MetaAccessor;
use tokio::time::Instant;

use super::Shared;
use super::handler::Notification;
use super::listener::Listener;
use crate::delta_fifo::{Delta, DeltaFifo, DeltaType, FifoEntry, apply};
use crate::object::DeltaObject;

/// Which handlers get resync notifications for the entry being applied.
struct Audience {
    /// Per listener (same order): whether its resync is due.
    resync_due: Vec<bool>,
    /// Whether `Replaced` objects that were unknown count as the initial list.
    initial_list: bool,
}

/// The notification a delta means, and whether it is a resync (sent only to handlers whose
/// resync is due).
fn notification<T: MetaAccessor>(delta: Delta<T>, initial_list: bool) -> (Notification<T>, bool) {
    let Delta { kind, object, old } = delta;
    match (kind, object, old) {
        (DeltaType::Deleted, object, _) => (Notification::Delete(object), false),
        (_, DeltaObject::Tombstone(t), _) => {
            (Notification::Delete(DeltaObject::Tombstone(t)), false)
        }
        (DeltaType::Sync, DeltaObject::Object(obj), _) => (
            Notification::Update {
                old: obj.clone(),
                new: obj,
                sync: true,
            },
            true,
        ),
        (DeltaType::Replaced, DeltaObject::Object(obj), None) => (
            Notification::Add {
                obj,
                initial: initial_list,
            },
            false,
        ),
        (DeltaType::Replaced, DeltaObject::Object(new), Some(old)) => {
            // An unchanged object in a relist is only a resync (client-go counts an update with
            // the same resourceVersion as a sync).
            let sync = old.resource_version().is_some()
                && old.resource_version() == new.resource_version();
            (Notification::Update { old, new, sync }, sync)
        }
        (DeltaType::Added | DeltaType::Updated, DeltaObject::Object(obj), None) => (
            Notification::Add {
                obj,
                initial: false,
            },
            false,
        ),
        (DeltaType::Added | DeltaType::Updated, DeltaObject::Object(new), Some(old)) => (
            Notification::Update {
                old,
                new,
                sync: false,
            },
            false,
        ),
    }
}

fn dispatch<T: MetaAccessor + Send + Sync + 'static>(
    listeners: &[Arc<Listener<T>>],
    deltas: Vec<Delta<T>>,
    audience: &Audience,
) {
    for delta in deltas {
        let (n, resync) = notification(delta, audience.initial_list);
        for (listener, due) in listeners.iter().zip(&audience.resync_due) {
            if !resync || *due {
                listener.push(n.clone());
            }
        }
    }
}

/// Pops and applies entries until shutdown or until the reflector is gone.
pub(super) async fn run<T: crate::CacheObject>(shared: Arc<Shared<T>>, mut fifo: DeltaFifo<T>) {
    loop {
        let entry = tokio::select! {
            biased;
            _ = shared.shutdown.cancelled() => break,
            entry = fifo.pop() => match entry {
                Some(entry) => entry,
                None => break,
            },
        };
        let is_replace = matches!(entry, FifoEntry::Replace { .. });
        let is_resync = matches!(entry, FifoEntry::Resync);
        // The listener list is locked while the store changes, so that a handler added
        // concurrently sees the store either before this entry (and gets its notifications) or
        // after it (and gets it in its initial replay), never both or neither.
        let listeners = shared.lock_listeners();
        let first_sync = is_replace && !shared.has_synced();
        let now = Instant::now();
        let audience = Audience {
            resync_due: listeners
                .iter()
                .map(|l| l.resync_due(now, is_resync))
                .collect(),
            initial_list: first_sync,
        };
        let deltas = apply(&shared.store, entry);
        dispatch(&listeners, deltas, &audience);
        if first_sync {
            for l in listeners.iter() {
                l.mark_sync_point();
            }
            shared.synced.send_replace(true);
        }
    }
    for l in shared.lock_listeners().iter() {
        l.close();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;
    use crate::object::DeletedFinalStateUnknown;
    use crate::testutil::obj;

    #[test]
    fn deltas_map_to_client_go_notifications() {
        let d = |kind, object, old| Delta { kind, object, old };
        let a1 = obj("ns", "a", 1, "");
        let a2 = obj("ns", "a", 2, "");
        let o = |x: &Arc<crate::testutil::TestObj>| DeltaObject::Object(x.clone());
        let cases = [
            (d(DeltaType::Added, o(&a1), None), "add", false),
            (
                d(DeltaType::Updated, o(&a2), Some(a1.clone())),
                "update",
                false,
            ),
            (d(DeltaType::Replaced, o(&a1), None), "add", false),
            (
                d(DeltaType::Replaced, o(&a2), Some(a1.clone())),
                "update",
                false,
            ),
            (
                d(DeltaType::Replaced, o(&a1), Some(a1.clone())),
                "update",
                true,
            ),
            (d(DeltaType::Sync, o(&a1), Some(a1.clone())), "update", true),
            (d(DeltaType::Deleted, o(&a1), None), "delete", false),
            (
                d(
                    DeltaType::Deleted,
                    DeltaObject::Tombstone(DeletedFinalStateUnknown {
                        key: "ns/a".into(),
                        obj: a1.clone(),
                    }),
                    Some(a1.clone()),
                ),
                "delete",
                false,
            ),
        ];
        for (delta, want, want_resync) in cases {
            let (n, resync) = notification(delta, true);
            let got = match n {
                Notification::Add { .. } => "add",
                Notification::Update { sync, .. } => {
                    assert_eq!(sync, want_resync);
                    "update"
                }
                Notification::Delete(_) => "delete",
            };
            assert_eq!((got, resync), (want, want_resync));
        }
        let (n, _) = notification(d(DeltaType::Replaced, o(&a1), None), true);
        assert!(matches!(n, Notification::Add { initial: true, .. }));
        let (n, _) = notification(d(DeltaType::Added, o(&a1), None), true);
        assert!(matches!(n, Notification::Add { initial: false, .. }));
    }
}
