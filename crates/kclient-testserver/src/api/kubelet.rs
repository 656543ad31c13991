//! The simulated kubelets: every Node object has one. A pod bound to an existing node (created
//! with `spec.nodeName`, bound later, or whose node appears later) is started after the
//! configured start delay: its containers get a file system with their ConfigMap and Secret
//! volumes and a log in [`crate::runtime`], and its status becomes what the kubelet's status
//! manager writes for running containers (`pkg/kubelet/kubelet_pods.go`,
//! `generateAPIPodStatus`): phase `Running`, `hostIP`/`podIP`, `startTime`, the
//! `PodReadyToStartContainers`, `Initialized`, `Ready`, `ContainersReady` and `PodScheduled`
//! conditions, and `containerStatuses` in the `running` state (init containers `terminated`
//! with reason `Completed`). Watchers see it as a MODIFIED event. A deleted pod's containers
//! stop at once (their streams end).

use std::sync::{Arc, Weak};

use base64::Engine;
use serde_json::{Value, json};

use super::State;
use super::objects::{self, meta_str};
use crate::runtime::{ContainerSpec, Files};
use crate::store::{ChangeType, Key, Object, Prefix, WatchFrom};

/// Runs the kubelets until the server goes away.
pub async fn run(state: Weak<State>) {
    loop {
        let Some(s) = state.upgrade() else { return };
        let mut shutdown = s.shutdown.clone();
        if *shutdown.borrow() {
            s.runtime.stop_all();
            return;
        }
        let (Ok(mut pods), Ok(mut nodes)) = (
            s.store
                .subscribe(Prefix::new("", "pods", None), WatchFrom::CurrentState),
            s.store
                .subscribe(Prefix::new("", "nodes", None), WatchFrom::CurrentState),
        ) else {
            return;
        };
        for pod in std::mem::take(&mut pods.initial) {
            on_pod(&s, &pod);
        }
        drop(s);
        loop {
            tokio::select! {
                change = pods.rx.recv() => {
                    let Some(change) = change else { break };
                    let Some(s) = state.upgrade() else { return };
                    if change.kind == ChangeType::Deleted {
                        s.runtime.stop(change.object.meta().uid.as_str());
                    } else {
                        on_pod(&s, &change.object);
                    }
                }
                change = nodes.rx.recv() => {
                    let Some(change) = change else { break };
                    let Some(s) = state.upgrade() else { return };
                    if change.kind == ChangeType::Added {
                        on_node(&s, change.key.name.as_str());
                    }
                }
                _ = shutdown.changed() => {
                    if let Some(s) = state.upgrade() {
                        s.runtime.stop_all();
                    }
                    return;
                }
            }
        }
        // The store dropped the subscriptions (fault injection, or a full queue): resync.
    }
}

/// A node appeared: its kubelet starts the pods already bound to it.
fn on_node(state: &Arc<State>, node: &str) {
    let Ok((_, pods)) = state.store.snapshot(&Prefix::new("", "pods", None), None) else {
        return;
    };
    for (_, pod) in pods {
        if pod.meta().field("spec.nodeName") == Some(node) {
            on_pod(state, &pod);
        }
    }
}

/// A pod was added or changed: start it if it is bound to an existing node and not running.
fn on_pod(state: &Arc<State>, obj: &Arc<Object>) {
    let meta = obj.meta();
    let node = meta.field("spec.nodeName").unwrap_or_default();
    let namespace = meta.field("metadata.namespace").unwrap_or_default();
    let name = meta.field("metadata.name").unwrap_or_default();
    if node.is_empty()
        || meta.deleting
        || matches!(meta.field("status.phase"), Some("Succeeded" | "Failed"))
        || state.runtime.contains(&meta.uid)
        || !state.runtime.claim(&meta.uid)
    {
        return;
    }
    if state.store.get(&Key::new("", "nodes", "", node)).is_none() {
        state.runtime.unclaim(&meta.uid);
        return;
    }
    let pod = obj.value();
    let key = Key::new("", "pods", namespace, name);
    let uid = meta.uid.to_string();
    let delay = state.behaviour.kubelet_start_delay;
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let weak = Arc::downgrade(state);
    handle.spawn(async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if let Some(state) = weak.upgrade() {
            start(&state, &key, &uid, &pod);
            state.runtime.unclaim(&uid);
        }
    });
}

