//! `ResourceClient<K>`: the verbs on one resource type, in one namespace or cluster-wide
//! (client-go's generated `PodInterface`, `DeploymentInterface`, … as one generic type). Which
//! verbs exist for `K` is decided by the marker traits in [`super::verbs`].

use std::marker::PhantomData;

use http::Method;
use kclient_apimachinery::Status;
use kclient_apimachinery::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, UpdateOptions,
};
use kclient_apimachinery::resource::{HasObjectMeta, StaticResource};
use kclient_rest::{Request, RestClient, WatchStream};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::negotiate::Negotiated;
use super::verbs;
use crate::Error;

/// A client for the objects of type `K` in one namespace, in all namespaces, or (for
/// cluster-scoped resources) in the cluster. Cheap to clone.
///
/// Get one from a group client (`clientset.core_v1().pods("default")`), or build one with
/// [`ResourceClient::namespaced`] / [`ResourceClient::cluster`] for your own resource types.
pub struct ResourceClient<K> {
    rest: RestClient,
    /// `None`: cluster-scoped, or all namespaces of a namespaced resource.
    namespace: Option<String>,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Clone for ResourceClient<K> {
    fn clone(&self) -> Self {
        Self {
            rest: self.rest.clone(),
            namespace: self.namespace.clone(),
            _kind: PhantomData,
        }
    }
}

impl<K: StaticResource> std::fmt::Debug for ResourceClient<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceClient")
            .field("resource", &K::PLURAL)
            .field("namespace", &self.namespace)
            .field("rest", &self.rest)
            .finish()
    }
}

/// What a delete answered with.
#[derive(Debug, Clone, PartialEq)]
pub enum Deleted<T> {
    /// The object (or list) as it is now: its deletion has started and may still be pending
    /// (finalizers, a grace period).
    Object(T),
    /// A `Status`: the object is gone.
    Status(Box<Status>),
}

impl<K: StaticResource> ResourceClient<K> {
    /// Objects in `namespace`, over `rest` (which must be bound to `K`'s group/version).
    /// For a namespaced `K`, the empty namespace means all namespaces (for list, watch and
    /// delete-collection; a named call with it fails, as in client-go). For a cluster-scoped
    /// `K` the namespace is ignored.
    pub fn namespaced(rest: RestClient, namespace: &str) -> Self {
        Self {
            rest,
            namespace: K::NAMESPACED.then(|| namespace.to_string()),
            _kind: PhantomData,
        }
    }

    /// Objects of a cluster-scoped `K`, or of a namespaced `K` in all namespaces.
    pub fn cluster(rest: RestClient) -> Self {
        Self {
            rest,
            namespace: None,
            _kind: PhantomData,
        }
    }

    /// The namespace requests go to (`None`: cluster-wide or all namespaces).
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The REST client underneath.
    pub fn rest_client(&self) -> &RestClient {
        &self.rest
    }

    /// A request on this resource's collection (namespace and resource set), for calls the
    /// typed methods do not cover.
    pub fn request(&self, verb: Method) -> Request {
        self.scoped(self.rest.verb(verb)).resource(K::PLURAL)
    }

    /// `request` with this client's namespace, if it has one.
    pub(super) fn scoped(&self, request: Request) -> Request {
        match &self.namespace {
            Some(ns) => request.namespace(ns.as_str()),
            None => request,
        }
    }

    /// A request on the object `name`.
    pub(super) fn named(&self, verb: Method, name: &str) -> Request {
        self.request(verb).name(name)
    }
}

/// The `metadata.name` of an object that is about to be written by name.
fn name_of<'a, K: StaticResource + HasObjectMeta>(
    object: &'a K,
    operation: &'static str,
) -> Result<&'a str, Error> {
    object
        .meta()
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .ok_or(Error::MissingName {
            kind: K::KIND,
            operation,
        })
}

impl<K: verbs::Get> ResourceClient<K> {
    /// Reads the object `name` (client-go's `Get`).
    pub async fn get(&self, name: &str, options: &GetOptions) -> Result<K, Error> {
        let request = self.named(Method::GET, name).versioned_params(options);
        let encoding = Negotiated::<K>::new(&self.rest);
        let request = encoding.accept(request, &self.rest);
        Ok(encoding.object(request).await?)
    }
}

