//! The admission plugins a v1.36 kube-apiserver runs by default, in its order
//! (`pkg/kubeapiserver/options/plugins.go`), on the objects a request creates: LimitRanger,
//! ServiceAccount, Priority, DefaultTolerationSeconds, DefaultStorageClass, DefaultIngressClass,
//! then ResourceQuota last (NamespaceLifecycle is in `namespaces`). Each plugin is a module
//! named after it; they run inside the creating transaction, so what they read (the
//! ServiceAccount, the PriorityClasses, the LimitRanges, the quotas) is what the object is
//! stored against. Pure functions over the transaction: refusals are the real 403s.

pub mod classes;
pub mod limits;
pub mod priority;
pub mod quota;
pub mod serviceaccount;
pub mod tolerations;

use serde_json::Value;

use super::State;
use super::objects::meta_str;
use super::status::ApiError;
use crate::registry::Resource;
use crate::store::Txn;

/// `admission.NewForbidden`: `pods "p" is forbidden: <why>`.
pub fn forbidden(res: &Resource, obj: &Value, why: &str) -> ApiError {
    let name = match meta_str(obj, "name") {
        "" => meta_str(obj, "generateName"),
        n => n,
    };
    ApiError::forbidden(&res.group_resource(), name, why)
}

fn is(res: &Resource, group: &str, resource: &str) -> bool {
    !res.is_custom() && res.group == group && res.name() == resource
}

/// The mutating and validating admission of a create of `obj` (already defaulted and
/// validated) in `namespace`. A quota the object counts against is charged in the same
/// transaction unless `dry_run`.
pub fn create(
    txn: &mut Txn<'_>,
    res: &Resource,
    namespace: &str,
    obj: &mut Value,
    dry_run: bool,
) -> Result<(), ApiError> {
    if res.is_custom() {
        return quota::admit(txn, res, namespace, obj, dry_run);
    }
    if is(res, "", "pods") {
        limits::admit_pod(txn, res, namespace, obj)?;
        serviceaccount::admit(txn, res, namespace, obj)?;
        priority::admit_pod(txn, res, obj)?;
        tolerations::admit(obj);
    }
    if is(res, "", "limitranges") {
        limits::default_limit_range(obj);
    }
    if is(res, "scheduling.k8s.io", "priorityclasses") {
        priority::admit_class(txn, res, obj)?;
    }
    if is(res, "", "persistentvolumeclaims") {
        classes::default_storage_class(txn, obj);
    }
    if is(res, "networking.k8s.io", "ingresses") {
        classes::default_ingress_class(txn, obj);
    }
    quota::admit(txn, res, namespace, obj, dry_run)
}

/// What an update (PUT) goes through: a pod keeps the stored `priority` and
/// `preemptionPolicy` when the new object leaves them out (the Priority plugin on UPDATE); a
/// LimitRange's items are defaulted as on create.
pub fn update(res: &Resource, old: &Value, new: &mut Value) {
    if is(res, "", "pods") {
        priority::keep_on_update(old, new);
    }
    if is(res, "", "limitranges") {
        limits::default_limit_range(new);
    }
}

/// What the controllers do at once after `stored` was created (the real ones react within
/// milliseconds): a new namespace gets its `default` ServiceAccount and `kube-root-ca.crt`; a
/// new ResourceQuota its `status`; a new aggregated ClusterRole its rules; a new
/// PodDisruptionBudget its `status`.
pub fn after_create(txn: &mut Txn<'_>, state: &State, res: &Resource, stored: &Value) {
    if res.is_custom() {
        return;
    }
    let ns = meta_str(stored, "namespace").to_string();
    match (res.group, res.name()) {
        ("", "namespaces") => {
            super::bootstrap::namespace_contents(txn, state, meta_str(stored, "name"));
        }
        ("", "resourcequotas") => quota::recompute(txn, &ns),
        ("rbac.authorization.k8s.io", "clusterroles") => {
            super::bootstrap::rbac::reconcile_aggregation(txn);
        }
        ("policy", "poddisruptionbudgets") => super::disruption::recompute(txn, &ns),
        _ => {}
    }
}
