//! One stored version of an object: its JSON tree and its serialized bytes, made once when it is
//! written and shared (behind an `Arc`) by the store, the change history, list snapshots and
//! watch events, so that reads neither deep-clone nor re-serialize it.

use std::ops::Deref;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

/// An immutable stored object version (as stored: without `apiVersion` and `kind`).
#[derive(Debug)]
pub struct Object {
    value: Value,
    json: Bytes,
}

impl Object {
    /// Wraps `value`, serializing it once.
    pub fn new(value: Value) -> Arc<Self> {
        let json = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
        Arc::new(Self { value, json })
    }

    /// The object as a JSON tree.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The object serialized as compact JSON.
    pub fn json(&self) -> &Bytes {
        &self.json
    }
}

impl Deref for Object {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.value
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keeps_value_and_bytes_in_step() {
        let o = Object::new(json!({"metadata": {"name": "a"}, "data": {"k": "v"}}));
        let parsed: Value = serde_json::from_slice(o.json()).unwrap();
        assert_eq!(&parsed, o.value());
        assert_eq!(o["metadata"]["name"], "a");
    }
}
