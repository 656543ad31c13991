//! The SPDY/3.1 framer: every frame type round-trips between two framers (so the two zlib
//! contexts stay in step across frames), limits are enforced early, and hostile bytes never panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use bytes::{Bytes, BytesMut};
use kclient_apimachinery::httpstream::spdy::{
    FLAG_FIN, FLAG_UNIDIRECTIONAL, Frame, Framer, GoAwayStatus, Headers, Limits, RstStatus, Setting,
};
use proptest::prelude::*;

fn sample_frames() -> Vec<Frame> {
    let h = |t: &str, id: &str| {
        Headers::new()
            .with("streamType", t)
            .with("port", "8080")
            .with("requestID", id)
    };
    vec![
        Frame::SynStream {
            stream_id: 1,
            associated_to: 0,
            priority: 0,
            flags: FLAG_FIN,
            headers: h("error", "0"),
        },
        Frame::SynStream {
            stream_id: 3,
            associated_to: 1,
            priority: 7,
            flags: FLAG_UNIDIRECTIONAL,
            headers: h("data", "0"),
        },
        Frame::SynReply {
            stream_id: 1,
            flags: 0,
            headers: Headers::new(),
        },
        Frame::SynReply {
            stream_id: 3,
            flags: FLAG_FIN,
            headers: h("data", "0"),
        },
        Frame::Headers {
            stream_id: 3,
            flags: 0,
            headers: Headers::new().with("x", "a").with("x", "b"),
        },
        Frame::Data {
            stream_id: 3,
            flags: 0,
            data: Bytes::from_static(b"hello"),
        },
        Frame::Data {
            stream_id: 3,
            flags: FLAG_FIN,
            data: Bytes::new(),
        },
        Frame::RstStream {
            stream_id: 3,
            status: RstStatus::CANCEL,
        },
        Frame::Settings {
            flags: 1,
            entries: vec![
                Setting {
                    flags: 1,
                    id: 7,
                    value: 65536,
                },
                Setting {
                    flags: 0,
                    id: 4,
                    value: 100,
                },
            ],
        },
        Frame::Ping { id: 1 },
        Frame::GoAway {
            last_good_stream_id: 3,
            status: GoAwayStatus::OK,
        },
        Frame::WindowUpdate {
            stream_id: 3,
            delta: 0x7fff_ffff,
        },
    ]
}

#[test]
fn every_frame_round_trips_through_shared_compression_contexts() {
    let mut tx = Framer::new().unwrap();
    let mut rx = Framer::new().unwrap();
    let frames = sample_frames();
    let mut wire = BytesMut::new();
    for f in &frames {
        tx.encode(f, &mut wire).unwrap();
    }
    // Feed the wire one byte at a time: decode must wait for whole frames.
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for b in wire.iter() {
        buf.extend_from_slice(&[*b]);
        while let Some(f) = rx.decode(&mut buf).unwrap() {
            got.push(f);
        }
    }
    assert!(buf.is_empty());
    assert_eq!(got, frames);
    // The later header blocks reuse the window: the second identical block compresses smaller.
    let mut a = BytesMut::new();
    let mut b = BytesMut::new();
    let syn = frames[0].clone();
    tx.encode(&syn, &mut a).unwrap();
    tx.encode(&syn, &mut b).unwrap();
    assert!(b.len() <= a.len());
}

#[test]
fn wire_layout_matches_the_specification() {
    let mut f = Framer::new().unwrap();
    let mut out = BytesMut::new();
    f.encode(&Frame::Ping { id: 5 }, &mut out).unwrap();
    assert_eq!(&out[..], [0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 5]);
    out.clear();
    f.encode(
        &Frame::RstStream {
            stream_id: 3,
            status: RstStatus::CANCEL,
        },
        &mut out,
    )
    .unwrap();
    assert_eq!(
        &out[..],
        [0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 5]
    );
    out.clear();
    f.encode(
        &Frame::Data {
            stream_id: 5,
            flags: FLAG_FIN,
            data: Bytes::from_static(b"ab"),
        },
        &mut out,
    )
    .unwrap();
    assert_eq!(&out[..], [0, 0, 0, 5, 1, 0, 0, 2, b'a', b'b']);
    // A SYN_STREAM's header block is a zlib stream announcing a preset dictionary (FDICT).
    out.clear();
    let headers = Headers::new().with("streamtype", "data");
    f.encode(
        &Frame::SynStream {
            stream_id: 1,
            associated_to: 0,
            priority: 0,
            flags: 0,
            headers,
        },
        &mut out,
    )
    .unwrap();
    assert_eq!(&out[..4], [0x80, 3, 0, 1]);
    let cmf = out[18];
    let flg = out[19];
    assert_eq!(cmf & 0x0f, 8, "deflate");
    assert_ne!(flg & 0x20, 0, "FDICT set");
    assert_eq!((u16::from(cmf) * 256 + u16::from(flg)) % 31, 0);
}

