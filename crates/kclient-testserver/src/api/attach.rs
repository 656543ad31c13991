//! `pods/<name>/attach` over WebSocket or SPDY ([`super::session`]): the session sees the
//! container's main process, whose stdout and stderr are the container log from the moment of
//! attaching (channels 1 and 2; with a TTY stderr joins stdout and newlines reach the client as
//! `\r\n`). What the client writes to stdin reaches the main process
//! only when the container has `stdin: true` (as with a real runtime): a main process that is
//! a shell (`sh`, `bash` … without `-c`) runs each line through the built-in shell, anything
//! else echoes its input to stdout; either way it lands in the log and every attached client
//! sees it. The session ends when the client closes stdin (after the output of that input is
//! delivered), goes away, or the pod stops.

use std::sync::Arc;

use http::Response;
use kclient_apimachinery::remotecommand::Channel;

use super::Ctx;
use super::exec::{output_channels, prepare, ready_channel};
use super::remote::{Incoming, Streams};
use super::response::Body;
use super::session::{self, Inbound, Wire};
use super::status::ApiError;
use crate::runtime::log::Stream;
use crate::runtime::process::{Cancel, ContainerHost, LogWriter};
use crate::runtime::shell::{self, Io};
use crate::runtime::{Container, PodRuntime};

/// `pods/<name>/attach` (GET or POST with a WebSocket upgrade).
pub fn attach(ctx: &Ctx, verb: &str) -> Result<Response<Body>, ApiError> {
    let p = prepare(ctx, verb)?;
    let upgrade = ctx
        .take_upgrade()
        .ok_or_else(|| ApiError::bad_request("Upgrade request required"))?;
    let (pod, container, streams, transport) = (p.pod, p.container, p.streams, p.transport);
    tokio::spawn(async move {
        let Some((wire, inbound)) = session::connect(transport, upgrade, streams).await else {
            return;
        };
        run(wire, inbound, streams, pod, container).await;
    });
    Ok(p.response)
}

/// Feeds one complete line to a shell main process (on a blocking thread).
async fn run_line(container: &Arc<Container>, pod: &PodRuntime, line: String) {
    let cancel = Arc::new(Cancel::default());
    let host = ContainerHost {
        container: container.clone(),
        cancel: cancel.clone(),
        terminal: None,
    };
    let c = container.clone();
    let job = tokio::task::spawn_blocking(move || {
        let mut stdin: &[u8] = &[];
        let mut out = LogWriter {
            container: c.clone(),
            stream: Stream::Stdout,
        };
        let mut err = LogWriter {
            container: c.clone(),
            stream: Stream::Stderr,
        };
        let mut sh = c.main_shell.lock().unwrap_or_else(|e| e.into_inner());
        let io = Io {
            stdin: &mut stdin,
            stdout: &mut out,
            stderr: &mut err,
        };
        let _ = shell::run_line(&line, &mut sh, &host, io);
    });
    let stopped = pod.until_stopped();
    tokio::pin!(job);
    tokio::select! {
        _ = &mut job => {}
        _ = stopped => {
            cancel.cancel();
            let _ = job.await;
        }
    }
}

async fn run(
    mut wire: Wire,
    mut incoming: Inbound,
    streams: Streams,
    pod: Arc<PodRuntime>,
    container: Arc<Container>,
) {
    let mut written = container.log.subscribe();
    let mut cursor = container.log.ring().next_seq();
    if !wire.ready(ready_channel(streams)).await {
        return;
    }
    let (out_ch, err_ch) = output_channels(streams);
    let accepts_input = streams.stdin && container.spec.stdin;
    let shell_main = container.main_is_shell();
    let mut pending = Vec::new();
    let stopped = pod.until_stopped();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            event = incoming.next() => {
                match event {
                    Incoming::Stdin(data) if accepts_input => {
                        if shell_main {
                            pending.extend_from_slice(&data);
                            while let Some(i) = pending.iter().position(|b| *b == b'\n') {
                                let line: Vec<u8> = pending.drain(..=i).collect();
                                let line = String::from_utf8_lossy(&line).into_owned();
                                run_line(&container, &pod, line).await;
                            }
                        } else if container.spec.command.is_empty() {
                            container.log.write(Stream::Stdout, &data);
                        } else {
                            let main = container.main_stdin.lock().unwrap_or_else(|e| e.into_inner()).clone();
                            if let Some(main) = main {
                                let _ = main.send(bytes::Bytes::from(data)).await;
                            }
                        }
                    }
                    Incoming::CloseStdin if streams.stdin => {
                        if container.spec.stdin_once {
                            container.main_stdin.lock().unwrap_or_else(|e| e.into_inner()).take();
                        }
                        if shell_main && !pending.is_empty() {
                            let line = String::from_utf8_lossy(&pending).into_owned();
                            pending.clear();
                            run_line(&container, &pod, line).await;
                        }
                        if forward(&mut wire, &container, &mut cursor, (out_ch, err_ch), streams.tty).await {
                            wire.finish(0).await;
                        }
                        return;
                    }
                    Incoming::End => return,
                    _ => {}
                }
            }
            changed = written.changed() => {
                if changed.is_err() || !forward(&mut wire, &container, &mut cursor, (out_ch, err_ch), streams.tty).await {
                    return;
                }
            }
            _ = &mut stopped => {
                if forward(&mut wire, &container, &mut cursor, (out_ch, err_ch), streams.tty).await {
                    wire.finish(0).await;
                }
                return;
            }
        }
    }
}

/// Sends the log entries written since `cursor` to the client; `false` when it is gone.
async fn forward(
    wire: &mut Wire,
    container: &Container,
    cursor: &mut u64,
    (out_ch, err_ch): (Option<Channel>, Option<Channel>),
    tty: bool,
) -> bool {
    let entries = container.log.ring().since_seq(*cursor);
    for e in entries {
        *cursor = e.seq + 1;
        let ch = match e.stream {
            Stream::Stdout => out_ch,
            Stream::Stderr => err_ch,
        };
        let data = if tty {
            crate::runtime::tty::output(&e.data)
        } else {
            e.data.to_vec()
        };
        if let Some(ch) = ch
            && !wire.send(ch, &data).await
        {
            return false;
        }
    }
    true
}
