//! Copying files to and from a container with `tar` over exec, as `kubectl cp` does
//! (`kubectl/pkg/cmd/cp`): the same commands in the container, the same tar entry names, and the
//! same defences when unpacking (entries that would land outside the destination and symlinks
//! are skipped with a warning; entries outside the requested source fail the copy).
//!
//! It lives in the typed crate because it is a pod operation built on the typed
//! [`ResourceClient::exec`]; tar (de)serialization uses the `tar` crate on a blocking thread,
//! streaming through bounded channels so memory stays bounded whatever the size.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use kclient_rest::remotecommand::{ExitStatus, RemoteOutput};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use super::ResourceClient;
use super::pod::ExecOptions;
use crate::Error;
use crate::api::core::v1::Pod;

/// How long the `test -d` probe of the destination may take (kubectl's 30 s).
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// Size of the chunks moved between the tar thread and the stream.
const CHUNK: usize = 32 * 1024;
/// The most of the container's stderr kept for an error message.
const MAX_STDERR: usize = 64 * 1024;

/// What a copy did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Regular files copied.
    pub files: usize,
    /// Bytes of file content copied.
    pub bytes: u64,
    /// Entries skipped and why (kubectl prints these as warnings).
    pub warnings: Vec<String>,
}

fn copy_error(reason: impl Into<String>, source: Option<io::Error>) -> Error {
    Error::Copy {
        reason: reason.into(),
        source,
    }
}

/// kubectl's remote path rules: not empty, `\` becomes `/`, a trailing slash is dropped.
fn remote_path(path: &str) -> Result<String, Error> {
    if path.is_empty() {
        return Err(copy_error("filepath can not be empty", None));
    }
    let path = path.replace('\\', "/");
    let trimmed = path.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.into()
    })
}

/// Go's `path.Clean` for `/`-separated paths.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// kubectl's `stripPathShortcuts`: drops leading `../`, maps `.` and `..` to empty, and one
/// leading `/`.
fn strip_path_shortcuts(path: &str) -> String {
    let mut p = clean(path);
    let mut trimmed = p.as_str();
    while let Some(rest) = trimmed.strip_prefix("../") {
        trimmed = rest;
    }
    p = match trimmed {
        "." | ".." => String::new(),
        other => other.strip_prefix('/').unwrap_or(other).to_string(),
    };
    p
}

/// Go's `path.Dir` and `path.Base`.
fn dir_and_base(path: &str) -> (String, String) {
    match path.rfind('/') {
        Some(i) => {
            let dir = clean(&path[..i + 1]);
            (dir, path[i + 1..].to_string())
        }
        None => (".".into(), path.to_string()),
    }
}

/// The path, below the destination, that the rest of an entry name (after the prefix) maps to;
/// `None` when it climbs out of the destination (kubectl's `isRelative` check).
fn inside(rest: &str) -> Option<PathBuf> {
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.iter().collect())
}

/// Unpacks a `tar cf - <src>` stream into `dest` (kubectl's `untarAll`).
pub(crate) fn untar_all(reader: impl Read, dest: &Path, prefix: &str) -> Result<CopyReport, Error> {
    let mut report = CopyReport::default();
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| copy_error("cannot read the tar stream", Some(e)))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| copy_error("cannot read the tar stream", Some(e)))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(rest) = name.strip_prefix(prefix) else {
            return Err(copy_error(
                format!("tar contents corrupted: entry {name:?} is not under {prefix:?}"),
                None,
            ));
        };
        let Some(relative) = inside(rest) else {
            let warning = format!("file {name:?} is outside target destination, skipping");
            tracing::warn!("{warning}");
            report.warnings.push(warning);
            continue;
        };
        let target = dest.join(relative);
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| {
                copy_error(
                    format!("cannot create directory {}", target.display()),
                    Some(e),
                )
            })?;
            continue;
        }
        if kind.is_symlink() || kind.is_hard_link() {
            let link = entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned())
                .unwrap_or_default();
            let warning = format!("skipping symlink: {:?} -> {link:?}", target.display());
            tracing::warn!("{warning}");
            report.warnings.push(warning);
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                copy_error(
                    format!("cannot create directory {}", parent.display()),
                    Some(e),
                )
            })?;
        }
        let mut file = std::fs::File::create(&target)
            .map_err(|e| copy_error(format!("cannot create {}", target.display()), Some(e)))?;
        let copied = io::copy(&mut entry, &mut file)
            .map_err(|e| copy_error(format!("cannot write {}", target.display()), Some(e)))?;
        report.files += 1;
        report.bytes += copied;
    }
    Ok(report)
}

