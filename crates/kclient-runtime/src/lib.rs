//! # kclient-runtime
//!
//! A controller runtime on top of kclient-cache: write the reconcile, get the loop. client-go
//! gives a controller's parts (informers, listers, a rate-limited work queue, leader election,
//! events) and every program writes the loop that joins them — the sample-controller pattern.
//! This crate is that loop, once, with kube-runtime's shape (`Controller::new(..).owns(..)
//! .watches(..).run(reconcile, error_policy, ctx)`) and client-go's semantics underneath
//! (shared informers, `DefaultControllerRateLimiter`, Lease leader election).
//!
//! ## Why a crate of its own
//!
//! Each kclient crate has one job, and kclient-cache's is the caches and the parts: plenty of
//! programs (a `kubectl`-like tool with a watch, a cache-backed API) use informers and never
//! run a controller, and they should not compile one. The runtime also needs kclient-typed
//! (the finalizer helper writes typed objects), which kclient-cache only takes for its
//! optional typed accessors. Nothing here is a second implementation of a mechanism: the work
//! queue, rate limiters, informer factory, leader elector, event recorder, conflict retry and
//! metrics hooks are kclient-cache's and kclient-rest's, called.
//!
//! | module | mirrors |
//! |---|---|
//! | [`Controller`] (`controller`) | sample-controller's `Run`/`runWorker`/`processNextWorkItem`; controller-runtime's builder (`For`, `Owns`, `Watches`) and `Controller`; kube-runtime's `Controller` |
//! | [`Action`] (`action`) | kube-runtime's `Action`; the worker's `AddAfter` / `Forget` / `AddRateLimited` |
//! | [`ObjectKey`] (`key`) | kube-runtime's `ObjectRef`; client-go's `namespace/name` keys |
//! | [`finalizer`](mod@finalizer) | kube-runtime's `finalizer`; controller-runtime's `controllerutil.AddFinalizer`/`RemoveFinalizer` |
//! | [`conditions`] | apimachinery's `api/meta/conditions.go` |
//! | [`owner`] | apimachinery's `metav1.NewControllerRef`/`GetControllerOf`; controller-runtime's `SetControllerReference` |
//! | [`events`] | controller-runtime's `GetEventRecorderFor`; kube-runtime's `events::Recorder` |
//! | [`metrics`] | controller-runtime's `controller_runtime_reconcile_*` metrics, as hooks |
//!
//! ## Example
//!
//! ```
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use kclient_cache::InformerFactory;
//! use kclient_config::{Config, ConfigOverrides, Kubeconfig};
//! use kclient_runtime::{Action, Controller, default_error_policy};
//! use kclient_typed::Clientset;
//! use kclient_typed::api::core::v1::Namespace;
//!
//! let server = kclient_testserver::TestServer::start().await?;
//! let config = Config::from_kubeconfig(
//!     &Kubeconfig::from_yaml(&server.kubeconfig_yaml())?, &ConfigOverrides::default())?;
//! let clientset = Clientset::for_config(&config)?;
//! let factory = Arc::new(InformerFactory::for_clientset(&clientset, Duration::ZERO));
//!
//! let controller = Controller::<Namespace>::new(factory).concurrency(4);
//! let handle = controller.handle();
//! let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
//! let task = tokio::spawn(controller.run(
//!     |ns: Arc<Namespace>, seen: Arc<std::sync::Mutex<Vec<String>>>| async move {
//!         seen.lock().unwrap().push(ns.metadata.name.clone().unwrap_or_default());
//!         Ok::<_, std::convert::Infallible>(Action::await_change())
//!     },
//!     default_error_policy,
//!     seen.clone(),
//! ));
//! // Every object is reconciled once at start.
//! while handle.stats().reconciles < 4 {
//!     tokio::time::sleep(Duration::from_millis(20)).await;
//! }
//! assert!(handle.is_ready());
//! assert!(seen.lock().unwrap().contains(&"kube-system".to_string()));
//! handle.shutdown();
//! task.await??;
//! # Ok(())
//! # }
//! ```
//!
//! ## Dependencies and why
//! - `kclient-cache`: informers, work queue, rate limiters, leader election, events.
//! - `kclient-rest`: `retry_on_conflict`, the `RestClient` for leases and events.
//! - `kclient-typed` (no API groups by default): `ResourceClient` for the finalizer helper.
//! - `kclient-apimachinery`: metadata, owner references, conditions.
//! - `tokio` (tasks, timers), `futures-util` (catching reconcile panics, joining syncs),
//!   `tracing` (logs), `thiserror` (the error).

mod action;
pub mod conditions;
mod controller;
mod error;
pub mod events;
pub mod finalizer;
mod key;
pub mod metrics;
pub mod owner;

pub use action::Action;
pub use controller::{
    Controller, ControllerHandle, ControllerStats, DEFAULT_CONCURRENCY, default_error_policy,
};
pub use error::{BoxError, Error};
pub use finalizer::{FinalizerEvent, finalizer};
pub use key::ObjectKey;

/// The chapter `docs/controller.md`, its snippets compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/controller.md")]
mod chapter_controller {}

/// The Chinese chapter `docs/zh/controller.md`, its snippets compiled as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/zh/controller.md")]
mod chapter_controller_zh {}
