//! `serviceaccounts/<name>/token` (authentication.k8s.io/v1 `TokenRequest`) as the real
//! `TokenREST` answers it, and the authentication of the tokens it issued: a token is valid
//! while it has not expired, is meant for the server's audience, and its service account (and
//! bound object, if any) still exist with the uids it was issued for.

use http::Response;
use kclient_apimachinery::{GroupKind, GroupResource};
use serde_json::{Value, json};

use super::objects::meta_str;
use super::response::{self, Body};
use super::status::{ApiError, FieldError};
use super::{Ctx, State};
use crate::auth::User;
use crate::store::Key;
use crate::tokens::{AUDIENCE, Bound, Claims};

const GROUP: &str = "authentication.k8s.io";
const KIND: &str = "TokenRequest";
/// `spec.expirationSeconds` when unset (`SetDefaults_TokenRequestSpec`).
const DEFAULT_EXPIRATION: i64 = 3600;
/// The shortest and longest lifetimes `ValidateTokenRequest` allows.
const MIN_EXPIRATION: i64 = 10 * 60;
const MAX_EXPIRATION: i64 = 1 << 32;

fn invalid(name: &str, errors: &[FieldError]) -> ApiError {
    ApiError::invalid(&GroupKind::new(GROUP, KIND), name, errors)
}

/// The request body as a `TokenRequest` (JSON or protobuf).
fn body(ctx: &Ctx) -> Result<Value, ApiError> {
    let body = super::write::parse_body(ctx)?;
    let api_version = body.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or("");
    let av_ok = api_version.is_empty() || api_version == format!("{GROUP}/v1");
    if !av_ok || !(kind.is_empty() || kind == KIND) {
        return Err(ApiError::bad_request(format!(
            "{kind} in version {api_version:?} cannot be handled as a {KIND}: no kind {kind:?} is registered for version {api_version:?}"
        )));
    }
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "the object provided is not a JSON object",
        ));
    }
    Ok(body)
}

/// The object `spec.boundObjectRef` names, checked as `TokenREST` does.
fn bound_object(ctx: &Ctx, reference: &Value, sa: &str) -> Result<Bound, ApiError> {
    let s = |f: &str| reference.get(f).and_then(Value::as_str).unwrap_or("");
    let (api_version, kind, name) = (s("apiVersion"), s("kind"), s("name"));
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let resource = match (group, kind) {
        ("", "Pod") => "pods",
        ("", "Secret") => "secrets",
        ("", "Node") => "nodes",
        _ => {
            return Err(ApiError::bad_request(format!(
                "cannot bind token to object of type {group}/{version}, Kind={kind}"
            )));
        }
    };
    let ns = if resource == "nodes" {
        ""
    } else {
        ctx.namespace()
    };
    let obj = ctx
        .state
        .store
        .get(&Key::new("", resource, ns, name))
        .ok_or_else(|| ApiError::not_found(&GroupResource::new("", resource), name))?
        .value();
    if kind == "Pod" {
        let pod_sa = obj
            .pointer("/spec/serviceAccountName")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("default");
        if pod_sa != sa {
            return Err(ApiError::bad_request(format!(
                "cannot bind token for serviceaccount {sa:?} to pod running with different serviceaccount name."
            )));
        }
    }
    let uid = meta_str(&obj, "uid").to_string();
    let asked = s("uid");
    if !asked.is_empty() && asked != uid {
        return Err(ApiError::conflict(
            &GroupResource::new(group, kind),
            name,
            &format!(
                "the UID in the bound object reference ({asked}) does not match the UID in record. The object might have been deleted and then recreated"
            ),
        ));
    }
    Ok(Bound {
        kind: kind.to_string(),
        name: name.to_string(),
        uid,
    })
}

