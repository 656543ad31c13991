//! What generic code needs to know about an object type: the [`Resource`] trait (group, version,
//! kind, plural, scope), known at compile time for typed objects ([`StaticResource`]) and
//! carried at run time for dynamic ones ([`ApiResource`]); and the metadata traits
//! [`HasObjectMeta`] (typed access to `ObjectMeta`) and [`MetaAccessor`] (name, namespace,
//! resourceVersion … of *any* object, typed or [`Unstructured`](crate::Unstructured)).

use std::borrow::Cow;

use crate::meta::{ObjectMeta, Time};
use crate::{GroupVersion, GroupVersionKind, GroupVersionResource};

/// The type information of a resource, carried at run time (for dynamic/unstructured objects,
/// usually filled from discovery).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ApiResource {
    /// The API group; empty for the core group.
    pub group: String,
    /// The version, such as `v1`.
    pub version: String,
    /// The kind, such as `Deployment`.
    pub kind: String,
    /// The plural resource name used in URLs, such as `deployments`.
    pub plural: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
}

impl ApiResource {
    /// Builds the information from a group/version/kind, a plural and the scope.
    pub fn new(gvk: &GroupVersionKind, plural: impl Into<String>, namespaced: bool) -> Self {
        Self {
            group: gvk.group.clone(),
            version: gvk.version.clone(),
            kind: gvk.kind.clone(),
            plural: plural.into(),
            namespaced,
        }
    }

    /// Builds the information from a group/version/kind, guessing the plural as client-go's
    /// `meta.UnsafeGuessKindToResource` does (prefer discovery when you can).
    pub fn from_gvk_guessing_plural(gvk: &GroupVersionKind, namespaced: bool) -> Self {
        Self::new(gvk, guess_plural(&gvk.kind), namespaced)
    }

    /// The information of a statically typed resource.
    pub fn of<K: StaticResource>() -> Self {
        Self {
            group: K::GROUP.to_string(),
            version: K::VERSION.to_string(),
            kind: K::KIND.to_string(),
            plural: K::PLURAL.to_string(),
            namespaced: K::NAMESPACED,
        }
    }

    /// The group and version.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(self.group.clone(), self.version.clone())
    }

    /// The `apiVersion` string.
    pub fn api_version(&self) -> String {
        self.group_version().to_string()
    }

    /// The group/version/kind.
    pub fn gvk(&self) -> GroupVersionKind {
        self.group_version().with_kind(self.kind.clone())
    }

    /// The group/version/resource.
    pub fn gvr(&self) -> GroupVersionResource {
        self.group_version().with_resource(self.plural.clone())
    }
}

/// The lower-case plural of a kind, as `meta.UnsafeGuessKindToResource` guesses it:
/// `Endpoints` stays, `…s` gets `es`, `…y` becomes `…ies`, anything else gets `s`.
pub fn guess_plural(kind: &str) -> String {
    let singular = kind.to_lowercase();
    if singular.is_empty() || singular.ends_with("endpoints") {
        return singular;
    }
    if singular.ends_with('s') {
        return format!("{singular}es");
    }
    if let Some(stem) = singular.strip_suffix('y') {
        return format!("{stem}ies");
    }
    format!("{singular}s")
}

/// Compile-time type information of a typed resource (implemented by generated types).
/// Every `StaticResource` is a [`Resource`] with `DynamicType = ()`.
pub trait StaticResource {
    /// The API group; empty for the core group.
    const GROUP: &'static str;
    /// The version.
    const VERSION: &'static str;
    /// The kind.
    const KIND: &'static str;
    /// The plural resource name.
    const PLURAL: &'static str;
    /// Whether objects live in namespaces.
    const NAMESPACED: bool;
}

/// Type information shared by typed and dynamic objects, so that generic code (clients,
/// informers) can build URLs and check kinds for either.
///
/// Typed objects get this through [`StaticResource`] (`DynamicType = ()`); dynamic objects
/// take it from an [`ApiResource`] value (`DynamicType = ApiResource`).
pub trait Resource {
    /// The run-time information needed to describe the type: `()` when static.
    type DynamicType: Clone + Send + Sync + 'static;

