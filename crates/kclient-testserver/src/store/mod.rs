//! The in-memory object store: objects as JSON per group/resource/namespace/name (each version an
//! immutable [`Object`] — serialized bytes plus the metadata selection needs — shared by `Arc`
//! between the map, the history, snapshots and watchers, so reads clone pointers, never trees),
//! one global
//! monotonically increasing resourceVersion, a bounded history of changes (for watches from a
//! resourceVersion and for consistent list snapshots), and the registered watchers.
//!
//! Everything happens under one mutex held only for short, non-async critical sections; watchers
//! receive changes through bounded channels and are dropped (their stream ends, as the real
//! server closes slow watchers) when they fall behind.

mod fields;
mod history;
mod key;
mod object;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::mpsc;

pub use fields::{field_value, selectable_fields};
pub use history::{Change, ChangeType};
pub use key::{Key, Prefix};
pub use object::Object;

use history::History;

/// How many changes a watcher may have queued before it is considered too slow and dropped.
const WATCHER_QUEUE: usize = 4096;

/// Stored objects with their keys, sorted by key.
pub type Entries = Vec<(Key, Arc<Object>)>;

/// The store shared by all request handlers of one server.
#[derive(Debug)]
pub struct Store {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    rv: u64,
    objects: BTreeMap<Key, Arc<Object>>,
    history: History,
    watchers: Vec<Watcher>,
}

#[derive(Debug)]
struct Watcher {
    prefix: Prefix,
    tx: mpsc::Sender<Arc<Change>>,
}

/// Why a snapshot or watch at an old resourceVersion cannot be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooOld {
    /// The oldest resourceVersion still served (changes after it are all retained).
    pub oldest: u64,
}

/// A new watch: the changes after the requested resourceVersion that are still retained, and the
/// receiver of every later change under the watched prefix.
#[derive(Debug)]
pub struct Subscription {
    /// Retained changes after the requested resourceVersion, oldest first.
    pub backlog: Vec<Arc<Change>>,
    /// The current objects under the prefix, when the initial state was asked for.
    pub initial: Vec<Arc<Object>>,
    /// The resourceVersion the subscription starts at.
    pub rv: u64,
    /// Later changes.
    pub rx: mpsc::Receiver<Arc<Change>>,
}

/// Where a watch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchFrom {
    /// Send the current objects (as ADDED), then every later change.
    CurrentState,
    /// Send every retained change after this resourceVersion, then every later change.
    Version(u64),
}

