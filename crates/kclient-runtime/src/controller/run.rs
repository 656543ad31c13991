//! Running a [`Controller`]: start and sync the informers, then run terms of workers (one term
//! without leader election; one per leadership with it), then stop.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::FutureExt;
use kclient_cache::leaderelection::{LeaderElectionConfig, LeaderElector};
use kclient_cache::workqueue::{RateLimitingQueue, WorkQueue, default_controller_rate_limiter};
use kclient_cache::{CacheObject, ShutdownHandle, Store, object_key};
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::source::Unregister;
use super::{Controller, Election, Shared};
use crate::Error;
use crate::action::Next;
use crate::metrics::{ControllerMetrics, Outcome, registered};

/// The reconcile, the error policy and the context, shared by the workers.
struct Runner<K, C, R, P> {
    name: Arc<str>,
    store: Store<K>,
    reconcile: R,
    policy: P,
    ctx: Arc<C>,
    shared: Arc<Shared>,
    metrics: Option<Arc<dyn ControllerMetrics>>,
}

/// Counts a reconcile in flight for as long as it lives (also when a lost lease cancels it).
struct InFlight<'a> {
    shared: &'a Shared,
    name: &'a str,
    metrics: Option<&'a dyn ControllerMetrics>,
}

impl<'a> InFlight<'a> {
    fn enter(
        shared: &'a Shared,
        name: &'a str,
        metrics: Option<&'a dyn ControllerMetrics>,
    ) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(m) = metrics {
            m.active_workers(name, now);
        }
        Self {
            shared,
            name,
            metrics,
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let now = self.shared.in_flight.fetch_sub(1, Ordering::SeqCst) - 1;
        if let Some(m) = self.metrics {
            m.active_workers(self.name, now);
        }
    }
}

impl<K, C, R, P, Fut, E> Runner<K, C, R, P>
where
    K: CacheObject,
    C: Send + Sync + 'static,
    R: Fn(Arc<K>, Arc<C>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<crate::Action, E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
    P: Fn(&Arc<K>, &E, &Arc<C>) -> crate::Action + Send + Sync + 'static,
{
    /// Takes keys until the queue shuts down; after `stop`, hands the rest back unprocessed.
    async fn worker(self: Arc<Self>, queue: RateLimitingQueue<String>, stop: ShutdownHandle) {
        while let Some(key) = queue.get().await {
            if !stop.is_shutdown() {
                self.process(&queue, &key).await;
            }
            queue.done(&key);
        }
    }

    async fn process(&self, queue: &RateLimitingQueue<String>, key: &String) {
        // Deleted since it was queued: nothing to reconcile (finalizers keep objects that
        // need cleanup around, with a deletion timestamp).
        let Some(obj) = self.store.get_by_key(key) else {
            queue.forget(key);
            return;
        };
        let metrics = self.metrics.as_deref();
        let started = Instant::now();
        let result = {
            let _in_flight = InFlight::enter(&self.shared, &self.name, metrics);
            AssertUnwindSafe((self.reconcile)(obj.clone(), self.ctx.clone()))
                .catch_unwind()
                .await
        };
        let took = started.elapsed();
        self.shared.reconciles.fetch_add(1, Ordering::Relaxed);
        let outcome = match result {
            Ok(Ok(action)) => {
                queue.forget(key);
                tracing::debug!(controller = %self.name, object = %key, ?action, "reconciled");
                apply(queue, key, action)
            }
            Ok(Err(error)) => {
                self.shared.errors.fetch_add(1, Ordering::Relaxed);
                if let Some(m) = metrics {
                    m.reconcile_error(&self.name);
                }
                let action = (self.policy)(&obj, &error, &self.ctx);
                tracing::warn!(controller = %self.name, object = %key, %error,
                    retries = queue.num_requeues(key), ?action, "reconcile failed");
                apply(queue, key, action);
                Outcome::Error
            }
            Err(_panic) => {
                self.shared.errors.fetch_add(1, Ordering::Relaxed);
                if let Some(m) = metrics {
                    m.reconcile_panic(&self.name);
                }
                tracing::error!(controller = %self.name, object = %key,
                    "reconcile panicked; retrying with backoff");
                queue.add_rate_limited(key.clone());
                Outcome::Error
            }
        };
        if let Some(m) = metrics {
            m.reconciled(&self.name, outcome, took);
        }
    }
}

fn apply(queue: &RateLimitingQueue<String>, key: &str, action: crate::Action) -> Outcome {
    match action.next() {
        Next::RequeueAfter(after) => {
            queue.add_after(key.to_string(), after);
            Outcome::RequeueAfter
        }
        Next::AwaitChange => Outcome::Success,
        Next::Backoff => {
            queue.add_rate_limited(key.to_string());
            Outcome::Requeue
        }
    }
}

/// How a term ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TermEnd {
    /// The controller was shut down: reconciles in flight were let finish.
    Shutdown,
    /// Leadership was lost: reconciles in flight were cancelled.
    LostLease,
    /// An informer was stopped elsewhere: reconciles in flight were let finish.
    InformerStopped,
}

