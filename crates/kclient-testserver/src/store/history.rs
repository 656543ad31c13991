//! The bounded history of changes: what lets a watch resume from a resourceVersion and a list
//! continue over a consistent snapshot, until the history is compacted (then 410 Gone).

use std::collections::VecDeque;
use std::sync::Arc;

use super::{Key, Object};

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    /// It was created.
    Added,
    /// It was changed.
    Modified,
    /// It was removed.
    Deleted,
}

/// One committed change.
#[derive(Debug, Clone)]
pub struct Change {
    /// The resourceVersion of this change.
    pub rv: u64,
    /// The object's key.
    pub key: Key,
    /// What happened.
    pub kind: ChangeType,
    /// The object before the change, if it existed.
    pub prev: Option<Arc<Object>>,
    /// The object after the change (for a deletion: its last state, with the deletion's
    /// resourceVersion).
    pub object: Arc<Object>,
}

/// The retained changes, oldest first.
#[derive(Debug)]
pub struct History {
    changes: VecDeque<Arc<Change>>,
    limit: usize,
    /// Every change with a resourceVersion above this one is retained.
    compacted: u64,
}

impl History {
    /// An empty history keeping at most `limit` changes.
    pub fn new(limit: usize) -> Self {
        Self {
            changes: VecDeque::new(),
            limit: limit.max(1),
            compacted: 0,
        }
    }

    /// Appends a change, forgetting the oldest ones beyond the limit.
    pub fn push(&mut self, change: Arc<Change>) {
        self.changes.push_back(change);
        while self.changes.len() > self.limit {
            if let Some(old) = self.changes.pop_front() {
                self.compacted = old.rv;
            }
        }
    }

    /// The changes after `rv`, or `None` if some of them were already forgotten.
    pub fn after(&self, rv: u64) -> Option<Vec<Arc<Change>>> {
        if rv < self.compacted {
            return None;
        }
        Some(self.changes.iter().filter(|c| c.rv > rv).cloned().collect())
    }

    /// The oldest resourceVersion from which every later change is still retained.
    pub fn oldest_servable(&self) -> u64 {
        self.compacted
    }

    /// Forgets everything up to and including `rv`.
    pub fn compact_to(&mut self, rv: u64) {
        self.changes.retain(|c| c.rv > rv);
        self.compacted = self.compacted.max(rv);
    }
}
