//! Local listeners that forward every accepted TCP connection to a pod port, like
//! `kubectl port-forward` (client-go's `PortForwarder`: `ForwardPorts`, `listenOnPort`,
//! `handleConnection`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

use super::{PortForward, RemoteError};
use crate::Error;

/// `LOCAL:REMOTE` as `kubectl port-forward` takes it: `8080:80`, `:80` (any free local port)
/// or `80` (the same port locally).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortMapping {
    /// The local port; 0 picks a free one.
    pub local: u16,
    /// The pod's port.
    pub remote: u16,
}

impl PortMapping {
    /// Forwards `remote` from a free local port.
    pub fn any_local(remote: u16) -> Self {
        Self { local: 0, remote }
    }
}

impl std::str::FromStr for PortMapping {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::InvalidRequest {
            reason: format!("invalid port mapping {s:?}: {why}"),
        };
        let (local, remote) = match s.split_once(':') {
            Some((l, r)) => (l, r),
            None => (s, s),
        };
        let local = if local.is_empty() {
            0
        } else {
            local.parse().map_err(|_| bad("bad local port"))?
        };
        let remote: u16 = remote.parse().map_err(|_| bad("bad remote port"))?;
        if remote == 0 {
            return Err(bad("the remote port must be 1-65535"));
        }
        Ok(Self { local, remote })
    }
}

/// A bound local port and the pod port it forwards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardedPort {
    /// Where to connect locally.
    pub local: SocketAddr,
    /// The pod's port.
    pub remote: u16,
}

/// Forwards local ports to a pod until stopped, dropped, or the connection ends.
///
/// As client-go does, an error the server reports for one connection (nothing listens on the
/// port, the pod is gone) ends the whole forwarder with that error; a lost connection ends it
/// too. Dropping the forwarder stops every listener and connection.
pub struct PortForwarder {
    ports: Vec<ForwardedPort>,
    task: Option<JoinHandle<Result<(), Error>>>,
    stop: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for PortForwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortForwarder")
            .field("ports", &self.ports)
            .finish_non_exhaustive()
    }
}

impl PortForwarder {
    /// Listens on `127.0.0.1` for each mapping and starts forwarding.
    pub async fn start(forward: PortForward, mappings: &[PortMapping]) -> Result<Self, Error> {
        Self::start_on(forward, IpAddr::V4(Ipv4Addr::LOCALHOST), mappings).await
    }

    /// Listens on `address` for each mapping and starts forwarding.
    pub async fn start_on(
        forward: PortForward,
        address: IpAddr,
        mappings: &[PortMapping],
    ) -> Result<Self, Error> {
        let mut listeners = Vec::with_capacity(mappings.len());
        let mut ports = Vec::with_capacity(mappings.len());
        for m in mappings {
            let listener =
                TcpListener::bind((address, m.local))
                    .await
                    .map_err(|e| Error::PortForward {
                        reason: format!("unable to listen on {address}:{}: {e}", m.local),
                    })?;
            let local = listener.local_addr().map_err(|e| Error::PortForward {
                reason: format!("unable to read the address of a local listener: {e}"),
            })?;
            ports.push(ForwardedPort {
                local,
                remote: m.remote,
            });
            listeners.push((listener, m.remote));
        }
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(run(Arc::new(forward), listeners, stop_rx));
        Ok(Self {
            ports,
            task: Some(task),
            stop: Some(stop_tx),
        })
    }

    /// The bound ports, in the order of the mappings.
    pub fn ports(&self) -> &[ForwardedPort] {
        &self.ports
    }

    /// Waits until forwarding ends: `Ok` after [`PortForwarder::stop`], an error when the server
    /// reported one or the connection was lost.
    pub async fn wait(mut self) -> Result<(), Error> {
        let Some(task) = self.task.take() else {
            return Ok(());
        };
        task.await.unwrap_or_else(|e| {
            Err(Error::PortForward {
                reason: format!("the forwarder stopped: {e}"),
            })
        })
    }

