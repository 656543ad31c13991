//! The typed clientset (client-go's `kubernetes.Clientset`): [`Clientset`] hands out one client
//! per API group-version (`core_v1()`, `apps_v1()`, …; generated), each of which hands out a
//! [`ResourceClient`] per resource (`pods("ns")`, `namespaces()`; generated). The verbs live on
//! the generic, hand-written [`ResourceClient`], enabled per resource by the [`verbs`] traits.

#[cfg(feature = "apply")]
mod apply;
mod negotiate;
#[cfg(feature = "core-v1")]
mod pod;
#[cfg(feature = "core-v1")]
mod pod_cp;
#[cfg(feature = "core-v1")]
mod port_forward;
mod resource_client;
mod subresource;
pub mod verbs;
mod visit;

use std::sync::Arc;

use kclient_apimachinery::GroupVersion;
use kclient_apimachinery::resource::StaticResource;
use kclient_config::{Config, GROUPS_API_PATH, LEGACY_API_PATH, Serializer};
use kclient_rest::{HttpClient, RestClient};

#[cfg(feature = "core-v1")]
pub use pod::{AttachOptions, DEFAULT_MAX_LOG_LINE, ExecOptions, LogOptions};
#[cfg(feature = "core-v1")]
pub use pod_cp::CopyReport;
pub use resource_client::{Deleted, ResourceClient};
pub use visit::{Creatable, ResourceVisitor};

use crate::Error;

/// Clients for every compiled-in API group-version, sharing one [`HttpClient`] (one connection
/// pool, rate limiter and credential cache). Cheap to clone.
///
/// ```no_run
/// # async fn run() -> Result<(), kclient_typed::Error> {
/// use kclient_apimachinery::options::ListOptions;
/// use kclient_config::Config;
/// use kclient_typed::Clientset;
///
/// let clientset = Clientset::new(Config::new("https://10.0.0.1:6443"))?;
/// let pods = clientset.core_v1().pods("default").list(&ListOptions::default()).await?;
/// for pod in &pods.items {
///     println!("{:?}", pod.metadata.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Clientset {
    http: HttpClient,
    config: Arc<Config>,
    // Read by the generated accessors, of which there are none without group-version features.
    #[allow(dead_code)]
    pub(crate) groups: Arc<crate::api::GroupClients>,
}

impl Clientset {
    /// A clientset for `config` with its own [`HttpClient`] (client-go's `NewForConfig`).
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::for_config(&config)
    }

    /// A clientset for `config` with its own [`HttpClient`].
    pub fn for_config(config: &Config) -> Result<Self, Error> {
        let http = HttpClient::for_config(config)?;
        Self::for_config_and_client(config, http)
    }

    /// A clientset for `config` that sends through `http` (client-go's
    /// `NewForConfigAndClient`), for sharing one HTTP client with other clients.
    pub fn for_config_and_client(config: &Config, http: HttpClient) -> Result<Self, Error> {
        let groups = crate::api::GroupClients::build(config, &http)?;
        Ok(Self {
            http,
            config: Arc::new(config.clone()),
            groups: Arc::new(groups),
        })
    }

    /// A client for any resource type `K`, over this clientset's HTTP client: for types the
    /// clientset has no accessor for, such as custom resources generated with
    /// `cargo xtask codegen --crd` or written by hand (implement `StaticResource` and the
    /// [`verbs`] markers). `namespace` is ignored for cluster-scoped `K`; the empty namespace
    /// means all namespaces.
    pub fn resource<K: StaticResource>(&self, namespace: &str) -> Result<ResourceClient<K>, Error> {
        let rest = rest_client_for(&self.config, &self.http, K::GROUP, K::VERSION)?;
        Ok(ResourceClient::namespaced(rest, namespace))
    }

    /// The HTTP client all group clients share.
    pub fn http_client(&self) -> &HttpClient {
        &self.http
    }
}

/// The REST client of one group-version: `config` with client-go's defaults for a typed client
/// (`/api` for the core group, `/apis` for the others, JSON). Called by the generated code
/// and by [`Clientset::resource`].
pub(crate) fn rest_client_for(
    config: &Config,
    http: &HttpClient,
    group: &str,
    version: &str,
) -> Result<RestClient, kclient_rest::Error> {
    let mut config = config.clone();
    config.api_path = if group.is_empty() {
        LEGACY_API_PATH
    } else {
        GROUPS_API_PATH
    }
    .to_string();
    config.content.group_version = Some(GroupVersion::new(group, version));
    config.content.serializer = Some(Serializer::Json);
    RestClient::for_config_and_client(&config, http.clone())
}
