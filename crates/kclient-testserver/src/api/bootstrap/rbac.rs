//! The bootstrap RBAC policy a v1.36 kube-apiserver stores at start
//! (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`): the user-facing roles
//! `cluster-admin`, `admin`, `edit`, `view` (the last three aggregated from the
//! `system:aggregate-to-*` roles, as the clusterrole-aggregation controller computes them), the
//! discovery, basic-user, public-info, monitoring and issuer-discovery roles every cluster
//! grants, the roles of the control-plane components, and their bindings. Every object carries
//! the `kubernetes.io/bootstrapping: rbac-defaults` label and the
//! `rbac.authorization.kubernetes.io/autoupdate: "true"` annotation. The `system:controller:*`
//! roles of each kube-controller-manager controller are not stored.

use serde_json::{Value, json};

use crate::store::{Prefix, Txn};

const GROUP: &str = "rbac.authorization.k8s.io";
const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const READ_WRITE: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const AGGREGATE_TO: &str = "rbac.authorization.k8s.io/aggregate-to-";

/// A resource rule.
fn r(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

/// A non-resource rule.
fn nr(urls: &[&str], verbs: &[&str]) -> Value {
    json!({"nonResourceURLs": urls, "verbs": verbs})
}

fn metadata(name: &str, labels: &[(&str, &str)]) -> Value {
    let mut l = serde_json::Map::new();
    l.insert("kubernetes.io/bootstrapping".into(), json!("rbac-defaults"));
    for (k, v) in labels {
        l.insert((*k).to_string(), json!(v));
    }
    json!({
        "name": name,
        "labels": l,
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    })
}

fn role(name: &str, labels: &[(&str, &str)], rules: Vec<Value>) -> Value {
    json!({"metadata": metadata(name, labels), "rules": rules})
}

/// A role whose rules the aggregation controller fills from roles labelled
/// `aggregate-to-<to>: "true"`.
fn aggregated(name: &str, labels: &[(&str, &str)], to: &str) -> Value {
    json!({
        "metadata": metadata(name, labels),
        "aggregationRule": {"clusterRoleSelectors": [
            {"matchLabels": {format!("{AGGREGATE_TO}{to}"): "true"}}
        ]},
        "rules": [],
    })
}

fn binding(name: &str, role: &str, subjects: &[(&str, &str)]) -> Value {
    let subjects: Vec<Value> = subjects
        .iter()
        .map(|(kind, who)| match *kind {
            "ServiceAccount" => {
                let (ns, name) = who.split_once('/').unwrap_or(("kube-system", who));
                json!({"kind": kind, "name": name, "namespace": ns})
            }
            _ => json!({"apiGroup": GROUP, "kind": kind, "name": who}),
        })
        .collect();
    let mut b = json!({
        "metadata": metadata(name, &[]),
        "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": role},
    });
    if !subjects.is_empty() {
        b["subjects"] = json!(subjects);
    }
    b
}