    /// The API group.
    fn group(dt: &Self::DynamicType) -> Cow<'_, str>;
    /// The version.
    fn version(dt: &Self::DynamicType) -> Cow<'_, str>;
    /// The kind.
    fn kind(dt: &Self::DynamicType) -> Cow<'_, str>;
    /// The plural resource name.
    fn plural(dt: &Self::DynamicType) -> Cow<'_, str>;
    /// Whether objects live in namespaces.
    fn namespaced(dt: &Self::DynamicType) -> bool;

    /// The `apiVersion`: `group/version`, or `version` for the core group.
    fn api_version(dt: &Self::DynamicType) -> String {
        GroupVersion::new(Self::group(dt), Self::version(dt)).to_string()
    }

    /// All of the information as an [`ApiResource`].
    fn api_resource(dt: &Self::DynamicType) -> ApiResource {
        ApiResource {
            group: Self::group(dt).into_owned(),
            version: Self::version(dt).into_owned(),
            kind: Self::kind(dt).into_owned(),
            plural: Self::plural(dt).into_owned(),
            namespaced: Self::namespaced(dt),
        }
    }

    /// The collection path, such as `/apis/apps/v1/namespaces/default/deployments` or
    /// `/api/v1/nodes`. The namespace segment is added only for namespaced resources.
    fn url_path(dt: &Self::DynamicType, namespace: Option<&str>) -> String {
        let gv = GroupVersion::new(Self::group(dt), Self::version(dt));
        match namespace {
            Some(ns) if Self::namespaced(dt) => {
                format!("{}/namespaces/{ns}/{}", gv.api_path(), Self::plural(dt))
            }
            _ => format!("{}/{}", gv.api_path(), Self::plural(dt)),
        }
    }
}

impl<K: StaticResource> Resource for K {
    type DynamicType = ();

    fn group(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(K::GROUP)
    }
    fn version(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(K::VERSION)
    }
    fn kind(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(K::KIND)
    }
    fn plural(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(K::PLURAL)
    }
    fn namespaced(_: &()) -> bool {
        K::NAMESPACED
    }
}

/// Typed access to an object's `ObjectMeta` (implemented by typed objects).
pub trait HasObjectMeta {
    /// The metadata.
    fn meta(&self) -> &ObjectMeta;
    /// The metadata, mutably.
    fn meta_mut(&mut self) -> &mut ObjectMeta;
}

/// Read and write the common metadata of any object, typed or unstructured — the role of
/// client-go's `metav1.Object` interface. Every [`HasObjectMeta`] type implements it.
pub trait MetaAccessor {
    /// `metadata.name`.
    fn name(&self) -> Option<&str>;
    /// `metadata.namespace`.
    fn namespace(&self) -> Option<&str>;
    /// `metadata.resourceVersion`.
    fn resource_version(&self) -> Option<&str>;
    /// `metadata.uid`.
    fn uid(&self) -> Option<&str>;
    /// `metadata.generation`.
    fn generation(&self) -> Option<i64>;
    /// `metadata.labels` (empty if absent).
    fn labels(&self) -> Cow<'_, crate::VecMap<String, String>>;
    /// `metadata.annotations` (empty if absent).
    fn annotations(&self) -> Cow<'_, crate::VecMap<String, String>>;
    /// `metadata.deletionTimestamp`.
    fn deletion_timestamp(&self) -> Option<Time>;
    /// Sets `metadata.name`.
    fn set_name(&mut self, name: &str);
    /// Sets `metadata.namespace`.
    fn set_namespace(&mut self, namespace: &str);
    /// Sets `metadata.resourceVersion`.
    fn set_resource_version(&mut self, resource_version: &str);

    /// The cache key `namespace/name`, or `name` for cluster-scoped objects
    /// (client-go's `MetaNamespaceKeyFunc`).
    fn namespaced_key(&self) -> String {
        let name = self.name().unwrap_or("");
        match self.namespace().filter(|ns| !ns.is_empty()) {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_string(),
        }
    }
}

