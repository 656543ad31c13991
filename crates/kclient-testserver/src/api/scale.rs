//! The `scale` subresource (`autoscaling/v1` `Scale`): of custom resources, through the CRD's
//! `specReplicasPath`/`statusReplicasPath`/`labelSelectorPath`, and of the built-in workloads
//! (deployments, replicasets, statefulsets, replicationcontrollers) through `spec.replicas`.

use http::Response;
use serde_json::{Value, json};

use super::Ctx;
use super::objects::{self, meta_str};
use super::response::{self, Body};
use super::status::ApiError;
use super::write::{commit_update, parse_body};
use crate::crd::ScalePaths;
use crate::registry::Resource;
use crate::store::Key;

fn paths(res: &Resource) -> ScalePaths {
    if let Some(p) = res.crd.and_then(|c| c.scale.clone()) {
        return p;
    }
    ScalePaths {
        spec_replicas: "/spec/replicas".into(),
        status_replicas: "/status/replicas".into(),
        label_selector: None,
    }
}

/// The label selector of a built-in workload as a string (`metav1.FormatLabelSelector`).
fn selector_string(obj: &Value) -> Option<String> {
    let sel = obj.pointer("/spec/selector")?;
    let mut parts = Vec::new();
    if let Some(labels) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in labels {
            parts.push(format!("{k}={}", v.as_str().unwrap_or_default()));
        }
    } else if let Some(labels) = sel
        .as_object()
        .filter(|_| sel.get("matchExpressions").is_none())
    {
        // replicationcontrollers: a plain map.
        for (k, v) in labels {
            if let Some(v) = v.as_str() {
                parts.push(format!("{k}={v}"));
            }
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&str> = e["values"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            parts.push(match e["operator"].as_str().unwrap_or_default() {
                "In" => format!("{key} in ({})", values.join(",")),
                "NotIn" => format!("{key} notin ({})", values.join(",")),
                "Exists" => key.to_string(),
                _ => format!("!{key}"),
            });
        }
    }
    Some(parts.join(","))
}

/// The `Scale` view of an object.
fn scale_of(res: &Resource, obj: &Value) -> Value {
    let p = paths(res);
    let m = objects::meta(obj).cloned().unwrap_or_default();
    let mut meta = json!({});
    for f in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = m.get(f) {
            meta[f] = v.clone();
        }
    }
    let replicas = |ptr: &str| obj.pointer(ptr).and_then(Value::as_i64).unwrap_or(0);
    let mut status = json!({"replicas": replicas(&p.status_replicas)});
    let selector = match &p.label_selector {
        Some(ptr) => obj.pointer(ptr).and_then(Value::as_str).map(str::to_string),
        None if !res.is_custom() => selector_string(obj),
        None => None,
    };
    if let Some(sel) = selector.filter(|s| !s.is_empty()) {
        status["selector"] = json!(sel);
    }
    let spec_replicas = obj.pointer(&p.spec_replicas).and_then(Value::as_i64);
    let spec = match spec_replicas {
        Some(r) => json!({"replicas": r}),
        None if res.is_custom() => json!({}),
        None => json!({"replicas": 1}),
    };
    json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta, "spec": spec, "status": status})
}

/// GET of `/scale`.
pub fn get(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), ctx.name());
    let obj = ctx
        .state
        .store
        .get(&key)
        .ok_or_else(|| ApiError::not_found(&ctx.res.group_resource(), ctx.name()))?;
    Ok(response::json(200, &scale_of(&ctx.res, &obj.value())))
}

/// Turns the current `Scale` into the requested one (a patch).
pub type ScaleEdit<'a> = &'a dyn Fn(&mut Value) -> Result<(), ApiError>;

/// PUT or PATCH of `/scale`: `patch` turns the current `Scale` into the requested one.
pub fn write(ctx: &Ctx, patch: Option<ScaleEdit<'_>>) -> Result<Response<Body>, ApiError> {
    let dry_run = ctx.query.dry_run("UpdateOptions")?;
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), ctx.name());
    let gr = ctx.res.group_resource();
    let body = match patch {
        None => Some(parse_body(ctx)?),
        Some(_) => None,
    };
    let stored = ctx.state.store.transact(|txn| {
        let old = txn
            .get(&key)
            .ok_or_else(|| ApiError::not_found(&gr, ctx.name()))?;
        let requested = match (patch, &body) {
            (Some(f), _) => {
                let mut s = scale_of(&ctx.res, &old);
                f(&mut s)?;
                s
            }
            (None, Some(b)) => b.clone(),
            (None, None) => return Err(ApiError::bad_request("no scale in the request")),
        };
        let rv = meta_str(&requested, "resourceVersion");
        if !rv.is_empty() && rv != meta_str(&old, "resourceVersion") {
            return Err(ApiError::stale(&gr, ctx.name()));
        }
        let Some(replicas) = requested.pointer("/spec/replicas").and_then(Value::as_i64) else {
            return Err(ApiError::invalid(
                &kclient_apimachinery::GroupKind::new("autoscaling", "Scale"),
                ctx.name(),
                &[super::status::FieldError::required("spec.replicas", "")],
            ));
        };
        if replicas < 0 {
            return Err(ApiError::invalid(
                &kclient_apimachinery::GroupKind::new("autoscaling", "Scale"),
                ctx.name(),
                &[super::status::FieldError::invalid_value(
                    "spec.replicas",
                    &json!(replicas),
                    "must be greater than or equal to 0",
                )],
            ));
        }
        let mut new = old.clone();
        set_pointer(&mut new, &paths(&ctx.res).spec_replicas, json!(replicas));
        let mut updated = objects::prepare_update(&ctx.res, &old, new, None)?;
        super::managed::track_update(ctx, Some(&old), &mut updated);
        Ok(commit_update(
            txn, &ctx.res, &ctx.state, &key, &old, updated, dry_run,
        ))
    })?;
    Ok(response::json(200, &scale_of(&ctx.res, &stored)))
}

/// Sets the value at a JSON pointer, creating objects on the way.
fn set_pointer(doc: &mut Value, ptr: &str, value: Value) {
    let mut cur = doc;
    let parts: Vec<&str> = ptr.split('/').skip(1).collect();
    for (i, p) in parts.iter().enumerate() {
        let map = objects::object_of(cur);
        if i + 1 == parts.len() {
            map.insert((*p).to_string(), value);
            return;
        }
        cur = map
            .entry((*p).to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
}
