//! Decoding response bodies without holding the body twice.
//!
//! Small bodies (up to [`FAST_PATH_LIMIT`]) are collected and decoded from one slice, after a
//! check for a `Status` with `status: Failure` (client-go's `Result.Into`). Larger bodies are
//! streamed: chunks go through a bounded channel to a blocking task that deserializes them as
//! they arrive (`stream_de`: the top-level object member by member, arrays such as a list's
//! `items` element by element), dropping what it has read, so the peak memory of a large list
//! is the decoded objects plus a few chunks and one element, not the body plus the objects.

mod deborrow;
pub(crate) mod error_body;
pub(crate) mod list;
mod scan;
mod stream_de;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use kclient_apimachinery::Status;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::request::context::RequestContext;
use crate::{BoxError, Error, ResponseBody};

/// Bodies up to this size are decoded from one contiguous buffer.
pub(crate) const FAST_PATH_LIMIT: usize = 256 * 1024;
/// How many body chunks may wait for the decoder.
const CHANNEL_CHUNKS: usize = 8;

/// The next data chunk of `body` (trailers skipped), `None` at the end.
pub(crate) async fn next_chunk(body: &mut ResponseBody) -> Result<Option<Bytes>, BoxError> {
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data()
            && !data.is_empty()
        {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// The most memory reserved up front for a body from its declared length.
const MAX_PREALLOCATION: u64 = 128 * 1024 * 1024;

/// Reads the whole body into one buffer, appending chunks as they arrive (so the peak is one copy
/// of the body, plus the chunk being appended).
pub(crate) async fn collect(mut body: ResponseBody, ctx: &RequestContext) -> Result<Bytes, Error> {
    let declared = http_body::Body::size_hint(&body).lower();
    let mut first: Option<Bytes> = None;
    let mut all = BytesMut::new();
    while let Some(chunk) = next_chunk(&mut body)
        .await
        .map_err(|e| ctx.read_body_error(e))?
    {
        match first.take() {
            None if all.is_empty() => first = Some(chunk),
            None => all.extend_from_slice(&chunk),
            Some(head) => {
                let wanted = declared
                    .min(MAX_PREALLOCATION)
                    .max((head.len() + chunk.len()) as u64);
                all.reserve(usize::try_from(wanted).unwrap_or(usize::MAX));
                all.extend_from_slice(&head);
                all.extend_from_slice(&chunk);
            }
        }
    }
    // A single chunk is returned without copying.
    Ok(first.unwrap_or_else(|| all.freeze()))
}

fn concat(mut chunks: Vec<Bytes>) -> Bytes {
    match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.pop().unwrap_or_default(),
        _ => {
            let mut all = BytesMut::with_capacity(chunks.iter().map(Bytes::len).sum());
            chunks.iter().for_each(|c| all.extend_from_slice(c));
            all.freeze()
        }
    }
}

/// Decodes a successful response's body into `T` (see the module docs).
pub(crate) async fn decode_object<T>(
    mut body: ResponseBody,
    http_code: u16,
    ctx: &RequestContext,
) -> Result<T, Error>
where
    T: DeserializeOwned + Send + 'static,
{
    match read_head(&mut body, FAST_PATH_LIMIT, ctx).await? {
        Head::Complete(bytes) => decode_slice(&bytes, http_code, ctx),
        Head::Partial(head) => decode_streaming(head, body, ctx).await,
    }
}

/// The start of a body: all of it, or its first chunks once they pass a limit.
enum Head {
    /// The body ended within the limit.
    Complete(Bytes),
    /// The chunks read so far; the rest is still in the body.
    Partial(Vec<Bytes>),
}

/// Reads `body` until it ends or more than `limit` bytes have arrived.
async fn read_head(
    body: &mut ResponseBody,
    limit: usize,
    ctx: &RequestContext,
) -> Result<Head, Error> {
    let mut head = Vec::new();
    let mut head_len = 0;
    while let Some(chunk) = next_chunk(body).await.map_err(|e| ctx.read_body_error(e))? {
        head_len += chunk.len();
        head.push(chunk);
        if head_len > limit {
            return Ok(Head::Partial(head));
        }
    }
    Ok(Head::Complete(concat(head)))
}

/// Decodes a complete small body, turning a `Status` with `status: Failure` into an error.
pub(crate) fn decode_slice<T: DeserializeOwned>(
    bytes: &[u8],
    http_code: u16,
    ctx: &RequestContext,
) -> Result<T, Error> {
    if let Some(status) = failure_status(bytes) {
        return Err(ctx.api_error(status, http_code));
    }
    serde_json::from_slice(bytes).map_err(|e| ctx.decode_error(std::any::type_name::<T>(), e))
}

/// The body as a `Status`, if it is one (`kind: Status`) and says `Failure`.
pub(crate) fn failure_status(bytes: &[u8]) -> Option<Status> {
    #[cfg(feature = "protobuf")]
    if bytes.starts_with(&kclient_apimachinery::protobuf::MAGIC) {
        return kclient_apimachinery::protobuf::decode_status(bytes).filter(Status::is_failure);
    }
    #[derive(serde::Deserialize)]
    struct KindProbe {
        kind: Option<String>,
    }
    // Cheap pre-check: a Status body names its kind literally.
    if !bytes.windows(8).any(|w| w == b"\"Status\"") {
        return None;
    }
    let probe: KindProbe = serde_json::from_slice(bytes).ok()?;
    if probe.kind.as_deref() != Some("Status") {
        return None;
    }
    let status: Status = serde_json::from_slice(bytes).ok()?;
    status.is_failure().then_some(status)
}

/// Streams `head` and then the rest of `body` into a blocking deserializer.
async fn decode_streaming<T>(
    head: Vec<Bytes>,
    body: ResponseBody,
    ctx: &RequestContext,
) -> Result<T, Error>
where
    T: DeserializeOwned + Send + 'static,
{
    pump(head, body, ctx, stream_de::from_chunks::<T>).await
}

/// Decodes a successful list response into its envelope and items; items of a large body are
/// decoded on several threads while it streams in (see [`list`]).
pub(crate) async fn decode_list<T>(
    mut body: ResponseBody,
    http_code: u16,
    ctx: &RequestContext,
) -> Result<list::ListParts<T>, Error>
where
    T: DeserializeOwned + Send + 'static,
{
    match read_head(&mut body, list::PARALLEL_MIN_BYTES, ctx).await? {
        Head::Complete(bytes) => decode_slice(&bytes, http_code, ctx),
        Head::Partial(head) => pump(head, body, ctx, list::from_chunks::<T>).await,
    }
}

/// Streams `head` and then the rest of `body` to `decode`, which runs on a blocking thread.
async fn pump<R, F>(
    head: Vec<Bytes>,
    mut body: ResponseBody,
    ctx: &RequestContext,
    decode: F,
) -> Result<R, Error>
where
    R: Send + 'static,
    F: FnOnce(mpsc::Receiver<Bytes>) -> Result<R, serde_json::Error> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Bytes>(CHANNEL_CHUNKS);
    let decoder = tokio::task::spawn_blocking(move || decode(rx));
    let mut body_error = None;
    'pump: {
        for chunk in head {
            if tx.send(chunk).await.is_err() {
                break 'pump; // The decoder stopped early (a syntax error); its result says why.
            }
        }
        loop {
            match next_chunk(&mut body).await {
                Ok(Some(chunk)) => {
                    if tx.send(chunk).await.is_err() {
                        break 'pump;
                    }
                }
                Ok(None) => break 'pump,
                Err(e) => {
                    body_error = Some(e);
                    break 'pump;
                }
            }
        }
    }
    drop(tx);
    let decoded = decoder.await;
    if let Some(e) = body_error {
        // The decoder saw a truncated body; the transport's error is the real cause.
        return Err(ctx.read_body_error(e));
    }
    match decoded {
        Ok(result) => result.map_err(|e| ctx.decode_error(std::any::type_name::<R>(), e)),
        Err(join_error) => Err(ctx.read_body_error(Box::new(join_error))),
    }
}

#[cfg(test)]
mod tests;
