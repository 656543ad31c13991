//! A container's file system, in memory: directories and regular files (no symlinks, owners
//! or permissions beyond a mode that is kept but not enforced), read-only subtrees for
//! ConfigMap and Secret volumes, and a size bound. Paths are absolute and normalised by
//! [`resolve`]. Pure logic; what the shell sees of it.

use std::collections::BTreeMap;

/// The most file bytes one container's file system holds (64 MiB).
pub const FS_CAPACITY: usize = 64 << 20;

/// Why a file system operation failed, worded as the C library's `strerror`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsError {
    /// ENOENT.
    NotFound,
    /// ENOTDIR.
    NotADirectory,
    /// EISDIR.
    IsADirectory,
    /// EEXIST.
    Exists,
    /// EROFS.
    ReadOnly,
    /// ENOSPC.
    NoSpace,
}

impl std::fmt::Display for FsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FsError::NotFound => "No such file or directory",
            FsError::NotADirectory => "Not a directory",
            FsError::IsADirectory => "Is a directory",
            FsError::Exists => "File exists",
            FsError::ReadOnly => "Read-only file system",
            FsError::NoSpace => "No space left on device",
        })
    }
}

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file of this many bytes.
    File(usize),
    /// A directory.
    Dir,
}

#[derive(Debug, Clone)]
enum Node {
    File {
        data: Vec<u8>,
        mode: u32,
    },
    Dir {
        entries: BTreeMap<String, Node>,
        read_only: bool,
    },
}

impl Node {
    fn dir(read_only: bool) -> Self {
        Node::Dir {
            entries: BTreeMap::new(),
            read_only,
        }
    }
}

/// The file system.
#[derive(Debug, Clone)]
pub struct Fs {
    root: Node,
    used: usize,
    capacity: usize,
}

/// Makes `path` absolute against `cwd` and removes `.`, `..` and repeated slashes.
pub fn resolve(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|p| !p.is_empty()).collect()
}

impl Default for Fs {
    fn default() -> Self {
        Self::new(FS_CAPACITY)
    }
}

impl Fs {
    /// A file system with `/`, `/bin`, `/dev`, `/etc`, `/home`, `/proc`, `/root`, `/tmp`,
    /// `/usr/bin` and `/var`, holding at most `capacity` file bytes.
    pub fn new(capacity: usize) -> Self {
        let mut fs = Self {
            root: Node::dir(false),
            used: 0,
            capacity,
        };
        for d in [
            "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/tmp", "/usr/bin", "/var",
        ] {
            let _ = fs.mkdir(d, true);
        }
        fs
    }

    fn node(&self, path: &str) -> Result<&Node, FsError> {
        let mut node = &self.root;
        for c in components(path) {
            node = match node {
                Node::Dir { entries, .. } => entries.get(c).ok_or(FsError::NotFound)?,
                Node::File { .. } => return Err(FsError::NotADirectory),
            };
        }
        Ok(node)
    }

    /// The directory holding `path`'s last component, and that component; fails for `/`, a
    /// missing parent, or a read-only one.
    fn parent_mut(&mut self, path: &str) -> Result<(&mut BTreeMap<String, Node>, String), FsError> {
        let parts = components(path);
        let Some((last, dirs)) = parts.split_last() else {
            return Err(FsError::Exists);
        };
        let mut node = &mut self.root;
        let mut ro = false;
        for c in dirs {
            node = match node {
                Node::Dir {
                    entries, read_only, ..
                } => {
                    ro |= *read_only;
                    entries.get_mut(*c).ok_or(FsError::NotFound)?
                }
                Node::File { .. } => return Err(FsError::NotADirectory),
            };
        }
        match node {
            Node::Dir {
                entries, read_only, ..
            } => {
                if ro || *read_only {
                    return Err(FsError::ReadOnly);
                }
                Ok((entries, (*last).to_string()))
            }
            Node::File { .. } => Err(FsError::NotADirectory),
        }
    }