impl<T: HasObjectMeta> MetaAccessor for T {
    fn name(&self) -> Option<&str> {
        self.meta().name.as_deref()
    }
    fn namespace(&self) -> Option<&str> {
        self.meta().namespace.as_deref()
    }
    fn resource_version(&self) -> Option<&str> {
        self.meta().resource_version.as_deref()
    }
    fn uid(&self) -> Option<&str> {
        self.meta().uid.as_deref()
    }
    fn generation(&self) -> Option<i64> {
        self.meta().generation
    }
    fn labels(&self) -> Cow<'_, crate::VecMap<String, String>> {
        Cow::Borrowed(&self.meta().labels)
    }
    fn annotations(&self) -> Cow<'_, crate::VecMap<String, String>> {
        Cow::Borrowed(&self.meta().annotations)
    }
    fn deletion_timestamp(&self) -> Option<Time> {
        self.meta().deletion_timestamp
    }
    fn set_name(&mut self, name: &str) {
        self.meta_mut().name = Some(name.to_string());
    }
    fn set_namespace(&mut self, namespace: &str) {
        self.meta_mut().namespace = Some(namespace.to_string());
    }
    fn set_resource_version(&mut self, resource_version: &str) {
        self.meta_mut().resource_version = Some(resource_version.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Deployment {
        metadata: ObjectMeta,
    }

    impl StaticResource for Deployment {
        const GROUP: &'static str = "apps";
        const VERSION: &'static str = "v1";
        const KIND: &'static str = "Deployment";
        const PLURAL: &'static str = "deployments";
        const NAMESPACED: bool = true;
    }

    impl HasObjectMeta for Deployment {
        fn meta(&self) -> &ObjectMeta {
            &self.metadata
        }
        fn meta_mut(&mut self) -> &mut ObjectMeta {
            &mut self.metadata
        }
    }

    struct Node;

    impl StaticResource for Node {
        const GROUP: &'static str = "";
        const VERSION: &'static str = "v1";
        const KIND: &'static str = "Node";
        const PLURAL: &'static str = "nodes";
        const NAMESPACED: bool = false;
    }

    fn key_of<T: MetaAccessor>(obj: &T) -> String {
        obj.namespaced_key()
    }

    #[test]
    fn static_resources() {
        assert_eq!(Deployment::api_version(&()), "apps/v1");
        assert_eq!(
            Deployment::url_path(&(), Some("default")),
            "/apis/apps/v1/namespaces/default/deployments"
        );
        assert_eq!(Deployment::url_path(&(), None), "/apis/apps/v1/deployments");
        assert_eq!(Node::url_path(&(), Some("ignored")), "/api/v1/nodes");
        assert_eq!(Node::api_version(&()), "v1");
        let ar = ApiResource::of::<Deployment>();
        assert_eq!(ar, Deployment::api_resource(&()));
        assert_eq!(ar.gvk().to_string(), "apps/v1, Kind=Deployment");
        assert_eq!(ar.gvr().to_string(), "apps/v1, Resource=deployments");
        assert_eq!(ar.api_version(), "apps/v1");
    }

    #[test]
    fn meta_accessor_for_typed_objects() {
        let mut d = Deployment {
            metadata: ObjectMeta::namespaced("ns", "web"),
        };
        assert_eq!(key_of(&d), "ns/web");
        d.set_resource_version("9");
        d.set_namespace("");
        assert_eq!(d.resource_version(), Some("9"));
        assert_eq!(key_of(&d), "web");
        d.set_name("api");
        assert_eq!(d.name(), Some("api"));
        assert!(d.labels().is_empty());
        assert_eq!(d.generation(), None);
        assert_eq!(d.uid(), None);
        assert!(d.annotations().is_empty());
        assert!(d.deletion_timestamp().is_none());
    }

    #[test]
    fn plural_guessing_like_client_go() {
        for (kind, plural) in [
            ("Pod", "pods"),
            ("Ingress", "ingresses"),
            ("NetworkPolicy", "networkpolicies"),
            ("Endpoints", "endpoints"),
            ("", ""),
        ] {
            assert_eq!(guess_plural(kind), plural);
        }
        let ar = ApiResource::from_gvk_guessing_plural(
            &GroupVersionKind::new("example.com", "v1", "Widget"),
            true,
        );
        assert_eq!(ar.plural, "widgets");
    }
}
