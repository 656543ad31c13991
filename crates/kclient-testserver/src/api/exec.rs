//! `pods/<name>/exec` over WebSocket or SPDY ([`super::session`]): the command runs in the
//! container's built-in shell ([`crate::runtime::shell`]) on a blocking thread, its stdin fed
//! from channel 0 and its output sent on channels 1 and 2; the exit status ends the session on
//! the error channel. The pod's deletion kills the command (exit 137); a client that goes away
//! stops it (no task or thread is left behind).
//!
//! With `tty=true` the session has a terminal ([`crate::runtime::tty`]): stderr joins stdout,
//! output newlines become `\r\n`, input is echoed and handed over a line at a time, `^C`
//! interrupts (exit 130), `^D` ends input, and resize messages set the size `stty size` prints.

use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use kclient_apimachinery::remotecommand::{Channel, ResizeDecoder};
use tokio::sync::mpsc;

use super::remote::{self, Incoming, Streams};
use super::response::Body;
use super::session::{self, Inbound, Transport, Wire};
use super::status::ApiError;
use super::{Ctx, pods};
use crate::runtime::process::{Cancel, ContainerHost, StdinReader};
use crate::runtime::shell::{self, Io};
use crate::runtime::tty::{self, LineDiscipline, Terminal};
use crate::runtime::{Container, PodRuntime};

/// The command's stdout or stderr: frames to the session (dropped when not asked for).
struct OutWriter {
    tx: mpsc::Sender<(Channel, Bytes)>,
    channel: Option<Channel>,
    /// Through a terminal: `\n` becomes `\r\n`.
    tty: bool,
}

impl Write for OutWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(ch) = self.channel {
            let mapped;
            let data = if self.tty {
                mapped = tty::output(buf);
                &mapped[..]
            } else {
                buf
            };
            for chunk in data.chunks(32 * 1024) {
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
    /// The transport and its negotiated protocol.
    pub transport: Transport,
}

/// Validates an exec or attach request and accepts its upgrade (WebSocket or SPDY).
pub fn prepare(ctx: &Ctx, verb: &str) -> Result<Prepared, ApiError> {
    if verb == "get" {
        remote::authorize_create(ctx, &http::Method::GET)?;
    }
    let target = pods::target(ctx, ctx.query.get("container").unwrap_or_default())?;
    let streams = remote::streams(ctx)?;
    let (pod, container) = pods::running(ctx, &target)?;
    if !container.is_running() {
        // The kubelet finds no running container to stream to (`findContainer`).
        return Err(ApiError {
            code: 500,
            reason: "InternalError",
            message: format!("container not found (\"{}\")", target.container),
            details: None,
        });
    }
    let (resp, transport) = session::accept(&ctx.headers)?;
    Ok(Prepared {
        pod,
        container,
        streams,
        response: resp,
        transport,
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
    let (pod, container, streams, transport) = (p.pod, p.container, p.streams, p.transport);
    tokio::spawn(async move {
        let Some((wire, inbound)) = session::connect(transport, upgrade, streams).await else {
            return;
        };
        run(wire, inbound, streams, argv, pod, container).await;
    });
    Ok(p.response)
}

async fn run(
    mut wire: Wire,
    mut incoming: Inbound,
    streams: Streams,
    argv: Vec<String>,
    pod: Arc<PodRuntime>,
    container: Arc<Container>,
) {
    if !wire.ready(ready_channel(streams)).await {
        return;
    }
    let cancel = Arc::new(Cancel::default());
    let (in_tx, in_rx) = mpsc::channel::<Bytes>(64);
    let (out_tx, mut out_rx) = mpsc::channel::<(Channel, Bytes)>(16);
    let (out_ch, err_ch) = output_channels(streams);
    let terminal = streams.tty.then(|| Arc::new(Terminal::default()));
    let host = ContainerHost {
        container: container.clone(),
        cancel: cancel.clone(),
        terminal: terminal.clone(),
    };
    let env = container.spec.env.clone();
    // The terminal echoes input on stdout; a weak sender, so the output loop still ends when
    // the process is done.
    let echo_tx = out_tx.downgrade();
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let process = tokio::task::spawn_blocking(move || {
        let mut stdin = StdinReader::new(in_rx);
        let mut stdout = OutWriter {
            tx: out_tx.clone(),
            channel: out_ch,
            tty: streams.tty,
        };
        let mut stderr = OutWriter {
            tx: out_tx,
            channel: err_ch,
            tty: streams.tty,
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
    let reader_interrupted = interrupted.clone();
    let reader = tokio::spawn(async move {
        let mut in_tx = streams.stdin.then_some(in_tx);
        let mut discipline = LineDiscipline::default();
        let mut resizes = ResizeDecoder::new();
        tokio::pin!(stopped);
        loop {
            let event = tokio::select! {
                event = incoming.next() => event,
                _ = &mut stopped => return,
            };
            match event {
                Incoming::Stdin(data) => {
                    let data = match &terminal {
                        None => data,
                        Some(_) => {
                            let input = discipline.input(&data);
                            if let Some(tx) = echo_tx.upgrade()
                                && let Some(ch) = out_ch
                                && !input.echo.is_empty()
                            {
                                let _ = tx.send((ch, Bytes::from(input.echo))).await;
                            }
                            if input.interrupt {
                                reader_interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
                                reader_cancel.cancel();
                                in_tx = None;
                            }
                            if input.eof {
                                in_tx = None;
                            }
                            input.to_process
                        }
                    };
                    if let Some(tx) = &in_tx
                        && !data.is_empty()
                        && tx.send(Bytes::from(data)).await.is_err()
                    {
                        in_tx = None;
                    }
                }
                Incoming::CloseStdin => in_tx = None,
                Incoming::Resize(bytes) => {
                    if let (Some(t), Ok(sizes)) = (&terminal, resizes.push(&bytes))
                        && let Some(size) = sizes.last()
                    {
                        t.resize(size.width, size.height);
                    }
                }
                Incoming::Nothing => {}
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
        _ if interrupted.load(std::sync::atomic::Ordering::SeqCst) => 130,
        Ok(Ok(code)) => code,
        Ok(Err(_)) | Err(_) => return,
    };
    wire.finish(exit).await;
}
