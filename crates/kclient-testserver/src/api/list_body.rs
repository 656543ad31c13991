//! The body of a JSON list response, written straight from the stored objects' serialized
//! bytes: `{"kind":…,"apiVersion":…,"metadata":{…},"items":[` + each item's bytes, comma
//! separated + `]}`. It is produced in chunks as the connection asks for them, so the first byte
//! goes out at once and the whole list is never held as one buffer or one JSON tree.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Response, header};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use serde_json::Value;

use super::response::{self, Body};
use crate::store::Object;

/// How many bytes one data frame of a list body carries at most (unless one item is larger).
const CHUNK: usize = 256 * 1024;

/// A list body being written.
struct ListBody {
    head: Option<Bytes>,
    items: VecDeque<Arc<Object>>,
    remaining: u64,
    first: bool,
}

impl ListBody {
    fn new(head: Bytes, items: Vec<Arc<Object>>) -> Self {
        let items_len: usize = items.iter().map(|o| o.json().len()).sum();
        let commas = items.len().saturating_sub(1);
        let total = head.len() + items_len + commas + TAIL.len();
        Self {
            head: Some(head),
            items: items.into(),
            remaining: total as u64,
            first: true,
        }
    }

    fn next_chunk(&mut self) -> Option<Bytes> {
        if let Some(head) = self.head.take() {
            return Some(head);
        }
        if self.remaining == 0 {
            return None;
        }
        let mut buf = Vec::with_capacity(CHUNK.min(self.remaining as usize));
        while let Some(item) = self.items.front() {
            let json = item.json();
            if !buf.is_empty() && buf.len() + json.len() + 1 > CHUNK {
                break;
            }
            if !self.first {
                buf.push(b',');
            }
            self.first = false;
            buf.extend_from_slice(json);
            self.items.pop_front();
        }
        if self.items.is_empty() {
            buf.extend_from_slice(TAIL);
        }
        Some(Bytes::from(buf))
    }
}

/// What ends a list body.
const TAIL: &[u8] = b"]}\n";

impl HttpBody for ListBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let chunk = self.next_chunk();
        if let Some(c) = &chunk {
            self.remaining = self.remaining.saturating_sub(c.len() as u64);
        }
        Poll::Ready(chunk.map(|c| Ok(Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        self.head.is_none() && self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// The `{"kind":…,"apiVersion":…,"metadata":…,"items":[` that starts a list.
fn head(kind: &str, api_version: &str, metadata: &Value) -> Bytes {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"{\"kind\":");
    out.extend_from_slice(serde_json::to_string(kind).unwrap_or_default().as_bytes());
    out.extend_from_slice(b",\"apiVersion\":");
    out.extend_from_slice(
        serde_json::to_string(api_version)
            .unwrap_or_default()
            .as_bytes(),
    );
    out.extend_from_slice(b",\"metadata\":");
    out.extend_from_slice(&serde_json::to_vec(metadata).unwrap_or_default());
    out.extend_from_slice(b",\"items\":[");
    Bytes::from(out)
}

/// A 200 response listing `items` (stored objects, written as they are stored: without
/// `apiVersion`/`kind`, like the items of the real server's typed lists).
pub fn response(
    kind: &str,
    api_version: &str,
    metadata: &Value,
    items: Vec<Arc<Object>>,
) -> Response<Body> {
    let body = ListBody::new(head(kind, api_version, metadata), items);
    let mut resp = Response::new(body.boxed_unsync());
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(response::JSON),
    );
    response::common_headers(&mut resp);
    resp
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    async fn collect(items: Vec<Arc<Object>>) -> (Value, usize, Option<u64>) {
        let body = ListBody::new(
            head("PodList", "v1", &json!({"resourceVersion": "7"})),
            items,
        );
        let hint = body.size_hint().exact();
        let bytes = body.collect().await.unwrap().to_bytes();
        (serde_json::from_slice(&bytes).unwrap(), bytes.len(), hint)
    }

    fn pod(name: &str, pad: usize) -> Arc<Object> {
        Object::new(
            &crate::store::Key::new("", "pods", "", name),
            &json!({"metadata": {"name": name}, "pad": "x".repeat(pad)}),
        )
    }

    #[tokio::test]
    async fn writes_valid_lists_of_any_size() {
        let (v, len, hint) = collect(Vec::new()).await;
        assert_eq!(v["items"], json!([]));
        assert_eq!(v["kind"], "PodList");
        assert_eq!(v["metadata"]["resourceVersion"], "7");
        assert_eq!(Some(len as u64), hint);

        let items: Vec<_> = (0..50).map(|i| pod(&format!("p{i}"), 20_000)).collect();
        let (v, len, hint) = collect(items).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 50);
        assert_eq!(v["items"][49]["metadata"]["name"], "p49");
        assert_eq!(Some(len as u64), hint);

        let (v, _, _) = collect(vec![pod("big", 3 * CHUNK), pod("small", 1)]).await;
        assert_eq!(v["items"][1]["metadata"]["name"], "small");
    }
}