/// Writes `local` into a tar stream under the name `name` (and `name/…` for a directory's
/// contents), symlinks stored as symlinks, as kubectl's `recursiveTar`.
fn tar_into(writer: impl Write, local: &Path, name: &str) -> Result<CopyReport, Error> {
    let mut report = CopyReport::default();
    let mut builder = tar::Builder::new(writer);
    builder.follow_symlinks(false);
    let mut pending = vec![(local.to_path_buf(), name.to_string())];
    while let Some((path, name)) = pending.pop() {
        let meta = std::fs::symlink_metadata(&path)
            .map_err(|e| copy_error(format!("cannot read {}", path.display()), Some(e)))?;
        builder
            .append_path_with_name(&path, &name)
            .map_err(|e| copy_error(format!("cannot archive {}", path.display()), Some(e)))?;
        if meta.is_file() {
            report.files += 1;
            report.bytes += meta.len();
        }
        if meta.is_dir() {
            let dir = std::fs::read_dir(&path)
                .map_err(|e| copy_error(format!("cannot list {}", path.display()), Some(e)))?;
            for child in dir {
                let child = child
                    .map_err(|e| copy_error(format!("cannot list {}", path.display()), Some(e)))?;
                let child_name = format!("{name}/{}", child.file_name().to_string_lossy());
                pending.push((child.path(), child_name));
            }
        }
    }
    builder
        .into_inner()
        .and_then(|mut w| w.flush())
        .map_err(|e| copy_error("cannot finish the tar stream", Some(e)))?;
    Ok(report)
}

/// A blocking writer that hands 32 KiB chunks to an async consumer.
struct ChannelWriter {
    tx: mpsc::Sender<Vec<u8>>,
    buf: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx.blocking_send(chunk).map_err(|_| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the stream to the container ended",
            )
        })
    }
}

/// A blocking reader over chunks sent by an async producer.
struct ChannelReader {
    rx: mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            match self.rx.blocking_recv() {
                Some(chunk) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.current.len() - self.pos);
        out[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads at most [`MAX_STDERR`] bytes of an output stream (the rest is discarded).
async fn read_stderr(stderr: Option<RemoteOutput>) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Some(mut stderr) = stderr {
        let mut buf = vec![0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let room = MAX_STDERR.saturating_sub(bytes.len());
            bytes.extend_from_slice(&buf[..n.min(room)]);
        }
    }
    bytes
}

fn command_failed(command: &[String], status: ExitStatus, stderr: &[u8]) -> Error {
    copy_error(
        format!(
            "{:?} in the container exited with code {}: {}",
            command.join(" "),
            status.code(),
            String::from_utf8_lossy(stderr).trim()
        ),
        None,
    )
}

impl ResourceClient<Pod> {
    /// Copies the local file or directory `local` to `remote` in the container (`kubectl cp
    /// LOCAL pod:REMOTE`). When `remote` is an existing directory the copy goes inside it,
    /// under `local`'s name. Needs `tar` in the container.
    pub async fn copy_to_pod(
        &self,
        name: &str,
        container: Option<&str>,
        local: &Path,
        remote: &str,
    ) -> Result<CopyReport, Error> {
        let remote = remote_path(remote)?;
        let local_name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| copy_error(format!("{} has no file name", local.display()), None))?;
        tokio::fs::symlink_metadata(local)
            .await
            .map_err(|e| copy_error(format!("cannot read {}", local.display()), Some(e)))?;
        let with_container = |options: ExecOptions| match container {
            Some(c) => options.container(c),
            None => options,
        };

