//! Server-side field validation (`fieldValidation=Strict|Warn|Ignore`): finds the fields of a
//! request body its schema does not declare — the OpenAPI model for built-in kinds, the
//! `openAPIV3Schema` for custom resources — drops them from built-in objects, and answers
//! with the real 400 `strict decoding error: unknown field "spec.foo"` or `Warning` headers.

use std::collections::HashMap;
use std::sync::OnceLock;

use http::{HeaderValue, Response};
use serde_json::Value;

use super::Ctx;
use super::response::Body;
use super::status::ApiError;
use crate::generated::openapi_model::DEFINITIONS;
use crate::openapi::model::{Definition, Schema};
use crate::registry::Resource;

/// What to do with unknown fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    /// Reject the request (400).
    Strict,
    /// Accept it with a `Warning` header per field (the default).
    Warn,
    /// Accept it silently.
    Ignore,
}

impl Directive {
    /// The `fieldValidation` query parameter of a request; unset means `Warn`.
    pub fn of(ctx: &Ctx) -> Result<Self, ApiError> {
        match ctx.query.get("fieldValidation").unwrap_or_default() {
            "" | "Warn" => Ok(Self::Warn),
            "Strict" => Ok(Self::Strict),
            "Ignore" => Ok(Self::Ignore),
            other => Err(ApiError::bad_request(format!(
                "fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""
            ))),
        }
    }
}

/// Checks `obj` (a body with `apiVersion`/`kind`) for unknown fields: removes them from
/// built-in objects (custom objects are pruned later by their schema), fails under `Strict`,
/// and returns the warnings to send under `Warn`.
pub fn check(ctx: &Ctx, obj: &mut Value) -> Result<Vec<String>, ApiError> {
    if !matches!(ctx.path.subresource.as_deref(), None | Some("status")) {
        return Ok(Vec::new());
    }
    let directive = Directive::of(ctx)?;
    let unknown = unknown_fields(&ctx.res, obj);
    if unknown.is_empty() || directive == Directive::Ignore {
        return Ok(Vec::new());
    }
    let messages: Vec<String> = unknown
        .iter()
        .map(|p| format!("unknown field \"{p}\""))
        .collect();
    if directive == Directive::Strict {
        let mut message = format!("strict decoding error: {}", messages.join(", "));
        // Create and update decode the body (`transformDecodeError`); patches do not.
        let patching = ctx
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("patch"));
        if !patching {
            let version = ctx.res.version;
            let kind = ctx.res.kind();
            message =
                format!("{kind} in version {version:?} cannot be handled as a {kind}: {message}");
        }
        return Err(ApiError::bad_request(message));
    }
    Ok(messages)
}

/// Adds one `Warning: 299 - "<text>"` header per message.
pub fn with_warnings(mut resp: Response<Body>, warnings: &[String]) -> Response<Body> {
    for w in warnings {
        let quoted = serde_json::to_string(w).unwrap_or_default();
        if let Ok(v) = HeaderValue::from_str(&format!("299 - {quoted}")) {
            resp.headers_mut().append(http::header::WARNING, v);
        }
    }
    resp
}

/// The unknown fields of `obj` as dotted paths (`spec.containers[0].foo`), removing them from
/// built-in objects.
pub fn unknown_fields(res: &Resource, obj: &mut Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(schema) = res.crd.and_then(|c| c.schema.as_ref()) {
        custom(schema, obj, "", true, &mut out);
    } else if !res.is_custom()
        && let Some(def) = by_kind(res.group, res.version, res.kind())
    {
        builtin(&def.schema, obj, "", &mut out);
    }
    out
}

pub(super) fn by_kind(group: &str, version: &str, kind: &str) -> Option<&'static Definition> {
    static INDEX: OnceLock<HashMap<(&'static str, &'static str, &'static str), usize>> =
        OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for (i, d) in DEFINITIONS.iter().enumerate() {
            for gvk in d.schema.ext.gvk {
                m.entry(*gvk).or_insert(i);
            }
        }
        m
    });
    index
        .get(&(group, version, kind))
        .and_then(|i| DEFINITIONS.get(*i))
}

pub(super) fn definition(name: &str) -> Option<&'static Definition> {
    DEFINITIONS
        .binary_search_by(|d| d.name.cmp(name))
        .ok()
        .and_then(|i| DEFINITIONS.get(i))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn builtin(schema: &'static Schema, v: &mut Value, path: &str, out: &mut Vec<String>) {
    let schema = match definition(schema.reference) {
        Some(d) if !schema.reference.is_empty() => &d.schema,
        _ => schema,
    };
    if schema.ext.preserve_unknown_fields {
        return;
    }
    match v {
        Value::Object(map) => {
            if !schema.properties.is_empty() {
                let keys: Vec<String> = map.keys().cloned().collect();
                for k in keys {
                    match schema.properties.iter().find(|(n, _)| *n == k) {
                        Some((_, sub)) => {
                            if let Some(child) = map.get_mut(&k) {
                                builtin(sub, child, &join(path, &k), out);
                            }
                        }
                        None => {
                            out.push(join(path, &k));
                            map.remove(&k);
                        }
                    }
                }
            } else if let Some(sub) = schema.additional {
                for (k, child) in map.iter_mut() {
                    builtin(sub, child, &join(path, k), out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.items {
                for (i, item) in items.iter_mut().enumerate() {
                    builtin(sub, item, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// Like [`crate::crd::schema::prune`], but only reports what it would remove.
fn custom(schema: &Value, v: &Value, path: &str, root: bool, out: &mut Vec<String>) {
    if schema["x-kubernetes-preserve-unknown-fields"] == Value::Bool(true) {
        return;
    }
    match v {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let embedded = schema["x-kubernetes-embedded-resource"] == Value::Bool(true);
            if schema["additionalProperties"] == Value::Bool(true) {
                return;
            }
            for (k, child) in map {
                if (root || embedded) && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                match props.and_then(|p| p.get(k)).or(additional) {
                    Some(sub) => custom(sub, child, &join(path, k), false, out),
                    None => out.push(join(path, k)),
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    custom(sub, item, &format!("{path}[{i}]"), false, out);
                }
            }
        }
        _ => {}
    }
}
