//! `ResourceClient`: the verbs on one resource, optionally in one namespace and on one
//! subresource (client-go's `dynamic.ResourceInterface`).

pub use kclient_apimachinery::options::ApplyOptions;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, UpdateOptions,
};
use kclient_apimachinery::{GroupVersionResource, Unstructured, UnstructuredList};
use kclient_rest::{Request, RestClient, WatchStream};

use crate::Error;

/// The verbs on one resource. Made by [`crate::DynamicClient::resource`]; cheap to clone.
///
/// Without [`ResourceClient::namespace`] requests go to the cluster-wide path: right for
/// cluster-scoped resources, and for listing or watching a namespaced resource across all
/// namespaces.
#[derive(Debug, Clone)]
pub struct ResourceClient {
    rest: RestClient,
    gvr: GroupVersionResource,
    namespace: Option<String>,
    subresource: Option<String>,
}

impl ResourceClient {
    pub(crate) fn new(rest: RestClient, gvr: GroupVersionResource) -> Self {
        Self {
            rest,
            gvr,
            namespace: None,
            subresource: None,
        }
    }

    /// The same resource in `namespace` (`""` means all namespaces, as in client-go).
    pub fn namespace(&self, namespace: &str) -> Self {
        let mut this = self.clone();
        this.namespace = (!namespace.is_empty()).then(|| namespace.to_string());
        this
    }

    /// The same resource, but requests address `subresource` of the named object (`status`,
    /// `scale`, …): `get`, `create`, `update`, `patch` and `apply` then act on it.
    pub fn subresource(&self, subresource: &str) -> Self {
        let mut this = self.clone();
        this.subresource = (!subresource.is_empty()).then(|| subresource.to_string());
        this
    }

    /// The resource.
    pub fn gvr(&self) -> &GroupVersionResource {
        &self.gvr
    }

    pub(crate) fn rest(&self) -> &RestClient {
        &self.rest
    }

