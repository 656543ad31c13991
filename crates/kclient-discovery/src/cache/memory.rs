//! `MemCacheClient`: discovery cached in memory for the life of the client (client-go's
//! `discovery/cached/memory`). The first call fetches everything; later calls are answered from
//! memory until [`CachedDiscovery::invalidate`]. Group/versions that failed with a transient error
//! (5xx, connection trouble, stale) are fetched again when asked for; other failures are
//! remembered and reported again.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kclient_apimachinery::GroupVersion;
use tokio::sync::Mutex;

use crate::error::Error;
use crate::interface::{CachedDiscovery, Discovery, GroupsAndMaybeResources};
use crate::types::{ApiGroup, ApiGroupList, ApiResourceList, VersionInfo};

/// A [`Discovery`] that remembers what its delegate answered.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use kclient_discovery::{CachedDiscovery, Discovery, DiscoveryClient, MemCacheClient};
///
/// let live = DiscoveryClient::for_config(&kclient_config::Config::infer()?)?;
/// let cached = MemCacheClient::new(live);
/// let first = cached.server_groups().await?; // asks the server
/// let again = cached.server_groups().await?; // from memory
/// assert_eq!(first, again);
/// cached.invalidate(); // the next call asks the server again
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MemCacheClient<D> {
    delegate: D,
    state: Mutex<State>,
    /// Bumped by `invalidate`; the state is valid only for the generation it was filled at.
    generation: AtomicU64,
    fresh: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    /// The generation this state was filled at, `None` when never filled.
    filled_at: Option<u64>,
    groups: ApiGroupList,
    aggregated: bool,
    entries: BTreeMap<GroupVersion, Result<ApiResourceList, Error>>,
}

impl<D: CachedDiscovery> MemCacheClient<D> {
    /// Caches `delegate`'s answers.
    pub fn new(delegate: D) -> Self {
        Self {
            delegate,
            state: Mutex::new(State::default()),
            generation: AtomicU64::new(0),
            fresh: AtomicBool::new(false),
        }
    }

    /// The client asked on a miss.
    pub fn delegate(&self) -> &D {
        &self.delegate
    }

    /// Fills the state if it is not valid for the current generation; returns the locked state.
    async fn valid_state(&self) -> Result<tokio::sync::MutexGuard<'_, State>, Error> {
        let mut state = self.state.lock().await;
        let generation = self.generation.load(Ordering::SeqCst);
        if state.filled_at != Some(generation) {
            *state = self.refresh(generation).await?;
            self.fresh.store(
                self.generation.load(Ordering::SeqCst) == generation,
                Ordering::SeqCst,
            );
        }
        Ok(state)
    }

    async fn refresh(&self, generation: u64) -> Result<State, Error> {
        let found = self.delegate.groups_and_maybe_resources().await?;
        let mut entries: BTreeMap<GroupVersion, Result<ApiResourceList, Error>> = BTreeMap::new();
        let aggregated = found.resources.is_some();
        match found.resources {
            Some(resources) => entries.extend(resources.into_iter().map(|(gv, l)| (gv, Ok(l)))),
            None => {
                let gvs: Vec<GroupVersion> = found
                    .groups
                    .groups
                    .iter()
                    .flat_map(ApiGroup::group_versions)
                    .collect();
                let fetches = gvs
                    .iter()
                    .map(|gv| self.delegate.server_resources_for_group_version(gv));
                let results = futures_util::future::join_all(fetches).await;
                entries.extend(gvs.into_iter().zip(results));
            }
        }
        entries.extend(found.failed.into_iter().map(|(gv, e)| (gv, Err(e))));
        Ok(State {
            filled_at: Some(generation),
            groups: found.groups,
            aggregated,
            entries,
        })
    }
}

impl<D: CachedDiscovery> Discovery for MemCacheClient<D> {
    async fn groups_and_maybe_resources(&self) -> Result<GroupsAndMaybeResources, Error> {
        let state = self.valid_state().await?;
        let mut out = GroupsAndMaybeResources {
            groups: state.groups.clone(),
            ..GroupsAndMaybeResources::default()
        };
        // As client-go: resources only when they came from aggregated discovery; otherwise the
        // caller asks per group/version (answered from `entries`, refetching transient failures).
        if state.aggregated && !state.entries.is_empty() {
            let mut resources = BTreeMap::new();
            for (gv, entry) in &state.entries {
                match entry {
                    Ok(list) => {
                        resources.insert(gv.clone(), list.clone());
                    }
                    Err(e) => {
                        out.failed.insert(gv.clone(), e.clone());
                    }
                }
            }
            out.resources = Some(resources);
        }
        Ok(out)
    }

    async fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> Result<ApiResourceList, Error> {
        let mut state = self.valid_state().await?;
        match state.entries.get(gv) {
            Some(Ok(list)) => return Ok(list.clone()),
            Some(Err(e)) if !e.is_transient() => return Err(e.clone()),
            _ => {}
        }
        let result = self.delegate.server_resources_for_group_version(gv).await;
        state.entries.insert(gv.clone(), result.clone());
        result
    }

    async fn server_version(&self) -> Result<VersionInfo, Error> {
        self.delegate.server_version().await
    }
}

impl<D: CachedDiscovery> CachedDiscovery for MemCacheClient<D> {
    /// Whether the cache holds a complete answer of the server for this generation.
    fn fresh(&self) -> bool {
        self.fresh.load(Ordering::SeqCst)
    }

    fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.fresh.store(false, Ordering::SeqCst);
        self.delegate.invalidate();
    }
}
