//! Typed informer accessors over a [`kclient_typed::Clientset`] (feature `typed`), reading like
//! client-go's generated informer factory:
//!
//! ```no_run
//! # async fn run(clientset: kclient_typed::Clientset) -> Result<(), kclient_cache::Error> {
//! use std::time::Duration;
//! use kclient_apimachinery::labels::Selector;
//! use kclient_cache::InformerFactory;
//! use kclient_typed::api::core::v1::Namespace;
//!
//! let factory = InformerFactory::for_clientset(&clientset, Duration::from_secs(600));
//! let namespaces = factory.core().v1().namespaces();
//! let deployments = factory.apps().v1().deployments();
//! factory.start()?;
//! factory.wait_for_cache_sync().await;
//! for ns in namespaces.lister().list(&Selector::everything()) {
//!     println!("{:?}", ns.metadata.name);
//! }
//! let web = deployments.lister().namespace("default").get("web");
//! // Any other typed resource, through the generic accessors:
//! let same = factory.core().v1().resource::<Namespace>();
//! assert!(same.informer().resource() == namespaces.informer().resource());
//! # let _ = web; Ok(()) }
//! ```
//!
//! Nothing here is generated per resource: the named accessors (namespaces, secrets,
//! configmaps, pods, services, nodes; deployments, replicasets, statefulsets, daemonsets) are
//! one-line calls of the generic [`resource`](crate::typed::CoreV1Informers::resource), which in turn is
//! [`InformerFactory::for_resource`]. They are `#[inline]` so that the informer machinery is
//! compiled for a kind only in programs that use it: a plain `pub fn` returning
//! `TypedInformer<Pod>` would make this crate compile the whole informer, reflector, list and
//! watch decoding for all ten kinds, in every build of every user. Every typed kind decodes watch bookmarks (whose object has
//! only `metadata`): kclient-typed gives required fields their default when absent.

use std::time::Duration;

use kclient_apimachinery::StaticResource;
use kclient_typed::Clientset;
use kclient_typed::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use kclient_typed::api::core::v1::{ConfigMap, Namespace, Node, Pod, Secret, Service};

use crate::{CacheObject, InformerFactory, Lister, SharedInformer};

/// The shared informer of one typed resource with its lister (client-go's generated
/// `NamespaceInformer` with `Informer()` and `Lister()`). Cheap to clone.
pub struct TypedInformer<K> {
    informer: SharedInformer<K>,
}

impl<K> Clone for TypedInformer<K> {
    fn clone(&self) -> Self {
        Self {
            informer: self.informer.clone(),
        }
    }
}

impl<K: StaticResource> std::fmt::Debug for TypedInformer<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedInformer")
            .field("group", &K::GROUP)
            .field("version", &K::VERSION)
            .field("resource", &K::PLURAL)
            .finish()
    }
}

impl<K: CacheObject> TypedInformer<K> {
    /// The shared informer (add handlers, start, wait for sync).
    pub fn informer(&self) -> SharedInformer<K> {
        self.informer.clone()
    }

    /// A lister over the informer's store.
    pub fn lister(&self) -> Lister<K> {
        self.informer.lister()
    }
}

fn typed<K: CacheObject + StaticResource>(factory: &InformerFactory) -> TypedInformer<K> {
    TypedInformer {
        informer: factory.for_resource::<K>(),
    }
}

impl InformerFactory {
    /// A factory whose informers list and watch through `clientset`'s HTTP client (one
    /// connection pool, rate limiter and credentials for both), resyncing every `resync`
    /// (`Duration::ZERO`: never). client-go's `NewSharedInformerFactory(clientset, resync)`.
    pub fn for_clientset(clientset: &Clientset, resync: Duration) -> Self {
        // Any REST client of the server serves every resource: paths come from each resource.
        let client = clientset.core_v1().namespaces().rest_client().clone();
        Self::new(client, resync)
    }

    /// The informers of the core API group (`factory.core().v1().pods()`).
    pub fn core(&self) -> CoreInformers<'_> {
        CoreInformers { factory: self }
    }

    /// The informers of the `apps` API group (`factory.apps().v1().deployments()`).
    pub fn apps(&self) -> AppsInformers<'_> {
        AppsInformers { factory: self }
    }
}

/// The versions of the core group's informers.
#[derive(Debug, Clone, Copy)]
pub struct CoreInformers<'a> {
    factory: &'a InformerFactory,
}

impl<'a> CoreInformers<'a> {
    /// Version `v1`.
    pub fn v1(&self) -> CoreV1Informers<'a> {
        CoreV1Informers {
            factory: self.factory,
        }
    }
}

