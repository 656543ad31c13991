//! The SPDY/3.1 session: a reader task, a writer task, an optional pinger, per-stream queues.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kclient_apimachinery::httpstream::spdy::{
    FLAG_FIN, FRAME_HEADER_LEN, Frame, FrameDecoder, FrameEncoder, Framer, GoAwayStatus, Headers,
    Limits, RstStatus, StreamId,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::Error;

/// Chunks queued per stream before the reader waits (back-pressure to the peer via TCP).
const STREAM_QUEUE: usize = 16;
/// Frames queued for the writer.
const WRITE_QUEUE: usize = 64;
/// The writer sends what it has once this much is buffered.
const WRITE_BATCH: usize = 256 * 1024;

/// How long [`SpdyConnection::close`] waits for queued frames to be written.
pub const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings of a [`SpdyConnection`].
#[derive(Debug, Clone)]
pub struct SpdyConfig {
    /// How often to send a `PING` (client-go: 5 s over plain SPDY, 10 s inside the WebSocket
    /// tunnel); `None` sends none.
    pub ping_period: Option<Duration>,
    /// How long a `PING` may go unanswered before the connection is declared dead.
    pub ping_timeout: Duration,
    /// How long [`SpdyConnection::create_stream`] waits for the peer's `SYN_REPLY`
    /// (client-go's `createStreamResponseTimeout`).
    pub reply_timeout: Duration,
    /// Frame-size limits for what the peer sends.
    pub limits: Limits,
}

impl Default for SpdyConfig {
    fn default() -> Self {
        Self {
            ping_period: Some(Duration::from_secs(5)),
            ping_timeout: Duration::from_secs(30),
            reply_timeout: Duration::from_secs(30),
            limits: Limits::default(),
        }
    }
}

/// What the reader hands a stream.
#[derive(Debug)]
enum Chunk {
    Data(Bytes),
    Fin,
    Reset(RstStatus),
}

struct Slot {
    data: mpsc::Sender<Chunk>,
    reply: Option<oneshot::Sender<Headers>>,
}

struct Shared {
    out: mpsc::Sender<Frame>,
    streams: Mutex<HashMap<StreamId, Slot>>,
    next_id: AtomicU32,
    next_ping: AtomicU32,
    pong: Notify,
    /// `Some(reason)` once the connection is over (`""` for a clean close).
    closed: watch::Sender<Option<String>>,
    /// `true` once the writer has written what was queued and shut the connection down.
    written: watch::Sender<bool>,
}

impl Shared {
    fn close(&self, reason: impl Into<String>) {
        let reason = reason.into();
        self.closed.send_if_modified(|c| {
            if c.is_none() {
                *c = Some(reason);
                true
            } else {
                false
            }
        });
        // Dropping every queue's sender ends every stream's reads.
        if let Ok(mut streams) = self.streams.lock() {
            streams.clear();
        }
    }

    fn close_reason(&self) -> Option<String> {
        self.closed.borrow().clone()
    }

    fn take_slot_sender(&self, id: StreamId) -> Option<mpsc::Sender<Chunk>> {
        let streams = self.streams.lock().ok()?;
        streams.get(&id).map(|s| s.data.clone())
    }

    /// Registers a stream the peer opened; `false` when the id is already in use.
    fn insert_new(&self, id: StreamId, data: mpsc::Sender<Chunk>) -> bool {
        let Ok(mut streams) = self.streams.lock() else {
            return false;
        };
        if streams.contains_key(&id) {
            return false;
        }
        streams.insert(id, Slot { data, reply: None });
        true
    }

    fn remove(&self, id: StreamId) -> Option<Slot> {
        self.streams.lock().ok()?.remove(&id)
    }
}

/// Aborts the connection's tasks when the connection is dropped.
struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

/// A SPDY/3.1 session over one byte stream. See the [module docs](super).
pub struct SpdyConnection {
    shared: Arc<Shared>,
    incoming: Option<mpsc::Receiver<SpdyStream>>,
    reply_timeout: Duration,
    _tasks: Tasks,
}

impl std::fmt::Debug for SpdyConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpdyConnection")
            .field("closed", &self.shared.close_reason())
            .finish_non_exhaustive()
    }
}

