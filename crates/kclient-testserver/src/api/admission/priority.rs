//! Priority admission (`plugin/pkg/admission/priority/admission.go`): a new pod's
//! `priorityClassName` is resolved from the PriorityClasses (403 `no PriorityClass with name X
//! was found`), or, without one, from the `globalDefault` class (the lowest value if several),
//! else priority 0; `priority` and `preemptionPolicy` come from the class and may not be given
//! differently. PriorityClasses: `preemptionPolicy` defaults to `PreemptLowerPriority`, and
//! only one may be the global default.

use serde_json::{Value, json};

use super::forbidden;
use crate::api::objects::meta_str;
use crate::api::status::ApiError;
use crate::registry::Resource;
use crate::store::{Prefix, Txn};

const PREEMPT_LOWER: &str = "PreemptLowerPriority";

fn classes(txn: &Txn<'_>) -> Vec<Value> {
    txn.list(&Prefix::new("scheduling.k8s.io", "priorityclasses", None))
}

fn is_default(class: &Value) -> bool {
    class.get("globalDefault").and_then(Value::as_bool) == Some(true)
}

/// Runs the plugin on a pod being created.
pub fn admit_pod(txn: &Txn<'_>, res: &Resource, pod: &mut Value) -> Result<(), ApiError> {
    let snapshot = pod.clone();
    let name = pod
        .pointer("/spec/priorityClassName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let all = classes(txn);
    let class = if name.is_empty() {
        all.iter()
            .filter(|c| is_default(c))
            .min_by_key(|c| c.get("value").and_then(Value::as_i64).unwrap_or(0))
    } else {
        let found = all.iter().find(|c| meta_str(c, "name") == name);
        if found.is_none() {
            return Err(forbidden(
                res,
                &snapshot,
                &format!("no PriorityClass with name {name} was found"),
            ));
        }
        found
    };
    let (class_name, value, policy) = match class {
        Some(c) => (
            meta_str(c, "name").to_string(),
            c.get("value").and_then(Value::as_i64).unwrap_or(0),
            c.get("preemptionPolicy")
                .and_then(Value::as_str)
                .unwrap_or(PREEMPT_LOWER)
                .to_string(),
        ),
        None => (String::new(), 0, PREEMPT_LOWER.to_string()),
    };
    let given = pod.pointer("/spec/priority").and_then(Value::as_i64);
    if let Some(p) = given.filter(|p| *p != value) {
        return Err(forbidden(
            res,
            &snapshot,
            &format!(
                "the integer value of priority ({p}) must not be provided in pod spec; priority admission controller computed {value} from the given PriorityClass name"
            ),
        ));
    }
    let given = pod
        .pointer("/spec/preemptionPolicy")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty());
    if let Some(p) = given.filter(|p| *p != policy) {
        return Err(forbidden(
            res,
            &snapshot,
            &format!(
                "the string value of PreemptionPolicy ({p}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
            ),
        ));
    }
    if let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) {
        if !class_name.is_empty() {
            spec.insert("priorityClassName".into(), json!(class_name));
        }
        spec.insert("priority".into(), json!(value));
        spec.insert("preemptionPolicy".into(), json!(policy));
    }
    Ok(())
}

/// A pod update that leaves out `priority` or `preemptionPolicy` keeps the stored ones.
pub fn keep_on_update(old: &Value, new: &mut Value) {
    for field in ["priority", "preemptionPolicy"] {
        let missing = new
            .pointer(&format!("/spec/{field}"))
            .is_none_or(Value::is_null);
        if let Some(v) = old.pointer(&format!("/spec/{field}")).filter(|_| missing)
            && let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut)
        {
            spec.insert(field.into(), v.clone());
        }
    }
}

/// Runs the plugin on a PriorityClass being created.
pub fn admit_class(txn: &Txn<'_>, res: &Resource, class: &mut Value) -> Result<(), ApiError> {
    if let Some(m) = class.as_object_mut()
        && m.get("preemptionPolicy").is_none_or(Value::is_null)
    {
        m.insert("preemptionPolicy".into(), json!(PREEMPT_LOWER));
    }
    if is_default(class)
        && let Some(other) = classes(txn).iter().find(|c| is_default(c))
    {
        return Err(forbidden(
            res,
            class,
            &format!(
                "PriorityClass {} is already marked as default. Only one default can exist",
                meta_str(other, "name")
            ),
        ));
    }
    Ok(())
}
