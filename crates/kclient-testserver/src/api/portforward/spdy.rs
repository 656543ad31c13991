//! The kubelet's SPDY port-forward handler (`cri-streaming/pkg/streaming/portforward/httpstream.go`):
//! validate each stream's headers, pair data and error streams by `requestID` within the
//! creation timeout, then copy between the data stream and the pod's port.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use kclient_apimachinery::httpstream::spdy::Headers;
use kclient_apimachinery::portforward::{
    HEADER_PORT, HEADER_REQUEST_ID, HEADER_STREAM_TYPE, STREAM_TYPE_DATA, STREAM_TYPE_ERROR,
};
use kclient_rest::httpstream::{SpdyConfig, SpdyConnection, SpdyStream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::task::JoinSet;

use super::PodWatch;
use super::container::PodTarget;

/// `DefaultStreamCreationTimeout`.
const STREAM_CREATION_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Pair {
    data: Option<SpdyStream>,
    error: Option<SpdyStream>,
    created: Option<Instant>,
}

impl Pair {
    /// `httpStreamPair.add`: `Ok(true)` once both streams are there.
    fn add(&mut self, stream: SpdyStream) -> Result<bool, (SpdyStream, String)> {
        match stream.headers().get(HEADER_STREAM_TYPE).unwrap_or_default() {
            STREAM_TYPE_ERROR if self.error.is_some() => {
                Err((stream, "error stream already assigned".into()))
            }
            STREAM_TYPE_ERROR => {
                self.error = Some(stream);
                Ok(self.data.is_some())
            }
            STREAM_TYPE_DATA if self.data.is_some() => {
                Err((stream, "data stream already assigned".into()))
            }
            STREAM_TYPE_DATA => {
                self.data = Some(stream);
                Ok(self.error.is_some())
            }
            other => {
                let msg = format!("unexpected stream type {other:?}");
                Err((stream, msg))
            }
        }
    }

    async fn print_error(&self, msg: &str) {
        if let Some(e) = &self.error {
            let _ = e.writer().write(bytes::Bytes::from(msg.to_string())).await;
        }
    }
}

/// `httpStreamReceived`: the checks a stream must pass to be accepted.
fn validate(headers: &Headers) -> Result<(), String> {
    let port = headers.get(HEADER_PORT).unwrap_or_default();
    if port.is_empty() {
        return Err(format!("{HEADER_PORT:?} header is required"));
    }
    let port: u16 = port
        .parse()
        .map_err(|e| format!("unable to parse {port:?} as a port: {e}"))?;
    if port < 1 {
        return Err(format!("port \"{port}\" must be > 0"));
    }
    match headers.get(HEADER_STREAM_TYPE).unwrap_or_default() {
        "" => Err(format!("{HEADER_STREAM_TYPE:?} header is required")),
        STREAM_TYPE_DATA | STREAM_TYPE_ERROR => Ok(()),
        other => Err(format!("invalid stream type {other:?}")),
    }
}

/// Serves one SPDY port-forward connection until the client closes it or the pod goes away.
pub async fn serve<T>(io: T, pod: Arc<PodTarget>, mut watch: PodWatch)
where
    T: AsyncRead + AsyncWrite + Send + 'static,
{
    // The kubelet sends no pings of its own; it answers the client's.
    let config = SpdyConfig {
        ping_period: None,
        ..SpdyConfig::default()
    };
    let Ok(mut conn) = SpdyConnection::server(io, config) else {
        return;
    };
    let conn_id = format!("{:p}", &conn);
    let mut pairs: HashMap<String, Pair> = HashMap::new();
    let mut forwards = JoinSet::new();
    let mut sweep = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            stream = conn.accept() => {
                let Some(stream) = stream else { break };
                if let Err(msg) = validate(stream.headers()) {
                    tracing::debug!(%msg, "port-forward stream rejected");
                    let _ = stream.writer().reset().await;
                    continue;
                }
                if stream.writer().reply(Headers::new()).await.is_err() {
                    break;
                }
                // Legacy clients send no requestID: derive it from the stream id.
                let request_id = match stream.headers().get(HEADER_REQUEST_ID) {
                    Some(id) if !id.is_empty() => id.to_string(),
                    _ if stream.headers().get(HEADER_STREAM_TYPE) == Some(STREAM_TYPE_DATA) => {
                        stream.id().saturating_sub(2).to_string()
                    }
                    _ => stream.id().to_string(),
                };
                let pair = pairs.entry(request_id.clone()).or_default();
                pair.created.get_or_insert_with(Instant::now);
                match pair.add(stream) {
                    Err((stream, msg)) => {
                        let msg = format!("error processing stream for request {request_id}: {msg}");
                        pair.print_error(&msg).await;
                        let _ = stream.writer().reset().await;
                    }
                    Ok(false) => {}
                    Ok(true) => {
                        if let Some(pair) = pairs.remove(&request_id) {
                            forwards.spawn(forward(pair, pod.clone(), watch.clone()));
                        }
                    }
                }
            }
            _ = sweep.tick() => {
                let expired: Vec<String> = pairs
                    .iter()
                    .filter(|(_, p)| p.created.is_some_and(|c| c.elapsed() >= STREAM_CREATION_TIMEOUT))
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in expired {
                    if let Some(pair) = pairs.remove(&id) {
                        pair.print_error(&format!("(conn={conn_id}, request={id}) timed out waiting for streams")).await;
                        for s in [&pair.data, &pair.error].into_iter().flatten() {
                            let _ = s.writer().close().await;
                        }
                    }
                }
            }
            _ = watch.gone() => {
                // The pod is gone: its forwards report errors, then the connection ends.
                while forwards.join_next().await.is_some() {}
                break;
            }
            Some(_) = forwards.join_next(), if !forwards.is_empty() => {}
        }
    }
    forwards.abort_all();
    conn.close().await;
}