/// Starts the containers and writes the running status.
fn start(state: &Arc<State>, key: &Key, uid: &str, pod: &Value) {
    let ns = meta_str(pod, "namespace");
    let name = meta_str(pod, "name");
    let ip = pod_ip(state);
    let specs = container_specs(state, pod, &ip);
    let runtime = state.runtime.start(uid, name, specs);
    let policy = pod
        .pointer("/spec/restartPolicy")
        .and_then(Value::as_str)
        .unwrap_or("Always")
        .to_string();
    let started = state.store.transact(|txn| {
        let Some(mut current) = txn.get(key) else {
            return false;
        };
        if meta_str(&current, "uid") != uid || !meta_str(&current, "deletionTimestamp").is_empty() {
            return false;
        }
        let node = current
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let host_ip = txn
            .get(&Key::new("", "nodes", "", &node))
            .and_then(|n| internal_ip(&n))
            .unwrap_or_else(|| "10.0.0.1".into());
        let status = running_status(&current, &objects::now(), &ip, &host_ip);
        objects::object_of(&mut current).insert("status".into(), status);
        txn.put(key, current);
        true
    });
    if !started {
        state.runtime.stop(uid);
        return;
    }
    // Containers that run a command may exit: report it and restart them per restartPolicy.
    for container in runtime.containers.values().filter(|c| c.runs_command()) {
        tokio::spawn(super::kubelet_restarts::supervise(
            Arc::downgrade(state),
            key.clone(),
            uid.to_string(),
            runtime.clone(),
            container.clone(),
            policy.clone(),
        ));
    }
    tracing::debug!(namespace = ns, pod = name, started, "kubelet started pod");
}

fn internal_ip(node: &Value) -> Option<String> {
    node.pointer("/status/addresses")?
        .as_array()?
        .iter()
        .find(|a| a["type"] == "InternalIP")
        .and_then(|a| a["address"].as_str())
        .map(str::to_string)
}

/// A pod IP from 10.244.0.0/16 (the next one each time).
fn pod_ip(state: &State) -> String {
    let n = state.runtime.next_ip();
    format!("10.244.{}.{}", (n >> 8) & 0xff, (n & 0xff).max(1))
}

/// The image as the runtime reports it: `nginx` → `docker.io/library/nginx:latest`.
pub fn normalize_image(image: &str) -> String {
    let (repo, tag) = match image.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r.to_string(), format!(":{t}")),
        _ if image.contains('@') => (image.to_string(), String::new()),
        _ => (image.to_string(), ":latest".to_string()),
    };
    let first = repo.split('/').next().unwrap_or_default();
    let has_registry =
        repo.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let repo = match (has_registry, repo.contains('/')) {
        (true, _) => repo,
        (false, true) => format!("docker.io/{repo}"),
        (false, false) => format!("docker.io/library/{repo}"),
    };
    format!("{repo}{tag}")
}

/// 64 hex digits derived from `seed` (FNV-1a, widened): stable image and container ids.
fn hex_id(seed: &str) -> String {
    let mut out = String::with_capacity(64);
    for round in 0u64..4 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ round;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

fn condition(kind: &str, now: &str, previous: &[Value]) -> Value {
    let since = previous
        .iter()
        .find(|c| c["type"] == kind && c["status"] == "True")
        .and_then(|c| c.get("lastTransitionTime").cloned())
        .unwrap_or_else(|| json!(now));
    json!({"type": kind, "status": "True", "lastProbeTime": null, "lastTransitionTime": since})
}

/// The status the kubelet writes once every container runs.
pub fn running_status(pod: &Value, now: &str, pod_ip: &str, host_ip: &str) -> Value {
    let previous: Vec<Value> = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let uid = meta_str(pod, "uid");
    let status_of = |c: &Value, init: bool| {
        let name = c["name"].as_str().unwrap_or_default();
        let image = normalize_image(c["image"].as_str().unwrap_or_default());
        let repo = image
            .rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map_or(image.as_str(), |(r, _)| r);
        let image_id = format!("{repo}@sha256:{}", hex_id(&image));
        let container_id = format!("containerd://{}", hex_id(&format!("{uid}/{name}")));
        let state = if init {
            json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now, "containerID": container_id}})
        } else {
            json!({"running": {"startedAt": now}})
        };
        json!({
            "name": name,
            "state": state,
            "lastState": {},
            "ready": !init,
            "restartCount": 0,
            "image": image,
            "imageID": image_id,
            "containerID": container_id,
            "started": !init,
        })
    };
    let list = |field: &str, init: bool| -> Vec<Value> {
        pod.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .map(|cs| cs.iter().map(|c| status_of(c, init)).collect())
            .unwrap_or_default()
    };
    let mut status = json!({
        "phase": "Running",
        "conditions": [
            condition("PodReadyToStartContainers", now, &previous),
            condition("Initialized", now, &previous),
            condition("Ready", now, &previous),
            condition("ContainersReady", now, &previous),
            condition("PodScheduled", now, &previous),
        ],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": now,
        "containerStatuses": list("containers", false),
    });
    let init = list("initContainers", true);
    if !init.is_empty() {
        status["initContainerStatuses"] = json!(init);
    }
    if let Some(qos) = pod.pointer("/status/qosClass") {
        status["qosClass"] = qos.clone();
    }
    status
}

