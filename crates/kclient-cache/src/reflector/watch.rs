//! The `Watch` and `Watching` states: start a watch from the last seen resourceVersion, and
//! handle each event it brings.

use futures_util::StreamExt;
use kclient_apimachinery::WatchEvent;

use super::classify::{
    is_expired, is_initial_events_end, is_transient, status_is_expired, status_is_too_large_rv,
};
use super::{ActiveWatch, Next, Reflector, State};
use crate::CacheObject;
use crate::delta_fifo::FifoEntry;
use crate::object::object_key;

/// A watch that ends this soon with no events is treated as a failure (client-go's
/// `VeryShortWatchError`).
const VERY_SHORT_WATCH: std::time::Duration = std::time::Duration::from_secs(1);

impl<T: CacheObject> Reflector<T> {
    /// `Watch`: start a watch from the last seen resourceVersion.
    pub(super) async fn start_watch(&mut self) -> State<T> {
        let mut opts = self.base_options();
        opts.watch = true;
        opts.allow_watch_bookmarks = true;
        opts.resource_version = Some(self.last_sync_rv.clone());
        opts.timeout_seconds = Some(self.watch_timeout());
        match self.lw.watch(&opts).await {
            Ok(stream) => {
                self.handle.update(|s| s.watches += 1);
                State::Watching(Box::new(ActiveWatch {
                    stream,
                    started: tokio::time::Instant::now(),
                    events: 0,
                    initial: None,
                }))
            }
            Err(e) if is_expired(&e) => {
                tracing::debug!(resource = %self.lw.describe(), error = %e,
                    "watch refused with an expired resourceVersion; relisting");
                State::Backoff(Next::List)
            }
            Err(e) if is_transient(&e) => {
                tracing::warn!(resource = %self.lw.describe(), error = %e,
                    "watch failed; retrying");
                State::Backoff(Next::Watch)
            }
            Err(e) => {
                tracing::warn!(resource = %self.lw.describe(), error = %e,
                    "watch failed; relisting");
                State::Backoff(Next::List)
            }
        }
    }

    /// `Watching`: handle the next event, or the end of the stream.
    pub(super) async fn next_event(&mut self, mut w: Box<ActiveWatch<T>>) -> State<T> {
        match w.stream.next().await {
            Some(Ok(event)) => {
                w.events += 1;
                self.on_event(w, event).await
            }
            Some(Err(e)) => {
                tracing::debug!(resource = %self.lw.describe(), error = %e, "watch broke");
                self.watch_ended(&w)
            }
            None => self.watch_ended(&w),
        }
    }

    fn watch_ended(&self, w: &ActiveWatch<T>) -> State<T> {
        if w.initial.is_some() {
            tracing::warn!(resource = %self.lw.describe(),
                "a streaming list ended before its initial events were complete");
            return State::Backoff(Next::List);
        }
        if w.events == 0 && w.started.elapsed() < VERY_SHORT_WATCH {
            tracing::warn!(resource = %self.lw.describe(),
                "very short watch: it ended at once without any event");
            return State::Backoff(Next::List);
        }
        State::Watch
    }

    async fn on_event(&mut self, mut w: Box<ActiveWatch<T>>, event: WatchEvent<T>) -> State<T> {
        let entry = match event {
            WatchEvent::Added(o) => FifoEntry::Added(self.wrap(o)),
            WatchEvent::Modified(o) => FifoEntry::Modified(self.wrap(o)),
            WatchEvent::Deleted(o) => FifoEntry::Deleted(self.wrap(o)),
            WatchEvent::Bookmark(o) => return self.on_bookmark(w, &o).await,
            WatchEvent::Error(status) => {
                if status_is_expired(&status) || status_is_too_large_rv(&status) {
                    if w.initial.is_some() {
                        // Resuming a streaming list failed: the next one starts from "".
                        self.rv_unavailable = true;
                    }
                    tracing::debug!(resource = %self.lw.describe(),
                        message = status.message.as_deref().unwrap_or(""),
                        "watch expired; relisting");
                } else {
                    tracing::warn!(resource = %self.lw.describe(),
                        message = status.message.as_deref().unwrap_or(""),
                        code = status.code(), "the watch reported an error; relisting");
                }
                return State::Backoff(Next::List);
            }
        };
        if let Some(initial) = w.initial.as_mut() {
            // Initial events are not ordered by resourceVersion: collect them, do not advance.
            match entry {
                FifoEntry::Deleted(obj) => {
                    initial.remove(&object_key(obj.as_ref()));
                }
                FifoEntry::Added(obj) | FifoEntry::Modified(obj) => {
                    initial.insert(object_key(obj.as_ref()), obj);
                }
                FifoEntry::Replace { .. } | FifoEntry::Resync => {}
            }
            return State::Watching(w);
        }
        let rv = match &entry {
            FifoEntry::Added(o) | FifoEntry::Modified(o) | FifoEntry::Deleted(o) => {
                o.resource_version().unwrap_or("").to_string()
            }
            FifoEntry::Replace { .. } | FifoEntry::Resync => String::new(),
        };
        if self.sink.push(entry).await.is_err() {
            return State::Stopped;
        }
        self.set_rv(rv);
        State::Watching(w)
    }

    async fn on_bookmark(&mut self, mut w: Box<ActiveWatch<T>>, bookmark: &T) -> State<T> {
        let rv = bookmark.resource_version().unwrap_or("").to_string();
        match w.initial.take() {
            Some(initial) if is_initial_events_end(bookmark) => {
                let entry = FifoEntry::Replace {
                    objects: initial.into_values().collect(),
                    resource_version: rv.clone(),
                };
                if self.sink.push(entry).await.is_err() {
                    return State::Stopped;
                }
                self.rv_unavailable = false;
                self.set_rv(rv);
                self.handle.update(|s| {
                    s.lists += 1;
                    s.watch_list_supported = Some(true);
                });
            }
            // A progress bookmark in the middle of the initial events: keep collecting.
            Some(initial) => w.initial = Some(initial),
            None => self.set_rv(rv),
        }
        State::Watching(w)
    }
}
