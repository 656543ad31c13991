//! Running a parsed script: expansion, assignments, redirections (files in the container's
//! file system, `/dev/null`, `/dev/stdout`, `/dev/stderr`, and `/proc/1/fd/1`/`/proc/1/fd/2`,
//! the main process's output = the container log), pipelines (each stage runs to completion and
//! its output feeds the next), `&&`/`||`, `exit`. Pure logic over the [`Host`] and the streams.

use super::parse::{self, Command, Connector, Part, Pipeline, RedirKind, Script, Word};
use super::{Host, Io, Stop, builtins};
use crate::runtime::fs;
use crate::runtime::log::Stream;

/// The most bytes a pipe between two stages (or a redirected-in file, or a script read from
/// stdin) holds.
const PIPE_LIMIT: usize = 64 << 20;

/// Where a command's output descriptor goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// The session's stdout.
    Stdout,
    /// The session's stderr.
    Stderr,
    /// Discarded.
    Null,
    /// The container's log (the main process's output).
    Log(Stream),
    /// Appended to a file (absolute path).
    File(String),
    /// A pipe to the next stage.
    Pipe(usize),
}

/// Where a command's stdin comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Src {
    /// The session's stdin.
    Stdin,
    /// Nothing (EOF at once).
    Null,
    /// The previous stage's output.
    Pipe(usize),
    /// A file's bytes, and how much was read.
    Bytes(Vec<u8>, usize),
}

/// What every level of a script shares: the host, the session streams, the pipes.
pub struct Kernel<'a> {
    /// The container.
    pub host: &'a dyn Host,
    io: Io<'a>,
    pipes: Vec<(Vec<u8>, usize)>,
}

/// One shell's state.
#[derive(Debug, Clone)]
pub struct Shell {
    /// The working directory.
    pub cwd: String,
    /// Variables (all exported).
    pub env: Vec<(String, String)>,
    /// `$0`, `$1`, ….
    pub args: Vec<String>,
    /// `$?`.
    pub last: i32,
    /// Set by `exit`.
    pub exit: Option<i32>,
}

impl Shell {
    /// A shell in `/` with `env`.
    pub fn new(env: Vec<(String, String)>) -> Self {
        Self {
            cwd: "/".into(),
            env,
            args: vec!["sh".into()],
            last: 0,
            exit: None,
        }
    }

    /// A variable's value.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets a variable.
    pub fn set(&mut self, name: &str, value: &str) {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_string(), value.to_string()));
    }

    fn expand(&self, word: &Word) -> String {
        let mut out = String::new();
        for part in word {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Var(v) => match v.as_str() {
                    "?" => out.push_str(&self.last.to_string()),
                    "$" => out.push('1'),
                    "#" => out.push_str(&self.args.len().saturating_sub(1).to_string()),
                    n if n.chars().all(|c| c.is_ascii_digit()) => {
                        let i: usize = n.parse().unwrap_or(usize::MAX);
                        out.push_str(self.args.get(i).map_or("", String::as_str));
                    }
                    n => out.push_str(self.var(n).unwrap_or_default()),
                },
            }
        }
        out
    }

    /// Resolves a path against the working directory.
    pub fn path(&self, p: &str) -> String {
        fs::resolve(&self.cwd, p)
    }
}

/// A running command's view: the kernel, its shell, and its descriptors.
pub struct Cx<'k, 'a> {
    /// Shared state.
    pub k: &'k mut Kernel<'a>,
    /// The shell running the command.
    pub sh: &'k mut Shell,
    /// Descriptor 1.
    pub out: Dest,
    /// Descriptor 2.
    pub err: Dest,
    /// Descriptor 0.
    pub input: Src,
}

impl<'a> Kernel<'a> {
    /// A kernel over `host` and the session streams.
    pub fn new(host: &'a dyn Host, io: Io<'a>) -> Self {
        Self {
            host,
            io,
            pipes: Vec::new(),
        }
    }

    fn write(&mut self, dest: &Dest, data: &[u8]) -> Result<(), Stop> {
        if data.is_empty() {
            return Ok(());
        }
        match dest {
            Dest::Stdout => self.io.stdout.write_all(data).map_err(|_| Stop::Aborted),
            Dest::Stderr => self.io.stderr.write_all(data).map_err(|_| Stop::Aborted),
            Dest::Null => Ok(()),
            Dest::Log(stream) => {
                self.host.log(*stream, data);
                Ok(())
            }
            Dest::File(path) => self
                .host
                .fs()
                .write(path, data, true)
                .map_err(|e| Stop::Write(format!("{path}: {e}"))),
            Dest::Pipe(id) => match self.pipes.get_mut(*id) {
                Some((buf, _)) if buf.len() + data.len() <= PIPE_LIMIT => {
                    buf.extend_from_slice(data);
                    Ok(())
                }
                _ => Err(Stop::Write("pipe: No space left on device".into())),
            },
        }
    }

