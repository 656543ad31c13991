//! Content negotiation and decoding for `application/vnd.kubernetes.protobuf` (the `protobuf`
//! feature), as client-go's `rest.Request` does it for generated clients with
//! `UseProtobufAsDefault`: ask with `Accept: application/vnd.kubernetes.protobuf,
//! application/json`, send create/update bodies as protobuf, and decode each response by its
//! `Content-Type`, so a server (or a custom resource) that answers JSON still works.
//!
//! Callers hand a [`Codec`] for the object type (kclient-typed has one for every built-in
//! kind); with `None` the request is plain JSON.

use bytes::Bytes;
use http::StatusCode;
use http::header::{ACCEPT, CONTENT_TYPE};
use kclient_apimachinery::protobuf::{Codec, decode_envelope, is_protobuf, split_list};
use serde::de::DeserializeOwned;

use crate::request::{Mode, Prepared};
use crate::{Error, ListParts, Request, Response, WatchStream};

pub use kclient_apimachinery::protobuf::MEDIA_TYPE;

/// The `Accept` header of a protobuf request: JSON is the second choice, for servers and
/// resources (custom resources) that do not speak protobuf.
pub const ACCEPT_PROTOBUF: &str = "application/vnd.kubernetes.protobuf, application/json";

impl Request {
    /// Asks for protobuf, with JSON as the second choice.
    pub fn accept_protobuf(self) -> Self {
        self.set_header(ACCEPT.as_str(), ACCEPT_PROTOBUF)
    }

    /// Sends `value` encoded as protobuf (prefix, envelope and message).
    pub fn protobuf_body<T>(self, codec: &Codec<T>, value: &T) -> Self {
        self.body_bytes(codec.encode(value), MEDIA_TYPE)
    }

    /// Sends the request and decodes the answer by its `Content-Type`: protobuf with `codec`,
    /// JSON otherwise.
    pub async fn object_with<T>(self, codec: Option<Codec<T>>) -> Result<T, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.send().await?.into_object_with(codec).await
    }

    /// Sends the request and decodes the answer as a list by its `Content-Type`.
    pub async fn list_with<T>(self, codec: Option<Codec<T>>) -> Result<ListParts<T>, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.send().await?.into_list_with(codec).await
    }

    /// Starts a watch whose events are decoded by the response's `Content-Type`: protobuf
    /// frames with `codec`, JSON otherwise.
    pub async fn watch_with<T>(self, codec: Option<Codec<T>>) -> Result<WatchStream<T>, Error>
    where
        T: DeserializeOwned,
    {
        let Prepared {
            request,
            context,
            http,
        } = self.prepare(Mode::Watch)?;
        let response = http.send(request).await?;
        let (parts, body) = response.into_parts();
        if parts.status != StatusCode::OK {
            let code = parts.status.as_u16();
            return Err(crate::decode::error_body::error_from_response(
                code,
                &parts.headers,
                body,
                &context,
            )
            .await);
        }
        let protobuf = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_protobuf);
        match codec {
            Some(codec) if protobuf => Ok(WatchStream::new_protobuf(body, context, codec)),
            None if protobuf => Err(context.protobuf_error(
                std::any::type_name::<T>(),
                "the server answered a watch in protobuf, which this type cannot decode",
            )),
            _ => Ok(WatchStream::new(body, context)),
        }
    }
}

impl Response {
    fn is_protobuf(&self) -> bool {
        self.content_type().is_some_and(is_protobuf)
    }

    /// Decodes the body by its `Content-Type`: protobuf with `codec`, JSON otherwise.
    pub async fn into_object_with<T>(self, codec: Option<Codec<T>>) -> Result<T, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        if !self.is_protobuf() {
            return self.into_object().await;
        }
        let context = self.context().clone();
        let bytes = self.into_bytes().await?;
        let codec = codec.ok_or_else(|| {
            context.protobuf_error(
                std::any::type_name::<T>(),
                "the server answered in protobuf, which this type cannot decode",
            )
        })?;
        codec
            .decode(&bytes)
            .map_err(|e| context.protobuf_error(std::any::type_name::<T>(), e.to_string()))
    }

    /// Decodes a list by its `Content-Type`; protobuf items are decoded on several threads.
    pub async fn into_list_with<T>(self, codec: Option<Codec<T>>) -> Result<ListParts<T>, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        if !self.is_protobuf() {
            return self.into_list().await;
        }
        let context = self.context().clone();
        let bytes = self.into_bytes().await?;
        let target = std::any::type_name::<T>();
        let codec = codec.ok_or_else(|| {
            context.protobuf_error(
                target,
                "the server answered in protobuf, which this type cannot decode",
            )
        })?;
        tokio::task::spawn_blocking(move || decode_list(&bytes, &codec))
            .await
            .map_err(|e| context.read_body_error(Box::new(e)))?
            .map_err(|e| context.protobuf_error(format!("a list of {target}"), e))
    }
}

impl crate::request::context::RequestContext {
    /// A protobuf body that does not decode as `target`.
    pub(crate) fn protobuf_error(
        &self,
        target: impl Into<String>,
        reason: impl Into<String>,
    ) -> Error {
        Error::DecodeProtobuf {
            target: target.into(),
            verb: self.verb.clone(),
            url: self.url.clone(),
            reason: reason.into(),
        }
    }
}

/// The most items one thread decodes before the list is split among threads.
const ITEMS_PER_THREAD: usize = 256;

/// Decodes an enveloped list: the metadata, then the items in parallel (in order).
pub(crate) fn decode_list<T: Send>(
    bytes: &Bytes,
    codec: &Codec<T>,
) -> Result<ListParts<T>, String> {
    let unknown = decode_envelope(bytes).map_err(|e| e.to_string())?;
    let parts = split_list(unknown.raw).map_err(|e| e.to_string())?;
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8)
        .min(parts.items.len().div_ceil(ITEMS_PER_THREAD))
        .max(1);
    let chunk = parts.items.len().div_ceil(threads).max(1);
    let decode_chunk = |(index, items): (usize, &[&[u8]])| -> Result<Vec<T>, String> {
        items
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                codec
                    .decode_raw(raw)
                    .map_err(|e| format!("item {}: {e}", index * chunk + i))
            })
            .collect()
    };
    let chunks: Vec<Result<Vec<T>, String>> = if threads == 1 {
        parts
            .items
            .chunks(chunk)
            .enumerate()
            .map(decode_chunk)
            .collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .items
                .chunks(chunk)
                .enumerate()
                .map(|c| scope.spawn(move || decode_chunk(c)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a decoding thread panicked".into()))
                })
                .collect()
        })
    };
    let mut items = Vec::with_capacity(parts.items.len());
    for chunk in chunks {
        items.extend(chunk?);
    }
    Ok(ListParts {
        api_version: Some(unknown.api_version),
        kind: Some(unknown.kind),
        metadata: parts.metadata,
        items,
    })
}
