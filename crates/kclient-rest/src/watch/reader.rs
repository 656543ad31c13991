//! Reading a watch body on a task of its own.
//!
//! hyper hands an HTTP/1 body over one chunk at a time: its connection task reads the next chunk
//! only after the previous one was taken. A watch sends one event per chunk, so if the task that
//! decodes events also takes the chunks, every event costs a round trip between the two tasks
//! plus the decode. A reader task that only moves chunks into a bounded channel keeps hyper
//! going while events are decoded; the stream then finds several chunks waiting and decodes
//! them in batches (see `pipeline`).
//!
//! The task ends with the body, when the stream is dropped (even while the watch is idle), or
//! at the first error, which it passes on.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Body as _;
use http_body_util::BodyExt as _;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::{BoxError, ResponseBody};

/// Chunks read ahead of the decoder, at most.
const CHUNKS: usize = 256;
/// Bytes read ahead of the decoder, at most (a chunk larger than this still passes, alone).
const BYTES: usize = 2 * 1024 * 1024;

/// A chunk with its share of the byte budget, returned when the stream takes the chunk.
type Budgeted = (Result<Bytes, BoxError>, Option<OwnedSemaphorePermit>);

/// Where the stream's chunks come from.
pub(super) enum Chunks {
    /// Polled in place (no Tokio runtime to run a reader on).
    Direct(ResponseBody),
    /// Filled by a reader task.
    Reader(mpsc::Receiver<Budgeted>),
}

impl Chunks {
    /// Starts a reader task for `body` if a Tokio runtime is running, else reads in place.
    pub(super) fn new(body: ResponseBody) -> Self {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Chunks::Direct(body);
        };
        let (tx, rx) = mpsc::channel(CHUNKS);
        runtime.spawn(read(body, tx, Arc::new(Semaphore::new(BYTES))));
        Chunks::Reader(rx)
    }

    /// The next chunk; `None` at the end of the body.
    pub(super) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, BoxError>>> {
        match self {
            // The permit is dropped here: the chunk now counts as the decoder's.
            Chunks::Reader(rx) => rx
                .poll_recv(cx)
                .map(|item| item.map(|(chunk, _permit)| chunk)),
            Chunks::Direct(body) => loop {
                match std::task::ready!(Pin::new(&mut *body).poll_frame(cx)) {
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => return Poll::Ready(Some(Ok(data))),
                        Err(_) => continue, // trailers
                    },
                    Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                    None => return Poll::Ready(None),
                }
            },
        }
    }
}

/// Moves the body's data chunks into `tx` until the body ends, fails, or the stream is gone;
/// at most [`BYTES`] (by `budget`) and [`CHUNKS`] wait in the channel.
async fn read(mut body: ResponseBody, tx: mpsc::Sender<Budgeted>, budget: Arc<Semaphore>) {
    loop {
        let frame = tokio::select! {
            frame = body.frame() => frame,
            () = tx.closed() => return,
        };
        let chunk = match frame {
            None => return,
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if !data.is_empty() => Ok(data),
                _ => continue,
            },
            Some(Err(e)) => Err(e),
        };
        let size = chunk.as_ref().map_or(0, Bytes::len).clamp(1, BYTES);
        let permits = u32::try_from(size).unwrap_or(u32::MAX);
        let permit = tokio::select! {
            permit = budget.clone().acquire_many_owned(permits) => permit.ok(),
            () = tx.closed() => return,
        };
        let failed = chunk.is_err();
        if tx.send((chunk, permit)).await.is_err() || failed {
            return;
        }
    }
}
