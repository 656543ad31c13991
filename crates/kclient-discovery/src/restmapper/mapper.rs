//! `RestMapper`: resources and kinds as discovery describes them, and the lookups between them
//! (client-go's `NewDiscoveryRESTMapper`, i.e. a `PriorityRESTMapper` over one
//! `DefaultRESTMapper` per group/version).
//!
//! Priority decides between matches in different group/versions, exactly as client-go does: the
//! core `v1` first, then each group in discovery order with its preferred version before its
//! other versions. Matches that priority cannot separate are an [`Error::Ambiguous`].

use std::collections::BTreeMap;

use kclient_apimachinery::{GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource};

use crate::Discovery;
use crate::error::Error;
use crate::interface::Partial;
use crate::types::{ApiGroup, ApiResource, ApiResourceList};

/// One group and the resources of each of its versions (client-go's `APIGroupResources`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiGroupResources {
    /// The group, with its versions and preferred version.
    pub group: ApiGroup,
    /// Version to the resources (and subresources) it serves.
    pub versioned_resources: BTreeMap<String, Vec<ApiResource>>,
}

/// Every group with its resources (client-go's `GetAPIGroupResources`). Group/versions that
/// could not be discovered are missing from the value and listed in [`Partial::failed`].
pub async fn get_api_group_resources<D: Discovery + ?Sized>(
    discovery: &D,
) -> Result<Partial<Vec<ApiGroupResources>>, Error> {
    let found = discovery.server_groups_and_resources().await?;
    Ok(found.map(|all| {
        let mut by_gv: BTreeMap<String, ApiResourceList> = all
            .resources
            .into_iter()
            .map(|l| (l.group_version.clone(), l))
            .collect();
        all.groups
            .into_iter()
            .map(|group| {
                let versioned_resources = group
                    .versions
                    .iter()
                    .filter_map(|v| {
                        let list = by_gv.remove(&v.group_version)?;
                        Some((v.version.clone(), list.resources))
                    })
                    .collect();
                ApiGroupResources {
                    group,
                    versioned_resources,
                }
            })
            .collect()
    }))
}

/// What a resource is: its names, kind, scope and verbs (client-go's `RESTMapping`, plus the
/// discovery details kubectl shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMapping {
    /// The resource, with the plural name used in URLs.
    pub resource: GroupVersionResource,
    /// The kind of its objects.
    pub kind: GroupVersionKind,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// The singular name (guessed from the kind when the server lists none).
    pub singular: String,
    /// Short names, such as `deploy`.
    pub short_names: Vec<String>,
    /// Categories, such as `all`.
    pub categories: Vec<String>,
    /// Supported verbs.
    pub verbs: Vec<String>,
}

impl ResourceMapping {
    /// The run-time type information the dynamic client and informers use.
    pub fn api_resource(&self) -> kclient_apimachinery::ApiResource {
        kclient_apimachinery::ApiResource::new(
            &self.kind,
            self.resource.resource.clone(),
            self.namespaced,
        )
    }

    /// `resource.version.group`, the fully qualified name kubectl accepts.
    pub fn qualified_name(&self) -> String {
        let r = &self.resource;
        format!("{}.{}.{}", r.resource, r.version, r.group)
    }
}

/// One top-level resource, with its place in the priority order.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Index of its group/version in the priority order (lower wins).
    pub(crate) priority: usize,
    pub(crate) mapping: ResourceMapping,
}

/// Maps resource names and kinds to each other, built from discovery.
///
/// ```
/// use kclient_discovery::restmapper::{ApiGroupResources, RestMapper};
/// use kclient_discovery::types::{ApiGroup, ApiResource, GroupVersionForDiscovery};
/// use kclient_apimachinery::{GroupVersion, GroupVersionResource};
///
/// let apps_v1 = GroupVersion::new("apps", "v1");
/// let group = ApiGroupResources {
///     group: ApiGroup {
///         name: "apps".into(),
///         versions: vec![GroupVersionForDiscovery::new(&apps_v1)],
///         preferred_version: GroupVersionForDiscovery::new(&apps_v1),
///         ..Default::default()
///     },
///     versioned_resources: [("v1".to_string(), vec![ApiResource {
///         name: "deployments".into(),
///         singular_name: "deployment".into(),
///         namespaced: true,
///         kind: "Deployment".into(),
///         short_names: vec!["deploy".into()],
///         ..Default::default()
///     }])].into_iter().collect(),
/// };
/// let mapper = RestMapper::new(&[group]);
/// let m = mapper.resolve("deploy")?;
/// assert_eq!(m.resource, GroupVersionResource::new("apps", "v1", "deployments"));
/// assert_eq!(m.kind.kind, "Deployment");
/// # Ok::<(), kclient_discovery::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RestMapper {
    /// Top-level resources in discovery order (group order, then version order).
    pub(crate) entries: Vec<Entry>,
    pub(crate) policy: super::ShortNamePolicy,
}

