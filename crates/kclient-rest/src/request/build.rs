//! Turning a [`Request`] into an `http::Request`: URL assembly, the timeout, the preflight checks
//! and the [`RequestSettings`] extension. Pure: nothing here does I/O.

use std::time::Duration;

use http::Method;

use super::context::RequestContext;
use super::path;
use super::query::go_duration;
use super::{Request, TIMEOUT_PARAM};
use crate::{Error, RequestBody, RequestSettings};

/// Whether a request is an ordinary call or a watch; decides the timeout and `watch=true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Normal,
    Watch,
    /// A protocol upgrade (WebSocket): the timeout, if any, covers only the handshake and is
    /// not sent to the server.
    Upgrade,
}

/// A request ready to send: the HTTP request, its context for errors, and the client to use.
pub(crate) struct Prepared {
    pub(crate) request: http::Request<RequestBody>,
    pub(crate) context: RequestContext,
    pub(crate) http: crate::HttpClient,
}

impl Request {
    /// The request's method.
    pub fn verb(&self) -> &Method {
        &self.verb
    }

    /// The URL this request would be sent to (as an ordinary, non-watch request).
    pub fn url(&self) -> String {
        self.url_for(Mode::Normal)
    }

    /// The request as a plain `http::Request`, with its [`RequestSettings`] extension, for
    /// callers that send it themselves. Fails with the first builder error or a preflight error.
    pub fn into_http_request(self) -> Result<http::Request<RequestBody>, Error> {
        Ok(self.prepare(Mode::Normal)?.request)
    }

    /// The timeout enforced client side (none for watches).
    fn enforced_timeout(&self, mode: Mode) -> Option<Duration> {
        match mode {
            Mode::Normal | Mode::Upgrade => self.timeout.or(self.client.default_timeout()),
            Mode::Watch => None,
        }
        .filter(|t| !t.is_zero())
    }

    fn url_for(&self, mode: Mode) -> String {
        let mut p = self.path_prefix.clone();
        if let Some(ns) = self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            p = path::join([p.as_str(), "namespaces", ns]);
        }
        if !self.resource.is_empty() {
            p = path::join([p.as_str(), &self.resource.to_lowercase()]);
        }
        // Join drops a trailing slash, so only join when something follows (as client-go).
        if !self.name.is_empty() || !self.subresource.is_empty() || !self.subpath.is_empty() {
            p = path::join([p.as_str(), &self.name, &self.subresource, &self.subpath]);
        }
        if !p.starts_with('/') {
            p.insert(0, '/');
        }
        let mut query = self.query.clone();
        let sent_timeout = match mode {
            Mode::Normal => self.enforced_timeout(mode),
            Mode::Watch => self.timeout.filter(|t| !t.is_zero()),
            Mode::Upgrade => None,
        };
        if let Some(timeout) = sent_timeout {
            query.set(TIMEOUT_PARAM, go_duration(timeout));
        }
        if mode == Mode::Watch && !query.contains("watch") {
            query.set("watch", "true");
        }
        let base = self.client.base();
        let mut url = format!(
            "{}://{}{}",
            base.scheme,
            base.authority,
            path::escape_path(&p)
        );
        let query = query.encode();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        url
    }

    /// client-go's `requestPreflightCheck`: an explicitly empty namespace is refused on POST, and
    /// with a name on GET, PUT and DELETE.
    fn preflight(&self) -> Result<(), Error> {
        if self.namespace.as_deref() != Some("") {
            return Ok(());
        }
        let reason = match self.verb {
            Method::POST => "an empty namespace may not be set during creation",
            Method::GET | Method::PUT | Method::DELETE if !self.name.is_empty() => {
                "an empty namespace may not be set when a resource name is provided"
            }
            _ => return Ok(()),
        };
        Err(Error::InvalidRequest {
            reason: reason.to_string(),
        })
    }

    pub(crate) fn prepare(mut self, mode: Mode) -> Result<Prepared, Error> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.preflight()?;
        let url = self.url_for(mode);
        let timeout = self.enforced_timeout(mode);
        let uri: http::Uri = url.parse().map_err(|_| Error::InvalidRequest {
            reason: format!("the URL {url:?} is not a valid URI"),
        })?;
        let mut request = http::Request::new(RequestBody::new(self.body.unwrap_or_default()));
        *request.method_mut() = self.verb.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = self.headers;
        request.extensions_mut().insert(RequestSettings {
            is_watch: mode == Mode::Watch,
            max_retries: self.max_retries,
            throttle: self.throttle,
            // An upgrade's handshake timeout is enforced by the caller on the response headers
            // only; the timeout layer would otherwise also time the (unused) body.
            timeout: timeout.filter(|_| mode != Mode::Upgrade),
        });
        Ok(Prepared {
            request,
            context: RequestContext::new(self.verb, url, timeout),
            http: self.client.http_client().clone(),
        })
    }
}
