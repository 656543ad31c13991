//! Per-key coalescing of a handler's notifications once its buffer is full: the overflow policy
//! that keeps a slow handler from stalling the informer or growing memory without bound.
//!
//! For each key the coalescer remembers what the handler last saw (`before`), the last deletion
//! in between (if the object went away), and the object's current state (`after`). Draining an
//! entry emits the fewest notifications that take the handler from `before` to `after`:
//!
//! | before | deleted in between | after | emitted                         |
//! |--------|--------------------|-------|---------------------------------|
//! | none   | —                  | obj   | `Add(obj)`                      |
//! | old    | no                 | obj   | `Update(old, obj)`              |
//! | old    | yes                | none  | `Delete(last deleted)`          |
//! | old    | yes                | obj   | `Delete(last deleted)`, `Add(obj)` |
//! | none   | —                  | none  | nothing (it came and went)      |
//!
//! The handler's view after draining equals the informer's, and it still sees every deletion of
//! an object it knew. Memory is one entry per key, so at most the number of objects (plus keys
//! deleted during the overflow that the handler knew).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::handler::Notification;
use crate::object::DeltaObject;

struct Pending<T> {
    /// The sequence number of the first notification merged here: its place in the order.
    seq: u64,
    before: Option<Arc<T>>,
    deleted: Option<DeltaObject<T>>,
    after: Option<Arc<T>>,
    initial: bool,
    sync_only: bool,
}

/// Pending notifications merged per key, drained oldest key first.
pub(crate) struct Coalescer<T> {
    order: BTreeMap<u64, String>,
    pending: HashMap<String, Pending<T>>,
}

impl<T> Default for Coalescer<T> {
    fn default() -> Self {
        Self {
            order: BTreeMap::new(),
            pending: HashMap::new(),
        }
    }
}

impl<T> Coalescer<T> {
    /// Whether nothing is pending.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// How many keys are pending.
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    /// The sequence number of the oldest pending entry.
    pub(crate) fn oldest_seq(&self) -> Option<u64> {
        self.order.keys().next().copied()
    }

    /// Merges notification number `seq` about `key`.
    pub(crate) fn push(&mut self, seq: u64, key: String, n: Notification<T>) {
        let Some(p) = self.pending.get_mut(&key) else {
            let p = match n {
                Notification::Add { obj, initial } => Pending {
                    seq,
                    before: None,
                    deleted: None,
                    after: Some(obj),
                    initial,
                    sync_only: false,
                },
                Notification::Update { old, new, sync } => Pending {
                    seq,
                    before: Some(old),
                    deleted: None,
                    after: Some(new),
                    initial: false,
                    sync_only: sync,
                },
                Notification::Delete(d) => Pending {
                    seq,
                    before: Some(d.object().clone()),
                    deleted: Some(d),
                    after: None,
                    initial: false,
                    sync_only: false,
                },
            };
            self.order.insert(seq, key.clone());
            self.pending.insert(key, p);
            return;
        };
        match n {
            Notification::Add { obj, initial } => {
                p.after = Some(obj);
                p.initial |= initial;
                p.sync_only = false;
            }
            Notification::Update { new, sync, .. } => {
                p.after = Some(new);
                p.sync_only &= sync;
            }
            Notification::Delete(d) => {
                if p.before.is_none() {
                    // The handler never saw this object: it came and went.
                    let seq = p.seq;
                    self.pending.remove(&key);
                    self.order.remove(&seq);
                    return;
                }
                p.deleted = Some(d);
                p.after = None;
                p.sync_only = false;
            }
        }
    }

