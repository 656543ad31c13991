//! What kubectl does with a resource argument: short names (`deploy`), categories (`all`) and
//! the resource-or-kind lookup of `kubectl get <arg>` (client-go's `ShortcutExpander`,
//! `discoveryCategoryExpander` and cli-runtime's `mappingFor`).

use kclient_apimachinery::{GroupResource, GroupVersionKind, GroupVersionResource};

use super::mapper::{Entry, ResourceMapping, RestMapper, describe_partial, no_resource_match};
use crate::error::Error;

/// What to do when a short name belongs to resources of several groups (`ev` is both `events`
/// and `events.events.k8s.io`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShortNamePolicy {
    /// Report [`Error::Ambiguous`] listing every candidate; the caller picks a qualified name.
    #[default]
    Strict,
    /// Do what kubectl does: take the resource with the best priority (the core group first,
    /// then discovery order) and log a warning naming the others.
    PreferHigherPriority,
}

impl RestMapper {
    /// Expands a short name to the resource it stands for (kubectl's shortcut expansion):
    /// a name that is already a plural or singular name (in the given group, if any) is kept;
    /// otherwise a short name listed by discovery is replaced by its resource; with a group
    /// given, a group prefix also matches (`hpa.autoscal`). Anything else is returned as is.
    pub fn expand_short_name(
        &self,
        partial: &GroupVersionResource,
    ) -> Result<GroupVersionResource, Error> {
        let name = partial.resource.to_lowercase();
        let in_group =
            |e: &&Entry| partial.group.is_empty() || e.mapping.resource.group == partial.group;
        let is_full_name = self
            .entries
            .iter()
            .filter(in_group)
            .any(|e| e.mapping.resource.resource == name || e.mapping.singular == name);
        if is_full_name {
            return Ok(partial.clone());
        }
        let mut owners: Vec<&Entry> = self
            .entries
            .iter()
            .filter(in_group)
            .filter(|e| e.mapping.short_names.contains(&name))
            .collect();
        owners.sort_by_key(|e| e.priority);
        let mut distinct: Vec<GroupResource> = Vec::new();
        for e in &owners {
            let gr = e.mapping.resource.group_resource();
            if !distinct.contains(&gr) {
                distinct.push(gr);
            }
        }
        match (&distinct[..], self.policy) {
            ([], _) => {}
            ([only], _) => return Ok(expanded(partial, only)),
            ([first, rest @ ..], ShortNamePolicy::PreferHigherPriority) => {
                for other in rest {
                    tracing::warn!(
                        "short name {name:?} could also match lower priority resource {other}"
                    );
                }
                return Ok(expanded(partial, first));
            }
            (_, ShortNamePolicy::Strict) => {
                return Err(Error::Ambiguous {
                    input: describe_partial(partial),
                    candidates: distinct.iter().map(ToString::to_string).collect(),
                });
            }
        }
        if !partial.group.is_empty() {
            let prefixed = self.entries.iter().find(|e| {
                e.mapping.resource.group.starts_with(&partial.group)
                    && e.mapping.short_names.contains(&name)
            });
            if let Some(e) = prefixed {
                return Ok(expanded(partial, &e.mapping.resource.group_resource()));
            }
        }
        Ok(partial.clone())
    }

    /// The resources of a category, such as `all`, in discovery order without duplicates
    /// (client-go's category expander); `None` when no resource lists it.
    pub fn expand_category(&self, category: &str) -> Option<Vec<GroupResource>> {
        let mut out: Vec<GroupResource> = Vec::new();
        for e in &self.entries {
            if e.mapping.categories.iter().any(|c| c == category) {
                let gr = e.mapping.resource.group_resource();
                if !out.contains(&gr) {
                    out.push(gr);
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// The mapping of a partially specified resource after short-name expansion.
    pub fn mapping_for_expanded(
        &self,
        partial: &GroupVersionResource,
    ) -> Result<&ResourceMapping, Error> {
        let expanded = self.expand_short_name(partial)?;
        self.mapping_for_resource(&expanded)
    }

    /// What `kubectl get <arg>` would act on: `arg` is a resource (`pods`, `pod`, `po`,
    /// `deployments.apps`, `deployments.v1.apps`) or a kind (`Deployment`,
    /// `Deployment.apps`, `Deployment.v1.apps`). Resources are tried first, then kinds.
    ///
    /// Errors: [`Error::NoResourceMatch`] ("the server doesn't have a resource type"),
    /// [`Error::Ambiguous`] when the name fits several resources and priority cannot decide.
    pub fn resolve(&self, arg: &str) -> Result<ResourceMapping, Error> {
        let (fully_specified, group_resource) = GroupVersionResource::parse_resource_arg(arg);
        if let Some(gvr) = &fully_specified {
            match self.mapping_for_expanded(gvr) {
                Ok(m) => return Ok(m.clone()),
                Err(e) if e.is_ambiguous() => return Err(e),
                Err(_) => {}
            }
        }
        match self.mapping_for_expanded(&group_resource.with_version("")) {
            Ok(m) => return Ok(m.clone()),
            Err(e) if e.is_ambiguous() => return Err(e),
            Err(_) => {}
        }
        let (fully_specified_kind, group_kind) = GroupVersionKind::parse_kind_arg(arg);
        if let Some(gvk) = &fully_specified_kind
            && let Ok(m) = self.rest_mapping(&gvk.group_kind(), &[gvk.version.as_str()])
        {
            return Ok(m);
        }
        match self.rest_mapping(&group_kind, &[]) {
            Ok(m) => Ok(m),
            Err(e) if e.is_no_match() => Err(no_resource_match(&GroupVersionResource::new(
                "",
                "",
                group_resource.resource,
            ))),
            Err(e) => Err(e),
        }
    }
}

fn expanded(partial: &GroupVersionResource, to: &GroupResource) -> GroupVersionResource {
    GroupVersionResource::new(
        to.group.clone(),
        partial.version.clone(),
        to.resource.clone(),
    )
}
