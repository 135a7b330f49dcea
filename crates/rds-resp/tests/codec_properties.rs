//! Property tests: round trips, arbitrary chunking and arbitrary bytes for both decoders.
#![allow(clippy::unwrap_used)]

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rds_resp::frame::decode_frame;
use rds_resp::{Frame, RequestDecoder, RequestLimits};

fn encode_request(argv: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for arg in argv {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn decode_all(chunks: &[&[u8]]) -> Result<Vec<Vec<Bytes>>, rds_resp::ProtocolError> {
    let mut decoder = RequestDecoder::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(request) = decoder.decode(&mut buf, RequestLimits::default())? {
            out.push(request.argv);
        }
    }
    Ok(out)
}

fn split_at_points(bytes: &[u8], points: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = points.iter().map(|p| p % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut chunks = Vec::new();
    let mut last = 0;
    for cut in cuts {
        chunks.push(bytes[last..cut].to_vec());
        last = cut;
    }
    chunks.push(bytes[last..].to_vec());
    chunks
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    let leaf = prop_oneof![
        "[a-zA-Z0-9 ]{0,20}".prop_map(|s| Frame::Simple(Bytes::from(s))),
        "ERR [a-z ]{0,20}".prop_map(|s| Frame::Error(Bytes::from(s))),
        any::<i64>().prop_map(Frame::Integer),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| Frame::Bulk(Bytes::from(b))),
        Just(Frame::Null),
        any::<bool>().prop_map(Frame::Boolean),
        (-1e300f64..1e300).prop_map(Frame::Double),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Array),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Set),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Push),
            proptest::collection::vec((inner.clone(), inner), 0..4).prop_map(Frame::Map),
        ]
    })
}

proptest! {
    #[test]
    fn requests_round_trip_under_any_chunking(
        requests in proptest::collection::vec(proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..6), 1..6),
        points in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let wire: Vec<u8> = requests.iter().flat_map(|argv| encode_request(argv)).collect();
        let chunks = split_at_points(&wire, &points);
        let chunk_refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        let decoded = decode_all(&chunk_refs).unwrap();
        let expected: Vec<Vec<Bytes>> = requests.iter().map(|argv| argv.iter().cloned().map(Bytes::from).collect()).collect();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_request_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_all(&[&bytes]);
    }

    #[test]
    fn frames_round_trip_under_any_chunking(frame in arb_frame(), points in proptest::collection::vec(any::<usize>(), 0..8)) {
        let mut wire = BytesMut::new();
        frame.encode(&mut wire);
        let chunks = split_at_points(&wire, &points);
        let mut buf = BytesMut::new();
        let mut decoded = None;
        for chunk in chunks {
            buf.extend_from_slice(&chunk);
            if decoded.is_none() {
                decoded = decode_frame(&mut buf).unwrap();
            }
        }
        prop_assert_eq!(decoded, Some(frame));
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_frame_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut buf = BytesMut::from(&bytes[..]);
        let _ = decode_frame(&mut buf);
    }
}

#[test]
fn redis_protocol_errors_are_byte_exact() {
    let cases: &[(&[u8], &[u8])] = &[
        (b"*2\r\nGET\r\n", b"ERR Protocol error: expected '$', got 'G'"),
        (b"*abc\r\n", b"ERR Protocol error: invalid multibulk length"),
        (b"*1\r\n$-5\r\n", b"ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$2147483648000\r\n", b"ERR Protocol error: invalid bulk length"),
        (b"SET \"a b\r\n", b"ERR Protocol error: unbalanced quotes in request"),
    ];
    for (input, expected) in cases {
        let err = decode_all(&[input]).unwrap_err();
        assert_eq!(err.reply_text(), *expected, "input {:?}", String::from_utf8_lossy(input));
    }
}

#[test]
fn empty_requests_are_skipped() {
    let decoded = decode_all(&[b"*-1\r\n*0\r\nPING\r\n\r\nPING hi\r\n"]).unwrap();
    assert_eq!(decoded, vec![vec![Bytes::from("PING")], vec![Bytes::from("PING"), Bytes::from("hi")]]);
}

#[test]
fn unauthenticated_limits_apply() {
    let mut decoder = RequestDecoder::new();
    let limits = RequestLimits { authenticated: false, ..RequestLimits::default() };
    let mut buf = BytesMut::from(&b"*11\r\n"[..]);
    assert!(decoder.decode(&mut buf, limits).is_err());
    let mut decoder = RequestDecoder::new();
    let mut buf = BytesMut::from(&b"*1\r\n$16385\r\n"[..]);
    assert_eq!(
        decoder.decode(&mut buf, limits).unwrap_err().reply_text(),
        b"ERR Protocol error: unauthenticated bulk length"
    );
}

#[test]
fn oversized_headers_and_inline_requests_are_rejected() {
    let long = vec![b'a'; 70 * 1024];
    assert_eq!(decode_all(&[&long]).unwrap_err().reply_text(), b"ERR Protocol error: too big inline request");
    let mut mbulk = b"*1".to_vec();
    mbulk.extend_from_slice(&long);
    assert_eq!(decode_all(&[&mbulk]).unwrap_err().reply_text(), b"ERR Protocol error: too big mbulk count string");
}