        // Is the destination an existing directory? (kubectl: `test -d`, 30 s.)
        let probe = with_container(ExecOptions::command(["test", "-d", remote.as_str()]));
        let is_dir = tokio::time::timeout(PROBE_TIMEOUT, async {
            let command = self.exec(name, &probe).await?;
            Ok::<_, Error>(command.output(MAX_STDERR).await?.status.success())
        })
        .await
        .map_err(|_| copy_error("checking the destination in the container timed out", None))??;
        let dest = if is_dir {
            format!("{}/{local_name}", remote.trim_end_matches('/'))
        } else {
            remote
        };
        let (dest_dir, dest_base) = dir_and_base(&dest);

        let tar_command: Vec<String> = ["tar", "-xmf", "-", "-C", dest_dir.as_str()]
            .map(String::from)
            .into();
        let options = with_container(ExecOptions::command(tar_command.clone()).stdin());
        let mut command = self.exec(name, &options).await?;
        let mut stdin = command.stdin.take();
        let stderr = command.stderr.take();

        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(8);
        let source = local.to_path_buf();
        let packer = tokio::task::spawn_blocking(move || {
            let writer = ChannelWriter {
                tx,
                buf: Vec::with_capacity(CHUNK),
            };
            tar_into(writer, &source, &dest_base)
        });
        let feed = async {
            let mut failed = None;
            while let Some(chunk) = rx.recv().await {
                if let Some(pipe) = stdin.as_mut()
                    && let Err(e) = pipe.write_all(&chunk).await
                {
                    failed = Some(e);
                    break;
                }
            }
            drop(rx);
            if let Some(mut pipe) = stdin.take() {
                let _ = pipe.shutdown().await;
            }
            failed
        };
        let (write_error, stderr, status) =
            tokio::join!(feed, read_stderr(stderr), command.status());
        let report = packer
            .await
            .map_err(|e| copy_error(format!("the tar thread failed: {e}"), None))?;
        let status = status?;
        if !status.success() {
            return Err(command_failed(&tar_command, status, &stderr));
        }
        if let Some(e) = write_error {
            return Err(copy_error("sending the tar stream failed", Some(e)));
        }
        report
    }

