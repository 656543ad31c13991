//! [`Store`]: the thread-safe, indexed object cache behind every informer and lister
//! (client-go's `ThreadSafeStore` with the `Indexer` interface).
//!
//! Objects are held as `Arc<T>` under their key ([`object_key`]: `namespace/name`), so readers
//! share them without copying. Every store has the [`NAMESPACE_INDEX`]; more index functions can
//! be added ([`Store::add_indexers`]) and queried ([`Store::by_index`], [`Store::index_keys`]).
//! One `RwLock` guards items and indices together, so a reader never sees them disagree.
//!
//! Each key is allocated once, as an `Arc<str>` shared by the item map and every index that
//! holds it, not copied per index.

mod index;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use kclient_apimachinery::MetaAccessor;

use index::Indices;
pub use index::{IndexFunc, Indexers, NAMESPACE_INDEX, namespace_index_func};

use crate::Error;
use crate::object::object_key;

/// A thread-safe, indexed map from key to `Arc<T>`. Cloning gives another handle to the same
/// store.
pub struct Store<T> {
    inner: Arc<RwLock<State<T>>>,
}

impl<T> Clone for Store<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.read();
        f.debug_struct("Store")
            .field("len", &state.items.len())
            .field("indices", &state.indices.names().collect::<Vec<_>>())
            .finish()
    }
}

struct State<T> {
    items: HashMap<Arc<str>, Arc<T>>,
    indices: Indices<T>,
}

/// What [`Store::replace`] changed: for each new object its previous state (if it had one), and
/// the objects that were dropped because the new contents do not have them.
pub struct ReplaceOutcome<T> {
    /// `(previous state, new object)` for every object of the new contents, in their order.
    pub replaced: Vec<(Option<Arc<T>>, Arc<T>)>,
    /// `(key, last state)` of every object that is gone.
    pub removed: Vec<(String, Arc<T>)>,
}

impl<T: MetaAccessor> Default for Store<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Store<T> {
    fn read(&self) -> RwLockReadGuard<'_, State<T>> {
        // A panicking index function can poison the lock; the maps are still consistent
        // (updates happen after the functions run), so keep serving.
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State<T>> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: MetaAccessor> Store<T> {
    /// An empty store with the namespace index.
    pub fn new() -> Self {
        let mut indexers = Indexers::new();
        indexers.insert(NAMESPACE_INDEX.to_string(), namespace_index_func::<T>());
        Self::with_indexers(indexers)
    }

    /// An empty store with exactly these indexers (no namespace index unless included).
    pub fn with_indexers(indexers: Indexers<T>) -> Self {
        Self {
            inner: Arc::new(RwLock::new(State {
                items: HashMap::new(),
                indices: Indices::new(indexers),
            })),
        }
    }

    /// Adds more index functions, indexing the objects already stored. Fails, changing nothing,
    /// if any name is already taken.
    pub fn add_indexers(&self, indexers: Indexers<T>) -> Result<(), Error> {
        let mut state = self.write();
        if let Some(name) = indexers.keys().find(|n| state.indices.has_index(n)) {
            return Err(Error::IndexExists { name: name.clone() });
        }
        let State { items, indices } = &mut *state;
        indices.add(indexers, items.iter());
        Ok(())
    }

    /// Adds or replaces the object under its key; returns the previous state.
    pub fn insert(&self, obj: Arc<T>) -> Option<Arc<T>> {
        let key = object_key(obj.as_ref());
        let mut state = self.write();
        let State { items, indices } = &mut *state;
        match items.get_key_value(key.as_str()) {
            Some((shared, old)) => {
                let (shared, old) = (shared.clone(), old.clone());
                indices.update(&shared, Some(old.as_ref()), Some(obj.as_ref()));
                items.insert(shared, obj);
                Some(old)
            }
            None => {
                let shared: Arc<str> = key.into();
                indices.update(&shared, None, Some(obj.as_ref()));
                items.insert(shared, obj);
                None
            }
        }
    }

    /// Removes the object with `key`; returns what was stored.
    pub fn delete_key(&self, key: &str) -> Option<Arc<T>> {
        let mut state = self.write();
        let (shared, old) = state.items.remove_entry(key)?;
        state.indices.update(&shared, Some(old.as_ref()), None);
        Some(old)
    }

    /// Removes the object with `obj`'s key; returns what was stored.
    pub fn delete(&self, obj: &T) -> Option<Arc<T>> {
        self.delete_key(&object_key(obj))
    }

    /// Replaces the whole contents with `objects` atomically (readers see the old contents or the
    /// new ones, never a mix), and reports what changed. The old objects are not copied: the
    /// outcome holds the only remaining references to those that were replaced or removed, so
    /// they are freed as soon as it is dropped.
    pub fn replace(&self, objects: Vec<Arc<T>>) -> ReplaceOutcome<T> {
        let mut state = self.write();
        let mut old_items = std::mem::take(&mut state.items);
        state.indices.clear();
        let mut replaced = Vec::with_capacity(objects.len());
        for obj in objects {
            let key = object_key(obj.as_ref());
            // Reuse the old key's allocation when the object was stored before.
            let (key, previous) = match old_items.remove_entry(key.as_str()) {
                Some((shared, old)) => (shared, Some(old)),
                None => (Arc::<str>::from(key), None),
            };
            // A list never has two objects with one key; if it does, the later one wins and the
            // earlier is reported as its previous state.
            let previous = match state.items.remove(&key) {
                Some(dup) => {
                    state.indices.update(&key, Some(dup.as_ref()), None);
                    Some(dup)
                }
                None => previous,
            };
            state.indices.update(&key, None, Some(obj.as_ref()));
            state.items.insert(key, obj.clone());
            replaced.push((previous, obj));
        }
        let mut removed: Vec<(String, Arc<T>)> = old_items
            .into_iter()
            .map(|(key, obj)| (key.to_string(), obj))
            .collect();
        removed.sort_by(|a, b| a.0.cmp(&b.0));
        ReplaceOutcome { replaced, removed }
    }

    /// The object with `key`.
    pub fn get_by_key(&self, key: &str) -> Option<Arc<T>> {
        self.read().items.get(key).cloned()
    }

    /// The stored object with `obj`'s key.
    pub fn get(&self, obj: &T) -> Option<Arc<T>> {
        self.get_by_key(&object_key(obj))
    }

    /// Whether an object with `key` is stored.
    pub fn contains_key(&self, key: &str) -> bool {
        self.read().items.contains_key(key)
    }

    /// Every object, in no particular order.
    pub fn list(&self) -> Vec<Arc<T>> {
        self.read().items.values().cloned().collect()
    }

    /// Every key, sorted.
    pub fn list_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.read().items.keys().map(|k| k.to_string()).collect();
        keys.sort();
        keys
    }

