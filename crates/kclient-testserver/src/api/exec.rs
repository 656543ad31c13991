//! `pods/<name>/exec` over WebSocket: the command runs in the container's built-in shell
//! ([`crate::runtime::shell`]) on a blocking thread, its stdin fed from channel 0 and its output
//! sent on channels 1 and 2 (stderr joins stdout with a TTY); the exit status ends the session
//! on the error channel. The pod's deletion kills the command (exit 137); a client that goes
//! away stops it (no task or thread is left behind).

use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use http::Response;
use kclient_apimachinery::remotecommand::{Channel, Protocol};
use tokio::sync::mpsc;

use super::remote::{self, Incoming, Streams, Wire};
use super::response::Body;
use super::status::ApiError;
use super::{Ctx, pods, websocket};
use crate::runtime::process::{Cancel, ContainerHost, StdinReader};
use crate::runtime::shell::{self, Io};
use crate::runtime::{Container, PodRuntime};

/// The command's stdout or stderr: frames to the session (dropped when not asked for).
struct OutWriter {
    tx: mpsc::Sender<(Channel, Bytes)>,
    channel: Option<Channel>,
}

impl Write for OutWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(ch) = self.channel {
            for chunk in buf.chunks(32 * 1024) {
                self.tx
                    .blocking_send((ch, Bytes::copy_from_slice(chunk)))
                    .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The channels a session's stdout and stderr go to.
pub fn output_channels(s: Streams) -> (Option<Channel>, Option<Channel>) {
    let out = s.stdout.then_some(Channel::Stdout);
    let err = if s.tty {
        out
    } else {
        s.stderr.then_some(Channel::Stderr)
    };
    (out, err)
}

/// The channel of the readiness signal: the lowest writable one.
pub fn ready_channel(s: Streams) -> Channel {
    if s.stdout {
        Channel::Stdout
    } else if s.stderr && !s.tty {
        Channel::Stderr
    } else {
        Channel::Error
    }
}

/// An exec or attach request, validated and ready to upgrade.
pub struct Prepared {
    /// The pod's runtime.
    pub pod: Arc<PodRuntime>,
    /// The container.
    pub container: Arc<Container>,
    /// The streams asked for.
    pub streams: Streams,
    /// The 101 answer.
    pub response: Response<Body>,
    /// The negotiated protocol.
    pub protocol: Protocol,
}

/// Validates an exec or attach request and accepts its WebSocket upgrade.
pub fn prepare(ctx: &Ctx, verb: &str) -> Result<Prepared, ApiError> {
    if verb == "get" {
        remote::authorize_create(ctx, &http::Method::GET)?;
    }
    let target = pods::target(ctx, ctx.query.get("container").unwrap_or_default())?;
    let streams = remote::streams(ctx)?;
    let (pod, container) = pods::running(ctx, &target)?;
    if !websocket::is_websocket(&ctx.headers) {
        let spdy = ctx
            .headers
            .get(http::header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("spdy"));
        return Err(ApiError::bad_request(if spdy {
            "SPDY upgrades are not supported by kclient-testserver: use WebSocket (v5.channel.k8s.io)"
        } else {
            "Upgrade request required"
        }));
    }
    let (resp, name) = websocket::accept(&ctx.headers, &remote::PROTOCOLS)?;
    let protocol = Protocol::from_name(name).unwrap_or(Protocol::V1);
    Ok(Prepared {
        pod,
        container,
        streams,
        response: resp,
        protocol,
    })
}

/// `pods/<name>/exec` (GET or POST with a WebSocket upgrade).
pub fn exec(ctx: &Ctx, verb: &str) -> Result<Response<Body>, ApiError> {
    let argv: Vec<String> = ctx
        .query
        .all("command")
        .into_iter()
        .map(str::to_string)
        .collect();
    if argv.is_empty() {
        return Err(ApiError::bad_request(
            "you must specify at least one command for the container",
        ));
    }
    let p = prepare(ctx, verb)?;
    let upgrade = ctx
        .take_upgrade()
        .ok_or_else(|| ApiError::bad_request("Upgrade request required"))?;
    let (pod, container, streams, protocol) = (p.pod, p.container, p.streams, p.protocol);
    tokio::spawn(async move {
        let Ok(ws) = websocket::upgraded(upgrade).await else {
            return;
        };
        session(ws, protocol, streams, argv, pod, container).await;
    });
    Ok(p.response)
}

async fn session(
    ws: websocket::WebSocket,
    protocol: Protocol,
    streams: Streams,
    argv: Vec<String>,
    pod: Arc<PodRuntime>,
    container: Arc<Container>,
) {
    let (sink, mut incoming) = ws.split();
    let mut wire = Wire { sink, protocol };
    if !wire.send(ready_channel(streams), &[]).await {
        return;
    }
    let cancel = Arc::new(Cancel::default());
    let (in_tx, in_rx) = mpsc::channel::<Bytes>(64);
    let (out_tx, mut out_rx) = mpsc::channel::<(Channel, Bytes)>(16);
    let (out_ch, err_ch) = output_channels(streams);
    let host = ContainerHost {
        container: container.clone(),
        cancel: cancel.clone(),
    };
    let env = container.spec.env.clone();
    let process = tokio::task::spawn_blocking(move || {
        let mut stdin = StdinReader::new(in_rx);
        let mut stdout = OutWriter {
            tx: out_tx.clone(),
            channel: out_ch,
        };
        let mut stderr = OutWriter {
            tx: out_tx,
            channel: err_ch,
        };
        let io = Io {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
        };
        shell::run(&argv, env, &host, io)
    });
    // The reader: client frames to stdin, until the client closes stdin or goes away.
    let reader_cancel = cancel.clone();
    let stopped = pod.until_stopped();
    let reader = tokio::spawn(async move {
        let mut in_tx = streams.stdin.then_some(in_tx);
        tokio::pin!(stopped);
        loop {
            let msg = tokio::select! {
                msg = incoming.next() => msg,
                _ = &mut stopped => return,
            };
            let Some(Ok(msg)) = msg else { break };
            match remote::incoming(msg, protocol) {
                Incoming::Stdin(data) => {
                    if let Some(tx) = &in_tx
                        && tx.send(Bytes::from(data)).await.is_err()
                    {
                        in_tx = None;
                    }
                }
                Incoming::CloseStdin => in_tx = None,
                Incoming::Resize | Incoming::Nothing => {}
                Incoming::End => break,
            }
        }
        // The client went away: stop the command.
        reader_cancel.cancel();
    });
    let stopped = pod.until_stopped();
    tokio::pin!(stopped);
    let mut killed = false;
    let mut client_gone = false;
    loop {
        tokio::select! {
            out = out_rx.recv() => match out {
                Some((ch, data)) => {
                    if !client_gone && !wire.send(ch, &data).await {
                        client_gone = true;
                        cancel.cancel();
                        out_rx.close();
                    }
                }
                None => break,
            },
            _ = &mut stopped, if !killed => {
                killed = true;
                cancel.cancel();
            }
        }
    }
    reader.abort();
    let result = process.await;
    if client_gone {
        return;
    }
    let exit = match result {
        _ if killed => 137,
        Ok(Ok(code)) => code,
        Ok(Err(_)) | Err(_) => return,
    };
    wire.finish(exit).await;
}