impl RestMapper {
    /// A mapper over `groups` (in discovery order, the core group first).
    pub fn new(groups: &[ApiGroupResources]) -> Self {
        let priorities = priority_order(groups);
        let mut entries = Vec::new();
        for g in groups {
            for v in &g.group.versions {
                let Some(resources) = g.versioned_resources.get(&v.version) else {
                    continue;
                };
                let gv = GroupVersion::new(g.group.name.clone(), v.version.clone());
                let priority = priorities
                    .iter()
                    .position(|p| *p == gv)
                    .unwrap_or(priorities.len());
                for r in resources.iter().filter(|r| !r.is_subresource()) {
                    entries.push(Entry {
                        priority,
                        mapping: mapping_of(&gv, r),
                    });
                }
            }
        }
        Self {
            entries,
            policy: super::ShortNamePolicy::default(),
        }
    }

    /// A mapper built from what `discovery` finds now. Group/versions that fail are left out.
    pub async fn from_discovery<D: Discovery + ?Sized>(discovery: &D) -> Result<Self, Error> {
        let groups = get_api_group_resources(discovery).await?;
        if !groups.is_complete() {
            tracing::debug!(failed = %groups.failed, "building a RESTMapper from partial discovery");
        }
        Ok(Self::new(&groups.value))
    }

    /// The same mapper with another policy for short names shared by several resources.
    pub fn with_short_name_policy(mut self, policy: super::ShortNamePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Every top-level resource of every served version, in discovery order.
    pub fn mappings(&self) -> impl Iterator<Item = &ResourceMapping> {
        self.entries.iter().map(|e| &e.mapping)
    }

    /// Entries matching a partially specified resource (plural or singular name; group and
    /// version when given), best priority first.
    fn matching_resources(&self, partial: &GroupVersionResource) -> Vec<&Entry> {
        let name = partial.resource.to_lowercase();
        let mut found: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| {
                let r = &e.mapping.resource;
                (partial.group.is_empty() || partial.group == r.group)
                    && (partial.version.is_empty() || partial.version == r.version)
                    && (name == r.resource || name == e.mapping.singular)
            })
            .collect();
        found.sort_by_key(|e| e.priority);
        found
    }

