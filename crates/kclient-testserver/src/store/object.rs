//! One stored version of an object, kept compactly: its serialized JSON bytes (written once,
//! when the version is stored) and the few metadata the hot paths read without parsing — the
//! labels and field-selector values (selection), and uid, owners, finalizers and deletion state
//! (the garbage collector's scans). Versions are immutable and shared by `Arc` between the
//! store, the change history, list snapshots and watch events; the JSON tree is re-parsed only
//! when a handler needs it (writes, Table output).

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use super::Key;
use super::fields::{field_value, selectable_fields};

/// An immutable stored object version (as stored: without `apiVersion` and `kind`).
#[derive(Debug)]
pub struct Object {
    json: Bytes,
    meta: Meta,
}

/// The metadata of a stored object that is read without parsing it.
#[derive(Debug, Default)]
pub struct Meta {
    /// `metadata.uid`.
    pub uid: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// The value of every field label of the object's resource, `metadata.name` and
    /// `metadata.namespace` included.
    pub fields: Vec<(&'static str, String)>,
    /// The uids of `metadata.ownerReferences`.
    pub owner_uids: Vec<String>,
    /// `metadata.finalizers`.
    pub finalizers: Vec<String>,
    /// Whether `metadata.deletionTimestamp` is set.
    pub deleting: bool,
}

impl Meta {
    fn of(key: &Key, value: &Value) -> Self {
        let meta = value.get("metadata");
        let str_of = |field: &str| {
            meta.and_then(|m| m.get(field))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let labels = meta
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut fields = vec![
            ("metadata.name", str_of("name")),
            ("metadata.namespace", str_of("namespace")),
        ];
        for (field, pointer) in selectable_fields(&key.group, &key.resource) {
            fields.push((field, field_value(value, pointer)));
        }
        let owner_uids = meta
            .and_then(|m| m.get("ownerReferences"))
            .and_then(Value::as_array)
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| r.get("uid").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            uid: str_of("uid"),
            labels,
            fields,
            owner_uids,
            finalizers: strings(meta.and_then(|m| m.get("finalizers"))),
            deleting: !str_of("deletionTimestamp").is_empty(),
        }
    }

    /// The value of field label `field`, if the resource has it.
    pub fn field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }
}

impl Object {
    /// Stores `value` (the object under `key`), serializing it once.
    pub fn new(key: &Key, value: &Value) -> Arc<Self> {
        let json = Bytes::from(serde_json::to_vec(value).unwrap_or_default());
        Arc::new(Self {
            json,
            meta: Meta::of(key, value),
        })
    }

    /// The object as a JSON tree (parsed anew from its bytes).
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }

    /// The object serialized as compact JSON.
    pub fn json(&self) -> &Bytes {
        &self.json
    }

    /// The metadata read without parsing.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keeps_bytes_and_metadata_in_step() {
        let v = json!({
            "metadata": {"name": "a", "namespace": "ns", "uid": "u1", "labels": {"app": "x"},
                "ownerReferences": [{"uid": "o1"}], "finalizers": ["f"],
                "deletionTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"nodeName": "n1", "hostNetwork": true},
        });
        let o = Object::new(&Key::new("", "pods", "ns", "a"), &v);
        assert_eq!(o.value(), v);
        let m = o.meta();
        assert_eq!(m.uid, "u1");
        assert_eq!(m.labels.get("app").map(String::as_str), Some("x"));
        assert_eq!(m.owner_uids, vec!["o1"]);
        assert_eq!(m.finalizers, vec!["f"]);
        assert!(m.deleting);
        assert_eq!(m.field("metadata.namespace"), Some("ns"));
        assert_eq!(m.field("spec.nodeName"), Some("n1"));
        assert_eq!(m.field("spec.hostNetwork"), Some("true"));
        assert_eq!(m.field("status.phase"), Some(""));
        assert_eq!(m.field("type"), None);
    }
}
