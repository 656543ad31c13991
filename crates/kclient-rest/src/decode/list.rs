//! Decoding a large list with its items decoded in parallel.
//!
//! A list's items are independent JSON values, so once each item's end is known (the same scan
//! the streaming decoder does) they can be decoded on several threads. The blocking thread
//! that reads the body's chunks scans the top-level object: `apiVersion`, `kind` and
//! `metadata` are decoded in place; the `items` array is cut into batches of whole items
//! (about [`BATCH_BYTES`] each, copied out of the chunks), which worker threads decode while
//! the body is still arriving. Results are put back in order. The body is never held whole:
//! the peak is the decoded items plus a few batches in flight.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::mpsc;

use bytes::Bytes;
use kclient_apimachinery::meta::ListMeta;
use serde::Deserialize as _;
use serde::de::{self, DeserializeOwned};
use tokio::sync::mpsc as tokio_mpsc;

use super::stream_de::Source;

/// Lists up to this size are collected and decoded on one thread (a page of 500 small objects
/// is not worth starting threads for); larger ones are decoded in parallel as they stream in.
pub(crate) const PARALLEL_MIN_BYTES: usize = 1024 * 1024;
/// Bytes of items per batch handed to a worker.
const BATCH_BYTES: usize = 256 * 1024;
/// Batches waiting for a worker, per worker.
const QUEUED_PER_WORKER: usize = 2;
/// The most decoding threads one list uses.
const MAX_WORKERS: usize = 4;

/// A list response: its envelope and its items (`PodList` as `ListParts<Pod>`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(bound(deserialize = "T: serde::Deserialize<'de>"))]
pub struct ListParts<T> {
    /// `apiVersion` of the list, as the server sent it.
    #[serde(rename = "apiVersion", default)]
    pub api_version: Option<String>,
    /// `kind` of the list (`PodList`), as the server sent it.
    #[serde(default)]
    pub kind: Option<String>,
    /// The list's metadata (`resourceVersion`, `continue`, `remainingItemCount`).
    #[serde(default)]
    pub metadata: ListMeta,
    /// The items, in the server's order (`null` or absent is empty, as in Go).
    #[serde(default, deserialize_with = "null_is_empty")]
    pub items: Vec<T>,
}

fn null_is_empty<'de, D: de::Deserializer<'de>, T: de::Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// Whole items, concatenated, for one worker.
struct Batch {
    /// The batch's place in the list.
    seq: usize,
    /// Index in `items` of the first item.
    first: usize,
    bytes: Vec<u8>,
    /// End of each item in `bytes`, and its offset in the body (for errors).
    items: Vec<(usize, u64)>,
}

type BatchResult<T> = (usize, Result<Vec<T>, serde_json::Error>);

/// How many threads decode items: the machine's parallelism, at most [`MAX_WORKERS`].
fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_WORKERS)
}

/// Decodes a list from the chunks sent on `rx` (runs on a blocking thread).
pub(crate) fn from_chunks<T>(
    rx: tokio_mpsc::Receiver<Bytes>,
) -> Result<ListParts<T>, serde_json::Error>
where
    T: DeserializeOwned + Send,
{
    let mut source = Source::new(rx);
    let workers = workers();
    let (job_tx, job_rx) = mpsc::sync_channel::<Batch>(workers * QUEUED_PER_WORKER);
    let job_rx = Mutex::new(job_rx);
    let (result_tx, result_rx) = mpsc::channel::<BatchResult<T>>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let result_tx = result_tx.clone();
            let job_rx = &job_rx;
            scope.spawn(move || {
                loop {
                    // The lock is held only to take a job, not while decoding it.
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(batch) = job else { return };
                    if result_tx.send((batch.seq, decode_batch(&batch))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(result_tx);
        let mut ordered = Ordered::default();
        let envelope = read_envelope(&mut source, &job_tx, &result_rx, &mut ordered);
        drop(job_tx); // the workers end when the queue is empty
        let (mut parts, batches) = envelope?;
        for (seq, result) in result_rx {
            ordered.accept(seq, result);
        }
        if let Some(e) = ordered.error {
            return Err(e);
        }
        if ordered.next != batches {
            return Err(de::Error::custom("a decoding thread stopped"));
        }
        parts.items = ordered.items;
        Ok(parts)
    })
}

/// Batch results put back in order as they arrive, so each batch's items move into the list
/// (and its own vector is freed) as soon as the batches before it are done.
struct Ordered<T> {
    next: usize,
    waiting: BTreeMap<usize, Vec<T>>,
    items: Vec<T>,
    /// The error of the earliest failed batch.
    error: Option<serde_json::Error>,
    error_seq: usize,
}

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Self {
            next: 0,
            waiting: BTreeMap::new(),
            items: Vec::new(),
            error: None,
            error_seq: usize::MAX,
        }
    }
}

