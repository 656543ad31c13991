//! The terminal methods of a [`Request`]: they send it through the client's `HttpClient` and
//! turn the answer into a value, bytes, a byte stream or a stream of watch events.

use bytes::Bytes;
use http::StatusCode;
use serde::de::DeserializeOwned;

use super::{Mode, Prepared, Request};
use crate::decode::error_body::error_from_response;
use crate::{ByteStream, Error, ListParts, Response, WatchStream};

impl Request {
    /// Sends the request and returns the response once its headers have arrived (client-go's
    /// `Do`). A non-2xx answer is an error: [`Error::Api`] when the body is a `Status`,
    /// [`Error::UnexpectedResponse`] otherwise.
    pub async fn send(self) -> Result<Response, Error> {
        let Prepared {
            request,
            context,
            http,
        } = self.prepare(Mode::Normal)?;
        let response = context.run(http.send(request)).await??;
        let (parts, body) = response.into_parts();
        if !parts.status.is_success() {
            let code = parts.status.as_u16();
            let error = error_from_response(code, &parts.headers, body, &context);
            return Err(context.run(error).await?);
        }
        Ok(Response::new(parts.status, parts.headers, body, context))
    }

    /// Sends the request and decodes the JSON answer into `T` (client-go's `Do(ctx).Into(obj)`);
    /// see [`Response::into_object`].
    pub async fn object<T>(self) -> Result<T, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.send().await?.into_object().await
    }

    /// Sends the request and decodes the answer as a list of `T` (see [`Response::into_list`]).
    pub async fn list<T>(self) -> Result<ListParts<T>, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.send().await?.into_list().await
    }

    /// Sends the request and returns the whole body (client-go's `DoRaw`).
    pub async fn bytes(self) -> Result<Bytes, Error> {
        self.send().await?.into_bytes().await
    }

    /// Sends the request and returns the body as a stream (client-go's `Stream`), for logs and
    /// other long or raw bodies.
    pub async fn stream(self) -> Result<ByteStream, Error> {
        Ok(self.send().await?.into_stream())
    }

    /// Starts a watch and returns its events as a stream (client-go's `Watch`). `watch=true` is
    /// added to the query unless a `watch` parameter is set. No client-side timeout applies; an
    /// explicit [`Request::timeout`] is only sent to the server. The server must answer 200;
    /// anything else is returned as an error, like [`Request::send`].
    pub async fn watch<T: DeserializeOwned>(self) -> Result<WatchStream<T>, Error> {
        let Prepared {
            request,
            context,
            http,
        } = self.prepare(Mode::Watch)?;
        let response = http.send(request).await?;
        let (parts, body) = response.into_parts();
        if parts.status != StatusCode::OK {
            let code = parts.status.as_u16();
            return Err(error_from_response(code, &parts.headers, body, &context).await);
        }
        Ok(WatchStream::new(body, context))
    }
}