    /// What `path` is, if anything.
    pub fn stat(&self, path: &str) -> Option<Kind> {
        match self.node(path).ok()? {
            Node::File { data, .. } => Some(Kind::File(data.len())),
            Node::Dir { .. } => Some(Kind::Dir),
        }
    }

    /// The mode of a file (0644 by default) or directory (0755).
    pub fn mode(&self, path: &str) -> u32 {
        match self.node(path) {
            Ok(Node::File { mode, .. }) => *mode,
            _ => 0o755,
        }
    }

    /// A file's contents.
    pub fn read(&self, path: &str) -> Result<&[u8], FsError> {
        match self.node(path)? {
            Node::File { data, .. } => Ok(data),
            Node::Dir { .. } => Err(FsError::IsADirectory),
        }
    }

    /// Writes (or, with `append`, appends to) a regular file, creating it with mode 0644.
    pub fn write(&mut self, path: &str, bytes: &[u8], append: bool) -> Result<(), FsError> {
        let (used, capacity) = (self.used, self.capacity);
        let (entries, name) = self.parent_mut(path)?;
        let old = match entries.get(&name) {
            Some(Node::Dir { .. }) => return Err(FsError::IsADirectory),
            Some(Node::File { data, .. }) => data.len(),
            None => 0,
        };
        let new_len = if append {
            old + bytes.len()
        } else {
            bytes.len()
        };
        if used - old + new_len > capacity {
            return Err(FsError::NoSpace);
        }
        let node = entries.entry(name).or_insert(Node::File {
            data: Vec::new(),
            mode: 0o644,
        });
        if let Node::File { data, .. } = node {
            if !append {
                data.clear();
            }
            data.extend_from_slice(bytes);
        }
        self.used = used - old + new_len;
        Ok(())
    }

    /// Sets a file's mode (directories keep 0755).
    pub fn set_mode(&mut self, path: &str, new_mode: u32) -> Result<(), FsError> {
        let (entries, name) = self.parent_mut(path)?;
        match entries.get_mut(&name) {
            Some(Node::File { mode, .. }) => {
                *mode = new_mode & 0o7777;
                Ok(())
            }
            Some(Node::Dir { .. }) => Ok(()),
            None => Err(FsError::NotFound),
        }
    }

    /// Creates a directory; with `parents`, also the missing ones above it and no error when it
    /// exists (`mkdir -p`).
    pub fn mkdir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        if parents {
            let parts = components(path);
            for i in 1..=parts.len() {
                let sub = format!("/{}", parts[..i].join("/"));
                match self.stat(&sub) {
                    Some(Kind::Dir) => {}
                    Some(Kind::File(_)) => return Err(FsError::NotADirectory),
                    None => self.mkdir(&sub, false)?,
                }
            }
            return Ok(());
        }
        let (entries, name) = self.parent_mut(path)?;
        if entries.contains_key(&name) {
            return Err(FsError::Exists);
        }
        entries.insert(name, Node::dir(false));
        Ok(())
    }

    /// Removes a file, or with `recursive` a directory and everything in it (`rm -r`); an
    /// empty directory without `recursive` is refused as `rm` does ([`FsError::IsADirectory`]).
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        let (entries, name) = self.parent_mut(path)?;
        match entries.get(&name) {
            None => return Err(FsError::NotFound),
            Some(Node::Dir {
                read_only: true, ..
            }) => return Err(FsError::ReadOnly),
            Some(Node::Dir { .. }) if !recursive => return Err(FsError::IsADirectory),
            _ => {}
        }
        let freed = entries.remove(&name).map_or(0, |n| size(&n));
        self.used -= freed;
        Ok(())
    }

    /// The names in a directory, sorted, each with what it is.
    pub fn list(&self, path: &str) -> Result<Vec<(String, Kind)>, FsError> {
        match self.node(path)? {
            Node::File { .. } => Err(FsError::NotADirectory),
            Node::Dir { entries, .. } => Ok(entries
                .iter()
                .map(|(n, node)| {
                    let kind = match node {
                        Node::File { data, .. } => Kind::File(data.len()),
                        Node::Dir { .. } => Kind::Dir,
                    };
                    (n.clone(), kind)
                })
                .collect()),
        }
    }

    /// Mounts a read-only directory at `path` with `files` (paths relative to it, as a
    /// ConfigMap or Secret volume's keys or `items[].path`), replacing what was there.
    pub fn mount(&mut self, path: &str, files: &[(String, Vec<u8>)], mode: u32) {
        if self.mkdir(path, true).is_err() {
            return;
        }
        for (name, data) in files {
            let full = resolve(path, name);
            if !full.starts_with(path) {
                continue;
            }
            if let Some((dir, _)) = full.rsplit_once('/') {
                let _ = self.mkdir(dir, true);
            }
            let _ = self.write(&full, data, false);
            let _ = self.set_mode(&full, mode);
        }
        if let Ok((entries, name)) = self.parent_mut(path)
            && let Some(Node::Dir { read_only, .. }) = entries.get_mut(&name)
        {
            *read_only = true;
        }
    }
}

