//! `SelfSubjectRulesReview` (authorization.k8s.io/v1): what the caller may do in
//! `spec.namespace`, as the authorizers' `RulesFor` list it — `kubectl auth can-i --list`.
//! With RBAC on: the rules of the ClusterRoles and Roles bound to the caller (cluster-wide
//! bindings, and the namespace's RoleBindings), plus everything for `system:masters` (the
//! privileged-group authorizer); with RBAC off, the allow-all authorizer's `*` rules. Nothing
//! is stored.

use http::Response;
use serde_json::{Value, json};

use super::objects::check_type;
use super::response::{self, Body};
use super::status::ApiError;
use super::{Ctx, review};
use crate::rbac::{self, MASTERS};

fn everything() -> (Vec<Value>, Vec<Value>) {
    (
        vec![json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})],
        vec![json!({"verbs": ["*"], "nonResourceURLs": ["*"]})],
    )
}

/// Splits RBAC rules into the review's resource and non-resource rules.
fn split(rules: Vec<Value>) -> (Vec<Value>, Vec<Value>) {
    let (mut resource, mut non_resource) = (Vec::new(), Vec::new());
    for rule in rules {
        let pick = |fields: &[&str]| {
            let mut out = serde_json::Map::new();
            for f in fields {
                if let Some(v) = rule
                    .get(*f)
                    .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()))
                {
                    out.insert((*f).to_string(), v.clone());
                }
            }
            Value::Object(out)
        };
        if rule
            .get("nonResourceURLs")
            .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            non_resource.push(pick(&["verbs", "nonResourceURLs"]));
        } else {
            resource.push(pick(&["verbs", "apiGroups", "resources", "resourceNames"]));
        }
    }
    (resource, non_resource)
}

/// `POST selfsubjectrulesreviews`.
pub fn create(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let mut review = super::write::parse_body(ctx)?;
    check_type(&ctx.res, &review)?;
    let namespace = review
        .pointer("/spec/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if namespace.is_empty() {
        return Err(ApiError::bad_request("no namespace on request"));
    }
    let user = &ctx.user;
    let (resource, non_resource) =
        if !ctx.state.behaviour.rbac || user.groups.iter().any(|g| g == MASTERS) {
            everything()
        } else {
            let policy = review::policy(&ctx.state.store, &namespace);
            split(rbac::rules_for(&policy, user, &namespace))
        };
    review["apiVersion"] = json!(ctx.res.api_version());
    review["kind"] = json!(ctx.res.kind());
    review["metadata"] = json!({"creationTimestamp": null});
    review["status"] = json!({
        "resourceRules": resource,
        "nonResourceRules": non_resource,
        "incomplete": false,
    });
    Ok(response::json(201, &review))
}