impl<K: verbs::List> ResourceClient<K> {
    /// Lists the objects (one page when `options.limit` is set; follow `metadata.continue`).
    pub async fn list(&self, options: &ListOptions) -> Result<K::List, Error> {
        let request = self.request(Method::GET).versioned_params(options);
        // The items of a large list are decoded on several threads as the body arrives.
        let encoding = Negotiated::<K>::new(&self.rest);
        let parts = encoding.list(encoding.accept(request, &self.rest)).await?;
        if let Some(kind) = parts
            .kind
            .filter(|k| k != <K::List as verbs::ObjectList<K>>::LIST_KIND)
        {
            return Err(Error::UnexpectedKind {
                expected: <K::List as verbs::ObjectList<K>>::LIST_KIND,
                found: kind,
            });
        }
        Ok(verbs::ObjectList::from_parts(parts.metadata, parts.items))
    }
}

impl<K: verbs::Watch> ResourceClient<K> {
    /// Watches the objects: a stream of events, starting after `options.resource_version`.
    pub async fn watch(&self, options: &ListOptions) -> Result<WatchStream<K>, Error> {
        let request = self.request(Method::GET).versioned_params(options);
        let encoding = Negotiated::<K>::new(&self.rest);
        Ok(encoding.watch(encoding.accept(request, &self.rest)).await?)
    }
}

impl<K: verbs::Create> ResourceClient<K> {
    /// Creates `object` in this client's namespace.
    pub async fn create(&self, object: &K, options: &CreateOptions) -> Result<K::Output, Error> {
        let request = self.request(Method::POST).versioned_params(options);
        let encoding = Negotiated::<K>::new(&self.rest);
        let request = encoding.body(encoding.accept(request, &self.rest), object);
        Ok(encoding.output(request).await?)
    }
}

impl<K: verbs::Update + HasObjectMeta> ResourceClient<K> {
    /// Replaces the object named by `object.metadata.name`; a stale `resourceVersion` fails
    /// with a conflict ([`Error::is_conflict`]).
    pub async fn update(&self, object: &K, options: &UpdateOptions) -> Result<K, Error> {
        let name = name_of(object, "update")?;
        let request = self.named(Method::PUT, name).versioned_params(options);
        let encoding = Negotiated::<K>::new(&self.rest);
        let request = encoding.body(encoding.accept(request, &self.rest), object);
        Ok(encoding.object(request).await?)
    }
}

impl<K: verbs::Patch> ResourceClient<K> {
    /// Patches the object `name` with `patch` (a JSON patch, merge patch, strategic merge
    /// patch or apply configuration, by `patch_type`).
    pub async fn patch(
        &self,
        name: &str,
        patch_type: PatchType,
        patch: &(impl Serialize + ?Sized),
        options: &PatchOptions,
    ) -> Result<K, Error> {
        self.patch_subresource("", name, patch_type, patch, options)
            .await
    }

    /// Server-side apply of `configuration` (a partial object: a `serde_json::Value`, or a
    /// typed object whose unset optional fields are left out) to the object `name`. The
    /// options must name a field manager: `PatchOptions::apply("my-controller").force()`.
    pub async fn apply(
        &self,
        name: &str,
        configuration: &(impl Serialize + ?Sized),
        options: &PatchOptions,
    ) -> Result<K, Error> {
        self.patch_subresource("", name, PatchType::Apply, configuration, options)
            .await
    }
}

impl<K: verbs::Delete> ResourceClient<K> {
    /// Deletes the object `name`.
    pub async fn delete(&self, name: &str, options: &DeleteOptions) -> Result<Deleted<K>, Error> {
        let bytes = self
            .named(Method::DELETE, name)
            .body(options)
            .bytes()
            .await?;
        decode_deleted(&bytes, K::KIND, name)
    }
}

impl<K: verbs::DeleteCollection> ResourceClient<K> {
    /// Deletes every object matched by `list` (all of them by default).
    pub async fn delete_collection(
        &self,
        options: &DeleteOptions,
        list: &ListOptions,
    ) -> Result<Deleted<K::List>, Error> {
        let request = self.request(Method::DELETE).versioned_params(list);
        let bytes = request.body(options).bytes().await?;
        decode_deleted(&bytes, K::KIND, "")
    }
}

