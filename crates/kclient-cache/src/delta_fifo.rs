//! The ordered queue between a reflector and its informer, and the deltas it turns into.
//!
//! The reflector pushes what it learns, in order, as [`FifoEntry`] values: single changes from
//! the watch, whole replacements from a (re)list, and resync requests. The informer pops them
//! one at a time and [`apply`]s each to its [`Store`], which yields the [`Delta`]s handlers are
//! told about. Because entries are applied in the order they were pushed, the store always
//! reflects everything before the entry being applied, so comparing a relist with the store is
//! exact: an object already known is *replaced* (an update for handlers, never a second add), and
//! an object the relist no longer has is *deleted* with a [`DeletedFinalStateUnknown`]
//! tombstone. This is client-go's `RealFIFO` (the in-order queue informers use since 1.36)
//! with its `Replace` semantics.
//!
//! ## Bound and overflow policy
//!
//! The queue holds at most `capacity` entries; a relist counts as one entry (its list is already
//! in memory). When it is full, [`FifoProducer::push`] **waits**: the reflector stops reading the
//! watch stream, and TCP flow control pushes back on the server. Resync requests use
//! [`FifoProducer::try_push`] and are **dropped** when the queue is full (the next period asks
//! again).

use std::sync::Arc;

use kclient_apimachinery::MetaAccessor;
use tokio::sync::mpsc;

use crate::Store;
use crate::object::{DeletedFinalStateUnknown, DeltaObject, object_key};

/// The default capacity of the queue, in entries.
pub const DEFAULT_FIFO_CAPACITY: usize = 1024;

/// What happened to an object (client-go's `DeltaType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeltaType {
    /// The object is new to the cache.
    Added,
    /// A known object changed.
    Updated,
    /// The object is gone (from a watch event, or a tombstone from a relist).
    Deleted,
    /// The object came in a relist (`old` tells whether it was known).
    Replaced,
    /// A periodic resync replays a known object.
    Sync,
}

/// One change to the cache, as handlers see it.
pub struct Delta<T> {
    /// What happened.
    pub kind: DeltaType,
    /// The object (for a deletion, its final state or a tombstone).
    pub object: DeltaObject<T>,
    /// The state the cache had before, if it had the object.
    pub old: Option<Arc<T>>,
}

impl<T> Clone for Delta<T> {
    fn clone(&self) -> Self {
        Self {
            kind: self.kind,
            object: self.object.clone(),
            old: self.old.clone(),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Delta<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delta")
            .field("kind", &self.kind)
            .field("object", &self.object)
            .field("old", &self.old)
            .finish()
    }
}

/// What a reflector pushes into the queue.
pub enum FifoEntry<T> {
    /// A watch `ADDED` event.
    Added(Arc<T>),
    /// A watch `MODIFIED` event.
    Modified(Arc<T>),
    /// A watch `DELETED` event (with the object's final state).
    Deleted(Arc<T>),
    /// A complete list: the cache becomes exactly these objects.
    Replace {
        /// Every object of the collection.
        objects: Vec<Arc<T>>,
        /// The list's resourceVersion.
        resource_version: String,
    },
    /// Replay every cached object to handlers whose resync period is due.
    Resync,
}

impl<T> std::fmt::Debug for FifoEntry<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FifoEntry::Added(_) => f.write_str("Added"),
            FifoEntry::Modified(_) => f.write_str("Modified"),
            FifoEntry::Deleted(_) => f.write_str("Deleted"),
            FifoEntry::Replace {
                objects,
                resource_version,
            } => write!(
                f,
                "Replace({} objects at {resource_version:?})",
                objects.len()
            ),
            FifoEntry::Resync => f.write_str("Resync"),
        }
    }
}

/// The consumer side of the queue.
#[derive(Debug)]
pub struct DeltaFifo<T> {
    rx: mpsc::Receiver<FifoEntry<T>>,
}

/// The producer side of the queue; cheap to clone.
#[derive(Debug)]
pub struct FifoProducer<T> {
    tx: mpsc::Sender<FifoEntry<T>>,
}

impl<T> Clone for FifoProducer<T> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

/// The consumer is gone (the informer stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FifoClosed;

/// A queue of at most `capacity` entries (at least 1).
pub fn delta_fifo<T>(capacity: usize) -> (FifoProducer<T>, DeltaFifo<T>) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (FifoProducer { tx }, DeltaFifo { rx })
}

impl<T> FifoProducer<T> {
    /// Pushes an entry, waiting while the queue is full.
    pub async fn push(&self, entry: FifoEntry<T>) -> Result<(), FifoClosed> {
        self.tx.send(entry).await.map_err(|_| FifoClosed)
    }

    /// Pushes an entry if there is room now; returns whether it was queued.
    pub fn try_push(&self, entry: FifoEntry<T>) -> bool {
        self.tx.try_send(entry).is_ok()
    }

