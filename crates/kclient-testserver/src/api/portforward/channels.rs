//! The kubelet's WebSocket port-forward (`cri-streaming/pkg/streaming/portforward/websocket.go`):
//! no SPDY, one WebSocket per set of ports; for the i-th port, channel 2i carries data and
//! channel 2i+1 errors, each starting with the port as 2 little-endian bytes. Each port pair
//! carries exactly one connection; the WebSocket closes once every pair is done.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use kclient_apimachinery::portforward::{data_channel, error_channel, port_prefix};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use super::super::websocket::WebSocket;
use super::PodWatch;
use super::container::PodTarget;

/// Parses the `ports` query values (repeated and/or comma-separated), as the kubelet checks them.
pub fn parse_ports(values: &[&str]) -> Result<Vec<u16>, String> {
    let mut ports = Vec::new();
    for v in values.iter().flat_map(|v| v.split(',')) {
        let v = v.trim();
        let port: u16 = v
            .parse()
            .map_err(|e| format!("unable to parse {v:?} as a port: {e}"))?;
        if port < 1 {
            return Err(format!("port {v:?} must be > 0"));
        }
        ports.push(port);
    }
    if ports.is_empty() {
        return Err("query parameter \"port\" is required".into());
    }
    Ok(ports)
}

fn frame(channel: u8, payload: &[u8]) -> Message {
    let mut b = BytesMut::with_capacity(payload.len() + 1);
    b.extend_from_slice(&[channel]);
    b.extend_from_slice(payload);
    Message::Binary(b.freeze())
}

/// Serves one WebSocket port-forward over `ws` for `ports`.
pub async fn serve(ws: WebSocket, ports: Vec<u16>, pod: Arc<PodTarget>, watch: PodWatch) {
    let (mut sink, mut source) = ws.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Message>(64);
    let writer = tokio::spawn(async move {
        while let Some(m) = out_rx.recv().await {
            if sink.feed(m).await.is_err() {
                return;
            }
            while let Ok(m) = out_rx.try_recv() {
                if sink.feed(m).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
        let _ = sink.close().await;
    });
    let mut inbound: Vec<Option<mpsc::Sender<Bytes>>> = Vec::with_capacity(ports.len());
    let mut pairs = JoinSet::new();
    for (i, &port) in ports.iter().enumerate() {
        let (Ok(data), Ok(error)) = (data_channel(i), error_channel(i)) else {
            break;
        };
        // The port prefix, first on both channels.
        let _ = out_tx.send(frame(data, &port_prefix(port))).await;
        let _ = out_tx.send(frame(error, &port_prefix(port))).await;
        let (tx, rx) = mpsc::channel::<Bytes>(16);
        inbound.push(Some(tx));
        pairs.spawn(forward(
            port,
            data,
            error,
            rx,
            out_tx.clone(),
            pod.clone(),
            watch.clone(),
        ));
    }
    drop(out_tx);
    let reader = async {
        while let Some(Ok(msg)) = source.next().await {
            let payload = match msg {
                Message::Binary(b) => b,
                Message::Close(_) => break,
                _ => continue,
            };
            let Some((&channel, _)) = payload.split_first() else {
                continue;
            };
            // Data channels only; anything written to an error channel is ignored.
            if channel % 2 == 1 {
                continue;
            }
            let index = usize::from(channel / 2);
            if let Some(Some(tx)) = inbound.get(index)
                && tx.send(payload.slice(1..)).await.is_err()
            {
                inbound[index] = None;
            }
        }
    };
    tokio::select! {
        _ = reader => pairs.abort_all(),
        _ = async { while pairs.join_next().await.is_some() {} } => {}
    }
    let _ = writer.await;
}

async fn forward(
    port: u16,
    data: u8,
    error: u8,
    mut rx: mpsc::Receiver<Bytes>,
    out: mpsc::Sender<Message>,
    pod: Arc<PodTarget>,
    mut watch: PodWatch,
) {
    let result = match pod.connect(port) {
        Err(cause) => Err(cause),
        Ok(target) => {
            let (mut target_read, mut target_write) = tokio::io::split(target);
            let inbound = async {
                while let Some(chunk) = rx.recv().await {
                    if target_write.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
                let _ = target_write.shutdown().await;
            };
            let outbound = async {
                let mut buf = vec![0u8; 32 * 1024 + 1];
                loop {
                    match target_read.read(&mut buf[1..]).await {
                        Ok(0) => return Ok(()),
                        Ok(n) => {
                            buf[0] = data;
                            if out
                                .send(Message::Binary(Bytes::copy_from_slice(&buf[..=n])))
                                .await
                                .is_err()
                            {
                                return Ok(());
                            }
                        }
                        Err(e) => return Err(e.to_string()),
                    }
                }
            };
            tokio::pin!(inbound);
            tokio::pin!(outbound);
            let mut inbound_done = false;
            loop {
                tokio::select! {
                    r = &mut outbound => break r,
                    _ = &mut inbound, if !inbound_done => inbound_done = true,
                    _ = watch.gone() => break Err(format!("read tcp4 127.0.0.1:{}->127.0.0.1:{port}: read: connection reset by peer", 40000 + u32::from(port) % 20000)),
                }
            }
        }
    };
    if let Err(cause) = result {
        let _ = out
            .send(frame(error, pod.forward_error(port, &cause).as_bytes()))
            .await;
    }
}