    /// The namespace, if one is set.
    pub fn namespace_name(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    pub(crate) fn describe(&self) -> String {
        let g = &self.gvr;
        let mut s = format!("{}.{}.{}", g.resource, g.version, g.group);
        if let Some(sub) = &self.subresource {
            s.push('/');
            s.push_str(sub);
        }
        s
    }

    pub(crate) fn invalid(&self, verb: &'static str, reason: &str) -> Error {
        Error::InvalidRequest {
            verb,
            resource: self.describe(),
            reason: reason.to_string(),
        }
    }

    /// A request on the collection (`name` `None`) or on one object, with the subresource.
    pub(crate) fn request(&self, request: Request, name: Option<&str>) -> Request {
        let mut r = request
            .abs_path(&self.gvr.group_version().api_path())
            .resource(&self.gvr.resource);
        if let Some(ns) = &self.namespace {
            r = r.namespace(ns);
        }
        if let Some(name) = name {
            r = r.name(name);
            if let Some(sub) = &self.subresource {
                r = r.subresource(sub);
            }
        }
        r
    }

    pub(crate) fn require_name<'a>(
        &self,
        verb: &'static str,
        name: &'a str,
    ) -> Result<&'a str, Error> {
        if name.is_empty() {
            return Err(self.invalid(verb, "name is required"));
        }
        Ok(name)
    }

    fn object_name<'a>(
        &self,
        verb: &'static str,
        object: &'a Unstructured,
    ) -> Result<&'a str, Error> {
        match object.name() {
            Some(name) if !name.is_empty() => Ok(name),
            _ => Err(self.invalid(verb, "the object has no metadata.name")),
        }
    }

    /// GET one object.
    pub async fn get(&self, name: &str, options: &GetOptions) -> Result<Unstructured, Error> {
        let name = self.require_name("get", name)?;
        Ok(self
            .request(self.rest.get(), Some(name))
            .versioned_params(options)
            .object()
            .await?)
    }

    /// LIST the collection.
    pub async fn list(&self, options: &ListOptions) -> Result<UnstructuredList, Error> {
        Ok(self
            .request(self.rest.get(), None)
            .versioned_params(options)
            .object()
            .await?)
    }

    /// A [`ListPager`](kclient_rest::pager::ListPager) over [`ResourceClient::list`] (pages of
    /// 500, full-list fallback on an expired continue token): client-go's `tools/pager`.
    pub fn pager(
        &self,
    ) -> kclient_rest::pager::ListPager<
        impl FnMut(
            ListOptions,
        ) -> futures_util::future::BoxFuture<'static, Result<UnstructuredList, Error>>,
    > {
        let client = self.clone();
        kclient_rest::pager::ListPager::new(move |opts: ListOptions| {
            let client = client.clone();
            let fut: futures_util::future::BoxFuture<'static, _> =
                Box::pin(async move { client.list(&opts).await });
            fut
        })
    }

    /// WATCH the collection: a stream of events (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR).
    /// Set `resource_version` in `options` to start after a list.
    pub async fn watch(&self, options: &ListOptions) -> Result<WatchStream<Unstructured>, Error> {
        Ok(self
            .request(self.rest.get(), None)
            .versioned_params(options)
            .watch()
            .await?)
    }

    /// CREATE (POST) an object; with a subresource the object's name picks the parent.
    pub async fn create(
        &self,
        object: &Unstructured,
        options: &CreateOptions,
    ) -> Result<Unstructured, Error> {
        let name = match &self.subresource {
            Some(_) => Some(self.object_name("create", object)?),
            None => None,
        };
        Ok(self
            .request(self.rest.post(), name)
            .versioned_params(options)
            .body(object)
            .object()
            .await?)
    }

    /// UPDATE (PUT) an object, named by its `metadata.name`. Include `metadata.resourceVersion`
    /// for optimistic concurrency.
    pub async fn update(
        &self,
        object: &Unstructured,
        options: &UpdateOptions,
    ) -> Result<Unstructured, Error> {
        let name = self.object_name("update", object)?;
        Ok(self
            .request(self.rest.put(), Some(name))
            .versioned_params(options)
            .body(object)
            .object()
            .await?)
    }

    /// UPDATE the `status` subresource (client-go's `UpdateStatus`).
    pub async fn update_status(
        &self,
        object: &Unstructured,
        options: &UpdateOptions,
    ) -> Result<Unstructured, Error> {
        self.subresource("status").update(object, options).await
    }

    /// DELETE one object. The options travel in the body, as client-go sends them.
    pub async fn delete(&self, name: &str, options: &DeleteOptions) -> Result<(), Error> {
        let name = self.require_name("delete", name)?;
        let response = self
            .request(self.rest.delete(), Some(name))
            .body(options)
            .send()
            .await?;
        response.into_bytes().await?;
        Ok(())
    }

    /// DELETE every object the list options select.
    pub async fn delete_collection(
        &self,
        options: &DeleteOptions,
        list_options: &ListOptions,
    ) -> Result<(), Error> {
        let response = self
            .request(self.rest.delete(), None)
            .versioned_params(list_options)
            .body(options)
            .send()
            .await?;
        response.into_bytes().await?;
        Ok(())
    }

    /// PATCH an object with a JSON, merge or strategic merge patch (custom resources accept
    /// only JSON and merge patches). For server-side apply use [`ResourceClient::apply`].
    pub async fn patch(
        &self,
        name: &str,
        patch_type: PatchType,
        patch: &serde_json::Value,
        options: &PatchOptions,
    ) -> Result<Unstructured, Error> {
        let body = serde_json::to_vec(patch).map_err(|e| {
            self.invalid(
                "patch",
                &format!("the patch cannot be encoded as JSON: {e}"),
            )
        })?;
        self.patch_bytes(name, patch_type, body, options).await
    }

    /// PATCH with a body given as bytes (JSON, or YAML for an apply patch).
    pub async fn patch_bytes(
        &self,
        name: &str,
        patch_type: PatchType,
        body: impl Into<bytes::Bytes>,
        options: &PatchOptions,
    ) -> Result<Unstructured, Error> {
        let name = self.require_name("patch", name)?;
        Ok(self
            .request(self.rest.patch(patch_type), Some(name))
            .versioned_params(options)
            .body_bytes(body, patch_type.content_type())
            .object()
            .await?)
    }

    /// Server-side apply of `object` as `name` (a PATCH of type `application/apply-patch+yaml`
    /// with `fieldManager` and `force`). The object must not carry `metadata.managedFields`.
    pub async fn apply(
        &self,
        name: &str,
        object: &Unstructured,
        options: &ApplyOptions,
    ) -> Result<Unstructured, Error> {
        let name = self.require_name("apply", name)?;
        if options.field_manager.is_empty() {
            return Err(self.invalid("apply", "a field manager is required"));
        }
        let managed = object
            .nested_slice(&["metadata", "managedFields"])
            .ok()
            .flatten();
        if managed.is_some_and(|m| !m.is_empty()) {
            return Err(self.invalid(
                "apply",
                "cannot apply an object with managed fields already set; remove metadata.managedFields",
            ));
        }
        let body = serde_json::to_vec(object).map_err(|e| {
            self.invalid(
                "apply",
                &format!("the object cannot be encoded as JSON: {e}"),
            )
        })?;
        self.patch_bytes(name, PatchType::Apply, body, &options.to_patch_options())
            .await
    }

    /// Server-side apply of the `status` subresource (client-go's `ApplyStatus`).
    pub async fn apply_status(
        &self,
        name: &str,
        object: &Unstructured,
        options: &ApplyOptions,
    ) -> Result<Unstructured, Error> {
        self.subresource("status")
            .apply(name, object, options)
            .await
    }
}