/// The informers of core `v1`.
#[derive(Debug, Clone, Copy)]
pub struct CoreV1Informers<'a> {
    factory: &'a InformerFactory,
}

impl CoreV1Informers<'_> {
    /// The informer of any typed resource `K` (meant for core/v1 kinds; any `StaticResource`
    /// works, since the factory keys informers by type and resource).
    pub fn resource<K: CacheObject + StaticResource>(&self) -> TypedInformer<K> {
        typed(self.factory)
    }
    /// Namespaces (cluster-scoped).
    #[inline]
    pub fn namespaces(&self) -> TypedInformer<Namespace> {
        self.resource()
    }
    /// Secrets.
    #[inline]
    pub fn secrets(&self) -> TypedInformer<Secret> {
        self.resource()
    }
    /// ConfigMaps.
    #[inline]
    pub fn config_maps(&self) -> TypedInformer<ConfigMap> {
        self.resource()
    }
    /// Pods.
    #[inline]
    pub fn pods(&self) -> TypedInformer<Pod> {
        self.resource()
    }
    /// Services.
    #[inline]
    pub fn services(&self) -> TypedInformer<Service> {
        self.resource()
    }
    /// Nodes (cluster-scoped).
    #[inline]
    pub fn nodes(&self) -> TypedInformer<Node> {
        self.resource()
    }
}

/// The versions of the `apps` group's informers.
#[derive(Debug, Clone, Copy)]
pub struct AppsInformers<'a> {
    factory: &'a InformerFactory,
}

impl<'a> AppsInformers<'a> {
    /// Version `v1`.
    pub fn v1(&self) -> AppsV1Informers<'a> {
        AppsV1Informers {
            factory: self.factory,
        }
    }
}

/// The informers of `apps/v1`.
#[derive(Debug, Clone, Copy)]
pub struct AppsV1Informers<'a> {
    factory: &'a InformerFactory,
}

impl AppsV1Informers<'_> {
    /// The informer of any typed resource `K` (meant for apps/v1 kinds).
    pub fn resource<K: CacheObject + StaticResource>(&self) -> TypedInformer<K> {
        typed(self.factory)
    }
    /// Deployments.
    #[inline]
    pub fn deployments(&self) -> TypedInformer<Deployment> {
        self.resource()
    }
    /// ReplicaSets.
    #[inline]
    pub fn replica_sets(&self) -> TypedInformer<ReplicaSet> {
        self.resource()
    }
    /// StatefulSets.
    #[inline]
    pub fn stateful_sets(&self) -> TypedInformer<StatefulSet> {
        self.resource()
    }
    /// DaemonSets.
    #[inline]
    pub fn daemon_sets(&self) -> TypedInformer<DaemonSet> {
        self.resource()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use kclient_apimachinery::WatchEvent;

    /// A bookmark as the server sends it: only `metadata` (resourceVersion, perhaps the
    /// initial-events-end annotation), and the kind.
    fn bookmark(api_version: &str, kind: &str) -> String {
        format!(
            r#"{{"type":"BOOKMARK","object":{{"kind":"{kind}","apiVersion":"{api_version}","metadata":{{"resourceVersion":"42","annotations":{{"k8s.io/initial-events-end":"true"}}}}}}}}"#
        )
    }

    fn decodes<K: CacheObject + StaticResource>() {
        let api_version = if K::GROUP.is_empty() {
            K::VERSION.to_string()
        } else {
            format!("{}/{}", K::GROUP, K::VERSION)
        };
        let line = bookmark(&api_version, K::KIND);
        let event: WatchEvent<K> = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("a {} bookmark does not decode: {e}", K::KIND));
        let WatchEvent::Bookmark(obj) = event else {
            panic!("not a bookmark");
        };
        assert_eq!(obj.resource_version(), Some("42"), "{}", K::KIND);
        // Some servers send bookmarks without kind/apiVersion on the object.
        let bare = r#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}"#;
        let event: WatchEvent<K> = serde_json::from_str(bare)
            .unwrap_or_else(|e| panic!("a bare {} bookmark does not decode: {e}", K::KIND));
        assert!(matches!(event, WatchEvent::Bookmark(_)));
    }

    #[test]
    fn typed_kinds_decode_bookmarks() {
        decodes::<Namespace>();
        decodes::<Secret>();
        decodes::<ConfigMap>();
        decodes::<Pod>();
        decodes::<Service>();
        decodes::<Node>();
        decodes::<Deployment>();
        decodes::<ReplicaSet>();
        decodes::<StatefulSet>();
        decodes::<DaemonSet>();
    }
}
