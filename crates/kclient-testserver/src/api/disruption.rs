//! PodDisruptionBudgets: the status the disruption controller writes
//! (`pkg/controller/disruption/disruption.go`: `currentHealthy`, `desiredHealthy`,
//! `disruptionsAllowed`, `expectedPods`, `observedGeneration`, the `DisruptionAllowed`
//! condition) and the budget check of the `pods/eviction` subresource
//! (`pkg/registry/core/pod/storage/eviction.go`): an eviction that would take a budget below
//! its desired healthy pods answers 429 `Cannot evict pod as it would violate the pod's
//! disruption budget.` with a `DisruptionBudget` cause. Simplified: the expected pods are the
//! pods the selector matches (the real controller asks their controllers' scale for
//! percentages and `maxUnavailable`).

use kclient_apimachinery::{StatusCause, StatusDetails};
use serde_json::{Map, Value, json};

use super::bootstrap::rbac::selector_matches;
use super::objects::{self, meta_str};
use super::status::ApiError;
use crate::store::{Key, Prefix, Txn};

const GROUP: &str = "policy";
const MESSAGE: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

fn ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Whether the budget's selector selects `pod` (a null selector selects nothing, an empty one
/// every pod of the namespace).
fn selects(pdb: &Value, pod: &Value) -> bool {
    match pdb.pointer("/spec/selector") {
        Some(s) if s.is_object() => {
            selector_matches(s, pod.pointer("/metadata/labels").unwrap_or(&Value::Null))
        }
        _ => false,
    }
}

/// `GetScaledValueFromIntOrPercent` rounding up.
fn scaled(v: &Value, total: i64) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) => (p * total + 99) / 100,
            None => s.parse().unwrap_or(0),
        },
        _ => 0,
    }
}

/// The status the disruption controller computes for `pdb` from the pods of its namespace.
pub fn status(pdb: &Value, pods: &[Value]) -> Value {
    let old = pdb.get("status").cloned().unwrap_or_else(|| json!({}));
    let selected: Vec<&Value> = pods
        .iter()
        .filter(|p| selects(pdb, p) && meta_str(p, "deletionTimestamp").is_empty())
        .collect();
    let mut disrupted = Map::new();
    if let Some(d) = old.get("disruptedPods").and_then(Value::as_object) {
        for (name, at) in d {
            if selected.iter().any(|p| meta_str(p, "name") == name) {
                disrupted.insert(name.clone(), at.clone());
            }
        }
    }
    let expected = selected.len() as i64;
    let healthy = selected
        .iter()
        .filter(|p| ready(p) && !disrupted.contains_key(meta_str(p, "name")))
        .count() as i64;
    let desired = match (
        pdb.pointer("/spec/minAvailable"),
        pdb.pointer("/spec/maxUnavailable"),
    ) {
        (_, Some(max)) if !max.is_null() => (expected - scaled(max, expected)).max(0),
        (Some(min), _) if !min.is_null() => scaled(min, expected),
        _ => 0,
    };
    let allowed = if expected <= 0 {
        0
    } else {
        (healthy - desired).max(0)
    };
    let generation = pdb
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let mut out = json!({
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "disruptionsAllowed": allowed,
        "expectedPods": expected,
        "observedGeneration": generation,
    });
    if !disrupted.is_empty() {
        out["disruptedPods"] = Value::Object(disrupted);
    }
    out["conditions"] = json!([condition(&old, allowed > 0, generation)]);
    out
}

