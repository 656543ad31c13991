//! `Request`: the builder of one API call (client-go's `rest.Request`). Building the URL, headers
//! and body is pure and lives here; the terminal methods that send it are in `send.rs`.
//!
//! Like client-go, a builder call with an invalid argument does not panic: the first error is kept
//! and returned by the terminal method (`send`, `object`, `bytes`, `stream`, `watch`).

mod build;
pub(crate) mod context;
mod patch;
pub(crate) mod path;
mod query;
mod send;

use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use kclient_apimachinery::ToQueryParams;
use serde::Serialize;

use crate::{DEFAULT_MAX_RETRIES, Error, RestClient};
pub(crate) use build::{Mode, Prepared};
pub use patch::PatchType;
pub(crate) use path::escape as percent_escape;
use query::Query;

/// The query parameter `timeout`, set only through [`Request::timeout`] (client-go's
/// `specialParams`).
const TIMEOUT_PARAM: &str = "timeout";

/// One API request being built: verb, path parts, query parameters, headers and body.
///
/// The URL is `<base path>/<api path>/<group>/<version>[/namespaces/<ns>]/<resource>[/<name>
/// [/<subresource>[/<suffix>]]]`, with query parameters sorted and escaped like Go's
/// `url.Values.Encode`.
#[must_use = "a request does nothing until a terminal method (send, object, bytes, stream, watch) is awaited"]
pub struct Request {
    client: RestClient,
    verb: Method,
    /// Unescaped path before the namespace (base path + versioned API path, or an absolute path).
    path_prefix: String,
    /// Unescaped path after the subresource.
    subpath: String,
    /// `Some("")` means "explicitly the empty namespace" (checked by the preflight).
    namespace: Option<String>,
    resource: String,
    name: String,
    subresource: String,
    query: Query,
    headers: HeaderMap,
    timeout: Option<Duration>,
    max_retries: u32,
    throttle: bool,
    body: Option<Bytes>,
    error: Option<Error>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Headers are left out: they may carry credentials set by the caller.
        f.debug_struct("Request")
            .field("verb", &self.verb)
            .field("url", &self.url())
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request with `verb` on `client`'s group/version (what [`RestClient::verb`] returns).
    pub fn new(client: RestClient, verb: Method) -> Self {
        let path_prefix = path::join(["/", &client.base().path, client.versioned_api_path()]);
        let mut request = Self {
            verb,
            path_prefix,
            subpath: String::new(),
            namespace: None,
            resource: String::new(),
            name: String::new(),
            subresource: String::new(),
            query: Query::default(),
            headers: HeaderMap::new(),
            timeout: None,
            max_retries: DEFAULT_MAX_RETRIES,
            throttle: true,
            body: None,
            error: None,
            client,
        };
        // A client configured for protobuf asks for JSON by default: only the calls that can
        // decode protobuf (kclient-typed's built-in kinds, `Request::accept_protobuf`) ask
        // for it, per request.
        let accept = match request.client.accept() {
            a if a.starts_with("application/vnd.kubernetes.protobuf") => "application/json",
            a => a,
        };
        match HeaderValue::from_str(accept) {
            Ok(accept) => {
                request.headers.insert(ACCEPT, accept);
            }
            Err(_) => request.fail(format!(
                "the Accept header {:?} of the client is not a valid header value",
                request.client.accept()
            )),
        }
        request
    }

    fn fail(&mut self, reason: String) {
        if self.error.is_none() {
            self.error = Some(Error::InvalidRequest { reason });
        }
    }

    /// Applies `f` unless an earlier call already failed.
    fn with(mut self, f: impl FnOnce(&mut Self) -> Result<(), String>) -> Self {
        if self.error.is_none()
            && let Err(reason) = f(&mut self)
        {
            self.fail(reason);
        }
        self
    }

    /// The namespace (`/namespaces/<ns>` in the path). An explicitly empty namespace is allowed
    /// for listing across namespaces, but refused with a name on GET/PUT/DELETE and on POST.
    pub fn namespace(self, namespace: impl Into<String>) -> Self {
        let namespace = namespace.into();
        self.with(|r| {
            if let Some(existing) = &r.namespace {
                return Err(format!(
                    "namespace already set to {existing:?}, cannot change to {namespace:?}"
                ));
            }
            if let Some(why) = path::invalid_segment_reason(&namespace) {
                return Err(format!("invalid namespace {namespace:?}: {why}"));
            }
            r.namespace = Some(namespace);
            Ok(())
        })
    }

    /// Sets the namespace only if the resource is namespaced (`scoped`).
    pub fn namespace_if_scoped(self, namespace: impl Into<String>, scoped: bool) -> Self {
        if scoped {
            self.namespace(namespace)
        } else {
            self
        }
    }

    /// The resource (plural, such as `pods`); lower-cased in the URL as client-go does.
    pub fn resource(self, resource: impl Into<String>) -> Self {
        let resource = resource.into();
        self.with(|r| {
            if !r.resource.is_empty() {
                return Err(format!(
                    "resource already set to {:?}, cannot change to {resource:?}",
                    r.resource
                ));
            }
            if let Some(why) = path::invalid_segment_reason(&resource) {
                return Err(format!("invalid resource {resource:?}: {why}"));
            }
            r.resource = resource;
            Ok(())
        })
    }

    /// The object's name.
    pub fn name(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.with(|r| {
            if name.is_empty() {
                return Err("resource name may not be empty".to_string());
            }
            if !r.name.is_empty() {
                return Err(format!(
                    "resource name already set to {:?}, cannot change to {name:?}",
                    r.name
                ));
            }
            if let Some(why) = path::invalid_segment_reason(&name) {
                return Err(format!("invalid resource name {name:?}: {why}"));
            }
            r.name = name;
            Ok(())
        })
    }

