//! [`Controller`]: a reconcile loop over a primary resource, built on kclient-cache's shared
//! informers, rate-limited work queue and leader election — the loop client-go's
//! sample-controller writes by hand (`Run`, `runWorker`, `processNextWorkItem`,
//! `syncHandler`), packaged as kube-runtime's `Controller` and controller-runtime's builder.
//!
//! ```text
//!  primary informer ──key──┐
//!  owned children ─owner──►├─► work queue (dedup, one worker per key, rate-limited retries)
//!  watched kinds ─mapper──┘          │
//!                            N workers: reconcile(Arc<K>, ctx) ─► Action
//!                                    requeue(d) → add_after │ await_change │ error → policy
//! ```

mod run;
mod source;

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use kclient_apimachinery::{ApiResource, HasObjectMeta, Resource};
use kclient_cache::leaderelection::LeaderElectionConfig;
use kclient_cache::workqueue::{MetricsProvider, QueueMetrics};
use kclient_cache::{CacheObject, InformerFactory, SharedInformer, ShutdownHandle};
use kclient_rest::RestClient;

use crate::metrics::ControllerMetrics;
use crate::{Action, ObjectKey, owner};
use source::{Mapped, Slot, Source};

/// The default number of objects reconciled at once (client-go's sample-controller runs two
/// workers).
pub const DEFAULT_CONCURRENCY: usize = 2;

/// The error policy that retries every failure with the controller's rate limiter (client-go's
/// `AddRateLimited`; per object 5 ms doubling to 1000 s, overall 10 per second, burst 100).
pub fn default_error_policy<K, E, C>(_obj: &Arc<K>, _error: &E, _ctx: &Arc<C>) -> Action {
    Action::backoff()
}

/// What a controller's handle reads while it runs.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) slot: Arc<Slot>,
    pub(crate) ready: AtomicBool,
    pub(crate) running: AtomicBool,
    pub(crate) leading: AtomicBool,
    pub(crate) reconciles: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) in_flight: AtomicUsize,
}

/// Counters of a controller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ControllerStats {
    /// Reconciles run (finished, whatever their outcome).
    pub reconciles: u64,
    /// Reconciles that failed (errors and panics).
    pub errors: u64,
    /// Reconciles running now.
    pub in_flight: usize,
    /// The current work queue's metrics (default when no term runs).
    pub queue: QueueMetrics,
}

/// Reads a controller's state and stops it; cheap to clone, usable from health endpoints.
#[derive(Clone)]
pub struct ControllerHandle {
    shared: Arc<Shared>,
    shutdown: ShutdownHandle,
}

impl std::fmt::Debug for ControllerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControllerHandle")
            .field("ready", &self.is_ready())
            .field("alive", &self.is_alive())
            .field("leader", &self.is_leader())
            .finish()
    }
}

impl ControllerHandle {
    /// Readiness: every informer of the controller has synced (a standby replica waiting for
    /// the lease is ready too: its caches are warm).
    pub fn is_ready(&self) -> bool {
        self.shared.ready.load(Ordering::SeqCst)
    }

    /// Liveness: `run` is running and none of its informers has stopped.
    pub fn is_alive(&self) -> bool {
        self.shared.running.load(Ordering::SeqCst)
    }

    /// Whether the controller is reconciling now (always, without leader election, once
    /// synced; with it, only while holding the lease).
    pub fn is_leader(&self) -> bool {
        self.shared.leading.load(Ordering::SeqCst)
    }

    /// The counters.
    pub fn stats(&self) -> ControllerStats {
        ControllerStats {
            reconciles: self.shared.reconciles.load(Ordering::Relaxed),
            errors: self.shared.errors.load(Ordering::Relaxed),
            in_flight: self.shared.in_flight.load(Ordering::Relaxed),
            queue: self
                .shared
                .slot
                .get()
                .map(|q| q.metrics())
                .unwrap_or_default(),
        }
    }

