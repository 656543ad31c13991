//! `DynamicClient`: one client for every resource, objects as JSON (client-go's
//! `dynamic.DynamicClient`), plus name resolution through a RESTMapper.

use std::sync::Arc;

use kclient_apimachinery::{GroupVersionKind, GroupVersionResource};
use kclient_config::{Config, Serializer};
use kclient_discovery::restmapper::{DeferredRestMapper, ResourceMapping};
use kclient_discovery::{DiscoveryClient, MemCacheClient};
use kclient_rest::{HttpClient, RestClient};

use crate::Error;
use crate::resource::ResourceClient;

/// The content type the dynamic client sends and accepts (client-go's `ConfigFor`).
pub const JSON: &str = "application/json";

/// The RESTMapper a [`DynamicClient`] resolves names with.
pub type Mapper = DeferredRestMapper<MemCacheClient<DiscoveryClient>>;

/// A client for any resource of the server, given as a group/version/resource, with objects as
/// [`kclient_apimachinery::Unstructured`].
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use kclient_apimachinery::GroupVersionResource;
/// use kclient_apimachinery::options::ListOptions;
/// use kclient_dynamic::DynamicClient;
///
/// let client = DynamicClient::for_config(&kclient_config::Config::infer()?)?;
/// let deployments = GroupVersionResource::new("apps", "v1", "deployments");
/// let list = client.resource(&deployments).namespace("default").list(&ListOptions::default()).await?;
/// for d in &list.items {
///     println!("{}", d.name().unwrap_or_default());
/// }
/// // Or resolve a kubectl-style name first.
/// let cms = client.resource_for("cm").await?;
/// # let _ = cms; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DynamicClient {
    rest: RestClient,
    mapper: Option<Arc<Mapper>>,
}

impl DynamicClient {
    /// A client for the server of `config`. JSON is forced for requests and answers, as
    /// client-go's dynamic client does; a RESTMapper over its own (in-memory cached) discovery
    /// client is set up for [`DynamicClient::resource_for`], and built on first use.
    pub fn for_config(config: &Config) -> Result<Self, Error> {
        let config = dynamic_config(config);
        let http = HttpClient::for_config(&config)?;
        let discovery = DiscoveryClient::for_config(&config)?;
        Ok(
            Self::for_config_and_client(&config, http)?.with_mapper(Arc::new(
                DeferredRestMapper::new(MemCacheClient::new(discovery)),
            )),
        )
    }

    /// A client sending through an existing [`HttpClient`] (sharing its connections and rate
    /// limiter). It has no RESTMapper unless one is given with [`DynamicClient::with_mapper`].
    pub fn for_config_and_client(config: &Config, http: HttpClient) -> Result<Self, Error> {
        let rest = RestClient::unversioned_for_config_and_client(&dynamic_config(config), http)?;
        Ok(Self { rest, mapper: None })
    }

    /// The same client resolving names with `mapper` (share one mapper between clients).
    pub fn with_mapper(mut self, mapper: Arc<Mapper>) -> Self {
        self.mapper = Some(mapper);
        self
    }

    /// The RESTMapper, if the client has one.
    pub fn mapper(&self) -> Option<&Arc<Mapper>> {
        self.mapper.as_ref()
    }

    /// The underlying REST client.
    pub fn rest_client(&self) -> &RestClient {
        &self.rest
    }

    /// A client for one resource (client-go's `Resource(gvr)`); choose a namespace with
    /// [`ResourceClient::namespace`].
    pub fn resource(&self, gvr: &GroupVersionResource) -> ResourceClient {
        ResourceClient::new(self.rest.clone(), gvr.clone())
    }

    fn require_mapper(&self, what: &str) -> Result<&Mapper, Error> {
        self.mapper.as_deref().ok_or_else(|| Error::InvalidRequest {
            verb: "resolve",
            resource: what.to_string(),
            reason: "this client has no RESTMapper (build it with for_config or with_mapper)"
                .to_string(),
        })
    }

    /// What a kubectl-style name means: `deployments`, `deploy`, `Deployment`,
    /// `deployments.apps`, `deployments.v1.apps`, `Deployment.v1.apps` (see
    /// [`kclient_discovery::restmapper::RestMapper::resolve`]). Unknown names refresh discovery
    /// once, so newly created custom resources are found.
    pub async fn resolve(&self, name: &str) -> Result<ResourceMapping, Error> {
        Ok(self.require_mapper(name)?.resolve(name).await?)
    }

    /// The mapping of a kind (at its version, or the preferred one when the version is empty).
    pub async fn resolve_kind(&self, gvk: &GroupVersionKind) -> Result<ResourceMapping, Error> {
        Ok(self
            .require_mapper(&gvk.to_string())?
            .mapping_for_kind(gvk)
            .await?)
    }

    /// A client for the resource a kubectl-style name means (see [`DynamicClient::resolve`]).
    pub async fn resource_for(&self, name: &str) -> Result<ResourceClient, Error> {
        Ok(self.resource(&self.resolve(name).await?.resource))
    }
}

/// The config of a dynamic client: unversioned, JSON only (client-go's `dynamic.ConfigFor`).
fn dynamic_config(config: &Config) -> Config {
    let mut c = config.clone();
    c.api_path = String::new();
    c.content.group_version = None;
    c.content.serializer = Some(Serializer::Json);
    c.content.content_type = Some(JSON.to_string());
    c.content.accept_content_types = Some(JSON.to_string());
    c
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn forces_json() {
        let mut config = Config::new("http://h:1");
        config.content.accept_content_types = Some("application/vnd.kubernetes.protobuf".into());
        let client = DynamicClient::for_config(&config).unwrap();
        assert_eq!(client.rest_client().accept(), "application/json");
        assert_eq!(client.rest_client().content_type(), "application/json");
        assert!(client.mapper().is_some());
        let bare =
            DynamicClient::for_config_and_client(&config, HttpClient::for_config(&config).unwrap())
                .unwrap();
        let err = bare.resolve("pods").await.unwrap_err();
        assert!(err.to_string().contains("has no RESTMapper"), "{err}");
    }
}