    /// Every resource matching a partially specified one, best priority first (client-go's
    /// `ResourcesFor`).
    pub fn resources_for(
        &self,
        partial: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, Error> {
        let found = self.matching_resources(partial);
        if found.is_empty() {
            return Err(no_resource_match(partial));
        }
        Ok(found.iter().map(|e| e.mapping.resource.clone()).collect())
    }

    /// The one resource a partially specified resource means (client-go's `ResourceFor`).
    pub fn resource_for(
        &self,
        partial: &GroupVersionResource,
    ) -> Result<GroupVersionResource, Error> {
        Ok(self.mapping_for_resource(partial)?.resource.clone())
    }

    /// The kind of the one resource a partially specified resource means (client-go's `KindFor`).
    pub fn kind_for(&self, partial: &GroupVersionResource) -> Result<GroupVersionKind, Error> {
        Ok(self.mapping_for_resource(partial)?.kind.clone())
    }

    /// The full mapping of the one resource a partially specified resource means (no short-name
    /// expansion; see [`RestMapper::resolve`] for that).
    pub fn mapping_for_resource(
        &self,
        partial: &GroupVersionResource,
    ) -> Result<&ResourceMapping, Error> {
        let found = self.matching_resources(partial);
        let Some(first) = found.first() else {
            return Err(no_resource_match(partial));
        };
        let best: Vec<&Entry> = found
            .iter()
            .copied()
            .filter(|e| e.priority == first.priority)
            .collect();
        match best[..] {
            [only] => Ok(&only.mapping),
            _ => Err(Error::Ambiguous {
                input: describe_partial(partial),
                candidates: found.iter().map(|e| e.mapping.qualified_name()).collect(),
            }),
        }
    }

    /// Every mapping of a kind, in the given versions order, else in priority order (client-go's
    /// `RESTMappings`). The group must match exactly (`""` is the core group); the kind matches
    /// as given or lower-cased.
    pub fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<ResourceMapping>, Error> {
        let mut found: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| {
                let k = &e.mapping.kind;
                k.group == group_kind.group
                    && (k.kind == group_kind.kind || k.kind.to_lowercase() == group_kind.kind)
            })
            .collect();
        let asked: Vec<&str> = versions.iter().copied().filter(|v| !v.is_empty()).collect();
        if !asked.is_empty() {
            // The first asked version that has the kind, as client-go.
            let version = asked
                .iter()
                .find(|v| found.iter().any(|e| e.mapping.kind.version == **v));
            found.retain(|e| Some(&e.mapping.kind.version.as_str()) == version);
        }
        found.sort_by_key(|e| e.priority);
        if found.is_empty() {
            return Err(Error::NoKindMatch {
                group_kind: group_kind.clone(),
                versions: asked.iter().map(|v| v.to_string()).collect(),
            });
        }
        Ok(found.into_iter().map(|e| e.mapping.clone()).collect())
    }

    /// The one mapping of a kind (client-go's `RESTMapping`): the first of `versions` that serves
    /// it, else the version with the best priority.
    pub fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<ResourceMapping, Error> {
        let found = self.rest_mappings(group_kind, versions)?;
        let same_version: Vec<&ResourceMapping> = found
            .iter()
            .filter(|m| m.kind.version == found[0].kind.version)
            .collect();
        match same_version[..] {
            [only] => Ok(only.clone()),
            _ => Err(Error::Ambiguous {
                input: group_kind.to_string(),
                candidates: found.iter().map(ResourceMapping::qualified_name).collect(),
            }),
        }
    }

    /// The singular name of a resource (client-go's `ResourceSingularizer`).
    pub fn resource_singularizer(&self, resource: &str) -> Result<String, Error> {
        let partial = GroupVersionResource::new("", "", resource);
        Ok(self.mapping_for_resource(&partial)?.singular.clone())
    }
}

/// The group/versions in priority order: core `v1`, then per group its preferred version and
/// its other versions in discovery order (only versions with resources).
fn priority_order(groups: &[ApiGroupResources]) -> Vec<GroupVersion> {
    let mut order = vec![GroupVersion::new("", "v1")];
    let mut push = |gv: GroupVersion| {
        if !order.contains(&gv) {
            order.push(gv);
        }
    };
    for g in groups {
        let preferred = &g.group.preferred_version.version;
        if !preferred.is_empty() && g.versioned_resources.contains_key(preferred) {
            push(GroupVersion::new(g.group.name.clone(), preferred.clone()));
        }
        for v in &g.group.versions {
            if g.versioned_resources.contains_key(&v.version) {
                push(GroupVersion::new(g.group.name.clone(), v.version.clone()));
            }
        }
    }
    order
}

fn mapping_of(gv: &GroupVersion, r: &ApiResource) -> ResourceMapping {
    let singular = if r.singular_name.is_empty() {
        // Old servers list no singular names; client-go guesses the lower-case kind.
        r.kind.to_lowercase()
    } else {
        r.singular_name.clone()
    };
    ResourceMapping {
        resource: gv.with_resource(r.name.clone()),
        kind: gv.with_kind(r.kind.clone()),
        namespaced: r.namespaced,
        singular,
        short_names: r.short_names.clone(),
        categories: r.categories.clone(),
        verbs: r.verbs.clone(),
    }
}

/// `resource[.version].group` as the user could have typed it.
pub(crate) fn describe_partial(partial: &GroupVersionResource) -> String {
    [&partial.resource, &partial.version, &partial.group]
        .into_iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(".")
}

pub(crate) fn no_resource_match(partial: &GroupVersionResource) -> Error {
    Error::NoResourceMatch {
        input: describe_partial(partial),
    }
}