impl<T> Ordered<T> {
    fn accept(&mut self, seq: usize, result: Result<Vec<T>, serde_json::Error>) {
        match result {
            Ok(items) => {
                self.waiting.insert(seq, items);
            }
            Err(e) => {
                if seq < self.error_seq {
                    self.error_seq = seq;
                    self.error = Some(e);
                }
            }
        }
        while let Some(items) = self.waiting.remove(&self.next) {
            self.items.extend(items);
            self.next += 1;
        }
    }

    /// Takes the results that are ready, without waiting.
    fn drain(&mut self, results: &mpsc::Receiver<BatchResult<T>>) {
        while let Ok((seq, result)) = results.try_recv() {
            self.accept(seq, result);
        }
    }
}

fn decode_batch<T: DeserializeOwned>(batch: &Batch) -> Result<Vec<T>, serde_json::Error> {
    let mut out = Vec::with_capacity(batch.items.len());
    let mut start = 0;
    for (i, &(end, at)) in batch.items.iter().enumerate() {
        let item = serde_json::from_slice(&batch.bytes[start..end]).map_err(|e| {
            de::Error::custom(format_args!(
                "{e} (in items[{}], at byte {at} of the body)",
                batch.first + i
            ))
        })?;
        out.push(item);
        start = end;
    }
    Ok(out)
}

/// Reads the top-level object: the envelope's members decoded in place, the items sent off in
/// batches. Returns the envelope (with no items yet) and how many batches were sent.
fn read_envelope<T>(
    source: &mut Source,
    jobs: &mpsc::SyncSender<Batch>,
    results: &mpsc::Receiver<BatchResult<T>>,
    ordered: &mut Ordered<T>,
) -> Result<(ListParts<T>, usize), serde_json::Error> {
    let mut parts = ListParts {
        api_version: None,
        kind: None,
        metadata: ListMeta::default(),
        items: Vec::new(),
    };
    let mut batches = 0;
    source.eat(b'{', "'{'")?;
    let mut first = true;
    loop {
        match source.peek_non_ws()? {
            Some(b'}') => {
                source.advance(1);
                break;
            }
            Some(b',') if !first => source.advance(1),
            _ if first => {}
            _ => return Err(source.error("expected ',' or '}' after a member")),
        }
        first = false;
        let (key, _) = source.take_value()?;
        let key: String = serde_json::from_slice(key)?;
        source.eat(b':', "':'")?;
        if key == "items" && source.peek_non_ws()? == Some(b'[') {
            batches = send_items(source, jobs, results, ordered)?;
            continue;
        }
        let (value, at) = source.take_value()?;
        let in_member = |e: serde_json::Error| -> serde_json::Error {
            de::Error::custom(format_args!("{e} (in {key:?}, at byte {at} of the body)"))
        };
        match key.as_str() {
            "apiVersion" => parts.api_version = serde_json::from_slice(value).map_err(in_member)?,
            "kind" => parts.kind = serde_json::from_slice(value).map_err(in_member)?,
            "metadata" => parts.metadata = serde_json::from_slice(value).map_err(in_member)?,
            _ => {}
        }
    }
    match source.peek_non_ws()? {
        None => Ok((parts, batches)),
        Some(_) => Err(source.error("trailing characters after the top-level object")),
    }
}

