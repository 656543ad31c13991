//! `Response`: a successful answer whose body has not been read yet (client-go's `Result`, but
//! lazy), with its status code, content type and warnings, and the ways to consume the body.

mod byte_stream;
mod lines;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::ResponseBody;
use crate::decode;
use crate::request::context::RequestContext;
use crate::{Error, ListParts};
pub use byte_stream::ByteStream;
pub use lines::Lines;

/// One warning the server sent with a response (client-go's `net.WarningHeader`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Warning {
    /// The warn-code: 299 for deprecation and validation warnings.
    pub code: u16,
    /// The warn-agent, usually `-`.
    pub agent: String,
    /// The warning text, unescaped.
    pub text: String,
}

/// A 2xx response to a [`crate::Request`]; read its body with one of the `into_*` methods.
#[must_use = "the response body is not read until an into_* method is awaited"]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: ResponseBody,
    context: RequestContext,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &self.context.url)
            .field("content_type", &self.content_type())
            .finish_non_exhaustive()
    }
}

impl Response {
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        body: ResponseBody,
        context: RequestContext,
    ) -> Self {
        Self {
            status,
            headers,
            body,
            context,
        }
    }

    /// The HTTP status (always 2xx: other codes are returned as errors).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Whether the server created an object (201), as client-go's `Result.WasCreated`.
    pub fn was_created(&self) -> bool {
        self.status == StatusCode::CREATED
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Type`, if present and valid text.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE)?.to_str().ok()
    }

    /// The server's warnings (`Warning: 299 - "text"` headers, RFC 7234), as client-go's
    /// `Result.Warnings`. Malformed headers are skipped (the transport logs them).
    pub fn warnings(&self) -> Vec<Warning> {
        let (warnings, _malformed) =
            crate::middleware::warning_header::parse_warning_headers(&self.headers);
        warnings
            .into_iter()
            .map(|w| Warning {
                code: w.code,
                agent: w.agent,
                text: w.text,
            })
            .collect()
    }

    /// Decodes the body as JSON into `T` (client-go's `Result.Into`). Large bodies are decoded
    /// while they stream in, without holding the whole body in memory. A body that is a `Status`
    /// with `status: Failure` becomes [`Error::Api`].
    pub async fn into_object<T>(self) -> Result<T, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let code = self.status.as_u16();
        let context = self.context;
        context
            .run(decode::decode_object(self.body, code, &context))
            .await?
    }

    /// Decodes the body as a list (`PodList` as [`ListParts<Pod>`](ListParts)): the envelope
    /// and the items. Like [`Response::into_object`], but the items of a large list are decoded
    /// on several threads while the body streams in, which is what makes large lists fast.
    pub async fn into_list<T>(self) -> Result<ListParts<T>, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let code = self.status.as_u16();
        let context = self.context;
        context
            .run(decode::decode_list(self.body, code, &context))
            .await?
    }

    /// Reads the whole body (client-go's `DoRaw`).
    pub async fn into_bytes(self) -> Result<Bytes, Error> {
        let context = self.context;
        context.run(decode::collect(self.body, &context)).await?
    }

    /// The body as a stream of chunks, also readable with `AsyncRead`/`AsyncBufRead` (for logs).
    pub fn into_stream(self) -> ByteStream {
        ByteStream::new(self.body, self.context)
    }
}
