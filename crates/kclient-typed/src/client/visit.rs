//! Visiting every compiled-in resource type: [`ResourceVisitor`], called by the generated
//! [`Clientset::visit_resources`](crate::Clientset::visit_resources) once per resource with
//! the type as a generic parameter, for tools and tests that treat all kinds alike (client-go
//! gets the same from its `scheme.Scheme` and the RESTMapper).

use kclient_apimachinery::resource::HasObjectMeta;
use kclient_rest::RestClient;

use super::verbs;

/// A resource whose objects can be created, read back by name and deleted, and whose create
/// answers with the object itself (not `Binding` or the review kinds, which answer otherwise).
pub trait Creatable:
    verbs::Create<Output = Self>
    + verbs::Get
    + verbs::Delete
    + HasObjectMeta
    + Default
    + Clone
    + PartialEq
    + std::fmt::Debug
{
}

impl<K> Creatable for K where
    K: verbs::Create<Output = K>
        + verbs::Get
        + verbs::Delete
        + HasObjectMeta
        + Default
        + Clone
        + PartialEq
        + std::fmt::Debug
{
}

/// What [`Clientset::visit_resources`](crate::Clientset::visit_resources) calls for each
/// compiled-in resource, with the REST client of the resource's group-version (wrap it with
/// [`ResourceClient::namespaced`](super::ResourceClient::namespaced) or
/// [`ResourceClient::cluster`](super::ResourceClient::cluster)). Each resource is visited
/// exactly once, by `creatable` when it is [`Creatable`] and by `other` otherwise.
pub trait ResourceVisitor {
    /// A resource that can be created, read back and deleted.
    fn creatable<K: Creatable>(&mut self, rest: &RestClient);

    /// Any other resource (create-only, read-only, or one whose create answers differently).
    fn other<K: verbs::Object>(&mut self, rest: &RestClient) {
        let _ = rest;
    }
}
