//! # kclient-discovery
//!
//! Discovery of the API server's groups, versions and resources (client-go's `discovery/`),
//! caching discovery clients, OpenAPI document fetching, and a RESTMapper (`restmapper/`).
