//! [`RetryWatcher`]: client-go's `watch.RetryWatcher`.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream, StreamExt};
use kclient_apimachinery::options::ListOptions;
use kclient_apimachinery::{Status, WatchEvent};
use tokio::time::Instant;

use crate::backoff::{Backoff, BackoffConfig};
use crate::listwatch::{ListerWatcher, WatchEventStream};
use crate::reflector::classify;
use crate::{CacheObject, Error};

/// A watch that resumes across closed connections (client-go's `RetryWatcher`).
///
/// It starts watching from a resourceVersion the caller already has (the one of a list, or of
/// an object), forwards every ADDED, MODIFIED, DELETED and BOOKMARK event, and remembers the
/// resourceVersion of each. When the connection closes or the server ends the watch, it starts
/// a new one from that version — after a backoff if the previous one failed or brought nothing
/// — so no event is delivered twice or lost.
///
/// A resourceVersion the server no longer has (410 Gone / `Expired`, on starting a watch or as
/// an ERROR event) ends the stream with an [`Error::WatchError`] whose
/// [`is_gone`](Error::is_gone) is true: the caller has to list again and start over. Other
/// failures are retried.
///
/// ```no_run
/// # async fn run(client: kclient_rest::RestClient, rv: String) -> Result<(), kclient_cache::Error> {
/// use futures_util::StreamExt;
/// use kclient_apimachinery::{ApiResource, GroupVersionKind};
/// use kclient_cache::RestListWatch;
/// use kclient_cache::watch_tools::RetryWatcher;
///
/// let cms = ApiResource::new(&GroupVersionKind::new("", "v1", "ConfigMap"), "configmaps", true);
/// let mut events = RetryWatcher::new(&rv, RestListWatch::dynamic(client, cms))?;
/// while let Some(event) = events.next().await {
///     match event {
///         Ok(event) => println!("{:?}", event.event_type()),
///         Err(e) if e.is_gone() => break, // relist, then watch again from the list's version
///         Err(e) => return Err(e),
///     }
/// }
/// # Ok(()) }
/// ```
pub struct RetryWatcher<T> {
    inner: Pin<Box<dyn Stream<Item = Result<WatchEvent<T>, Error>> + Send>>,
    last: Arc<std::sync::Mutex<String>>,
}

impl<T> std::fmt::Debug for RetryWatcher<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryWatcher")
            .field("last_resource_version", &self.last_resource_version())
            .finish_non_exhaustive()
    }
}

struct State<T> {
    lw: Arc<dyn ListerWatcher<T>>,
    options: ListOptions,
    last_rv: String,
    shared_rv: Arc<std::sync::Mutex<String>>,
    current: Option<(WatchEventStream<T>, u64)>,
    backoff: Backoff,
    done: bool,
}

/// What one step of the state machine produced.
enum Step<T> {
    Emit(Result<WatchEvent<T>, Error>),
    Continue,
}

impl<T> RetryWatcher<T> {
    /// The resourceVersion of the last event delivered (where the next watch will start).
    pub fn last_resource_version(&self) -> String {
        self.last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl<T: CacheObject> RetryWatcher<T> {
    /// Watches through `lw` from `initial_resource_version`, which must be a real version:
    /// `""` and `"0"` are refused, as in client-go (they do not say where a resumed watch would
    /// continue).
    pub fn new(initial_resource_version: &str, lw: impl ListerWatcher<T>) -> Result<Self, Error> {
        Self::with_options(
            initial_resource_version,
            Arc::new(lw),
            ListOptions::default(),
        )
    }

    /// Like [`RetryWatcher::new`], with selectors (`label_selector`, `field_selector`) from
    /// `options`; its other fields are managed by the watcher.
    pub fn with_options(
        initial_resource_version: &str,
        lw: Arc<dyn ListerWatcher<T>>,
        options: ListOptions,
    ) -> Result<Self, Error> {
        if initial_resource_version.is_empty() || initial_resource_version == "0" {
            return Err(Error::InvalidWatch {
                reason: format!(
                    "initial resourceVersion {initial_resource_version:?} is not supported: a \
                     RetryWatcher needs a version to resume from (list first)"
                ),
            });
        }
        let shared_rv = Arc::new(std::sync::Mutex::new(initial_resource_version.to_string()));
        let state = State {
            lw,
            options: ListOptions {
                label_selector: options.label_selector,
                field_selector: options.field_selector,
                shard_selector: options.shard_selector,
                ..ListOptions::default()
            },
            last_rv: initial_resource_version.to_string(),
            shared_rv: shared_rv.clone(),
            current: None,
            backoff: Backoff::new(BackoffConfig::default()),
            done: false,
        };
        let inner = futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if state.done {
                    return None;
                }
                match state.step().await {
                    Step::Emit(item) => return Some((item, state)),
                    Step::Continue => {}
                }
            }
        });
        Ok(Self {
            inner: Box::pin(inner),
            last: shared_rv,
        })
    }
}

