//! `tar` as `kubectl cp` runs it (GNU tar's options and messages): `tar cf - PATH...` writes
//! an archive of files and directories to stdout (or a file), `tar xf - [-C DIR]` with `-m`,
//! `--no-same-permissions`, `--no-same-owner` extracts one from stdin (or a file), `tf` lists
//! one. No compression; symlink and device entries are refused with a message. Uses the `tar`
//! crate for the format (ustar/GNU headers, long names).

use std::io::{self, Read};

use super::Stop;
use super::exec::Cx;
use crate::runtime::fs::{self, Kind};

/// The options of one `tar` run.
#[derive(Debug, Default)]
struct Opts {
    mode: Option<char>,
    file: Option<String>,
    dir: Option<String>,
    no_same_permissions: bool,
    paths: Vec<String>,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut i = 0;
    let mut pending: Vec<char> = Vec::new();
    let take_value = |i: &mut usize, what: char| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("option requires an argument -- '{what}'"))
    };
    while let Some(a) = args.get(i) {
        let bundle = if i == 0 && !a.starts_with('-') {
            Some(a.as_str())
        } else if a.starts_with("--") {
            match a.as_str() {
                "--no-same-permissions" => o.no_same_permissions = true,
                "--no-same-owner" | "--touch" | "--verbose" => {}
                "--extract" | "--get" => o.mode = Some('x'),
                "--create" => o.mode = Some('c'),
                "--list" => o.mode = Some('t'),
                _ => {
                    if let Some(v) = a.strip_prefix("--file=") {
                        o.file = Some(v.to_string());
                    } else if let Some(v) = a.strip_prefix("--directory=") {
                        o.dir = Some(v.to_string());
                    } else {
                        return Err(format!("unrecognized option '{a}'"));
                    }
                }
            }
            None
        } else if let Some(b) = a.strip_prefix('-').filter(|b| !b.is_empty()) {
            Some(b)
        } else {
            o.paths.push(a.clone());
            None
        };
        if let Some(bundle) = bundle {
            pending.extend(bundle.chars());
            for c in std::mem::take(&mut pending) {
                match c {
                    'c' | 'x' | 't' => o.mode = Some(c),
                    'f' => o.file = Some(take_value(&mut i, 'f')?),
                    'C' => o.dir = Some(take_value(&mut i, 'C')?),
                    'm' | 'v' | 'o' | 'p' => {}
                    'z' | 'j' | 'J' => {
                        return Err("compression is not supported by this tar".into());
                    }
                    other => return Err(format!("invalid option -- '{other}'")),
                }
            }
        }
        i += 1;
    }
    Ok(o)
}

/// Runs `tar` with `args`.
pub fn tar(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let opts = match parse(args) {
        Ok(o) => o,
        Err(msg) => {
            cx.err(
                format!("tar: {msg}\nTry 'tar --help' or 'tar --usage' for more information.\n")
                    .as_bytes(),
            )?;
            return Ok(2);
        }
    };
    if let Some(dir) = &opts.dir {
        let path = cx.sh.path(dir);
        if cx.host().fs().stat(&path) != Some(Kind::Dir) {
            cx.err(format!("tar: {dir}: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n").as_bytes())?;
            return Ok(2);
        }
    }
    match opts.mode {
        Some('c') => create(cx, &opts),
        Some('x') | Some('t') => extract(cx, &opts),
        _ => {
            cx.err(b"tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\nTry 'tar --help' or 'tar --usage' for more information.\n")?;
            Ok(2)
        }
    }
}

/// Adapts the command's stdin to `io::Read`.
struct In<'c, 'k, 'a> {
    cx: &'c mut Cx<'k, 'a>,
    stop: Option<Stop>,
}

impl Read for In<'_, '_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.cx.read(buf).map_err(|stop| {
            self.stop = Some(stop);
            io::Error::other("read failed")
        })
    }
}

