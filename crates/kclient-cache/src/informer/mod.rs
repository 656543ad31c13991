//! [`SharedInformer`]: one reflector, one store and one processing loop for a collection, shared
//! by any number of event handlers (client-go's `SharedIndexInformer`).
//!
//! ```text
//!   ListerWatcher --> Reflector --> DeltaFifo (bounded, waits when full)
//!                                      |
//!                          processing loop: apply to Store, make notifications
//!                                      |
//!             +------------------------+------------------------+
//!             v                        v                        v
//!      handler buffer 1         handler buffer 2   ...   (bounded; per-object coalescing
//!      + own task               + own task                when full: never blocks the loop)
//! ```
//!
//! Handlers can be added before or after [`start`](SharedInformer::start); a handler added
//! after start first gets an `on_add(obj, true)` for every cached object. The informer is
//! [synced](SharedInformer::has_synced) once the first complete list is in the store; a
//! handler's registration is synced once that handler has been handed the whole initial list.
//! [`shutdown`](SharedInformer::shutdown) stops every task; a stopped informer cannot restart.

mod coalesce;
mod handler;
mod listener;
mod options;
mod processor;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use kclient_apimachinery::MetaAccessor;
use tokio::runtime::Handle;
use tokio::sync::watch;

pub use handler::{EventHandler, HandlerFns};
pub use listener::{DEFAULT_HANDLER_BUFFER, HandlerStats, MIN_RESYNC_PERIOD};
pub use options::InformerOptions;

use crate::delta_fifo::{FifoEntry, FifoProducer, delta_fifo};
use crate::lister::Lister;
use crate::listwatch::ListerWatcher;
use crate::reflector::{
    Reflector, ReflectorHandle, ReflectorOptions, ReflectorStats, TransformFunc,
};
use crate::store::{NAMESPACE_INDEX, namespace_index_func};
use crate::{CacheObject, Error, ShutdownHandle, Store};
use handler::Notification;
use listener::Listener;

/// What `start` needs and consumes.
struct StartParts<T> {
    lw: Arc<dyn ListerWatcher<T>>,
    reflector: ReflectorOptions,
    fifo_capacity: usize,
    transform: Option<TransformFunc<T>>,
}

/// The lifecycle of an informer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Created,
    Running,
    Stopped,
}

struct Runtime {
    phase: Phase,
    handle: Option<Handle>,
    reflector: ReflectorHandle,
    resync_check: Option<Duration>,
}

pub(crate) struct Shared<T> {
    resource: String,
    pub(crate) store: Store<T>,
    listeners: Mutex<Vec<Arc<Listener<T>>>>,
    pub(crate) synced: watch::Sender<bool>,
    pub(crate) shutdown: ShutdownHandle,
    start: Mutex<Option<StartParts<T>>>,
    runtime: Mutex<Runtime>,
    default_resync: Option<Duration>,
    handler_buffer: usize,
}

impl<T> Shared<T> {
    pub(crate) fn lock_listeners(&self) -> MutexGuard<'_, Vec<Arc<Listener<T>>>> {
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_runtime(&self) -> MutexGuard<'_, Runtime> {
        self.runtime.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn has_synced(&self) -> bool {
        *self.synced.borrow()
    }
}

/// An informer: a store kept in sync with one collection, and the handlers told about each
/// change. Cloning gives another handle to the same informer.
pub struct SharedInformer<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for SharedInformer<T> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T> std::fmt::Debug for SharedInformer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedInformer")
            .field("resource", &self.shared.resource)
            .field("synced", &self.shared.has_synced())
            .finish_non_exhaustive()
    }
}

/// A registered handler (client-go's `ResourceEventHandlerRegistration`).
pub struct HandlerRegistration<T> {
    listener: Arc<Listener<T>>,
}

impl<T> std::fmt::Debug for HandlerRegistration<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerRegistration")
            .field("id", &self.listener.id)
            .finish()
    }
}

impl<T: MetaAccessor + Send + Sync + 'static> HandlerRegistration<T> {
    /// Whether this handler has been handed the informer's whole initial list.
    pub fn has_synced(&self) -> bool {
        self.listener.has_synced()
    }

    /// The handler's queue counters.
    pub fn stats(&self) -> HandlerStats {
        self.listener.stats()
    }
}