    /// Starts a graceful shutdown: no new reconcile starts, those running finish, the
    /// informers stop, and `run` returns.
    pub fn shutdown(&self) {
        self.shutdown.shutdown();
    }
}

/// Where the lease of a leader-elected controller is.
pub(crate) struct Election {
    client: RestClient,
    namespace: String,
    name: String,
    identity: String,
    timings: (Duration, Duration, Duration),
    release_on_cancel: bool,
}

/// A controller of the objects of type `K`. Build it, then [`run`](Self::run) it.
///
/// The guide, with the sample-controller and kube-runtime mapping, is `docs/controller.md`.
#[must_use]
pub struct Controller<K> {
    name: String,
    factory: Arc<InformerFactory>,
    primary: SharedInformer<K>,
    resource: ApiResource,
    sources: Vec<Box<dyn Source>>,
    concurrency: usize,
    resync: Option<Duration>,
    election: Option<Election>,
    metrics: Option<Arc<dyn ControllerMetrics>>,
    queue_metrics: Option<Arc<dyn MetricsProvider>>,
    shutdown: ShutdownHandle,
    shared: Arc<Shared>,
    _kind: PhantomData<fn() -> K>,
}

impl<K> std::fmt::Debug for Controller<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("name", &self.name)
            .field("resource", &self.resource.plural)
            .field("sources", &self.sources.len())
            .field("concurrency", &self.concurrency)
            .field("resync", &self.resync)
            .finish_non_exhaustive()
    }
}

impl<K: CacheObject + Resource<DynamicType = ()>> Controller<K> {
    /// A controller of `K`, whose informer (and those of [`owns`](Self::owns) and
    /// [`watches`](Self::watches)) come from `factory`: controllers built on one factory share
    /// one cache per kind.
    pub fn new(factory: Arc<InformerFactory>) -> Self {
        let primary = factory.for_resource::<K>();
        Self::for_informer(factory, primary, K::api_resource(&()))
    }
}

impl<K: CacheObject> Controller<K> {
    /// A controller over any informer of `resource` (a dynamic one, or one with its own
    /// selectors); [`owns`](Self::owns) and [`watches`](Self::watches) still use `factory`.
    pub fn for_informer(
        factory: Arc<InformerFactory>,
        primary: SharedInformer<K>,
        resource: ApiResource,
    ) -> Self {
        let mapper: source::Mapper<K> = Arc::new(|obj: &K| vec![ObjectKey::of(obj)]);
        let sources: Vec<Box<dyn Source>> = vec![Box::new(Mapped {
            informer: primary.clone(),
            mapper,
            map_old: false,
        })];
        Self {
            name: resource.kind.to_lowercase(),
            factory,
            primary,
            resource,
            sources,
            concurrency: DEFAULT_CONCURRENCY,
            resync: None,
            election: None,
            metrics: None,
            queue_metrics: None,
            shutdown: ShutdownHandle::new(),
            shared: Arc::default(),
            _kind: PhantomData,
        }
    }

    /// The controller's name, in logs, metrics and as its work queue's name. Default: the
    /// kind in lower case.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How many objects are reconciled at once (at least 1; one object is never reconciled by
    /// two workers at once). Default [`DEFAULT_CONCURRENCY`].
    pub fn concurrency(mut self, workers: usize) -> Self {
        self.concurrency = workers.max(1);
        self
    }

    /// Reconcile every object again every `period` (`Duration::ZERO`: never, the default),
    /// whether or not anything changed.
    pub fn resync(mut self, period: Duration) -> Self {
        self.resync = (!period.is_zero()).then_some(period);
        self
    }

    /// Stop gracefully when `shutdown` fires (by default only
    /// [`ControllerHandle::shutdown`] stops it): reconciles in flight finish, the informers
    /// stop, `run` returns.
    pub fn graceful_shutdown_on(mut self, shutdown: ShutdownHandle) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Reports to `sink` instead of the sink registered with
    /// [`metrics::register`](crate::metrics::register).
    pub fn metrics(mut self, sink: Arc<dyn ControllerMetrics>) -> Self {
        self.metrics = Some(sink);
        self
    }

