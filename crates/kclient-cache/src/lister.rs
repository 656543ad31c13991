//! Listers: read-only, selector-aware views of an informer's store (client-go's generated
//! listers, e.g. `PodLister.List(selector)` and `Pods(ns).Get(name)`).

use std::sync::Arc;

use kclient_apimachinery::MetaAccessor;
use kclient_apimachinery::labels::Selector;

use crate::Store;
use crate::store::NAMESPACE_INDEX;

/// Lists and gets objects from a store.
pub struct Lister<T> {
    store: Store<T>,
}

impl<T> Clone for Lister<T> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Lister<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lister").finish_non_exhaustive()
    }
}

fn matching<T: MetaAccessor>(objects: Vec<Arc<T>>, selector: &Selector) -> Vec<Arc<T>> {
    let mut out: Vec<Arc<T>> = if selector.is_empty() {
        objects
    } else {
        objects
            .into_iter()
            .filter(|o| selector.matches(o.labels().as_ref()))
            .collect()
    };
    out.sort_by_cached_key(|o| crate::object_key(o.as_ref()));
    out
}

impl<T: MetaAccessor> Lister<T> {
    /// A lister over `store`.
    pub fn new(store: Store<T>) -> Self {
        Self { store }
    }

    /// Every object whose labels match `selector`, sorted by key.
    pub fn list(&self, selector: &Selector) -> Vec<Arc<T>> {
        matching(self.store.list(), selector)
    }

    /// The cluster-scoped object `name` (for namespaced objects use
    /// [`namespace`](Self::namespace)).
    pub fn get(&self, name: &str) -> Option<Arc<T>> {
        self.store.get_by_key(name)
    }

    /// The objects of one namespace.
    pub fn namespace(&self, namespace: impl Into<String>) -> NamespaceLister<T> {
        NamespaceLister {
            store: self.store.clone(),
            namespace: namespace.into(),
        }
    }
}

/// Lists and gets the objects of one namespace.
pub struct NamespaceLister<T> {
    store: Store<T>,
    namespace: String,
}

impl<T> std::fmt::Debug for NamespaceLister<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamespaceLister")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl<T: MetaAccessor> NamespaceLister<T> {
    /// The objects of the namespace whose labels match `selector`, sorted by key.
    pub fn list(&self, selector: &Selector) -> Vec<Arc<T>> {
        let objects = match self.store.by_index(NAMESPACE_INDEX, &self.namespace) {
            Ok(objects) => objects,
            // A store without the namespace index: scan.
            Err(_) => self
                .store
                .list()
                .into_iter()
                .filter(|o| o.namespace() == Some(self.namespace.as_str()))
                .collect(),
        };
        matching(objects, selector)
    }

    /// The object `name` of the namespace.
    pub fn get(&self, name: &str) -> Option<Arc<T>> {
        self.store.get_by_key(&format!("{}/{name}", self.namespace))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::testutil::obj;

    #[test]
    fn lists_by_selector_and_namespace() {
        let store = Store::new();
        store.insert(obj("a", "x", 1, "web"));
        store.insert(obj("a", "y", 2, "db"));
        store.insert(obj("b", "z", 3, "web"));
        let lister = Lister::new(store);
        let web = Selector::parse("tier=web").unwrap();
        assert_eq!(lister.list(&web).len(), 2);
        assert_eq!(lister.list(&Selector::everything()).len(), 3);
        let a = lister.namespace("a");
        assert_eq!(a.list(&Selector::everything()).len(), 2);
        assert_eq!(a.list(&web)[0].metadata.name.as_deref(), Some("x"));
        assert!(a.get("y").is_some());
        assert!(a.get("z").is_none());
        assert!(lister.namespace("b").get("z").is_some());
        assert!(lister.get("z").is_none());
    }
}