/// The data of a ConfigMap or Secret (Secret values base64-decoded).
fn volume_data(state: &State, resource: &str, namespace: &str, name: &str) -> Files {
    let Some(obj) = state.store.get(&Key::new("", resource, namespace, name)) else {
        return Vec::new();
    };
    let obj = obj.value();
    let decode = |v: &str| base64::engine::general_purpose::STANDARD.decode(v).ok();
    let mut out = Vec::new();
    for (field, b64) in [("data", resource == "secrets"), ("binaryData", true)] {
        if let Some(map) = obj.get(field).and_then(Value::as_object) {
            for (k, v) in map {
                let v = v.as_str().unwrap_or_default();
                let bytes = if b64 {
                    decode(v)
                } else {
                    Some(v.as_bytes().to_vec())
                };
                if let Some(bytes) = bytes {
                    out.push((k.clone(), bytes));
                }
            }
        }
    }
    out
}

/// A volume's files: its source's keys, or only its `items` (key → path).
fn volume_files(state: &State, namespace: &str, volume: &Value) -> Option<(Files, u32)> {
    let (source, resource, name_field) = if let Some(cm) = volume.get("configMap") {
        (cm, "configmaps", "name")
    } else if let Some(s) = volume.get("secret") {
        (s, "secrets", "secretName")
    } else {
        return None;
    };
    let name = source[name_field].as_str().unwrap_or_default();
    let data = volume_data(state, resource, namespace, name);
    let mode = source["defaultMode"]
        .as_u64()
        .map_or(0o644, |m| (m & 0o7777) as u32);
    let files = match source.get("items").and_then(Value::as_array) {
        Some(items) => items
            .iter()
            .filter_map(|i| {
                let key = i["key"].as_str()?;
                let path = i["path"].as_str().unwrap_or(key);
                let (_, v) = data.iter().find(|(k, _)| k == key)?;
                Some((path.to_string(), v.clone()))
            })
            .collect(),
        None => data,
    };
    Some((files, mode))
}

