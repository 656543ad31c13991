//! `coordination.k8s.io/v1` Lease objects and the [`LeaseLock`] that reads and writes one
//! through a `RestClient` with optimistic concurrency (client-go's `resourcelock.LeaseLock`).

use kclient_apimachinery::meta::{MicroTime, ObjectMeta};
use kclient_apimachinery::{HasObjectMeta, StaticResource};
use kclient_rest::RestClient;
use serde::{Deserialize, Serialize};

use crate::Error;

/// A `coordination.k8s.io/v1` Lease.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    /// `coordination.k8s.io/v1`.
    #[serde(default)]
    pub api_version: String,
    /// `Lease`.
    #[serde(default)]
    pub kind: String,
    /// The lease's metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Who holds the lease, and until when.
    #[serde(default)]
    pub spec: LeaseSpec,
}

/// `LeaseSpec`: the leader election record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaseSpec {
    /// The identity of the holder; empty when released.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_identity: Option<String>,
    /// How long the holder's claim lasts after `renew_time`, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_duration_seconds: Option<i32>,
    /// When the current holder acquired the lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquire_time: Option<MicroTime>,
    /// When the holder last renewed the lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_time: Option<MicroTime>,
    /// How many times the lease changed holders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_transitions: Option<i32>,
    /// The coordinated leader election strategy, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// The preferred holder under coordinated leader election, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_holder: Option<String>,
}

impl HasObjectMeta for Lease {
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl StaticResource for Lease {
    const GROUP: &'static str = "coordination.k8s.io";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Lease";
    const PLURAL: &'static str = "leases";
    const NAMESPACED: bool = true;
}

/// Reads and writes one Lease.
#[derive(Debug, Clone)]
pub struct LeaseLock {
    client: RestClient,
    namespace: String,
    name: String,
}

const API_PATH: &str = "/apis/coordination.k8s.io/v1";

impl LeaseLock {
    /// The lock `namespace/name`, through `client` (any `RestClient` of the server).
    pub fn new(client: RestClient, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            client,
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// `leases namespace/name`, for messages.
    pub fn describe(&self) -> String {
        format!("leases {}/{}", self.namespace, self.name)
    }

    /// The lease, or `None` if it does not exist.
    pub async fn get(&self) -> Result<Option<Lease>, Error> {
        let result = self
            .client
            .get()
            .abs_path(API_PATH)
            .namespace(&self.namespace)
            .resource("leases")
            .name(&self.name)
            .object::<Lease>()
            .await;
        match result {
            Ok(lease) => Ok(Some(lease)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(Error::api("get", self.describe(), e)),
        }
    }

    /// Creates the lease with `spec`; fails with AlreadyExists if another candidate was first.
    pub async fn create(&self, spec: LeaseSpec) -> Result<Lease, Error> {
        let lease = Lease {
            api_version: format!("{}/{}", Lease::GROUP, Lease::VERSION),
            kind: Lease::KIND.to_string(),
            metadata: ObjectMeta::namespaced(&self.namespace, &self.name),
            spec,
        };
        self.client
            .post()
            .abs_path(API_PATH)
            .namespace(&self.namespace)
            .resource("leases")
            .body(&lease)
            .object()
            .await
            .map_err(|e| Error::api("create", self.describe(), e))
    }

    /// Replaces the spec of `current` (at its resourceVersion): fails with Conflict if someone
    /// wrote the lease since it was read.
    pub async fn update(&self, current: &Lease, spec: LeaseSpec) -> Result<Lease, Error> {
        let mut lease = current.clone();
        lease.spec = spec;
        if lease.api_version.is_empty() {
            lease.api_version = format!("{}/{}", Lease::GROUP, Lease::VERSION);
            lease.kind = Lease::KIND.to_string();
        }
        self.client
            .put()
            .abs_path(API_PATH)
            .namespace(&self.namespace)
            .resource("leases")
            .name(&self.name)
            .body(&lease)
            .object()
            .await
            .map_err(|e| Error::api("update", self.describe(), e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lease_wire_form() {
        let json = serde_json::json!({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "l", "namespace": "ns", "resourceVersion": "3"},
            "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15,
                     "acquireTime": "2024-01-02T03:04:05.000000Z",
                     "renewTime": "2024-01-02T03:04:06.123456Z", "leaseTransitions": 2}
        });
        let lease: Lease = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(lease.spec.holder_identity.as_deref(), Some("a"));
        assert_eq!(lease.spec.lease_transitions, Some(2));
        assert_eq!(serde_json::to_value(&lease).unwrap(), json);
    }
}
