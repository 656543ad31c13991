//! ResourceQuota: the admission plugin (`staging/src/k8s.io/apiserver/pkg/admission/plugin/
//! resourcequota/controller.go`, `CheckRequest`) and the usage the quota controller writes to
//! `status` (`pkg/controller/resourcequota`, evaluators of `pkg/quota/v1/evaluator/core`).
//! A create that would take a quota's usage of a resource it limits over `hard` is refused
//! with the real 403 (`exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2`);
//! an admitted one is charged to `status.used` in the same transaction. Tracked: object counts
//! (`pods`, `services`, `services.loadbalancers`, `services.nodeports`, `configmaps`,
//! `secrets`, `replicationcontrollers`, `resourcequotas`, `persistentvolumeclaims`,
//! `count/<resource>[.<group>]`), pods' compute resources (`requests.*`, `limits.*`, and `cpu`,
//! `memory`, `ephemeral-storage` as requests) and claims' `requests.storage`. Not done: scopes
//! and scope selectors, per-StorageClass claims, the `must specify` constraint.

use std::collections::BTreeMap;

use kclient_apimachinery::Quantity;
use serde_json::{Map, Value, json};

use super::forbidden;
use crate::api::status::ApiError;
use crate::registry::Resource;
use crate::store::{Key, Prefix, Txn};

/// Resource name → quantity.
pub type Usage = BTreeMap<String, Quantity>;

/// The core resources whose legacy object-count names (`pods`, `secrets`, …) quotas take.
const COUNTED: &[&str] = &[
    "pods",
    "services",
    "configmaps",
    "secrets",
    "replicationcontrollers",
    "resourcequotas",
    "persistentvolumeclaims",
];

fn one() -> Quantity {
    Quantity::from_i64(1, kclient_apimachinery::quantity::Format::DecimalSI)
}

fn add(usage: &mut Usage, key: &str, q: &Quantity) {
    let sum = match usage.get(key) {
        Some(have) => have.checked_add(q).unwrap_or_else(|_| have.clone()),
        None => q.clone(),
    };
    usage.insert(key.to_string(), sum);
}

fn quantities(v: Option<&Value>) -> Vec<(String, Quantity)> {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Quantity::parse(&text).ok().map(|q| (k.clone(), q))
        })
        .collect()
}

/// A pod's compute usage: the containers' sum, or an init container's amount when larger.
fn pod_compute(pod: &Value, usage: &mut Usage) {
    let mut total = Usage::new();
    let per_container = |c: &Value| {
        let mut u = Usage::new();
        for (r, q) in quantities(c.pointer("/resources/requests")) {
            add(&mut u, &format!("requests.{r}"), &q);
            if matches!(r.as_str(), "cpu" | "memory" | "ephemeral-storage") {
                add(&mut u, &r, &q);
            }
        }
        for (r, q) in quantities(c.pointer("/resources/limits")) {
            add(&mut u, &format!("limits.{r}"), &q);
        }
        u
    };
    for c in pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (k, q) in per_container(c) {
            add(&mut total, &k, &q);
        }
    }
    for c in pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (k, q) in per_container(c) {
            if total.get(&k).is_none_or(|have| *have < q) {
                total.insert(k, q);
            }
        }
    }
    for (k, q) in total {
        add(usage, &k, &q);
    }
}

/// What one stored object of `group/resource` uses (nothing for terminated pods).
pub fn usage(group: &str, resource: &str, obj: &Value) -> Usage {
    let mut u = Usage::new();
    if group.is_empty() && resource == "pods" {
        let phase = obj.pointer("/status/phase").and_then(Value::as_str);
        if matches!(phase, Some("Succeeded" | "Failed")) {
            return u;
        }
    }
    let count = if group.is_empty() {
        format!("count/{resource}")
    } else {
        format!("count/{resource}.{group}")
    };
    u.insert(count, one());
    if !group.is_empty() || !COUNTED.contains(&resource) {
        return u;
    }
    u.insert(resource.to_string(), one());
    match resource {
        "pods" => pod_compute(obj, &mut u),
        "services" => {
            let ports = obj
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .map_or(0, Vec::len) as i64;
            let ports =
                Quantity::from_i64(ports, kclient_apimachinery::quantity::Format::DecimalSI);
            match obj.pointer("/spec/type").and_then(Value::as_str) {
                Some("NodePort") => add(&mut u, "services.nodeports", &ports),
                Some("LoadBalancer") => {
                    add(&mut u, "services.loadbalancers", &one());
                    if obj.pointer("/spec/allocateLoadBalancerNodePorts") != Some(&json!(false)) {
                        add(&mut u, "services.nodeports", &ports);
                    }
                }
                _ => {}
            }
        }
        "persistentvolumeclaims" => {
            for (r, q) in quantities(obj.pointer("/spec/resources/requests")) {
                if r == "storage" {
                    add(&mut u, "requests.storage", &q);
                }
            }
        }
        _ => {}
    }
    u
}

/// The group and resource whose objects a quota's resource name counts.
fn source_of(name: &str) -> Option<(String, String)> {
    if let Some(rest) = name.strip_prefix("count/") {
        return Some(match rest.split_once('.') {
            Some((resource, group)) => (group.to_string(), resource.to_string()),
            None => (String::new(), rest.to_string()),
        });
    }
    let resource = match name {
        n if COUNTED.contains(&n) => n,
        "services.loadbalancers" | "services.nodeports" => "services",
        "requests.storage" => "persistentvolumeclaims",
        n if n.starts_with("requests.")
            || n.starts_with("limits.")
            || matches!(n, "cpu" | "memory" | "ephemeral-storage") =>
        {
            "pods"
        }
        _ => return None,
    };
    Some((String::new(), resource.to_string()))
}

