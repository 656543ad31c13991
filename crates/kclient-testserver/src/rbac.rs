//! Opt-in RBAC authorization (`TestServerBuilder::rbac(true)`, `--rbac`): requests are checked
//! against the Role, ClusterRole, RoleBinding and ClusterRoleBinding objects stored in the
//! server, as the real RBAC authorizer does (verbs, apiGroups, resources with subresources such
//! as `pods/log` and `*/scale`, resourceNames, nonResourceURLs with a trailing `*`; subjects
//! User, Group and ServiceAccount). Members of `system:masters` may do everything, and every
//! authenticated user gets what the real server's bootstrap roles `system:discovery`,
//! `system:public-info-viewer` and `system:basic-user` grant (discovery, version and health
//! paths; creating self reviews). Pure logic: the caller passes the stored objects.

use serde_json::Value;

use crate::auth::User;

/// The group whose members may do everything.
pub const MASTERS: &str = "system:masters";
/// The group every authenticated user is in.
pub const AUTHENTICATED: &str = "system:authenticated";

/// What a request asks to do (`authorizer.Attributes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A request for an API resource.
    Resource {
        /// The Kubernetes verb (`get`, `list`, `watch`, `create`, …).
        verb: String,
        /// The namespace ("" for cluster scope or all namespaces).
        namespace: String,
        /// The API group ("" for core).
        group: String,
        /// The plural resource.
        resource: String,
        /// The subresource, or "".
        subresource: String,
        /// The object name, or "".
        name: String,
    },
    /// A request for a non-resource path.
    NonResource {
        /// The lower-case HTTP method (`get`, `post`, …).
        verb: String,
        /// The URL path.
        path: String,
    },
}

/// The stored RBAC objects a decision is made from.
#[derive(Debug, Default)]
pub struct Policy {
    /// ClusterRoles.
    pub cluster_roles: Vec<Value>,
    /// ClusterRoleBindings.
    pub cluster_role_bindings: Vec<Value>,
    /// Roles of the request's namespace.
    pub roles: Vec<Value>,
    /// RoleBindings of the request's namespace.
    pub role_bindings: Vec<Value>,
}

/// Whether `user` may do `req`; when allowed, why (the real authorizer's reason wording).
pub fn authorize(policy: &Policy, user: &User, req: &Request) -> Option<String> {
    if user.groups.iter().any(|g| g == MASTERS) {
        return Some(format!("user is in the {MASTERS:?} group"));
    }
    if bootstrap_allows(req) {
        return Some("RBAC: allowed by the bootstrap policy for authenticated users".into());
    }
    for b in &policy.cluster_role_bindings {
        if binds(b, user, "") && role_rules_allow(policy, b, req, None) {
            return Some(reason("ClusterRoleBinding", b, user));
        }
    }
    if let Request::Resource { namespace, .. } = req
        && !namespace.is_empty()
    {
        let here = |o: &&Value| str_at(o, "/metadata/namespace") == namespace;
        for b in policy.role_bindings.iter().filter(here) {
            if binds(b, user, namespace) && role_rules_allow(policy, b, req, Some(namespace)) {
                return Some(reason("RoleBinding", b, user));
            }
        }
    }
    None
}

