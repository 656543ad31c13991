//! Property tests of the watch framing, the decoder that reads what any server sends: arbitrary
//! bytes in arbitrary chunks never panic and never yield a frame over the limit, and a stream of
//! real events is split into exactly those events however it is chunked and spaced. 2,000 cases
//! each by default; `PROPTEST_CASES=100000 cargo test -p kclient-rest fuzz` runs more.

#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use proptest::prelude::*;

use super::frame::{Frame, FrameDecoder, FrameError};

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 2000;
    }
    config
}

/// Splits `data` at the given cut points (as fractions) into chunks.
fn chunks(data: &[u8], cuts: &[u16]) -> Vec<Bytes> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|c| usize::from(*c) * data.len() / usize::from(u16::MAX).max(1))
        .collect();
    points.push(data.len());
    points.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for p in points {
        if p > start {
            out.push(Bytes::copy_from_slice(&data[start..p]));
            start = p;
        }
    }
    out
}

/// Everything the decoder hands out for `chunks`, as a caller uses it: a line that parses as one
/// JSON value is committed, one that does not is rejected. Stops at the first error.
fn run(chunks: Vec<Bytes>, max: usize) -> (Vec<Bytes>, Option<FrameError>) {
    let mut decoder = FrameDecoder::new(max);
    let mut frames = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        loop {
            match decoder.next_frame() {
                Ok(None) => break,
                Ok(Some(Frame::Object(bytes))) => frames.push(bytes),
                Ok(Some(Frame::Line(line))) => {
                    if serde_json::from_slice::<serde::de::IgnoredAny>(&line).is_ok() {
                        decoder.commit_line();
                        frames.push(line);
                    } else {
                        decoder.reject_line();
                    }
                }
                Err(error) => return (frames, Some(error)),
            }
        }
    }
    let end = decoder.finish().err();
    (frames, end)
}

fn event() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z{}\\[\\]\"\\\\ \n:,é]{0,12}".prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
    ];
    let object = leaf.prop_recursive(3, 24, 4, |inner| {
        prop::collection::btree_map("[a-z\"{}]{1,6}", inner, 0..4)
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect()))
    });
    ("(ADDED|MODIFIED|DELETED|BOOKMARK)", object)
        .prop_map(|(kind, object)| serde_json::json!({"type": kind, "object": object}))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic_and_frames_stay_under_the_limit(
        data in prop::collection::vec(any::<u8>(), 0..600),
        cuts in prop::collection::vec(any::<u16>(), 0..8),
        max in 1usize..300,
    ) {
        let (frames, _) = run(chunks(&data, &cuts), max);
        for frame in frames {
            prop_assert!(frame.len() <= max);
        }
    }

    #[test]
    fn real_events_come_out_whole_however_they_are_chunked(
        events in prop::collection::vec(event(), 1..6),
        separators in prop::collection::vec("[ \n\t\r]{0,3}", 6),
        pretty in any::<bool>(),
        cuts in prop::collection::vec(any::<u16>(), 0..10),
    ) {
        let mut data = Vec::new();
        for (event, sep) in events.iter().zip(&separators) {
            let text = if pretty {
                serde_json::to_vec_pretty(event).unwrap()
            } else {
                serde_json::to_vec(event).unwrap()
            };
            data.extend_from_slice(&text);
            data.extend_from_slice(sep.as_bytes());
        }
        let (frames, error) = run(chunks(&data, &cuts), 1 << 20);
        prop_assert_eq!(error, None);
        let decoded: Vec<serde_json::Value> = frames
            .iter()
            .map(|f| serde_json::from_slice(f).unwrap())
            .collect();
        prop_assert_eq!(decoded, events);
    }
}