    /// Stops listening, ends every forwarded connection and closes the connection to the server.
    pub async fn stop(mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait().await
    }
}

impl Drop for PortForwarder {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

async fn run(
    forward: Arc<PortForward>,
    listeners: Vec<(TcpListener, u16)>,
    mut stop: oneshot::Receiver<()>,
) -> Result<(), Error> {
    let mut tasks = JoinSet::new();
    let (accepted_tx, mut accepted) = mpsc::channel::<(TcpStream, SocketAddr, u16)>(16);
    for (listener, remote) in listeners {
        let tx = accepted_tx.clone();
        tasks.spawn(async move {
            let local = listener.local_addr().ok();
            loop {
                match listener.accept().await {
                    Ok((tcp, _)) => {
                        let addr = local.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
                        if tx.send((tcp, addr, remote)).await.is_err() {
                            return Ok(());
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "port-forward: accepting a local connection failed"),
                }
            }
        });
    }
    drop(accepted_tx);
    let result = loop {
        tokio::select! {
            _ = &mut stop => break Ok(()),
            reason = forward.closed() => {
                break Err(Error::PortForward {
                    reason: if reason.is_empty() {
                        "lost connection to pod".into()
                    } else {
                        format!("lost connection to pod: {reason}")
                    },
                });
            }
            Some((tcp, local, remote)) = accepted.recv() => {
                let forward = forward.clone();
                tasks.spawn(async move { handle(forward, tcp, local, remote).await });
            }
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(Err(e)) = done {
                    break Err(e);
                }
            }
        }
    };
    tasks.abort_all();
    forward.close().await;
    result
}

/// Bytes moved per read in each direction of a forwarded connection.
const COPY_BUFFER: usize = 128 * 1024;

/// One local connection: open a stream, copy both ways. Errors the server reports end the
/// forwarder (client-go closes the connection on them); local I/O errors only end this one.
///
/// Each direction runs on its own task, as client-go copies each in its own goroutine: on a
/// multi-threaded runtime both move bytes at once.
async fn handle(
    forward: Arc<PortForward>,
    tcp: TcpStream,
    local: SocketAddr,
    remote: u16,
) -> Result<(), Error> {
    let _ = tcp.set_nodelay(true);
    let stream = match forward.open(remote).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, port = remote, "port-forward: creating streams failed");
            return Ok(());
        }
    };
    let (mut tcp_read, mut tcp_write) = tcp.into_split();
    let (mut pod_read, mut pod_write) = tokio::io::split(stream);
    // Local → pod: until the local side half-closes, then half-close the stream.
    let upstream = tokio::spawn(async move {
        let mut buf = vec![0u8; COPY_BUFFER];
        loop {
            let n = tcp_read.read(&mut buf).await?;
            if n == 0 {
                return pod_write.shutdown().await;
            }
            pod_write.write_all(&buf[..n]).await?;
        }
    });
    // Aborts the local → pod copy however this function ends.
    struct AbortOnDrop(tokio::task::JoinHandle<std::io::Result<()>>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut upstream = AbortOnDrop(upstream);
    // Pod → local, here: its errors are the server's.
    let downstream = async {
        let mut buf = vec![0u8; COPY_BUFFER];
        loop {
            let n = pod_read.read(&mut buf).await?;
            if n == 0 {
                return tcp_write.shutdown().await;
            }
            tcp_write.write_all(&buf[..n]).await?;
        }
    };
    let result = match downstream.await {
        // The pod's side is done; the local side may still be sending (half-close).
        Ok(()) => match (&mut upstream.0).await {
            Ok(r) => r,
            Err(_) => Ok(()),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) => match RemoteError::from_io(&e) {
            Some(remote_error) => Err(Error::PortForward {
                reason: format!(
                    "an error occurred forwarding {} -> {remote}: {}",
                    local.port(),
                    remote_error.text
                ),
            }),
            None => {
                tracing::debug!(error = %e, port = remote, "port-forward: a local connection ended with an error");
                Ok(())
            }
        },
    }
}
