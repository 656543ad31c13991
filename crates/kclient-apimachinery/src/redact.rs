//! The one redaction rule of kclient: what `Debug` output, error messages and log lines may show
//! of values that can hold a credential. client-go has no single place for this (it relies on
//! `rest.Config`'s `GoString`, `sanitizedConfig` and on not printing objects); kclient keeps every
//! such decision here, and every crate calls it:
//!
//! - **URLs** ([`url`], [`url_for_errors`]): the `user:password@` part is never shown; errors and
//!   logs about a request also drop its query (`?labelSelector=…`, and any token a caller put
//!   there), keeping scheme, host and path, which is what a reader needs to find the request.
//! - **Secret-shaped objects** ([`SENSITIVE_FIELDS`], [`object`]): the fields that hold credentials
//!   in built-in kinds (`Secret.data`, `Secret.stringData`, the token of a `TokenRequest` or
//!   `TokenReview`) show their keys but never a value, whether the object is typed (the generator
//!   reads the same table) or unstructured.
//! - **Lists of values that may be secret** ([`Values`]): exec plugin arguments, extension data:
//!   how many there are, never what they are.

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Value};

/// What a redacted value prints as.
pub const REDACTED: &str = "<redacted>";

/// A field of a built-in kind that holds credentials: its values never show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SensitiveField {
    /// The API group (`""` for core).
    pub group: &'static str,
    /// The kind whose objects carry it (`Secret`, `TokenRequest`, …).
    pub kind: &'static str,
    /// The OpenAPI definition of the struct that declares the field (what the typed generator
    /// matches on; nested structs such as `TokenRequestStatus` name their own definition).
    pub definition: &'static str,
    /// The JSON path of the field from the object's root.
    pub path: &'static [&'static str],
}

/// Every field of the built-in API that holds a credential. The spec does not mark them; this
/// table does, once, for the typed generator and for unstructured objects alike.
pub const SENSITIVE_FIELDS: &[SensitiveField] = &[
    SensitiveField {
        group: "",
        kind: "Secret",
        definition: "io.k8s.api.core.v1.Secret",
        path: &["data"],
    },
    SensitiveField {
        group: "",
        kind: "Secret",
        definition: "io.k8s.api.core.v1.Secret",
        path: &["stringData"],
    },
    SensitiveField {
        group: "authentication.k8s.io",
        kind: "TokenRequest",
        definition: "io.k8s.api.authentication.v1.TokenRequestStatus",
        path: &["status", "token"],
    },
    SensitiveField {
        group: "authentication.k8s.io",
        kind: "TokenReview",
        definition: "io.k8s.api.authentication.v1.TokenReviewSpec",
        path: &["spec", "token"],
    },
];

/// `url` without the `user:password@` part of its authority (replaced by `<redacted>@`).
/// Anything that is not a URL with a scheme comes back unchanged.
pub fn url(url: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => Cow::Owned(format!("{scheme}://{REDACTED}@{}", &rest[at + 1..])),
        None => Cow::Borrowed(url),
    }
}

/// `url` as errors and logs about a request show it: no user information at all, and no query
/// or fragment (scheme, host, port and path stay).
pub fn url_for_errors(url: &str) -> String {
    let (prefix, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let rest = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    if prefix.is_empty() {
        return rest.to_owned();
    }
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!("{prefix}{host}{path}")
}

/// The sensitive fields of objects of `api_version` and `kind` (`api_version` as in the object:
/// `v1`, `authentication.k8s.io/v1`).
pub fn sensitive_fields<'a>(
    api_version: &'a str,
    kind: &'a str,
) -> impl Iterator<Item = &'static [&'static str]> + 'a {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    SENSITIVE_FIELDS
        .iter()
        .filter(move |f| f.group == group && f.kind == kind)
        .map(|f| f.path)
}

/// `Debug` of a JSON object with the values of its sensitive fields (by its `apiVersion` and
/// `kind`) redacted: a map shows its keys, anything else shows `<redacted>`.
pub fn object(object: &Map<String, Value>) -> RedactedObject<'_> {
    RedactedObject(object)
}