impl SpdyConnection {
    /// Starts the client side over `io`: streams this side creates get odd ids.
    pub fn client<T>(io: T, config: SpdyConfig) -> Result<Self, Error>
    where
        T: AsyncRead + AsyncWrite + Send + 'static,
    {
        Self::start(io, config, true)
    }

    /// Starts the server side over `io`: the peer's streams arrive through
    /// [`SpdyConnection::accept`].
    pub fn server<T>(io: T, config: SpdyConfig) -> Result<Self, Error>
    where
        T: AsyncRead + AsyncWrite + Send + 'static,
    {
        Self::start(io, config, false)
    }

    fn start<T>(io: T, config: SpdyConfig, client: bool) -> Result<Self, Error>
    where
        T: AsyncRead + AsyncWrite + Send + 'static,
    {
        let framer = Framer::with_limits(config.limits).map_err(spdy_error)?;
        let (encoder, decoder) = framer.split();
        let (read, write) = tokio::io::split(io);
        let (out_tx, out_rx) = mpsc::channel(WRITE_QUEUE);
        let (closed, _) = watch::channel(None);
        let shared = Arc::new(Shared {
            out: out_tx,
            streams: Mutex::new(HashMap::new()),
            next_id: AtomicU32::new(if client { 1 } else { 2 }),
            next_ping: AtomicU32::new(if client { 1 } else { 2 }),
            pong: Notify::new(),
            closed,
            written: watch::channel(false).0,
        });
        let (incoming_tx, incoming_rx) = if client {
            (None, None)
        } else {
            let (tx, rx) = mpsc::channel(16);
            (Some(tx), Some(rx))
        };
        let mut tasks = vec![
            tokio::spawn(read_loop(
                read,
                decoder,
                shared.clone(),
                incoming_tx,
                client,
            )),
            tokio::spawn({
                let shared = shared.clone();
                async move {
                    write_loop(write, encoder, out_rx, shared.clone()).await;
                    shared.written.send_replace(true);
                }
            }),
        ];
        if let Some(period) = config.ping_period {
            tasks.push(tokio::spawn(ping_loop(
                shared.clone(),
                period,
                config.ping_timeout,
            )));
        }
        Ok(Self {
            shared,
            incoming: incoming_rx,
            reply_timeout: config.reply_timeout,
            _tasks: Tasks(tasks),
        })
    }

    /// Opens a stream with `headers` and waits for the peer's `SYN_REPLY`.
    pub async fn create_stream(&self, headers: Headers) -> Result<SpdyStream, Error> {
        if let Some(reason) = self.shared.close_reason() {
            return Err(closed_error(&reason));
        }
        let id = self.shared.next_id.fetch_add(2, Ordering::Relaxed);
        if id > 0x7fff_ffff {
            return Err(Error::Spdy {
                reason: "stream ids are exhausted".into(),
            });
        }
        let (data_tx, data_rx) = mpsc::channel(STREAM_QUEUE);
        let (reply_tx, reply_rx) = oneshot::channel();
        if let Ok(mut streams) = self.shared.streams.lock() {
            streams.insert(
                id,
                Slot {
                    data: data_tx,
                    reply: Some(reply_tx),
                },
            );
        }
        let syn = Frame::SynStream {
            stream_id: id,
            associated_to: 0,
            priority: 0,
            flags: 0,
            headers: headers.clone(),
        };
        if self.shared.out.send(syn).await.is_err() {
            return Err(self.closed_now());
        }
        match tokio::time::timeout(self.reply_timeout, reply_rx).await {
            Ok(Ok(_reply)) => Ok(SpdyStream::new(id, headers, data_rx, self.shared.clone())),
            Ok(Err(_)) => Err(match self.shared.close_reason() {
                Some(reason) => closed_error(&reason),
                None => Error::Spdy {
                    reason: format!("the server reset stream {id} instead of accepting it"),
                },
            }),
            Err(_) => {
                self.shared.remove(id);
                Err(Error::Spdy {
                    reason: format!(
                        "timed out after {:?} waiting for the reply to stream {id}",
                        self.reply_timeout
                    ),
                })
            }
        }
    }

    /// The next stream the peer opened (server side); `None` once the connection is over.
    pub async fn accept(&mut self) -> Option<SpdyStream> {
        self.incoming.as_mut()?.recv().await
    }