    /// Flushes the session streams.
    pub fn io_flush(&mut self) -> Result<(), Stop> {
        self.io.stdout.flush().map_err(|_| Stop::Aborted)?;
        self.io.stderr.flush().map_err(|_| Stop::Aborted)
    }
}

impl Cx<'_, '_> {
    /// Writes to stdout.
    pub fn out(&mut self, data: &[u8]) -> Result<(), Stop> {
        let dest = self.out.clone();
        self.k.write(&dest, data)
    }

    /// Writes to stderr.
    pub fn err(&mut self, data: &[u8]) -> Result<(), Stop> {
        let dest = self.err.clone();
        self.k.write(&dest, data)
    }

    /// Reads from stdin; 0 at EOF.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Stop> {
        match &mut self.input {
            Src::Stdin => loop {
                match self.k.io.stdin.read(buf) {
                    Ok(n) => return Ok(n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return Err(Stop::Aborted),
                }
            },
            Src::Null => Ok(0),
            Src::Bytes(data, pos) => Ok(copy_from(data, pos, buf)),
            Src::Pipe(id) => match self.k.pipes.get_mut(*id) {
                Some((data, pos)) => Ok(copy_from(data, pos, buf)),
                None => Ok(0),
            },
        }
    }

    /// Reads stdin to its end (at most 64 MiB).
    pub fn read_all(&mut self) -> Result<Vec<u8>, Stop> {
        let mut all = Vec::new();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let n = self.read(&mut buf)?;
            if n == 0 {
                return Ok(all);
            }
            if all.len() + n > PIPE_LIMIT {
                return Err(Stop::Write("stdin: input too large".into()));
            }
            all.extend_from_slice(&buf[..n]);
        }
    }

    /// The container.
    pub fn host(&self) -> &dyn Host {
        self.k.host
    }

    /// Runs `script` in a child shell with these descriptors (`sh -c`).
    pub fn subshell(&mut self, script: &str, args: Vec<String>) -> Result<i32, Stop> {
        let mut child = self.sh.clone();
        child.args = args;
        child.exit = None;
        match parse::parse(script) {
            Ok(parsed) => {
                let frame = (self.out.clone(), self.err.clone(), self.input.clone());
                run_script(self.k, &mut child, &parsed, &frame)
            }
            Err(msg) => {
                self.err(format!("sh: {msg}\n").as_bytes())?;
                Ok(2)
            }
        }
    }
}

fn copy_from(data: &[u8], pos: &mut usize, buf: &mut [u8]) -> usize {
    let n = buf.len().min(data.len() - (*pos).min(data.len()));
    buf[..n].copy_from_slice(&data[*pos..*pos + n]);
    *pos += n;
    n
}

/// The descriptors a script level starts with: stdout, stderr, stdin.
pub type Frame = (Dest, Dest, Src);

/// Runs a parsed script in `sh`; returns the exit status.
pub fn run_script(
    k: &mut Kernel<'_>,
    sh: &mut Shell,
    script: &Script,
    frame: &Frame,
) -> Result<i32, Stop> {
    for and_or in script {
        sh.last = run_pipeline(k, sh, &and_or.first, frame)?;
        for (conn, pipeline) in &and_or.rest {
            if sh.exit.is_some() {
                break;
            }
            let run = match conn {
                Connector::And => sh.last == 0,
                Connector::Or => sh.last != 0,
            };
            if run {
                sh.last = run_pipeline(k, sh, pipeline, frame)?;
            }
        }
        if let Some(code) = sh.exit {
            return Ok(code);
        }
    }
    k.io_flush()?;
    Ok(sh.last)
}

