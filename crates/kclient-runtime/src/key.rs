//! [`ObjectKey`]: which object to reconcile — kube-runtime's `ObjectRef`, client-go's
//! `namespace/name` work-queue key (`cache.MetaNamespaceKeyFunc`).

use std::fmt;

use kclient_apimachinery::MetaAccessor;

/// The namespace and name of an object to reconcile.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// The namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl ObjectKey {
    /// The object `name` in `namespace`.
    pub fn namespaced(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: Some(namespace.into()).filter(|ns: &String| !ns.is_empty()),
            name: name.into(),
        }
    }

    /// The cluster-scoped object `name`.
    pub fn cluster(name: impl Into<String>) -> Self {
        Self {
            namespace: None,
            name: name.into(),
        }
    }

    /// The key of `obj`.
    pub fn of<T: MetaAccessor + ?Sized>(obj: &T) -> Self {
        Self {
            namespace: obj
                .namespace()
                .filter(|ns| !ns.is_empty())
                .map(str::to_string),
            name: obj.name().unwrap_or_default().to_string(),
        }
    }

    /// The cache key (`namespace/name`, or `name`), as the informer's store indexes objects.
    pub fn cache_key(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{ns}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_the_cache() {
        assert_eq!(ObjectKey::namespaced("ns", "a").cache_key(), "ns/a");
        assert_eq!(ObjectKey::namespaced("", "a").cache_key(), "a");
        assert_eq!(ObjectKey::cluster("node-1").to_string(), "node-1");
    }
}
