//! The [`Reflector`]: keeps a [`DeltaFifo`](crate::delta_fifo) fed with the contents of one
//! collection on the server, through failures (client-go's `cache.Reflector`).
//!
//! It is an explicit state machine; each arrow is one match arm of `Reflector::step`:
//!
//! ```text
//!            +-------------------------------------------+
//!            |  410 / too-large RV on a list: list again |
//!            v  at once from a consistent read ("")      |
//!  start -> List ----------------------------------------+
//!            |  \ streaming list accepted
//!            |   v
//!            |  Watching{initial} -- ADDED..., BOOKMARK k8s.io/initial-events-end --> Replace --+
//!            | paginated list (limit 500, continue) -> Replace                                   |
//!            v                                                                                   v
//!          Watch --(watch from the last RV)--> Watching <----------------------------------------+
//!            ^                                   |  ADDED/MODIFIED/DELETED: push, RV = object's
//!            +-- the watch ended normally -------+  BOOKMARK: RV = bookmark's
//!                                                |
//!          Backoff --> List  <-------------------+  ERROR 410/Expired/Gone or other ERROR,
//!                 \--> Watch <-- connection refused, 429, 5xx when starting a watch
//! ```
//!
//! - The first list asks for resourceVersion `"0"` (any cached state), later lists for the last
//!   seen one, and after a 410 (or a too-large resourceVersion) on a list, for `""` (a consistent
//!   read). Lists at `"0"` or `""` are paginated (`limit` 500, `continue`); an expired continue
//!   token falls back to one unpaginated list, as client-go's pager does.
//! - Watches ask for bookmarks and a random `timeoutSeconds` between 5 and 10 minutes, and start
//!   from the last seen resourceVersion. A watch that ends normally is restarted at once from
//!   where it left off; nothing is listed again.
//! - Streaming lists (`sendInitialEvents=true`, `resourceVersionMatch=NotOlderThan`) are tried
//!   first in [`WatchListMode::Auto`]; a server that rejects them (400, 403, 405, 406, 415, 422)
//!   is remembered, and the reflector falls back to list + watch.
//! - Failures wait out an exponential backoff (800 ms doubling to 30 s, with up to 100 % jitter,
//!   starting over after 2 minutes without failures).

pub(crate) mod classify;
mod list;
#[cfg(test)]
mod tests;
mod watch;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use kclient_apimachinery::options::ListOptions;
use tokio::time::Instant;

use crate::backoff::{Backoff, BackoffConfig};
use crate::delta_fifo::FifoProducer;
use crate::listwatch::{ListerWatcher, WatchEventStream};
use crate::shutdown::ShutdownHandle;

/// The default page size of paginated lists (client-go's pager).
pub const DEFAULT_PAGE_SIZE: i64 = 500;
/// The shortest watch timeout; each watch asks for a random value between this and twice this.
pub const DEFAULT_MIN_WATCH_TIMEOUT: Duration = Duration::from_secs(300);

/// Whether to try streaming lists (`sendInitialEvents`, KEP-3157) before list + watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WatchListMode {
    /// Try a streaming list; fall back to list + watch if the server rejects it. The default,
    /// as client-go's `WatchListClient` feature (on since 1.35).
    #[default]
    Auto,
    /// Always list + watch.
    Disabled,
}

/// Options of a [`Reflector`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ReflectorOptions {
    /// Selectors applied to every list and watch (`label_selector`, `field_selector`,
    /// `shard_selector`); other fields are managed by the reflector and ignored.
    pub list_options: ListOptions,
    /// The page size of paginated lists. Default [`DEFAULT_PAGE_SIZE`].
    pub page_size: i64,
    /// The backoff between failed attempts. Default: client-go's reflector backoff.
    pub backoff: BackoffConfig,
    /// The shortest watch timeout (the server ends each watch after a random time between this
    /// and twice this). Default [`DEFAULT_MIN_WATCH_TIMEOUT`].
    pub min_watch_timeout: Duration,
    /// Whether to try streaming lists. Default [`WatchListMode::Auto`].
    pub watch_list: WatchListMode,
}

impl Default for ReflectorOptions {
    fn default() -> Self {
        Self {
            list_options: ListOptions::default(),
            page_size: DEFAULT_PAGE_SIZE,
            backoff: BackoffConfig::default(),
            min_watch_timeout: DEFAULT_MIN_WATCH_TIMEOUT,
            watch_list: WatchListMode::default(),
        }
    }
}

/// What a reflector has done so far, readable while it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReflectorStats {
    /// The resourceVersion the cache is known to be at (client-go's
    /// `LastSyncResourceVersion`).
    pub last_sync_resource_version: String,
    /// Complete lists delivered (paginated lists and streaming lists).
    pub lists: u64,
    /// Watches started (including streaming lists).
    pub watches: u64,
    /// Attempts that failed and were retried after a backoff.
    pub failures: u64,
    /// Whether the server accepted a streaming list (`None`: not tried yet).
    pub watch_list_supported: Option<bool>,
}

/// A cheap handle that reads a running reflector's [`ReflectorStats`].
#[derive(Debug, Clone, Default)]
pub struct ReflectorHandle {
    stats: Arc<Mutex<ReflectorStats>>,
}

