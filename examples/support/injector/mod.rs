//! The core of `examples/namespace_secret_injector.rs`, shared with `examples/tour.rs` and the
//! integration test `tests/tests/injector.rs` (each includes it with `#[path]`).
//!
//! A [`Controller`] of namespaces (kclient-runtime) that also watches the Secrets of the
//! configured name, mapping each to its namespace. Its reconcile looks at the namespace and the
//! cached Secret ([`desired::decide`]) and creates or fixes the Secret; creating is idempotent
//! (AlreadyExists counts as success). Everything else — informers, the work queue with one
//! worker per namespace, retries with client-go's default controller rate limiter, periodic
//! resync, graceful shutdown, leader election ([`run_with_leader_election`]) — is the runtime's.
#![allow(dead_code, unused_imports)]

pub mod desired;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use kclient_apimachinery::options::{CreateOptions, UpdateOptions};
use kclient_cache::leaderelection::LeaderElectionConfig;
use kclient_cache::{InformerFactory, Lister, ShutdownHandle};
use kclient_runtime::{Controller, ObjectKey, default_error_policy};
use kclient_typed::Clientset;
use kclient_typed::api::core::v1::{Namespace, Secret};
use tracing::{debug, info};

pub use desired::{Action, DEFAULT_SKIP, InjectorConfig, RegistryCredentials, decide};

/// How often every namespace is reconciled again, so anything missed is retried.
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

/// What the reconcile reads: the injector and the Secret cache.
struct Context {
    injector: Injector,
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

    /// Runs the controller until `shutdown` is triggered, then lets the reconciles in flight
    /// finish (queued ones are dropped), stops the informers and returns.
    pub async fn run(&self, shutdown: ShutdownHandle) -> anyhow::Result<()> {
        self.run_controller(shutdown, None).await
    }

    async fn run_controller(
        &self,
        shutdown: ShutdownHandle,
        election: Option<LeaderElectionConfig>,
    ) -> anyhow::Result<()> {
        let selector = self.config.namespace_selector.clone();
        let namespaces = InformerFactory::for_clientset(&self.clientset, Duration::ZERO)
            .with_tweak_list_options(move |o| o.label_selector.clone_from(&selector));
        // Only the Secrets of our name, in a cache of their own.
        let secret_name = self.config.secret_name.clone();
        let secrets = InformerFactory::for_clientset(&self.clientset, Duration::ZERO)
            .with_tweak_list_options(move |o| {
                o.field_selector = Some(format!("metadata.name={secret_name}"));
            })
            .core()
            .v1()
            .secrets()
            .informer();
        let mut controller = Controller::<Namespace>::new(Arc::new(namespaces))
            .name("namespace-secret-injector")
            .concurrency(self.config.workers)
            .resync(RESYNC)
            .watches_informer(secrets.clone(), |s: &Secret| {
                s.metadata.namespace.clone().map(ObjectKey::cluster)
            })
            .graceful_shutdown_on(shutdown);
        if let Some(election) = election {
            let client = self.clientset.core_v1().namespaces().rest_client().clone();
            controller = controller.leader_election(client, election);
        }
        let context = Arc::new(Context {
            injector: self.clone(),
            secrets: secrets.lister(),
        });
        controller
            .run(reconcile, default_error_policy, context)
            .await
            .context("the injector controller failed")?;
        info!(metrics = ?self.metrics.snapshot(), "injector stopped");
        Ok(())
    }
}

/// Makes namespace `ns` have its Secret, judging from the caches.
async fn reconcile(
    ns: Arc<Namespace>,
    ctx: Arc<Context>,
) -> anyhow::Result<kclient_runtime::Action> {
    let (me, config) = (&ctx.injector, &ctx.injector.config);
    bump(&me.metrics.reconciles);
    let name = ns.metadata.name.as_deref().unwrap_or_default();
    let secret = ctx.secrets.namespace(name).get(&config.secret_name);
    let secrets = me.clientset.core_v1().secrets(name);
    let result = match decide(config, name, Some(&ns), secret.as_deref()) {
        Action::Nothing(reason) => {
            debug!(namespace = %name, reason, "nothing to do");
            Ok(())
        }
        Action::Create(desired) => {
            match secrets.create(&desired, &CreateOptions::default()).await {
                Ok(_) => {
                    bump(&me.metrics.creates);
                    info!(namespace = %name, secret = %config.secret_name, "created secret");
                    Ok(())
                }
                Err(e) if e.is_already_exists() => {
                    bump(&me.metrics.already_exists);
                    debug!(namespace = %name, "secret already exists (cache behind); fine");
                    Ok(())
                }
                // Gone or terminating since the cache saw it: nothing to do.
                Err(e) if e.is_not_found() || e.is_forbidden() => {
                    info!(namespace = %name, error = %e, "namespace no longer takes secrets");
                    Ok(())
                }
                Err(e) => Err(e).context(format!("creating secret in namespace {name}")),
            }
        }
        Action::Update(updated) => secrets
            .update(&updated, &UpdateOptions::default())
            .await
            .map(|_| {
                bump(&me.metrics.updates);
                info!(namespace = %name, secret = %config.secret_name, "restored secret data");
            })
            .with_context(|| format!("updating secret in namespace {name}")),
    };
    if result.is_err() {
        bump(&me.metrics.errors);
    }
    result.map(|()| kclient_runtime::Action::await_change())
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
/// until `shutdown`. The informers run on every replica (a new leader starts warm); losing the
/// lease cancels the reconciles in flight at once.
pub async fn run_with_leader_election(
    injector: Injector,
    election: LeaderElection,
    shutdown: ShutdownHandle,
) -> anyhow::Result<()> {
    let mut config = LeaderElectionConfig::new(
        &election.namespace,
        &election.lease_name,
        &election.identity,
    );
    if let Some((lease, renew, retry)) = election.timings {
        config = config.timings(lease, renew, retry);
    }
    injector.run_controller(shutdown, Some(config)).await
}
