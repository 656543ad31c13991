//! The [`Discovery`] trait that the live client and both caching clients implement, with the
//! calls built on its three primitives (client-go's `DiscoveryInterface` plus the package
//! functions `ServerGroupsAndResources`, `ServerPreferredResources`, …).

use std::collections::BTreeMap;
use std::future::Future;

use kclient_apimachinery::GroupVersion;

use crate::error::{Error, GroupDiscoveryFailed};
use crate::preferred::{filtered_by, preferred_resources};
use crate::types::{ApiGroup, ApiGroupList, ApiResourceList, VersionInfo};

/// How many times a discovery that lost group/versions is tried (client-go's `defaultRetries`).
const DEFAULT_RETRIES: usize = 2;

/// The groups of the server and, when the server answered with aggregated discovery, the
/// resources of every group/version as well.
#[derive(Debug, Clone, Default)]
pub struct GroupsAndMaybeResources {
    /// The groups, the legacy core group (named `""`) first.
    pub groups: ApiGroupList,
    /// Every group/version's resources, or `None` when only groups were discovered (legacy
    /// discovery, or groups read from a cache).
    pub resources: Option<BTreeMap<GroupVersion, ApiResourceList>>,
    /// Group/versions reported as failed (stale in aggregated discovery).
    pub failed: BTreeMap<GroupVersion, Error>,
}

/// A result that may be incomplete: what was discovered, and the group/versions that failed.
///
/// client-go returns such partial results together with an `ErrGroupDiscoveryFailed`; here the
/// failures travel beside the value so neither is lost. Use [`Partial::into_result`] to treat
/// any failure as an error.
#[derive(Debug, Clone, Default)]
#[must_use = "a partial result may hold failures that should be looked at"]
pub struct Partial<T> {
    /// What was discovered.
    pub value: T,
    /// What could not be.
    pub failed: GroupDiscoveryFailed,
}

impl<T> Partial<T> {
    /// A complete result.
    pub fn complete(value: T) -> Self {
        Self {
            value,
            failed: GroupDiscoveryFailed::default(),
        }
    }

    /// Whether every group/version was discovered.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }

    /// The value, or [`Error::GroupDiscoveryFailed`] if anything failed.
    pub fn into_result(self) -> Result<T, Error> {
        if self.failed.is_empty() {
            Ok(self.value)
        } else {
            Err(Error::GroupDiscoveryFailed(self.failed))
        }
    }

    /// The value and, if anything failed, the failures.
    pub fn into_parts(self) -> (T, Option<GroupDiscoveryFailed>) {
        let failed = (!self.failed.is_empty()).then_some(self.failed);
        (self.value, failed)
    }

    /// Applies `f` to the value, keeping the failures.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Partial<U> {
        Partial {
            value: f(self.value),
            failed: self.failed,
        }
    }
}

/// Every group and the resources of each of its versions.
#[derive(Debug, Clone, Default)]
pub struct GroupsAndResources {
    /// The groups, the core group first, in the server's order.
    pub groups: Vec<ApiGroup>,
    /// One list per discovered group/version, in the order of `groups` and their versions.
    pub resources: Vec<ApiResourceList>,
}

/// Discovery of the server's APIs. Implemented by the live [`crate::DiscoveryClient`] and by the
/// caching [`crate::MemCacheClient`] and [`crate::DiskCacheClient`], so everything built on it
/// (the RESTMapper, the dynamic client's name resolution) works with any of them.
///
/// Implementors provide the three primitives; the other methods are built on them.
pub trait Discovery: Send + Sync {
    /// The server's groups (core first) and, if aggregated discovery answered, every
    /// group/version's resources (client-go's `GroupsAndMaybeResources`).
    fn groups_and_maybe_resources(
        &self,
    ) -> impl Future<Output = Result<GroupsAndMaybeResources, Error>> + Send;

    /// The resources of one group/version (`GET /api/v1` or `/apis/<group>/<version>`).
    fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> impl Future<Output = Result<ApiResourceList, Error>> + Send;