impl ReflectorHandle {
    /// A snapshot of the stats.
    pub fn stats(&self) -> ReflectorStats {
        self.stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The last resourceVersion the cache is known to be at.
    pub fn last_sync_resource_version(&self) -> String {
        self.stats().last_sync_resource_version
    }

    fn update(&self, f: impl FnOnce(&mut ReflectorStats)) {
        f(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Where to go after a backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    List,
    Watch,
}

/// An open watch (or streaming list).
struct ActiveWatch<T> {
    stream: WatchEventStream<T>,
    started: Instant,
    events: u64,
    /// While a streaming list delivers its initial objects: what it delivered so far.
    initial: Option<BTreeMap<String, Arc<T>>>,
}

/// The reflector's states; see the module docs for the transitions.
enum State<T> {
    /// A complete (re)list is needed.
    List,
    /// The cache is current as of `last_sync_rv`; start a watch from there.
    Watch,
    /// A watch is open.
    Watching(Box<ActiveWatch<T>>),
    /// Wait out the backoff, then go on.
    Backoff(Next),
    /// The queue's consumer is gone; nothing more to do.
    Stopped,
}

/// Lists and watches one collection through a [`ListerWatcher`] and pushes what it learns into a
/// [`FifoProducer`], until shut down or until the queue's consumer goes away.
pub struct Reflector<T> {
    lw: Arc<dyn ListerWatcher<T>>,
    sink: FifoProducer<T>,
    options: ReflectorOptions,
    backoff: Backoff,
    rng: fastrand::Rng,
    last_sync_rv: String,
    rv_unavailable: bool,
    watch_list_rejected: bool,
    handle: ReflectorHandle,
    transform: Option<TransformFunc<T>>,
}

/// A function applied to every object before it is stored or handed to handlers (client-go's
/// `cache.TransformFunc`, set with `SetTransform`): strip what the program does not need, such
/// as `managedFields`, to save memory. It must keep the name, namespace and resourceVersion.
pub type TransformFunc<T> = Arc<dyn Fn(T) -> T + Send + Sync>;

impl<T: 'static> std::fmt::Debug for Reflector<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reflector")
            .field("resource", &self.lw.describe())
            .field("last_sync_rv", &self.last_sync_rv)
            .finish_non_exhaustive()
    }
}

impl<T: crate::CacheObject> Reflector<T> {
    /// A reflector from `lw` into `sink`.
    pub fn new(
        lw: Arc<dyn ListerWatcher<T>>,
        sink: FifoProducer<T>,
        options: ReflectorOptions,
    ) -> Self {
        Self {
            backoff: Backoff::new(options.backoff.clone()),
            lw,
            sink,
            options,
            rng: fastrand::Rng::new(),
            last_sync_rv: String::new(),
            rv_unavailable: false,
            watch_list_rejected: false,
            handle: ReflectorHandle::default(),
            transform: None,
        }
    }

    /// Applies `transform` to every listed or watched object before it is queued.
    #[must_use]
    pub fn with_transform(mut self, transform: Option<TransformFunc<T>>) -> Self {
        self.transform = transform;
        self
    }

    /// The object as it is queued: transformed, shared.
    fn wrap(&self, object: T) -> Arc<T> {
        match &self.transform {
            Some(transform) => Arc::new(transform(object)),
            None => Arc::new(object),
        }
    }

    /// A handle to read the reflector's progress while it runs.
    pub fn handle(&self) -> ReflectorHandle {
        self.handle.clone()
    }

    /// Runs until `shutdown` is triggered or the queue's consumer is gone.
    pub async fn run(mut self, shutdown: ShutdownHandle) {
        let mut state = State::List;
        loop {
            state = tokio::select! {
                biased;
                _ = shutdown.cancelled() => return,
                next = self.step(state) => next,
            };
            if matches!(state, State::Stopped) {
                return;
            }
        }
    }

    /// One transition of the state machine.
    async fn step(&mut self, state: State<T>) -> State<T> {
        match state {
            State::List => self.list().await,
            State::Watch => self.start_watch().await,
            State::Watching(w) => self.next_event(w).await,
            State::Backoff(next) => {
                self.handle.update(|s| s.failures += 1);
                let delay = self.backoff.next_delay(Instant::now());
                tracing::debug!(resource = %self.lw.describe(), ?delay, "backing off");
                tokio::time::sleep(delay).await;
                match next {
                    Next::List => State::List,
                    Next::Watch => State::Watch,
                }
            }
            State::Stopped => State::Stopped,
        }
    }

    /// The selectors of every request, with everything else at its default.
    fn base_options(&self) -> ListOptions {
        let base = &self.options.list_options;
        ListOptions {
            label_selector: base.label_selector.clone(),
            field_selector: base.field_selector.clone(),
            shard_selector: base.shard_selector.clone(),
            ..ListOptions::default()
        }
    }

    fn set_rv(&mut self, rv: String) {
        if rv.is_empty() {
            return;
        }
        self.handle
            .update(|s| s.last_sync_resource_version.clone_from(&rv));
        self.last_sync_rv = rv;
    }

    fn watch_timeout(&mut self) -> i64 {
        crate::backoff::random_watch_timeout(self.options.min_watch_timeout, &mut self.rng)
    }
}
