//! [`ListPager`]: lists a collection page by page (`limit` and `continue`) — client-go's
//! `tools/pager`. It works with every client: give it a function that lists one page with the
//! options it is handed (a REST request, a typed, dynamic or metadata client's `list`).
//!
//! - [`ListPager::list`] collects every page into one list. When a continue token expires
//!   (410 `Expired`, the snapshot was compacted) it falls back to one unpaginated list at the
//!   resourceVersion first asked for, as client-go's `FullListIfExpired` does.
//! - [`ListPager::stream`] yields items as pages arrive, holding one page at a time. An expired
//!   token is returned as an error there (a full list would repeat items already yielded), as
//!   client-go's `EachListItem` does.
//!
//! kclient-cache's reflector lists through this pager.
//!
//! ```no_run
//! # async fn run(client: kclient_rest::RestClient) -> Result<(), kclient_rest::Error> {
//! use futures_util::StreamExt;
//! use kclient_apimachinery::options::ListOptions;
//! use kclient_rest::pager::ListPager;
//!
//! let pager = ListPager::new(|opts: ListOptions| {
//!     let request = client.get().abs_path("/api/v1").resource("configmaps").versioned_params(&opts);
//!     async move { request.list::<serde_json::Value>().await }
//! })
//! .page_size(100);
//! let mut items = std::pin::pin!(pager.stream(ListOptions::default()));
//! while let Some(item) = items.next().await {
//!     println!("{}", item?["metadata"]["name"]);
//! }
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::future::Future;

use futures_util::Stream;
use kclient_apimachinery::meta::{ListMeta, PartialObjectMetadata, PartialObjectMetadataList};
use kclient_apimachinery::options::ListOptions;
use kclient_apimachinery::{Unstructured, UnstructuredList};

use crate::ListParts;
use crate::retry::AsRestError;

/// client-go's default page size (500).
pub const DEFAULT_PAGE_SIZE: i64 = 500;

/// One page of a list: its metadata (the continue token) and its items.
pub trait ListPage {
    /// The type of the items.
    type Item;
    /// The metadata and the items.
    fn into_page(self) -> (ListMeta, Vec<Self::Item>);
}

impl<T> ListPage for ListParts<T> {
    type Item = T;
    fn into_page(self) -> (ListMeta, Vec<T>) {
        (self.metadata, self.items)
    }
}

impl<T> ListPage for (ListMeta, Vec<T>) {
    type Item = T;
    fn into_page(self) -> (ListMeta, Vec<T>) {
        self
    }
}

impl ListPage for PartialObjectMetadataList {
    type Item = PartialObjectMetadata;
    fn into_page(self) -> (ListMeta, Vec<PartialObjectMetadata>) {
        (self.metadata, self.items)
    }
}

impl ListPage for UnstructuredList {
    type Item = Unstructured;
    fn into_page(self) -> (ListMeta, Vec<Unstructured>) {
        let meta = ListMeta {
            resource_version: self.resource_version().map(str::to_string),
            continue_: self.continue_token().map(str::to_string),
            remaining_item_count: self.remaining_item_count(),
            ..ListMeta::default()
        };
        (meta, self.items)
    }
}

/// A whole list as the pager collected it.
#[derive(Debug, Clone, PartialEq)]
pub struct PagedList<T> {
    /// The list's metadata: the resourceVersion of the snapshot, no continue token.
    pub metadata: ListMeta,
    /// Every item, in the server's order.
    pub items: Vec<T>,
    /// Whether more than one page was asked for.
    pub paginated: bool,
}

/// Lists a collection in pages through a page function (client-go's `pager.ListPager`).
pub struct ListPager<F> {
    page_fn: F,
    page_size: i64,
    full_list_if_expired: bool,
}

impl<F> std::fmt::Debug for ListPager<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListPager")
            .field("page_size", &self.page_size)
            .field("full_list_if_expired", &self.full_list_if_expired)
            .finish_non_exhaustive()
    }
}

impl<F> ListPager<F> {
    /// A pager over `page_fn` (one list call with the given options), with pages of
    /// [`DEFAULT_PAGE_SIZE`] and the full-list fallback on.
    pub fn new(page_fn: F) -> Self {
        Self {
            page_fn,
            page_size: DEFAULT_PAGE_SIZE,
            full_list_if_expired: true,
        }
    }