/// The environment: `PATH`, `HOSTNAME`, the container's `envFrom` and `env` (values,
/// ConfigMap/Secret keys, pod fields), the `kubernetes` service variables, `HOME`.
fn environment(
    state: &State,
    pod: &Value,
    container: &Value,
    pod_ip: &str,
) -> Vec<(String, String)> {
    let ns = meta_str(pod, "namespace");
    let mut env: Vec<(String, String)> = vec![
        (
            "PATH".into(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ),
        ("HOSTNAME".into(), meta_str(pod, "name").to_string()),
    ];
    let mut set = |k: String, v: String| {
        env.retain(|(n, _)| *n != k);
        env.push((k, v));
    };
    let key_of = |resource: &str, r: &Value| -> Option<String> {
        let data = volume_data(state, resource, ns, r["name"].as_str()?);
        let key = r["key"].as_str()?;
        data.into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| String::from_utf8_lossy(&v).into_owned())
    };
    for from in container["envFrom"].as_array().into_iter().flatten() {
        let prefix = from["prefix"].as_str().unwrap_or_default();
        let (resource, r) = match (from.get("configMapRef"), from.get("secretRef")) {
            (Some(r), _) => ("configmaps", r),
            (_, Some(r)) => ("secrets", r),
            _ => continue,
        };
        for (k, v) in volume_data(state, resource, ns, r["name"].as_str().unwrap_or_default()) {
            set(
                format!("{prefix}{k}"),
                String::from_utf8_lossy(&v).into_owned(),
            );
        }
    }
    for e in container["env"].as_array().into_iter().flatten() {
        let Some(name) = e["name"].as_str() else {
            continue;
        };
        let value = if let Some(v) = e["value"].as_str() {
            Some(v.to_string())
        } else if let Some(r) = e.pointer("/valueFrom/configMapKeyRef") {
            key_of("configmaps", r)
        } else if let Some(r) = e.pointer("/valueFrom/secretKeyRef") {
            key_of("secrets", r)
        } else if let Some(path) = e
            .pointer("/valueFrom/fieldRef/fieldPath")
            .and_then(Value::as_str)
        {
            match path {
                "status.podIP" => Some(pod_ip.to_string()),
                "status.hostIP" => Some("10.0.0.1".to_string()),
                p => {
                    let pointer = format!("/{}", p.replace('.', "/"));
                    pod.pointer(&pointer)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                }
            }
        } else {
            Some(String::new())
        };
        set(name.to_string(), value.unwrap_or_default());
    }
    if pod.pointer("/spec/enableServiceLinks") != Some(&json!(false)) || ns == "default" {
        for (k, v) in [
            ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
            ("KUBERNETES_SERVICE_PORT", "443"),
            ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
            ("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
            ("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"),
            ("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
            ("KUBERNETES_PORT_443_TCP_PORT", "443"),
            ("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"),
        ] {
            set(k.into(), v.into());
        }
    }
    set("HOME".into(), "/root".into());
    env
}

/// What each container starts with.
fn container_specs(state: &State, pod: &Value, pod_ip: &str) -> Vec<ContainerSpec> {
    let ns = meta_str(pod, "namespace");
    let volumes: Vec<Value> = pod
        .pointer("/spec/volumes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    containers
        .iter()
        .map(|c| {
            let strings = |f: &str| -> Vec<String> {
                c[f].as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            };
            let mut command = strings("command");
            command.extend(strings("args"));
            let mut spec = ContainerSpec {
                name: c["name"].as_str().unwrap_or_default().to_string(),
                image: c["image"].as_str().unwrap_or_default().to_string(),
                command,
                env: environment(state, pod, c, pod_ip),
                stdin: c["stdin"].as_bool().unwrap_or(false),
                stdin_once: c["stdinOnce"].as_bool().unwrap_or(false),
                ..ContainerSpec::default()
            };
            for m in c["volumeMounts"].as_array().into_iter().flatten() {
                let (Some(name), Some(path)) = (m["name"].as_str(), m["mountPath"].as_str()) else {
                    continue;
                };
                let volume = volumes.iter().find(|v| v["name"] == name);
                match volume.and_then(|v| volume_files(state, ns, v)) {
                    Some((files, mode)) => spec.mounts.push((path.to_string(), files, mode)),
                    None => spec.dirs.push(path.to_string()),
                }
            }
            spec
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn images_are_normalized_as_containerd_reports_them() {
        assert_eq!(normalize_image("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(
            normalize_image("busybox:1.36"),
            "docker.io/library/busybox:1.36"
        );
        assert_eq!(
            normalize_image("bitnami/redis"),
            "docker.io/bitnami/redis:latest"
        );
        assert_eq!(
            normalize_image("registry.k8s.io/pause:3.10"),
            "registry.k8s.io/pause:3.10"
        );
        assert_eq!(
            normalize_image("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
    }

    #[test]
    fn running_status_has_what_the_kubelet_writes() {
        let pod = json!({
            "metadata": {"uid": "u1"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}], "initContainers": [{"name": "i", "image": "busybox"}]},
            "status": {"phase": "Pending", "qosClass": "BestEffort", "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
        });
        let s = running_status(&pod, "2026-01-02T00:00:00Z", "10.244.0.5", "10.0.0.1");
        assert_eq!(s["phase"], "Running");
        assert_eq!(s["qosClass"], "BestEffort");
        let types: Vec<&str> = s["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "PodReadyToStartContainers",
                "Initialized",
                "Ready",
                "ContainersReady",
                "PodScheduled"
            ]
        );
        assert_eq!(
            s["conditions"][4]["lastTransitionTime"],
            "2026-01-01T00:00:00Z"
        );
        let c = &s["containerStatuses"][0];
        assert_eq!(c["state"]["running"]["startedAt"], "2026-01-02T00:00:00Z");
        assert_eq!(
            (c["ready"].as_bool(), c["started"].as_bool()),
            (Some(true), Some(true))
        );
        assert_eq!(c["image"], "docker.io/library/nginx:latest");
        assert!(
            c["imageID"]
                .as_str()
                .unwrap()
                .starts_with("docker.io/library/nginx@sha256:")
        );
        assert_eq!(
            c["containerID"].as_str().unwrap().len(),
            "containerd://".len() + 64
        );
        assert_eq!(
            s["initContainerStatuses"][0]["state"]["terminated"]["reason"],
            "Completed"
        );
        assert_eq!(s["podIPs"][0]["ip"], "10.244.0.5");
    }
}