impl<T: CacheObject> State<T> {
    fn describe(&self) -> String {
        self.lw.describe()
    }

    fn gone(&mut self, status: &Status) -> Step<T> {
        self.done = true;
        Step::Emit(Err(Error::WatchError {
            resource: self.describe(),
            code: status.code(),
            reason: status.reason().to_string(),
            message: status.message.clone().unwrap_or_default(),
        }))
    }

    fn wait(&mut self) -> BoxFuture<'static, ()> {
        let delay = self.backoff.next_delay(Instant::now());
        tokio::time::sleep(delay).boxed()
    }

    async fn step(&mut self) -> Step<T> {
        let Some((stream, events)) = self.current.as_mut() else {
            let opts = ListOptions {
                watch: true,
                allow_watch_bookmarks: true,
                resource_version: Some(self.last_rv.clone()),
                ..self.options.clone()
            };
            match self.lw.watch(&opts).await {
                Ok(stream) => self.current = Some((stream, 0)),
                Err(e) if classify::is_expired(&e) => {
                    self.done = true;
                    let status = e.status().cloned().unwrap_or_else(|| Status {
                        code: Some(410),
                        reason: Some("Expired".into()),
                        message: Some(e.to_string()),
                        ..Status::default()
                    });
                    return self.gone(&status);
                }
                Err(e) => {
                    tracing::debug!(resource = %self.describe(), error = %e, "watch failed; retrying");
                    self.wait().await;
                }
            }
            return Step::Continue;
        };
        match stream.next().await {
            Some(Ok(WatchEvent::Error(status))) => {
                if classify::status_is_expired(&status) {
                    return self.gone(&status);
                }
                tracing::debug!(resource = %self.describe(), code = status.code(),
                    "the watch reported an error; resuming");
                self.current = None;
                self.wait().await;
                Step::Continue
            }
            Some(Ok(event)) => {
                *events += 1;
                let rv = match &event {
                    WatchEvent::Added(o)
                    | WatchEvent::Modified(o)
                    | WatchEvent::Deleted(o)
                    | WatchEvent::Bookmark(o) => o.resource_version().unwrap_or("").to_string(),
                    WatchEvent::Error(_) => String::new(),
                };
                if rv.is_empty() {
                    // Resuming would be impossible: stop, as client-go does.
                    self.done = true;
                    return Step::Emit(Err(Error::InvalidWatch {
                        reason: format!(
                            "a {:?} event of {} has no resourceVersion",
                            event.event_type(),
                            self.describe()
                        ),
                    }));
                }
                self.last_rv.clone_from(&rv);
                *self
                    .shared_rv
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = rv;
                Step::Emit(Ok(event))
            }
            end => {
                let events = *events;
                if let Some(Err(e)) = end {
                    tracing::debug!(resource = %self.describe(), error = %e, "watch broke; resuming");
                }
                self.current = None;
                if events == 0 {
                    // Ended without a single event: do not hammer the server.
                    self.wait().await;
                } else {
                    self.backoff.reset();
                }
                Step::Continue
            }
        }
    }
}

impl<T> Stream for RetryWatcher<T> {
    type Item = Result<WatchEvent<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}
