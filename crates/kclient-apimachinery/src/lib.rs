//! # kclient-apimachinery
//!
//! The vocabulary every other kclient crate speaks, mirroring Go's `k8s.io/apimachinery`:
//! group/version/kind/resource names, the `meta/v1` types that every object carries, the server's
//! `Status`, watch events, the option structs of each verb (and the exact query parameters they
//! encode to), and `Unstructured` objects.
//!
//! This crate does no I/O: everything here is plain data and pure functions, tested without a server.
//!
//! ## Dependencies and why
//! - `serde`, `serde_json`: every wire type is (de)serialized with serde; JSON is the wire format.
//! - `thiserror`: the crate's one error enum.
//! - `jiff`: RFC 3339 timestamps for `Time` and `MicroTime`.

pub mod error;
pub mod gvk;
pub mod options;
pub mod status;
pub mod watch;

pub use error::Error;
pub use gvk::GroupVersion;
pub use options::ToQueryParams;
pub use status::{Status, StatusCause, StatusDetails};
pub use watch::{WatchEvent, WatchEventType};
