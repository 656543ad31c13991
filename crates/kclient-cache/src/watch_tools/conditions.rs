//! Conditions for [`await_condition`](super::await_condition): each returns a function of the
//! object's current state (`None`: it does not exist) that says whether the wait is over, or
//! fails it ([`Error::ConditionFailed`]) when the state can no longer become the one waited
//! for. The typed ones (pods, deployments) need the `typed` feature.

use kclient_apimachinery::{MetaAccessor, Unstructured};

use crate::Error;

/// The object does not exist (it was deleted, or never was).
pub fn is_deleted<T>() -> impl FnMut(Option<&T>) -> Result<bool, Error> {
    |obj| Ok(obj.is_none())
}

/// The object with `uid` is gone: none exists, or one with another uid (re-created) does.
pub fn is_deleted_uid<T: MetaAccessor>(uid: &str) -> impl FnMut(Option<&T>) -> Result<bool, Error> {
    let uid = uid.to_string();
    move |obj| Ok(obj.is_none_or(|o| o.uid() != Some(uid.as_str())))
}

/// `status.conditions` has a condition of `type_` with status `status` (for any kind with
/// standard conditions, as [`Unstructured`]).
pub fn has_condition(
    type_: &str,
    status: &str,
) -> impl FnMut(Option<&Unstructured>) -> Result<bool, Error> {
    let (type_, status) = (type_.to_string(), status.to_string());
    move |obj| {
        Ok(obj.is_some_and(|o| {
            o.nested_slice(&["status", "conditions"])
                .ok()
                .flatten()
                .into_iter()
                .flatten()
                .any(|c| {
                    c.get("type").and_then(|v| v.as_str()) == Some(type_.as_str())
                        && c.get("status").and_then(|v| v.as_str()) == Some(status.as_str())
                })
        }))
    }
}

/// A CustomResourceDefinition is `Established` (its resource is served); fails if its names
/// were refused (`NamesAccepted` is `False`).
pub fn crd_established() -> impl FnMut(Option<&Unstructured>) -> Result<bool, Error> {
    let mut established = has_condition("Established", "True");
    let mut refused = has_condition("NamesAccepted", "False");
    move |obj| {
        if refused(obj)? {
            return Err(Error::ConditionFailed {
                what: format!(
                    "the names of CustomResourceDefinition {} were not accepted",
                    obj.and_then(Unstructured::name).unwrap_or_default()
                ),
            });
        }
        established(obj)
    }
}

#[cfg(feature = "typed")]
pub use typed::{deployment_rolled_out, pod_running};

#[cfg(feature = "typed")]
mod typed {
    use kclient_apimachinery::MetaAccessor;
    use kclient_typed::api::apps::v1::Deployment;
    use kclient_typed::api::core::v1::Pod;

    use crate::Error;

    /// The pod is `Running`; fails once it has terminated (`Succeeded` or `Failed`), since it
    /// will never run again.
    pub fn pod_running() -> impl FnMut(Option<&Pod>) -> Result<bool, Error> {
        |pod| {
            let Some(pod) = pod else { return Ok(false) };
            match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
                Some("Running") => Ok(true),
                Some(phase @ ("Succeeded" | "Failed")) => Err(Error::ConditionFailed {
                    what: format!(
                        "pod {} has terminated (phase {phase})",
                        pod.namespaced_key()
                    ),
                }),
                _ => Ok(false),
            }
        }
    }

    /// The deployment's rollout is complete, as `kubectl rollout status` decides: the
    /// controller has seen the latest spec, every replica is updated and available, and no old
    /// replica is left. Fails if the rollout exceeded its progress deadline.
    pub fn deployment_rolled_out() -> impl FnMut(Option<&Deployment>) -> Result<bool, Error> {
        |d| {
            let Some(d) = d else { return Ok(false) };
            let Some(status) = d.status.as_ref() else {
                return Ok(false);
            };
            let stalled = status.conditions.iter().flatten().any(|c| {
                c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
            });
            if stalled {
                return Err(Error::ConditionFailed {
                    what: format!(
                        "deployment {} exceeded its progress deadline",
                        d.namespaced_key()
                    ),
                });
            }
            let generation = d.metadata.generation.unwrap_or(0);
            if status.observed_generation.unwrap_or(0) < generation {
                return Ok(false);
            }
            let wanted = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let updated = status.updated_replicas.unwrap_or(0);
            let total = status.replicas.unwrap_or(0);
            let available = status.available_replicas.unwrap_or(0);
            Ok(updated >= wanted && total <= updated && available >= updated)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crd(conditions: serde_json::Value) -> Unstructured {
        Unstructured::from_value(json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com", "uid": "u1"},
            "status": {"conditions": conditions}
        }))
        .unwrap()
    }

    #[test]
    fn crd_conditions() {
        let mut established = crd_established();
        assert!(!established(None).unwrap());
        assert!(!established(Some(&crd(json!([])))).unwrap());
        let ok = crd(
            json!([{"type": "NamesAccepted", "status": "True"}, {"type": "Established", "status": "True"}]),
        );
        assert!(established(Some(&ok)).unwrap());
        let refused = crd(json!([{"type": "NamesAccepted", "status": "False"}]));
        assert!(established(Some(&refused)).is_err());
    }

    #[test]
    fn deletion() {
        let obj = crd(json!([]));
        assert!(is_deleted::<Unstructured>()(None).unwrap());
        assert!(!is_deleted()(Some(&obj)).unwrap());
        assert!(!is_deleted_uid("u1")(Some(&obj)).unwrap());
        assert!(is_deleted_uid("u0")(Some(&obj)).unwrap());
    }

    #[cfg(feature = "typed")]
    #[test]
    fn pods_and_deployments() {
        use kclient_typed::api::apps::v1::Deployment;
        use kclient_typed::api::core::v1::Pod;
        let pod = |phase: &str| -> Pod {
            serde_json::from_value(
                json!({"metadata": {"name": "p", "namespace": "ns"}, "status": {"phase": phase}}),
            )
            .unwrap()
        };
        let mut running = pod_running();
        assert!(!running(Some(&pod("Pending"))).unwrap());
        assert!(running(Some(&pod("Running"))).unwrap());
        assert!(running(Some(&pod("Failed"))).is_err());
        let deploy = |status: serde_json::Value| -> Deployment {
            serde_json::from_value(json!({"metadata": {"name": "d", "generation": 2}, "spec": {"replicas": 2, "selector": {}, "template": {}}, "status": status})).unwrap()
        };
        let mut done = deployment_rolled_out();
        assert!(!done(Some(&deploy(json!({"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2})))).unwrap());
        assert!(!done(Some(&deploy(json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2})))).unwrap());
        assert!(done(Some(&deploy(json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2})))).unwrap());
        let stalled = deploy(
            json!({"conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
        );
        assert!(done(Some(&stalled)).is_err());
    }
}
