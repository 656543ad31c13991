//! Code generated from Kubernetes discovery data by `cargo xtask testserver-tables`.

pub mod proto_schema;
pub mod resources;