impl Store {
    /// An empty store whose history keeps at most `history_limit` changes.
    pub fn new(history_limit: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                rv: 0,
                objects: BTreeMap::new(),
                history: History::new(history_limit),
                watchers: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters for a test server; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` atomically with a transaction over the store.
    pub fn transact<T>(&self, f: impl FnOnce(&mut Txn<'_>) -> T) -> T {
        let mut inner = self.lock();
        let mut txn = Txn { inner: &mut inner };
        f(&mut txn)
    }

    /// The current (latest) resourceVersion.
    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    /// One object, as stored.
    pub fn get(&self, key: &Key) -> Option<Arc<Object>> {
        self.lock().objects.get(key).cloned()
    }

    /// The objects under `prefix` as they were at resourceVersion `at` (the latest when `None`),
    /// sorted by key, with the resourceVersion of the snapshot. Only `Arc`s are cloned under the
    /// lock.
    pub fn snapshot(&self, prefix: &Prefix, at: Option<u64>) -> Result<(u64, Entries), TooOld> {
        let inner = self.lock();
        let in_range = inner
            .objects
            .range(prefix.range_start()..)
            .take_while(|(k, _)| prefix.same_resource(k))
            .filter(|(k, _)| prefix.contains(k));
        let at = match at {
            Some(at) if at < inner.rv => at,
            _ => {
                let items = in_range.map(|(k, v)| (k.clone(), v.clone())).collect();
                return Ok((inner.rv, items));
            }
        };
        let undo = inner.history.after(at).ok_or(TooOld {
            oldest: inner.history.oldest_servable(),
        })?;
        let mut items: BTreeMap<Key, Arc<Object>> =
            in_range.map(|(k, v)| (k.clone(), v.clone())).collect();
        for change in undo.iter().rev() {
            if !prefix.contains(&change.key) {
                continue;
            }
            match &change.prev {
                Some(prev) => items.insert(change.key.clone(), prev.clone()),
                None => items.remove(&change.key),
            };
        }
        Ok((at, items.into_iter().collect()))
    }

    /// Registers a watcher of `prefix`.
    pub fn subscribe(&self, prefix: Prefix, from: WatchFrom) -> Result<Subscription, TooOld> {
        let mut inner = self.lock();
        let (backlog, initial) = match from {
            WatchFrom::CurrentState => {
                let initial = inner
                    .objects
                    .iter()
                    .filter(|(k, _)| prefix.contains(k))
                    .map(|(_, v)| v.clone())
                    .collect();
                (Vec::new(), initial)
            }
            WatchFrom::Version(rv) => {
                let changes = inner.history.after(rv).ok_or(TooOld {
                    oldest: inner.history.oldest_servable(),
                })?;
                let backlog = changes
                    .into_iter()
                    .filter(|c| prefix.contains(&c.key))
                    .collect();
                (backlog, Vec::new())
            }
        };
        let (tx, rx) = mpsc::channel(WATCHER_QUEUE);
        inner.watchers.push(Watcher { prefix, tx });
        Ok(Subscription {
            backlog,
            initial,
            rv: inner.rv,
            rx,
        })
    }

    /// Ends every watch (their streams close), as if the server dropped the connections;
    /// returns how many were open.
    pub fn close_watches(&self) -> usize {
        let mut inner = self.lock();
        let open = inner.watchers.iter().filter(|w| !w.tx.is_closed()).count();
        inner.watchers.clear();
        open
    }

    /// Forgets all retained history: later watches or continues from an older resourceVersion
    /// get 410 Gone.
    pub fn compact(&self) {
        let mut inner = self.lock();
        let rv = inner.rv;
        inner.history.compact_to(rv);
    }
}

/// An open transaction: reads and writes under the store lock. Each write gets its own
/// resourceVersion and is delivered to watchers at once.
#[derive(Debug)]
pub struct Txn<'a> {
    inner: &'a mut Inner,
}

impl Txn<'_> {
    /// One object, as stored (parsed).
    pub fn get(&self, key: &Key) -> Option<Value> {
        self.inner.objects.get(key).map(|o| o.value())
    }

    /// Whether an object is stored under `key`.
    pub fn contains(&self, key: &Key) -> bool {
        self.inner.objects.contains_key(key)
    }

    /// The keys of the objects under `prefix`.
    pub fn keys(&self, prefix: &Prefix) -> Vec<Key> {
        self.inner
            .objects
            .keys()
            .filter(|k| prefix.contains(k))
            .cloned()
            .collect()
    }

    /// The objects under `prefix` (parsed), in key order; reads only that resource's range.
    pub fn list(&self, prefix: &Prefix) -> Vec<Value> {
        self.inner
            .objects
            .range(prefix.range_start()..)
            .take_while(|(k, _)| prefix.same_resource(k))
            .filter(|(k, _)| prefix.contains(k))
            .map(|(_, o)| o.value())
            .collect()
    }

    /// Every stored object with its key (for the garbage collector's scans).
    pub fn all(&self) -> Entries {
        self.inner
            .objects
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The keys of every namespaced object in `namespace`, of any resource.
    pub fn keys_in_namespace(&self, namespace: &str) -> Vec<Key> {
        self.inner
            .objects
            .keys()
            .filter(|k| k.namespace == namespace)
            .cloned()
            .collect()
    }

    /// The current resourceVersion.
    pub fn rv(&self) -> u64 {
        self.inner.rv
    }

    /// Stores `object` under `key` with a new resourceVersion (set in `metadata.resourceVersion`)
    /// and returns the stored object.
    pub fn put(&mut self, key: &Key, mut object: Value) -> Value {
        self.inner.rv += 1;
        let rv = self.inner.rv;
        set_resource_version(&mut object, rv);
        let stored = Object::new(key, &object);
        let prev = self.inner.objects.insert(key.clone(), stored.clone());
        let kind = if prev.is_some() {
            ChangeType::Modified
        } else {
            ChangeType::Added
        };
        self.record(Change {
            rv,
            key: key.clone(),
            kind,
            prev,
            object: stored,
        });
        object
    }

    /// Removes the object under `key`; returns its last state with the deletion's
    /// resourceVersion, or `None` if there was none.
    pub fn delete(&mut self, key: &Key) -> Option<Value> {
        let prev = self.inner.objects.remove(key)?;
        self.inner.rv += 1;
        let rv = self.inner.rv;
        let mut object = prev.value();
        set_resource_version(&mut object, rv);
        let gone = Object::new(key, &object);
        self.record(Change {
            rv,
            key: key.clone(),
            kind: ChangeType::Deleted,
            prev: Some(prev),
            object: gone,
        });
        Some(object)
    }

    fn record(&mut self, change: Change) {
        let change = Arc::new(change);
        self.inner.history.push(change.clone());
        self.inner.watchers.retain(|w| {
            if !w.prefix.contains(&change.key) {
                return !w.tx.is_closed();
            }
            w.tx.try_send(change.clone()).is_ok()
        });
    }
}

/// Sets `metadata.resourceVersion` to `rv`.
pub fn set_resource_version(object: &mut Value, rv: u64) {
    if let Some(obj) = object.as_object_mut() {
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
    }
}

#[cfg(test)]
mod tests;
