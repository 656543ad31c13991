//! Defaulting of common built-in types (`SetDefaults_*` in the real API server): pods and pod
//! templates, deployments, replicasets, statefulsets, daemonsets, and services (the cluster IP is
//! allocated separately, see [`allocate_cluster_ip`]).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// Sets `obj[key] = value` unless the key is present (and not null).
fn default(obj: &mut Value, key: &str, value: Value) {
    if let Some(m) = obj.as_object_mut()
        && m.get(key).is_none_or(Value::is_null)
    {
        m.insert(key.to_string(), value);
    }
}

/// `obj[key]` as an object, created if missing.
fn child<'a>(obj: &'a mut Value, key: &str) -> &'a mut Value {
    default(obj, key, Value::Object(Map::new()));
    &mut obj[key]
}

/// Whether an image reference has no tag or the tag `latest` (so `imagePullPolicy` is Always).
fn pulls_always(image: &str) -> bool {
    let without_digest = image.split('@').next().unwrap_or(image);
    if image.contains('@') {
        return false;
    }
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    match last.rsplit_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

fn container(c: &mut Value) {
    default(c, "terminationMessagePath", json!("/dev/termination-log"));
    default(c, "terminationMessagePolicy", json!("File"));
    let image = c
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let policy = if pulls_always(&image) {
        "Always"
    } else {
        "IfNotPresent"
    };
    default(c, "imagePullPolicy", json!(policy));
    default(c, "resources", json!({}));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            default(p, "protocol", json!("TCP"));
        }
    }
}

/// Defaults of a `PodSpec`.
pub fn pod_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    default(spec, "restartPolicy", json!("Always"));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "schedulerName", json!("default-scheduler"));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "securityContext", json!({}));
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs {
                container(c);
            }
        }
    }
}

fn template(spec: &mut Value) {
    if let Some(t) = spec.get_mut("template") {
        pod_spec(child(t, "spec"));
    }
}

