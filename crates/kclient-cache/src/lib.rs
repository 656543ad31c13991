//! # kclient-cache
//!
//! Client-side caching and controller machinery (work in progress).

pub mod backoff;
pub mod delta_fifo;
mod error;
mod factory;
pub mod informer;
pub mod lister;
pub mod listwatch;
mod object;
pub mod reflector;
mod shutdown;
pub mod store;
#[cfg(test)]
mod testutil;
pub mod workqueue;

pub use backoff::{Backoff, BackoffConfig};
pub use error::Error;
pub use factory::{InformerFactory, TweakListOptions};
pub use informer::{EventHandler, HandlerFns, HandlerRegistration, InformerOptions, SharedInformer};
pub use lister::{Lister, NamespaceLister};
pub use listwatch::{ListerWatcher, ObjectList, RestListWatch};
pub use object::{CacheObject, DeletedFinalStateUnknown, DeltaObject, object_key, split_key};
pub use shutdown::ShutdownHandle;
pub use store::Store;