/// The bootstrap ClusterRoles.
pub fn cluster_roles() -> Vec<Value> {
    let view_labels = [
        ("rbac.authorization.k8s.io/aggregate-to-view", "true"),
        ("rbac.authorization.k8s.io/aggregate-to-edit", "true"),
    ];
    let edit_labels = [("rbac.authorization.k8s.io/aggregate-to-admin", "true")];
    vec![
        role(
            "cluster-admin",
            &[],
            vec![r(&["*"], &["*"], &["*"]), nr(&["*"], &["*"])],
        ),
        aggregated("admin", &[], "admin"),
        aggregated("edit", &edit_labels, "edit"),
        aggregated("view", &view_labels, "view"),
        role(
            "system:aggregate-to-admin",
            &[("rbac.authorization.k8s.io/aggregate-to-admin", "true")],
            vec![
                r(
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews"],
                    &["create"],
                ),
                r(&[GROUP], &["rolebindings", "roles"], READ_WRITE),
            ],
        ),
        role(
            "system:aggregate-to-edit",
            &[("rbac.authorization.k8s.io/aggregate-to-edit", "true")],
            vec![
                r(
                    &[""],
                    &[
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                        "secrets",
                        "services/proxy",
                    ],
                    READ,
                ),
                r(&[""], &["serviceaccounts"], &["impersonate"]),
                r(
                    &[""],
                    &[
                        "pods",
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                    ],
                    WRITE,
                ),
                r(&[""], &["pods/eviction"], &["create"]),
                r(
                    &[""],
                    &[
                        "configmaps",
                        "events",
                        "persistentvolumeclaims",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "secrets",
                        "serviceaccounts",
                        "services",
                        "services/proxy",
                    ],
                    WRITE,
                ),
                r(&[""], &["serviceaccounts/token"], &["create"]),
                r(
                    &["apps"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "replicasets",
                        "replicasets/scale",
                        "statefulsets",
                        "statefulsets/scale",
                    ],
                    WRITE,
                ),
                r(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
                r(&["batch"], &["cronjobs", "jobs"], WRITE),
                r(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "ingresses",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicationcontrollers/scale",
                    ],
                    WRITE,
                ),
                r(&["policy"], &["poddisruptionbudgets"], WRITE),
                r(
                    &["networking.k8s.io"],
                    &["ingresses", "networkpolicies"],
                    WRITE,
                ),
                r(&["coordination.k8s.io"], &["leases"], READ_WRITE),
            ],
        ),
        role(
            "system:aggregate-to-view",
            &[("rbac.authorization.k8s.io/aggregate-to-view", "true")],
            vec![
                r(
                    &[""],
                    &[
                        "configmaps",
                        "endpoints",
                        "persistentvolumeclaims",
                        "persistentvolumeclaims/status",
                        "pods",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "serviceaccounts",
                        "services",
                        "services/status",
                    ],
                    READ,
                ),
                r(
                    &[""],
                    &[
                        "bindings",
                        "events",
                        "limitranges",
                        "namespaces/status",
                        "pods/log",
                        "pods/status",
                        "replicationcontrollers/status",
                        "resourcequotas",
                        "resourcequotas/status",
                    ],
                    READ,
                ),
                r(&[""], &["namespaces"], READ),
                r(&["discovery.k8s.io"], &["endpointslices"], READ),
                r(
                    &["apps"],
                    &[
                        "controllerrevisions",
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "statefulsets",
                        "statefulsets/scale",
                        "statefulsets/status",
                    ],
                    READ,
                ),
                r(
                    &["autoscaling"],
                    &[
                        "horizontalpodautoscalers",
                        "horizontalpodautoscalers/status",
                    ],
                    READ,
                ),
                r(
                    &["batch"],
                    &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
                    READ,
                ),
                r(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "ingresses",
                        "ingresses/status",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "replicationcontrollers/scale",
                    ],
                    READ,
                ),
                r(
                    &["policy"],
                    &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                    READ,
                ),
                r(
                    &["networking.k8s.io"],
                    &["ingresses", "ingresses/status", "networkpolicies"],
                    READ,
                ),
            ],
        ),
        role(
            "system:discovery",
            &[],
            vec![nr(
                &[
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ],
                &["get"],
            )],
        ),
        role(
            "system:public-info-viewer",
            &[],
            vec![nr(
                &["/healthz", "/livez", "/readyz", "/version", "/version/"],
                &["get"],
            )],
        ),
        role(
            "system:basic-user",
            &[],
            vec![
                r(
                    &["authentication.k8s.io"],
                    &["selfsubjectreviews"],
                    &["create"],
                ),
                r(
                    &["authorization.k8s.io"],
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    &["create"],
                ),
            ],
        ),
        role(
            "system:monitoring",
            &[],
            vec![nr(
                &[
                    "/healthz",
                    "/healthz/*",
                    "/livez",
                    "/livez/*",
                    "/metrics",
                    "/metrics/slis",
                    "/readyz",
                    "/readyz/*",
                ],
                &["get"],
            )],
        ),
        role(
            "system:service-account-issuer-discovery",
            &[],
            vec![nr(
                &[
                    "/.well-known/openid-configuration",
                    "/.well-known/openid-configuration/",
                    "/openid/v1/jwks",
                    "/openid/v1/jwks/",
                ],
                &["get"],
            )],
        ),
        role(
            "system:auth-delegator",
            &[],
            vec![
                r(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                r(
                    &["authorization.k8s.io"],
                    &["subjectaccessreviews"],
                    &["create"],
                ),
            ],
        ),
        role(
            "system:heapster",
            &[],
            vec![
                r(
                    &[""],
                    &["events", "namespaces", "nodes", "pods"],
                    &["get", "list", "watch"],
                ),
                r(&["extensions"], &["deployments"], &["get", "list", "watch"]),
            ],
        ),
        role(
            "system:node-bootstrapper",
            &[],
            vec![r(
                &["certificates.k8s.io"],
                &["certificatesigningrequests"],
                &["create", "get", "list", "watch"],
            )],
        ),
        role(
            "system:node-problem-detector",
            &[],
            vec![
                r(&[""], &["nodes"], &["get"]),
                r(&[""], &["nodes/status"], &["patch"]),
                r(
                    &["", "events.k8s.io"],
                    &["events"],
                    &["create", "patch", "update"],
                ),
            ],
        ),
        role(
            "system:kubelet-api-admin",
            &[],
            vec![
                r(&[""], &["nodes"], &["get", "list", "watch"]),
                r(&[""], &["nodes"], &["proxy"]),
                r(
                    &[""],
                    &[
                        "nodes/configz",
                        "nodes/healthz",
                        "nodes/log",
                        "nodes/metrics",
                        "nodes/proxy",
                        "nodes/stats",
                    ],
                    &["*"],
                ),
            ],
        ),
        role(
            "system:node-proxier",
            &[],
            vec![
                r(&[""], &["endpoints", "services"], &["list", "watch"]),
                r(&[""], &["nodes"], &["get", "list", "watch"]),
                r(
                    &["", "events.k8s.io"],
                    &["events"],
                    &["create", "patch", "update"],
                ),
                r(
                    &["discovery.k8s.io"],
                    &["endpointslices"],
                    &["list", "watch"],
                ),
            ],
        ),
        role(
            "system:kube-dns",
            &[],
            vec![
                r(&[""], &["endpoints", "services"], &["list", "watch"]),
                r(
                    &["discovery.k8s.io"],
                    &["endpointslices"],
                    &["list", "watch"],
                ),
            ],
        ),
        role(
            "system:persistent-volume-provisioner",
            &[],
            vec![
                r(
                    &[""],
                    &["persistentvolumes"],
                    &["create", "delete", "get", "list", "watch"],
                ),
                r(
                    &[""],
                    &["persistentvolumeclaims"],
                    &["get", "list", "update", "watch"],
                ),
                r(
                    &["storage.k8s.io"],
                    &["storageclasses"],
                    &["get", "list", "watch"],
                ),
                r(
                    &["", "events.k8s.io"],
                    &["events"],
                    &["create", "patch", "update", "watch"],
                ),
            ],
        ),
        role(
            "system:volume-scheduler",
            &[],
            vec![
                r(
                    &[""],
                    &["persistentvolumes"],
                    &["get", "list", "patch", "update", "watch"],
                ),
                r(
                    &["storage.k8s.io"],
                    &["storageclasses"],
                    &["get", "list", "watch"],
                ),
                r(
                    &[""],
                    &["persistentvolumeclaims"],
                    &["get", "list", "patch", "update", "watch"],
                ),
            ],
        ),
        role(
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
            &[],
            vec![r(
                &["certificates.k8s.io"],
                &["certificatesigningrequests/nodeclient"],
                &["create"],
            )],
        ),
        role(
            "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
            &[],
            vec![r(
                &["certificates.k8s.io"],
                &["certificatesigningrequests/selfnodeclient"],
                &["create"],
            )],
        ),
        role(
            "system:kube-scheduler",
            &[],
            vec![
                r(
                    &["", "events.k8s.io"],
                    &["events"],
                    &["create", "patch", "update"],
                ),
                r(&["coordination.k8s.io"], &["leases"], &["create"]),
                r(&["coordination.k8s.io"], &["leases"], &["get", "update"]),
                r(&[""], &["nodes"], &["get", "list", "watch"]),
                r(&[""], &["pods"], &["delete", "get", "list", "watch"]),
                r(&[""], &["bindings", "pods/binding"], &["create"]),
                r(&[""], &["pods/status"], &["patch", "update"]),
                r(
                    &["", "apps"],
                    &["replicationcontrollers", "services"],
                    &["get", "list", "watch"],
                ),
                r(
                    &["apps", "extensions"],
                    &["replicasets", "statefulsets"],
                    &["get", "list", "watch"],
                ),
                r(
                    &["policy"],
                    &["poddisruptionbudgets"],
                    &["get", "list", "watch"],
                ),
                r(
                    &[""],
                    &["persistentvolumeclaims", "persistentvolumes"],
                    &["get", "list", "watch"],
                ),
                r(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                r(
                    &["authorization.k8s.io"],
                    &["subjectaccessreviews"],
                    &["create"],
                ),
                r(
                    &["storage.k8s.io"],
                    &["csidrivers", "csinodes", "csistoragecapacities"],
                    &["get", "list", "watch"],
                ),
            ],
        ),
        role(
            "system:kube-controller-manager",
            &[],
            vec![
                r(
                    &["", "events.k8s.io"],
                    &["events"],
                    &["create", "patch", "update"],
                ),
                r(&["coordination.k8s.io"], &["leases"], &["create"]),
                r(&["coordination.k8s.io"], &["leases"], &["get", "update"]),
                r(&[""], &["secrets", "serviceaccounts"], &["create"]),
                r(&[""], &["secrets"], &["delete"]),
                r(
                    &[""],
                    &["configmaps", "namespaces", "secrets", "serviceaccounts"],
                    &["get"],
                ),
                r(&[""], &["secrets", "serviceaccounts"], &["update"]),
                r(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                r(
                    &["authorization.k8s.io"],
                    &["subjectaccessreviews"],
                    &["create"],
                ),
                r(&["*"], &["*"], &["list", "watch"]),
                r(&[""], &["serviceaccounts/token"], &["create"]),
            ],
        ),
        role(
            "system:node",
            &[],
            vec![
                r(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                r(
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews", "subjectaccessreviews"],
                    &["create"],
                ),
                r(&[""], &["services"], &["get", "list", "watch"]),
                r(&[""], &["nodes"], &["create", "get", "list", "watch"]),
                r(&[""], &["nodes/status"], &["patch", "update"]),
                r(&[""], &["nodes"], &["patch", "update"]),
                r(
                    &["", "events.k8s.io"],
                    &["events"],
                    &["create", "patch", "update"],
                ),
                r(&[""], &["pods"], &["get", "list", "watch"]),
                r(&[""], &["pods"], &["create", "delete"]),
                r(&[""], &["pods/status"], &["patch", "update"]),
                r(&[""], &["pods/eviction"], &["create"]),
                r(&[""], &["configmaps", "secrets"], &["get", "list", "watch"]),
                r(
                    &[""],
                    &["persistentvolumeclaims", "persistentvolumes"],
                    &["get"],
                ),
                r(&[""], &["endpoints"], &["get"]),
                r(
                    &["certificates.k8s.io"],
                    &["certificatesigningrequests"],
                    &["create", "get", "list", "watch"],
                ),
                r(
                    &["coordination.k8s.io"],
                    &["leases"],
                    &["create", "delete", "get", "patch", "update"],
                ),
                r(&["storage.k8s.io"], &["volumeattachments"], &["get"]),
                r(&[""], &["serviceaccounts/token"], &["create"]),
                r(
                    &[""],
                    &["persistentvolumeclaims/status"],
                    &["get", "patch", "update"],
                ),
                r(
                    &["storage.k8s.io"],
                    &["csidrivers"],
                    &["get", "list", "watch"],
                ),
                r(
                    &["storage.k8s.io"],
                    &["csinodes"],
                    &["create", "delete", "get", "patch", "update"],
                ),
                r(
                    &["node.k8s.io"],
                    &["runtimeclasses"],
                    &["get", "list", "watch"],
                ),
            ],
        ),
    ]
}

/// The bootstrap ClusterRoleBindings.
pub fn cluster_role_bindings() -> Vec<Value> {
    vec![
        binding(
            "cluster-admin",
            "cluster-admin",
            &[("Group", "system:masters")],
        ),
        binding(
            "system:basic-user",
            "system:basic-user",
            &[("Group", "system:authenticated")],
        ),
        binding(
            "system:discovery",
            "system:discovery",
            &[("Group", "system:authenticated")],
        ),
        binding(
            "system:public-info-viewer",
            "system:public-info-viewer",
            &[
                ("Group", "system:authenticated"),
                ("Group", "system:unauthenticated"),
            ],
        ),
        binding(
            "system:monitoring",
            "system:monitoring",
            &[("Group", "system:monitoring")],
        ),
        binding(
            "system:service-account-issuer-discovery",
            "system:service-account-issuer-discovery",
            &[("Group", "system:serviceaccounts")],
        ),
        binding(
            "system:kube-controller-manager",
            "system:kube-controller-manager",
            &[("User", "system:kube-controller-manager")],
        ),
        binding(
            "system:kube-scheduler",
            "system:kube-scheduler",
            &[("User", "system:kube-scheduler")],
        ),
        binding(
            "system:volume-scheduler",
            "system:volume-scheduler",
            &[("User", "system:kube-scheduler")],
        ),
        binding(
            "system:kube-dns",
            "system:kube-dns",
            &[("ServiceAccount", "kube-system/kube-dns")],
        ),
        binding(
            "system:node-proxier",
            "system:node-proxier",
            &[("User", "system:kube-proxy")],
        ),
        binding("system:node", "system:node", &[]),
    ]
}

/// Whether `labels` match a `matchLabels`/`matchExpressions` selector (the `In`, `NotIn`,
/// `Exists`, `DoesNotExist` operators).
pub fn selector_matches(selector: &Value, labels: &Value) -> bool {
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let exact = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(|m| m.iter().all(|(k, v)| label(k) == v.as_str()));
    let exprs = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .is_none_or(|es| {
            es.iter().all(|e| {
                let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                match e.get("operator").and_then(Value::as_str) {
                    Some("In") => label(key).is_some_and(|v| values.contains(&v)),
                    Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
                    Some("Exists") => label(key).is_some(),
                    Some("DoesNotExist") => label(key).is_none(),
                    _ => false,
                }
            })
        });
    exact && exprs
}

/// The rules the clusterrole-aggregation controller gives `role` (one with an
/// `aggregationRule`) from `roles`: the rules of every other ClusterRole matched by one of its
/// selectors, each rule once, in name order of the roles. `None` for roles without the rule.
pub fn aggregate(role: &Value, roles: &[Value]) -> Option<Vec<Value>> {
    let selectors = role
        .pointer("/aggregationRule/clusterRoleSelectors")?
        .as_array()?;
    let name = role.pointer("/metadata/name");
    let mut sorted: Vec<&Value> = roles
        .iter()
        .filter(|r| r.pointer("/metadata/name") != name)
        .collect();
    sorted.sort_by_key(|r| r.pointer("/metadata/name").and_then(Value::as_str));
    let mut rules: Vec<Value> = Vec::new();
    for s in selectors {
        for other in &sorted {
            let labels = other.pointer("/metadata/labels").unwrap_or(&Value::Null);
            if !selector_matches(s, labels) {
                continue;
            }
            for rule in other
                .get("rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !rules.contains(rule) {
                    rules.push(rule.clone());
                }
            }
        }
    }
    Some(rules)
}

/// Runs the aggregation controller over the stored ClusterRoles until nothing changes (an
/// aggregated role may itself be aggregated into another, as `view` into `edit`).
pub fn reconcile_aggregation(txn: &mut Txn<'_>) {
    for _ in 0..4 {
        let keys = txn.keys(&Prefix::new(GROUP, "clusterroles", None));
        let roles: Vec<Value> = keys.iter().filter_map(|k| txn.get(k)).collect();
        let mut changed = false;
        for (key, role) in keys.iter().zip(&roles) {
            let Some(rules) = aggregate(role, &roles) else {
                continue;
            };
            if role.get("rules") != Some(&json!(rules)) {
                let mut role = role.clone();
                role["rules"] = json!(rules);
                txn.put(key, role);
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Stores the bootstrap policy (objects that exist are left alone).
pub fn seed(txn: &mut Txn<'_>) {
    for role in cluster_roles() {
        super::put_new(txn, GROUP, "v1", "clusterroles", role);
    }
    for b in cluster_role_bindings() {
        super::put_new(txn, GROUP, "v1", "clusterrolebindings", b);
    }
    reconcile_aggregation(txn);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn view_is_aggregated_into_edit_and_edit_into_admin() {
        let mut roles = cluster_roles();
        // Three rounds, as the controller converges (view → edit → admin).
        for _ in 0..3 {
            let snapshot = roles.clone();
            for role in &mut roles {
                if let Some(rules) = aggregate(role, &snapshot) {
                    role["rules"] = json!(rules);
                }
            }
        }
        let rules_of = |name: &str| {
            roles
                .iter()
                .find(|r| r["metadata"]["name"] == name)
                .unwrap()["rules"]
                .as_array()
                .unwrap()
                .clone()
        };
        let (view, edit, admin) = (rules_of("view"), rules_of("edit"), rules_of("admin"));
        assert!(!view.is_empty());
        assert!(view.iter().all(|r| edit.contains(r)), "view ⊂ edit");
        assert!(edit.iter().all(|r| admin.contains(r)), "edit ⊂ admin");
        assert!(admin.len() > edit.len() && edit.len() > view.len());
        let expr = json!({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x"]}]});
        assert!(selector_matches(&expr, &json!({"a": "x"})));
        assert!(!selector_matches(&expr, &json!({"a": "y"})));
    }
}
