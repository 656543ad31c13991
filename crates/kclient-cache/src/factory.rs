//! [`InformerFactory`]: hands out one shared informer per resource (client-go's
//! `SharedInformerFactory`, `dynamicinformer`, `metadatainformer` and `InformerFor`), all with the same client,
//! namespace, list-option tweaks and resync period, and starts, syncs and stops them together.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use kclient_apimachinery::meta::PartialObjectMetadata;
use kclient_apimachinery::options::ListOptions;
use kclient_apimachinery::{ApiResource, Resource, Unstructured};
use kclient_config::{Config, Serializer};
use kclient_rest::RestClient;

use crate::informer::{InformerOptions, SharedInformer};
use crate::listwatch::{ListerWatcher, RestListWatch};
use crate::reflector::ReflectorOptions;
use crate::{CacheObject, Error};

/// A function that adjusts the list options of every informer (label/field selectors).
pub type TweakListOptions = Arc<dyn Fn(&mut ListOptions) + Send + Sync>;

/// The type-erased operations the factory needs on each informer.
trait Control: Send + Sync {
    fn start(&self) -> Result<(), Error>;
    fn shutdown(&self);
    fn wait_for_cache_sync(&self) -> BoxFuture<'static, bool>;
    fn as_any(&self) -> &dyn Any;
}

impl<T: CacheObject> Control for SharedInformer<T> {
    fn start(&self) -> Result<(), Error> {
        SharedInformer::start(self)
    }
    fn shutdown(&self) {
        SharedInformer::shutdown(self);
    }
    fn wait_for_cache_sync(&self) -> BoxFuture<'static, bool> {
        let informer = self.clone();
        async move { informer.wait_for_cache_sync().await }.boxed()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct State {
    informers: HashMap<(TypeId, ApiResource), Box<dyn Control>>,
    stopped: bool,
}

/// Creates and owns shared informers for many resources of one server.
///
/// ```no_run
/// # async fn run(client: kclient_rest::RestClient) -> Result<(), kclient_cache::Error> {
/// use std::time::Duration;
/// use kclient_apimachinery::{ApiResource, GroupVersionKind};
/// use kclient_apimachinery::labels::Selector;
/// use kclient_cache::InformerFactory;
///
/// let factory = InformerFactory::new(client, Duration::ZERO).with_namespace("default");
/// let widgets = factory.for_dynamic(ApiResource::new(
///     &GroupVersionKind::new("example.com", "v1", "Widget"), "widgets", true));
/// factory.start()?;
/// factory.wait_for_cache_sync().await;
/// let all = widgets.lister().namespace("default").list(&Selector::everything());
/// # let _ = all;
/// factory.shutdown();
/// # Ok(()) }
/// ```
pub struct InformerFactory {
    client: RestClient,
    resync: Option<Duration>,
    namespace: Option<String>,
    tweak: Option<TweakListOptions>,
    reflector: ReflectorOptions,
    state: Mutex<State>,
}

impl std::fmt::Debug for InformerFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InformerFactory")
            .field("resync", &self.resync)
            .field("namespace", &self.namespace)
            .field("informers", &self.lock().informers.len())
            .finish_non_exhaustive()
    }
}

impl InformerFactory {
    /// A factory whose informers list and watch through `client` (any `RestClient` of the
    /// server: paths come from each resource's own group/version) and resync every `resync`
    /// (`Duration::ZERO`: never).
    pub fn new(client: RestClient, resync: Duration) -> Self {
        Self {
            client,
            resync: (!resync.is_zero()).then_some(resync),
            namespace: None,
            tweak: None,
            reflector: ReflectorOptions::default(),
            state: Mutex::new(State {
                informers: HashMap::new(),
                stopped: false,
            }),
        }
    }

    /// A factory for the server `config` points at (JSON, sharing one connection pool).
    pub fn from_config(config: &Config, resync: Duration) -> Result<Self, Error> {
        let mut config = config.clone();
        config.content.serializer = Some(Serializer::Json);
        config.content.group_version = None;
        config.api_path = String::new();
        let client = RestClient::unversioned_for_config(&config)
            .map_err(|source| Error::api("build a client for", config.host.clone(), source))?;
        Ok(Self::new(client, resync))
    }

