//! The shapes of the generated resource tables (`generated/resources.rs`): every API group,
//! version and resource the server serves, as a Kubernetes v1.36 server lists them in discovery;
//! and of the strategic-merge-patch table (`generated/patch_strategies.rs`).

/// One API group (the legacy core group has an empty name).
#[derive(Debug, Clone, Copy)]
pub struct ApiGroup {
    /// The group name, such as `apps`; empty for the core group.
    pub name: &'static str,
    /// The version the server prefers for this group.
    pub preferred_version: &'static str,
    /// The versions served, in the server's preference order.
    pub versions: &'static [ApiVersion],
}

/// One version of a group and the resources it serves.
#[derive(Debug, Clone, Copy)]
pub struct ApiVersion {
    /// The version, such as `v1` or `v1beta1`.
    pub version: &'static str,
    /// Top-level resources, sorted by name.
    pub resources: &'static [ApiResource],
}

/// One top-level resource, such as `pods`.
#[derive(Debug, Clone, Copy)]
pub struct ApiResource {
    /// The plural resource name used in paths, such as `configmaps`.
    pub name: &'static str,
    /// The singular name, such as `configmap`.
    pub singular_name: &'static str,
    /// The kind of the objects, such as `ConfigMap`.
    pub kind: &'static str,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// The verbs supported, such as `get`, `list`, `watch`.
    pub verbs: &'static [&'static str],
    /// Short names, such as `cm`.
    pub short_names: &'static [&'static str],
    /// Categories, such as `all`.
    pub categories: &'static [&'static str],
    /// The storage version hash the server advertises, if any.
    pub storage_version_hash: Option<&'static str>,
    /// Subresources, sorted by name.
    pub subresources: &'static [ApiSubresource],
}

/// One subresource, such as `status` or `scale`.
#[derive(Debug, Clone, Copy)]
pub struct ApiSubresource {
    /// The subresource name, such as `status`.
    pub name: &'static str,
    /// The kind it accepts and returns, such as `Scale`.
    pub kind: &'static str,
    /// The group of that kind when it differs from the parent's (e.g. `autoscaling`).
    pub group: Option<&'static str>,
    /// The version of that kind when it differs from the parent's.
    pub version: Option<&'static str>,
    /// The verbs supported on the subresource.
    pub verbs: &'static [&'static str],
}

/// A definition (Go type) with fields that matter to strategic merge patch.
#[derive(Debug, Clone, Copy)]
pub struct PatchStruct {
    /// The OpenAPI definition name, such as `io.k8s.api.core.v1.PodSpec`.
    pub name: &'static str,
    /// The fields with a patch strategy or leading to a definition with one, sorted by name.
    pub fields: &'static [PatchField],
}

/// One field of a [`PatchStruct`].
#[derive(Debug, Clone, Copy)]
pub struct PatchField {
    /// The JSON field name.
    pub name: &'static str,
    /// `x-kubernetes-patch-strategy` (`merge`, `retainKeys`, `merge,retainKeys`, `replace`) or "".
    pub strategy: &'static str,
    /// `x-kubernetes-patch-merge-key`, or "" (lists of primitives, or no strategy).
    pub merge_key: &'static str,
    /// The definition of the field's value (of list items, of map values), when it matters.
    pub target: Option<&'static str>,
    /// Whether the field is a map whose values are `target`.
    pub map: bool,
}

/// The definition of the objects of one group/version/kind.
#[derive(Debug, Clone, Copy)]
pub struct KindRoot {
    /// The group ("" for core).
    pub group: &'static str,
    /// The version.
    pub version: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// The definition name.
    pub def: &'static str,
}
