//! What a fresh v1.36 cluster holds before anyone writes to it, and what its controllers keep
//! in every namespace: the `kubernetes` Service with its Endpoints and EndpointSlice
//! (`pkg/controlplane/controller/kubernetesservice`, `pkg/controlplane/reconcilers`), the
//! `componentstatuses`, the `system-*` PriorityClasses (`pkg/apis/scheduling`
//! `SystemPriorityClasses`), the bootstrap RBAC roles and bindings
//! (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy`, in [`rbac`]), and per namespace the
//! `default` ServiceAccount (`pkg/controller/serviceaccount`) and the `kube-root-ca.crt`
//! ConfigMap (`pkg/controller/certificates/rootcacertpublisher`).

pub mod rbac;

use serde_json::{Value, json};

use super::State;
use super::objects::{self, meta_str};
use crate::registry;
use crate::store::{Key, Txn};

/// The name of the ServiceAccount every namespace gets.
pub const DEFAULT_SERVICE_ACCOUNT: &str = "default";
/// The name of the ConfigMap holding the cluster's CA in every namespace.
pub const ROOT_CA_CONFIGMAP: &str = "kube-root-ca.crt";
/// The root CA publisher's description annotation.
const ROOT_CA_DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";
/// The `kubernetes` Service's cluster IP (the first address of the default service CIDR).
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";

/// Stores `obj` (prepared as a create of `group/version/resource` would prepare it) unless an
/// object with its name exists. Returns whether it was stored.
pub fn put_new(txn: &mut Txn<'_>, group: &str, version: &str, resource: &str, obj: Value) -> bool {
    let Some(res) = registry::lookup(group, version, resource) else {
        return false;
    };
    let ns = meta_str(&obj, "namespace").to_string();
    let path_ns = res.namespaced().then_some(ns.as_str());
    let Ok(mut obj) = objects::prepare_create(&res, path_ns, obj) else {
        return false;
    };
    let key = Key::new(
        group,
        resource,
        if res.namespaced() { &ns } else { "" },
        meta_str(&obj, "name"),
    );
    if txn.contains(&key) {
        return false;
    }
    super::write::allocate(txn, &res, &mut obj);
    txn.put(&key, obj);
    true
}

/// The `default` ServiceAccount of `namespace`.
fn default_service_account(namespace: &str) -> Value {
    json!({"metadata": {"name": DEFAULT_SERVICE_ACCOUNT, "namespace": namespace}})
}

/// The `kube-root-ca.crt` ConfigMap of `namespace`.
pub fn root_ca_configmap(namespace: &str, ca_pem: &str) -> Value {
    json!({
        "metadata": {
            "name": ROOT_CA_CONFIGMAP,
            "namespace": namespace,
            "annotations": {"kubernetes.io/description": ROOT_CA_DESCRIPTION},
        },
        "data": {"ca.crt": ca_pem},
    })
}

/// What the service account controller and the root CA publisher create in a new (or any
/// Active) namespace: the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap, each
/// unless it exists. Namespaces being deleted get nothing.
pub fn namespace_contents(txn: &mut Txn<'_>, state: &State, namespace: &str) {
    let Some(ns) = txn.get(&Key::new("", "namespaces", "", namespace)) else {
        return;
    };
    if !meta_str(&ns, "deletionTimestamp").is_empty() {
        return;
    }
    put_new(
        txn,
        "",
        "v1",
        "serviceaccounts",
        default_service_account(namespace),
    );
    let cm_key = Key::new("", "configmaps", namespace, ROOT_CA_CONFIGMAP);
    match txn.get(&cm_key) {
        None => {
            put_new(
                txn,
                "",
                "v1",
                "configmaps",
                root_ca_configmap(namespace, &state.ca_pem),
            );
        }
        Some(mut cm) => {
            // The publisher puts the data and the description back when someone changes them.
            let ok = cm.pointer("/data/ca.crt").and_then(Value::as_str) == Some(&state.ca_pem)
                && cm
                    .pointer("/metadata/annotations/kubernetes.io~1description")
                    .and_then(Value::as_str)
                    .is_some_and(|d| !d.is_empty());
            if !ok && meta_str(&cm, "deletionTimestamp").is_empty() {
                cm["data"] = json!({"ca.crt": state.ca_pem});
                let meta = objects::meta_mut(&mut cm);
                let ann = objects::object_of(
                    meta.entry("annotations")
                        .or_insert_with(|| Value::Object(Default::default())),
                );
                ann.insert(
                    "kubernetes.io/description".into(),
                    json!(ROOT_CA_DESCRIPTION),
                );
                txn.put(&cm_key, cm);
            }
        }
    }
}

/// The server's address split into IP and port (`127.0.0.1`, `6443`).
fn endpoint_of(state: &State) -> (String, u16) {
    let addr: Option<std::net::SocketAddr> = state.server_address.parse().ok();
    match addr {
        Some(a) => (a.ip().to_string(), a.port()),
        None => ("127.0.0.1".into(), 443),
    }
}

/// Creates everything a fresh cluster holds (called once at start, before seeds).
pub fn seed_cluster(state: &State) {
    let (ip, port) = endpoint_of(state);
    state.store.transact(|txn| {
        for ns in super::namespaces::DEFAULT_NAMESPACES {
            namespace_contents(txn, state, ns);
        }
        put_new(
            txn,
            "",
            "v1",
            "services",
            json!({
                "metadata": {"name": "kubernetes", "namespace": "default",
                    "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {
                    "clusterIP": KUBERNETES_SERVICE_IP,
                    "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                    "sessionAffinity": "None",
                    "type": "ClusterIP",
                },
            }),
        );
        put_new(
            txn,
            "",
            "v1",
            "endpoints",
            json!({
                "metadata": {"name": "kubernetes", "namespace": "default",
                    "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
                "subsets": [{
                    "addresses": [{"ip": ip}],
                    "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
                }],
            }),
        );
        put_new(
            txn,
            "discovery.k8s.io",
            "v1",
            "endpointslices",
            json!({
                "metadata": {"name": "kubernetes", "namespace": "default",
                    "labels": {"kubernetes.io/service-name": "kubernetes"}},
                "addressType": "IPv4",
                "endpoints": [{"addresses": [ip], "conditions": {"ready": true}}],
                "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
            }),
        );
        for name in ["scheduler", "controller-manager", "etcd-0"] {
            put_new(
                txn,
                "",
                "v1",
                "componentstatuses",
                json!({
                    "metadata": {"name": name},
                    "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}],
                }),
            );
        }
        for (name, value, description) in [
            (
                "system-node-critical",
                2_000_001_000_i64,
                "Used for system critical pods that must not be moved from their current node.",
            ),
            (
                "system-cluster-critical",
                2_000_000_000,
                "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
            ),
        ] {
            put_new(
                txn,
                "scheduling.k8s.io",
                "v1",
                "priorityclasses",
                json!({
                    "metadata": {"name": name},
                    "value": value,
                    "globalDefault": false,
                    "description": description,
                    "preemptionPolicy": "PreemptLowerPriority",
                }),
            );
        }
        rbac::seed(txn);
    });
}