impl<T: CacheObject> SharedInformer<T> {
    /// An informer over `lw`. Nothing runs until [`start`](Self::start).
    pub fn new(lw: impl ListerWatcher<T>, options: InformerOptions<T>) -> Self {
        Self::from_arc(Arc::new(lw), options)
    }

    /// Like [`new`](Self::new), with a shared `ListerWatcher`.
    pub fn from_arc(lw: Arc<dyn ListerWatcher<T>>, options: InformerOptions<T>) -> Self {
        let mut indexers = options.indexers;
        indexers
            .entry(NAMESPACE_INDEX.to_string())
            .or_insert_with(namespace_index_func::<T>);
        let (synced, _) = watch::channel(false);
        Self {
            shared: Arc::new(Shared {
                resource: lw.describe(),
                store: Store::with_indexers(indexers),
                listeners: Mutex::new(Vec::new()),
                synced,
                shutdown: ShutdownHandle::new(),
                start: Mutex::new(Some(StartParts {
                    lw,
                    reflector: options.reflector,
                    fifo_capacity: options.fifo_capacity,
                    transform: options.transform,
                })),
                runtime: Mutex::new(Runtime {
                    phase: Phase::Created,
                    handle: None,
                    reflector: ReflectorHandle::default(),
                    resync_check: None,
                }),
                default_resync: options.resync.filter(|r| !r.is_zero()),
                handler_buffer: options.handler_buffer,
            }),
        }
    }

    /// Sets a function applied to every object before it is stored or handed to handlers
    /// (client-go's `SetTransform`), such as one that drops `managedFields`. Only before
    /// [`start`](Self::start): afterwards it fails, as in client-go.
    ///
    /// The function must keep the name, namespace and resourceVersion; it runs on the
    /// reflector's task, once per object listed or watched.
    pub fn set_transform(
        &self,
        transform: impl Fn(T) -> T + Send + Sync + 'static,
    ) -> Result<(), Error> {
        let _rt = self.shared.lock_runtime();
        let mut start = self
            .shared
            .start
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match start.as_mut() {
            Some(parts) => {
                parts.transform = Some(Arc::new(transform));
                Ok(())
            }
            None => Err(Error::AlreadyStarted {
                resource: self.shared.resource.clone(),
                what: "set a transform",
            }),
        }
    }

    /// What the informer watches, such as `apps/v1/deployments`.
    pub fn resource(&self) -> &str {
        &self.shared.resource
    }

    /// The store (client-go's `GetIndexer`): read it freely; writing to it desynchronises the
    /// cache from the server.
    pub fn store(&self) -> &Store<T> {
        &self.shared.store
    }

    /// A lister over the store.
    pub fn lister(&self) -> Lister<T> {
        Lister::new(self.shared.store.clone())
    }

    /// Adds a handler with the informer's default resync period.
    pub fn add_event_handler(
        &self,
        handler: impl EventHandler<T>,
    ) -> Result<HandlerRegistration<T>, Error> {
        self.add_event_handler_with_resync(handler, self.shared.default_resync)
    }

    /// Adds a handler with its own resync period (`None`: never; at least
    /// [`MIN_RESYNC_PERIOD`]). Added after start, the handler first gets an add for every cached
    /// object (with `is_in_initial_list` true), and its period cannot be shorter than the
    /// informer's resync check period (nor enable resync if the informer started without one).
    pub fn add_event_handler_with_resync(
        &self,
        handler: impl EventHandler<T>,
        resync: Option<Duration>,
    ) -> Result<HandlerRegistration<T>, Error> {
        let listener = Arc::new(Listener::new(
            Box::new(handler),
            self.shared.handler_buffer,
            resync,
        ));
        let mut listeners = self.shared.lock_listeners();
        let rt = self.shared.lock_runtime();
        match rt.phase {
            Phase::Stopped => return Err(self.stopped()),
            Phase::Created => {}
            Phase::Running => {
                if listener.resync_period().is_some() && rt.resync_check.is_none() {
                    tracing::warn!(resource = %self.shared.resource,
                        "the informer started without resync; the handler's resync is disabled");
                }
                listener.raise_resync_period(rt.resync_check);
                let mut objects = self.shared.store.list();
                objects.sort_by_cached_key(|o| crate::object_key(o.as_ref()));
                for obj in objects {
                    listener.push(Notification::Add { obj, initial: true });
                }
                if self.shared.has_synced() {
                    listener.mark_sync_point();
                }
                if let Some(handle) = &rt.handle {
                    handle.spawn(listener.clone().run());
                }
            }
        }
        listeners.push(listener.clone());
        Ok(HandlerRegistration { listener })
    }

