//! `DiskCacheClient`: discovery cached in files, in kubectl's layout, so that short-lived programs
//! (and kubectl itself) share it (client-go's `discovery/cached/disk`).
//!
//! Under the server's directory (see [`crate::cache_dir_for_host`]) the groups are in
//! `servergroups.json` and each group/version's resources in `<group>/<version>/serverresources.json`
//! (`v1/serverresources.json` for the core group). A file is used while its modification time
//! plus the TTL is in the future. Directories are created `0750` and files `0660`, each written to
//! a temporary file and renamed into place. Failing to write the cache is logged, never an error.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use kclient_apimachinery::GroupVersion;
use kclient_config::Config;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::dir::{cache_dir_for_host, default_discovery_cache_root};
use crate::cache::memory::MemCacheClient;
use crate::client::DiscoveryClient;
use crate::error::Error;
use crate::interface::{CachedDiscovery, Discovery, GroupsAndMaybeResources};
use crate::types::{ApiGroupList, ApiResourceList, VersionInfo};

/// How long cached files are used: kubectl's 6 hours.
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// The name of the groups file.
const SERVER_GROUPS: &str = "servergroups.json";
/// The name of each group/version's resources file.
const SERVER_RESOURCES: &str = "serverresources.json";

/// The time source used to decide whether a file has expired.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// A [`Discovery`] that keeps its delegate's answers in files.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use kclient_discovery::{Discovery, DiskCacheClient};
///
/// // ~/.kube/cache/discovery/<host_port>/, shared with kubectl, valid for 6 hours.
/// let cached = DiskCacheClient::for_config(&kclient_config::Config::infer()?)?;
/// let groups = cached.server_groups().await?;
/// # let _ = groups; Ok(()) }
/// ```
pub struct DiskCacheClient<D> {
    delegate: D,
    dir: PathBuf,
    ttl: Duration,
    clock: Clock,
    state: Mutex<State>,
}

impl<D: std::fmt::Debug> std::fmt::Debug for DiskCacheClient<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskCacheClient")
            .field("delegate", &self.delegate)
            .field("dir", &self.dir)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct State {
    /// After `invalidate`, files not written by this client are ignored.
    invalidated: bool,
    /// Files this client wrote.
    ours: HashSet<PathBuf>,
    /// Whether every file read so far was written by this client.
    fresh: bool,
}

impl DiskCacheClient<MemCacheClient<DiscoveryClient>> {
    /// kubectl's setup: files under `~/.kube/cache/discovery/<host_port>/` (or under
    /// `$KUBECACHEDIR/discovery/`) in front of an in-memory cache of a live client, with the
    /// 6-hour TTL.
    pub fn for_config(config: &Config) -> Result<Self, Error> {
        let root = default_discovery_cache_root().ok_or_else(|| Error::Cache {
            action: "locate the cache directory (set HOME or KUBECACHEDIR) for",
            path: PathBuf::from("~/.kube/cache/discovery"),
            source: Arc::new(std::io::Error::from(std::io::ErrorKind::NotFound)),
        })?;
        Self::for_config_in(config, &root)
    }

    /// Like [`DiskCacheClient::for_config`] with another cache root (kubectl's `--cache-dir`
    /// plus `/discovery`); the server's directory is made under it.
    pub fn for_config_in(config: &Config, root: &Path) -> Result<Self, Error> {
        let live = DiscoveryClient::for_config(config)?;
        Ok(Self::new(
            MemCacheClient::new(live),
            cache_dir_for_host(root, &config.host),
            DEFAULT_TTL,
        ))
    }
}

impl<D: CachedDiscovery> DiskCacheClient<D> {
    /// Caches `delegate`'s answers in `dir` (the server's own directory) for `ttl`.
    pub fn new(delegate: D, dir: impl Into<PathBuf>, ttl: Duration) -> Self {
        Self {
            delegate,
            dir: dir.into(),
            ttl,
            clock: Arc::new(SystemTime::now),
            state: Mutex::new(State {
                invalidated: false,
                ours: HashSet::new(),
                fresh: true,
            }),
        }
    }