    /// Restricts namespaced resources to one namespace (client-go's `WithNamespace`).
    #[must_use]
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        let ns = namespace.into();
        self.namespace = (!ns.is_empty()).then_some(ns);
        self
    }

    /// Adjusts the list options of every informer, e.g. to set a label selector (client-go's
    /// `WithTweakListOptions`).
    #[must_use]
    pub fn with_tweak_list_options(
        mut self,
        tweak: impl Fn(&mut ListOptions) + Send + Sync + 'static,
    ) -> Self {
        self.tweak = Some(Arc::new(tweak));
        self
    }

    /// The reflector options of every informer (backoff, page size, streaming lists); their
    /// list options are overridden by the tweak.
    #[must_use]
    pub fn with_reflector_options(mut self, options: ReflectorOptions) -> Self {
        self.reflector = options;
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The shared informer of the statically typed resource `T`, created on first use.
    pub fn for_resource<T>(&self) -> SharedInformer<T>
    where
        T: CacheObject + Resource<DynamicType = ()>,
    {
        let resource = T::api_resource(&());
        self.informer_for(resource.clone(), || {
            let lw = RestListWatch::<T>::new(self.client.clone(), resource);
            // Built-in kinds in protobuf when the client is configured for it.
            #[cfg(feature = "protobuf")]
            let lw = if kclient_apimachinery::protobuf::is_protobuf(self.client.content_type()) {
                lw.protobuf(kclient_typed::protobuf::codec::<T>())
            } else {
                lw
            };
            lw
        })
    }

    /// The shared informer of `resource` as [`Unstructured`] objects, created on first use
    /// (client-go's `dynamicinformer.ForResource`).
    pub fn for_dynamic(&self, resource: ApiResource) -> SharedInformer<Unstructured> {
        self.informer_for(resource.clone(), || {
            RestListWatch::dynamic(self.client.clone(), resource)
        })
    }

    /// The shared informer of the metadata of `resource` ([`PartialObjectMetadata`] objects:
    /// names, labels, annotations, owners, no spec or status), created on first use —
    /// client-go's `metadatainformer.ForResource`. Lists and watches ask the server for the
    /// metadata-only form (see [`RestListWatch::metadata`]), so neither the wire nor the cache
    /// carries the rest of the objects.
    pub fn for_metadata(&self, resource: ApiResource) -> SharedInformer<PartialObjectMetadata> {
        self.informer_for(resource.clone(), || {
            RestListWatch::metadata(self.client.clone(), resource)
        })
    }

    /// The shared informer of `resource` with objects of type `T`, made from `make_lw` (scoped
    /// to the factory's namespace) on first use.
    pub fn informer_for<T: CacheObject>(
        &self,
        resource: ApiResource,
        make_lw: impl FnOnce() -> RestListWatch<T>,
    ) -> SharedInformer<T> {
        self.custom_informer(resource, || {
            let lw = make_lw();
            match &self.namespace {
                Some(ns) => lw.namespace(ns.clone()),
                None => lw,
            }
        })
    }

    /// The shared informer of `resource` over any [`ListerWatcher`] (for typed or dynamic
    /// clients that bring their own), created on first use. The factory's namespace does not
    /// apply; its tweak, resync and reflector options do.
    pub fn custom_informer<T, W>(
        &self,
        resource: ApiResource,
        make_lw: impl FnOnce() -> W,
    ) -> SharedInformer<T>
    where
        T: CacheObject,
        W: ListerWatcher<T>,
    {
        let key = (TypeId::of::<T>(), resource);
        let mut state = self.lock();
        if let Some(existing) = state.informers.get(&key)
            && let Some(informer) = existing.as_any().downcast_ref::<SharedInformer<T>>()
        {
            return informer.clone();
        }
        let mut reflector = self.reflector.clone();
        if let Some(tweak) = &self.tweak {
            tweak(&mut reflector.list_options);
        }
        let options = InformerOptions {
            resync: self.resync,
            reflector,
            ..InformerOptions::default()
        };
        let informer = SharedInformer::new(make_lw(), options);
        if state.stopped {
            informer.shutdown();
        }
        state.informers.insert(key, Box::new(informer.clone()));
        informer
    }

    /// Starts every informer not started yet (informers created later need another `start`).
    pub fn start(&self) -> Result<(), Error> {
        let state = self.lock();
        if state.stopped {
            return Err(Error::Stopped {
                resource: "the informer factory".to_string(),
            });
        }
        for informer in state.informers.values() {
            informer.start()?;
        }
        Ok(())
    }

    /// Waits until every informer has synced; returns whether all did (false if one was shut
    /// down first).
    pub async fn wait_for_cache_sync(&self) -> bool {
        let waits: Vec<_> = self
            .lock()
            .informers
            .values()
            .map(|i| i.wait_for_cache_sync())
            .collect();
        futures_util::future::join_all(waits)
            .await
            .into_iter()
            .all(|synced| synced)
    }

    /// Stops every informer; the factory cannot start again.
    pub fn shutdown(&self) {
        let mut state = self.lock();
        state.stopped = true;
        for informer in state.informers.values() {
            informer.shutdown();
        }
    }
}