    /// Removes a handler; its task stops after the notification in progress. Returns whether it
    /// was registered.
    pub fn remove_event_handler(&self, registration: &HandlerRegistration<T>) -> bool {
        let mut listeners = self.shared.lock_listeners();
        let before = listeners.len();
        listeners.retain(|l| l.id != registration.listener.id);
        registration.listener.close();
        listeners.len() != before
    }

    /// Starts the reflector, the processing loop, the resync timer and the handlers' tasks on the
    /// current Tokio runtime. Starting a running informer does nothing; a stopped one fails.
    pub fn start(&self) -> Result<(), Error> {
        let handle = Handle::try_current().map_err(|_| Error::NoRuntime {
            what: "SharedInformer::start",
        })?;
        let listeners = self.shared.lock_listeners();
        let mut rt = self.shared.lock_runtime();
        match rt.phase {
            Phase::Running => return Ok(()),
            Phase::Stopped => return Err(self.stopped()),
            Phase::Created => {}
        }
        let Some(parts) = self
            .shared
            .start
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            return Ok(());
        };
        let (tx, rx) = delta_fifo(parts.fifo_capacity);
        let reflector =
            Reflector::new(parts.lw, tx.clone(), parts.reflector).with_transform(parts.transform);
        rt.reflector = reflector.handle();
        let resync_check = listeners
            .iter()
            .filter_map(|l| l.resync_period())
            .chain(self.shared.default_resync)
            .min();
        rt.resync_check = resync_check;
        rt.handle = Some(handle.clone());
        rt.phase = Phase::Running;
        for l in listeners.iter() {
            handle.spawn(l.clone().run());
        }
        handle.spawn(reflector.run(self.shared.shutdown.clone()));
        handle.spawn(processor::run(self.shared.clone(), rx));
        if let Some(period) = resync_check {
            handle.spawn(resync_timer(tx, period, self.shared.shutdown.clone()));
        }
        tracing::debug!(resource = %self.shared.resource, "informer started");
        Ok(())
    }

    /// Whether the first complete list is in the store.
    pub fn has_synced(&self) -> bool {
        self.shared.has_synced()
    }

    /// Waits until the informer has synced (true) or is shut down first (false).
    pub async fn wait_for_cache_sync(&self) -> bool {
        let mut synced = self.shared.synced.subscribe();
        tokio::select! {
            _ = synced.wait_for(|s| *s) => {}
            _ = self.shared.shutdown.cancelled() => {}
        }
        self.has_synced()
    }

    /// Stops the informer: the reflector, the processing loop and every handler task.
    pub fn shutdown(&self) {
        self.shared.lock_runtime().phase = Phase::Stopped;
        self.shared.shutdown.shutdown();
        for l in self.shared.lock_listeners().iter() {
            l.close();
        }
    }

    /// The handle that stops this informer.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shared.shutdown.clone()
    }

    /// Whether the informer was shut down.
    pub fn is_stopped(&self) -> bool {
        self.shared.shutdown.is_shutdown()
    }

    /// The last resourceVersion the store is known to be at (empty before the first list).
    pub fn last_sync_resource_version(&self) -> String {
        self.shared
            .lock_runtime()
            .reflector
            .last_sync_resource_version()
    }

    /// The reflector's counters (lists, watches, failures).
    pub fn reflector_stats(&self) -> ReflectorStats {
        self.shared.lock_runtime().reflector.stats()
    }

    fn stopped(&self) -> Error {
        Error::Stopped {
            resource: self.shared.resource.clone(),
        }
    }
}

/// Asks for a resync every `period`; a request is dropped when the FIFO is full.
async fn resync_timer<T>(tx: FifoProducer<T>, period: Duration, shutdown: ShutdownHandle) {
    let mut ticks = tokio::time::interval_at(kclient_rest::deadline::after(period), period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticks.tick() => {
                if !tx.try_push(FifoEntry::Resync) {
                    tracing::debug!("resync skipped: the delta FIFO is full");
                }
            }
        }
    }
}
