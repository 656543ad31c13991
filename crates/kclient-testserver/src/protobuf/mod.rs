//! `application/vnd.kubernetes.protobuf`, driven by the schema generated from the Kubernetes
//! `.proto` files: request bodies are decoded into the JSON objects the server stores
//! ([`decode_object`]), and objects, lists, watch events and `Status` errors of built-in kinds
//! are encoded for clients that ask for protobuf ([`encode_object`], [`encode::watch_frame`]).
//! Custom resources have no protobuf form (the real server answers them in JSON, or 406).
//!
//! The body is the `k8s\0` magic followed by a `runtime.Unknown` envelope whose `raw` field holds
//! the object's message.

mod decode;
pub mod encode;
mod schema;

use serde_json::Value;

/// The content type of a protobuf watch.
pub const WATCH_CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf;stream=watch";

/// Encodes a JSON object (its `apiVersion` and `kind` pick the message) with prefix and
/// envelope; `None` when its kind has no protobuf message (then JSON is served).
pub fn encode_object(object: &Value) -> Option<Result<Vec<u8>, String>> {
    let api_version = object.get("apiVersion")?.as_str()?;
    let kind = object.get("kind")?.as_str()?;
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let message = schema::message_for(group, version, kind)?;
    Some(encode::message(object, message).map(|raw| encode::envelope(api_version, kind, &raw)))
}

/// The content type of Kubernetes protobuf bodies.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

const MAGIC: &[u8] = b"k8s\0";

/// Decodes an enveloped protobuf object whose kind is served at `group`/`version`.
/// The result carries `apiVersion` and `kind` from the envelope.
pub fn decode_object(body: &[u8], group: &str, version: &str) -> Result<Value, String> {
    let rest = body.strip_prefix(MAGIC).ok_or_else(|| {
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
            .to_string()
    })?;
    let unknown = decode::envelope(rest)?;
    let kind = unknown.kind.clone();
    let (g, v) = match unknown.api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None if unknown.api_version.is_empty() => (group.to_string(), version.to_string()),
        None => (String::new(), unknown.api_version.clone()),
    };
    let message = schema::message_for(&g, &v, &kind).ok_or_else(|| {
        format!(
            "no kind {kind:?} is registered for version {:?}",
            unknown.api_version
        )
    })?;
    let mut obj = decode::message(&unknown.raw, message)?;
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), Value::String(unknown.api_version));
        m.insert("kind".into(), Value::String(kind));
    }
    Ok(obj)
}
