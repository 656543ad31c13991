//! `UnstructuredList`: a list response (`...List` kind, `metadata`, `items`) with each item an
//! [`Unstructured`].

use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::Unstructured;
use crate::Error;
use crate::meta::ListMeta;

/// A list of unstructured objects (`unstructured.UnstructuredList`).
///
/// `object` holds every list-level field except `items` (`apiVersion`, `kind`, `metadata`).
/// When decoding, items that carry neither `apiVersion` nor `kind` — the API server leaves them
/// out in typed lists — get the list's `apiVersion` and its kind without the `List` suffix, as
/// client-go does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnstructuredList {
    /// The list-level fields other than `items`.
    pub object: Map<String, Value>,
    /// The items.
    pub items: Vec<Unstructured>,
}

impl UnstructuredList {
    /// An empty list with `apiVersion` and `kind` set.
    pub fn with_type(api_version: &str, kind: &str) -> Self {
        let mut list = Self::default();
        list.object
            .insert("apiVersion".into(), Value::String(api_version.into()));
        list.object
            .insert("kind".into(), Value::String(kind.into()));
        list
    }

    /// Decodes a JSON value, which must be an object whose `items` (if present and not null)
    /// is an array of objects.
    pub fn from_value(value: Value) -> Result<Self, Error> {
        let err = |reason| Error::InvalidUnstructured {
            what: "list",
            reason,
        };
        let Value::Object(mut object) = value else {
            return Err(err("the JSON value is not an object"));
        };
        let raw_items = match object.remove("items") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(err("items is not an array")),
        };
        let mut list = Self {
            object,
            items: Vec::with_capacity(raw_items.len()),
        };
        let api_version = list.api_version().unwrap_or("").to_string();
        let kind = list.kind().unwrap_or("");
        let item_kind = kind.strip_suffix("List").unwrap_or(kind).to_string();
        for raw in raw_items {
            let mut item =
                Unstructured::from_value(raw).map_err(|_| err("an item is not an object"))?;
            let untyped = item.kind().is_none_or(str::is_empty)
                && item.api_version().is_none_or(str::is_empty);
            if untyped {
                item.set_kind(&item_kind);
                item.set_api_version(&api_version);
            }
            list.items.push(item);
        }
        Ok(list)
    }

    /// The list as one JSON value (`items` always present).
    pub fn into_value(self) -> Value {
        let mut object = self.object;
        object.insert(
            "items".into(),
            Value::Array(
                self.items
                    .into_iter()
                    .map(Unstructured::into_value)
                    .collect(),
            ),
        );
        Value::Object(object)
    }

    /// Converts to a typed list (for example a generated `DeploymentList`).
    pub fn to_typed<T: DeserializeOwned>(&self) -> Result<T, Error> {
        T::deserialize(&self.clone().into_value())
            .map_err(|e| Error::convert("unstructured list to typed value", e))
    }

    /// Converts a typed list.
    pub fn from_typed<T: Serialize>(value: &T) -> Result<Self, Error> {
        let value = serde_json::to_value(value)
            .map_err(|e| Error::convert("typed list to unstructured", e))?;
        Self::from_value(value)
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> Option<&str> {
        self.object.get("apiVersion").and_then(Value::as_str)
    }

    /// `kind`.
    pub fn kind(&self) -> Option<&str> {
        self.object.get("kind").and_then(Value::as_str)
    }

    fn meta_str(&self, key: &str) -> Option<&str> {
        self.object.get("metadata")?.get(key)?.as_str()
    }

    /// `metadata.resourceVersion`.
    pub fn resource_version(&self) -> Option<&str> {
        self.meta_str("resourceVersion")
    }

    /// `metadata.continue`, if non-empty.
    pub fn continue_token(&self) -> Option<&str> {
        self.meta_str("continue").filter(|c| !c.is_empty())
    }

    /// `metadata.remainingItemCount`.
    pub fn remaining_item_count(&self) -> Option<i64> {
        self.object
            .get("metadata")?
            .get("remainingItemCount")?
            .as_i64()
    }

    /// The whole `metadata` decoded as [`ListMeta`] (default if absent).
    pub fn list_meta(&self) -> Result<ListMeta, Error> {
        match self.object.get("metadata") {
            None | Some(Value::Null) => Ok(ListMeta::default()),
            Some(v) => ListMeta::deserialize(v)
                .map_err(|e| Error::convert("unstructured list metadata to ListMeta", e)),
        }
    }
}

impl Serialize for UnstructuredList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = self.object.iter().filter(|(k, _)| k.as_str() != "items");
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in fields {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("items", &self.items)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for UnstructuredList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<Value> for UnstructuredList {
    type Error = Error;
    fn try_from(value: Value) -> Result<Self, Error> {
        Self::from_value(value)
    }
}