/// The QoS class the real server reports for a pod (`GetPodQOS`, simplified to cpu/memory).
pub fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = spec
        .get("containers")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in &containers {
        let req = c.pointer("/resources/requests");
        let lim = c.pointer("/resources/limits");
        if req.is_some_and(|r| r.as_object().is_some_and(|m| !m.is_empty()))
            || lim.is_some_and(|r| r.as_object().is_some_and(|m| !m.is_empty()))
        {
            any = true;
        }
        for r in ["cpu", "memory"] {
            let l = lim.and_then(|l| l.get(r));
            let q = req.and_then(|q| q.get(r)).or(l);
            if l.is_none() || q != l {
                guaranteed = false;
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

/// A pod's containers without a request for a resource they have a limit for request the
/// limit (`SetDefaults_Pod`).
fn requests_from_limits(spec: &mut Value) {
    for list in ["initContainers", "containers"] {
        for c in spec
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let Some(limits) = c
                .pointer("/resources/limits")
                .and_then(Value::as_object)
                .cloned()
            else {
                continue;
            };
            let resources = child(c, "resources");
            let requests = child(resources, "requests");
            for (k, v) in limits {
                default(requests, &k, v);
            }
        }
    }
}

/// Applies the defaults of `group`/`resource` to `obj` (on create and update). `create` adds the
/// initial status the registry sets (pods: phase Pending).
pub fn apply(group: &str, resource: &str, obj: &mut Value, create: bool) {
    match (group, resource) {
        ("", "pods") => {
            let spec = child(obj, "spec");
            pod_spec(spec);
            default(spec, "enableServiceLinks", json!(true));
            requests_from_limits(spec);
            if create {
                let qos = qos_class(&obj["spec"]);
                obj["status"] = json!({"phase": "Pending", "qosClass": qos});
            }
        }
        ("", "podtemplates") => {
            if let Some(t) = obj.get_mut("template") {
                pod_spec(child(t, "spec"));
            }
        }
        ("", "replicationcontrollers") => {
            let spec = child(obj, "spec");
            default(spec, "replicas", json!(1));
            template(spec);
        }
        ("apps", "deployments") => {
            let spec = child(obj, "spec");
            default(spec, "replicas", json!(1));
            default(spec, "revisionHistoryLimit", json!(10));
            default(spec, "progressDeadlineSeconds", json!(600));
            let strategy = child(spec, "strategy");
            default(strategy, "type", json!("RollingUpdate"));
            if strategy["type"] == "RollingUpdate" {
                let ru = child(strategy, "rollingUpdate");
                default(ru, "maxUnavailable", json!("25%"));
                default(ru, "maxSurge", json!("25%"));
            }
            template(spec);
        }
        ("apps", "replicasets") => {
            let spec = child(obj, "spec");
            default(spec, "replicas", json!(1));
            template(spec);
        }
        ("apps", "statefulsets") => {
            let spec = child(obj, "spec");
            default(spec, "replicas", json!(1));
            default(spec, "podManagementPolicy", json!("OrderedReady"));
            default(spec, "revisionHistoryLimit", json!(10));
            let us = child(spec, "updateStrategy");
            default(us, "type", json!("RollingUpdate"));
            if us["type"] == "RollingUpdate" {
                default(child(us, "rollingUpdate"), "partition", json!(0));
            }
            default(
                spec,
                "persistentVolumeClaimRetentionPolicy",
                json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
            );
            template(spec);
        }
        ("apps", "daemonsets") => {
            let spec = child(obj, "spec");
            default(spec, "revisionHistoryLimit", json!(10));
            let us = child(spec, "updateStrategy");
            default(us, "type", json!("RollingUpdate"));
            if us["type"] == "RollingUpdate" {
                let ru = child(us, "rollingUpdate");
                default(ru, "maxUnavailable", json!(1));
                default(ru, "maxSurge", json!(0));
            }
            template(spec);
        }
        ("batch", "jobs") => {
            let spec = child(obj, "spec");
            template(spec);
        }
        ("batch", "cronjobs") => {
            let spec = child(obj, "spec");
            default(spec, "concurrencyPolicy", json!("Allow"));
            default(spec, "suspend", json!(false));
            default(spec, "successfulJobsHistoryLimit", json!(3));
            default(spec, "failedJobsHistoryLimit", json!(1));
            if let Some(jt) = spec.get_mut("jobTemplate") {
                template(child(jt, "spec"));
            }
        }
        ("", "services") => service(obj),
        _ => {}
    }
}

fn service(obj: &mut Value) {
    let spec = child(obj, "spec");
    default(spec, "type", json!("ClusterIP"));
    let ty = spec["type"].as_str().unwrap_or_default().to_string();
    default(spec, "sessionAffinity", json!("None"));
    if ty != "ExternalName" {
        default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if matches!(ty.as_str(), "NodePort" | "LoadBalancer") {
        default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            default(p, "protocol", json!("TCP"));
            let port = p.get("port").cloned().unwrap_or(Value::Null);
            default(p, "targetPort", port);
        }
    }
    if obj.get("status").is_none() {
        obj["status"] = json!({"loadBalancer": {}});
    }
}

/// Fills `spec.clusterIP`, `clusterIPs`, `ipFamilies` and `ipFamilyPolicy` of a new service,
/// allocating a free address of 10.96.0.0/12 (`used` are the addresses taken).
pub fn allocate_cluster_ip(svc: &mut Value, used: &BTreeSet<String>) {
    let spec = child(svc, "spec");
    if spec["type"] == "ExternalName" {
        return;
    }
    let ip = match spec.get("clusterIP").and_then(Value::as_str) {
        Some(ip) if !ip.is_empty() => ip.to_string(),
        _ => loop {
            // 10.96.0.0/12 without the network address and 10.96.0.1 (the `kubernetes` service).
            let n: u32 = fastrand::u32(2..(1 << 20) - 1);
            let ip = format!("10.{}.{}.{}", 96 + (n >> 16), (n >> 8) & 0xff, n & 0xff);
            if !used.contains(&ip) {
                break ip;
            }
        },
    };
    spec["clusterIP"] = json!(ip);
    default(spec, "clusterIPs", json!([ip]));
    default(spec, "ipFamilies", json!(["IPv4"]));
    default(spec, "ipFamilyPolicy", json!("SingleStack"));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_a_pod() {
        let mut pod = json!({"spec": {"containers": [
            {"name": "a", "image": "nginx"}, {"name": "b", "image": "nginx:1.27"},
            {"name": "c", "image": "reg:5000/x:latest"}, {"name": "d", "image": "reg:5000/x"}]}});
        apply("", "pods", &mut pod, true);
        let s = &pod["spec"];
        assert_eq!(s["restartPolicy"], "Always");
        assert_eq!(s["dnsPolicy"], "ClusterFirst");
        assert_eq!(s["schedulerName"], "default-scheduler");
        assert_eq!(s["terminationGracePeriodSeconds"], 30);
        assert_eq!(s["securityContext"], json!({}));
        let policies: Vec<&str> = s["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["imagePullPolicy"].as_str().unwrap())
            .collect();
        assert_eq!(policies, ["Always", "IfNotPresent", "Always", "Always"]);
        assert_eq!(
            s["containers"][0]["terminationMessagePath"],
            "/dev/termination-log"
        );
        assert_eq!(
            pod["status"],
            json!({"phase": "Pending", "qosClass": "BestEffort"})
        );
    }

    #[test]
    fn defaults_a_deployment_and_a_service() {
        let mut d = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a:1"}]}}}});
        apply("apps", "deployments", &mut d, true);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
        let mut s = json!({"spec": {"ports": [{"port": 80}]}});
        apply("", "services", &mut s, true);
        allocate_cluster_ip(&mut s, &BTreeSet::new());
        assert_eq!(
            s["spec"]["ports"][0],
            json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        let ip = s["spec"]["clusterIP"].as_str().unwrap();
        assert!(ip.starts_with("10."), "{ip}");
        let second: u32 = ip.split('.').nth(1).unwrap().parse().unwrap();
        assert!((96..112).contains(&second));
        assert_eq!(s["spec"]["clusterIPs"], json!([ip]));
        assert_eq!(s["spec"]["ipFamilies"], json!(["IPv4"]));
    }
}
