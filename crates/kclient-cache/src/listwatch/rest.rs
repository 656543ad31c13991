//! [`RestListWatch`]: list and watch through a `RestClient`, for any resource described by an
//! `ApiResource`.

use std::marker::PhantomData;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use kclient_apimachinery::meta::{
    PARTIAL_OBJECT_METADATA_ACCEPT, PARTIAL_OBJECT_METADATA_LIST_ACCEPT, PartialObjectMetadata,
};
use kclient_apimachinery::options::ListOptions;
use kclient_apimachinery::{ApiResource, Resource, Unstructured};
use kclient_rest::{Request, RestClient};
use serde::de::DeserializeOwned;

use super::{ListerWatcher, ObjectList, WatchEventStream};

/// Fills in what a list response leaves out of its items (the server omits `apiVersion` and
/// `kind` on items of typed lists).
pub type ItemFixup<T> = fn(&mut T, &ApiResource);

/// Lists and watches `resource` (optionally in one namespace) through `client`.
///
/// Any `RestClient` of the server works, whatever group/version it was made for: paths are built
/// from the resource's own group/version (`/api/v1/...`, `/apis/<group>/<version>/...`).
pub struct RestListWatch<T> {
    client: RestClient,
    resource: ApiResource,
    namespace: Option<String>,
    fixup: Option<ItemFixup<T>>,
    /// `Accept` headers of lists and of watches, when not the client's own.
    accept: Option<(&'static str, &'static str)>,
    /// Protobuf for lists and watches (`RestListWatch::protobuf`).
    #[cfg(feature = "protobuf")]
    codec: Option<kclient_apimachinery::protobuf::Codec<T>>,
    _objects: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for RestListWatch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestListWatch")
            .field("resource", &self.resource)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl<T> Clone for RestListWatch<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            resource: self.resource.clone(),
            namespace: self.namespace.clone(),
            fixup: self.fixup,
            accept: self.accept,
            #[cfg(feature = "protobuf")]
            codec: self.codec,
            _objects: PhantomData,
        }
    }
}

impl<T> RestListWatch<T> {
    /// Lists and watches `resource` in all namespaces (or cluster-wide).
    pub fn new(client: RestClient, resource: ApiResource) -> Self {
        Self {
            client,
            resource,
            namespace: None,
            fixup: None,
            accept: None,
            #[cfg(feature = "protobuf")]
            codec: None,
            _objects: PhantomData,
        }
    }

    /// Lists and watches in protobuf with `codec` (JSON stays the second choice, and answers
    /// are decoded by their `Content-Type`); `None` keeps JSON.
    #[cfg(feature = "protobuf")]
    pub fn protobuf(mut self, codec: Option<kclient_apimachinery::protobuf::Codec<T>>) -> Self {
        self.codec = codec;
        self
    }

    /// Restricts a namespaced resource to one namespace (ignored for cluster-scoped ones; an
    /// empty namespace means all).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        let ns = namespace.into();
        self.namespace = (!ns.is_empty()).then_some(ns);
        self
    }

    /// Sets a function applied to every listed item.
    pub fn item_fixup(mut self, fixup: ItemFixup<T>) -> Self {
        self.fixup = Some(fixup);
        self
    }

    /// The resource listed and watched.
    pub fn resource(&self) -> &ApiResource {
        &self.resource
    }

    /// Sends `list` as the `Accept` header of lists and `watch` as that of watches.
    pub fn accept(mut self, list: &'static str, watch: &'static str) -> Self {
        self.accept = Some((list, watch));
        self
    }

    fn request(&self, opts: &ListOptions) -> Request {
        let mut req = self
            .client
            .get()
            .abs_path(&self.resource.group_version().api_path());
        if let Some(ns) = self
            .namespace
            .as_deref()
            .filter(|_| self.resource.namespaced)
        {
            req = req.namespace(ns);
        }
        let req = req
            .resource(self.resource.plural.as_str())
            .versioned_params(opts);
        #[cfg(feature = "protobuf")]
        if self.codec.is_some() {
            return req.accept_protobuf();
        }
        match self.accept {
            Some((list, watch)) => req.set_header("accept", if opts.watch { watch } else { list }),
            None => req,
        }
    }
}

