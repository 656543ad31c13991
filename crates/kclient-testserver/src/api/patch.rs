//! PATCH of objects and their status: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and
//! strategic merge patch of built-in objects (lists merged by key, see [`super::strategic`]).

use http::{Response, header};
use serde_json::Value;

use super::Ctx;
use super::objects::{self, for_output, strip_type};
use super::response::{self, Body};
use super::status::ApiError;
use super::write::{check_identity, commit_update};
use crate::store::Key;

/// The patch formats understood.
#[derive(Debug, Clone, Copy)]
enum PatchType {
    Merge,
    Json,
    Strategic(Option<&'static crate::tables::PatchStruct>),
}

fn patch_type(ctx: &Ctx) -> Result<PatchType, ApiError> {
    let ct = ctx
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mime = ct.split(';').next().unwrap_or_default().trim();
    match mime {
        "application/merge-patch+json" => Ok(PatchType::Merge),
        "application/strategic-merge-patch+json" if !ctx.res.is_custom() => {
            let def = if ctx.path.subresource.as_deref() == Some("scale") {
                super::strategic::root("autoscaling", "v1", "Scale")
            } else {
                super::strategic::root(ctx.res.group, ctx.res.version, ctx.res.kind())
            };
            Ok(PatchType::Strategic(def))
        }
        "application/json-patch+json" => Ok(PatchType::Json),
        _ => Err(ApiError::unsupported_media_type(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, {}{}",
            if ctx.res.is_custom() {
                "application/apply-patch+yaml"
            } else {
                "application/strategic-merge-patch+json"
            },
            if ctx.res.is_custom() {
                ""
            } else {
                ", application/apply-patch+yaml"
            }
        ))),
    }
}

fn apply(kind: PatchType, doc: &mut Value, body: &[u8]) -> Result<(), ApiError> {
    match kind {
        PatchType::Merge => {
            let patch: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            if !patch.is_object() {
                return Err(ApiError::bad_request(
                    "error decoding patch: the patch is not a JSON object",
                ));
            }
            json_patch::merge(doc, &patch);
            Ok(())
        }
        PatchType::Strategic(def) => {
            let patch: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            if !patch.is_object() {
                return Err(ApiError::bad_request(
                    "error decoding patch: the patch is not a JSON object",
                ));
            }
            super::strategic::apply(doc, &patch, def).map_err(ApiError::bad_request)
        }
        PatchType::Json => {
            let patch: json_patch::Patch =
                serde_json::from_slice(body).map_err(|e| ApiError::bad_request(e.to_string()))?;
            json_patch::patch(doc, &patch)
                .map_err(|e| ApiError::unprocessable_patch(&e.to_string()))
        }
    }
}

/// Whether the request is a server-side apply (`application/apply-patch+yaml`).
pub fn is_apply(ctx: &Ctx) -> bool {
    ctx.headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|m| m.trim() == "application/apply-patch+yaml")
}

/// PATCH of an object (or its status).
pub fn patch(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let kind = patch_type(ctx)?;
    let dry_run = ctx.query.dry_run("PatchOptions")?;
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), ctx.name());
    let sub = ctx.path.subresource.as_deref();
    let mut warnings = Vec::new();
    let stored = ctx.state.store.transact(|txn| {
        let old = txn
            .get(&key)
            .ok_or_else(|| ApiError::not_found(&ctx.res.group_resource(), ctx.name()))?;
        let mut doc = for_output(&ctx.res, old.clone());
        apply(kind, &mut doc, &ctx.body)?;
        objects::check_type(&ctx.res, &doc)?;
        warnings = super::fields::check(ctx, &mut doc)?;
        let mut new = strip_type(doc);
        check_identity(ctx, &mut new)?;
        let mut updated = objects::prepare_update(&ctx.res, &old, new, sub)?;
        super::managed::track_update(ctx, Some(&old), &mut updated);
        Ok(commit_update(
            txn, &ctx.res, &ctx.state, &key, &old, updated, dry_run,
        ))
    })?;
    let resp = response::json(200, &for_output(&ctx.res, stored));
    Ok(super::fields::with_warnings(resp, &warnings))
}

/// PATCH of the `scale` subresource: the patch applies to the current `Scale`.
pub fn patch_scale(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let kind = patch_type(ctx)?;
    super::scale::write(ctx, Some(&|s: &mut Value| apply(kind, s, &ctx.body)))
}