    /// Drains the oldest key: its sequence number and the notifications it becomes.
    pub(crate) fn pop(&mut self) -> Option<(u64, Vec<Notification<T>>)> {
        let (seq, key) = self.order.pop_first()?;
        let p = self.pending.remove(&key)?;
        let mut out = Vec::with_capacity(2);
        match (p.before, p.deleted, p.after) {
            (None, _, Some(obj)) => out.push(Notification::Add {
                obj,
                initial: p.initial,
            }),
            (Some(_), Some(deleted), after) => {
                out.push(Notification::Delete(deleted));
                if let Some(obj) = after {
                    out.push(Notification::Add {
                        obj,
                        initial: false,
                    });
                }
            }
            (Some(old), None, Some(new)) => out.push(Notification::Update {
                old,
                new,
                sync: p.sync_only,
            }),
            (_, _, None) => {}
        }
        Some((seq, out))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use std::collections::BTreeMap;

    use kclient_apimachinery::MetaAccessor;
    use proptest::prelude::*;

    use super::*;
    use crate::testutil::{TestObj, obj};

    type View = BTreeMap<String, u64>;

    fn apply(view: &mut View, n: &Notification<TestObj>, deletions: &mut Vec<String>) {
        match n {
            Notification::Add { obj, .. } => {
                let prev = view.insert(n.key(), rv(obj));
                assert!(prev.is_none(), "add of a known object {}", n.key());
            }
            Notification::Update { old, new, .. } => {
                assert_eq!(
                    view.get(&n.key()),
                    Some(&rv(old)),
                    "update from a stale view"
                );
                view.insert(n.key(), rv(new));
            }
            Notification::Delete(_) => {
                assert!(
                    view.remove(&n.key()).is_some(),
                    "delete of an unknown object"
                );
                deletions.push(n.key());
            }
        }
    }

    fn rv(o: &Arc<TestObj>) -> u64 {
        o.resource_version().unwrap().parse().unwrap()
    }

    /// Valid notification sequences: per key, an add when absent, an update or a delete when
    /// present, as the informer produces them.
    fn sequence(steps: Vec<(u8, u8)>) -> Vec<Notification<TestObj>> {
        let mut current: BTreeMap<String, Arc<TestObj>> = BTreeMap::new();
        let mut out = Vec::new();
        for (i, (k, action)) in steps.into_iter().enumerate() {
            let name = format!("k{}", k % 4);
            let key = format!("ns/{name}");
            let next = obj("ns", &name, i as u64 + 1, "");
            match current.get(&key).cloned() {
                None => {
                    current.insert(key, next.clone());
                    out.push(Notification::Add {
                        obj: next,
                        initial: false,
                    });
                }
                Some(old) if action % 3 == 0 => {
                    current.remove(&key);
                    out.push(Notification::Delete(DeltaObject::Object(old)));
                }
                Some(old) => {
                    current.insert(key, next.clone());
                    out.push(Notification::Update {
                        old,
                        new: next,
                        sync: false,
                    });
                }
            }
        }
        out
    }

    proptest! {
        /// Whatever part of a valid sequence overflows, a handler that applies the drained
        /// notifications ends with the same view as one that saw every notification, and sees a
        /// deletion of every object it knew that is gone.
        #[test]
        fn coalescing_preserves_the_final_view(
            steps in proptest::collection::vec((0u8..8, 0u8..9), 0..80),
            direct in 0usize..80,
        ) {
            let all = sequence(steps);
            let direct = direct.min(all.len());
            let mut expected = View::new();
            let mut ignored = Vec::new();
            for n in &all {
                apply(&mut expected, n, &mut ignored);
            }
            let mut view = View::new();
            let mut deletions = Vec::new();
            for n in &all[..direct] {
                apply(&mut view, n, &mut deletions);
            }
            let known_before: Vec<String> = view.keys().cloned().collect();
            let mut c = Coalescer::default();
            for (seq, n) in all[direct..].iter().enumerate() {
                c.push(seq as u64, n.key(), n.clone());
            }
            let mut last_seq = None;
            while let Some((seq, ns)) = c.pop() {
                prop_assert!(last_seq < Some(seq));
                last_seq = Some(seq);
                for n in &ns {
                    apply(&mut view, n, &mut deletions);
                }
            }
            prop_assert!(c.is_empty());
            prop_assert_eq!(&view, &expected);
            for key in known_before {
                if !expected.contains_key(&key) {
                    prop_assert!(deletions.contains(&key), "missed deletion of {}", key);
                }
            }
        }
    }

    #[test]
    fn add_then_delete_cancels_and_updates_merge() {
        let mut c = Coalescer::default();
        c.push(
            1,
            "ns/a".into(),
            Notification::Add {
                obj: obj("ns", "a", 1, ""),
                initial: true,
            },
        );
        c.push(
            2,
            "ns/b".into(),
            Notification::Update {
                old: obj("ns", "b", 1, ""),
                new: obj("ns", "b", 2, ""),
                sync: true,
            },
        );
        c.push(
            3,
            "ns/a".into(),
            Notification::Delete(DeltaObject::Object(obj("ns", "a", 3, ""))),
        );
        c.push(
            4,
            "ns/b".into(),
            Notification::Update {
                old: obj("ns", "b", 2, ""),
                new: obj("ns", "b", 4, ""),
                sync: false,
            },
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c.oldest_seq(), Some(2));
        let (seq, ns) = c.pop().unwrap();
        assert_eq!(seq, 2);
        match &ns[..] {
            [Notification::Update { old, new, sync }] => {
                assert_eq!((rv(old), rv(new), *sync), (1, 4, false));
            }
            _ => panic!("expected one update"),
        }
        assert!(c.pop().is_none());
    }
}
