//! Metadata-only responses: `Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;
//! v=v1` (and `…List`, and `v=v1beta1`), as the real server transforms its answers
//! (`apiserver/pkg/endpoints/handlers/response.go`, `meta.AsPartialObjectMetadata`):
//!
//! - an object becomes `{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
//!   "metadata":{…}}` keeping only the fields of `ObjectMeta` that `AsPartialObjectMetadata`
//!   copies; a list becomes a `PartialObjectMetadataList` with the list's resourceVersion,
//!   continue and remainingItemCount;
//! - asking for the single form on a list, or the list form on an object, is 406;
//! - a `Status` is never transformed;
//! - a watch transforms each event's object on its own (the single form); with the list form
//!   the transform fails on the first object and the server ends the watch, as the real one
//!   does when encoding an event fails.

use http::Response;
use http_body_util::BodyExt;
use serde_json::{Map, Value, json};

use super::response::{self, Body};
use super::status::ApiError;
use crate::registry::Resource;

/// The `ObjectMeta` fields a `PartialObjectMetadata` keeps.
const KEPT: [&str; 15] = [
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// What the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// `PartialObjectMetadataList` rather than `PartialObjectMetadata`.
    pub list: bool,
    /// `v1beta1` rather than `v1`.
    pub beta: bool,
}

impl Target {
    fn api_version(self) -> &'static str {
        if self.beta {
            "meta.k8s.io/v1beta1"
        } else {
            "meta.k8s.io/v1"
        }
    }

    /// The response's content type.
    pub fn content_type(self) -> &'static str {
        match (self.list, self.beta) {
            (false, false) => "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
            (true, false) => "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
            (false, true) => "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1",
            (true, true) => "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1",
        }
    }

    /// The 406 for asking the single form of a list.
    pub fn refuse_list(self, res: &Resource) -> ApiError {
        ApiError::not_acceptable_with(format!(
            "you requested PartialObjectMetadata, but the requested object is a list ({})",
            go_type(res, true)
        ))
    }

    /// The 406 for asking the list form of a single object.
    pub fn refuse_object(self, res: &Resource) -> ApiError {
        ApiError::not_acceptable_with(format!(
            "you requested PartialObjectMetadataList, but the requested object is not a list ({})",
            go_type(res, false)
        ))
    }

    /// The metadata-only form of one object.
    pub fn object(self, obj: &Value) -> Value {
        let mut meta = Map::new();
        if let Some(m) = obj.get("metadata").and_then(Value::as_object) {
            for key in KEPT {
                if let Some(v) = m.get(key) {
                    meta.insert(key.to_string(), v.clone());
                }
            }
        }
        json!({"kind": "PartialObjectMetadata", "apiVersion": self.api_version(), "metadata": meta})
    }

    /// The metadata-only form of a list of objects.
    pub fn list(self, list_meta: &Value, items: impl Iterator<Item = Value>) -> Value {
        let items: Vec<Value> = items.map(|o| self.object(&o)).collect();
        json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": self.api_version(),
            "metadata": list_meta,
            "items": items,
        })
    }

    /// A JSON response with this target's content type.
    pub fn response(self, code: u16, body: &Value) -> Response<Body> {
        let mut bytes = serde_json::to_vec(body).unwrap_or_default();
        bytes.push(b'\n');
        response::with_type(code, self.content_type(), bytes)
    }
}

/// How Go's `%T` prints the object the server would have transformed.
fn go_type(res: &Resource, list: bool) -> String {
    let suffix = if list { "List" } else { "" };
    if res.is_custom() {
        format!("*unstructured.Unstructured{suffix}")
    } else {
        format!("*{}.{}{suffix}", res.version, res.kind())
    }
}

/// Transforms the answer of a write (create, update, patch, apply, delete) or of a read of one
/// object: a JSON object other than a `Status` becomes its metadata; a list (a
/// deletecollection's answer) its list form. Other answers pass through.
pub async fn transform_response(
    res: &Resource,
    target: Target,
    resp: Response<Body>,
) -> Result<Response<Body>, ApiError> {
    let is_json = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(response::JSON));
    if !resp.status().is_success() || !is_json {
        return Ok(resp);
    }
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Response::from_parts(parts, response::full(bytes)));
    };
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind == "Status" || !value.is_object() {
        return Ok(Response::from_parts(parts, response::full(bytes)));
    }
    let is_list = value.get("items").is_some_and(Value::is_array);
    let out = match (is_list, target.list) {
        (true, true) => {
            let meta = value.get("metadata").cloned().unwrap_or_else(|| json!({}));
            let items = value
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            target.list(&meta, items.into_iter())
        }
        (false, false) => target.object(&value),
        (true, false) => return Err(target.refuse_list(res)),
        (false, true) => return Err(target.refuse_object(res)),
    };
    Ok(target.response(parts.status.as_u16(), &out))
}