    /// How many objects are stored.
    pub fn len(&self) -> usize {
        self.read().items.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.read().items.is_empty()
    }

    /// The objects whose index `index` has `value`, sorted by key.
    pub fn by_index(&self, index: &str, value: &str) -> Result<Vec<Arc<T>>, Error> {
        let state = self.read();
        let keys = state
            .indices
            .keys(index, value)
            .ok_or_else(|| not_found(index))?;
        Ok(keys
            .iter()
            .filter_map(|k| state.items.get(k.as_str()).cloned())
            .collect())
    }

    /// The keys of the objects whose index `index` has `value`, sorted.
    pub fn index_keys(&self, index: &str, value: &str) -> Result<Vec<String>, Error> {
        self.read()
            .indices
            .keys(index, value)
            .ok_or_else(|| not_found(index))
    }

    /// The objects that share a value of index `index` with `obj` (client-go's `Index`), sorted
    /// by key and without duplicates.
    pub fn matching(&self, index: &str, obj: &T) -> Result<Vec<Arc<T>>, Error> {
        let state = self.read();
        let func = state.indices.func(index).ok_or_else(|| not_found(index))?;
        let mut keys = std::collections::BTreeSet::new();
        for value in func(obj) {
            keys.extend(state.indices.keys(index, &value).unwrap_or_default());
        }
        Ok(keys
            .iter()
            .filter_map(|k| state.items.get(k.as_str()).cloned())
            .collect())
    }

    /// The values index `index` currently has (client-go's `ListIndexFuncValues`), sorted.
    pub fn index_values(&self, index: &str) -> Result<Vec<String>, Error> {
        self.read()
            .indices
            .values_of(index)
            .ok_or_else(|| not_found(index))
    }

    /// The names of the indices, sorted.
    pub fn index_names(&self) -> Vec<String> {
        self.read().indices.names().cloned().collect()
    }
}

fn not_found(index: &str) -> Error {
    Error::IndexNotFound {
        name: index.to_string(),
    }
}

#[cfg(test)]
mod tests;