impl<K: verbs::GetStatus> ResourceClient<K> {
    /// Reads the object `name` through its `status` subresource.
    pub async fn get_status(&self, name: &str, options: &GetOptions) -> Result<K, Error> {
        self.get_subresource("status", name, options).await
    }
}

impl<K: verbs::UpdateStatus + HasObjectMeta> ResourceClient<K> {
    /// Replaces the status of the object named by `object.metadata.name` (the rest of the
    /// object is ignored by the server).
    pub async fn update_status(&self, object: &K, options: &UpdateOptions) -> Result<K, Error> {
        let name = name_of(object, "update_status")?;
        self.update_subresource("status", name, object, options)
            .await
    }
}

impl<K: verbs::PatchStatus> ResourceClient<K> {
    /// Patches the status of the object `name`.
    pub async fn patch_status(
        &self,
        name: &str,
        patch_type: PatchType,
        patch: &(impl Serialize + ?Sized),
        options: &PatchOptions,
    ) -> Result<K, Error> {
        self.patch_subresource("status", name, patch_type, patch, options)
            .await
    }

    /// Server-side apply to the status of the object `name` (see [`ResourceClient::apply`]).
    pub async fn apply_status(
        &self,
        name: &str,
        configuration: &(impl Serialize + ?Sized),
        options: &PatchOptions,
    ) -> Result<K, Error> {
        self.patch_subresource("status", name, PatchType::Apply, configuration, options)
            .await
    }
}

impl<K: verbs::GetScale> ResourceClient<K> {
    /// Reads the `scale` subresource of the object `name`.
    pub async fn get_scale(&self, name: &str, options: &GetOptions) -> Result<K::Scale, Error> {
        self.get_subresource("scale", name, options).await
    }
}

impl<K: verbs::UpdateScale> ResourceClient<K> {
    /// Replaces the `scale` subresource of the object `name` (sets the replica count).
    pub async fn update_scale(
        &self,
        name: &str,
        scale: &K::Scale,
        options: &UpdateOptions,
    ) -> Result<K::Scale, Error> {
        self.update_subresource("scale", name, scale, options).await
    }
}

impl<K: verbs::PatchScale> ResourceClient<K> {
    /// Patches the `scale` subresource of the object `name`.
    pub async fn patch_scale(
        &self,
        name: &str,
        patch_type: PatchType,
        patch: &(impl Serialize + ?Sized),
        options: &PatchOptions,
    ) -> Result<K::Scale, Error> {
        self.patch_subresource("scale", name, patch_type, patch, options)
            .await
    }
}

/// Decodes the answer to a delete: a `Status`, or the object (or list) being deleted.
fn decode_deleted<T: DeserializeOwned>(
    bytes: &[u8],
    kind: &'static str,
    name: &str,
) -> Result<Deleted<T>, Error> {
    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(borrow, default)]
        kind: Option<std::borrow::Cow<'a, str>>,
    }
    let error = |source| Error::DecodeDeleted {
        kind,
        name: name.to_string(),
        source,
    };
    let probe: Probe<'_> = serde_json::from_slice(bytes).map_err(error)?;
    if probe.kind.as_deref() == Some("Status") && kind != "Status" {
        let status: Status = serde_json::from_slice(bytes).map_err(error)?;
        return Ok(Deleted::Status(Box::new(status)));
    }
    serde_json::from_slice(bytes)
        .map(Deleted::Object)
        .map_err(error)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn delete_answers_are_told_apart() {
        let d: Deleted<serde_json::Value> =
            decode_deleted(br#"{"kind":"Status","status":"Success"}"#, "Pod", "p").unwrap();
        assert!(matches!(d, Deleted::Status(s) if s.status.as_deref() == Some("Success")));
        let d: Deleted<serde_json::Value> =
            decode_deleted(br#"{"kind":"Pod","metadata":{}}"#, "Pod", "p").unwrap();
        assert!(matches!(d, Deleted::Object(_)));
        let err = decode_deleted::<serde_json::Value>(b"<html>", "Pod", "p").unwrap_err();
        assert!(err.to_string().contains("deleting Pod \"p\""), "{err}");
    }
}
