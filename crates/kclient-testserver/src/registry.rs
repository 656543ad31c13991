//! Looks resources up in the generated tables, and knows the per-resource behaviour the real
//! registry hard-codes (which resources return the deleted object, track `generation`, which name
//! rules apply, …).

use kclient_apimachinery::{GroupKind, GroupResource};

use crate::crd::{CrdVersion, Served};
use crate::generated::resources::GROUPS;
use crate::tables::{ApiGroup, ApiResource, ApiSubresource, ApiVersion};

/// A resource served at one group/version.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The group (empty for core).
    pub group: &'static str,
    /// The version of the request.
    pub version: &'static str,
    /// The table entry.
    pub info: &'static ApiResource,
    /// What a CRD says about the resource, for custom resources.
    pub crd: Option<&'static CrdVersion>,
}

/// How names of a resource are validated (`ValidateXName` in the real registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// An RFC 1123 subdomain (most resources).
    Subdomain,
    /// An RFC 1123 label (namespaces).
    Label,
    /// An RFC 1035 label (services).
    Rfc1035Label,
    /// Any path segment: not `.`/`..`, no `/` or `%` (RBAC objects).
    PathSegment,
}

/// Finds a group by name (`""` for core).
pub fn group(name: &str) -> Option<&'static ApiGroup> {
    GROUPS.iter().find(|g| g.name == name)
}

/// Finds a served group/version.
pub fn group_version(group_name: &str, version: &str) -> Option<&'static ApiVersion> {
    group(group_name)?
        .versions
        .iter()
        .find(|v| v.version == version)
}

/// Finds a resource served at group/version.
pub fn lookup(group_name: &str, version: &str, resource: &str) -> Option<Resource> {
    let g = group(group_name)?;
    let v = g.versions.iter().find(|v| v.version == version)?;
    let info = v.resources.iter().find(|r| r.name == resource)?;
    Some(Resource {
        group: g.name,
        version: v.version,
        info,
        crd: None,
    })
}

/// Finds the resource of `kind` at group/version (for apiVersion/kind checks).
pub fn by_kind(group_name: &str, version: &str, kind: &str) -> Option<Resource> {
    let g = group(group_name)?;
    let v = g.versions.iter().find(|v| v.version == version)?;
    let info = v.resources.iter().find(|r| r.kind == kind)?;
    Some(Resource {
        group: g.name,
        version: v.version,
        info,
        crd: None,
    })
}

impl From<Served> for Resource {
    fn from(s: Served) -> Self {
        Self {
            group: s.group,
            version: s.version,
            info: s.info,
            crd: Some(s.crd),
        }
    }
}

impl Resource {
    /// Whether this is a custom resource (served because of a CRD).
    pub fn is_custom(&self) -> bool {
        self.crd.is_some()
    }

    /// Whether this is the `customresourcedefinitions` resource itself.
    pub fn is_crd(&self) -> bool {
        self.group == crate::crd::CRD_GROUP && self.info.name == crate::crd::CRD_RESOURCE
    }

    /// The plural resource name.
    pub fn name(&self) -> &'static str {
        self.info.name
    }

    /// `configmaps`, `deployments.apps`: the form used in messages.
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(self.group, self.info.name)
    }

    /// `ConfigMap`, `Deployment.apps`: the form used in Invalid messages.
    pub fn group_kind(&self) -> GroupKind {
        GroupKind::new(self.group, self.info.kind)
    }

    /// The apiVersion of responses: `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The kind of objects.
    pub fn kind(&self) -> &'static str {
        self.info.kind
    }

    /// Whether objects live in namespaces.
    pub fn namespaced(&self) -> bool {
        self.info.namespaced
    }

    /// Whether the resource supports `verb`.
    pub fn supports(&self, verb: &str) -> bool {
        self.info.verbs.contains(&verb)
    }

    /// A subresource by name.
    pub fn subresource(&self, name: &str) -> Option<&'static ApiSubresource> {
        self.info.subresources.iter().find(|s| s.name == name)
    }

    /// Whether the resource has a `status` subresource (so the main resource ignores status).
    pub fn has_status(&self) -> bool {
        self.subresource("status").is_some()
    }

    /// Whether DELETE answers with the deleted object (`ReturnDeletedObject` in the registry)
    /// rather than a `Status` of `Success`.
    pub fn returns_deleted_object(&self) -> bool {
        matches!(
            (self.group, self.info.name),
            ("", "pods")
                | ("", "serviceaccounts")
                | ("", "services")
                | ("", "namespaces")
                | ("storage.k8s.io", "storageclasses")
                | ("apiextensions.k8s.io", "customresourcedefinitions")
        )
    }

    /// Whether the registry maintains `metadata.generation` (set to 1 on create, bumped when
    /// anything but metadata and status changes).
    pub fn tracks_generation(&self) -> bool {
        if self.is_custom() {
            return true;
        }
        let exempt = matches!(
            (self.group, self.info.name),
            ("", "namespaces")
                | ("", "nodes")
                | ("", "persistentvolumes")
                | ("", "persistentvolumeclaims")
                | ("", "services")
                | ("", "resourcequotas")
                | ("certificates.k8s.io", _)
                | ("apiregistration.k8s.io", _)
                | ("coordination.k8s.io", _)
                | ("storage.k8s.io", _)
        );
        self.has_status() && !exempt
    }

    /// Whether PUT of a missing object creates it (`AllowCreateOnUpdate`).
    pub fn allows_create_on_update(&self) -> bool {
        matches!(
            (self.group, self.info.name),
            ("", "endpoints") | ("", "events") | ("events.k8s.io", "events")
        )
    }

    /// Which name rule applies.
    pub fn name_rule(&self) -> NameRule {
        match (self.group, self.info.name) {
            ("", "namespaces") => NameRule::Label,
            ("", "services") => NameRule::Rfc1035Label,
            ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
            _ => NameRule::Subdomain,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_resources_and_kinds() {
        let cm = lookup("", "v1", "configmaps").unwrap();
        assert_eq!(cm.kind(), "ConfigMap");
        assert!(cm.namespaced());
        assert!(!cm.has_status());
        assert_eq!(cm.api_version(), "v1");
        let dep = lookup("apps", "v1", "deployments").unwrap();
        assert!(dep.has_status());
        assert!(dep.tracks_generation());
        assert_eq!(dep.group_resource().to_string(), "deployments.apps");
        assert_eq!(
            by_kind("apps", "v1", "Deployment").unwrap().name(),
            "deployments"
        );
        assert!(lookup("apps", "v2", "deployments").is_none());
        assert!(group_version("autoscaling", "v2").is_some());
    }
}
