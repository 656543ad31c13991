//! Marker traits saying which verbs a resource allows. The generator implements them for each
//! resource exactly as the spec's paths allow (`x-kubernetes-action`), so that calling a verb a
//! resource does not have — `update_status` on a `ConfigMap`, `delete` on a `TokenReview` — is
//! a compile error rather than a 404 or 405 at run time.
//!
//! Implement them yourself for custom resources (together with [`StaticResource`]) to use
//! [`ResourceClient`](super::ResourceClient) with your own types.

use kclient_apimachinery::meta::ListMeta;
use kclient_apimachinery::resource::StaticResource;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What every typed object a client handles is: a resource that (de)serializes and can move
/// between threads. Implemented for all such types.
pub trait Object: StaticResource + Serialize + DeserializeOwned + Send + Sync + 'static {}

impl<T> Object for T where T: StaticResource + Serialize + DeserializeOwned + Send + Sync + 'static {}

/// A list type (`PodList`): its metadata and items.
pub trait ObjectList<K>: DeserializeOwned + Send + Sync + 'static {
    /// The list's metadata (`resourceVersion`, `continue`).
    fn list_meta(&self) -> &ListMeta;
    /// The items.
    fn items(&self) -> &[K];
    /// The items, by value.
    fn into_items(self) -> Vec<K>;
    /// The list's `kind` (`PodList`).
    const LIST_KIND: &'static str;
    /// The list made of its metadata and items (`apiVersion` and `kind` are the type's).
    fn from_parts(metadata: ListMeta, items: Vec<K>) -> Self;
}

/// GET of one object by name.
pub trait Get: Object {}

/// GET of the collection.
pub trait List: Object {
    /// The list type (`PodList` for `Pod`).
    type List: ObjectList<Self>;
}

/// Watch of the collection.
pub trait Watch: Object {}

/// POST of a new object.
pub trait Create: Object {
    /// What the server answers with: the created object, or a `Status` for create-only
    /// resources such as `Binding`.
    type Output: DeserializeOwned + Send + 'static;
}

/// PUT of a whole object.
pub trait Update: Object {}

/// PATCH of an object, including server-side apply.
pub trait Patch: Object {}

/// DELETE of one object.
pub trait Delete: Object {}

/// DELETE of the collection.
pub trait DeleteCollection: List {}

/// GET of the `status` subresource.
pub trait GetStatus: Object {}

/// PUT of the `status` subresource.
pub trait UpdateStatus: Object {}

/// PATCH of the `status` subresource, including server-side apply.
pub trait PatchStatus: Object {}

/// Resources with a `scale` subresource.
pub trait Scale: Object {
    /// The type of the scale subresource (`autoscaling/v1` `Scale`).
    type Scale: Serialize + DeserializeOwned + Send + Sync + 'static;
}

/// GET of the `scale` subresource.
pub trait GetScale: Scale {}

/// PUT of the `scale` subresource.
pub trait UpdateScale: Scale {}

/// PATCH of the `scale` subresource.
pub trait PatchScale: Scale {}