    /// Reports the work queue's metrics to `provider` instead of the one set with
    /// kclient-cache's `set_metrics_provider`.
    pub fn queue_metrics(mut self, provider: Arc<dyn MetricsProvider>) -> Self {
        self.queue_metrics = Some(provider);
        self
    }

    /// Reconcile only while holding the Lease of `config` (its namespace, name, identity,
    /// timings and `release_on_cancel`; the controller sets the callbacks itself). Informers
    /// run on every replica, so a new leader starts with warm caches; it first reconciles
    /// every object. When the lease is lost, reconciles in flight are cancelled at once and
    /// the replica campaigns again. `client` is any `RestClient` of the server.
    pub fn leader_election(mut self, client: RestClient, config: LeaderElectionConfig) -> Self {
        self.election = Some(Election {
            client,
            namespace: config.namespace.clone(),
            name: config.name.clone(),
            identity: config.identity.clone(),
            timings: (
                config.lease_duration,
                config.renew_deadline,
                config.retry_period,
            ),
            release_on_cancel: config.release_on_cancel,
        });
        self
    }

    /// Also reconcile `K` when an object of kind `C` it controls changes: children whose
    /// controller ownerReference (`controller: true`) names `K`'s kind and apiVersion map to
    /// their owner (in the child's namespace when `K` is namespaced). The informer is the
    /// factory's, shared with every controller of the factory.
    pub fn owns<C>(self) -> Self
    where
        C: CacheObject + HasObjectMeta + Resource<DynamicType = ()>,
    {
        let informer = self.factory.for_resource::<C>();
        self.owns_informer(informer)
    }

    /// [`owns`](Self::owns) over a given informer (one with its own selectors).
    pub fn owns_informer<C>(self, informer: SharedInformer<C>) -> Self
    where
        C: CacheObject + HasObjectMeta,
    {
        let (api_version, kind, namespaced) = (
            self.resource.api_version(),
            self.resource.kind.clone(),
            self.resource.namespaced,
        );
        self.watches_informer(informer, move |child: &C| {
            owner::controller_of(child.meta())
                .filter(|r| r.api_version == api_version && r.kind == kind)
                .map(|r| match child.namespace() {
                    Some(ns) if namespaced => ObjectKey::namespaced(ns, r.name.clone()),
                    _ => ObjectKey::cluster(r.name.clone()),
                })
        })
    }

    /// Also reconcile the objects `mapper` names whenever an object of kind `C` is added,
    /// changed (its old and new state) or deleted. The informer is the factory's.
    pub fn watches<C, I>(self, mapper: impl Fn(&C) -> I + Send + Sync + 'static) -> Self
    where
        C: CacheObject + Resource<DynamicType = ()>,
        I: IntoIterator<Item = ObjectKey>,
    {
        let informer = self.factory.for_resource::<C>();
        self.watches_informer(informer, mapper)
    }

    /// [`watches`](Self::watches) over a given informer (one with its own selectors, or a
    /// dynamic one).
    pub fn watches_informer<C, I>(
        mut self,
        informer: SharedInformer<C>,
        mapper: impl Fn(&C) -> I + Send + Sync + 'static,
    ) -> Self
    where
        C: CacheObject,
        I: IntoIterator<Item = ObjectKey>,
    {
        let mapper: source::Mapper<C> = Arc::new(move |obj: &C| mapper(obj).into_iter().collect());
        self.sources.push(Box::new(Mapped {
            informer,
            mapper,
            map_old: true,
        }));
        self
    }

    /// The primary informer (its lister reads the cache reconciles see).
    pub fn informer(&self) -> &SharedInformer<K> {
        &self.primary
    }

    /// A handle for readiness, liveness, counters and shutdown.
    pub fn handle(&self) -> ControllerHandle {
        ControllerHandle {
            shared: self.shared.clone(),
            shutdown: self.shutdown.clone(),
        }
    }
}