    /// Waits until the connection is over; the reason is empty for a clean close.
    pub async fn closed(&self) -> String {
        let mut rx = self.shared.closed.subscribe();
        loop {
            if let Some(reason) = rx.borrow_and_update().clone() {
                return reason;
            }
            if rx.changed().await.is_err() {
                return String::new();
            }
        }
    }

    /// Whether the connection is over.
    pub fn is_closed(&self) -> bool {
        self.shared.close_reason().is_some()
    }

    /// Sends `GOAWAY` and closes the connection once queued frames are written; returns when
    /// they are (or after [`CLOSE_FLUSH_TIMEOUT`]), so dropping the connection next loses
    /// nothing.
    pub async fn close(&self) {
        let last = self
            .shared
            .next_id
            .load(Ordering::Relaxed)
            .saturating_sub(2);
        let _ = self
            .shared
            .out
            .send(Frame::GoAway {
                last_good_stream_id: last,
                status: GoAwayStatus::OK,
            })
            .await;
        // The writer drains the queue, then ends the connection.
        self.shared.close("");
        let mut written = self.shared.written.subscribe();
        let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, written.wait_for(|w| *w)).await;
    }

    fn closed_now(&self) -> Error {
        closed_error(&self.shared.close_reason().unwrap_or_default())
    }
}

fn closed_error(reason: &str) -> Error {
    Error::Spdy {
        reason: if reason.is_empty() {
            "the connection is closed".into()
        } else {
            format!("the connection is closed: {reason}")
        },
    }
}

fn spdy_error(e: kclient_apimachinery::Error) -> Error {
    Error::Spdy {
        reason: e.to_string(),
    }
}

/// One stream of a [`SpdyConnection`]: its headers, what the peer sends, and a writer.
#[derive(Debug)]
pub struct SpdyStream {
    id: StreamId,
    headers: Headers,
    reader: StreamReader,
    writer: StreamWriter,
}

impl SpdyStream {
    fn new(id: StreamId, headers: Headers, rx: mpsc::Receiver<Chunk>, shared: Arc<Shared>) -> Self {
        let writer = StreamWriter {
            id,
            out: shared.out.clone(),
        };
        Self {
            id,
            headers,
            reader: StreamReader {
                id,
                rx,
                shared,
                done: false,
            },
            writer,
        }
    }

    /// The stream id.
    pub fn id(&self) -> StreamId {
        self.id
    }

    /// The headers the stream was opened with.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// A handle for sending on the stream.
    pub fn writer(&self) -> StreamWriter {
        self.writer.clone()
    }

    /// Reads the next chunk (see [`StreamReader::read`]).
    pub async fn read(&mut self) -> Result<Option<Bytes>, Error> {
        self.reader.read().await
    }

    /// The two halves.
    pub fn split(self) -> (StreamReader, StreamWriter) {
        (self.reader, self.writer)
    }
}

/// What the peer sends on one stream.
pub struct StreamReader {
    id: StreamId,
    rx: mpsc::Receiver<Chunk>,
    shared: Arc<Shared>,
    done: bool,
}

impl std::fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReader")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl StreamReader {
    /// The next chunk of data; `Ok(None)` once the peer half-closed the stream (`FIN`). A reset
    /// stream or a connection that ended first is an error.
    pub async fn read(&mut self) -> Result<Option<Bytes>, Error> {
        std::future::poll_fn(|cx| self.poll_read_chunk(cx)).await
    }

    /// Poll form of [`StreamReader::read`].
    pub fn poll_read_chunk(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<Option<Bytes>, Error>> {
        use std::task::Poll;
        if self.done {
            return Poll::Ready(Ok(None));
        }
        match self.rx.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Chunk::Data(b))) => Poll::Ready(Ok(Some(b))),
            Poll::Ready(Some(Chunk::Fin)) => {
                self.done = true;
                Poll::Ready(Ok(None))
            }
            Poll::Ready(Some(Chunk::Reset(status))) => {
                self.done = true;
                Poll::Ready(Err(Error::Spdy {
                    reason: format!(
                        "stream {} was reset by the peer (status {})",
                        self.id, status.0
                    ),
                }))
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(Err(closed_error(
                    &self.shared.close_reason().unwrap_or_default(),
                )))
            }
        }
    }
}

