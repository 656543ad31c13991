//! `Unstructured` and `UnstructuredList`: objects held as plain JSON maps, for kinds with no Rust
//! type (custom resources, dynamic clients), as client-go's `unstructured.Unstructured`.
//!
//! ```
//! use kclient_apimachinery::Unstructured;
//! use serde_json::json;
//!
//! let mut obj: Unstructured = serde_json::from_value(json!({
//!     "apiVersion": "example.com/v1", "kind": "Widget",
//!     "metadata": {"name": "w1", "namespace": "default"},
//!     "spec": {"size": 3}
//! })).unwrap();
//! assert_eq!(obj.nested_i64(&["spec", "size"]).unwrap(), Some(3));
//! obj.set_nested_field(json!(4), &["spec", "size"]).unwrap();
//! obj.set_label("tier", "gold");
//! assert_eq!(obj.labels()["tier"], "gold");
//! ```

mod list;
mod metadata;
pub mod nested;

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use list::UnstructuredList;

use crate::resource::ApiResource;
use crate::{Error, GroupVersionKind};

/// A Kubernetes object as a JSON map. Serializes as exactly that map (`serde(transparent)`).
/// `Debug` never shows the values of credential fields (a Secret's `data`, a token), by the
/// rule of [`crate::redact`].
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Unstructured {
    /// The whole object: `apiVersion`, `kind`, `metadata`, `spec`, ...
    pub object: Map<String, Value>,
}

impl std::fmt::Debug for Unstructured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unstructured")
            .field("object", &crate::redact::object(&self.object))
            .finish()
    }
}

macro_rules! nested_getters {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(&self, path: &[&str]) -> Result<Option<$ty>, Error> {
                nested::$name(&self.object, path)
            }
        )*
    };
}

impl Unstructured {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// An object with `apiVersion` and `kind` set.
    pub fn with_type(api_version: &str, kind: &str) -> Self {
        let mut obj = Self::new();
        obj.set_api_version(api_version);
        obj.set_kind(kind);
        obj
    }

    /// An object with `apiVersion` and `kind` taken from `resource`.
    pub fn for_resource(resource: &ApiResource) -> Self {
        Self::with_type(&resource.api_version(), &resource.kind)
    }

    /// Wraps a JSON value, which must be an object.
    pub fn from_value(value: Value) -> Result<Self, Error> {
        match value {
            Value::Object(object) => Ok(Self { object }),
            _ => Err(Error::InvalidUnstructured {
                what: "object",
                reason: "the JSON value is not an object",
            }),
        }
    }

    /// The object as a JSON value.
    pub fn into_value(self) -> Value {
        Value::Object(self.object)
    }

    /// Converts a typed value (`runtime.DefaultUnstructuredConverter.ToUnstructured`).
    pub fn from_typed<T: Serialize>(value: &T) -> Result<Self, Error> {
        let value = serde_json::to_value(value)
            .map_err(|e| Error::convert("typed value to unstructured", e))?;
        Self::from_value(value)
    }

    /// Converts to a typed value (`FromUnstructured`).
    pub fn to_typed<T: DeserializeOwned>(&self) -> Result<T, Error> {
        T::deserialize(&Value::Object(self.object.clone()))
            .map_err(|e| Error::convert("unstructured to typed value", e))
    }

    fn top_str(&self, key: &str) -> Option<&str> {
        self.object.get(key).and_then(Value::as_str)
    }

    fn meta_str(&self, key: &str) -> Option<&str> {
        self.object.get("metadata")?.get(key)?.as_str()
    }

    /// Runs `f` on `metadata` as a map, creating it (or replacing it, if it is not an object).
    fn with_metadata(&mut self, f: impl FnOnce(&mut Map<String, Value>)) {
        let mut meta = match self.object.remove("metadata") {
            Some(Value::Object(map)) => map,
            _ => Map::new(),
        };
        f(&mut meta);
        self.object.insert("metadata".into(), Value::Object(meta));
    }