    /// Copies `remote` (a file or directory in the container) to `local` (`kubectl cp
    /// pod:REMOTE LOCAL`): `remote`'s contents land at `local`. Entries that would escape
    /// `local` and symlinks are skipped and listed in [`CopyReport::warnings`].
    pub async fn copy_from_pod(
        &self,
        name: &str,
        container: Option<&str>,
        remote: &str,
        local: &Path,
    ) -> Result<CopyReport, Error> {
        let remote = remote_path(remote)?;
        let prefix = strip_path_shortcuts(&clean(remote.trim_start_matches(['/', '\\'])));
        let tar_command: Vec<String> = ["tar", "cf", "-", remote.as_str()].map(String::from).into();
        let mut options = ExecOptions::command(tar_command.clone());
        if let Some(c) = container {
            options = options.container(c);
        }
        let mut command = self.exec(name, &options).await?;
        let stdout = command.stdout.take();
        let stderr = command.stderr.take();

        let (tx, rx) = mpsc::channel::<Vec<u8>>(8);
        let dest = local.to_path_buf();
        let unpacker = tokio::task::spawn_blocking(move || {
            let reader = ChannelReader {
                rx,
                current: Vec::new(),
                pos: 0,
            };
            untar_all(reader, &dest, &prefix)
        });
        let forward = async {
            let Some(mut stdout) = stdout else { return };
            loop {
                let mut buf = vec![0u8; CHUNK];
                match stdout.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(buf).await.is_err() {
                            break;
                        }
                    }
                }
            }
            drop(tx);
        };
        let ((), stderr, status) = tokio::join!(forward, read_stderr(stderr), command.status());
        let report = unpacker
            .await
            .map_err(|e| copy_error(format!("the untar thread failed: {e}"), None))?;
        let status = status?;
        if !status.success() {
            return Err(command_failed(&tar_command, status, &stderr));
        }
        report
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn entry(builder: &mut tar::Builder<Vec<u8>>, name: &str, kind: tar::EntryType, data: &[u8]) {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        if kind.is_symlink() {
            header.set_link_name("/etc/passwd").unwrap();
        }
        // Raw names (set_path refuses `..`, which is what a hostile server would send).
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }

    #[test]
    fn paths_follow_go_and_kubectl() {
        assert_eq!(clean("a//b/./c/.."), "a/b");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(clean("../../x"), "../../x");
        assert_eq!(clean(""), ".");
        assert_eq!(strip_path_shortcuts("../../tmp/x"), "tmp/x");
        assert_eq!(strip_path_shortcuts(".."), "");
        assert_eq!(strip_path_shortcuts("/tmp"), "tmp");
        assert_eq!(dir_and_base("/tmp/dir/f"), ("/tmp/dir".into(), "f".into()));
        assert_eq!(dir_and_base("/f"), ("/".into(), "f".into()));
        assert_eq!(dir_and_base("f"), (".".into(), "f".into()));
        assert_eq!(remote_path("C:\\x\\").unwrap(), "C:/x");
        assert_eq!(remote_path("/").unwrap(), "/");
        assert!(
            remote_path("")
                .unwrap_err()
                .to_string()
                .contains("can not be empty")
        );
        assert_eq!(inside("/a/./b"), Some(PathBuf::from("a/b")));
        assert_eq!(inside("a/../../b"), None);
        assert_eq!(inside(""), Some(PathBuf::new()));
    }

    #[test]
    fn untar_skips_escapes_and_symlinks_and_refuses_foreign_entries() {
        let mut builder = tar::Builder::new(Vec::new());
        entry(&mut builder, "tmp/src/", tar::EntryType::Directory, b"");
        entry(
            &mut builder,
            "tmp/src/a.txt",
            tar::EntryType::Regular,
            b"hello",
        );
        entry(
            &mut builder,
            "tmp/src/sub/b.txt",
            tar::EntryType::Regular,
            b"world",
        );
        entry(
            &mut builder,
            "tmp/src/../../escape.txt",
            tar::EntryType::Regular,
            b"evil",
        );
        entry(&mut builder, "tmp/src/link", tar::EntryType::Symlink, b"");
        let archive = builder.into_inner().unwrap();

        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        let report = untar_all(&archive[..], &dest, "tmp/src").unwrap();
        assert_eq!(report.files, 2);
        assert_eq!(report.bytes, 10);
        assert_eq!(std::fs::read(dest.join("a.txt")).unwrap(), b"hello");
        assert_eq!(std::fs::read(dest.join("sub/b.txt")).unwrap(), b"world");
        assert!(!dir.path().join("escape.txt").exists());
        assert!(!dest.join("link").exists());
        assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
        assert!(report.warnings[0].contains("outside target destination"));
        assert!(report.warnings[1].contains("skipping symlink"));

        let err = untar_all(&archive[..], &dest, "other").unwrap_err();
        assert!(err.to_string().contains("tar contents corrupted"), "{err}");
    }

    #[test]
    fn tar_names_entries_after_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("sub/f"), b"data").unwrap();
        let mut out = Vec::new();
        let report = tar_into(&mut out, &src, "renamed").unwrap();
        assert_eq!((report.files, report.bytes), (1, 4));
        let mut names: Vec<String> = tar::Archive::new(&out[..])
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["renamed", "renamed/sub", "renamed/sub/f"]);
    }
}
