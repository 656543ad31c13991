//! # kclient-dynamic
//!
//! A client for any resource, with objects as `Unstructured` JSON (client-go's `dynamic/`).

mod client;
mod convert;
mod error;
mod resource;

pub use client::{DynamicClient, JSON, Mapper};
pub use convert::{from_unstructured, to_unstructured};
pub use error::Error;
pub use resource::{ApplyOptions, ResourceClient};

#[cfg(test)]
mod resource_tests;