/// Every rule of the roles bound to `user` by the ClusterRoleBindings and by the RoleBindings
/// of `namespace` (`RulesFor`), bindings in name order.
pub fn rules_for(policy: &Policy, user: &User, namespace: &str) -> Vec<Value> {
    let mut rules = Vec::new();
    let mut add = |binding: &Value, ns: Option<&str>| {
        let role_name = str_at(binding, "/roleRef/name");
        let role = match (str_at(binding, "/roleRef/kind"), ns) {
            ("ClusterRole", _) => policy
                .cluster_roles
                .iter()
                .find(|r| str_at(r, "/metadata/name") == role_name),
            ("Role", Some(ns)) => policy.roles.iter().find(|r| {
                str_at(r, "/metadata/name") == role_name && str_at(r, "/metadata/namespace") == ns
            }),
            _ => None,
        };
        for rule in role
            .and_then(|r| r.get("rules"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            rules.push(rule.clone());
        }
    };
    for b in &policy.cluster_role_bindings {
        if binds(b, user, "") {
            add(b, None);
        }
    }
    for b in policy
        .role_bindings
        .iter()
        .filter(|b| str_at(b, "/metadata/namespace") == namespace)
    {
        if binds(b, user, namespace) {
            add(b, Some(namespace));
        }
    }
    rules
}

/// The authorizer's message for a denied request (`buildForbiddenMessage`).
pub fn forbidden_message(user: &User, req: &Request) -> String {
    match req {
        Request::NonResource { verb, path } => {
            format!("User {:?} cannot {verb} path {path:?}", user.name)
        }
        Request::Resource {
            verb,
            namespace,
            group,
            resource,
            subresource,
            ..
        } => {
            let resource = if subresource.is_empty() {
                resource.clone()
            } else {
                format!("{resource}/{subresource}")
            };
            let scope = if namespace.is_empty() {
                "at the cluster scope".to_string()
            } else {
                format!("in the namespace {namespace:?}")
            };
            format!(
                "User {:?} cannot {verb} resource {resource:?} in API group {group:?} {scope}",
                user.name
            )
        }
    }
}

fn reason(kind: &str, binding: &Value, user: &User) -> String {
    let name = str_at(binding, "/metadata/name");
    let role_kind = str_at(binding, "/roleRef/kind");
    let role = str_at(binding, "/roleRef/name");
    let ns = str_at(binding, "/metadata/namespace");
    let place = if ns.is_empty() {
        String::new()
    } else {
        format!(" in namespace {ns:?}")
    };
    format!(
        "RBAC: allowed by {kind} {name:?} of {role_kind} {role:?} to User {:?}{place}",
        user.name
    )
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn strings<'a>(v: &'a Value, field: &str) -> Vec<&'a str> {
    v.get(field)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// What the bootstrap ClusterRoles bound to `system:authenticated` allow.
fn bootstrap_allows(req: &Request) -> bool {
    match req {
        Request::NonResource { verb, path } => {
            const PATHS: &[&str] = &[
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/version",
                "/version/",
                "/healthz",
                "/livez",
                "/readyz",
                "/openapi",
                "/openapi/*",
            ];
            verb == "get" && PATHS.iter().any(|p| url_matches(p, path))
        }
        Request::Resource {
            verb,
            group,
            resource,
            ..
        } => {
            verb == "create"
                && matches!(
                    (group.as_str(), resource.as_str()),
                    ("authorization.k8s.io", "selfsubjectaccessreviews")
                        | ("authorization.k8s.io", "selfsubjectrulesreviews")
                        | ("authentication.k8s.io", "selfsubjectreviews")
                )
        }
    }
}

/// Whether `binding` (in `namespace`, "" for a ClusterRoleBinding) names `user`.
fn binds(binding: &Value, user: &User, namespace: &str) -> bool {
    let Some(subjects) = binding.get("subjects").and_then(Value::as_array) else {
        return false;
    };
    subjects.iter().any(|s| {
        let name = str_at(s, "/name");
        match str_at(s, "/kind") {
            "User" => user.name == name,
            "Group" => name == AUTHENTICATED || user.groups.iter().any(|g| g == name),
            "ServiceAccount" => {
                let ns = match str_at(s, "/namespace") {
                    "" => namespace,
                    ns => ns,
                };
                !ns.is_empty() && user.name == format!("system:serviceaccount:{ns}:{name}")
            }
            _ => false,
        }
    })
}

/// Whether the role `binding` refers to has a rule allowing `req`.
fn role_rules_allow(policy: &Policy, binding: &Value, req: &Request, ns: Option<&str>) -> bool {
    let role_name = str_at(binding, "/roleRef/name");
    let role = match (str_at(binding, "/roleRef/kind"), ns) {
        ("ClusterRole", _) => policy
            .cluster_roles
            .iter()
            .find(|r| str_at(r, "/metadata/name") == role_name),
        ("Role", Some(ns)) => policy.roles.iter().find(|r| {
            str_at(r, "/metadata/name") == role_name && str_at(r, "/metadata/namespace") == ns
        }),
        _ => None,
    };
    let Some(rules) = role.and_then(|r| r.get("rules")).and_then(Value::as_array) else {
        return false;
    };
    rules.iter().any(|rule| rule_allows(rule, req))
}

/// `RuleAllows` of the real authorizer.
pub fn rule_allows(rule: &Value, req: &Request) -> bool {
    let any_or = |field: &str, x: &str| strings(rule, field).iter().any(|v| *v == "*" || *v == x);
    match req {
        Request::NonResource { verb, path } => {
            any_or("verbs", verb)
                && strings(rule, "nonResourceURLs")
                    .iter()
                    .any(|u| url_matches(u, path))
        }
        Request::Resource {
            verb,
            group,
            resource,
            subresource,
            name,
            ..
        } => {
            let combined = if subresource.is_empty() {
                resource.clone()
            } else {
                format!("{resource}/{subresource}")
            };
            let resources = strings(rule, "resources");
            let resource_ok = resources.iter().any(|r| {
                *r == "*"
                    || *r == combined
                    || (!subresource.is_empty() && *r == format!("*/{subresource}"))
            });
            let names = strings(rule, "resourceNames");
            any_or("verbs", verb)
                && any_or("apiGroups", group)
                && resource_ok
                && (names.is_empty() || names.contains(&name.as_str()))
        }
    }
}

/// `NonResourceURLMatches`: exact, `*`, or a prefix ending in `*`.
fn url_matches(rule: &str, path: &str) -> bool {
    rule == "*"
        || rule == path
        || rule
            .strip_suffix('*')
            .is_some_and(|prefix| path.starts_with(prefix))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn alice() -> User {
        User::new("alice", vec!["dev".into()])
    }

    fn res(verb: &str, ns: &str, group: &str, resource: &str, sub: &str, name: &str) -> Request {
        Request::Resource {
            verb: verb.into(),
            namespace: ns.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            name: name.into(),
        }
    }

    #[test]
    fn rules_match_like_the_real_authorizer() {
        let rule =
            json!({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "pods/log"]});
        assert!(rule_allows(&rule, &res("list", "d", "", "pods", "", "")));
        assert!(rule_allows(&rule, &res("get", "d", "", "pods", "log", "p")));
        assert!(!rule_allows(
            &rule,
            &res("get", "d", "", "pods", "exec", "p")
        ));
        assert!(!rule_allows(
            &rule,
            &res("delete", "d", "", "pods", "", "p")
        ));
        assert!(!rule_allows(
            &rule,
            &res("get", "d", "apps", "pods", "", "p")
        ));
        let named = json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*/scale"], "resourceNames": ["web"]});
        assert!(rule_allows(
            &named,
            &res("update", "d", "apps", "deployments", "scale", "web")
        ));
        assert!(!rule_allows(
            &named,
            &res("update", "d", "apps", "deployments", "scale", "db")
        ));
        assert!(!rule_allows(
            &named,
            &res("update", "d", "apps", "deployments", "", "web")
        ));
        let urls = json!({"verbs": ["get"], "nonResourceURLs": ["/metrics", "/logs/*"]});
        let get = |p: &str| Request::NonResource {
            verb: "get".into(),
            path: p.into(),
        };
        assert!(rule_allows(&urls, &get("/metrics")));
        assert!(rule_allows(&urls, &get("/logs/a/b")));
        assert!(!rule_allows(&urls, &get("/metricsx")));
    }

    #[test]
    fn bindings_grant_to_users_groups_and_service_accounts() {
        let policy = Policy {
            cluster_roles: vec![json!({"metadata": {"name": "view"},
                "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}]})],
            role_bindings: vec![json!({"metadata": {"name": "b", "namespace": "d"},
                "roleRef": {"kind": "ClusterRole", "name": "view"},
                "subjects": [{"kind": "Group", "name": "dev"},
                             {"kind": "ServiceAccount", "name": "bot"}]})],
            roles: vec![json!({"metadata": {"name": "edit", "namespace": "d"},
                "rules": [{"verbs": ["create"], "apiGroups": [""], "resources": ["configmaps"]}]})],
            cluster_role_bindings: vec![json!({"metadata": {"name": "c"},
                "roleRef": {"kind": "ClusterRole", "name": "view"},
                "subjects": [{"kind": "User", "name": "carol"}]})],
        };
        let list_pods = |ns: &str| res("list", ns, "", "pods", "", "");
        assert!(authorize(&policy, &alice(), &list_pods("d")).is_some());
        assert!(authorize(&policy, &alice(), &list_pods("other")).is_none());
        assert!(authorize(&policy, &alice(), &list_pods("")).is_none());
        let carol = User::new("carol", vec![]);
        assert!(authorize(&policy, &carol, &list_pods("")).is_some());
        let bot = User::new("system:serviceaccount:d:bot", vec![]);
        assert!(authorize(&policy, &bot, &list_pods("d")).is_some());
        let root = User::new("root", vec![MASTERS.into()]);
        assert!(authorize(&policy, &root, &res("delete", "", "", "nodes", "", "n")).is_some());
        let disc = Request::NonResource {
            verb: "get".into(),
            path: "/apis/apps/v1".into(),
        };
        assert!(authorize(&policy, &alice(), &disc).is_some());
        assert_eq!(
            forbidden_message(&alice(), &list_pods("default")),
            r#"User "alice" cannot list resource "pods" in API group "" in the namespace "default""#
        );
        assert_eq!(
            forbidden_message(&alice(), &res("get", "", "", "nodes", "status", "n")),
            r#"User "alice" cannot get resource "nodes/status" in API group "" at the cluster scope"#
        );
    }
}
