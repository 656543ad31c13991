//! WATCH: a chunked stream of one JSON event per line (or, for protobuf clients, one
//! length-prefixed `WatchEvent` frame per event), flushed per event. Starts from the
//! current state (as ADDED events) or from a resourceVersion (retained history, else a 410
//! ERROR event), supports selectors (objects moving in or out of the selection become ADDED or
//! DELETED), bookmarks, `sendInitialEvents` with the `k8s.io/initial-events-end` bookmark, and
//! `timeoutSeconds`.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http_body::{Body as HttpBody, Frame};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::filter::Filter;
use super::objects::{for_output, write_typed};
use super::query::ListOptions;
use super::read::parse_rv;
use super::response::{self, Body};
use super::status::ApiError;
use super::{Ctx, Output, table};
use crate::registry::Resource;
use crate::store::{Change, ChangeType, Object, Prefix, Subscription, WatchFrom};

/// The annotation that marks the end of the initial events of a watch-list.
const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// The body of a watch response: frames as the watch task produces them.
struct WatchBody {
    rx: mpsc::Receiver<Bytes>,
}

impl HttpBody for WatchBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.rx.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

/// Everything the watch task needs.
struct Watch {
    res: Resource,
    filter: Filter,
    table: Option<super::query::Query>,
    /// Metadata-only events (`as=PartialObjectMetadata`).
    metadata: Option<super::partial::Target>,
    bookmarks: bool,
    tx: mpsc::Sender<Bytes>,
    sent_any: bool,
    /// Length-prefixed protobuf `WatchEvent` frames instead of JSON lines.
    protobuf: bool,
}

impl Watch {
    /// The event line of a stored object, written from its serialized bytes (or, for a Table
    /// watch, from the Table made of it).
    fn encode_stored(&mut self, kind: &str, obj: &Object) -> Bytes {
        if self.table.is_some() || self.metadata.is_some() || self.protobuf {
            return self.encode(kind, for_output(&self.res, obj.value()));
        }
        let mut line = Vec::with_capacity(obj.json().len() + 64);
        line.extend_from_slice(b"{\"type\":\"");
        line.extend_from_slice(kind.as_bytes());
        line.extend_from_slice(b"\",\"object\":");
        write_typed(&self.res, obj.json(), &mut line);
        line.extend_from_slice(b"}\n");
        Bytes::from(line)
    }

    /// Whether an event of `kind` cannot be encoded: the list form of metadata was asked for,
    /// which no single object can be transformed to. The real server ends the watch then.
    fn fails_transform(&self, kind: &str) -> bool {
        kind != "ERROR" && self.metadata.is_some_and(|t| t.list)
    }

    async fn send_stored(&mut self, kind: &str, obj: &Object) -> bool {
        if self.fails_transform(kind) {
            return false;
        }
        let line = self.encode_stored(kind, obj);
        self.tx.send(line).await.is_ok()
    }

    fn encode(&mut self, kind: &str, obj: Value) -> Bytes {
        let object = match &self.table {
            Some(q) if kind != "ERROR" && kind != "BOOKMARK" => {
                let t = table::event_object(&self.res, q, &obj, !self.sent_any);
                self.sent_any = true;
                t
            }
            _ => match self.metadata {
                Some(target) if kind != "ERROR" => target.object(&obj),
                _ => obj,
            },
        };
        if self.protobuf {
            return match crate::protobuf::encode_object(&object) {
                Some(Ok(bytes)) => Bytes::from(crate::protobuf::encode::watch_frame(kind, &bytes)),
                // Not encodable: end the frame stream with an empty (undecodable) frame rather
                // than mixing JSON in.
                _ => Bytes::from_static(&[0, 0, 0, 0]),
            };
        }
        let mut line =
            serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    }

    async fn send(&mut self, kind: &str, obj: Value) -> bool {
        if self.fails_transform(kind) {
            return false;
        }
        let line = self.encode(kind, obj);
        self.tx.send(line).await.is_ok()
    }

    /// The event (if any) that `change` means for this watch.
    fn event(&self, change: &Change) -> Option<&'static str> {
        let new_match = self.filter.matches_object(&change.object);
        let old_match = change
            .prev
            .as_ref()
            .is_some_and(|p| self.filter.matches_object(p));
        let kind = match change.kind {
            ChangeType::Added if new_match => "ADDED",
            ChangeType::Modified if new_match && old_match => "MODIFIED",
            ChangeType::Modified if new_match => "ADDED",
            ChangeType::Modified if old_match => "DELETED",
            ChangeType::Deleted if old_match || new_match => "DELETED",
            _ => return None,
        };
        Some(kind)
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Value {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({INITIAL_EVENTS_END: "true"});
        }
        json!({"kind": self.res.kind(), "apiVersion": self.res.api_version(), "metadata": meta})
    }
}