    /// The subresource, such as `status`, `scale` or `log` (several segments may be separated by
    /// `/`; each is validated).
    pub fn subresource(self, subresource: impl Into<String>) -> Self {
        let subresource = subresource.into();
        self.with(|r| {
            if !r.subresource.is_empty() {
                return Err(format!(
                    "subresource already set to {:?}, cannot change to {subresource:?}",
                    r.subresource
                ));
            }
            for segment in subresource.split('/') {
                if let Some(why) = path::invalid_segment_reason(segment) {
                    return Err(format!("invalid subresource {segment:?}: {why}"));
                }
            }
            r.subresource = path::join([subresource.as_str()]);
            Ok(())
        })
    }

    /// Path segments appended after the subresource (`a/b` appends two).
    pub fn suffix(mut self, suffix: &str) -> Self {
        self.subpath = path::join([self.subpath.as_str(), suffix]);
        self
    }

    /// Path segments inserted after the versioned API path, before the namespace.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.path_prefix = path::join([self.path_prefix.as_str(), prefix]);
        self
    }

    /// Replaces the versioned API path: the URL path becomes `<base path>/<path>` (for paths such
    /// as `/version` or `/apis`). A trailing slash is kept, as client-go does.
    pub fn abs_path(mut self, abs_path: &str) -> Self {
        let base = self.client.base().path.as_str();
        self.path_prefix = path::join([base, abs_path]);
        if abs_path.ends_with('/') && (base.len() > 1 || abs_path.len() > 1) {
            self.path_prefix.push('/');
        }
        self
    }

    /// Sets the path (not joined with the base path) and adds the query parameters of a request
    /// URI such as `/api/v1/pods?limit=1`, as client-go's `RequestURI`.
    pub fn request_uri(self, uri: &str) -> Self {
        let uri = uri.to_string();
        self.with(|r| {
            let (raw_path, raw_query) = uri.split_once('?').unwrap_or((uri.as_str(), ""));
            let path = path::unescape_path(raw_path).map_err(|e| format!("request URI: {e}"))?;
            for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let k = path::unescape_query(k).map_err(|e| format!("request URI: {e}"))?;
                let v = path::unescape_query(v).map_err(|e| format!("request URI: {e}"))?;
                r.query.add(k, v);
            }
            r.path_prefix = path;
            Ok(())
        })
    }

    /// Adds a query parameter (repeatable). `timeout` must be set with [`Request::timeout`].
    pub fn param(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let (key, value) = (key.into(), value.into());
        self.with(|r| r.add_param(key, value))
    }

    fn add_param(&mut self, key: String, value: String) -> Result<(), String> {
        if key == TIMEOUT_PARAM {
            return Err(format!(
                "must set {TIMEOUT_PARAM} through the corresponding function, not directly"
            ));
        }
        self.query.add(key, value);
        Ok(())
    }

    /// Adds the query parameters an options struct encodes to (`ListOptions`, `GetOptions`, …).
    pub fn versioned_params(self, params: &impl ToQueryParams) -> Self {
        let mut pairs = Vec::new();
        params.query_params(&mut pairs);
        self.with(|r| {
            pairs
                .into_iter()
                .try_for_each(|(key, value)| r.add_param(key, value))
        })
    }

    /// Sets a header, replacing any previous value. The value is never echoed in errors.
    pub fn set_header(self, name: &str, value: &str) -> Self {
        let (name, value) = (name.to_string(), value.to_string());
        self.with(|r| {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name {name:?}"))?;
            let value = HeaderValue::from_str(&value)
                .map_err(|_| format!("the value of header {name:?} is not a valid header value"))?;
            r.headers.insert(header, value);
            Ok(())
        })
    }

    /// The timeout of the whole request (body included): sent to the server as `?timeout=` (Go
    /// duration syntax) and enforced client side. Defaults to `Config::timeout`. For a watch it
    /// is only sent to the server, which then ends the watch; `Duration::ZERO` means none.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many times a 429/5xx with `Retry-After` (and, for GET, a dropped connection) is
    /// retried; `0` disables retries. Default is [`DEFAULT_MAX_RETRIES`].
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Whether the client-side rate limiter applies to this request. Default is `true`.
    pub fn throttle(mut self, enabled: bool) -> Self {
        self.throttle = enabled;
        self
    }

    /// Sends `value` encoded as JSON, with the client's `Content-Type` unless one is set already
    /// (a patch type, for example).
    pub fn body<T: Serialize + ?Sized>(self, value: &T) -> Self {
        let encoded = serde_json::to_vec(value);
        let mut this = self;
        if this.error.is_some() {
            return this;
        }
        match encoded {
            Ok(bytes) => {
                if !this.headers.contains_key(CONTENT_TYPE) {
                    // A client configured for protobuf still sends JSON bodies as JSON.
                    let content_type = match this.client.content_type() {
                        ct if ct.starts_with("application/vnd.kubernetes.protobuf") => {
                            "application/json".to_string()
                        }
                        ct => ct.to_string(),
                    };
                    this = this.set_header(CONTENT_TYPE.as_str(), &content_type);
                }
                this.body = Some(Bytes::from(bytes));
            }
            Err(source) => {
                this.error = Some(Error::EncodeBody {
                    type_name: std::any::type_name::<T>(),
                    source,
                });
            }
        }
        this
    }

    /// Sends `bytes` as they are, with the given `Content-Type`.
    pub fn body_bytes(self, bytes: impl Into<Bytes>, content_type: &str) -> Self {
        let mut this = self.set_header(CONTENT_TYPE.as_str(), content_type);
        this.body = Some(bytes.into());
        this
    }
}

#[cfg(test)]
mod tests;