/// See [`object`].
pub struct RedactedObject<'a>(&'a Map<String, Value>);

impl fmt::Debug for RedactedObject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let api_version = self
            .0
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = self.0.get("kind").and_then(Value::as_str).unwrap_or("");
        let paths: Vec<&[&str]> = sensitive_fields(api_version, kind).collect();
        fmt_map(self.0, &paths, 0, f)
    }
}

/// A JSON map, redacting the values at `paths` (each relative to the root; `depth` says how far
/// down this map is).
fn fmt_map(
    map: &Map<String, Value>,
    paths: &[&[&str]],
    depth: usize,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let mut out = f.debug_map();
    for (key, value) in map {
        let below: Vec<&[&str]> = paths
            .iter()
            .copied()
            .filter(|p| p.get(depth).is_some_and(|k| k == key))
            .collect();
        if below.iter().any(|p| p.len() == depth + 1) {
            out.entry(key, &Sensitive(value));
        } else if !below.is_empty() {
            match value {
                Value::Object(inner) => out.entry(key, &Nested(inner, &below, depth + 1)),
                // Not the shape the kind declares (an array, say): show nothing of it.
                _ => out.entry(key, &Sensitive(value)),
            };
        } else {
            out.entry(key, value);
        }
    }
    out.finish()
}

struct Nested<'a>(&'a Map<String, Value>, &'a [&'a [&'a str]], usize);

impl fmt::Debug for Nested<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_map(self.0, self.1, self.2, f)
    }
}

/// A sensitive value: a map shows its keys only, `null` stays `null`, anything else is redacted.
struct Sensitive<'a>(&'a Value);

impl fmt::Debug for Sensitive<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Object(map) => f
                .debug_map()
                .entries(map.keys().map(|k| (k, Redacted)))
                .finish(),
            Value::Null => f.write_str("null"),
            _ => f.write_str(REDACTED),
        }
    }
}

/// Prints `<redacted>`.
#[derive(Clone, Copy)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `Debug` of values that may each be secret (exec plugin arguments, extension data): shows how
/// many there are, never what they are.
pub struct Values(pub usize);

impl fmt::Debug for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} redacted>", self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_lose_userinfo_and_errors_lose_the_query() {
        assert_eq!(
            url("http://u:pw@proxy:3128/x"),
            "http://<redacted>@proxy:3128/x"
        );
        assert_eq!(url("http://proxy:3128"), "http://proxy:3128");
        assert_eq!(url("not a url"), "not a url");
        assert_eq!(url("https://h/p?x=a@b"), "https://h/p?x=a@b");
        assert_eq!(
            url_for_errors("https://u:p@h:6443/api/v1/pods?labelSelector=x#f"),
            "https://h:6443/api/v1/pods"
        );
        assert_eq!(url_for_errors("/api?token=t"), "/api");
        assert_eq!(url_for_errors("https://h"), "https://h");
    }

    #[test]
    fn secret_values_never_show_in_unstructured_debug() {
        let secret: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"password": "U0VOVElORUw="},
            "stringData": {"token": "SENTINEL"},
        }))
        .unwrap();
        let text = format!("{:?}", object(&secret));
        assert!(
            !text.contains("SENTINEL") && !text.contains("U0VOVElORUw="),
            "{text}"
        );
        assert!(text.contains("password") && text.contains("token") && text.contains("\"s\""));

        let review: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
            "spec": {"token": "SENTINEL", "audiences": ["a"]},
        }))
        .unwrap();
        let text = format!("{:?}", object(&review));
        assert!(
            !text.contains("SENTINEL") && text.contains("audiences"),
            "{text}"
        );

        // A ConfigMap is not secret-shaped: its data shows.
        let cm: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "visible"},
        }))
        .unwrap();
        assert!(format!("{:?}", object(&cm)).contains("visible"));
    }
}