/// WATCH of a collection (or, with a name, of one object).
pub fn watch(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let opts = ListOptions::from_query(&ctx.query, true)?;
    let filter = Filter::new(
        &ctx.res,
        &opts.label_selector,
        &opts.field_selector,
        ctx.path.name.as_deref(),
    )?;
    let store = &ctx.state.store;
    let send_initial = opts.send_initial_events;
    let from = match (send_initial, opts.resource_version.as_str()) {
        (Some(true), _) | (None, "" | "0") => WatchFrom::CurrentState,
        (Some(false), "" | "0") => WatchFrom::Version(store.current_rv()),
        (_, rv) => WatchFrom::Version(parse_rv(rv)?),
    };
    let prefix = Prefix::new(ctx.res.group, ctx.res.name(), ctx.path.namespace.as_deref());
    let (tx, rx) = mpsc::channel(64);
    let content_type = match ctx.output {
        Output::Table => super::negotiate::TABLE_CONTENT_TYPE,
        Output::Metadata(target) => target.content_type(),
        Output::Protobuf => crate::protobuf::WATCH_CONTENT_TYPE,
        _ => response::JSON,
    };
    let mut w = Watch {
        res: ctx.res,
        filter,
        table: (ctx.output == Output::Table).then(|| ctx.query.clone()),
        metadata: match ctx.output {
            Output::Metadata(target) => Some(target),
            _ => None,
        },
        protobuf: ctx.output == Output::Protobuf,
        bookmarks: opts.allow_watch_bookmarks,
        tx,
        sent_any: false,
    };
    let timeout = opts
        .timeout_seconds
        .filter(|t| *t > 0)
        .map(|t| Duration::from_secs(t.unsigned_abs()))
        .unwrap_or(ctx.state.behaviour.default_watch_timeout);
    let interval = ctx.state.behaviour.bookmark_interval;
    let shutdown = ctx.state.shutdown.clone();
    match store.subscribe(prefix, from) {
        Ok(sub) => {
            let start_after = match from {
                WatchFrom::Version(rv) => rv,
                WatchFrom::CurrentState => 0,
            };
            tokio::spawn(async move {
                run(
                    &mut w,
                    sub,
                    send_initial == Some(true),
                    start_after,
                    timeout,
                    interval,
                    shutdown,
                )
                .await;
            });
        }
        Err(too_old) => {
            let asked = match from {
                WatchFrom::Version(rv) => rv,
                WatchFrom::CurrentState => 0,
            };
            let err = ApiError::expired(format!(
                "too old resource version: {asked} ({})",
                too_old.oldest
            ));
            let line = w.encode("ERROR", err.to_json());
            let _ = w.tx.try_send(line);
        }
    }
    let mut resp = Response::new(WatchBody { rx }.boxed_unsync());
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    response::common_headers(&mut resp);
    Ok(resp)
}

async fn run(
    w: &mut Watch,
    mut sub: Subscription,
    initial_end_bookmark: bool,
    start_after: u64,
    timeout: Duration,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut last_rv = sub.rv.max(start_after);
    for obj in std::mem::take(&mut sub.initial) {
        if w.filter.matches_object(&obj) && !w.send_stored("ADDED", &obj).await {
            return;
        }
    }
    if initial_end_bookmark && w.bookmarks {
        let b = w.bookmark(sub.rv, true);
        if !w.send("BOOKMARK", b).await {
            return;
        }
    }
    for change in std::mem::take(&mut sub.backlog) {
        if !deliver(w, &change, start_after).await {
            return;
        }
        last_rv = last_rv.max(change.rv);
    }
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        tokio::select! {
            change = sub.rx.recv() => {
                let Some(change) = change else { return };
                if !deliver(w, &change, start_after).await {
                    return;
                }
                last_rv = last_rv.max(change.rv);
            }
            _ = ticker.tick(), if w.bookmarks => {
                let b = w.bookmark(last_rv, false);
                if !w.send("BOOKMARK", b).await {
                    return;
                }
            }
            _ = &mut deadline => return,
            _ = shutdown.changed() => return,
            _ = w.tx.closed() => return,
        }
    }
}

async fn deliver(w: &mut Watch, change: &Arc<Change>, start_after: u64) -> bool {
    if change.rv <= start_after {
        return true;
    }
    match w.event(change) {
        Some(kind) => w.send_stored(kind, &change.object).await,
        None => true,
    }
}
