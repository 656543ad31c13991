//! What the cache stores and hands to handlers: objects of any type with metadata
//! ([`CacheObject`]), their keys ([`object_key`]), and the value a deletion carries
//! ([`DeltaObject`]), which may be a tombstone ([`DeletedFinalStateUnknown`]) when the deletion
//! was only noticed by relisting.

use std::fmt;
use std::sync::Arc;

use kclient_apimachinery::MetaAccessor;
use serde::de::DeserializeOwned;

/// An object type the cache can hold: anything with Kubernetes metadata that can be decoded from
/// JSON and shared between threads — generated typed objects and
/// [`Unstructured`](kclient_apimachinery::Unstructured) alike.
pub trait CacheObject: MetaAccessor + DeserializeOwned + Send + Sync + 'static {}

impl<T: MetaAccessor + DeserializeOwned + Send + Sync + 'static> CacheObject for T {}

/// The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects
/// (client-go's `MetaNamespaceKeyFunc`).
pub fn object_key<T: MetaAccessor + ?Sized>(obj: &T) -> String {
    obj.namespaced_key()
}

/// Splits a key made by [`object_key`] into `(namespace, name)`; the namespace is `None` for a
/// cluster-scoped key (client-go's `SplitMetaNamespaceKey`).
pub fn split_key(key: &str) -> (Option<&str>, &str) {
    match key.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, key),
    }
}

/// The last known state of an object whose deletion the informer did not see as a watch event:
/// it was gone from a relist (the watch was down when it was deleted). client-go's
/// `DeletedFinalStateUnknown`; the object may be stale.
pub struct DeletedFinalStateUnknown<T> {
    /// The object's cache key.
    pub key: String,
    /// The last state the cache had.
    pub obj: Arc<T>,
}

impl<T> Clone for DeletedFinalStateUnknown<T> {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            obj: self.obj.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for DeletedFinalStateUnknown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeletedFinalStateUnknown")
            .field("key", &self.key)
            .field("obj", &self.obj)
            .finish()
    }
}

/// An object as a delta carries it: the object itself, or, for a deletion only noticed on a
/// relist, a tombstone with its last known state.
pub enum DeltaObject<T> {
    /// The object (for a deletion: its final state as the server reported it).
    Object(Arc<T>),
    /// A deletion noticed on relist: the key and the last state the cache had.
    Tombstone(DeletedFinalStateUnknown<T>),
}

impl<T> Clone for DeltaObject<T> {
    fn clone(&self) -> Self {
        match self {
            DeltaObject::Object(o) => DeltaObject::Object(o.clone()),
            DeltaObject::Tombstone(t) => DeltaObject::Tombstone(t.clone()),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for DeltaObject<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeltaObject::Object(o) => f.debug_tuple("Object").field(o).finish(),
            DeltaObject::Tombstone(t) => f.debug_tuple("Tombstone").field(t).finish(),
        }
    }
}

impl<T> DeltaObject<T> {
    /// The object, or the tombstone's last known state.
    pub fn object(&self) -> &Arc<T> {
        match self {
            DeltaObject::Object(o) => o,
            DeltaObject::Tombstone(t) => &t.obj,
        }
    }

    /// Whether this is a tombstone (a deletion noticed on relist).
    pub fn is_tombstone(&self) -> bool {
        matches!(self, DeltaObject::Tombstone(_))
    }
}

impl<T: MetaAccessor> DeltaObject<T> {
    /// The cache key: the tombstone's key, or the object's.
    pub fn key(&self) -> String {
        match self {
            DeltaObject::Object(o) => object_key(o.as_ref()),
            DeltaObject::Tombstone(t) => t.key.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kclient_apimachinery::Unstructured;
    use kclient_apimachinery::meta::ObjectMeta;

    fn obj(ns: &str, name: &str) -> Arc<Unstructured> {
        let mut u = Unstructured::with_type("v1", "ConfigMap");
        let _ = u.set_metadata(&ObjectMeta::namespaced(ns, name));
        Arc::new(u)
    }

    #[test]
    fn keys_and_split() {
        assert_eq!(object_key(obj("ns", "a").as_ref()), "ns/a");
        assert_eq!(object_key(obj("", "node-1").as_ref()), "node-1");
        assert_eq!(split_key("ns/a"), (Some("ns"), "a"));
        assert_eq!(split_key("node-1"), (None, "node-1"));
    }

    #[test]
    fn tombstones_keep_their_key() {
        let t = DeltaObject::Tombstone(DeletedFinalStateUnknown {
            key: "ns/old".into(),
            obj: obj("ns", "a"),
        });
        assert!(t.is_tombstone());
        assert_eq!(t.key(), "ns/old");
        let o = DeltaObject::Object(obj("ns", "a"));
        assert_eq!(o.key(), "ns/a");
        assert!(!o.clone().is_tombstone());
        assert_eq!(o.object().name(), Some("a"));
    }
}