fn create(cx: &mut Cx<'_, '_>, opts: &Opts) -> Result<i32, Stop> {
    if opts.paths.is_empty() {
        cx.err(b"tar: Cowardly refusing to create an empty archive\nTry 'tar --help' or 'tar --usage' for more information.\n")?;
        return Ok(2);
    }
    let base = opts
        .dir
        .as_deref()
        .map_or(cx.sh.cwd.clone(), |d| cx.sh.path(d));
    let mtime = jiff::Timestamp::now().as_second().max(0).unsigned_abs();
    let host = cx.k.host;
    let mut messages = String::new();
    let mut failed = false;
    let mut members = Vec::new();
    {
        let fs = host.fs();
        for p in &opts.paths {
            let abs = fs::resolve(&base, p);
            if p.starts_with('/') && !messages.contains("leading") {
                messages.push_str("tar: Removing leading `/' from member names\n");
            }
            let name = match p.trim_start_matches('/') {
                "" => ".".to_string(),
                n => n.trim_end_matches('/').to_string(),
            };
            match fs.stat(&abs) {
                None => {
                    messages.push_str(&format!(
                        "tar: {p}: Cannot stat: No such file or directory\n"
                    ));
                    failed = true;
                }
                Some(kind) => walk(&fs, &abs, &name, kind, &mut members),
            }
        }
    }
    // The archive is built in memory (the file system holds at most 64 MiB), then written.
    let mut builder = tar::Builder::new(Vec::new());
    for (name, abs, kind) in &members {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        let _ = header.set_username("root");
        let _ = header.set_groupname("root");
        let appended = match kind {
            Kind::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                builder.append_data(&mut header, format!("{name}/"), io::empty())
            }
            Kind::File(_) => {
                let (data, mode) = {
                    let fs = host.fs();
                    (
                        fs.read(abs).map(<[u8]>::to_vec).unwrap_or_default(),
                        fs.mode(abs),
                    )
                };
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(mode);
                header.set_size(data.len() as u64);
                builder.append_data(&mut header, name, data.as_slice())
            }
        };
        if let Err(e) = appended {
            messages.push_str(&format!("tar: {name}: {e}\n"));
            failed = true;
        }
    }
    let archive = builder.into_inner().unwrap_or_default();
    match opts.file.as_deref().filter(|f| *f != "-") {
        Some(f) => {
            let path = cx.sh.path(f);
            let written = host.fs().write(&path, &archive, false);
            if let Err(e) = written {
                messages.push_str(&format!("tar: {f}: Cannot open: {e}\n"));
                failed = true;
            }
        }
        None => {
            for chunk in archive.chunks(32 * 1024) {
                cx.out(chunk)?;
            }
        }
    }
    if failed {
        messages.push_str("tar: Exiting with failure status due to previous errors\n");
    }
    cx.err(messages.as_bytes())?;
    Ok(if failed { 2 } else { 0 })
}

/// Lists `abs` (named `name` in the archive) and, for a directory, everything under it.
fn walk(fs: &fs::Fs, abs: &str, name: &str, kind: Kind, members: &mut Vec<(String, String, Kind)>) {
    members.push((name.to_string(), abs.to_string(), kind));
    if kind == Kind::Dir {
        for (child, child_kind) in fs.list(abs).unwrap_or_default() {
            let child_abs = if abs == "/" {
                format!("/{child}")
            } else {
                format!("{abs}/{child}")
            };
            let child_name = if name == "." {
                child.clone()
            } else {
                format!("{name}/{child}")
            };
            walk(fs, &child_abs, &child_name, child_kind, members);
        }
    }
}

/// A member name made safe as GNU tar does: leading `/` removed; names with `..` refused.
fn member_name(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim_start_matches('/');
    if trimmed.split('/').any(|c| c == "..") {
        return Err(format!("tar: {raw}: Member name contains '..'\n"));
    }
    Ok(trimmed.trim_end_matches('/').to_string())
}

