//! Authorization checks of requests (when RBAC is on) and the self reviews every server
//! answers: `SelfSubjectAccessReview` (authorization.k8s.io/v1, `kubectl auth can-i`) and
//! `SelfSubjectReview` (authentication.k8s.io/v1, `kubectl auth whoami`). Nothing is stored.

use http::Response;
use kclient_apimachinery::GroupResource;
use serde_json::{Value, json};

use super::Ctx;
use super::objects::check_type;
use super::response::{self, Body};
use super::status::ApiError;
use crate::auth::User;
use crate::rbac::{self, AUTHENTICATED, Policy, Request};
use crate::store::{Prefix, Store};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The stored RBAC objects relevant to a request in `namespace`.
pub fn policy(store: &Store, namespace: &str) -> Policy {
    let load = |resource: &str, ns: Option<&str>| -> Vec<Value> {
        store
            .snapshot(&Prefix::new(RBAC_GROUP, resource, ns), None)
            .map(|(_, items)| items.iter().map(|(_, o)| o.value()).collect())
            .unwrap_or_default()
    };
    let namespaced = |resource: &str| {
        if namespace.is_empty() {
            Vec::new()
        } else {
            load(resource, Some(namespace))
        }
    };
    Policy {
        cluster_roles: load("clusterroles", None),
        cluster_role_bindings: load("clusterrolebindings", None),
        roles: namespaced("roles"),
        role_bindings: namespaced("rolebindings"),
    }
}

/// Why `user` may do `req`, or `None` when RBAC denies it. Always allowed when RBAC is off.
pub fn decide(store: &Store, rbac_on: bool, user: &User, req: &Request) -> Option<String> {
    if !rbac_on {
        return Some(String::new());
    }
    let namespace = match req {
        Request::Resource { namespace, .. } => namespace.as_str(),
        Request::NonResource { .. } => "",
    };
    rbac::authorize(&policy(store, namespace), user, req)
}

/// Checks `req` for `user`; the real server's 403 when denied.
pub fn check(store: &Store, rbac_on: bool, user: &User, req: &Request) -> Result<(), ApiError> {
    if decide(store, rbac_on, user, req).is_some() {
        return Ok(());
    }
    let why = rbac::forbidden_message(user, req);
    Err(match req {
        Request::Resource {
            group,
            resource,
            name,
            ..
        } => ApiError::forbidden_request(&GroupResource::new(group, resource), name, &why),
        Request::NonResource { .. } => {
            ApiError::forbidden_request(&GroupResource::new("", ""), "", &why)
        }
    })
}

fn body(ctx: &Ctx) -> Result<Value, ApiError> {
    let body = super::write::parse_body(ctx)?;
    check_type(&ctx.res, &body)?;
    Ok(body)
}

/// The request a `SelfSubjectAccessReview`'s spec asks about.
fn reviewed(spec: &Value) -> Result<Request, ApiError> {
    let s = |v: &Value, f: &str| v.get(f).and_then(Value::as_str).unwrap_or("").to_string();
    if let Some(r) = spec.get("resourceAttributes").filter(|v| v.is_object()) {
        return Ok(Request::Resource {
            verb: s(r, "verb"),
            namespace: s(r, "namespace"),
            group: s(r, "group"),
            resource: s(r, "resource"),
            subresource: s(r, "subresource"),
            name: s(r, "name"),
        });
    }
    if let Some(n) = spec.get("nonResourceAttributes").filter(|v| v.is_object()) {
        return Ok(Request::NonResource {
            verb: s(n, "verb"),
            path: s(n, "path"),
        });
    }
    Err(ApiError::invalid(
        &kclient_apimachinery::GroupKind::new("authorization.k8s.io", "SelfSubjectAccessReview"),
        "",
        &[super::status::FieldError::required(
            "spec.resourceAttributes",
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )],
    ))
}

/// `POST selfsubjectaccessreviews`: whether the caller may do what the spec describes.
pub fn access_review(ctx: &Ctx, user: &User) -> Result<Response<Body>, ApiError> {
    let mut review = body(ctx)?;
    let req = reviewed(review.get("spec").unwrap_or(&Value::Null))?;
    let decision = decide(&ctx.state.store, ctx.state.behaviour.rbac, user, &req);
    let mut status = json!({"allowed": decision.is_some()});
    if let Some(reason) = decision.filter(|r| !r.is_empty()) {
        status["reason"] = json!(reason);
    }
    review["apiVersion"] = json!(ctx.res.api_version());
    review["kind"] = json!(ctx.res.kind());
    review["metadata"] = json!({"creationTimestamp": null});
    review["status"] = status;
    Ok(response::json(201, &review))
}

/// `POST selfsubjectreviews`: who the caller is (name, uid, groups, extra attributes).
pub fn self_review(ctx: &Ctx, user: &User) -> Result<Response<Body>, ApiError> {
    body(ctx)?;
    let mut groups = user.groups.clone();
    if !groups.iter().any(|g| g == AUTHENTICATED) {
        groups.push(AUTHENTICATED.to_string());
    }
    let mut info = json!({"username": user.name});
    if !user.uid.is_empty() {
        info["uid"] = json!(user.uid);
    }
    info["groups"] = json!(groups);
    if !user.extra.is_empty() {
        info["extra"] = json!(user.extra);
    }
    let review = json!({
        "kind": ctx.res.kind(),
        "apiVersion": ctx.res.api_version(),
        "metadata": {"creationTimestamp": null},
        "status": {"userInfo": info},
    });
    Ok(response::json(201, &review))
}
