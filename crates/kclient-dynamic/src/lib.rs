//! # kclient-dynamic
//!
//! A client for any resource, with objects as `Unstructured` JSON (client-go's `dynamic/`).
