//! Index bookkeeping for the [`Store`](super::Store): named index functions map an object to
//! index values, and each index maps a value to the set of keys of the objects that have it.
//! Pure data structure; the store calls it under its write lock. Keys are the store's shared
//! `Arc<str>`s, so an index costs a pointer per key, not a copy of it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use kclient_apimachinery::MetaAccessor;

/// An index function: the index values of an object (client-go's `IndexFunc`). It runs under the
/// store's write lock, so it must be quick and must not call back into the store.
pub type IndexFunc<T> = Arc<dyn Fn(&T) -> Vec<String> + Send + Sync>;

/// Named index functions (client-go's `Indexers`).
pub type Indexers<T> = BTreeMap<String, IndexFunc<T>>;

/// The name of the index by namespace that every informer store has (client-go's
/// `NamespaceIndex`).
pub const NAMESPACE_INDEX: &str = "namespace";

/// The index function of [`NAMESPACE_INDEX`]: the object's namespace (nothing for cluster-scoped
/// objects; client-go's `MetaNamespaceIndexFunc` indexes those under `""`, which a namespaced
/// lister never asks for).
pub fn namespace_index_func<T: MetaAccessor>() -> IndexFunc<T> {
    Arc::new(|obj: &T| {
        obj.namespace()
            .filter(|ns| !ns.is_empty())
            .map(|ns| vec![ns.to_string()])
            .unwrap_or_default()
    })
}

/// The indexers and, per index name, value -> keys.
pub(crate) struct Indices<T> {
    funcs: Indexers<T>,
    values: HashMap<String, HashMap<String, BTreeSet<Arc<str>>>>,
}

impl<T> Indices<T> {
    pub(crate) fn new(funcs: Indexers<T>) -> Self {
        let values = funcs.keys().map(|n| (n.clone(), HashMap::new())).collect();
        Self { funcs, values }
    }

    pub(crate) fn has_index(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &String> {
        self.funcs.keys()
    }

    pub(crate) fn func(&self, name: &str) -> Option<&IndexFunc<T>> {
        self.funcs.get(name)
    }

    /// Registers more index functions and indexes `existing` objects with them. The caller has
    /// checked that no name is taken.
    pub(crate) fn add<'a>(
        &mut self,
        funcs: Indexers<T>,
        existing: impl Iterator<Item = (&'a Arc<str>, &'a Arc<T>)> + Clone,
    ) where
        T: 'a,
    {
        for (name, func) in funcs {
            let mut index: HashMap<String, BTreeSet<Arc<str>>> = HashMap::new();
            for (key, obj) in existing.clone() {
                for value in func(obj) {
                    index.entry(value).or_default().insert(key.clone());
                }
            }
            self.values.insert(name.clone(), index);
            self.funcs.insert(name, func);
        }
    }

    /// Moves `key` from the index values of `old` to those of `new` (either may be absent).
    pub(crate) fn update(&mut self, key: &Arc<str>, old: Option<&T>, new: Option<&T>) {
        for (name, func) in &self.funcs {
            let old_values = old.map(|o| func(o)).unwrap_or_default();
            let new_values = new.map(|n| func(n)).unwrap_or_default();
            if old_values == new_values {
                continue;
            }
            let Some(index) = self.values.get_mut(name) else {
                continue;
            };
            for value in &old_values {
                if new_values.contains(value) {
                    continue;
                }
                if let Some(keys) = index.get_mut(value) {
                    keys.remove(&**key);
                    if keys.is_empty() {
                        index.remove(value);
                    }
                }
            }
            for value in new_values {
                index.entry(value).or_default().insert(key.clone());
            }
        }
    }

    /// Forgets every indexed key (the functions stay).
    pub(crate) fn clear(&mut self) {
        for index in self.values.values_mut() {
            index.clear();
        }
    }

    /// The keys with `value` in index `name` (sorted), or `None` if there is no such index.
    pub(crate) fn keys(&self, name: &str, value: &str) -> Option<Vec<String>> {
        let index = self.values.get(name)?;
        Some(
            index
                .get(value)
                .map(|keys| keys.iter().map(|k| k.to_string()).collect())
                .unwrap_or_default(),
        )
    }

    /// The values present in index `name` (sorted), or `None` if there is no such index.
    pub(crate) fn values_of(&self, name: &str) -> Option<Vec<String>> {
        let index = self.values.get(name)?;
        let mut values: Vec<String> = index.keys().cloned().collect();
        values.sort();
        Some(values)
    }
}
