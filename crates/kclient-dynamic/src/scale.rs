//! The scale client (client-go's `scale` package): read and change the `scale` subresource of
//! any scalable resource — deployments, replica sets, stateful sets, replication controllers,
//! and custom resources whose CRD declares a scale subresource — named by group and resource,
//! the version found through the RESTMapper.
//!
//! client-go asks discovery which `Scale` kind each resource serves and converts old
//! `extensions/v1beta1` and `apps/v1beta*` scales; every API server this client targets serves
//! `autoscaling/v1` `Scale` for every scale subresource, so that is the one type used here.

use kclient_apimachinery::meta::ObjectMeta;
use kclient_apimachinery::options::{GetOptions, PatchOptions, PatchType, UpdateOptions};
use kclient_apimachinery::{GroupResource, GroupVersionResource};
use kclient_config::Config;
use serde::{Deserialize, Serialize};

use crate::{DynamicClient, Error, ResourceClient, from_unstructured, to_unstructured};

/// `autoscaling/v1` `Scale`: the desired and observed replicas of a scalable object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scale {
    /// `autoscaling/v1`.
    #[serde(default)]
    pub api_version: String,
    /// `Scale`.
    #[serde(default)]
    pub kind: String,
    /// The scaled object's name, namespace and resourceVersion.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The desired state.
    #[serde(default)]
    pub spec: ScaleSpec,
    /// The observed state.
    #[serde(default)]
    pub status: ScaleStatus,
}

/// `autoscaling/v1` `ScaleSpec`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleSpec {
    /// The desired number of replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
}

/// `autoscaling/v1` `ScaleStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleStatus {
    /// The observed number of replicas.
    #[serde(default)]
    pub replicas: i32,
    /// The label selector of the pods, as a string (`app=web`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
}

/// Gets and updates scales (client-go's `scale.ScalesGetter`). Cloning is cheap.
#[derive(Debug, Clone)]
pub struct ScaleClient {
    dynamic: DynamicClient,
}

impl ScaleClient {
    /// A scale client for the server of `config`, with its own RESTMapper.
    pub fn for_config(config: &Config) -> Result<Self, Error> {
        Ok(Self::new(DynamicClient::for_config(config)?))
    }

    /// A scale client over `dynamic`, using its connections and its RESTMapper (which it must
    /// have, see [`DynamicClient::with_mapper`]).
    pub fn new(dynamic: DynamicClient) -> Self {
        Self { dynamic }
    }

    /// The scales of one namespace (client-go's `Scales(namespace)`); `""` for cluster-scoped
    /// resources.
    pub fn scales(&self, namespace: &str) -> Scales {
        Scales {
            dynamic: self.dynamic.clone(),
            namespace: namespace.to_string(),
        }
    }
}

/// The scales of one namespace (client-go's `ScaleInterface`).
#[derive(Debug, Clone)]
pub struct Scales {
    dynamic: DynamicClient,
    namespace: String,
}

impl Scales {
    /// The `scale` subresource client of `resource` at its preferred version.
    async fn client_for(&self, resource: &GroupResource) -> Result<ResourceClient, Error> {
        let mapper = self.dynamic.mapper().ok_or_else(|| Error::InvalidRequest {
            verb: "scale",
            resource: resource.to_string(),
            reason: "the dynamic client has no RESTMapper (build it with for_config or \
                     with_mapper)"
                .to_string(),
        })?;
        let partial = GroupVersionResource::new(&resource.group, "", &resource.resource);
        let gvr = mapper.resource_for(&partial).await?;
        Ok(self.gvr_client(&gvr))
    }

    fn gvr_client(&self, gvr: &GroupVersionResource) -> ResourceClient {
        let client = self.dynamic.resource(gvr).subresource("scale");
        if self.namespace.is_empty() {
            client
        } else {
            client.namespace(&self.namespace)
        }
    }

    /// The scale of object `name` of `resource` (`deployments.apps`, a custom resource, ...).
    pub async fn get(&self, resource: &GroupResource, name: &str) -> Result<Scale, Error> {
        let client = self.client_for(resource).await?;
        from_unstructured(&client.get(name, &GetOptions::default()).await?)
    }

    /// Writes `scale` (named by its `metadata.name`; keep `metadata.resourceVersion` for
    /// optimistic concurrency) and returns the server's answer.
    pub async fn update(&self, resource: &GroupResource, scale: &Scale) -> Result<Scale, Error> {
        let client = self.client_for(resource).await?;
        let mut scale = scale.clone();
        if scale.api_version.is_empty() {
            scale.api_version = "autoscaling/v1".into();
        }
        if scale.kind.is_empty() {
            scale.kind = "Scale".into();
        }
        let answer = client
            .update(&to_unstructured(&scale)?, &UpdateOptions::default())
            .await?;
        from_unstructured(&answer)
    }

    /// Patches the scale of object `name` of `gvr` (client-go's `Patch`, which takes the full
    /// group/version/resource), e.g. a merge patch `{"spec":{"replicas":3}}`.
    pub async fn patch(
        &self,
        gvr: &GroupVersionResource,
        name: &str,
        patch_type: PatchType,
        patch: &serde_json::Value,
    ) -> Result<Scale, Error> {
        let answer = self
            .gvr_client(gvr)
            .patch(name, patch_type, patch, &PatchOptions::default())
            .await?;
        from_unstructured(&answer)
    }
}
