//! [`ListerWatcher`]: how a reflector lists and watches one collection (client-go's
//! `cache.ListerWatcher`), with [`RestListWatch`], the implementation over a
//! [`RestClient`](kclient_rest::RestClient) and an [`ApiResource`](kclient_apimachinery::ApiResource)
//! that works for any object type, typed or [`Unstructured`](kclient_apimachinery::Unstructured).
//!
//! Typed and dynamic clients plug in by implementing the trait (or by handing their
//! `RestClient` to `RestListWatch`).

mod rest;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use kclient_apimachinery::WatchEvent;
use kclient_apimachinery::meta::ListMeta;
use kclient_apimachinery::options::ListOptions;
use serde::Deserialize;

pub use rest::RestListWatch;

/// A list response: its metadata (resourceVersion, continue token) and its items.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: serde::de::DeserializeOwned"))]
pub struct ObjectList<T> {
    /// `metadata` of the list.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The objects (`null` reads as empty).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub items: Vec<T>,
}

impl<T> Default for ObjectList<T> {
    fn default() -> Self {
        Self {
            metadata: ListMeta::default(),
            items: Vec::new(),
        }
    }
}

impl<T> kclient_rest::pager::ListPage for ObjectList<T> {
    type Item = T;
    fn into_page(self) -> (ListMeta, Vec<T>) {
        (self.metadata, self.items)
    }
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// The events of one watch, ending when the watch ends.
pub type WatchEventStream<T> = BoxStream<'static, Result<WatchEvent<T>, kclient_rest::Error>>;

/// Lists and watches one collection. The options carry everything (selectors, resourceVersion,
/// paging, `watch`, bookmarks, `sendInitialEvents`, `timeoutSeconds`); implementations only add
/// where to send them.
///
/// Watches ask for bookmarks, whose object has only `metadata` (resourceVersion, perhaps
/// annotations) — `T` must decode from that, so its fields other than `metadata` need defaults
/// (as Go's zero values). An event that does not decode ends the watch.
pub trait ListerWatcher<T>: Send + Sync + 'static {
    /// One list call (one page, when `opts.limit` is set).
    fn list(
        &self,
        opts: &ListOptions,
    ) -> BoxFuture<'static, Result<ObjectList<T>, kclient_rest::Error>>;

    /// Starts a watch.
    fn watch(
        &self,
        opts: &ListOptions,
    ) -> BoxFuture<'static, Result<WatchEventStream<T>, kclient_rest::Error>>;

    /// A short description for logs, such as `apps/v1/deployments`.
    fn describe(&self) -> String {
        std::any::type_name::<T>().to_string()
    }
}
