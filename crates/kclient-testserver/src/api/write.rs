//! CREATE (POST) and UPDATE (PUT) of objects and of the `status`/`finalize` subresources, with
//! namespace admission, AlreadyExists/NotFound/Conflict, dry runs, and deletion completing when
//! the last finalizer is removed.

use http::Response;
use serde_json::Value;

use super::Ctx;
use super::namespaces;
use super::objects::{self, for_output, meta_str, strip_type};
use super::response::{self, Body};
use super::status::ApiError;
use crate::registry::Resource;
use crate::store::{Key, Txn};

/// Parses a request body: JSON, or Kubernetes protobuf when the Content-Type says so.
pub fn parse_body(ctx: &Ctx) -> Result<Value, ApiError> {
    let content_type = ctx
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    match mime {
        crate::protobuf::CONTENT_TYPE => {
            crate::protobuf::decode_object(&ctx.body, ctx.res.group, ctx.res.version)
                .map_err(ApiError::bad_request)
        }
        "" | "application/json" | "*/*" => serde_json::from_slice(&ctx.body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        }),
        other => Err(ApiError::unsupported_media_type(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf (got {other})"
        ))),
    }
}

/// POST: create an object.
pub fn create(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let dry_run = ctx.query.dry_run("CreateOptions")?;
    let mut body = parse_body(ctx)?;
    objects::check_type(&ctx.res, &body)?;
    let warnings = super::fields::check(ctx, &mut body)?;
    let path_ns = ctx.path.namespace.as_deref();
    let obj = objects::prepare_create(&ctx.res, path_ns, strip_type(body))?;
    let name = meta_str(&obj, "name").to_string();
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), &name);
    let stored = ctx.state.store.transact(|txn| {
        if ctx.res.namespaced() {
            namespaces::admit_create(txn, &ctx.res, ctx.namespace(), &name)?;
        }
        if txn.contains(&key) {
            return Err(ApiError::already_exists(&ctx.res.group_resource(), &name));
        }
        let mut obj = obj;
        super::admission::create(txn, &ctx.res, ctx.namespace(), &mut obj, dry_run)?;
        allocate(txn, &ctx.res, &mut obj);
        super::managed::track_update(ctx, None, &mut obj);
        if dry_run {
            return Ok(obj);
        }
        let stored = txn.put(&key, obj);
        super::admission::after_create(txn, &ctx.state, &ctx.res, &stored);
        Ok(stored)
    })?;
    let resp = response::json(201, &for_output(&ctx.res, stored));
    Ok(super::fields::with_warnings(resp, &warnings))
}

/// Allocates what a new object gets from the cluster (a service's cluster IP).
pub fn allocate(txn: &Txn<'_>, res: &Resource, obj: &mut Value) {
    if res.group.is_empty() && res.name() == "services" && !res.is_custom() {
        let used = txn
            .keys(&crate::store::Prefix::new("", "services", None))
            .iter()
            .filter_map(|k| txn.get(k))
            .filter_map(|s| {
                s.pointer("/spec/clusterIP")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        crate::types::defaults::allocate_cluster_ip(obj, &used);
    }
}

/// Checks the body's name and namespace against the URL and fills the namespace in.
pub fn check_identity(ctx: &Ctx, obj: &mut Value) -> Result<(), ApiError> {
    let name = meta_str(obj, "name");
    if name != ctx.name() {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            ctx.name()
        )));
    }
    if ctx.res.namespaced() {
        let ns = meta_str(obj, "namespace");
        if !ns.is_empty() && ns != ctx.namespace() {
            return Err(ApiError::bad_request(format!(
                "the namespace of the provided object ({ns}) does not match the namespace sent on the request ({})",
                ctx.namespace()
            )));
        }
        objects::meta_mut(obj).insert("namespace".into(), Value::String(ctx.namespace().into()));
    }
    Ok(())
}

/// PUT: replace an object (or its status, or a namespace's finalizers).
pub fn update(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let dry_run = ctx.query.dry_run("UpdateOptions")?;
    let mut body = parse_body(ctx)?;
    objects::check_type(&ctx.res, &body)?;
    let warnings = super::fields::check(ctx, &mut body)?;
    let mut new = strip_type(body);
    check_identity(ctx, &mut new)?;
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), ctx.name());
    let sub = ctx.path.subresource.as_deref();
    let (code, stored) = ctx.state.store.transact(|txn| {
        let Some(old) = txn.get(&key) else {
            if ctx.res.allows_create_on_update() && sub.is_none() {
                if !meta_str(&new, "resourceVersion").is_empty() {
                    return Err(ApiError::not_found(&ctx.res.group_resource(), ctx.name()));
                }
                namespaces::admit_create(txn, &ctx.res, ctx.namespace(), ctx.name())?;
                let obj =
                    objects::prepare_create(&ctx.res, ctx.path.namespace.as_deref(), new.clone())?;
                let stored = if dry_run { obj } else { txn.put(&key, obj) };
                return Ok((201, stored));
            }
            return Err(ApiError::not_found(&ctx.res.group_resource(), ctx.name()));
        };
        let mut new = new.clone();
        if sub.is_none() {
            super::admission::update(&ctx.res, &old, &mut new);
        }
        let mut updated = objects::prepare_update(&ctx.res, &old, new, sub)?;
        super::managed::track_update(ctx, Some(&old), &mut updated);
        Ok((
            200,
            commit_update(txn, &ctx.res, &ctx.state, &key, &old, updated, dry_run),
        ))
    })?;
    let resp = response::json(code, &for_output(&ctx.res, stored));
    Ok(super::fields::with_warnings(resp, &warnings))
}

/// Stores an update prepared from `old` (unless it changes nothing or is a dry run). An update
/// that leaves an object being deleted without finalizers (and without a running grace period)
/// deletes it instead, as `shouldDeleteDuringUpdate` does: watchers see only the DELETED event
/// (with the last stored state), which is also the answer.
pub fn commit_update(
    txn: &mut Txn<'_>,
    res: &Resource,
    state: &super::State,
    key: &Key,
    old: &Value,
    updated: Value,
    dry_run: bool,
) -> Value {
    if &updated == old {
        return updated;
    }
    let deleting = !meta_str(old, "deletionTimestamp").is_empty();
    let delete_now = deleting
        && !super::graceful::waiting(old)
        && objects::finalizers(&updated).is_empty()
        && namespaces::spec_finalizers_done(res, &updated);
    if !delete_now {
        return if dry_run {
            updated
        } else {
            txn.put(key, updated)
        };
    }
    if dry_run {
        return old.clone();
    }
    if res.is_crd() {
        crate::crd::delete_objects(txn, old);
    }
    let Some(gone) = txn.delete(key) else {
        return old.clone();
    };
    super::gc::collect(txn, vec![super::gc::Work::of(&gone)]);
    if res.namespaced() {
        namespaces::poke(state, &key.namespace);
    }
    gone
}