    /// The page size, used when the options have no `limit` (`0`: one unpaginated list).
    #[must_use]
    pub fn page_size(mut self, page_size: i64) -> Self {
        self.page_size = page_size.max(0);
        self
    }

    /// Whether [`ListPager::list`] lists again without pages when a continue token expires
    /// (default `true`).
    #[must_use]
    pub fn full_list_if_expired(mut self, enabled: bool) -> Self {
        self.full_list_if_expired = enabled;
        self
    }
}

impl<F, Fut, P, E> ListPager<F>
where
    F: FnMut(ListOptions) -> Fut,
    Fut: Future<Output = Result<P, E>>,
    P: ListPage,
    E: AsRestError,
{
    fn first_options(&self, options: &ListOptions) -> ListOptions {
        let mut opts = options.clone();
        opts.watch = false;
        if opts.limit.is_none_or(|l| l <= 0) {
            opts.limit = Some(self.page_size).filter(|l| *l > 0);
        }
        opts
    }

    /// Lists every page and returns them as one list (client-go's `ListPager.List`).
    pub async fn list(&mut self, options: &ListOptions) -> Result<PagedList<P::Item>, E> {
        self.list_map(options, |item| item).await
    }

    /// Like [`ListPager::list`], applying `f` to each item as its page arrives (so that, say,
    /// wrapping items in `Arc` or trimming them needs no second vector of the whole list).
    pub async fn list_map<U>(
        &mut self,
        options: &ListOptions,
        mut f: impl FnMut(P::Item) -> U,
    ) -> Result<PagedList<U>, E> {
        let mut opts = self.first_options(options);
        let mut items = Vec::new();
        let mut paginated = false;
        loop {
            let page = match (self.page_fn)(opts.clone()).await {
                Ok(page) => page,
                Err(e)
                    if self.full_list_if_expired
                        && opts.continue_token.is_some()
                        && e.is_expired_error() =>
                {
                    // The snapshot expired while paging: one full list at the requested version.
                    let full = ListOptions {
                        limit: None,
                        continue_token: None,
                        watch: false,
                        ..options.clone()
                    };
                    let (metadata, page_items) = (self.page_fn)(full).await?.into_page();
                    return Ok(PagedList {
                        metadata,
                        items: page_items.into_iter().map(f).collect(),
                        paginated,
                    });
                }
                Err(e) => return Err(e),
            };
            let (metadata, page_items) = page.into_page();
            items.reserve(page_items.len());
            items.extend(page_items.into_iter().map(&mut f));
            match metadata.continue_token() {
                Some(token) => {
                    paginated = true;
                    opts.continue_token = Some(token.to_string());
                    // The token carries the snapshot; a resourceVersion with it is refused.
                    opts.resource_version = None;
                    opts.resource_version_match = None;
                }
                None => {
                    return Ok(PagedList {
                        metadata: ListMeta {
                            continue_: None,
                            remaining_item_count: None,
                            ..metadata
                        },
                        items,
                        paginated,
                    });
                }
            }
        }
    }

    /// The items of every page as a stream, one page held at a time (client-go's
    /// `EachListItem`). An error (an expired continue token included) ends the stream.
    pub fn stream(self, options: ListOptions) -> impl Stream<Item = Result<P::Item, E>> {
        let opts = self.first_options(&options);
        let state = (self, Some(opts), VecDeque::new());
        futures_util::stream::unfold(state, |(mut pager, mut next, mut buffer)| async move {
            loop {
                if let Some(item) = buffer.pop_front() {
                    return Some((Ok(item), (pager, next, buffer)));
                }
                let mut opts = next.take()?;
                match (pager.page_fn)(opts.clone()).await {
                    Err(e) => return Some((Err(e), (pager, None, buffer))),
                    Ok(page) => {
                        let (metadata, items) = page.into_page();
                        buffer.extend(items);
                        if let Some(token) = metadata.continue_token() {
                            opts.continue_token = Some(token.to_string());
                            opts.resource_version = None;
                            opts.resource_version_match = None;
                            next = Some(opts);
                        }
                    }
                }
            }
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::Error;
    use futures_util::StreamExt;
    use kclient_apimachinery::Status;
    use std::sync::{Arc, Mutex};

    fn expired() -> Error {
        Error::Api {
            status: Box::new(Status {
                status: Some("Failure".into()),
                reason: Some("Expired".into()),
                code: Some(410),
                ..Status::default()
            }),
            verb: http::Method::GET,
            url: "/api/v1/configmaps".into(),
        }
    }

    type Calls = Arc<Mutex<Vec<ListOptions>>>;
    type Page = std::future::Ready<Result<(ListMeta, Vec<usize>), Error>>;

    /// A fake server of `n` items; `expire_after` makes continue tokens expire after that many
    /// pages. Records the options of every call.
    fn server(n: usize, expire_after: Option<usize>) -> (impl FnMut(ListOptions) -> Page, Calls) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let log = calls.clone();
        let f = move |opts: ListOptions| {
            log.lock().unwrap().push(opts.clone());
            let start: usize = opts
                .continue_token
                .as_deref()
                .map_or(0, |t| t.parse().unwrap());
            let pages_done = log
                .lock()
                .unwrap()
                .iter()
                .filter(|o| o.continue_token.is_some())
                .count();
            if opts.continue_token.is_some() && expire_after.is_some_and(|e| pages_done >= e) {
                return std::future::ready(Err(expired()));
            }
            let limit = opts.limit.map_or(n, |l| l as usize);
            let end = (start + limit).min(n);
            let meta = ListMeta {
                resource_version: Some("42".into()),
                continue_: (end < n).then(|| end.to_string()),
                ..ListMeta::default()
            };
            std::future::ready(Ok((meta, (start..end).collect())))
        };
        (f, calls)
    }

    #[tokio::test]
    async fn lists_every_page() {
        let (f, calls) = server(25, None);
        let mut pager = ListPager::new(f).page_size(10);
        let list = pager
            .list(&ListOptions::default().resource_version("0"))
            .await
            .unwrap();
        assert_eq!(list.items, (0..25).collect::<Vec<_>>());
        assert!(list.paginated);
        assert_eq!(list.metadata.resource_version.as_deref(), Some("42"));
        assert_eq!(list.metadata.continue_token(), None);
        let calls = calls.lock().unwrap();
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0].resource_version.as_deref(), Some("0"));
        assert_eq!(calls[1].resource_version, None);
        assert_eq!(calls[2].continue_token.as_deref(), Some("20"));
        assert!(calls.iter().all(|c| c.limit == Some(10)));
    }

    #[tokio::test]
    async fn an_expired_token_falls_back_to_a_full_list() {
        let (f, calls) = server(25, Some(1));
        let mut pager = ListPager::new(f).page_size(10);
        let list = pager
            .list(&ListOptions::default().resource_version("0"))
            .await
            .unwrap();
        assert_eq!(list.items, (0..25).collect::<Vec<_>>());
        let last = calls.lock().unwrap().last().cloned().unwrap();
        assert_eq!(
            (
                last.limit,
                last.continue_token,
                last.resource_version.as_deref()
            ),
            (None, None, Some("0"))
        );

        let (f, _) = server(25, Some(1));
        let mut strict = ListPager::new(f).page_size(10).full_list_if_expired(false);
        assert!(
            strict
                .list(&ListOptions::default())
                .await
                .unwrap_err()
                .is_resource_expired()
        );
    }

    #[tokio::test]
    async fn streams_items_and_surfaces_expiry() {
        let (f, _) = server(25, None);
        let items: Vec<usize> = ListPager::new(f)
            .page_size(7)
            .stream(ListOptions::default())
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(items, (0..25).collect::<Vec<_>>());

        let (f, _) = server(25, Some(1));
        let results: Vec<_> = ListPager::new(f)
            .page_size(10)
            .stream(ListOptions::default())
            .collect()
            .await;
        assert_eq!(results.len(), 11);
        assert!(results[10].as_ref().unwrap_err().is_resource_expired());
    }

    #[tokio::test]
    async fn page_size_zero_lists_at_once() {
        let (f, calls) = server(25, None);
        let list = ListPager::new(f)
            .page_size(0)
            .list(&ListOptions::default())
            .await
            .unwrap();
        assert_eq!(list.items.len(), 25);
        assert!(!list.paginated);
        assert_eq!(calls.lock().unwrap()[0].limit, None);
    }
}
