//! The core of `examples/namespace_secret_injector.rs`, shared with `examples/tour.rs` and the
//! integration test `tests/tests/injector.rs` (each includes it with `#[path]`).
//!
//! A namespace informer enqueues every namespace into a rate-limited work queue; a Secret
//! informer (only Secrets with the configured name) enqueues a namespace whose Secret changed or
//! was deleted. Workers take one namespace at a time, look at the caches ([`desired::decide`]),
//! and create or fix the Secret. Creating is idempotent: AlreadyExists counts as success.
//! [`run_with_leader_election`] runs the controller only while holding a Lease.
#![allow(dead_code, unused_imports)]

pub mod desired;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use kclient_apimachinery::options::{CreateOptions, UpdateOptions};
use kclient_cache::leaderelection::{LeaderElectionConfig, LeaderElector};
use kclient_cache::workqueue::RateLimitingQueue;
use kclient_cache::{HandlerFns, InformerFactory, Lister, ShutdownHandle};
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::{Namespace, Secret};
use tracing::{debug, info, warn};

pub use desired::{Action, DEFAULT_SKIP, InjectorConfig, RegistryCredentials, decide};

/// How often informers replay their caches to the handlers, so anything missed is retried.
const RESYNC: Duration = Duration::from_secs(300);

/// Counters of what the injector did, for tests and logs.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Namespaces taken from the queue and reconciled.
    pub reconciles: AtomicU64,
    /// Secrets created (201).
    pub creates: AtomicU64,
    /// Creates answered with AlreadyExists (counted as success).
    pub already_exists: AtomicU64,
    /// Secrets whose data was put back.
    pub updates: AtomicU64,
    /// Reconciles that failed and were requeued with backoff.
    pub errors: AtomicU64,
}

/// A copy of [`Metrics`] at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// See [`Metrics::reconciles`].
    pub reconciles: u64,
    /// See [`Metrics::creates`].
    pub creates: u64,
    /// See [`Metrics::already_exists`].
    pub already_exists: u64,
    /// See [`Metrics::updates`].
    pub updates: u64,
    /// See [`Metrics::errors`].
    pub errors: u64,
}

impl Metrics {
    /// The current values.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MetricsSnapshot {
            reconciles: get(&self.reconciles),
            creates: get(&self.creates),
            already_exists: get(&self.already_exists),
            updates: get(&self.updates),
            errors: get(&self.errors),
        }
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The injector: a clientset, its configuration and its counters. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Injector {
    clientset: Clientset,
    config: Arc<InjectorConfig>,
    metrics: Arc<Metrics>,
}

/// The caches a worker reads.
#[derive(Clone)]
struct Caches {
    namespaces: Lister<Namespace>,
    secrets: Lister<Secret>,
}

impl Injector {
    /// An injector acting through `clientset`.
    pub fn new(clientset: Clientset, config: InjectorConfig) -> Self {
        Self {
            clientset,
            config: Arc::new(config),
            metrics: Arc::default(),
        }
    }

    /// Its counters.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Its configuration.
    pub fn config(&self) -> &InjectorConfig {
        &self.config
    }

    /// Runs the controller until `shutdown` is triggered, then stops the informers, lets the
    /// workers finish the namespace in hand (queued ones are dropped: nothing is done once
    /// `shutdown` fires) and returns.
    pub async fn run(&self, shutdown: ShutdownHandle) -> anyhow::Result<()> {
        let secret_name = self.config.secret_name.clone();
        let selector = self.config.namespace_selector.clone();
        let namespaces_factory = InformerFactory::for_clientset(&self.clientset, RESYNC)
            .with_tweak_list_options(move |o| o.label_selector.clone_from(&selector));
        let secrets_factory = InformerFactory::for_clientset(&self.clientset, RESYNC)
            .with_tweak_list_options(move |o| {
                o.field_selector = Some(format!("metadata.name={secret_name}"));
            });
        let namespaces = namespaces_factory.core().v1().namespaces();
        let secrets = secrets_factory.core().v1().secrets();
        let queue = RateLimitingQueue::<String>::new();

        let (q_add, q_update) = (queue.clone(), queue.clone());
        namespaces.informer().add_event_handler(
            HandlerFns::<Namespace>::new()
                .on_add(move |ns, _| enqueue(&q_add, ns.metadata.name.as_deref()))
                .on_update(move |_, ns| enqueue(&q_update, ns.metadata.name.as_deref())),
        )?;
        let (q_update, q_delete) = (queue.clone(), queue.clone());
        secrets.informer().add_event_handler(
            HandlerFns::<Secret>::new()
                .on_update(move |_, s| enqueue(&q_update, s.metadata.namespace.as_deref()))
                .on_delete(move |s| {
                    let ns = s.object().metadata.namespace.clone();
                    debug!(namespace = ?ns, "secret deleted; enqueueing its namespace");
                    enqueue(&q_delete, ns.as_deref());
                }),
        )?;
        namespaces_factory.start()?;
        secrets_factory.start()?;
        let stop = |reason: &str| {
            info!(reason, "stopping informers");
            namespaces_factory.shutdown();
            secrets_factory.shutdown();
        };
        let synced = tokio::select! {
            () = shutdown.cancelled() => false,
            synced = async {
                namespaces_factory.wait_for_cache_sync().await
                    && secrets_factory.wait_for_cache_sync().await
            } => synced,
        };
        if !synced {
            stop("shut down before the caches synced");
            queue.shut_down();
            return Ok(());
        }
        info!(
            namespaces = namespaces.lister().list(&Default::default()).len(),
            "caches synced; starting {} workers", self.config.workers
        );
        let caches = Caches {
            namespaces: namespaces.lister(),
            secrets: secrets.lister(),
        };
        let workers: Vec<_> = (0..self.config.workers.max(1))
            .map(|_| {
                let (me, queue, caches, shutdown) = (
                    self.clone(),
                    queue.clone(),
                    caches.clone(),
                    shutdown.clone(),
                );
                tokio::spawn(async move { me.worker(queue, caches, shutdown).await })
            })
            .collect();
        shutdown.cancelled().await;
        stop("shutdown requested");
        queue.shut_down_with_drain().await;
        for worker in workers {
            worker.await.context("a worker task failed")?;
        }
        info!(metrics = ?self.metrics.snapshot(), "injector stopped");
        Ok(())
    }