impl Drop for StreamReader {
    fn drop(&mut self) {
        // Nobody reads any more: stop queueing for this stream.
        self.shared.remove(self.id);
    }
}

/// Sends on one stream; cheap to clone.
#[derive(Debug, Clone)]
pub struct StreamWriter {
    id: StreamId,
    out: mpsc::Sender<Frame>,
}

impl StreamWriter {
    /// The stream id.
    pub fn id(&self) -> StreamId {
        self.id
    }

    async fn send(&self, frame: Frame) -> Result<(), Error> {
        self.out.send(frame).await.map_err(|_| Error::Spdy {
            reason: "the connection is closed".into(),
        })
    }

    /// Sends `data` as one `DATA` frame.
    pub async fn write(&self, data: Bytes) -> Result<(), Error> {
        self.send(Frame::Data {
            stream_id: self.id,
            flags: 0,
            data,
        })
        .await
    }

    /// Half-closes the stream: an empty `DATA` frame with `FIN` (spdystream's `Close`).
    pub async fn close(&self) -> Result<(), Error> {
        self.send(Frame::Data {
            stream_id: self.id,
            flags: FLAG_FIN,
            data: Bytes::new(),
        })
        .await
    }

    /// Aborts the stream with `RST_STREAM CANCEL` (spdystream's `Reset`).
    pub async fn reset(&self) -> Result<(), Error> {
        self.send(Frame::RstStream {
            stream_id: self.id,
            status: RstStatus::CANCEL,
        })
        .await
    }

    /// Accepts a stream the peer opened (server side): `SYN_REPLY` with `headers`.
    pub async fn reply(&self, headers: Headers) -> Result<(), Error> {
        self.send(Frame::SynReply {
            stream_id: self.id,
            flags: 0,
            headers,
        })
        .await
    }

    /// A clone of the frame queue with a way to reserve capacity, for poll-based writers.
    pub(crate) fn sender(&self) -> mpsc::Sender<Frame> {
        self.out.clone()
    }
}

async fn read_loop<R: AsyncRead>(
    read: R,
    mut decoder: FrameDecoder,
    shared: Arc<Shared>,
    incoming: Option<mpsc::Sender<SpdyStream>>,
    client: bool,
) {
    let mut read = std::pin::pin!(read);
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let reason = loop {
        let frame = match decoder.decode(&mut buf) {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                if buf.capacity() - buf.len() < 16 * 1024 {
                    let want = FrameDecoder::frame_len(&buf).unwrap_or(FRAME_HEADER_LEN);
                    buf.reserve((want.saturating_sub(buf.len())).max(64 * 1024));
                }
                match read.read_buf(&mut buf).await {
                    Ok(0) if buf.is_empty() => break String::new(),
                    Ok(0) => break "the connection ended in the middle of a frame".to_string(),
                    Ok(_) => continue,
                    Err(e) => break format!("reading: {e}"),
                }
            }
            Err(e) => {
                let _ = shared.out.try_send(Frame::GoAway {
                    last_good_stream_id: 0,
                    status: GoAwayStatus::PROTOCOL_ERROR,
                });
                break e.to_string();
            }
        };
        match frame {
            Frame::Data {
                stream_id,
                flags,
                data,
            } => {
                let Some(tx) = shared.take_slot_sender(stream_id) else {
                    continue;
                };
                let fin = flags & FLAG_FIN != 0;
                if !data.is_empty() && tx.send(Chunk::Data(data)).await.is_err() {
                    shared.remove(stream_id);
                    continue;
                }
                if fin {
                    let _ = tx.send(Chunk::Fin).await;
                    shared.remove(stream_id);
                }
            }
            Frame::SynStream {
                stream_id,
                flags,
                headers,
                ..
            } => {
                let own_parity = if client { 1 } else { 0 };
                let Some(incoming) = incoming.as_ref().filter(|_| stream_id % 2 != own_parity)
                else {
                    let _ = shared
                        .out
                        .send(Frame::RstStream {
                            stream_id,
                            status: RstStatus::REFUSED_STREAM,
                        })
                        .await;
                    continue;
                };
                let (tx, rx) = mpsc::channel(STREAM_QUEUE);
                let fin = flags & FLAG_FIN != 0;
                if fin {
                    let _ = tx.try_send(Chunk::Fin);
                } else if !shared.insert_new(stream_id, tx) {
                    let _ = shared
                        .out
                        .send(Frame::RstStream {
                            stream_id,
                            status: RstStatus::PROTOCOL_ERROR,
                        })
                        .await;
                    continue;
                }
                let stream = SpdyStream::new(stream_id, headers, rx, shared.clone());
                if incoming.send(stream).await.is_err() {
                    break "nobody accepts streams any more".to_string();
                }
            }
            Frame::SynReply {
                stream_id,
                flags,
                headers,
            } => {
                let reply = shared
                    .streams
                    .lock()
                    .ok()
                    .and_then(|mut s| s.get_mut(&stream_id).and_then(|slot| slot.reply.take()));
                if let Some(reply) = reply {
                    let _ = reply.send(headers);
                }
                if flags & FLAG_FIN != 0
                    && let Some(slot) = shared.remove(stream_id)
                {
                    let _ = slot.data.send(Chunk::Fin).await;
                }
            }
            Frame::RstStream { stream_id, status } => {
                if let Some(slot) = shared.remove(stream_id) {
                    let _ = slot.data.try_send(Chunk::Reset(status));
                }
            }
            Frame::Ping { id } => {
                let ours = (id % 2 == 1) == client;
                if ours {
                    shared.pong.notify_waiters();
                } else {
                    let _ = shared.out.send(Frame::Ping { id }).await;
                }
            }
            Frame::GoAway { .. } => break String::new(),
            Frame::Headers { .. }
            | Frame::Settings { .. }
            | Frame::WindowUpdate { .. }
            | Frame::Unknown { .. } => {}
        }
    };
    shared.close(reason);
}

