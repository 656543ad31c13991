//! Realistic pods for the benchmarks (shared by `list_decode` and `testserver_load`, each
//! including it with `#[path]`): a generator of pods and of a `v1/PodList` JSON body (full
//! metadata with managed fields, spec and status, about 5 KB per pod) and the typed structs it
//! decodes into.

// The typed structs exist to be decoded: the benchmarks measure building them, not reading them;
// and each benchmark uses only part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;

use kclient_apimachinery::meta::{ListMeta, ObjectMeta, Time};
use serde::Deserialize;
use serde_json::{Value, json};

/// Pod number `i`, shaped like what a real API server returns for a Deployment's replica (in
/// namespace `team-<i % 20>`, with server-set fields such as `uid` and `resourceVersion`).
pub fn pod(i: usize) -> Value {
    let app = format!("app-{}", i % 50);
    let name = format!("{app}-7f9c8d6b5-{i:05x}");
    let ip = format!("10.{}.{}.{}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
    let uid = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        i,
        i & 0xffff,
        i & 0xfff,
        (i * 7) & 0xfff,
        i * 7919
    );
    let env: Vec<Value> = (0..2)
        .map(|e| json!({"name": format!("ENV_VAR_{e}"), "value": format!("value-{e}-for-{app}")}))
        .collect();
    let container = |name: &str, image: &str, port: u16| {
        json!({
            "name": name,
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "args": ["--port", port.to_string(), "--log-level=info"],
            "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
            "env": env,
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"},
                          "requests": {"cpu": "100m", "memory": "128Mi"}},
            "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": true}],
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"},
                              "initialDelaySeconds": 10, "timeoutSeconds": 1, "periodSeconds": 10,
                              "successThreshold": 1, "failureThreshold": 3},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"
        })
    };
    let container_status = |name: &str, image: &str| {
        json!({
            "name": name, "ready": true, "restartCount": i % 3, "started": true,
            "image": image, "imageID": format!("docker.io/library/{image}@sha256:{:064x}", i * 31337),
            "containerID": format!("containerd://{:064x}", i * 104729),
            "state": {"running": {"startedAt": "2024-05-01T10:00:05Z"}},
            "lastState": {}
        })
    };
    let condition = |t: &str| {
        json!({"type": t, "status": "True", "lastProbeTime": null,
               "lastTransitionTime": "2024-05-01T10:00:06Z"})
    };
    json!({
        "metadata": {
            "name": name,
            "generateName": format!("{app}-7f9c8d6b5-"),
            "namespace": format!("team-{}", i % 20),
            "uid": uid,
            "resourceVersion": (1_000_000 + i).to_string(),
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": {"app": app, "pod-template-hash": "7f9c8d6b5", "tier": "backend",
                       "version": "v1.2.3", "team": format!("team-{}", i % 20)},
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                 "name": format!("{app}-7f9c8d6b5"), "uid": uid,
                                 "controller": true, "blockOwnerDeletion": true}],
            "managedFields": [
                {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                 "time": "2024-05-01T10:00:00Z", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}, "f:tier": {}, "f:version": {}},
                              "f:ownerReferences": {".": {}, "k:{\"uid\":\"x\"}": {}}},
                              "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:args": {}, "f:env": {}, "f:image": {}, "f:name": {}, "f:ports": {}, "f:resources": {}}},
                                         "f:dnsPolicy": {}, "f:restartPolicy": {}, "f:schedulerName": {}}}},
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1",
                 "time": "2024-05-01T10:00:06Z", "fieldsType": "FieldsV1", "subresource": "status",
                 "fieldsV1": {"f:status": {"f:conditions": {"k:{\"type\":\"Ready\"}": {".": {}, "f:status": {}}},
                                           "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:startTime": {}}}}
            ]
        },
        "spec": {
            "volumes": [
                {"name": "config", "configMap": {"name": format!("{app}-config"), "defaultMode": 420}},
                {"name": "kube-api-access-abcde", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
                ]}}
            ],
            "containers": [container("app", "registry.example.com/app:v1.2.3", 8080),
                           container("sidecar", "registry.example.com/proxy:v0.9.1", 15000)],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "serviceAccount": "default",
            "nodeName": format!("node-{:03}", i % 200),
            "securityContext": {"runAsUser": 1000, "fsGroup": 2000},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            ],
            "priority": 0,
            "enableServiceLinks": true
        },
        "status": {
            "phase": "Running",
            "conditions": [condition("Initialized"),
                           condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
            "hostIP": format!("192.168.{}.{}", (i / 200) % 256, i % 200),
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": "2024-05-01T10:00:00Z",
            "containerStatuses": [container_status("app", "registry.example.com/app:v1.2.3"),
                                  container_status("sidecar", "registry.example.com/proxy:v0.9.1")],
            "qosClass": "Burstable"
        }
    })
}