fn run_pipeline(
    k: &mut Kernel<'_>,
    sh: &mut Shell,
    pipeline: &Pipeline,
    frame: &Frame,
) -> Result<i32, Stop> {
    let base = k.pipes.len();
    let mut status = 0;
    let mut input = frame.2.clone();
    for (i, cmd) in pipeline.iter().enumerate() {
        let last = i + 1 == pipeline.len();
        let out = if last {
            frame.0.clone()
        } else {
            k.pipes.push((Vec::new(), 0));
            Dest::Pipe(k.pipes.len() - 1)
        };
        status = run_command(k, sh, cmd, out.clone(), frame.1.clone(), input)?;
        input = match out {
            Dest::Pipe(id) => Src::Pipe(id),
            _ => Src::Null,
        };
    }
    k.pipes.truncate(base);
    Ok(status)
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

fn run_command(
    k: &mut Kernel<'_>,
    sh: &mut Shell,
    cmd: &Command,
    out: Dest,
    err: Dest,
    input: Src,
) -> Result<i32, Stop> {
    let words: Vec<String> = cmd.words.iter().map(|w| sh.expand(w)).collect();
    let split = words
        .iter()
        .position(|w| !is_assignment(w))
        .unwrap_or(words.len());
    let (assigns, argv) = words.split_at(split);
    let mut cx = Cx {
        k,
        sh,
        out,
        err,
        input,
    };
    if let Some(status) = redirect(&mut cx, cmd)? {
        return Ok(status);
    }
    if argv.is_empty() {
        for a in assigns {
            if let Some((n, v)) = a.split_once('=') {
                cx.sh.set(n, v);
            }
        }
        return Ok(0);
    }
    if assigns.is_empty() {
        return run_builtin(&mut cx, argv);
    }
    // `NAME=value command`: the variables hold for this command only.
    let saved = cx.sh.env.clone();
    for a in assigns {
        if let Some((n, v)) = a.split_once('=') {
            cx.sh.set(n, v);
        }
    }
    let status = run_builtin(&mut cx, argv);
    cx.sh.env = saved;
    status
}

fn run_builtin(cx: &mut Cx<'_, '_>, argv: &[String]) -> Result<i32, Stop> {
    match builtins::run(cx, argv) {
        Err(Stop::Write(msg)) => {
            let name = argv.first().map_or("sh", String::as_str);
            cx.err(format!("{name}: write error: {msg}\n").as_bytes())?;
            Ok(1)
        }
        other => other,
    }
}

/// Applies the redirections; `Some(status)` when one failed (the command does not run).
fn redirect(cx: &mut Cx<'_, '_>, cmd: &Command) -> Result<Option<i32>, Stop> {
    for r in &cmd.redirs {
        let target = cx.sh.expand(&r.target);
        let current = |cx: &Cx<'_, '_>, fd: u32| match fd {
            2 => cx.err.clone(),
            _ => cx.out.clone(),
        };
        let dest = match r.kind {
            RedirKind::Dup => match target.as_str() {
                "1" | "2" => current(cx, if target == "1" { 1 } else { 2 }),
                _ => {
                    cx.err(format!("sh: {target}: bad file descriptor\n").as_bytes())?;
                    return Ok(Some(1));
                }
            },
            RedirKind::In => {
                if r.fd != 0 {
                    continue;
                }
                let path = cx.sh.path(&target);
                if path == "/dev/null" {
                    cx.input = Src::Null;
                    continue;
                }
                let read = cx.host().fs().read(&path).map(<[u8]>::to_vec);
                match read {
                    Ok(data) => cx.input = Src::Bytes(data, 0),
                    Err(e) => {
                        cx.err(format!("sh: can't open {target}: {e}\n").as_bytes())?;
                        return Ok(Some(1));
                    }
                }
                continue;
            }
            RedirKind::Out | RedirKind::Append => {
                let path = cx.sh.path(&target);
                match path.as_str() {
                    "/dev/null" => Dest::Null,
                    "/dev/stdout" | "/proc/self/fd/1" => current(cx, 1),
                    "/dev/stderr" | "/proc/self/fd/2" => current(cx, 2),
                    "/proc/1/fd/1" => Dest::Log(Stream::Stdout),
                    "/proc/1/fd/2" => Dest::Log(Stream::Stderr),
                    _ => {
                        let opened = {
                            let mut fs = cx.host().fs();
                            match (r.kind, fs.stat(&path)) {
                                (RedirKind::Append, Some(_)) => Ok(()),
                                _ => fs.write(&path, b"", false),
                            }
                        };
                        if let Err(e) = opened {
                            cx.err(format!("sh: can't create {target}: {e}\n").as_bytes())?;
                            return Ok(Some(1));
                        }
                        Dest::File(path)
                    }
                }
            }
        };
        match r.fd {
            1 => cx.out = dest,
            2 => cx.err = dest,
            _ => {}
        }
    }
    Ok(None)
}