fn size(node: &Node) -> usize {
    match node {
        Node::File { data, .. } => data.len(),
        Node::Dir { entries, .. } => entries.values().map(size).sum(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_the_working_directory() {
        assert_eq!(resolve("/tmp", "a/../b/./c"), "/tmp/b/c");
        assert_eq!(resolve("/tmp", "/x//y/"), "/x/y");
        assert_eq!(resolve("/", "../.."), "/");
    }

    #[test]
    fn files_and_directories() {
        let mut fs = Fs::new(100);
        assert_eq!(fs.stat("/tmp"), Some(Kind::Dir));
        fs.write("/tmp/a", b"hello", false).unwrap();
        fs.write("/tmp/a", b" world", true).unwrap();
        assert_eq!(fs.read("/tmp/a").unwrap(), b"hello world");
        assert_eq!(fs.write("/nope/a", b"", false), Err(FsError::NotFound));
        assert_eq!(
            fs.write("/tmp/a/b", b"", false),
            Err(FsError::NotADirectory)
        );
        assert_eq!(fs.read("/tmp"), Err(FsError::IsADirectory));
        fs.mkdir("/tmp/x/y/z", true).unwrap();
        assert_eq!(fs.mkdir("/tmp/x", false), Err(FsError::Exists));
        assert_eq!(fs.remove("/tmp/x", false), Err(FsError::IsADirectory));
        fs.write("/tmp/x/y/f", b"12345", false).unwrap();
        fs.remove("/tmp/x", true).unwrap();
        assert_eq!(fs.stat("/tmp/x"), None);
        let names: Vec<String> = fs.list("/tmp").unwrap().into_iter().map(|e| e.0).collect();
        assert_eq!(names, ["a"]);
    }

    #[test]
    fn the_size_bound_holds() {
        let mut fs = Fs::new(10);
        fs.write("/tmp/a", b"123456", false).unwrap();
        assert_eq!(fs.write("/tmp/b", b"123456", false), Err(FsError::NoSpace));
        fs.write("/tmp/a", b"1234567890", false).unwrap();
        fs.remove("/tmp/a", false).unwrap();
        fs.write("/tmp/b", b"123456", false).unwrap();
    }

    #[test]
    fn mounts_are_read_only() {
        let mut fs = Fs::default();
        fs.mount(
            "/etc/config",
            &[
                ("app.conf".into(), b"x=1".to_vec()),
                ("../escape".into(), b"no".to_vec()),
            ],
            0o644,
        );
        assert_eq!(fs.read("/etc/config/app.conf").unwrap(), b"x=1");
        assert_eq!(fs.stat("/etc/escape"), None);
        assert_eq!(
            fs.write("/etc/config/new", b"", false),
            Err(FsError::ReadOnly)
        );
        assert_eq!(fs.remove("/etc/config", true), Err(FsError::ReadOnly));
        assert_eq!(
            fs.remove("/etc/config/app.conf", false),
            Err(FsError::ReadOnly)
        );
    }
}
