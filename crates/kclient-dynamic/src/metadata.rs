//! The metadata client — client-go's `metadata` package: get, list, watch, patch and delete
//! any resource (named by a [`GroupVersionResource`]) as
//! [`PartialObjectMetadata`] / [`PartialObjectMetadataList`], so that only names, labels,
//! annotations, owners, finalizers and versions cross the wire and sit in memory.
//!
//! It lives in kclient-dynamic, next to the dynamic client, because it is the same kind of
//! client: any resource by group/version/resource, URLs built from the resource, JSON, no
//! generated types — it shares the dynamic client's request building, errors and RESTMapper
//! and differs only in what it asks the server to send back.
//!
//! ## Negotiation and fallback
//!
//! Every request asks for the metadata-only form with a fallback to plain JSON:
//! [`PARTIAL_OBJECT_METADATA_ACCEPT`] for get, patch and watch (each watch event's object is
//! transformed on its own), [`PARTIAL_OBJECT_METADATA_LIST_ACCEPT`] for list (the server
//! answers the single form on a list with 406). A server that cannot transform (some
//! aggregated API servers) picks the plain JSON entry and sends full objects; as client-go
//! does, they are then decoded into their metadata (spec and status are skipped while
//! decoding, never held), a get or patch answer must look like an object's metadata (name,
//! generateName, uid or creationTimestamp set), and the `apiVersion`/`kind` of the full object
//! are cleared. Delete sends its options as JSON and reads no object back.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = kclient_testserver::TestServer::start().await?;
//! # let kubeconfig = kclient_config::Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
//! # let config = kclient_config::Config::from_kubeconfig(&kubeconfig, &Default::default())?;
//! use kclient_apimachinery::GroupVersionResource;
//! use kclient_apimachinery::options::ListOptions;
//! use kclient_dynamic::MetadataClient;
//!
//! let client = MetadataClient::for_config(&config)?;
//! let namespaces = client.resource(&GroupVersionResource::new("", "v1", "namespaces"));
//! let list = namespaces.list(&ListOptions::default()).await?;
//! assert_eq!(list.kind, "PartialObjectMetadataList");
//! assert!(list.items.iter().any(|ns| ns.metadata.name.as_deref() == Some("default")));
//! # Ok(()) }
//! ```

use kclient_apimachinery::GroupVersionResource;
use kclient_apimachinery::meta::{
    PARTIAL_OBJECT_METADATA_ACCEPT, PARTIAL_OBJECT_METADATA_LIST_ACCEPT, PartialObjectMetadata,
    PartialObjectMetadataList,
};
use kclient_apimachinery::options::{
    DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType,
};
use kclient_config::Config;
use kclient_rest::pager::ListPager;
use kclient_rest::{HttpClient, Request, RestClient, WatchStream};

use crate::resource::ResourceClient;
use crate::{DynamicClient, Error};

/// client-go's fallback for a single object: a full object (the server ignored `as=`) must look
/// like an object's metadata, and loses its `apiVersion`/`kind`.
fn accept_object(mut obj: PartialObjectMetadata) -> Result<PartialObjectMetadata, &'static str> {
    if obj.kind != "PartialObjectMetadata" {
        if !obj.is_likely_object_metadata() {
            return Err("the server's answer does not appear to match the ObjectMeta schema");
        }
        obj.api_version.clear();
        obj.kind.clear();
    }
    Ok(obj)
}

/// A client for the metadata of any resource (client-go's `metadata.Client`). Cheap to clone.
#[derive(Debug, Clone)]
pub struct MetadataClient {
    rest: RestClient,
}

impl MetadataClient {
    /// A client for the server of `config` (JSON requests; the Accept header is set per
    /// request).
    pub fn for_config(config: &Config) -> Result<Self, Error> {
        let http = HttpClient::for_config(config)?;
        Self::for_config_and_client(config, http)
    }

    /// A client sending through an existing [`HttpClient`] (sharing its connections and rate
    /// limiter).
    pub fn for_config_and_client(config: &Config, http: HttpClient) -> Result<Self, Error> {
        let dynamic = DynamicClient::for_config_and_client(config, http)?;
        Ok(Self {
            rest: dynamic.rest_client().clone(),
        })
    }

    /// The underlying REST client.
    pub fn rest_client(&self) -> &RestClient {
        &self.rest
    }

    /// The metadata of one resource (client-go's `Resource(gvr)`); choose a namespace with
    /// [`MetadataResourceClient::namespace`].
    pub fn resource(&self, gvr: &GroupVersionResource) -> MetadataResourceClient {
        MetadataResourceClient {
            inner: ResourceClient::new(self.rest.clone(), gvr.clone()),
        }
    }
}

/// The verbs on the metadata of one resource (client-go's `metadata.ResourceInterface`).
#[derive(Debug, Clone)]
pub struct MetadataResourceClient {
    inner: ResourceClient,
}

impl MetadataResourceClient {
    /// The same resource in `namespace` (`""`: all namespaces).
    pub fn namespace(&self, namespace: &str) -> Self {
        Self {
            inner: self.inner.namespace(namespace),
        }
    }

