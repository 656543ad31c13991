//! GET `pods/<name>/log`: the container's log from the simulated runtime, with every
//! `PodLogOptions` field the kubelet honours (`pkg/kubelet/kuberuntime/logs/logs.go`):
//! `container`, `follow` (the stream stays open, each write flushed, until the container ends,
//! the pod stops or the client goes away), `previous` (the last terminated instance's log
//! after a restart, else the kubelet's 400),
//! `sinceSeconds`, `sinceTime`, `tailLines`, `limitBytes`, `timestamps` (RFC3339Nano prefix).
//! Options are validated as `ValidatePodLogOptions` does.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Response, header};
use http_body::{Body as HttpBody, Frame};
use http_body_util::BodyExt;
use kclient_apimachinery::GroupKind;
use tokio::sync::mpsc;

use super::Ctx;
use super::objects::meta_str;
use super::pods;
use super::response::{self, Body};
use super::status::{ApiError, FieldError};
use crate::runtime::log::Render;

/// A streamed body fed by a task.
struct StreamBody {
    rx: mpsc::Receiver<Bytes>,
}

impl HttpBody for StreamBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.rx.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

/// The parsed options.
#[derive(Debug, Default)]
struct Options {
    follow: bool,
    previous: bool,
    timestamps: bool,
    since: Option<jiff::Timestamp>,
    tail: Option<usize>,
    limit: Option<u64>,
}

fn options(ctx: &Ctx) -> Result<Options, ApiError> {
    let q = &ctx.query;
    let since_seconds = q.int("sinceSeconds")?;
    let since_time = match q.get("sinceTime").filter(|v| !v.is_empty()) {
        Some(v) => Some(v.parse::<jiff::Timestamp>().map_err(|_| {
            ApiError::bad_request(format!(
                "parsing time {v:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse"
            ))
        })?),
        None => None,
    };
    let tail = q.int("tailLines")?;
    let limit = q.int("limitBytes")?;
    let mut errors = Vec::new();
    if let Some(t) = tail.filter(|t| *t < 0) {
        errors.push(FieldError::invalid_value(
            "tailLines",
            &t.into(),
            "must be greater than or equal to 0",
        ));
    }
    if let Some(l) = limit.filter(|l| *l < 1) {
        errors.push(FieldError::invalid_value(
            "limitBytes",
            &l.into(),
            "must be greater than 0",
        ));
    }
    if since_seconds.is_some() && since_time.is_some() {
        errors.push(FieldError::forbidden(
            "",
            "at most one of `sinceTime` or `sinceSeconds` may be specified",
        ));
    }
    if let Some(s) = since_seconds.filter(|s| *s < 1) {
        errors.push(FieldError::invalid_value(
            "sinceSeconds",
            &s.into(),
            "must be greater than 0",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(
            &GroupKind::new("", "PodLogOptions"),
            ctx.name(),
            &errors,
        ));
    }
    let since = since_time.or_else(|| {
        since_seconds.and_then(|s| {
            jiff::Timestamp::now()
                .checked_sub(jiff::SignedDuration::from_secs(s))
                .ok()
        })
    });
    Ok(Options {
        follow: q.bool("follow")?.unwrap_or(false),
        previous: q.bool("previous")?.unwrap_or(false),
        timestamps: q.bool("timestamps")?.unwrap_or(false),
        since,
        tail: tail.map(|t| usize::try_from(t).unwrap_or(usize::MAX)),
        limit: limit.map(i64::unsigned_abs),
    })
}

fn text_response(body: Body) -> Response<Body> {
    let mut resp = Response::new(body);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response::common_headers(&mut resp);
    resp
}

/// GET `pods/<name>/log`.
pub fn log(ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let target = pods::target(ctx, ctx.query.get("container").unwrap_or_default())?;
    let opts = options(ctx)?;
    let (pod, container) = pods::running(ctx, &target)?;
    let mut render = Render {
        timestamps: opts.timestamps,
        remaining: opts.limit,
    };
    if opts.previous {
        // The last terminated instance's log, whole (it cannot grow: follow ends at once).
        let previous = container
            .previous_log
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let Some(ring) = previous.as_ref() else {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{}\" in pod \"{}\" not found",
                target.container,
                meta_str(&target.pod, "name")
            )));
        };
        let mut body = Vec::new();
        for e in &ring.select(opts.since, opts.tail) {
            if !render.write(e, &mut body) {
                break;
            }
        }
        return Ok(text_response(response::full(body)));
    }
    let mut written = container.log.subscribe();
    let (first, mut cursor) = {
        let ring = container.log.ring();
        (ring.select(opts.since, opts.tail), ring.next_seq())
    };
    let mut head = Vec::new();
    for e in &first {
        if !render.write(e, &mut head) {
            break;
        }
    }
    if !opts.follow || render.done() || !container.is_running() {
        return Ok(text_response(response::full(head)));
    }
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    let stopped = pod.until_stopped();
    let ended = container.until_ended();
    tokio::spawn(async move {
        tokio::pin!(stopped);
        tokio::pin!(ended);
        if !head.is_empty() && tx.send(Bytes::from(head)).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                changed = written.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let entries = container.log.ring().since_seq(cursor);
                    let mut chunk = Vec::new();
                    for e in &entries {
                        cursor = e.seq + 1;
                        if !render.write(e, &mut chunk) {
                            break;
                        }
                    }
                    if !chunk.is_empty() && tx.send(Bytes::from(chunk)).await.is_err() {
                        return;
                    }
                    if render.done() {
                        return;
                    }
                }
                _ = &mut stopped => return,
                _ = &mut ended => {
                    // The container ended: what it wrote last, then the end of the stream.
                    let mut chunk = Vec::new();
                    for e in &container.log.ring().since_seq(cursor) {
                        if !render.write(e, &mut chunk) {
                            break;
                        }
                    }
                    if !chunk.is_empty() {
                        let _ = tx.send(Bytes::from(chunk)).await;
                    }
                    return;
                }
                _ = tx.closed() => return,
            }
        }
    });
    Ok(text_response(StreamBody { rx }.boxed_unsync()))
}