/// The `DisruptionAllowed` condition, keeping its transition time while its status stays.
fn condition(old_status: &Value, allowed: bool, generation: i64) -> Value {
    let status = if allowed { "True" } else { "False" };
    let reason = if allowed {
        "SufficientPods"
    } else {
        "InsufficientPods"
    };
    let since = old_status
        .get("conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "DisruptionAllowed" && c["status"] == status)
        .and_then(|c| c.get("lastTransitionTime").cloned())
        .unwrap_or_else(|| json!(objects::now()));
    json!({
        "type": "DisruptionAllowed",
        "status": status,
        "reason": reason,
        "message": "",
        "observedGeneration": generation,
        "lastTransitionTime": since,
    })
}

/// The disruption controller's pass over the budgets of `namespace`: writes the ones whose
/// status changes.
pub fn recompute(txn: &mut Txn<'_>, namespace: &str) {
    let pdbs = txn.list(&Prefix::new(GROUP, "poddisruptionbudgets", Some(namespace)));
    if pdbs.is_empty() {
        return;
    }
    let pods = txn.list(&Prefix::new("", "pods", Some(namespace)));
    for mut pdb in pdbs {
        let status = status(&pdb, &pods);
        if pdb.get("status") == Some(&status) {
            continue;
        }
        let name = meta_str(&pdb, "name").to_string();
        pdb["status"] = status;
        txn.put(
            &Key::new(GROUP, "poddisruptionbudgets", namespace, &name),
            pdb,
        );
    }
}

fn too_many_requests(cause: String) -> ApiError {
    ApiError {
        code: 429,
        reason: "TooManyRequests",
        message: MESSAGE.into(),
        details: Some(Box::new(StatusDetails {
            causes: vec![StatusCause {
                reason: Some("DisruptionBudget".into()),
                message: Some(cause),
                field: None,
            }],
            ..Default::default()
        })),
    }
}

/// The eviction's budget check for `pod` (`EvictionREST.Create`): `Ok` when it may go (the
/// budget, if any, is charged: `disruptionsAllowed` goes down and the pod is listed in
/// `disruptedPods`, unless `dry_run`), else the real 429 (or 500 for a pod under several
/// budgets).
pub fn check_eviction(txn: &mut Txn<'_>, pod: &Value, dry_run: bool) -> Result<(), ApiError> {
    let phase = pod.pointer("/status/phase").and_then(Value::as_str);
    if matches!(phase, Some("Succeeded" | "Failed" | "Pending"))
        || !meta_str(pod, "deletionTimestamp").is_empty()
    {
        return Ok(());
    }
    let labels_empty = pod
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty);
    if labels_empty {
        return Ok(());
    }
    let namespace = meta_str(pod, "namespace");
    let pdbs: Vec<Value> = txn
        .list(&Prefix::new(GROUP, "poddisruptionbudgets", Some(namespace)))
        .into_iter()
        .filter(|p| selects(p, pod))
        .collect();
    let mut pdb = match pdbs.as_slice() {
        [] => return Ok(()),
        [one] => one.clone(),
        _ => {
            return Err(ApiError::internal(
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
            ));
        }
    };
    let name = meta_str(&pdb, "name").to_string();
    let st = |f: &str| pdb.pointer(&format!("/status/{f}")).and_then(Value::as_i64);
    let (healthy, desired) = (
        st("currentHealthy").unwrap_or(0),
        st("desiredHealthy").unwrap_or(0),
    );
    if !ready(pod) {
        let policy = pdb
            .pointer("/spec/unhealthyPodEvictionPolicy")
            .and_then(Value::as_str);
        if policy == Some("AlwaysAllow") || (healthy >= desired && desired > 0) {
            return Ok(());
        }
    }
    let generation = pdb
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    if st("observedGeneration").unwrap_or(0) < generation {
        return Err(too_many_requests(format!(
            "The disruption budget {name} is still being processed by the server."
        )));
    }
    let allowed = st("disruptionsAllowed").unwrap_or(0);
    if allowed <= 0 {
        return Err(too_many_requests(format!(
            "The disruption budget {name} needs {desired} healthy pods and has {healthy} currently"
        )));
    }
    if dry_run {
        return Ok(());
    }
    let status = objects::object_of(
        objects::object_of(&mut pdb)
            .entry("status")
            .or_insert_with(|| json!({})),
    );
    status.insert("disruptionsAllowed".into(), json!(allowed - 1));
    let disrupted = objects::object_of(status.entry("disruptedPods").or_insert_with(|| json!({})));
    disrupted.insert(meta_str(pod, "name").to_string(), json!(objects::now()));
    if allowed - 1 == 0 {
        let old = Value::Object(status.clone());
        status.insert(
            "conditions".into(),
            json!([condition(&old, false, generation)]),
        );
    }
    txn.put(
        &Key::new(GROUP, "poddisruptionbudgets", namespace, &name),
        pdb,
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pod(name: &str, ready: bool) -> Value {
        json!({"metadata": {"name": name, "labels": {"app": "web"}},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}})
    }

    #[test]
    fn status_counts_healthy_pods_against_the_budget() {
        let pdb = json!({"metadata": {"name": "b", "generation": 1},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}});
        let pods = vec![pod("a", true), pod("b", true), pod("c", false)];
        let s = status(&pdb, &pods);
        assert_eq!(s["expectedPods"], 3);
        assert_eq!(s["currentHealthy"], 2);
        assert_eq!(s["desiredHealthy"], 2);
        assert_eq!(s["disruptionsAllowed"], 0);
        assert_eq!(s["conditions"][0]["reason"], "InsufficientPods");
        let pct = json!({"metadata": {"name": "b"},
            "spec": {"maxUnavailable": "50%", "selector": {"matchLabels": {"app": "web"}}}});
        let s = status(&pct, &pods);
        assert_eq!(s["desiredHealthy"], 1);
        assert_eq!(s["disruptionsAllowed"], 1);
        assert_eq!(s["conditions"][0]["status"], "True");
        let none = json!({"metadata": {"name": "b"}, "spec": {"minAvailable": 1}});
        assert_eq!(status(&none, &pods)["expectedPods"], 0);
    }
}
