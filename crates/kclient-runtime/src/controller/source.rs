//! The informers a controller listens to and how their objects map to keys of the primary
//! resource: the primary itself, owned children (controller-runtime's `Owns` with
//! `EnqueueRequestForOwner(OnlyControllerOwner)`), and any watched kind
//! (controller-runtime's `Watches` with `EnqueueRequestsFromMapFunc`; kube-runtime's `owns` and
//! `watches`).

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use kclient_cache::workqueue::RateLimitingQueue;
use kclient_cache::{CacheObject, HandlerFns, HandlerRegistration, SharedInformer};

use crate::ObjectKey;

/// Where event handlers put keys: the work queue of the current term, if one runs (a standby
/// replica, or a controller between terms, has none and drops the keys: each term starts by
/// queueing every primary object).
#[derive(Default)]
pub(crate) struct Slot {
    queue: Mutex<Option<RateLimitingQueue<String>>>,
}

impl Slot {
    pub(crate) fn set(&self, queue: Option<RateLimitingQueue<String>>) {
        *self.queue.lock().unwrap_or_else(PoisonError::into_inner) = queue;
    }

    pub(crate) fn get(&self) -> Option<RateLimitingQueue<String>> {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn add(&self, key: String) {
        if let Some(queue) = &*self.queue.lock().unwrap_or_else(PoisonError::into_inner) {
            queue.add(key);
        }
    }
}

/// Maps an object to the keys of the primary objects to reconcile.
pub(crate) type Mapper<C> = Arc<dyn Fn(&C) -> Vec<ObjectKey> + Send + Sync>;

/// A type-erased informer with its mapper.
pub(crate) trait Source: Send + Sync {
    /// Adds the handler that maps and enqueues; returns how to remove it.
    fn register(&self, slot: Arc<Slot>) -> Result<Box<dyn Unregister>, kclient_cache::Error>;
    fn start(&self) -> Result<(), kclient_cache::Error>;
    fn wait_for_cache_sync(&self) -> BoxFuture<'static, bool>;
    fn shutdown(&self);
    fn is_stopped(&self) -> bool;
    fn resource(&self) -> String;
}

/// A registered handler: whether it has been handed the initial list, and its removal.
pub(crate) trait Unregister: Send + Sync {
    fn has_synced(&self) -> bool;
    fn unregister(&self);
}

struct Registered<C> {
    informer: SharedInformer<C>,
    registration: HandlerRegistration<C>,
}

impl<C: CacheObject> Unregister for Registered<C> {
    fn has_synced(&self) -> bool {
        self.registration.has_synced()
    }

    fn unregister(&self) {
        self.informer.remove_event_handler(&self.registration);
    }
}

/// An informer whose objects map to primary keys through `mapper`.
pub(crate) struct Mapped<C> {
    pub(crate) informer: SharedInformer<C>,
    pub(crate) mapper: Mapper<C>,
    /// Whether an update also enqueues what the old state mapped to (not for the primary,
    /// whose key never changes).
    pub(crate) map_old: bool,
}

fn enqueue<C>(slot: &Slot, mapper: &Mapper<C>, obj: &C) {
    for key in mapper(obj) {
        slot.add(key.cache_key());
    }
}

impl<C: CacheObject> Source for Mapped<C> {
    fn register(&self, slot: Arc<Slot>) -> Result<Box<dyn Unregister>, kclient_cache::Error> {
        let (s_add, s_update, s_delete) = (slot.clone(), slot.clone(), slot);
        let (m_add, m_update, m_delete) = (
            self.mapper.clone(),
            self.mapper.clone(),
            self.mapper.clone(),
        );
        let map_old = self.map_old;
        let handler = HandlerFns::<C>::new()
            .on_add(move |obj, _| enqueue(&s_add, &m_add, obj))
            .on_update(move |old, new| {
                // A changed mapping (a new owner, a moved label) reaches both sides.
                enqueue(&s_update, &m_update, new);
                if map_old && !Arc::ptr_eq(old, new) {
                    enqueue(&s_update, &m_update, old);
                }
            })
            .on_delete(move |obj| enqueue(&s_delete, &m_delete, obj.object()));
        let registration = self.informer.add_event_handler(handler)?;
        Ok(Box::new(Registered {
            informer: self.informer.clone(),
            registration,
        }))
    }

    fn start(&self) -> Result<(), kclient_cache::Error> {
        self.informer.start()
    }

    fn wait_for_cache_sync(&self) -> BoxFuture<'static, bool> {
        let informer = self.informer.clone();
        async move { informer.wait_for_cache_sync().await }.boxed()
    }

    fn shutdown(&self) {
        self.informer.shutdown();
    }

    fn is_stopped(&self) -> bool {
        self.informer.is_stopped()
    }

    fn resource(&self) -> String {
        self.informer.resource().to_string()
    }
}