#[test]
fn oversized_frames_are_refused_from_their_header() {
    let limits = Limits {
        max_data_frame: 1024,
        max_control_frame: 128,
        max_header_block: 64,
    };
    let mut rx = Framer::with_limits(limits).unwrap();
    let mut buf = BytesMut::from(&[0u8, 0, 0, 1, 0, 0, 0x10, 0][..]);
    let err = rx.decode(&mut buf).unwrap_err().to_string();
    assert!(
        err.contains("4096 exceeds the DATA frame limit of 1024"),
        "{err}"
    );

    let mut rx = Framer::with_limits(limits).unwrap();
    let mut buf = BytesMut::from(&[0x80u8, 3, 0, 1, 0, 0, 1, 0][..]);
    let err = rx.decode(&mut buf).unwrap_err().to_string();
    assert!(err.contains("exceeds the control frame limit"), "{err}");

    // A header block that inflates past the limit (a zlib bomb) is refused.
    let mut tx = Framer::new().unwrap();
    let mut rx = Framer::with_limits(Limits {
        max_control_frame: 1 << 16,
        ..limits
    })
    .unwrap();
    let mut wire = BytesMut::new();
    let big = Headers::new().with("x", "a".repeat(10_000));
    tx.encode(
        &Frame::SynReply {
            stream_id: 1,
            flags: 0,
            headers: big,
        },
        &mut wire,
    )
    .unwrap();
    assert!(wire.len() < 200, "compresses well: {}", wire.len());
    let err = rx.decode(&mut wire).unwrap_err().to_string();
    assert!(err.contains("inflates to more than 64 bytes"), "{err}");
}

#[test]
fn malformed_control_frames_get_clear_errors() {
    let cases: &[(&[u8], &str)] = &[
        (
            &[0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1],
            "unsupported SPDY version 2",
        ),
        (&[0x80, 3, 0, 6, 0, 0, 0, 3, 0, 0, 1], "expected exactly 4"),
        (
            &[0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 5],
            "RST_STREAM frame: stream id 0",
        ),
        (
            &[0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0],
            "status code 0",
        ),
        (
            &[0x80, 3, 0, 4, 0, 0, 0, 4, 0, 0, 0, 9],
            "9 entries declared but 0 bytes",
        ),
        (
            &[0x80, 3, 0, 2, 0, 0, 0, 6, 0, 0, 0, 1, 0x78, 0xbb],
            "SYN_REPLY frame: header block",
        ),
        (&[0, 0, 0, 0, 0, 0, 0, 0], "DATA frame: stream id 0"),
    ];
    for (bytes, want) in cases {
        let mut rx = Framer::new().unwrap();
        let mut buf = BytesMut::from(*bytes);
        let err = rx.decode(&mut buf).unwrap_err().to_string();
        assert!(err.contains(want), "{bytes:?}: {err}");
    }
    // Unknown control types are skipped, as the specification asks.
    let mut rx = Framer::new().unwrap();
    let mut buf = BytesMut::from(&[0x80u8, 3, 0, 10, 0, 0, 0, 2, 9, 9][..]);
    assert_eq!(
        rx.decode(&mut buf).unwrap(),
        Some(Frame::Unknown { frame_type: 10 })
    );
    assert!(buf.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut rx = Framer::with_limits(Limits { max_data_frame: 4096, max_control_frame: 4096, max_header_block: 4096 }).unwrap();
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = rx.decode(&mut buf) {}
    }

    #[test]
    fn corrupting_a_valid_stream_never_panics(idx in 0usize..400, byte in any::<u8>()) {
        let mut tx = Framer::new().unwrap();
        let mut wire = BytesMut::new();
        for f in sample_frames() {
            tx.encode(&f, &mut wire).unwrap();
        }
        let i = idx % wire.len();
        wire[i] = byte;
        let mut rx = Framer::new().unwrap();
        while let Ok(Some(_)) = rx.decode(&mut wire) {}
    }

    #[test]
    fn data_frames_round_trip(id in 1u32..0x7fff_ffff, fin in any::<bool>(), data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut tx = Framer::new().unwrap();
        let mut rx = Framer::new().unwrap();
        let frame = Frame::Data { stream_id: id, flags: if fin { FLAG_FIN } else { 0 }, data: Bytes::from(data) };
        let mut wire = BytesMut::new();
        tx.encode(&frame, &mut wire).unwrap();
        prop_assert_eq!(rx.decode(&mut wire).unwrap(), Some(frame));
    }

    #[test]
    fn header_blocks_round_trip(pairs in proptest::collection::vec(("[a-z][a-z0-9-]{0,12}", "[ -~]{0,40}"), 0..8)) {
        let mut headers = Headers::new();
        for (n, v) in &pairs {
            headers.add(n, v.as_str());
        }
        let mut tx = Framer::new().unwrap();
        let mut rx = Framer::new().unwrap();
        let frame = Frame::Headers { stream_id: 1, flags: 0, headers };
        let mut wire = BytesMut::new();
        for _ in 0..3 {
            tx.encode(&frame, &mut wire).unwrap();
        }
        for _ in 0..3 {
            prop_assert_eq!(rx.decode(&mut wire).unwrap(), Some(frame.clone()));
        }
    }
}