/// A `v1/PodList` of `count` pods, serialized.
pub fn pod_list_json(count: usize) -> Vec<u8> {
    let items: Vec<Value> = (0..count).map(pod).collect();
    let list = json!({
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "2000000"},
        "items": items,
    });
    serde_json::to_vec(&list).unwrap_or_default()
}

/// The typed list the benchmark decodes into.
#[derive(Debug, Deserialize)]
pub struct PodList {
    /// List metadata.
    pub metadata: ListMeta,
    /// The pods.
    pub items: Vec<Pod>,
}

/// A pod, with most of what `pod()` generates modelled.
#[derive(Debug, Deserialize)]
pub struct Pod {
    /// Object metadata, including managed fields.
    pub metadata: ObjectMeta,
    /// Desired state.
    pub spec: PodSpec,
    /// Observed state.
    pub status: PodStatus,
}

/// `spec` of a pod.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct PodSpec {
    #[serde(default)]
    pub volumes: Vec<Value>,
    pub containers: Vec<Container>,
    pub restart_policy: Option<String>,
    pub termination_grace_period_seconds: Option<i64>,
    pub dns_policy: Option<String>,
    pub service_account_name: Option<String>,
    pub node_name: Option<String>,
    pub security_context: Option<Value>,
    pub scheduler_name: Option<String>,
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    pub priority: Option<i32>,
    pub enable_service_links: Option<bool>,
    pub preemption_policy: Option<String>,
}

/// A container of a pod spec.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub image_pull_policy: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub ports: Vec<ContainerPort>,
    #[serde(default)]
    pub env: Vec<EnvVar>,
    pub resources: Option<Resources>,
    #[serde(default)]
    pub volume_mounts: Vec<Value>,
    pub liveness_probe: Option<Value>,
    pub readiness_probe: Option<Value>,
    pub termination_message_path: Option<String>,
    pub termination_message_policy: Option<String>,
    pub security_context: Option<Value>,
}

/// A container port.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: i32,
    pub protocol: Option<String>,
}

/// An environment variable.
#[derive(Debug, Deserialize)]
#[allow(missing_docs)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
}

/// Resource requests and limits.
#[derive(Debug, Deserialize)]
#[allow(missing_docs)]
pub struct Resources {
    #[serde(default)]
    pub limits: BTreeMap<String, String>,
    #[serde(default)]
    pub requests: BTreeMap<String, String>,
}

/// A toleration.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub effect: Option<String>,
    pub toleration_seconds: Option<i64>,
}

/// `status` of a pod.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct PodStatus {
    pub phase: Option<String>,
    #[serde(default)]
    pub conditions: Vec<PodCondition>,
    #[serde(rename = "hostIP")]
    pub host_ip: Option<String>,
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
    pub start_time: Option<Time>,
    #[serde(default)]
    pub container_statuses: Vec<ContainerStatus>,
    pub qos_class: Option<String>,
}

/// A pod condition.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct PodCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub last_transition_time: Option<Time>,
}

/// A container's status.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ContainerStatus {
    pub name: String,
    pub ready: bool,
    pub restart_count: i32,
    pub image: String,
    #[serde(rename = "imageID")]
    pub image_id: String,
    #[serde(rename = "containerID")]
    pub container_id: Option<String>,
    pub state: Option<Value>,
}
