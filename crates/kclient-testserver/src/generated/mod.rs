//! Code generated from Kubernetes discovery data by `cargo xtask testserver-tables`.

pub mod openapi_model;
pub mod openapi_paths;
pub mod patch_strategies;
pub mod proto_schema;
pub mod resources;