/// `httpStreamHandler.portForward`: connect to the port and copy until either side is done.
async fn forward(pair: Pair, pod: Arc<PodTarget>, mut watch: PodWatch) {
    let (Some(data), Some(error)) = (pair.data, pair.error) else {
        return;
    };
    let port: u16 = data
        .headers()
        .get(HEADER_PORT)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let error_writer = error.writer();
    let data_writer = data.writer();
    let result = match pod.connect(port) {
        Err(cause) => Err(cause),
        Ok(target) => {
            let (mut target_read, mut target_write) = tokio::io::split(target);
            let (mut data_read, _) = data.split();
            let inbound = async {
                loop {
                    match data_read.read().await {
                        Ok(Some(chunk)) => {
                            if target_write.write_all(&chunk).await.is_err() {
                                return;
                            }
                        }
                        Ok(None) => {
                            let _ = target_write.shutdown().await;
                            return;
                        }
                        Err(_) => return,
                    }
                }
            };
            let outbound = async {
                let mut buf = BytesMut::with_capacity(64 * 1024);
                loop {
                    buf.reserve(64 * 1024);
                    match target_read.read_buf(&mut buf).await {
                        Ok(0) => return Ok(()),
                        Ok(_) => {
                            if data_writer.write(buf.split().freeze()).await.is_err() {
                                return Ok(());
                            }
                        }
                        Err(e) => return Err(e.to_string()),
                    }
                }
            };
            let copy = async {
                tokio::pin!(inbound);
                tokio::pin!(outbound);
                let mut inbound_done = false;
                loop {
                    tokio::select! {
                        r = &mut outbound => break r,
                        _ = &mut inbound, if !inbound_done => inbound_done = true,
                    }
                }
            };
            tokio::select! {
                r = copy => r,
                _ = watch.gone() => Err(format!(
                    "read tcp4 127.0.0.1:{}->127.0.0.1:{port}: read: connection reset by peer",
                    40000 + u32::from(port) % 20000
                )),
            }
        }
    };
    if let Err(cause) = result {
        let msg = pod.forward_error(port, &cause);
        let _ = error_writer.write(bytes::Bytes::from(msg)).await;
        let _ = data_writer.reset().await;
    }
    let _ = data_writer.close().await;
    let _ = error_writer.close().await;
}