fn extract(cx: &mut Cx<'_, '_>, opts: &Opts) -> Result<i32, Stop> {
    let list = opts.mode == Some('t');
    let host = cx.k.host;
    let base = opts
        .dir
        .as_deref()
        .map_or(cx.sh.cwd.clone(), |d| cx.sh.path(d));
    let from_file = match opts.file.as_deref().filter(|f| *f != "-") {
        Some(f) => {
            let path = cx.sh.path(f);
            let data = host.fs().read(&path).map(<[u8]>::to_vec);
            match data {
                Ok(d) => Some(d),
                Err(e) => {
                    cx.err(format!("tar: {f}: Cannot open: {e}\ntar: Error is not recoverable: exiting now\n").as_bytes())?;
                    return Ok(2);
                }
            }
        }
        None => None,
    };
    let mut messages = String::new();
    let mut listing = String::new();
    let mut failed = false;
    let mut stop = None;
    let mut any = false;
    {
        let mut input = In { cx, stop: None };
        let reader: Box<dyn Read + '_> = match &from_file {
            Some(d) => Box::new(d.as_slice()),
            None => Box::new(&mut input),
        };
        let mut archive = tar::Archive::new(reader);
        let result: io::Result<()> = (|| {
            for entry in archive.entries()? {
                let mut entry = entry?;
                any = true;
                let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                if list {
                    listing.push_str(&raw);
                    listing.push('\n');
                    continue;
                }
                let name = match member_name(&raw) {
                    Ok(n) => n,
                    Err(msg) => {
                        messages.push_str(&msg);
                        failed = true;
                        continue;
                    }
                };
                let dest = fs::resolve(&base, &name);
                let header_mode = entry.header().mode().unwrap_or(0o644);
                let mode = if opts.no_same_permissions {
                    header_mode & !0o022
                } else {
                    header_mode
                };
                let kind = entry.header().entry_type();
                let outcome = if kind.is_dir() {
                    host.fs().mkdir(&dest, true)
                } else if kind.is_file() || kind == tar::EntryType::Continuous {
                    let mut data = Vec::new();
                    entry.read_to_end(&mut data)?;
                    let mut fs = host.fs();
                    if let Some((dir, _)) = dest.rsplit_once('/')
                        && !dir.is_empty()
                    {
                        let _ = fs.mkdir(dir, true);
                    }
                    fs.write(&dest, &data, false)
                        .and_then(|()| fs.set_mode(&dest, mode))
                } else {
                    messages.push_str(&format!(
                        "tar: {name}: Cannot create {}: Operation not supported\n",
                        if kind.is_symlink() {
                            "symlink"
                        } else {
                            "special file"
                        }
                    ));
                    failed = true;
                    Ok(())
                };
                if let Err(e) = outcome {
                    messages.push_str(&format!("tar: {name}: Cannot open: {e}\n"));
                    failed = true;
                }
            }
            Ok(())
        })();
        drop(archive);
        if input.stop.is_some() {
            stop = input.stop.take();
        } else if result.is_err() || !any {
            if any {
                messages.push_str("tar: Unexpected EOF in archive\n");
            } else {
                messages.push_str("tar: This does not look like a tar archive\n");
            }
            failed = true;
        }
    }
    if let Some(stop) = stop {
        return Err(stop);
    }
    cx.out(listing.as_bytes())?;
    if failed {
        messages.push_str("tar: Exiting with failure status due to previous errors\n");
    }
    cx.err(messages.as_bytes())?;
    Ok(if failed { 2 } else { 0 })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testing::{TestHost, run_on, sh};

    #[test]
    fn create_then_extract_round_trips_files_and_directories() {
        let host = TestHost::default();
        sh(
            &host,
            "mkdir -p /data/sub && echo one > /data/a && printf two > /data/sub/b",
            "",
        );
        let (status, archive, err) = run_on(&host, &["tar", "cf", "-", "/data"], b"");
        assert_eq!(status, 0, "{err}");
        assert_eq!(err, "tar: Removing leading `/' from member names\n");
        let (status, listing, _) = run_on(&host, &["tar", "tf", "-"], &archive);
        assert_eq!(status, 0);
        assert_eq!(
            String::from_utf8(listing).unwrap(),
            "data/\ndata/a\ndata/sub/\ndata/sub/b\n"
        );

        let other = TestHost::default();
        sh(&other, "mkdir /restore", "");
        let argv = [
            "tar",
            "--no-same-permissions",
            "--no-same-owner",
            "-xmf",
            "-",
            "-C",
            "/restore",
        ];
        let (status, _, err) = run_on(&other, &argv, &archive);
        assert_eq!(status, 0, "{err}");
        assert_eq!(
            sh(&other, "cat /restore/data/a /restore/data/sub/b", "").1,
            "one\ntwo"
        );
    }

    #[test]
    fn errors_are_gnu_tar_s() {
        let host = TestHost::default();
        let (status, out, err) = run_on(&host, &["tar", "cf", "-", "/missing"], b"");
        assert_eq!(status, 2);
        assert!(!out.is_empty(), "an (empty) archive is still written");
        assert!(
            err.contains("tar: /missing: Cannot stat: No such file or directory\n"),
            "{err}"
        );
        assert!(err.ends_with("tar: Exiting with failure status due to previous errors\n"));
        let (status, _, err) = run_on(&host, &["tar", "xf", "-"], b"not a tar archive at all");
        assert_eq!(status, 2);
        assert!(
            err.starts_with("tar: This does not look like a tar archive\n"),
            "{err}"
        );
        let (status, _, err) = run_on(&host, &["tar", "xzf", "-"], b"");
        assert_eq!(status, 2);
        assert!(err.contains("compression"));
    }

    #[test]
    fn members_with_dot_dot_are_refused() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        // set_path refuses `..`, so write the name bytes directly.
        h.as_old_mut().name[..9].copy_from_slice(b"../escape");
        h.set_cksum();
        builder.append(&h, &b"x"[..]).unwrap();
        let archive = builder.into_inner().unwrap();
        let host = TestHost::default();
        let (status, _, err) = run_on(&host, &["tar", "xf", "-", "-C", "/tmp"], &archive);
        assert_eq!(status, 2);
        assert!(err.contains("Member name contains '..'"), "{err}");
        assert_eq!(host.fs.lock().unwrap().stat("/escape"), None);
    }
}
