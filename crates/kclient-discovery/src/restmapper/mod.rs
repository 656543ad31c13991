//! The RESTMapper (client-go's `restmapper/` and `meta.RESTMapper`): which resource a name, short
//! name, category or kind means, its scope and its preferred version, built from discovery.
//!
//! - [`RestMapper`] answers from one snapshot of discovery.
//! - [`DeferredRestMapper`] builds that snapshot on first use from a caching discovery client
//!   and refreshes it when a name is not found.
//!
//! Between matches in different group/versions, priority decides as in client-go (the core
//! group first, then discovery order, preferred versions first). What priority cannot decide is
//! reported as [`crate::Error::Ambiguous`] with the candidates, never guessed; short names shared
//! by resources of several groups are ambiguous too unless [`ShortNamePolicy::PreferHigherPriority`]
//! asks for kubectl's behaviour.

mod deferred;
mod mapper;
mod resolve;

pub use deferred::DeferredRestMapper;
pub use mapper::{ApiGroupResources, ResourceMapping, RestMapper, get_api_group_resources};
pub use resolve::ShortNamePolicy;

#[cfg(test)]
mod tests;