    /// The server's version (`GET /version`).
    fn server_version(&self) -> impl Future<Output = Result<VersionInfo, Error>> + Send;

    /// The server's groups, the legacy core group first (client-go's `ServerGroups`).
    fn server_groups(&self) -> impl Future<Output = Result<ApiGroupList, Error>> + Send {
        async move { Ok(self.groups_and_maybe_resources().await?.groups) }
    }

    /// Every group and every group/version's resources (client-go's `ServerGroupsAndResources`).
    /// Group/versions that fail are reported in [`Partial::failed`]; the whole discovery is tried
    /// again once when some did (groups may vanish while it runs).
    fn server_groups_and_resources(
        &self,
    ) -> impl Future<Output = Result<Partial<GroupsAndResources>, Error>> + Send {
        async move {
            let mut attempt = 1;
            loop {
                let result = groups_and_resources_once(self).await?;
                if result.is_complete() || attempt >= DEFAULT_RETRIES {
                    return Ok(result);
                }
                attempt += 1;
            }
        }
    }

    /// The resources of each group at its preferred version; a resource the preferred version
    /// does not serve is taken from the first version that does (client-go's
    /// `ServerPreferredResources`). Subresources are left out.
    fn server_preferred_resources(
        &self,
    ) -> impl Future<Output = Result<Partial<Vec<ApiResourceList>>, Error>> + Send {
        async move {
            let all = self.server_groups_and_resources().await?;
            Ok(all.map(|all| {
                let by_gv: BTreeMap<GroupVersion, ApiResourceList> = all
                    .resources
                    .into_iter()
                    .filter_map(|list| Some((list.parsed_group_version()?, list)))
                    .collect();
                preferred_resources(&all.groups, &by_gv)
            }))
        }
    }

    /// [`Discovery::server_preferred_resources`] restricted to namespaced resources; lists left
    /// empty are dropped (client-go's `ServerPreferredNamespacedResources`).
    fn server_preferred_namespaced_resources(
        &self,
    ) -> impl Future<Output = Result<Partial<Vec<ApiResourceList>>, Error>> + Send {
        async move {
            let preferred = self.server_preferred_resources().await?;
            Ok(preferred.map(|lists| filtered_by(lists, |_, r| r.namespaced)))
        }
    }
}

/// A discovery client that caches (client-go's `CachedDiscoveryInterface`).
pub trait CachedDiscovery: Discovery {
    /// Whether everything returned so far came from the server during this cache's lifetime
    /// (rather than from data loaded earlier), so a miss is a real miss and refetching would not
    /// help.
    fn fresh(&self) -> bool;

    /// Forgets what is cached; the next call asks the server again.
    fn invalidate(&self);
}

/// One pass of `ServerGroupsAndResources`: aggregated resources if there are any, else one
/// request per group/version, all in flight at once.
async fn groups_and_resources_once<D: Discovery + ?Sized>(
    d: &D,
) -> Result<Partial<GroupsAndResources>, Error> {
    let found = d.groups_and_maybe_resources().await?;
    let groups = found.groups.groups;
    let mut failed = GroupDiscoveryFailed {
        groups: found.failed,
    };
    let mut by_gv = match found.resources {
        Some(resources) => resources,
        None => {
            let gvs: Vec<GroupVersion> = groups.iter().flat_map(ApiGroup::group_versions).collect();
            let fetches = gvs
                .iter()
                .map(|gv| d.server_resources_for_group_version(gv));
            let results = futures_util::future::join_all(fetches).await;
            let mut by_gv = BTreeMap::new();
            for (gv, result) in gvs.into_iter().zip(results) {
                match result {
                    Ok(list) => {
                        by_gv.insert(gv, list);
                    }
                    Err(e) => {
                        failed.groups.insert(gv, e);
                    }
                }
            }
            by_gv
        }
    };
    let resources = groups
        .iter()
        .flat_map(ApiGroup::group_versions)
        .filter_map(|gv| by_gv.remove(&gv))
        .collect();
    Ok(Partial {
        value: GroupsAndResources { groups, resources },
        failed,
    })
}
