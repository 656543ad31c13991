//! LimitRanger (`plugin/pkg/admission/limitranger/admission.go`) on pod creation: each
//! `Container` item of the namespace's LimitRanges gives containers without them their
//! `default` limits and `defaultRequest` requests (recorded in the
//! `kubernetes.io/limit-ranger` annotation), then checks `min` (against requests) and `max`
//! (against limits) with the real 403 messages (`maximum cpu usage per Container is 1, but
//! limit is 2`). `Pod` and `PersistentVolumeClaim` items and `maxLimitRequestRatio` are not
//! enforced.

use kclient_apimachinery::Quantity;
use serde_json::{Map, Value, json};

use super::forbidden;
use crate::api::objects;
use crate::api::status::ApiError;
use crate::registry::Resource;
use crate::store::{Prefix, Txn};

const ANNOTATION: &str = "kubernetes.io/limit-ranger";

/// The `Container` items of the LimitRanges of `namespace`.
fn container_items(txn: &Txn<'_>, namespace: &str) -> Vec<Value> {
    txn.list(&Prefix::new("", "limitranges", Some(namespace)))
        .iter()
        .flat_map(|lr| {
            lr.pointer("/spec/limits")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|item| item.get("type").and_then(Value::as_str) == Some("Container"))
        .collect()
}

/// Fills the missing entries of `c.resources.<field>` from `defaults`; returns the names set.
fn fill(c: &mut Map<String, Value>, field: &str, defaults: Option<&Value>) -> Vec<String> {
    let Some(defaults) = defaults.and_then(Value::as_object) else {
        return Vec::new();
    };
    let resources = objects::object_of(c.entry("resources").or_insert_with(|| json!({})));
    let target = objects::object_of(resources.entry(field).or_insert_with(|| json!({})));
    let mut set = Vec::new();
    for (name, q) in defaults {
        if !target.contains_key(name) {
            target.insert(name.clone(), q.clone());
            set.push(name.clone());
        }
    }
    if target.is_empty() {
        resources.remove(field);
    }
    set.sort();
    set
}

fn quantity(v: Option<&Value>) -> Option<Quantity> {
    match v? {
        Value::String(s) => Quantity::parse(s).ok(),
        Value::Number(n) => Quantity::parse(&n.to_string()).ok(),
        _ => None,
    }
}

/// The `min`/`max` checks of one container (`minConstraint`, `maxConstraint`).
fn check(c: &Value, item: &Value) -> Result<(), String> {
    let get = |field: &str, r: &str| quantity(c.pointer(&format!("/resources/{field}/{r}")));
    if let Some(min) = item.get("min").and_then(Value::as_object) {
        for (r, q) in min {
            let Some(min) = quantity(Some(q)) else {
                continue;
            };
            match get("requests", r) {
                None => {
                    return Err(format!(
                        "minimum {r} usage per Container is {min}.  No request is specified"
                    ));
                }
                Some(req) if req < min => {
                    return Err(format!(
                        "minimum {r} usage per Container is {min}, but request is {req}"
                    ));
                }
                Some(_) => {}
            }
        }
    }
    if let Some(max) = item.get("max").and_then(Value::as_object) {
        for (r, q) in max {
            let Some(max) = quantity(Some(q)) else {
                continue;
            };
            match get("limits", r) {
                None => {
                    return Err(format!(
                        "maximum {r} usage per Container is {max}.  No limit is specified"
                    ));
                }
                Some(lim) if lim > max => {
                    return Err(format!(
                        "maximum {r} usage per Container is {max}, but limit is {lim}"
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// Runs the plugin on a pod being created in `namespace`.
pub fn admit_pod(
    txn: &Txn<'_>,
    res: &Resource,
    namespace: &str,
    pod: &mut Value,
) -> Result<(), ApiError> {
    let items = container_items(txn, namespace);
    if items.is_empty() {
        return Ok(());
    }
    let mut notes = Vec::new();
    for (list, what) in [
        ("containers", "container"),
        ("initContainers", "init container"),
    ] {
        let Some(cs) = pod
            .pointer_mut(&format!("/spec/{list}"))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for c in cs {
            let Some(c) = c.as_object_mut() else { continue };
            let name = c
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let (mut requests, mut limits) = (Vec::new(), Vec::new());
            for item in &items {
                requests.extend(fill(c, "requests", item.get("defaultRequest")));
                limits.extend(fill(c, "limits", item.get("default")));
            }
            if !requests.is_empty() {
                notes.push(format!("{} request for {what} {name}", requests.join(", ")));
            }
            if !limits.is_empty() {
                notes.push(format!("{} limit for {what} {name}", limits.join(", ")));
            }
        }
    }
    let snapshot = pod.clone();
    for list in ["containers", "initContainers"] {
        for c in snapshot
            .pointer(&format!("/spec/{list}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for item in &items {
                check(c, item).map_err(|why| forbidden(res, &snapshot, &why))?;
            }
        }
    }
    if !notes.is_empty() {
        let meta = objects::meta_mut(pod);
        let ann = objects::object_of(meta.entry("annotations").or_insert_with(|| json!({})));
        ann.insert(
            ANNOTATION.into(),
            json!(format!("LimitRanger plugin set: {}", notes.join("; "))),
        );
        // The QoS class follows the resources the plugin set.
        let qos = crate::types::defaults::qos_class(&pod["spec"]);
        if pod.get("status").is_some_and(Value::is_object) {
            pod["status"]["qosClass"] = json!(qos);
        }
    }
    Ok(())
}

/// `SetDefaults_LimitRangeItem` of a new or updated LimitRange's `Container` items: `default`
/// from `max`, `defaultRequest` from `default`, then from `min`, each where missing.
pub fn default_limit_range(lr: &mut Value) {
    let Some(items) = lr.pointer_mut("/spec/limits").and_then(Value::as_array_mut) else {
        return;
    };
    for item in items {
        if item.get("type").and_then(Value::as_str) != Some("Container") {
            continue;
        }
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let map = |item: &Map<String, Value>, f: &str| {
            item.get(f)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let mut default = map(item, "default");
        let mut request = map(item, "defaultRequest");
        for (k, v) in map(item, "max") {
            default.entry(k).or_insert(v);
        }
        for (k, v) in default.iter().chain(map(item, "min").iter()) {
            request.entry(k.clone()).or_insert(v.clone());
        }
        if !default.is_empty() {
            item.insert("default".into(), Value::Object(default));
        }
        if !request.is_empty() {
            item.insert("defaultRequest".into(), Value::Object(request));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn min_and_max_are_checked_with_the_real_messages() {
        let item = json!({"type": "Container", "max": {"cpu": "1"}, "min": {"memory": "10Mi"}});
        let c = json!({"resources": {"limits": {"cpu": "2"}, "requests": {"memory": "20Mi"}}});
        assert_eq!(
            check(&c, &item).unwrap_err(),
            "maximum cpu usage per Container is 1, but limit is 2"
        );
        let c = json!({"resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "1Mi"}}});
        assert_eq!(
            check(&c, &item).unwrap_err(),
            "minimum memory usage per Container is 10Mi, but request is 1Mi"
        );
        let c = json!({"resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "10Mi"}}});
        assert!(check(&c, &item).is_ok());
    }
}