/// POST `serviceaccounts/<name>/token`: issues a token; 201 with the `TokenRequest` and its
/// `status.token`.
pub fn create(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    ctx.query.dry_run("CreateOptions")?;
    let mut req = body(ctx)?;
    let (name, namespace) = (ctx.name(), ctx.namespace());
    let req_name = meta_str(&req, "name").to_string();
    if !req_name.is_empty() && req_name != name {
        return Err(invalid(
            name,
            &[FieldError::invalid(
                "metadata.name",
                &req_name,
                "must match the service account name if specified",
            )],
        ));
    }
    let req_ns = meta_str(&req, "namespace").to_string();
    if !req_ns.is_empty() && req_ns != namespace {
        return Err(invalid(
            name,
            &[FieldError::invalid(
                "metadata.namespace",
                &req_ns,
                "must match the service account namespace if specified",
            )],
        ));
    }
    let sa = ctx
        .state
        .store
        .get(&Key::new("", "serviceaccounts", namespace, name))
        .ok_or_else(|| ApiError::not_found(&ctx.res.group_resource(), name))?
        .value();
    let sa_uid = meta_str(&sa, "uid").to_string();
    let req_uid = meta_str(&req, "uid").to_string();
    if !req_uid.is_empty() && req_uid != sa_uid {
        return Err(ApiError::conflict(
            &GroupResource::new(GROUP, KIND),
            name,
            &format!(
                "the UID in the token request ({req_uid}) does not match the UID of the service account ({sa_uid})"
            ),
        ));
    }
    let spec = req.get("spec").cloned().unwrap_or_else(|| json!({}));
    let audiences: Vec<String> = spec
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .filter(|a: &Vec<String>| !a.is_empty())
        .unwrap_or_else(|| vec![AUDIENCE.to_string()]);
    let expiration = match spec.get("expirationSeconds") {
        None | Some(Value::Null) => DEFAULT_EXPIRATION,
        Some(v) => v.as_i64().ok_or_else(|| {
            ApiError::bad_request(format!(
                "{KIND} in version \"v1\" cannot be handled as a {KIND}: json: cannot unmarshal {v} into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64"
            ))
        })?,
    };
    let too_short = expiration < MIN_EXPIRATION;
    if too_short || expiration > MAX_EXPIRATION {
        let detail = if too_short {
            "may not specify a duration less than 10 minutes"
        } else {
            "may not specify a duration larger than 2^32 seconds"
        };
        return Err(invalid(
            "",
            &[FieldError::invalid_value(
                "spec.expirationSeconds",
                &json!(expiration),
                detail,
            )],
        ));
    }
    let reference = spec.get("boundObjectRef").filter(|r| r.is_object());
    let bound = reference.map(|r| bound_object(ctx, r, name)).transpose()?;
    let now = jiff::Timestamp::now().as_second();
    let claims = Claims {
        namespace: namespace.to_string(),
        name: name.to_string(),
        uid: sa_uid,
        audiences: audiences.clone(),
        issued_at: now,
        expires_at: now + expiration,
        id: crate::tokens::new_id(),
        bound,
    };
    let token = ctx.state.tokens.issue(claims);
    let meta = super::objects::meta_mut(&mut req);
    meta.insert("name".into(), json!(name));
    meta.insert("namespace".into(), json!(namespace));
    meta.insert("creationTimestamp".into(), json!(timestamp(now)));
    req["apiVersion"] = json!(format!("{GROUP}/v1"));
    req["kind"] = json!(KIND);
    req["spec"] = json!({
        "audiences": audiences,
        "expirationSeconds": expiration,
        "boundObjectRef": reference.cloned().unwrap_or(Value::Null),
    });
    req["status"] = json!({"token": token, "expirationTimestamp": timestamp(now + expiration)});
    Ok(response::json(201, &req))
}

fn timestamp(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The user of a bearer token this server issued, if it is still valid: not expired, meant
/// for the server's audience, its service account (and bound object) still there with the
/// same uid.
pub fn authenticate(state: &State, token: &str) -> Option<User> {
    let (user, audiences) = validate(state, token)?;
    audiences.iter().any(|a| a == AUDIENCE).then_some(user)
}

/// The user and audiences of a token this server issued that is still valid (not expired, its
/// service account and bound object still there with the same uids), whatever its audience.
pub fn validate(state: &State, token: &str) -> Option<(User, Vec<String>)> {
    let claims = state
        .tokens
        .lookup(token, jiff::Timestamp::now().as_second())?;
    let uid_of = |resource: &str, ns: &str, name: &str| {
        state
            .store
            .get(&Key::new("", resource, ns, name))
            .map(|o| o.meta().uid.clone())
    };
    if uid_of("serviceaccounts", &claims.namespace, &claims.name)? != claims.uid {
        return None;
    }
    if let Some(b) = &claims.bound {
        let (resource, ns) = match b.kind.as_str() {
            "Pod" => ("pods", claims.namespace.as_str()),
            "Secret" => ("secrets", claims.namespace.as_str()),
            _ => ("nodes", ""),
        };
        if uid_of(resource, ns, &b.name)? != b.uid {
            return None;
        }
    }
    Some((claims.user(), claims.audiences.clone()))
}
