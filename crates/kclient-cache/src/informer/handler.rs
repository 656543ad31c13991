//! What informer handlers implement ([`EventHandler`], or closures in [`HandlerFns`]) and the
//! notifications the informer queues for them.

use std::sync::Arc;

use kclient_apimachinery::MetaAccessor;

use crate::object::{DeltaObject, object_key};

/// Receives an informer's notifications (client-go's `ResourceEventHandler`).
///
/// Each registered handler runs on its own task and gets notifications one at a time, in order
/// for each object. The methods are synchronous and should return quickly: hand real work to a
/// [`RateLimitingQueue`](crate::workqueue::RateLimitingQueue), as controllers do. A panic is
/// caught and logged, and the handler goes on with the next notification.
pub trait EventHandler<T>: Send + Sync + 'static {
    /// An object appeared. `is_in_initial_list` is true for the objects of the first list (and
    /// for the current contents replayed to a handler added late).
    fn on_add(&self, obj: &Arc<T>, is_in_initial_list: bool) {
        let _ = (obj, is_in_initial_list);
    }

    /// An object changed (or, on a resync, is replayed: `old` and `new` are then the same).
    fn on_update(&self, old: &Arc<T>, new: &Arc<T>) {
        let _ = (old, new);
    }

    /// An object was deleted: its final state, or a [`DeltaObject::Tombstone`] when the deletion
    /// was only noticed by a relist.
    fn on_delete(&self, obj: &DeltaObject<T>) {
        let _ = obj;
    }
}

impl<T, H: EventHandler<T>> EventHandler<T> for Arc<H> {
    fn on_add(&self, obj: &Arc<T>, is_in_initial_list: bool) {
        (**self).on_add(obj, is_in_initial_list);
    }
    fn on_update(&self, old: &Arc<T>, new: &Arc<T>) {
        (**self).on_update(old, new);
    }
    fn on_delete(&self, obj: &DeltaObject<T>) {
        (**self).on_delete(obj);
    }
}

type AddFn<T> = Box<dyn Fn(&Arc<T>, bool) + Send + Sync>;
type UpdateFn<T> = Box<dyn Fn(&Arc<T>, &Arc<T>) + Send + Sync>;
type DeleteFn<T> = Box<dyn Fn(&DeltaObject<T>) + Send + Sync>;

/// An [`EventHandler`] made of closures; unset ones ignore their notifications (client-go's
/// `ResourceEventHandlerFuncs`).
///
/// ```
/// use kclient_apimachinery::Unstructured;
/// use kclient_cache::informer::HandlerFns;
///
/// let handler = HandlerFns::<Unstructured>::new()
///     .on_add(|obj, _initial| println!("added {:?}", obj.name()))
///     .on_delete(|obj| println!("deleted {}", obj.key()));
/// # let _ = handler;
/// ```
#[must_use]
pub struct HandlerFns<T> {
    add: Option<AddFn<T>>,
    update: Option<UpdateFn<T>>,
    delete: Option<DeleteFn<T>>,
}

impl<T> Default for HandlerFns<T> {
    fn default() -> Self {
        Self {
            add: None,
            update: None,
            delete: None,
        }
    }
}

impl<T> std::fmt::Debug for HandlerFns<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerFns")
            .field("add", &self.add.is_some())
            .field("update", &self.update.is_some())
            .field("delete", &self.delete.is_some())
            .finish()
    }
}

impl<T> HandlerFns<T> {
    /// A handler that ignores everything until closures are set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the closure for additions.
    pub fn on_add(mut self, f: impl Fn(&Arc<T>, bool) + Send + Sync + 'static) -> Self {
        self.add = Some(Box::new(f));
        self
    }

    /// Sets the closure for updates.
    pub fn on_update(mut self, f: impl Fn(&Arc<T>, &Arc<T>) + Send + Sync + 'static) -> Self {
        self.update = Some(Box::new(f));
        self
    }

    /// Sets the closure for deletions.
    pub fn on_delete(mut self, f: impl Fn(&DeltaObject<T>) + Send + Sync + 'static) -> Self {
        self.delete = Some(Box::new(f));
        self
    }
}

impl<T: Send + Sync + 'static> EventHandler<T> for HandlerFns<T> {
    fn on_add(&self, obj: &Arc<T>, is_in_initial_list: bool) {
        if let Some(f) = &self.add {
            f(obj, is_in_initial_list);
        }
    }
    fn on_update(&self, old: &Arc<T>, new: &Arc<T>) {
        if let Some(f) = &self.update {
            f(old, new);
        }
    }
    fn on_delete(&self, obj: &DeltaObject<T>) {
        if let Some(f) = &self.delete {
            f(obj);
        }
    }
}

/// One notification queued for a handler.
pub(crate) enum Notification<T> {
    Add {
        obj: Arc<T>,
        initial: bool,
    },
    Update {
        old: Arc<T>,
        new: Arc<T>,
        sync: bool,
    },
    Delete(DeltaObject<T>),
}

impl<T> Clone for Notification<T> {
    fn clone(&self) -> Self {
        match self {
            Notification::Add { obj, initial } => Notification::Add {
                obj: obj.clone(),
                initial: *initial,
            },
            Notification::Update { old, new, sync } => Notification::Update {
                old: old.clone(),
                new: new.clone(),
                sync: *sync,
            },
            Notification::Delete(d) => Notification::Delete(d.clone()),
        }
    }
}

impl<T: MetaAccessor> Notification<T> {
    /// The key of the object the notification is about.
    pub(crate) fn key(&self) -> String {
        match self {
            Notification::Add { obj, .. } => object_key(obj.as_ref()),
            Notification::Update { new, .. } => object_key(new.as_ref()),
            Notification::Delete(d) => d.key(),
        }
    }
}

impl<T: 'static> Notification<T> {
    /// Hands the notification to `handler`.
    pub(crate) fn deliver(&self, handler: &dyn EventHandler<T>) {
        match self {
            Notification::Add { obj, initial } => handler.on_add(obj, *initial),
            Notification::Update { old, new, .. } => handler.on_update(old, new),
            Notification::Delete(d) => handler.on_delete(d),
        }
    }
}
