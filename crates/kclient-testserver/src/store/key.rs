//! Store keys: which object (`Key`) and which set of objects (`Prefix`) an operation is about.

/// The identity of one stored object. Ordered like the real server's storage keys, so lists
/// come out sorted by namespace, then name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// API group (empty for the core group).
    pub group: String,
    /// Plural resource name.
    pub resource: String,
    /// Namespace; empty for cluster-scoped objects.
    pub namespace: String,
    /// Object name.
    pub name: String,
}

impl Key {
    /// A key from its parts.
    pub fn new(group: &str, resource: &str, namespace: &str, name: &str) -> Self {
        Self {
            group: group.to_string(),
            resource: resource.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

/// All objects of one resource, optionally in one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    /// API group (empty for the core group).
    pub group: String,
    /// Plural resource name.
    pub resource: String,
    /// Only this namespace, or all namespaces.
    pub namespace: Option<String>,
}

impl Prefix {
    /// A prefix from its parts.
    pub fn new(group: &str, resource: &str, namespace: Option<&str>) -> Self {
        Self {
            group: group.to_string(),
            resource: resource.to_string(),
            namespace: namespace.map(str::to_string),
        }
    }

    /// Whether `key` is under this prefix.
    pub fn contains(&self, key: &Key) -> bool {
        key.group == self.group
            && key.resource == self.resource
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| *ns == key.namespace)
    }

    /// The smallest key that can be under this prefix.
    pub fn range_start(&self) -> Key {
        Key {
            group: self.group.clone(),
            resource: self.resource.clone(),
            namespace: self.namespace.clone().unwrap_or_default(),
            name: String::new(),
        }
    }

    /// Whether `key` is of this prefix's resource (used to stop a range scan).
    pub fn same_resource(&self, key: &Key) -> bool {
        key.group == self.group && key.resource == self.resource
    }
}
