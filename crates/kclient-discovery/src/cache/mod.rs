//! Caching discovery clients: in memory ([`MemCacheClient`]) and on disk in kubectl's layout
//! ([`DiskCacheClient`]), plus the cache directory naming.

pub(crate) mod dir;
pub(crate) mod disk;
pub(crate) mod memory;

pub use dir::{cache_dir_for_host, cache_root_from, default_discovery_cache_root};
pub use disk::{Clock, DEFAULT_TTL, DiskCacheClient};
pub use memory::MemCacheClient;
