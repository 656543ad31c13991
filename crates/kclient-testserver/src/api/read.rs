//! GET of one object and LIST with selectors, resourceVersion semantics and pagination over a
//! consistent snapshot.

use http::Response;
use serde_json::{Value, json};

use super::filter::Filter;
use super::list_body;
use super::objects::write_typed;
use super::paging::{self, INCONSISTENT_CONTINUE};
use super::query::ListOptions;
use super::response::{self, Body};
use super::status::ApiError;
use super::table;
use super::{Ctx, Output};
use crate::store::{Key, Prefix, TooOld};

/// GET of one object (or its status subresource).
pub fn get(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let key = Key::new(ctx.res.group, ctx.res.name(), ctx.namespace(), ctx.name());
    let obj = ctx
        .state
        .store
        .get(&key)
        .ok_or_else(|| ApiError::not_found(&ctx.res.group_resource(), ctx.name()))?;
    if ctx.output == Output::Table {
        let obj = obj.value();
        let rv = super::objects::meta_str(&obj, "resourceVersion").to_string();
        return Ok(table::response(&ctx.res, &ctx.query, &[&obj], &rv, None));
    }
    let mut body = Vec::with_capacity(obj.json().len() + 64);
    write_typed(&ctx.res, obj.json(), &mut body);
    body.push(b'\n');
    Ok(response::with_type(200, response::JSON, body))
}

/// Parses a resourceVersion parameter.
pub fn parse_rv(rv: &str) -> Result<u64, ApiError> {
    rv.parse()
        .map_err(|_| ApiError::bad_request(format!("invalid resource version {rv:?}")))
}

/// The 410 for a snapshot that is no longer available.
pub fn too_old(asked: u64, err: TooOld) -> ApiError {
    ApiError::expired(format!(
        "too old resource version: {asked} ({})",
        err.oldest
    ))
}

/// LIST.
pub fn list(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let opts = ListOptions::from_query(&ctx.query, false)?;
    let filter = Filter::new(&ctx.res, &opts.label_selector, &opts.field_selector, None)?;
    let store = &ctx.state.store;
    let all_namespaces = ctx.path.namespace.is_none() && ctx.res.namespaced();
    let prefix = Prefix::new(ctx.res.group, ctx.res.name(), ctx.path.namespace.as_deref());

    let (snapshot_rv, after) = if !opts.continue_token.is_empty() {
        let c = paging::decode(&opts.continue_token)?;
        (Some(c.rv), Some(c.after))
    } else {
        match (
            opts.resource_version.as_str(),
            opts.resource_version_match.as_str(),
        ) {
            ("" | "0", _) => (None, None),
            (rv, m) => {
                let rv = parse_rv(rv)?;
                let current = store.current_rv();
                if rv > current {
                    return Err(ApiError::too_large_resource_version(rv, current));
                }
                if m == "Exact" {
                    (Some(rv), None)
                } else {
                    (None, None)
                }
            }
        }
    };
    let (rv, items) = store.snapshot(&prefix, snapshot_rv).map_err(|e| {
        if opts.continue_token.is_empty() {
            too_old(snapshot_rv.unwrap_or_default(), e)
        } else {
            ApiError::expired(INCONSISTENT_CONTINUE)
        }
    })?;

    let limit = opts.limit.filter(|l| *l > 0).map(|l| l as usize);
    let mut out = Vec::new();
    let mut next = None;
    let mut remaining = 0usize;
    let candidates = items.into_iter().filter(|(k, _)| {
        after
            .as_ref()
            .is_none_or(|a| paging::relative_key(k, all_namespaces).as_str() > a.as_str())
    });
    for (key, obj) in candidates {
        if !filter.matches_object(&obj) {
            continue;
        }
        if let Some(limit) = limit {
            if out.len() == limit {
                remaining += 1;
                continue;
            }
            if out.len() + 1 == limit {
                next = Some(paging::relative_key(&key, all_namespaces));
            }
        }
        out.push(obj);
    }
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if remaining > 0 {
        if let Some(last) = next {
            metadata["continue"] = json!(paging::encode(rv, &last));
        }
        if filter.is_empty() {
            metadata["remainingItemCount"] = json!(remaining);
        }
    }
    if let Output::Metadata(target) = ctx.output {
        if !target.list {
            return Err(target.refuse_list(&ctx.res));
        }
        let body = target.list(&metadata, out.iter().map(|o| o.value()));
        return Ok(target.response(200, &body));
    }
    if ctx.output == Output::Table {
        let values: Vec<Value> = out.iter().map(|o| o.value()).collect();
        let objs: Vec<&Value> = values.iter().collect();
        return Ok(table::response(
            &ctx.res,
            &ctx.query,
            &objs,
            &rv.to_string(),
            metadata.get("continue").and_then(Value::as_str),
        ));
    }
    Ok(list_body::response(
        &format!("{}List", ctx.res.kind()),
        &ctx.res.api_version(),
        &metadata,
        out,
    ))
}
