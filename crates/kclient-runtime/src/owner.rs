//! Owner references: building them (apimachinery's `metav1.NewControllerRef`, controller-runtime's
//! `SetControllerReference` / `SetOwnerReference`) and reading an object's controller
//! (`metav1.GetControllerOf`). Kubernetes' garbage collector deletes children whose owners are
//! gone; owners and children must share a namespace (or the owner is cluster-scoped).

use kclient_apimachinery::meta::{ObjectMeta, OwnerReference};
use kclient_apimachinery::{MetaAccessor, Resource};

use crate::Error;

fn reference<K>(owner: &K, controller: bool, what: &'static str) -> Result<OwnerReference, Error>
where
    K: MetaAccessor + Resource<DynamicType = ()>,
{
    let name = owner
        .name()
        .filter(|n| !n.is_empty())
        .ok_or(Error::IncompleteObject {
            what,
            missing: "name",
        })?;
    let uid = owner
        .uid()
        .filter(|u| !u.is_empty())
        .ok_or(Error::IncompleteObject {
            what,
            missing: "uid",
        })?;
    Ok(OwnerReference {
        api_version: K::api_version(&()),
        kind: K::kind(&()).into_owned(),
        name: name.to_string(),
        uid: uid.to_string(),
        controller: controller.then_some(true),
        block_owner_deletion: controller.then_some(true),
    })
}

/// A controller reference to `owner` (`controller: true`, `blockOwnerDeletion: true`), as
/// `metav1.NewControllerRef`. Fails if the owner has no name or uid (it was not read from the
/// server).
pub fn controller_reference<K>(owner: &K) -> Result<OwnerReference, Error>
where
    K: MetaAccessor + Resource<DynamicType = ()>,
{
    reference(owner, true, "build a controller reference")
}

/// A plain (non-controller) owner reference to `owner`.
pub fn owner_reference<K>(owner: &K) -> Result<OwnerReference, Error>
where
    K: MetaAccessor + Resource<DynamicType = ()>,
{
    reference(owner, false, "build an owner reference")
}

/// The controller reference in `meta`, if any (`metav1.GetControllerOf`).
pub fn controller_of(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references
        .iter()
        .find(|r| r.controller == Some(true))
}

fn same_owner(a: &OwnerReference, b: &OwnerReference) -> bool {
    // The group and kind identify the owner's type; the version may differ.
    let group = |v: &str| {
        v.rsplit_once('/')
            .map(|(g, _)| g.to_string())
            .unwrap_or_default()
    };
    group(&a.api_version) == group(&b.api_version) && a.kind == b.kind && a.name == b.name
}

/// Makes `owner` the controller of the object whose metadata is `child` (controller-runtime's
/// `SetControllerReference`): adds or updates the reference; fails if another object already
/// controls it.
pub fn set_controller_reference<K>(owner: &K, child: &mut ObjectMeta) -> Result<(), Error>
where
    K: MetaAccessor + Resource<DynamicType = ()>,
{
    let reference = controller_reference(owner)?;
    if let Some(existing) = controller_of(child)
        && !same_owner(existing, &reference)
    {
        return Err(Error::AlreadyOwned {
            object: format!(
                "{}/{}",
                child.namespace.as_deref().unwrap_or_default(),
                child.name.as_deref().unwrap_or_default()
            ),
            kind: existing.kind.clone(),
            name: existing.name.clone(),
        });
    }
    upsert(child, reference);
    Ok(())
}

/// Adds `owner` as a (non-controller) owner of `child`, or updates its reference
/// (controller-runtime's `SetOwnerReference`).
pub fn set_owner_reference<K>(owner: &K, child: &mut ObjectMeta) -> Result<(), Error>
where
    K: MetaAccessor + Resource<DynamicType = ()>,
{
    let reference = owner_reference(owner)?;
    upsert(child, reference);
    Ok(())
}

fn upsert(child: &mut ObjectMeta, reference: OwnerReference) {
    match child
        .owner_references
        .iter_mut()
        .find(|r| same_owner(r, &reference))
    {
        Some(existing) => *existing = reference,
        None => child.owner_references.push(reference),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use kclient_typed::api::core::v1::ConfigMap;

    fn cm(name: &str, uid: &str) -> ConfigMap {
        let mut meta = ObjectMeta::namespaced("ns", name);
        meta.uid = Some(uid.to_string());
        ConfigMap {
            metadata: meta,
            ..ConfigMap::default()
        }
    }

    #[test]
    fn controller_references() {
        let owner = cm("owner", "u-1");
        let r = controller_reference(&owner).unwrap();
        assert_eq!(
            (r.api_version.as_str(), r.kind.as_str()),
            ("v1", "ConfigMap")
        );
        assert_eq!((r.name.as_str(), r.uid.as_str()), ("owner", "u-1"));
        assert_eq!(
            (r.controller, r.block_owner_deletion),
            (Some(true), Some(true))
        );
        let plain = owner_reference(&owner).unwrap();
        assert_eq!(plain.controller, None);

        let mut child = ObjectMeta::namespaced("ns", "child");
        set_controller_reference(&owner, &mut child).unwrap();
        set_controller_reference(&owner, &mut child).unwrap();
        assert_eq!(child.owner_references.len(), 1);
        assert_eq!(controller_of(&child).unwrap().uid, "u-1");
        let err = set_controller_reference(&cm("other", "u-2"), &mut child).unwrap_err();
        assert!(matches!(err, Error::AlreadyOwned { .. }), "{err}");
        set_owner_reference(&cm("other", "u-2"), &mut child).unwrap();
        assert_eq!(child.owner_references.len(), 2);
        assert_eq!(controller_of(&child).unwrap().name, "owner");

        let no_uid = ConfigMap {
            metadata: ObjectMeta::namespaced("ns", "x"),
            ..ConfigMap::default()
        };
        let err = controller_reference(&no_uid).unwrap_err();
        assert!(err.to_string().contains("uid"), "{err}");
    }
}