    /// Sets (or, when empty, removes) a string in `metadata`, as Go's setters do.
    fn set_meta_str(&mut self, key: &str, value: &str) {
        if value.is_empty() {
            if let Some(Value::Object(meta)) = self.object.get_mut("metadata") {
                meta.remove(key);
            }
        } else {
            self.with_metadata(|m| {
                m.insert(key.to_string(), Value::String(value.to_string()));
            });
        }
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> Option<&str> {
        self.top_str("apiVersion")
    }

    /// Sets `apiVersion`.
    pub fn set_api_version(&mut self, api_version: &str) {
        self.object
            .insert("apiVersion".into(), Value::String(api_version.into()));
    }

    /// `kind`.
    pub fn kind(&self) -> Option<&str> {
        self.top_str("kind")
    }

    /// Sets `kind`.
    pub fn set_kind(&mut self, kind: &str) {
        self.object
            .insert("kind".into(), Value::String(kind.into()));
    }

    /// The group/version/kind from `apiVersion` and `kind`.
    pub fn group_version_kind(&self) -> Result<GroupVersionKind, Error> {
        GroupVersionKind::from_api_version_kind(
            self.api_version().unwrap_or(""),
            self.kind().unwrap_or(""),
        )
    }

    /// `metadata.name`.
    pub fn name(&self) -> Option<&str> {
        self.meta_str("name")
    }

    /// Sets `metadata.name` (an empty name removes it).
    pub fn set_name(&mut self, name: &str) {
        self.set_meta_str("name", name);
    }

    /// `metadata.generateName`.
    pub fn generate_name(&self) -> Option<&str> {
        self.meta_str("generateName")
    }

    /// Sets `metadata.generateName` (empty removes it).
    pub fn set_generate_name(&mut self, prefix: &str) {
        self.set_meta_str("generateName", prefix);
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> Option<&str> {
        self.meta_str("namespace")
    }

    /// Sets `metadata.namespace` (empty removes it).
    pub fn set_namespace(&mut self, namespace: &str) {
        self.set_meta_str("namespace", namespace);
    }

    /// `metadata.uid`.
    pub fn uid(&self) -> Option<&str> {
        self.meta_str("uid")
    }

    /// Sets `metadata.uid` (empty removes it).
    pub fn set_uid(&mut self, uid: &str) {
        self.set_meta_str("uid", uid);
    }

    /// `metadata.resourceVersion`.
    pub fn resource_version(&self) -> Option<&str> {
        self.meta_str("resourceVersion")
    }

    /// Sets `metadata.resourceVersion` (empty removes it).
    pub fn set_resource_version(&mut self, resource_version: &str) {
        self.set_meta_str("resourceVersion", resource_version);
    }

    /// The value at `path` (see [`nested::nested_field`]).
    pub fn nested_field(&self, path: &[&str]) -> Result<Option<&Value>, Error> {
        nested::nested_field(&self.object, path)
    }

    /// A string at `path` (see [`nested::nested_str`]).
    pub fn nested_str(&self, path: &[&str]) -> Result<Option<&str>, Error> {
        nested::nested_str(&self.object, path)
    }

    /// An array at `path` (see [`nested::nested_slice`]).
    pub fn nested_slice(&self, path: &[&str]) -> Result<Option<&Vec<Value>>, Error> {
        nested::nested_slice(&self.object, path)
    }

    /// An object at `path` (see [`nested::nested_map`]).
    pub fn nested_map(&self, path: &[&str]) -> Result<Option<&Map<String, Value>>, Error> {
        nested::nested_map(&self.object, path)
    }

    nested_getters! {
        /// A boolean at `path` (see [`nested::nested_bool`]).
        nested_bool -> bool;
        /// An integer at `path` (see [`nested::nested_i64`]).
        nested_i64 -> i64;
        /// A number at `path` (see [`nested::nested_f64`]).
        nested_f64 -> f64;
        /// An object of strings at `path` (see [`nested::nested_string_map`]).
        nested_string_map -> BTreeMap<String, String>;
        /// An array of strings at `path` (see [`nested::nested_string_slice`]).
        nested_string_slice -> Vec<String>;
    }

    /// Sets the value at `path` (see [`nested::set_nested_field`]).
    pub fn set_nested_field(&mut self, value: Value, path: &[&str]) -> Result<(), Error> {
        nested::set_nested_field(&mut self.object, value, path)
    }

    /// Removes the value at `path` (see [`nested::remove_nested_field`]).
    pub fn remove_nested_field(&mut self, path: &[&str]) -> Option<Value> {
        nested::remove_nested_field(&mut self.object, path)
    }
}

impl TryFrom<Value> for Unstructured {
    type Error = Error;
    fn try_from(value: Value) -> Result<Self, Error> {
        Self::from_value(value)
    }
}

impl From<Unstructured> for Value {
    fn from(obj: Unstructured) -> Self {
        obj.into_value()
    }
}

#[cfg(test)]
mod tests;
