//! The built-in interpreter `exec` and `attach` run instead of processes: a small POSIX-like
//! shell (busybox `sh` wording) and the commands tests and `kubectl cp` use. It sees the
//! container through [`Host`] and talks only through the given streams; it never touches the
//! real machine. What it implements is listed in `docs/testserver.md` ("The simulated runtime").
//!
//! - [`parse`]: the grammar; [`exec`]: running scripts (pipelines, redirections);
//!   [`builtins`]: the commands; [`tar`]: `tar` as `kubectl cp` runs it.

pub mod builtins;
pub mod exec;
pub mod parse;
pub mod tar;

use std::io::{Read, Write};
use std::sync::MutexGuard;
use std::time::Duration;

use super::fs::Fs;
use super::log::Stream;

/// The container as commands see it.
pub trait Host {
    /// Its file system, locked for one operation.
    fn fs(&self) -> MutexGuard<'_, Fs>;
    /// Its hostname.
    fn hostname(&self) -> &str;
    /// Appends to the main process's output (the container log): `/proc/1/fd/1` and `2`.
    fn log(&self, stream: Stream, data: &[u8]);
    /// Sleeps; `false` when interrupted (the session or the container ended).
    fn sleep(&self, duration: Duration) -> bool;
    /// The session's terminal size as (rows, columns) when it has a TTY; `None` without one.
    fn terminal_size(&self) -> Option<(u16, u16)> {
        None
    }
}

/// The session's streams.
pub struct Io<'a> {
    /// What the client sends (EOF when it closes stdin or sent none).
    pub stdin: &'a mut dyn Read,
    /// Where stdout goes.
    pub stdout: &'a mut dyn Write,
    /// Where stderr goes.
    pub stderr: &'a mut dyn Write,
}

/// Why a command stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The session's streams failed or the run was interrupted: stop everything.
    Aborted,
    /// Writing to a file or pipe failed (the message says what); the command fails.
    Write(String),
}

/// Runs `argv` (as exec's `command`) in a container with `env`; returns the exit status, or
/// `Err` when the session went away mid-run.
pub fn run<'a>(
    argv: &[String],
    env: Vec<(String, String)>,
    host: &'a dyn Host,
    io: Io<'a>,
) -> Result<i32, Stop> {
    let mut kernel = exec::Kernel::new(host, io);
    let mut sh = exec::Shell::new(env);
    sh.cwd = "/".into();
    let mut cx = exec::Cx {
        k: &mut kernel,
        sh: &mut sh,
        out: exec::Dest::Stdout,
        err: exec::Dest::Stderr,
        input: exec::Src::Stdin,
    };
    let status = builtins::run(&mut cx, argv);
    let status = match status {
        Err(Stop::Write(msg)) => {
            let name = argv.first().map_or("sh", String::as_str);
            cx.err(format!("{name}: write error: {msg}\n").as_bytes())?;
            1
        }
        other => other?,
    };
    cx.k.io_flush()?;
    Ok(status)
}

/// Runs one line of shell input in the container's main shell (attach to a shell container):
/// output goes to `io`.
pub fn run_line<'a>(
    line: &str,
    sh: &mut exec::Shell,
    host: &'a dyn Host,
    io: Io<'a>,
) -> Result<i32, Stop> {
    let mut kernel = exec::Kernel::new(host, io);
    match parse::parse(line) {
        Ok(script) => {
            let frame = (exec::Dest::Stdout, exec::Dest::Stderr, exec::Src::Null);
            exec::run_script(&mut kernel, sh, &script, &frame)
        }
        Err(msg) => {
            let mut cx = exec::Cx {
                k: &mut kernel,
                sh,
                out: exec::Dest::Stdout,
                err: exec::Dest::Stderr,
                input: exec::Src::Null,
            };
            cx.err(format!("sh: {msg}\n").as_bytes())?;
            Ok(2)
        }
    }
}

#[cfg(test)]
pub mod testing {
    //! A host over a plain file system and a log buffer, for unit tests.
    use std::sync::Mutex;

    use super::*;

    /// The test host.
    pub struct TestHost {
        /// Its file system.
        pub fs: Mutex<Fs>,
        /// What went to `/proc/1/fd/*`.
        pub log: Mutex<Vec<u8>>,
    }

    impl Default for TestHost {
        fn default() -> Self {
            Self {
                fs: Mutex::new(Fs::default()),
                log: Mutex::new(Vec::new()),
            }
        }
    }

    impl Host for TestHost {
        fn fs(&self) -> MutexGuard<'_, Fs> {
            self.fs.lock().unwrap_or_else(|e| e.into_inner())
        }
        fn hostname(&self) -> &str {
            "pod-1"
        }
        fn log(&self, _: Stream, data: &[u8]) {
            self.log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(data);
        }
        fn sleep(&self, _: Duration) -> bool {
            true
        }
    }

    /// Runs `argv` with `stdin`; returns (status, stdout, stderr).
    pub fn run_on(host: &TestHost, argv: &[&str], stdin: &[u8]) -> (i32, Vec<u8>, String) {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut input = stdin;
        let env = vec![("PATH".into(), "/bin".into()), ("FOO".into(), "bar".into())];
        let status = run(
            &argv,
            env,
            host,
            Io {
                stdin: &mut input,
                stdout: &mut out,
                stderr: &mut err,
            },
        )
        .unwrap_or(-1);
        (status, out, String::from_utf8_lossy(&err).into_owned())
    }

    /// Runs `sh -c script`; returns (status, stdout, stderr) as text.
    pub fn sh(host: &TestHost, script: &str, stdin: &str) -> (i32, String, String) {
        let (status, out, err) = run_on(host, &["sh", "-c", script], stdin.as_bytes());
        (status, String::from_utf8_lossy(&out).into_owned(), err)
    }
}