/// Scans the `items` array, sending its items in batches; returns the number of batches.
fn send_items<T>(
    source: &mut Source,
    jobs: &mpsc::SyncSender<Batch>,
    results: &mpsc::Receiver<BatchResult<T>>,
    ordered: &mut Ordered<T>,
) -> Result<usize, serde_json::Error> {
    source.eat(b'[', "'['")?;
    let mut seq = 0;
    let mut index = 0;
    let mut batch = Batch {
        seq,
        first: 0,
        bytes: Vec::with_capacity(BATCH_BYTES + BATCH_BYTES / 4),
        items: Vec::new(),
    };
    loop {
        match source.peek_non_ws()? {
            Some(b']') => {
                source.advance(1);
                break;
            }
            Some(b',') if index > 0 => source.advance(1),
            _ if index == 0 => {}
            _ => return Err(source.error("expected ',' or ']' after an element")),
        }
        let (item, at) = source.take_value()?;
        batch.bytes.extend_from_slice(item);
        batch.items.push((batch.bytes.len(), at));
        index += 1;
        if batch.bytes.len() >= BATCH_BYTES {
            seq += 1;
            let next = Batch {
                seq,
                first: index,
                bytes: Vec::with_capacity(BATCH_BYTES + BATCH_BYTES / 4),
                items: Vec::new(),
            };
            let full = std::mem::replace(&mut batch, next);
            if jobs.send(full).is_err() {
                return Err(de::Error::custom("the decoding threads stopped"));
            }
            ordered.drain(results);
        }
    }
    if batch.items.is_empty() {
        return Ok(seq);
    }
    if jobs.send(batch).is_err() {
        return Err(de::Error::custom("the decoding threads stopped"));
    }
    Ok(seq + 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Item {
        name: String,
        n: u64,
    }

    fn decode<T: DeserializeOwned + Send>(
        json: &str,
        cuts: &[usize],
    ) -> Result<ListParts<T>, serde_json::Error> {
        let (tx, rx) = tokio_mpsc::channel(cuts.len() + 1);
        let mut last = 0;
        for &cut in cuts.iter().chain(std::iter::once(&json.len())) {
            tx.try_send(Bytes::copy_from_slice(&json.as_bytes()[last..cut]))
                .unwrap();
            last = cut;
        }
        drop(tx);
        from_chunks(rx)
    }

    fn big_list(n: usize) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"name":"item-{i}","pad":"{}","n":{i}}}"#,
                    "x".repeat(i % 700)
                )
            })
            .collect();
        format!(
            r#"{{"kind":"ItemList","apiVersion":"v1","metadata":{{"resourceVersion":"42","continue":"c"}},"items":[{}],"extra":{{"a":[1]}}}}"#,
            items.join(",")
        )
    }

    #[test]
    fn many_batches_keep_the_order_and_the_envelope() {
        let json = big_list(5_000); // ~1.8 MB: several batches
        let want: ListParts<Item> = serde_json::from_str(&json).unwrap();
        let cuts: Vec<usize> = (1..json.len()).step_by(64 * 1024 + 7).collect();
        let got = decode::<Item>(&json, &cuts).unwrap();
        assert_eq!(got, want);
        assert_eq!(got.items.len(), 5_000);
        assert_eq!(got.items[4_999].n, 4_999);
        assert_eq!(got.kind.as_deref(), Some("ItemList"));
        assert_eq!(got.metadata.resource_version.as_deref(), Some("42"));
    }

    #[test]
    fn empty_null_and_absent_items() {
        for json in [
            r#"{"kind":"L","items":[]}"#,
            r#"{"kind":"L","items":null}"#,
            r#"{"kind":"L"}"#,
        ] {
            let got = decode::<Item>(json, &[3]).unwrap();
            assert!(got.items.is_empty(), "{json}");
            assert_eq!(got.kind.as_deref(), Some("L"));
        }
    }

    #[test]
    fn an_item_error_names_the_item_and_the_first_one_wins() {
        let mut json = big_list(3_000);
        json = json.replacen(r#""n":2500"#, r#""n":"x""#, 1);
        json = json.replacen(r#""n":2900"#, r#""n":"y""#, 1);
        let err = decode::<Item>(&json, &[100]).unwrap_err().to_string();
        assert!(err.contains("items[2500]"), "{err}");
        let err = decode::<Item>(r#"{"items":[{"name":"a","n":1},"#, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("end of the body"), "{err}");
        let err = decode::<Item>(r#"{"items":[]} x"#, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("trailing characters"), "{err}");
    }
}