fn to_map(u: &Usage) -> Map<String, Value> {
    u.iter()
        .map(|(k, q)| (k.clone(), json!(q.canonical())))
        .collect()
}

fn parse_map(v: Option<&Value>) -> Usage {
    quantities(v).into_iter().collect()
}

/// A quota's `status`; empty maps are left out, as the real server's `omitempty` fields.
fn status_of(hard: &Usage, used: &Usage) -> Value {
    let mut status = Map::new();
    if !hard.is_empty() {
        status.insert("hard".into(), Value::Object(to_map(hard)));
    }
    if !used.is_empty() {
        status.insert("used".into(), Value::Object(to_map(used)));
    }
    Value::Object(status)
}

/// `k=v,k=v` in key order (`prettyPrint`).
fn pretty(u: &Usage) -> String {
    u.iter()
        .map(|(k, q)| format!("{k}={}", q.canonical()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks a create of `obj` against the quotas of `namespace` and charges it.
pub fn admit(
    txn: &mut Txn<'_>,
    res: &Resource,
    namespace: &str,
    obj: &Value,
    dry_run: bool,
) -> Result<(), ApiError> {
    if namespace.is_empty() || !res.namespaced() {
        return Ok(());
    }
    let prefix = Prefix::new("", "resourcequotas", Some(namespace));
    let quotas = txn.list(&prefix);
    if quotas.is_empty() {
        return Ok(());
    }
    let delta = usage(res.group, res.name(), obj);
    let mut charged = Vec::new();
    for q in quotas {
        let hard = match q.pointer("/status/hard") {
            Some(h) if h.is_object() => parse_map(Some(h)),
            _ => parse_map(q.pointer("/spec/hard")),
        };
        let used = parse_map(q.pointer("/status/used"));
        let requested: Usage = delta
            .iter()
            .filter(|(k, _)| hard.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if requested.is_empty() {
            continue;
        }
        let mut new_used = used.clone();
        for (k, v) in &requested {
            add(&mut new_used, k, v);
        }
        let exceeded: Vec<&String> = requested
            .keys()
            .filter(|k| {
                new_used
                    .get(*k)
                    .zip(hard.get(*k))
                    .is_some_and(|(n, h)| n > h)
            })
            .collect();
        if !exceeded.is_empty() {
            let mask = |u: &Usage| -> Usage {
                exceeded
                    .iter()
                    .map(|k| {
                        let zero = Quantity::zero();
                        ((*k).clone(), u.get(*k).cloned().unwrap_or(zero))
                    })
                    .collect()
            };
            let name = q
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(forbidden(
                res,
                obj,
                &format!(
                    "exceeded quota: {name}, requested: {}, used: {}, limited: {}",
                    pretty(&mask(&requested)),
                    pretty(&mask(&used)),
                    pretty(&mask(&hard))
                ),
            ));
        }
        charged.push((q, hard, new_used));
    }
    if dry_run {
        return Ok(());
    }
    for (mut q, hard, used) in charged {
        let name = q
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        q["status"] = status_of(&hard, &used);
        txn.put(&Key::new("", "resourcequotas", namespace, &name), q);
    }
    Ok(())
}

/// The quota controller: recomputes `status.hard` and `status.used` of every quota of
/// `namespace` from what is stored; writes only quotas whose status changes.
pub fn recompute(txn: &mut Txn<'_>, namespace: &str) {
    let quotas = txn.list(&Prefix::new("", "resourcequotas", Some(namespace)));
    if quotas.is_empty() {
        return;
    }
    let mut cache: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    for mut q in quotas {
        let hard = parse_map(q.pointer("/spec/hard"));
        let mut used = Usage::new();
        for name in hard.keys() {
            let Some(source) = source_of(name) else {
                continue;
            };
            let objects = cache
                .entry(source.clone())
                .or_insert_with(|| txn.list(&Prefix::new(&source.0, &source.1, Some(namespace))));
            let mut sum = Quantity::zero();
            for o in objects.iter() {
                if let Some(v) = usage(&source.0, &source.1, o).get(name) {
                    sum = sum.checked_add(v).unwrap_or(sum);
                }
            }
            used.insert(name.clone(), sum);
        }
        let status = status_of(&hard, &used);
        if q.get("status") == Some(&status) {
            continue;
        }
        let name = q
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        q["status"] = status;
        txn.put(&Key::new("", "resourcequotas", namespace, &name), q);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pods_use_their_containers_requests_and_limits() {
        let pod = json!({"spec": {
            "containers": [
                {"resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": "500m"}}},
                {"resources": {"requests": {"cpu": "250m"}}}],
            "initContainers": [{"resources": {"requests": {"cpu": "1"}}}]}});
        let u = usage("", "pods", &pod);
        let s = |k: &str| u[k].canonical();
        assert_eq!(s("pods"), "1");
        assert_eq!(s("count/pods"), "1");
        assert_eq!(s("requests.cpu"), "1");
        assert_eq!(s("cpu"), "1");
        assert_eq!(s("requests.memory"), "64Mi");
        assert_eq!(s("limits.cpu"), "500m");
        let done = json!({"status": {"phase": "Succeeded"}});
        assert!(usage("", "pods", &done).is_empty());
        let dep = usage("apps", "deployments", &json!({}));
        assert_eq!(dep.keys().collect::<Vec<_>>(), ["count/deployments.apps"]);
        assert_eq!(
            source_of("count/deployments.apps"),
            Some(("apps".into(), "deployments".into()))
        );
        assert_eq!(
            source_of("limits.memory"),
            Some((String::new(), "pods".into()))
        );
    }
}