    /// The same resource, addressing `subresource` (`status`, …) of the named object.
    pub fn subresource(&self, subresource: &str) -> Self {
        Self {
            inner: self.inner.subresource(subresource),
        }
    }

    /// The resource.
    pub fn gvr(&self) -> &GroupVersionResource {
        self.inner.gvr()
    }

    fn request(&self, request: Request, name: Option<&str>, accept: &str) -> Request {
        self.inner
            .request(request, name)
            .set_header("accept", accept)
    }

    /// Checks a single object decoded from a get or patch answer and applies client-go's
    /// fallback rules when the server sent a full object.
    fn object(
        &self,
        verb: &'static str,
        obj: PartialObjectMetadata,
    ) -> Result<PartialObjectMetadata, Error> {
        accept_object(obj).map_err(|reason| self.inner.invalid(verb, reason))
    }

    /// GET the metadata of one object.
    pub async fn get(
        &self,
        name: &str,
        options: &GetOptions,
    ) -> Result<PartialObjectMetadata, Error> {
        let name = self.inner.require_name("get", name)?;
        let obj = self
            .request(
                self.inner_rest().get(),
                Some(name),
                PARTIAL_OBJECT_METADATA_ACCEPT,
            )
            .versioned_params(options)
            .object()
            .await?;
        self.object("get", obj)
    }

    /// LIST the metadata of the collection.
    pub async fn list(&self, options: &ListOptions) -> Result<PartialObjectMetadataList, Error> {
        let mut list: PartialObjectMetadataList = self
            .request(
                self.inner_rest().get(),
                None,
                PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
            )
            .versioned_params(options)
            .object()
            .await?;
        if list.kind != "PartialObjectMetadataList" {
            list.api_version.clear();
            list.kind.clear();
        }
        Ok(list)
    }

    /// A [`ListPager`] over [`MetadataResourceClient::list`] (pages of 500, full-list fallback
    /// on an expired continue token).
    pub fn pager(
        &self,
    ) -> ListPager<
        impl FnMut(
            ListOptions,
        )
            -> futures_util::future::BoxFuture<'static, Result<PartialObjectMetadataList, Error>>,
    > {
        let client = self.clone();
        ListPager::new(move |opts: ListOptions| {
            let client = client.clone();
            let fut: futures_util::future::BoxFuture<'static, _> =
                Box::pin(async move { client.list(&opts).await });
            fut
        })
    }

    /// WATCH the metadata of the collection: each event's object as `PartialObjectMetadata`.
    pub async fn watch(
        &self,
        options: &ListOptions,
    ) -> Result<WatchStream<PartialObjectMetadata>, Error> {
        Ok(self
            .request(
                self.inner_rest().get(),
                None,
                PARTIAL_OBJECT_METADATA_ACCEPT,
            )
            .versioned_params(options)
            .watch()
            .await?)
    }

    /// PATCH an object; the answer is the patched object's metadata.
    pub async fn patch(
        &self,
        name: &str,
        patch_type: PatchType,
        patch: &serde_json::Value,
        options: &PatchOptions,
    ) -> Result<PartialObjectMetadata, Error> {
        let name = self.inner.require_name("patch", name)?;
        let body = serde_json::to_vec(patch).map_err(|e| {
            self.inner.invalid(
                "patch",
                &format!("the patch cannot be encoded as JSON: {e}"),
            )
        })?;
        let obj = self
            .request(
                self.inner_rest().patch(patch_type),
                Some(name),
                PARTIAL_OBJECT_METADATA_ACCEPT,
            )
            .versioned_params(options)
            .body_bytes(body, patch_type.content_type())
            .object()
            .await?;
        self.object("patch", obj)
    }

    /// DELETE one object (the options travel in a JSON body).
    pub async fn delete(&self, name: &str, options: &DeleteOptions) -> Result<(), Error> {
        self.inner.delete(name, options).await
    }

    /// DELETE every object the list options select.
    pub async fn delete_collection(
        &self,
        options: &DeleteOptions,
        list_options: &ListOptions,
    ) -> Result<(), Error> {
        self.inner.delete_collection(options, list_options).await
    }

    fn inner_rest(&self) -> &RestClient {
        self.inner.rest()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn decode(json: serde_json::Value) -> PartialObjectMetadata {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn full_objects_fall_back_to_their_metadata() {
        // A server that ignored `as=` and sent the whole ConfigMap.
        let full = decode(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "ns", "uid": "u"},
            "data": {"k": "v"}
        }));
        let obj = accept_object(full).unwrap();
        assert_eq!((obj.api_version.as_str(), obj.kind.as_str()), ("", ""));
        assert_eq!(obj.metadata.name.as_deref(), Some("a"));
        // Something that is not an object at all.
        let junk = decode(serde_json::json!({"apiVersion": "v1", "kind": "Weird", "spec": {}}));
        assert!(
            accept_object(junk)
                .unwrap_err()
                .contains("ObjectMeta schema")
        );
        // The transformed form passes untouched.
        let partial = decode(serde_json::json!({
            "apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": {}
        }));
        assert_eq!(
            accept_object(partial).unwrap().kind,
            "PartialObjectMetadata"
        );
    }
}
