//! API errors as the real server reports them: a `Status` body with the same reason, code,
//! message wording and details (`apierrors.NewNotFound`, `NewAlreadyExists`, `NewConflict`,
//! `NewInvalid`, …), plus `field.Error` formatting for the causes of 422 Invalid.

use kclient_apimachinery::{GroupKind, GroupResource, StatusCause, StatusDetails};
use serde::Serialize;

/// A failed request, rendered as a `Status` with HTTP code `code`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status code.
    pub code: u16,
    /// The machine-readable reason (`NotFound`, `Conflict`, …); empty for none.
    pub reason: &'static str,
    /// The human-readable message.
    pub message: String,
    /// Details, when the real server gives them.
    pub details: Option<Box<StatusDetails>>,
}

/// The `Status` body, fields in the real server's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: serde_json::Map<String, serde_json::Value>,
    status: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a StatusDetails>,
    code: u16,
}

fn details(gr: &GroupResource, name: &str) -> Option<Box<StatusDetails>> {
    Some(Box::new(StatusDetails {
        name: (!name.is_empty()).then(|| name.to_string()),
        group: (!gr.group.is_empty()).then(|| gr.group.clone()),
        kind: Some(gr.resource.clone()),
        ..Default::default()
    }))
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    /// The `Status` JSON body.
    pub fn to_json(&self) -> serde_json::Value {
        let body = StatusBody {
            kind: "Status",
            api_version: "v1",
            metadata: Default::default(),
            status: "Failure",
            message: &self.message,
            reason: self.reason,
            details: self.details.as_deref(),
            code: self.code,
        };
        serde_json::to_value(body).unwrap_or_default()
    }

    /// 404: `configmaps "x" not found`.
    pub fn not_found(gr: &GroupResource, name: &str) -> Self {
        Self {
            details: details(gr, name),
            ..Self::new(404, "NotFound", format!("{gr} {name:?} not found"))
        }
    }

    /// 404 for a path the server does not serve.
    pub fn no_such_path() -> Self {
        Self {
            details: Some(Box::default()),
            ..Self::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )
        }
    }

    /// 409: `configmaps "x" already exists`.
    pub fn already_exists(gr: &GroupResource, name: &str) -> Self {
        Self {
            details: details(gr, name),
            ..Self::new(
                409,
                "AlreadyExists",
                format!("{gr} {name:?} already exists"),
            )
        }
    }

    /// 409: `Operation cannot be fulfilled on configmaps "x": <why>`.
    pub fn conflict(gr: &GroupResource, name: &str, why: &str) -> Self {
        Self {
            details: details(gr, name),
            ..Self::new(
                409,
                "Conflict",
                format!("Operation cannot be fulfilled on {gr} {name:?}: {why}"),
            )
        }
    }

    /// 409 for an update with a stale resourceVersion.
    pub fn stale(gr: &GroupResource, name: &str) -> Self {
        Self::conflict(
            gr,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 422: `ConfigMap "x" is invalid: <field errors>`.
    pub fn invalid(gk: &GroupKind, name: &str, errors: &[FieldError]) -> Self {
        let summary = aggregate(errors);
        Self {
            details: Some(Box::new(StatusDetails {
                name: (!name.is_empty()).then(|| name.to_string()),
                group: (!gk.group.is_empty()).then(|| gk.group.clone()),
                kind: Some(gk.kind.clone()),
                causes: errors.iter().map(FieldError::cause).collect(),
                ..Default::default()
            })),
            ..Self::new(
                422,
                "Invalid",
                format!("{gk} {name:?} is invalid: {summary}"),
            )
        }
    }

    /// 422 for patch documents that cannot be applied.
    pub fn unprocessable_patch(why: &str) -> Self {
        Self {
            details: Some(Box::new(StatusDetails {
                causes: vec![StatusCause {
                    reason: Some("UnexpectedServerResponse".into()),
                    message: Some(why.to_string()),
                    field: None,
                }],
                ..Default::default()
            })),
            ..Self::new(
                422,
                "Invalid",
                "the server rejected our request due to an error in our request",
            )
        }
    }

    /// 400 BadRequest.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 401 Unauthorized.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 403: `configmaps "x" is forbidden: <why>`.
    pub fn forbidden(gr: &GroupResource, name: &str, why: &str) -> Self {
        Self {
            details: details(gr, name),
            ..Self::new(
                403,
                "Forbidden",
                format!("{gr} {name:?} is forbidden: {why}"),
            )
        }
    }

    /// 403 from the authorizer (`errors.NewForbidden`): `<gr> "<name>" is forbidden: <why>`,
    /// without the name part for requests without a name, and `forbidden: <why>` for
    /// non-resource paths (empty `gr`).
    pub fn forbidden_request(gr: &GroupResource, name: &str, why: &str) -> Self {
        let message = if gr.group.is_empty() && gr.resource.is_empty() {
            format!("forbidden: {why}")
        } else if name.is_empty() {
            format!("{gr} is forbidden: {why}")
        } else {
            format!("{gr} {name:?} is forbidden: {why}")
        };
        Self {
            details: details(gr, name),
            ..Self::new(403, "Forbidden", message)
        }
    }

    /// 405 for a verb the resource does not support.
    pub fn method_not_allowed() -> Self {
        Self {
            details: Some(Box::default()),
            ..Self::new(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            )
        }
    }

    /// 406 for an Accept header the server cannot satisfy.
    pub fn not_acceptable() -> Self {
        Self::new(
            406,
            "NotAcceptable",
            "only the following media types are accepted: application/json",
        )
    }

    /// 406 with the server's own explanation (a transform it cannot do).
    pub fn not_acceptable_with(message: impl Into<String>) -> Self {
        Self::new(406, "NotAcceptable", message)
    }

    /// 415 for a body in a format the server does not read.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// 410 Expired, for a resourceVersion or continue token older than the retained history.
    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 504 Timeout for a resourceVersion newer than the server's.
    pub fn too_large_resource_version(asked: u64, current: u64) -> Self {
        Self {
            details: Some(Box::new(StatusDetails {
                causes: vec![StatusCause {
                    reason: Some("ResourceVersionTooLarge".into()),
                    message: Some("Too large resource version".into()),
                    field: None,
                }],
                retry_after_seconds: Some(1),
                ..Default::default()
            })),
            ..Self::new(
                504,
                "Timeout",
                format!("Too large resource version: {asked}, current: {current}"),
            )
        }
    }

    /// 500 InternalError: `Internal error occurred: <why>`.
    pub fn internal(why: &str) -> Self {
        Self {
            details: Some(Box::new(StatusDetails {
                causes: vec![StatusCause {
                    reason: None,
                    message: Some(why.to_string()),
                    field: None,
                }],
                ..Default::default()
            })),
            ..Self::new(
                500,
                "InternalError",
                format!("Internal error occurred: {why}"),
            )
        }
    }
}

/// One validation failure (`field.Error`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// What kind of failure.
    pub kind: FieldErrorKind,
    /// The field path, such as `metadata.name`.
    pub field: String,
    /// Extra explanation.
    pub detail: String,
}