    async fn worker(&self, queue: RateLimitingQueue<String>, caches: Caches, stop: ShutdownHandle) {
        while let Some(ns) = queue.get().await {
            if stop.is_shutdown() {
                // Draining: act on nothing more (another replica may be leading already).
                queue.done(&ns);
                continue;
            }
            bump(&self.metrics.reconciles);
            match self.reconcile(&caches, &ns).await {
                Ok(()) => queue.forget(&ns),
                Err(e) => {
                    bump(&self.metrics.errors);
                    warn!(namespace = %ns, retries = queue.num_requeues(&ns), error = %format!("{e:#}"),
                        "reconcile failed; retrying with backoff");
                    queue.add_rate_limited(ns.clone());
                }
            }
            queue.done(&ns);
        }
    }

    /// Makes namespace `ns` have its Secret, judging from the caches.
    async fn reconcile(&self, caches: &Caches, ns: &str) -> anyhow::Result<()> {
        let namespace = caches.namespaces.get(ns);
        let secret = caches.secrets.namespace(ns).get(&self.config.secret_name);
        let secrets = self.clientset.core_v1().secrets(ns);
        match decide(&self.config, ns, namespace.as_deref(), secret.as_deref()) {
            Action::Nothing(reason) => debug!(namespace = %ns, reason, "nothing to do"),
            Action::Create(desired) => {
                match secrets.create(&desired, &CreateOptions::default()).await {
                    Ok(_) => {
                        bump(&self.metrics.creates);
                        info!(namespace = %ns, secret = %self.config.secret_name, "created secret");
                    }
                    Err(e) if e.is_already_exists() => {
                        bump(&self.metrics.already_exists);
                        debug!(namespace = %ns, "secret already exists (cache behind); fine");
                    }
                    // Gone or terminating since the cache saw it: nothing to do.
                    Err(e) if e.is_not_found() || e.is_forbidden() => {
                        info!(namespace = %ns, error = %e, "namespace no longer takes secrets");
                    }
                    Err(e) => return Err(e).context(format!("creating secret in namespace {ns}")),
                }
            }
            Action::Update(updated) => {
                secrets
                    .update(&updated, &UpdateOptions::default())
                    .await
                    .with_context(|| format!("updating secret in namespace {ns}"))?;
                bump(&self.metrics.updates);
                info!(namespace = %ns, secret = %self.config.secret_name, "restored secret data");
            }
        }
        Ok(())
    }
}

fn enqueue(queue: &RateLimitingQueue<String>, namespace: Option<&str>) {
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        queue.add(ns.to_string());
    }
}

/// Where and how replicas elect a leader.
#[derive(Debug, Clone)]
pub struct LeaderElection {
    /// The namespace of the Lease.
    pub namespace: String,
    /// The name of the Lease.
    pub lease_name: String,
    /// This replica's identity.
    pub identity: String,
    /// Lease duration, renew deadline and retry period (`None`: client-go's 15 s / 10 s / 2 s).
    pub timings: Option<(Duration, Duration, Duration)>,
}

/// Runs `injector` only while this replica holds the Lease, campaigning again after losing it,
/// until `shutdown`. When leadership ends the controller's handle fires before the Lease is
/// released, so it starts nothing new; a request already in flight may still complete (and is
/// harmless: creates are idempotent).
pub async fn run_with_leader_election(
    injector: Injector,
    election: LeaderElection,
    shutdown: ShutdownHandle,
) -> anyhow::Result<()> {
    let client = injector
        .clientset
        .core_v1()
        .namespaces()
        .rest_client()
        .clone();
    while !shutdown.is_shutdown() {
        let running: Arc<Mutex<Option<tokio::task::JoinHandle<anyhow::Result<()>>>>> =
            Arc::default();
        let (slot, me) = (running.clone(), injector.clone());
        let mut config = LeaderElectionConfig::new(
            &election.namespace,
            &election.lease_name,
            &election.identity,
        )
        .on_started_leading(move |leading| {
            info!("became leader; starting the injector");
            let me = me.clone();
            let task = tokio::spawn(async move { me.run(leading).await });
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
        })
        .on_stopped_leading(|| info!("stopped leading"))
        .on_new_leader(|who| info!(leader = who, "leader observed"));
        if let Some((lease, renew, retry)) = election.timings {
            config = config.timings(lease, renew, retry);
        }
        let elector = LeaderElector::new(client.clone(), config)?;
        elector.run(shutdown.clone()).await;
        let task = running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            task.await.context("the injector task failed")??;
        }
    }
    Ok(())
}