async fn write_loop<W: AsyncWrite>(
    write: W,
    mut encoder: FrameEncoder,
    mut rx: mpsc::Receiver<Frame>,
    shared: Arc<Shared>,
) {
    let mut write = std::pin::pin!(write);
    let mut closed = shared.closed.subscribe();
    let mut buf = BytesMut::with_capacity(64 * 1024);
    loop {
        let frame = tokio::select! {
            biased;
            f = rx.recv() => f,
            _ = wait_closed(&mut closed) => {
                // Send what is already queued (a GOAWAY, final data), then end.
                while let Ok(f) = rx.try_recv() {
                    if encoder.encode(&f, &mut buf).is_err() { break; }
                }
                let _ = write.write_all(&buf).await;
                let _ = write.shutdown().await;
                return;
            }
        };
        let Some(frame) = frame else { break };
        if let Err(e) = encoder.encode(&frame, &mut buf) {
            shared.close(e.to_string());
            return;
        }
        while buf.len() < WRITE_BATCH {
            match rx.try_recv() {
                Ok(f) => {
                    if let Err(e) = encoder.encode(&f, &mut buf) {
                        shared.close(e.to_string());
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let flushed = async {
            write.write_all(&buf).await?;
            write.flush().await
        };
        if let Err(e) = flushed.await {
            shared.close(format!("writing: {e}"));
            return;
        }
        buf.clear();
    }
    let _ = write.shutdown().await;
}

async fn ping_loop(shared: Arc<Shared>, period: Duration, deadline: Duration) {
    let mut closed = shared.closed.subscribe();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = wait_closed(&mut closed) => return,
        }
        let id = shared.next_ping.fetch_add(2, Ordering::Relaxed);
        let pong = shared.pong.notified();
        let mut pong = std::pin::pin!(pong);
        pong.as_mut().enable();
        if shared.out.send(Frame::Ping { id }).await.is_err() {
            return;
        }
        tokio::select! {
            _ = pong => {}
            _ = tokio::time::sleep(deadline) => {
                shared.close(format!("no reply to a SPDY ping within {deadline:?}"));
                return;
            }
            _ = wait_closed(&mut closed) => return,
        }
    }
}

async fn wait_closed(rx: &mut watch::Receiver<Option<String>>) {
    let _ = rx.wait_for(Option::is_some).await;
}
