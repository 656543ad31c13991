//! `TokenReview` (authentication.k8s.io/v1, `pkg/registry/authentication/tokenreview`): who a
//! bearer token authenticates as, through the server's own authenticators — the configured
//! tokens (the admin's, `.token(…)` ones) and the service account tokens it issued (for the
//! audiences asked, by default the server's). Nothing is stored; the answer is 201 with the
//! review and its `status` (`authenticated`, `user`, `audiences`; for a token nobody knows,
//! `user: {}` only, as the real server's omitempty fields).

use http::Response;
use serde_json::{Value, json};

use super::objects::check_type;
use super::response::{self, Body};
use super::status::{ApiError, FieldError};
use super::{Ctx, token};
use crate::auth::User;
use crate::rbac::AUTHENTICATED;
use crate::tokens::AUDIENCE;

/// `user.Info` as the review shows it, with `system:authenticated` added.
fn user_info(user: &User) -> Value {
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
    info
}

/// `POST tokenreviews`.
pub fn create(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let mut review = super::write::parse_body(ctx)?;
    check_type(&ctx.res, &review)?;
    let spec = review.get("spec").cloned().unwrap_or_else(|| json!({}));
    let token_text = spec.get("token").and_then(Value::as_str).unwrap_or("");
    if token_text.is_empty() {
        return Err(ApiError::invalid(
            &ctx.res.group_kind(),
            "",
            &[FieldError::required("spec.token", "")],
        ));
    }
    let asked: Vec<String> = spec
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .filter(|a: &Vec<String>| !a.is_empty())
        .unwrap_or_else(|| vec![AUDIENCE.to_string()]);
    let found = match ctx.state.auth.static_token(token_text) {
        Some(user) => Some((user, asked.clone())),
        None => token::validate(&ctx.state, token_text).and_then(|(user, audiences)| {
            let both: Vec<String> = asked
                .iter()
                .filter(|a| audiences.contains(a))
                .cloned()
                .collect();
            (!both.is_empty()).then_some((user, both))
        }),
    };
    let status = match found {
        Some((user, audiences)) => json!({
            "authenticated": true,
            "user": user_info(&user),
            "audiences": audiences,
        }),
        None => json!({"user": {}}),
    };
    review["apiVersion"] = json!(ctx.res.api_version());
    review["kind"] = json!(ctx.res.kind());
    review["metadata"] = json!({"creationTimestamp": null});
    review["status"] = status;
    Ok(response::json(201, &review))
}