    /// How many entries are queued.
    pub fn len(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> DeltaFifo<T> {
    /// The next entry, waiting for one; `None` once every producer is gone and the queue is empty.
    pub async fn pop(&mut self) -> Option<FifoEntry<T>> {
        self.rx.recv().await
    }

    /// How many entries are queued.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}

/// Applies one entry to `store` and returns the deltas it means, in order.
///
/// - `Added`/`Modified`: `Added` if the key was unknown, else `Updated` (with the old state).
/// - `Deleted`: `Deleted` with the event's object (and the old state, if known).
/// - `Replace`: `Replaced` for every listed object (with its old state, if known), then
///   `Deleted` with a tombstone for every known object the list does not have.
/// - `Resync`: `Sync` for every cached object.
pub fn apply<T: MetaAccessor>(store: &Store<T>, entry: FifoEntry<T>) -> Vec<Delta<T>> {
    match entry {
        FifoEntry::Added(obj) | FifoEntry::Modified(obj) => {
            let old = store.insert(obj.clone());
            let kind = if old.is_some() {
                DeltaType::Updated
            } else {
                DeltaType::Added
            };
            vec![Delta {
                kind,
                object: DeltaObject::Object(obj),
                old,
            }]
        }
        FifoEntry::Deleted(obj) => {
            let old = store.delete_key(&object_key(obj.as_ref()));
            vec![Delta {
                kind: DeltaType::Deleted,
                object: DeltaObject::Object(obj),
                old,
            }]
        }
        FifoEntry::Replace { objects, .. } => {
            let outcome = store.replace(objects);
            let mut deltas = Vec::with_capacity(outcome.replaced.len() + outcome.removed.len());
            for (old, obj) in outcome.replaced {
                deltas.push(Delta {
                    kind: DeltaType::Replaced,
                    object: DeltaObject::Object(obj),
                    old,
                });
            }
            for (key, last) in outcome.removed {
                deltas.push(Delta {
                    kind: DeltaType::Deleted,
                    object: DeltaObject::Tombstone(DeletedFinalStateUnknown {
                        key,
                        obj: last.clone(),
                    }),
                    old: Some(last),
                });
            }
            deltas
        }
        FifoEntry::Resync => {
            let mut objects = store.list();
            objects.sort_by_cached_key(|o| object_key(o.as_ref()));
            objects
                .into_iter()
                .map(|obj| Delta {
                    kind: DeltaType::Sync,
                    object: DeltaObject::Object(obj.clone()),
                    old: Some(obj),
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::testutil::{TestObj, obj};

    fn kinds(deltas: &[Delta<TestObj>]) -> Vec<(DeltaType, String, bool)> {
        deltas
            .iter()
            .map(|d| (d.kind, d.object.key(), d.old.is_some()))
            .collect()
    }

    #[test]
    fn watch_events_become_adds_updates_and_deletes() {
        let store = Store::new();
        let d = apply(&store, FifoEntry::Added(obj("a", "x", 1, "")));
        assert_eq!(kinds(&d), [(DeltaType::Added, "a/x".into(), false)]);
        // An ADDED for a known object (a re-watch from the current state) is an update.
        let d = apply(&store, FifoEntry::Added(obj("a", "x", 2, "")));
        assert_eq!(kinds(&d), [(DeltaType::Updated, "a/x".into(), true)]);
        let d = apply(&store, FifoEntry::Modified(obj("a", "y", 3, "")));
        assert_eq!(kinds(&d), [(DeltaType::Added, "a/y".into(), false)]);
        let d = apply(&store, FifoEntry::Deleted(obj("a", "x", 4, "")));
        assert_eq!(kinds(&d), [(DeltaType::Deleted, "a/x".into(), true)]);
        assert!(!d[0].object.is_tombstone());
        assert_eq!(store.list_keys(), ["a/y"]);
    }

    #[test]
    fn relist_replaces_known_objects_and_tombstones_missing_ones() {
        let store = Store::new();
        apply(&store, FifoEntry::Added(obj("a", "keep", 1, "")));
        apply(&store, FifoEntry::Added(obj("a", "gone", 2, "")));
        let d = apply(
            &store,
            FifoEntry::Replace {
                objects: vec![obj("a", "keep", 5, ""), obj("a", "new", 6, "")],
                resource_version: "6".into(),
            },
        );
        assert_eq!(
            kinds(&d),
            [
                (DeltaType::Replaced, "a/keep".into(), true),
                (DeltaType::Replaced, "a/new".into(), false),
                (DeltaType::Deleted, "a/gone".into(), true),
            ]
        );
        assert!(d[2].object.is_tombstone());
        let d = apply(&store, FifoEntry::Resync);
        assert_eq!(
            kinds(&d),
            [
                (DeltaType::Sync, "a/keep".into(), true),
                (DeltaType::Sync, "a/new".into(), true),
            ]
        );
    }

    #[tokio::test]
    async fn bounded_queue_drops_only_try_push() {
        let (tx, mut rx) = delta_fifo::<TestObj>(1);
        tx.push(FifoEntry::Resync).await.unwrap();
        assert!(!tx.try_push(FifoEntry::Resync));
        assert_eq!(tx.len(), 1);
        assert!(matches!(rx.pop().await, Some(FifoEntry::Resync)));
        assert!(tx.try_push(FifoEntry::Resync));
        drop(rx);
        assert_eq!(tx.push(FifoEntry::Resync).await, Err(FifoClosed));
    }
}