impl<K: CacheObject> Controller<K> {
    /// Runs the controller until it is shut down ([`graceful_shutdown_on`](Self::graceful_shutdown_on)
    /// or [`ControllerHandle::shutdown`](super::ControllerHandle::shutdown)):
    ///
    /// 1. registers its handlers and starts its informers (and the factory's), waits until
    ///    they synced (then [`is_ready`](super::ControllerHandle::is_ready));
    /// 2. queues every primary object, then reconciles keys with `concurrency` workers, never
    ///    one key in two workers at once. `reconcile` gets the object from the cache and the
    ///    context; on `Err`, `error_policy` picks what happens (see
    ///    [`default_error_policy`](super::default_error_policy)); a panic is caught, logged and
    ///    retried with backoff;
    /// 3. on shutdown lets reconciles in flight finish, removes its handlers, stops every
    ///    informer it used, and returns.
    ///
    /// Controllers sharing a factory share its informers' lifetime: give them the same
    /// shutdown handle.
    pub async fn run<C, R, Fut, E, P>(
        self,
        reconcile: R,
        error_policy: P,
        ctx: Arc<C>,
    ) -> Result<(), Error>
    where
        C: Send + Sync + 'static,
        R: Fn(Arc<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<crate::Action, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
        P: Fn(&Arc<K>, &E, &Arc<C>) -> crate::Action + Send + Sync + 'static,
    {
        let shared = self.shared.clone();
        shared.running.store(true, Ordering::SeqCst);
        let result = self.run_inner(reconcile, error_policy, ctx).await;
        shared.ready.store(false, Ordering::SeqCst);
        shared.running.store(false, Ordering::SeqCst);
        result
    }

    async fn run_inner<C, R, Fut, E, P>(
        mut self,
        reconcile: R,
        error_policy: P,
        ctx: Arc<C>,
    ) -> Result<(), Error>
    where
        C: Send + Sync + 'static,
        R: Fn(Arc<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<crate::Action, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
        P: Fn(&Arc<K>, &E, &Arc<C>) -> crate::Action + Send + Sync + 'static,
    {
        let name = self.name.clone();
        let cache_error = |action, source| Error::Cache {
            controller: name.clone(),
            action,
            source: Box::new(source),
        };
        let mut registered_handlers: Vec<Box<dyn Unregister>> = Vec::new();
        let setup = (|| {
            for source in &self.sources {
                registered_handlers.push(source.register(self.shared.slot.clone())?);
            }
            self.factory.start()?;
            for source in &self.sources {
                source.start()?;
            }
            Ok::<_, kclient_cache::Error>(())
        })();
        if let Err(e) = setup {
            self.stop(&registered_handlers);
            return Err(cache_error("start the informers", e));
        }
        let waits: Vec<_> = self
            .sources
            .iter()
            .map(|s| s.wait_for_cache_sync())
            .collect();
        // Synced caches, and handlers that have been handed the initial lists: those adds
        // found no queue and were dropped; each term starts by queueing every object, once.
        let handlers_synced = async {
            while !registered_handlers.iter().all(|h| h.has_synced()) {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        };
        let synced = tokio::select! {
            all = async {
                let all = futures_util::future::join_all(waits).await.into_iter().all(|s| s);
                if all {
                    handlers_synced.await;
                }
                all
            } => all,
            () = self.shutdown.cancelled() => false,
        };
        if !synced {
            tracing::info!(controller = %self.name, "stopped before the caches synced");
            self.stop(&registered_handlers);
            return Ok(());
        }
        self.shared.ready.store(true, Ordering::SeqCst);
        tracing::info!(controller = %self.name, workers = self.concurrency, "caches synced");
        let runner = Arc::new(Runner {
            name: Arc::from(self.name.as_str()),
            store: self.primary.store().clone(),
            reconcile,
            policy: error_policy,
            ctx,
            shared: self.shared.clone(),
            metrics: self.metrics.clone().or_else(registered),
        });
        let result = match self.election.take() {
            None => {
                self.shared.leading.store(true, Ordering::SeqCst);
                let end = self.term(&runner, None).await;
                self.shared.leading.store(false, Ordering::SeqCst);
                end.map(|_| ())
            }
            Some(election) => self.elected_terms(&runner, &election).await,
        };
        self.stop(&registered_handlers);
        tracing::info!(controller = %self.name, "stopped");
        result
    }

    /// Campaigns, runs a term while leading, and campaigns again, until shutdown.
    async fn elected_terms<C, R, Fut, E, P>(
        &self,
        runner: &Arc<Runner<K, C, R, P>>,
        election: &Election,
    ) -> Result<(), Error>
    where
        C: Send + Sync + 'static,
        R: Fn(Arc<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<crate::Action, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
        P: Fn(&Arc<K>, &E, &Arc<C>) -> crate::Action + Send + Sync + 'static,
    {
        while !self.shutdown.is_shutdown() {
            let (tx, rx) = oneshot::channel::<ShutdownHandle>();
            let tx = Mutex::new(Some(tx));
            let (lease, renew, retry) = election.timings;
            let controller = self.name.clone();
            let config = LeaderElectionConfig::new(
                &election.namespace,
                &election.name,
                &election.identity,
            )
            .timings(lease, renew, retry)
            .release_on_cancel(election.release_on_cancel)
            .on_started_leading(move |leading| {
                if let Some(tx) = tx.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    let _ = tx.send(leading);
                }
            })
            .on_new_leader(move |who| tracing::info!(controller = %controller, leader = who, "leader observed"));
            let elector =
                LeaderElector::new(election.client.clone(), config).map_err(|source| {
                    Error::Cache {
                        controller: self.name.clone(),
                        action: "start leader election",
                        source: Box::new(source),
                    }
                })?;
            // Stopped only after a term has drained, so the lease is released (or left to
            // expire) once no reconcile of this replica runs any more.
            let elector_stop = ShutdownHandle::new();
            let campaign = tokio::spawn(elector.run(elector_stop.clone()));
            tokio::select! {
                leading = rx => {
                    if let Ok(leading) = leading {
                        tracing::info!(controller = %self.name, identity = %election.identity, "leading: reconciling");
                        self.shared.leading.store(true, Ordering::SeqCst);
                        let end = self.term(runner, Some(&leading)).await;
                        self.shared.leading.store(false, Ordering::SeqCst);
                        match end {
                            Err(e) => {
                                elector_stop.shutdown();
                                return Err(e);
                            }
                            Ok(TermEnd::LostLease) => {
                                tracing::warn!(controller = %self.name, "lost the lease: stopped reconciling");
                            }
                            Ok(TermEnd::InformerStopped) => {
                                elector_stop.shutdown();
                                let _ = campaign.await;
                                return Ok(());
                            }
                            Ok(TermEnd::Shutdown) => {}
                        }
                    }
                }
                () = self.shutdown.cancelled() => {}
            }
            elector_stop.shutdown();
            if let Err(e) = campaign.await {
                return Err(Error::Worker {
                    controller: self.name.clone(),
                    source: e,
                });
            }
        }
        Ok(())
    }

    /// One stretch of reconciling: a fresh queue holding every primary object, workers, the
    /// resync timer; until shutdown (graceful) or `lost` fires (reconciles cancelled).
    async fn term<C, R, Fut, E, P>(
        &self,
        runner: &Arc<Runner<K, C, R, P>>,
        lost: Option<&ShutdownHandle>,
    ) -> Result<TermEnd, Error>
    where
        C: Send + Sync + 'static,
        R: Fn(Arc<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<crate::Action, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
        P: Fn(&Arc<K>, &E, &Arc<C>) -> crate::Action + Send + Sync + 'static,
    {
        let queue = RateLimitingQueue::from_queue(
            match &self.queue_metrics {
                Some(provider) => WorkQueue::with_metrics_provider(&self.name, provider.clone()),
                None => WorkQueue::named(&self.name),
            },
            default_controller_rate_limiter(),
        );
        self.shared.slot.set(Some(queue.clone()));
        enqueue_all(&queue, self.primary.store());
        let stop = ShutdownHandle::new();
        let mut workers = JoinSet::new();
        for _ in 0..self.concurrency {
            workers.spawn(runner.clone().worker(queue.clone(), stop.clone()));
        }
        if let Some(period) = self.resync {
            let (queue, store, stop) = (queue.clone(), self.primary.store().clone(), stop.clone());
            workers.spawn(async move {
                let mut ticks =
                    tokio::time::interval_at(kclient_rest::deadline::after(period), period);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        () = stop.cancelled() => return,
                        _ = ticks.tick() => enqueue_all(&queue, &store),
                    }
                }
            });
        }
        let stopped = self.informer_stopped();
        let end = tokio::select! {
            () = self.shutdown.cancelled() => TermEnd::Shutdown,
            () = stopped => TermEnd::InformerStopped,
            () = async {
                match lost {
                    Some(l) => l.cancelled().await,
                    None => std::future::pending().await,
                }
            } => TermEnd::LostLease,
        };
        stop.shutdown();
        self.shared.slot.set(None);
        queue.shut_down();
        if end == TermEnd::LostLease {
            workers.abort_all();
        }
        while let Some(joined) = workers.join_next().await {
            match joined {
                Err(e) if !e.is_cancelled() => {
                    return Err(Error::Worker {
                        controller: self.name.clone(),
                        source: e,
                    });
                }
                _ => {}
            }
        }
        Ok(end)
    }

    /// Completes when one of the controller's informers stops (it was shut down elsewhere):
    /// the caches no longer follow the server, so reconciling must end.
    async fn informer_stopped(&self) {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        loop {
            tick.tick().await;
            if let Some(source) = self.sources.iter().find(|s| s.is_stopped()) {
                tracing::warn!(controller = %self.name, resource = %source.resource(),
                    "an informer stopped; stopping the controller");
                self.shared.running.store(false, Ordering::SeqCst);
                return;
            }
        }
    }

    /// Removes the handlers and stops every informer the controller used.
    fn stop(&self, handlers: &[Box<dyn Unregister>]) {
        for h in handlers {
            h.unregister();
        }
        for source in &self.sources {
            source.shutdown();
        }
    }
}

fn enqueue_all<K: CacheObject>(queue: &RateLimitingQueue<String>, store: &Store<K>) {
    for obj in store.list() {
        queue.add(object_key(obj.as_ref()));
    }
}
