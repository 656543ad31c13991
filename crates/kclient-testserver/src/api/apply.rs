//! Server-side apply (`application/apply-patch+yaml`, a YAML or JSON body): create-on-apply,
//! `managedFields` with one `Apply` entry per manager, conflicts with fields other managers own
//! at a different value (409 listing them, as the real server), and `force=true` taking them over.

use http::Response;
use kclient_apimachinery::{GroupKind, StatusCause, StatusDetails};
use serde_json::Value;

use super::Ctx;
use super::fieldset::{self, Path};
use super::managed::{self, Entry};
use super::namespaces;
use super::objects::{self, for_output, strip_type};
use super::response::{self, Body};
use super::status::{ApiError, FieldError};
use super::write::{check_identity, commit_update};
use crate::store::Key;

fn parse(body: &[u8]) -> Result<Value, ApiError> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return Ok(v);
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("error decoding YAML: the body is not UTF-8"))?;
    serde_saphyr::from_str::<Value>(text)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
}

fn conflict_error(conflicts: &[(String, Path)]) -> ApiError {
    let n = conflicts.len();
    let detail = if let [(who, leaf)] = conflicts {
        format!("conflict with {who}: {}", managed::display(leaf))
    } else {
        let mut managers: Vec<&String> = conflicts.iter().map(|c| &c.0).collect();
        managers.sort();
        managers.dedup();
        let mut lines = Vec::new();
        for m in managers {
            lines.push(format!("conflicts with {m}:"));
            for (_, leaf) in conflicts.iter().filter(|c| &c.0 == m) {
                lines.push(format!("- {}", managed::display(leaf)));
            }
        }
        lines.join("\n")
    };
    let causes = conflicts
        .iter()
        .map(|(who, leaf)| StatusCause {
            reason: Some("FieldManagerConflict".into()),
            message: Some(format!("conflict with {who}")),
            field: Some(managed::display(leaf)),
        })
        .collect();
    ApiError {
        code: 409,
        reason: "Conflict",
        message: format!(
            "Apply failed with {n} conflict{}: {detail}",
            if n == 1 { "" } else { "s" }
        ),
        details: Some(Box::new(StatusDetails {
            causes,
            ..Default::default()
        })),
    }
}

/// PATCH with `application/apply-patch+yaml`.
pub fn apply(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let manager = ctx
        .query
        .get("fieldManager")
        .unwrap_or_default()
        .to_string();
    if manager.is_empty() {
        return Err(ApiError::invalid(
            &GroupKind::new("meta.k8s.io", "PatchOptions"),
            "",
            &[FieldError::required(
                "fieldManager",
                "is required for apply patch",
            )],
        ));
    }
    let force = ctx.query.bool("force")?.unwrap_or(false);
    let dry_run = ctx.query.dry_run("PatchOptions")?;
    let applied = parse(&ctx.body)?;
    if !applied.is_object() {
        return Err(ApiError::bad_request(
            "error decoding YAML: the body is not an object",
        ));
    }
    objects::check_type(&ctx.res, &applied)?;
    let mut applied = strip_type(applied);
    // The name may be left out: it comes from the URL, as the real server merges the patch
    // onto an object named by the request.
    if objects::meta_str(&applied, "name").is_empty() {
        objects::meta_mut(&mut applied).insert("name".into(), Value::String(ctx.name().into()));
    }
    check_identity(ctx, &mut applied)?;
    let sub = ctx.path.subresource.as_deref();
    let def = if ctx.res.is_custom() {
        None
    } else {
        super::strategic::root(ctx.res.group, ctx.res.version, ctx.res.kind())
    };
    let ty = managed::ty_of(&ctx.res);
    let ignored = managed::ignored(&ctx.res, sub);
    let mut mine = fieldset::to_set(ty, &applied);
    mine.retain(|p| !fieldset::under_any(p, &ignored));
    managed::strip(&mut mine);
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), ctx.name());
    let api_version = ctx.res.api_version();
    let mut entry = Entry {
        manager: manager.clone(),
        operation: "Apply".into(),
        api_version: api_version.clone(),
        time: objects::now(),
        set: mine.clone(),
        subresource: sub.map(str::to_string),
    };
    let (code, stored) = ctx.state.store.transact(|txn| {
        let Some(old) = txn.get(&key) else {
            if sub.is_some() {
                return Err(ApiError::not_found(&ctx.res.group_resource(), ctx.name()));
            }
            namespaces::admit_create(txn, &ctx.res, ctx.namespace(), ctx.name())?;
            let mut obj =
                objects::prepare_create(&ctx.res, ctx.path.namespace.as_deref(), applied.clone())?;
            super::admission::create(txn, &ctx.res, ctx.namespace(), &mut obj, dry_run)?;
            super::write::allocate(txn, &ctx.res, &mut obj);
            managed::set_entries(&mut obj, std::slice::from_ref(&entry));
            if dry_run {
                return Ok((201, obj));
            }
            let stored = txn.put(&key, obj);
            super::admission::after_create(txn, &ctx.state, &ctx.res, &stored);
            return Ok((201, stored));
        };
        let mut others = managed::entries(&old);
        let is_mine = |e: &Entry| e.is(&manager, "Apply", &api_version, sub);
        let previous = others.iter().find(|e| is_mine(e)).cloned();
        others.retain(|e| !is_mine(e));
        let mut doc = old.clone();
        let mut patch = applied.clone();
        if let Some(m) = patch.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("managedFields");
        }
        super::strategic::apply(&mut doc, &patch, def).map_err(ApiError::bad_request)?;
        // What this manager applied before and no longer does, and nobody else owns, goes.
        if let Some(prev) = &previous {
            let owned: fieldset::Set = others
                .iter()
                .flat_map(|e| e.set.iter().cloned())
                .chain(mine.iter().cloned())
                .collect();
            let dropped: fieldset::Set = prev.set.difference(&owned).cloned().collect();
            let removed = fieldset::leaves(&dropped);
            let kept: Vec<&Path> = owned.iter().collect();
            managed::remove_unowned(&mut doc, &removed, &kept);
        }
        let mut updated = objects::prepare_update(&ctx.res, &old, doc, sub)?;
        let c = managed::diff(ty, Some(&old), &updated, &ignored);
        let changed = c.changed();
        let mut conflicts = Vec::new();
        for e in &others {
            for p in e.set.intersection(&changed) {
                conflicts.push((e.describe(), p.clone()));
            }
        }
        if !conflicts.is_empty() && !force {
            return Err(conflict_error(&conflicts));
        }
        for e in &mut others {
            e.set
                .retain(|p| !changed.contains(p) && !c.removed.contains(p));
        }
        let unchanged = c.added.is_empty() && c.removed.is_empty() && c.modified.is_empty();
        if let Some(prev) = previous.filter(|p| unchanged && p.set == entry.set) {
            entry.time = prev.time;
        }
        others.push(entry.clone());
        managed::set_entries(&mut updated, &others);
        Ok((
            200,
            commit_update(txn, &ctx.res, &ctx.state, &key, &old, updated, dry_run),
        ))
    })?;
    Ok(response::json(code, &for_output(&ctx.res, stored)))
}