impl<T: Resource<DynamicType = ()>> RestListWatch<T> {
    /// Lists and watches the statically typed resource `T`.
    pub fn typed(client: RestClient) -> Self {
        Self::new(client, T::api_resource(&()))
    }
}

impl RestListWatch<Unstructured> {
    /// Lists and watches `resource` as [`Unstructured`] objects; listed items get the
    /// resource's `apiVersion` and `kind`, as client-go's dynamic client sets them.
    pub fn dynamic(client: RestClient, resource: ApiResource) -> Self {
        Self::new(client, resource).item_fixup(set_type_meta)
    }
}

impl RestListWatch<PartialObjectMetadata> {
    /// Lists and watches only the metadata of `resource`, as client-go's `metadatainformer`
    /// does through the metadata client: lists ask for `PartialObjectMetadataList`, watches for
    /// `PartialObjectMetadata`, each with plain JSON as the fallback (a server that cannot
    /// transform sends full objects, which decode to their metadata).
    pub fn metadata(client: RestClient, resource: ApiResource) -> Self {
        Self::new(client, resource).accept(
            PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
            PARTIAL_OBJECT_METADATA_ACCEPT,
        )
    }
}

fn set_type_meta(obj: &mut Unstructured, resource: &ApiResource) {
    if obj.kind().is_none_or(str::is_empty) {
        obj.set_kind(&resource.kind);
    }
    if obj.api_version().is_none_or(str::is_empty) {
        obj.set_api_version(&resource.api_version());
    }
}

impl<T> ListerWatcher<T> for RestListWatch<T>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    fn list(
        &self,
        opts: &ListOptions,
    ) -> futures_util::future::BoxFuture<'static, Result<ObjectList<T>, kclient_rest::Error>> {
        let mut opts = opts.clone();
        opts.watch = false;
        let request = self.request(&opts);
        let fixup = self.fixup;
        let resource = self.resource.clone();
        #[cfg(feature = "protobuf")]
        let codec = self.codec;
        async move {
            // Items of a large page are decoded on several threads as the body arrives.
            #[cfg(feature = "protobuf")]
            let parts = request.list_with::<T>(codec).await?;
            #[cfg(not(feature = "protobuf"))]
            let parts = request.list::<T>().await?;
            let mut list = ObjectList {
                metadata: parts.metadata,
                items: parts.items,
            };
            if let Some(fixup) = fixup {
                for item in &mut list.items {
                    fixup(item, &resource);
                }
            }
            Ok(list)
        }
        .boxed()
    }

    fn watch(
        &self,
        opts: &ListOptions,
    ) -> futures_util::future::BoxFuture<'static, Result<WatchEventStream<T>, kclient_rest::Error>>
    {
        let mut opts = opts.clone();
        opts.watch = true;
        let mut request = self.request(&opts);
        if let Some(secs) = opts.timeout_seconds.filter(|s| *s > 0) {
            request = request.timeout(Duration::from_secs(secs.unsigned_abs()));
        }
        #[cfg(feature = "protobuf")]
        let codec = self.codec;
        async move {
            #[cfg(feature = "protobuf")]
            let stream = request.watch_with::<T>(codec).await?;
            #[cfg(not(feature = "protobuf"))]
            let stream = request.watch::<T>().await?;
            Ok(stream.boxed())
        }
        .boxed()
    }

    fn describe(&self) -> String {
        let r = &self.resource;
        let gv = r.group_version();
        match &self.namespace {
            Some(ns) if r.namespaced => format!("{gv}/{} in {ns}", r.plural),
            _ => format!("{gv}/{}", r.plural),
        }
    }
}
