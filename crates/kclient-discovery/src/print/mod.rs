//! Output that matches kubectl byte for byte: Go's tab-writer layout ([`TabWriter`]) and the
//! `kubectl api-resources` table ([`api_resources_table`]).

mod api_resources;
mod tabwriter;

pub use api_resources::{
    ApiResourcesOptions, ApiResourcesOutput, ApiResourcesSort, api_resources_table,
};
pub use tabwriter::TabWriter;
