//! # kclient-cache
//!
//! Client-side caches and controller machinery, mirroring client-go's `tools/cache`,
//! `informers`, `listers`, `util/workqueue`, `tools/leaderelection` and `tools/events`:
//!
//! ```text
//!  API server --list/watch--> Reflector --> DeltaFifo --> SharedInformer --> Store (indexed)
//!                                                             |                 ^
//!                                        handlers (own task each)          Lister (reads)
//!                                                             |
//!                                                add(key) --> RateLimitingQueue --> workers
//! ```
//!
//! - [`reflector`]: lists (paginated or streaming) and watches one collection, surviving cut
//!   watches, 410 Gone and errors, as an explicit state machine.
//! - [`delta_fifo`]: the bounded, ordered queue between reflector and informer, and the deltas
//!   (added, updated, deleted, replaced, sync; tombstones for deletions seen only on relist).
//! - [`store`]: the thread-safe indexed cache of `Arc<T>` objects.
//! - [`informer`]: [`SharedInformer`] — one watch, many handlers, each on its own task with a
//!   bounded buffer. [`InformerFactory`] shares informers per resource; [`Lister`] reads them.
//! - [`workqueue`]: deduplicating, delaying, rate-limited work queues.
//! - [`leaderelection`]: leader election on a `coordination.k8s.io/v1` Lease.
//! - [`events`]: an `events.k8s.io/v1` event recorder.
//! - [`watch_tools`]: `RetryWatcher`, `until`, `until_with_sync`, `await_condition` and
//!   conditions (client-go's `tools/watch`).
//!
//! Objects can be any [`CacheObject`]: generated typed structs or
//! [`Unstructured`](kclient_apimachinery::Unstructured). Everything lists and watches through a
//! [`ListerWatcher`]; [`RestListWatch`] implements it over a `RestClient` for any resource, and
//! typed or dynamic clients can bring their own. The guide is `docs/informers.md`.
//!
//! ## Example: a controller's skeleton
//!
//! ```
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use kclient_apimachinery::{ApiResource, GroupVersionKind, Unstructured};
//! use kclient_cache::workqueue::RateLimitingQueue;
//! use kclient_cache::{HandlerFns, InformerFactory, object_key, split_key};
//! use kclient_config::{Config, ConfigOverrides, Kubeconfig, Serializer};
//! use kclient_rest::RestClient;
//!
//! let server = kclient_testserver::TestServer::start().await?;
//! let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
//! let mut config = Config::from_kubeconfig(&kubeconfig, &ConfigOverrides::default())?;
//!
//! // One informer per resource, shared; handlers turn changes into work-queue keys. It watches
//! // only this controller's objects (every namespace also holds e.g. `kube-root-ca.crt`).
//! let factory = InformerFactory::from_config(&config, Duration::ZERO)?
//!     .with_namespace("default")
//!     .with_tweak_list_options(|opts| opts.label_selector = Some("app=demo".into()));
//! let configmaps = ApiResource::new(&GroupVersionKind::new("", "v1", "ConfigMap"), "configmaps", true);
//! let informer = factory.for_dynamic(configmaps);
//! let queue = RateLimitingQueue::<String>::new();
//! let q = queue.clone();
//! informer.add_event_handler(
//!     HandlerFns::<Unstructured>::new().on_add(move |obj, _| q.add(object_key(obj.as_ref()))),
//! )?;
//! factory.start()?;
//! assert!(factory.wait_for_cache_sync().await);
//!
//! // Something changes on the server...
//! config.content.serializer = Some(Serializer::Json);
//! let client = RestClient::unversioned_for_config(&config)?;
//! let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
//!     "metadata": {"name": "demo", "labels": {"app": "demo"}}});
//! let _: serde_json::Value = client.post().abs_path("/api/v1").namespace("default")
//!     .resource("configmaps").body(&cm).object().await?;
//!
//! // ...and a worker reconciles it, reading from the cache, not the server.
//! let key = queue.get().await.expect("the queue is running");
//! assert_eq!(key, "default/demo");
//! let (namespace, name) = split_key(&key);
//! let cached = informer.lister().namespace(namespace.unwrap_or("")).get(name);
//! assert!(cached.is_some());
//! queue.forget(&key);
//! queue.done(&key);
//!
//! factory.shutdown();
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! ## Bounds and overflow policies
//!
//! | queue | bound | when full |
//! |---|---|---|
//! | delta FIFO (reflector → informer) | 1024 entries; a relist is one entry | the reflector waits (back-pressure onto the watch) |
//! | resync requests | same FIFO | dropped; the next period asks again |
//! | each handler's buffer | 1024 notifications | coalesced per object (latest state, deletions kept) |
//! | work queue | one entry per distinct item | — (deduplicated) |
//! | event recorder | 1000 events | dropped and counted |
//!
//! ## Dependencies and why
//! - `kclient-apimachinery`, `kclient-rest`, `kclient-config`: object metadata, the client, and
//!   building one from a kubeconfig.
//! - `tokio` (timers, tasks, channels), `futures-util` (boxed futures and streams).
//! - `serde`, `serde_json`: Lease and Event types, list decoding. `jiff`: event names.
//! - `thiserror`: the crate's error. `tracing`: logs. `fastrand`: backoff and timeout jitter.

pub mod backoff;
pub mod delta_fifo;
mod error;
pub mod events;
mod factory;
pub mod informer;
pub mod leaderelection;
pub mod lister;
pub mod listwatch;
mod object;
pub mod reflector;
mod shutdown;
pub mod store;
#[cfg(test)]
mod testutil;
/// Typed informer accessors over a `kclient_typed::Clientset` (feature `typed`).
#[cfg(feature = "typed")]
pub mod typed;
pub mod watch_tools;
pub mod workqueue;

pub use backoff::{Backoff, BackoffConfig};
pub use error::Error;
pub use factory::{InformerFactory, TweakListOptions};
pub use informer::{
    EventHandler, HandlerFns, HandlerRegistration, InformerOptions, SharedInformer,
};
pub use lister::{Lister, NamespaceLister};
pub use listwatch::{ListerWatcher, ObjectList, RestListWatch};
pub use object::{CacheObject, DeletedFinalStateUnknown, DeltaObject, object_key, split_key};
pub use shutdown::ShutdownHandle;
pub use store::Store;

/// The snippets of `docs/informers.md`, compiled and run as doctests so the guide stays correct.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/informers.md")]
mod guide_doctests {}

/// The Chinese chapter `docs/zh/informers.md`, its snippets compiled as doctests too.
#[cfg(all(doctest, feature = "typed"))]
#[doc = include_str!("../../../docs/zh/informers.md")]
mod guide_zh_doctests {}
