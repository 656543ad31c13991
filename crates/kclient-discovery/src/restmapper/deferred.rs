//! `DeferredRestMapper`: a [`RestMapper`] built on first use from a caching discovery client and
//! rebuilt when a name is not found (client-go's `DeferredDiscoveryRESTMapper`, with
//! `ShortcutExpander` and the category expander folded in).
//!
//! A miss (an unknown resource or kind) invalidates the discovery cache and retries once, so a
//! resource created after the mapper was built (a new CRD) is found. To bound the cost of misses
//! in a loop, [`DeferredRestMapper::with_min_refresh_interval`] skips the refresh while the
//! mapper is younger than the interval.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use kclient_apimachinery::{GroupKind, GroupResource, GroupVersionKind, GroupVersionResource};

use super::{ResourceMapping, RestMapper, ShortNamePolicy};
use crate::error::Error;
use crate::interface::CachedDiscovery;

/// A lazily built, self-refreshing RESTMapper over a [`CachedDiscovery`].
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use kclient_discovery::{DiscoveryClient, MemCacheClient};
/// use kclient_discovery::restmapper::DeferredRestMapper;
///
/// let discovery = DiscoveryClient::for_config(&kclient_config::Config::infer()?)?;
/// let mapper = DeferredRestMapper::new(MemCacheClient::new(discovery));
/// let deploy = mapper.resolve("deploy").await?;
/// assert_eq!(deploy.resource.resource, "deployments");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DeferredRestMapper<D> {
    discovery: D,
    current: Mutex<Option<Built>>,
    loading: tokio::sync::Mutex<()>,
    policy: ShortNamePolicy,
    min_refresh_interval: Duration,
}

#[derive(Debug, Clone)]
struct Built {
    mapper: Arc<RestMapper>,
    at: Instant,
}

impl<D: CachedDiscovery> DeferredRestMapper<D> {
    /// A mapper over `discovery`, built on first use.
    pub fn new(discovery: D) -> Self {
        Self {
            discovery,
            current: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
            policy: ShortNamePolicy::default(),
            min_refresh_interval: Duration::ZERO,
        }
    }

    /// Uses `policy` for short names shared by several resources. Default is
    /// [`ShortNamePolicy::Strict`].
    pub fn with_short_name_policy(mut self, policy: ShortNamePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Refreshes on a miss only when the mapper is at least `interval` old. Default is zero:
    /// every miss refreshes once.
    pub fn with_min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }

    /// The discovery client underneath.
    pub fn discovery(&self) -> &D {
        &self.discovery
    }

    fn current(&self) -> std::sync::MutexGuard<'_, Option<Built>> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current mapper, building it from discovery if there is none.
    pub async fn mapper(&self) -> Result<Arc<RestMapper>, Error> {
        if let Some(built) = self.current().as_ref() {
            return Ok(built.mapper.clone());
        }
        let _loading = self.loading.lock().await;
        if let Some(built) = self.current().as_ref() {
            return Ok(built.mapper.clone());
        }
        let mapper = Arc::new(
            RestMapper::from_discovery(&self.discovery)
                .await?
                .with_short_name_policy(self.policy),
        );
        *self.current() = Some(Built {
            mapper: mapper.clone(),
            at: Instant::now(),
        });
        Ok(mapper)
    }

    /// Forgets the mapper and invalidates the discovery cache; the next lookup rediscovers.
    pub fn reset(&self) {
        self.discovery.invalidate();
        *self.current() = None;
    }

    /// Runs `lookup` on the mapper; on a miss, refreshes once (see the module docs) and retries.
    async fn with_refresh<T>(
        &self,
        lookup: impl Fn(&RestMapper) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mapper = self.mapper().await?;
        match lookup(&mapper) {
            Err(e) if e.is_no_match() && self.may_refresh() => {
                tracing::debug!(error = %e, "RESTMapper miss; refreshing discovery");
                self.reset();
                lookup(&*self.mapper().await?)
            }
            other => other,
        }
    }

    fn may_refresh(&self) -> bool {
        match self.current().as_ref() {
            Some(built) => built.at.elapsed() >= self.min_refresh_interval,
            None => true,
        }
    }

    /// See [`RestMapper::resolve`].
    pub async fn resolve(&self, arg: &str) -> Result<ResourceMapping, Error> {
        self.with_refresh(|m| m.resolve(arg)).await
    }

    /// See [`RestMapper::rest_mapping`].
    pub async fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<ResourceMapping, Error> {
        self.with_refresh(|m| m.rest_mapping(group_kind, versions))
            .await
    }

    /// The mapping of a kind at exactly its version, or at the preferred one when the version
    /// is empty.
    pub async fn mapping_for_kind(&self, gvk: &GroupVersionKind) -> Result<ResourceMapping, Error> {
        self.rest_mapping(&gvk.group_kind(), &[gvk.version.as_str()])
            .await
    }

    /// See [`RestMapper::resource_for`] (after short-name expansion).
    pub async fn resource_for(
        &self,
        partial: &GroupVersionResource,
    ) -> Result<GroupVersionResource, Error> {
        self.with_refresh(|m| Ok(m.mapping_for_expanded(partial)?.resource.clone()))
            .await
    }

    /// See [`RestMapper::kind_for`] (after short-name expansion).
    pub async fn kind_for(
        &self,
        partial: &GroupVersionResource,
    ) -> Result<GroupVersionKind, Error> {
        self.with_refresh(|m| Ok(m.mapping_for_expanded(partial)?.kind.clone()))
            .await
    }

    /// See [`RestMapper::expand_category`]. An unknown category refreshes once.
    pub async fn expand_category(
        &self,
        category: &str,
    ) -> Result<Option<Vec<GroupResource>>, Error> {
        let found = self
            .with_refresh(|m| {
                m.expand_category(category)
                    .ok_or_else(|| Error::NoResourceMatch {
                        input: category.to_string(),
                    })
            })
            .await;
        match found {
            Ok(resources) => Ok(Some(resources)),
            Err(e) if e.is_no_match() => Ok(None),
            Err(e) => Err(e),
        }
    }
}
