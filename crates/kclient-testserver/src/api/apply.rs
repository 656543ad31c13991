//! Server-side apply (`application/apply-patch+yaml`, a YAML or JSON body): create-on-apply,
//! `managedFields` with one `Apply` entry per manager, conflicts with fields other managers own
//! at a different value (409 listing them, as the real server), and `force=true` taking them over.

use http::Response;
use kclient_apimachinery::{GroupKind, StatusCause, StatusDetails};
use serde_json::Value;

use super::Ctx;
use super::managed::{self, Entry, Leaf};
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

fn conflict_error(conflicts: &[(String, Leaf)]) -> ApiError {
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
    check_identity(ctx, &mut applied)?;
    let sub = ctx.path.subresource.as_deref();
    let def = if ctx.res.is_custom() {
        None
    } else {
        super::strategic::root(ctx.res.group, ctx.res.version, ctx.res.kind())
    };
    let mine = managed::leaves(&applied, def, sub.is_none());
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), ctx.name());
    let api_version = ctx.res.api_version();
    let entry = Entry {
        manager: manager.clone(),
        operation: "Apply".into(),
        api_version: api_version.clone(),
        leaves: mine.clone(),
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
        let is_mine = |e: &Entry| {
            e.manager == manager && e.operation == "Apply" && e.subresource.as_deref() == sub
        };
        let previous: Vec<Leaf> = others
            .iter()
            .filter(|e| is_mine(e))
            .flat_map(|e| e.leaves.clone())
            .collect();
        others.retain(|e| !is_mine(e));
        let mut conflicts = Vec::new();
        for e in &others {
            let who = if e.operation == "Apply" {
                format!("{:?}", e.manager)
            } else {
                format!("{:?} using {}", e.manager, e.api_version)
            };
            for leaf in e.leaves.iter().filter(|l| mine.contains(l)) {
                if managed::value_at(&old, leaf) != managed::value_at(&applied, leaf) {
                    conflicts.push((who.clone(), leaf.clone()));
                }
            }
        }
        if !conflicts.is_empty() && !force {
            return Err(conflict_error(&conflicts));
        }
        if force {
            let taken: Vec<&Leaf> = conflicts.iter().map(|c| &c.1).collect();
            for e in &mut others {
                e.leaves.retain(|l| !taken.contains(&l));
            }
        }
        let mut doc = old.clone();
        let mut patch = applied.clone();
        if let Some(m) = patch.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("managedFields");
        }
        super::strategic::apply(&mut doc, &patch, def).map_err(ApiError::bad_request)?;
        let removed: Vec<Leaf> = previous.into_iter().filter(|l| !mine.contains(l)).collect();
        let kept: Vec<&Leaf> = mine
            .iter()
            .chain(others.iter().flat_map(|e| e.leaves.iter()))
            .collect();
        managed::remove_unowned(&mut doc, &removed, &kept);
        others.push(entry.clone());
        managed::set_entries(&mut doc, &others);
        let updated = objects::prepare_update(&ctx.res, &old, doc, sub)?;
        let mut updated = updated;
        if sub.is_some() {
            managed::set_entries(&mut updated, &others);
        }
        Ok((
            200,
            commit_update(txn, &ctx.res, &ctx.state, &key, &old, updated, dry_run),
        ))
    })?;
    Ok(response::json(code, &for_output(&ctx.res, stored)))
}