/// The failure kinds used here (`field.ErrorType`).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldErrorKind {
    /// `Invalid value: <value>`.
    Invalid(String),
    /// `Required value`.
    Required,
    /// `Forbidden`.
    Forbidden,
    /// `Unsupported value: <value>` with the supported values.
    NotSupported(String, Vec<String>),
    /// `Invalid value: <value>` with the value already rendered as Go prints it (numbers,
    /// booleans, quoted strings).
    InvalidRendered(String),
}

impl FieldError {
    /// An invalid string value.
    pub fn invalid(field: &str, value: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: FieldErrorKind::Invalid(value.to_string()),
            field: field.to_string(),
            detail: detail.into(),
        }
    }

    /// An invalid JSON value, rendered as the real server prints it (`%v` of the value: numbers
    /// and booleans bare, strings quoted).
    pub fn invalid_value(
        field: &str,
        value: &serde_json::Value,
        detail: impl Into<String>,
    ) -> Self {
        let rendered = match value {
            serde_json::Value::String(s) => go_quote(s),
            other => other.to_string(),
        };
        Self {
            kind: FieldErrorKind::InvalidRendered(rendered),
            field: field.to_string(),
            detail: detail.into(),
        }
    }

    /// A missing value.
    pub fn required(field: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: FieldErrorKind::Required,
            field: field.to_string(),
            detail: detail.into(),
        }
    }

    /// A forbidden value.
    pub fn forbidden(field: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: FieldErrorKind::Forbidden,
            field: field.to_string(),
            detail: detail.into(),
        }
    }

    /// A value outside a fixed set.
    pub fn not_supported(field: &str, value: &str, supported: &[&str]) -> Self {
        Self {
            kind: FieldErrorKind::NotSupported(
                value.to_string(),
                supported.iter().map(|s| s.to_string()).collect(),
            ),
            field: field.to_string(),
            detail: String::new(),
        }
    }

    /// The message without the field (`ErrorBody`).
    pub fn body(&self) -> String {
        let mut s = match &self.kind {
            FieldErrorKind::Invalid(v) => format!("Invalid value: {}", go_quote(v)),
            FieldErrorKind::InvalidRendered(v) => format!("Invalid value: {v}"),
            FieldErrorKind::Required => "Required value".to_string(),
            FieldErrorKind::Forbidden => "Forbidden".to_string(),
            FieldErrorKind::NotSupported(v, supported) => {
                let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
                format!(
                    "Unsupported value: {}: supported values: {}",
                    go_quote(v),
                    list.join(", ")
                )
            }
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }

    fn reason(&self) -> &'static str {
        match self.kind {
            FieldErrorKind::Invalid(_) | FieldErrorKind::InvalidRendered(_) => "FieldValueInvalid",
            FieldErrorKind::Required => "FieldValueRequired",
            FieldErrorKind::Forbidden => "FieldValueForbidden",
            FieldErrorKind::NotSupported(..) => "FieldValueNotSupported",
        }
    }

    fn cause(&self) -> StatusCause {
        StatusCause {
            reason: Some(self.reason().to_string()),
            message: Some(self.body()),
            field: Some(self.field.clone()),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// `errs.ToAggregate().Error()`: one error as is, several as `[a, b]`.
fn aggregate(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => {
            let parts: Vec<String> = many.iter().map(ToString::to_string).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// Go's `%q` for the strings we quote (JSON escaping is the same for printable text).
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_the_real_server() {
        let cm = GroupResource::new("", "configmaps");
        assert_eq!(
            ApiError::not_found(&cm, "x").message,
            "configmaps \"x\" not found"
        );
        let dep = GroupResource::new("apps", "deployments");
        let e = ApiError::already_exists(&dep, "d");
        assert_eq!(e.message, "deployments.apps \"d\" already exists");
        assert_eq!(e.code, 409);
        let json = e.to_json();
        assert_eq!(json["details"]["group"], "apps");
        assert_eq!(json["details"]["kind"], "deployments");
        assert_eq!(json["metadata"], serde_json::json!({}));
        assert_eq!(
            ApiError::stale(&cm, "x").message,
            "Operation cannot be fulfilled on configmaps \"x\": the object has been modified; please apply your changes to the latest version and try again"
        );
    }

    #[test]
    fn invalid_lists_causes() {
        let gk = GroupKind::new("", "ConfigMap");
        let errs = [FieldError::invalid("metadata.name", "A", "bad")];
        let e = ApiError::invalid(&gk, "A", &errs);
        assert_eq!(
            e.message,
            "ConfigMap \"A\" is invalid: metadata.name: Invalid value: \"A\": bad"
        );
        let json = e.to_json();
        assert_eq!(json["details"]["causes"][0]["reason"], "FieldValueInvalid");
        assert_eq!(
            json["details"]["causes"][0]["message"],
            "Invalid value: \"A\": bad"
        );
        let two = [
            FieldError::required("metadata.name", "name or generateName is required"),
            FieldError::forbidden("x", "no"),
        ];
        assert_eq!(
            ApiError::invalid(&gk, "", &two).message,
            "ConfigMap \"\" is invalid: [metadata.name: Required value: name or generateName is required, x: Forbidden: no]"
        );
    }
}
