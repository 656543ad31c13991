//! The `List` state: a streaming list when the server does them, else a paginated list.

use std::sync::Arc;

use kclient_apimachinery::options::{ListOptions, ResourceVersionMatch};
use kclient_rest::pager::ListPager;

use super::classify::{is_expired, is_too_large_rv, rejects_watch_list};
use super::{ActiveWatch, Next, Reflector, State, WatchListMode};
use crate::CacheObject;
use crate::delta_fifo::FifoEntry;

impl<T: CacheObject> Reflector<T> {
    /// The resourceVersion of the next paginated list: `"0"` at first, `""` after the last one
    /// was unavailable, else the last one seen.
    pub(super) fn relist_rv(&self) -> String {
        if self.rv_unavailable {
            String::new()
        } else if self.last_sync_rv.is_empty() {
            "0".to_string()
        } else {
            self.last_sync_rv.clone()
        }
    }

    fn watch_list_enabled(&self) -> bool {
        self.options.watch_list == WatchListMode::Auto && !self.watch_list_rejected
    }

    /// `List`: try a streaming list, else list page by page; deliver the result as a `Replace`.
    pub(super) async fn list(&mut self) -> State<T> {
        if self.watch_list_enabled() {
            match self.start_watch_list().await {
                Ok(state) => return state,
                Err(e) if is_expired(&e) || is_too_large_rv(&e) => {
                    return self.unavailable_rv(&e);
                }
                Err(e) if rejects_watch_list(&e) => {
                    tracing::info!(resource = %self.lw.describe(), error = %e,
                        "the server rejected a streaming list; using list and watch");
                    self.watch_list_rejected = true;
                    self.handle.update(|s| s.watch_list_supported = Some(false));
                }
                Err(e) => {
                    tracing::warn!(resource = %self.lw.describe(), error = %e,
                        "streaming list failed; falling back to list and watch");
                }
            }
        }
        match self.paginated_list().await {
            Ok((objects, rv)) => {
                let entry = FifoEntry::Replace {
                    objects,
                    resource_version: rv.clone(),
                };
                if self.sink.push(entry).await.is_err() {
                    return State::Stopped;
                }
                self.rv_unavailable = false;
                self.set_rv(rv);
                self.handle.update(|s| s.lists += 1);
                State::Watch
            }
            Err(e) if is_expired(&e) || is_too_large_rv(&e) => self.unavailable_rv(&e),
            Err(e) => {
                tracing::warn!(resource = %self.lw.describe(), error = %e, "list failed");
                State::Backoff(Next::List)
            }
        }
    }

    /// The resourceVersion asked for is gone (or not there yet): list again at once from a
    /// consistent read, or back off if that is what just failed.
    fn unavailable_rv(&mut self, e: &kclient_rest::Error) -> State<T> {
        if self.rv_unavailable {
            tracing::warn!(resource = %self.lw.describe(), error = %e,
                "a consistent list failed with an unavailable resourceVersion");
            return State::Backoff(Next::List);
        }
        tracing::debug!(resource = %self.lw.describe(), error = %e,
            "resourceVersion unavailable; listing again from a consistent read");
        self.rv_unavailable = true;
        State::List
    }

    async fn start_watch_list(&mut self) -> Result<State<T>, kclient_rest::Error> {
        let mut opts = self.base_options();
        opts.watch = true;
        opts.send_initial_events = Some(true);
        opts.resource_version_match = Some(ResourceVersionMatch::NotOlderThan);
        opts.allow_watch_bookmarks = true;
        opts.resource_version = Some(if self.rv_unavailable {
            String::new()
        } else {
            self.last_sync_rv.clone()
        });
        opts.timeout_seconds = Some(self.watch_timeout());
        let stream = self.lw.watch(&opts).await?;
        self.handle.update(|s| s.watches += 1);
        Ok(State::Watching(Box::new(ActiveWatch {
            stream,
            started: tokio::time::Instant::now(),
            events: 0,
            initial: Some(Default::default()),
        })))
    }

    /// Lists every page (through [`ListPager`], client-go's pager) and returns the objects,
    /// transformed, and the list's resourceVersion. An expired continue token falls back to one
    /// unpaginated list at the original resourceVersion.
    async fn paginated_list(&self) -> Result<(Vec<Arc<T>>, String), kclient_rest::Error> {
        let rv = self.relist_rv();
        let mut opts = self.base_options();
        opts.resource_version = Some(rv.clone());
        // A specific resourceVersion is served from the watch cache without paging.
        let page_size = if rv.is_empty() || rv == "0" {
            self.options.page_size
        } else {
            0
        };
        let lw = self.lw.clone();
        let mut pager = ListPager::new(move |o: ListOptions| lw.list(&o)).page_size(page_size);
        let list = pager.list_map(&opts, |item| self.wrap(item)).await?;
        Ok((
            list.items,
            list.metadata.resource_version.unwrap_or_default(),
        ))
    }
}