    /// The same cache with another time source (for tests of expiry).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The directory of this server's files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How long files are used.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The client asked on a miss.
    pub fn delegate(&self) -> &D {
        &self.delegate
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn groups_file(&self) -> PathBuf {
        self.dir.join(SERVER_GROUPS)
    }

    fn resources_file(&self, gv: &GroupVersion) -> PathBuf {
        let mut path = self.dir.clone();
        if !gv.group.is_empty() {
            path.push(&gv.group);
        }
        path.push(&gv.version);
        path.push(SERVER_RESOURCES);
        path
    }

    /// The decoded file, if it exists, has not expired, may be used after an invalidation, and
    /// decodes. Any problem is a miss.
    async fn read<T: DeserializeOwned + Send + 'static>(&self, path: &Path) -> Option<T> {
        let ours = {
            let state = self.state();
            let ours = state.ours.contains(path);
            if state.invalidated && !ours {
                return None;
            }
            ours
        };
        let now = (self.clock)();
        let ttl = self.ttl;
        let owned = path.to_path_buf();
        let read = tokio::task::spawn_blocking(move || read_if_valid(&owned, now, ttl)).await;
        let bytes = match read {
            Ok(Ok(Some(bytes))) => bytes,
            Ok(Ok(None)) => return None,
            Ok(Err(e)) => {
                tracing::debug!(path = %path.display(), error = %e, "discovery cache miss");
                return None;
            }
            Err(e) => {
                tracing::debug!(error = %e, "discovery cache read task failed");
                return None;
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(value) => {
                let mut state = self.state();
                state.fresh = state.fresh && ours;
                tracing::trace!(path = %path.display(), "discovery from the disk cache");
                Some(value)
            }
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "undecodable discovery cache file");
                None
            }
        }
    }

    /// Writes `value` to `path`; failures are logged.
    async fn write<T: Serialize>(&self, path: &Path, value: &T) {
        let bytes = match serde_json::to_vec(value) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot encode discovery for the cache");
                return;
            }
        };
        let owned = path.to_path_buf();
        let result = tokio::task::spawn_blocking(move || write_atomically(&owned, &bytes)).await;
        match result {
            Ok(Ok(())) => {
                self.state().ours.insert(path.to_path_buf());
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot write the discovery cache"),
            Err(e) => tracing::warn!(error = %e, "discovery cache write task failed"),
        }
    }
}

/// The file's bytes if its mtime + ttl is not before `now`.
fn read_if_valid(path: &Path, now: SystemTime, ttl: Duration) -> Result<Option<Vec<u8>>, Error> {
    let io = |action| {
        move |source| Error::Cache {
            action,
            path: path.to_path_buf(),
            source: Arc::new(source),
        }
    };
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("inspect")(e)),
    };
    let modified = metadata
        .modified()
        .map_err(io("read the modification time of"))?;
    if modified.checked_add(ttl).is_some_and(|expiry| now > expiry) {
        return Ok(None);
    }
    std::fs::read(path).map(Some).map_err(io("read"))
}

/// Writes `bytes` to a temporary file next to `path` and renames it into place, creating the
/// directories (`0750`) and giving the file mode `0660`, as client-go does.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |action, p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Cache {
            action,
            path: p,
            source: Arc::new(source),
        }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o750);
    builder.create(dir).map_err(io("create directory", dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!("{name}.{}", fastrand::u64(..)));
    std::fs::write(&temp, bytes).map_err(io("write", &temp))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o660))
            .map_err(io("set the permissions of", &temp))?;
    }
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io("rename a temporary file to", path)(e)
    })
}

impl<D: CachedDiscovery> Discovery for DiskCacheClient<D> {
    async fn groups_and_maybe_resources(&self) -> Result<GroupsAndMaybeResources, Error> {
        let file = self.groups_file();
        if let Some(groups) = self.read::<ApiGroupList>(&file).await {
            return Ok(GroupsAndMaybeResources {
                groups,
                ..GroupsAndMaybeResources::default()
            });
        }
        let mut found = self.delegate.groups_and_maybe_resources().await?;
        found.groups.kind = "APIGroupList".into();
        found.groups.api_version = "v1".into();
        self.write(&file, &found.groups).await;
        if let Some(resources) = &mut found.resources {
            for (gv, list) in resources.iter_mut() {
                list.kind = "APIResourceList".into();
                list.api_version = "v1".into();
                self.write(&self.resources_file(gv), list).await;
            }
        }
        Ok(found)
    }

    async fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> Result<ApiResourceList, Error> {
        let file = self.resources_file(gv);
        if let Some(list) = self.read::<ApiResourceList>(&file).await {
            return Ok(list);
        }
        let mut list = self.delegate.server_resources_for_group_version(gv).await?;
        if !list.resources.is_empty() {
            list.kind = "APIResourceList".into();
            list.api_version = "v1".into();
            self.write(&file, &list).await;
        }
        Ok(list)
    }

    async fn server_version(&self) -> Result<VersionInfo, Error> {
        self.delegate.server_version().await
    }
}

impl<D: CachedDiscovery> CachedDiscovery for DiskCacheClient<D> {
    /// Whether every file used so far was written by this client (none was left from earlier).
    fn fresh(&self) -> bool {
        self.state().fresh
    }

    /// Ignores every file not written by this client from now on, and invalidates the delegate.
    fn invalidate(&self) {
        {
            let mut state = self.state();
            state.invalidated = true;
            state.ours.clear();
            state.fresh = true;
        }
        self.delegate.invalidate();
    }
}
