//! `PatchType`: the `Content-Type` of a PATCH body. One enum for every crate: it lives in
//! kclient-apimachinery (apimachinery's `types.PatchType`) and is re-exported here.

pub use kclient_apimachinery::options::PatchType;
