//! Running the built-in shell as a container's process on a blocking thread: the
//! [`Host`](super::shell::Host) a container offers, the stdin reader fed by a session, the
//! writer into the container log, interruption, and each container's main process (its
//! `command` and `args`, started with the container; output to the log, stdin from attach).

use std::io::{self, Read, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::Container;
use super::fs::Fs;
use super::log::Stream;
use super::shell::{self, Host, Io};

/// A flag that interrupts sleeps.
#[derive(Debug, Default)]
pub struct Cancel {
    cancelled: Mutex<bool>,
    wake: Condvar,
}

impl Cancel {
    /// Interrupts every current and later sleep.
    pub fn cancel(&self) {
        *self.cancelled.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.wake.notify_all();
    }

    /// Whether it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        *self.cancelled.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps up to `d`; `false` when cancelled.
    pub fn sleep(&self, d: Duration) -> bool {
        let guard = self.cancelled.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = self
            .wake
            .wait_timeout_while(guard, d, |c| !*c)
            .unwrap_or_else(|e| e.into_inner());
        !*guard
    }
}

/// A container as the shell sees it during one session.
pub struct ContainerHost {
    /// The container.
    pub container: Arc<Container>,
    /// The session's cancellation.
    pub cancel: Arc<Cancel>,
    /// The session's terminal, with `tty=true`.
    pub terminal: Option<Arc<super::tty::Terminal>>,
}

impl Host for ContainerHost {
    fn fs(&self) -> MutexGuard<'_, Fs> {
        self.container.fs.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn hostname(&self) -> &str {
        &self.container.hostname
    }
    fn terminal_size(&self) -> Option<(u16, u16)> {
        self.terminal.as_ref().map(|t| t.size())
    }
    fn log(&self, stream: Stream, data: &[u8]) {
        self.container.log.write(stream, data);
    }
    fn sleep(&self, d: Duration) -> bool {
        // The session's cancellation wakes at once; the container's stop is checked every
        // 100 ms (it may come while the session's task is gone, as at runtime shutdown).
        let end = std::time::Instant::now() + d;
        loop {
            if self.container.cancel.is_cancelled() {
                return false;
            }
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return true;
            }
            if !self.cancel.sleep(left.min(Duration::from_millis(100))) {
                return false;
            }
        }
    }
}

/// The command's stdin: chunks from the session (EOF when the client closes stdin).
pub struct StdinReader {
    rx: Option<mpsc::Receiver<Bytes>>,
    buf: Bytes,
}

impl StdinReader {
    /// A reader of the chunks `rx` delivers.
    pub fn new(rx: mpsc::Receiver<Bytes>) -> Self {
        Self {
            rx: Some(rx),
            buf: Bytes::new(),
        }
    }
}

impl Read for StdinReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.buf.is_empty() {
            match self.rx.as_mut().and_then(|rx| rx.blocking_recv()) {
                Some(b) => self.buf = b,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf.split_to(n));
        Ok(n)
    }
}

/// Writes a process's output to the container log.
pub struct LogWriter {
    /// The container.
    pub container: Arc<Container>,
    /// Which stream.
    pub stream: Stream,
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.container.log.write(self.stream, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Starts the container's main process (its command) on a blocking thread: stdout and stderr
/// go to the log; stdin (when the spec has `stdin: true`) comes from attach sessions.
pub fn start_main(container: &Arc<Container>) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    if container.spec.stdin {
        *container
            .main_stdin
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(tx);
    }
    let c = container.clone();
    handle.spawn_blocking(move || {
        let host = ContainerHost {
            container: c.clone(),
            cancel: c.cancel.clone(),
            terminal: None,
        };
        let mut stdin = StdinReader::new(rx);
        let mut out = LogWriter {
            container: c.clone(),
            stream: Stream::Stdout,
        };
        let mut err = LogWriter {
            container: c.clone(),
            stream: Stream::Stderr,
        };
        let io = Io {
            stdin: &mut stdin,
            stdout: &mut out,
            stderr: &mut err,
        };
        let result = shell::run(&c.spec.command, c.spec.env.clone(), &host, io);
        // The process ended: attach input has nowhere to go.
        c.main_stdin
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        // An exit of its own ends the instance (a stopped pod's processes are killed instead).
        if let Ok(code) = result
            && !c.cancel.is_cancelled()
        {
            c.exited(code);
        }
    });
}
