//! # kclient-cache
//!
//! Client-side caching and controller machinery (work in progress).

mod backoff;
pub mod delta_fifo;
mod error;
pub mod listwatch;
mod object;
pub mod reflector;
mod shutdown;
pub mod store;
#[cfg(test)]
mod testutil;

pub use backoff::{Backoff, BackoffConfig};
pub use error::Error;
pub use object::{CacheObject, DeletedFinalStateUnknown, DeltaObject, object_key, split_key};
pub use shutdown::ShutdownHandle;
pub use store::Store;
