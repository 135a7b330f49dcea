//! Property tests: random datasets of every type survive encode → decode; every prefix of a file and
//! arbitrary bytes give an error, never a panic; DUMP payloads round-trip.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use rds_rdb::{
    decode_payload, dump_payload_with, restore_payload, AuxFields, Decoder, EncodeOptions, Encoder, EntryRef, Item,
    LoadLimits, RdbError,
};
use rds_storage::hash::{Hash, HashLimits};
use rds_storage::list::{End, List};
use rds_storage::set::{Set, SetLimits};
use rds_storage::zset::{AddFlags, ZSet, ZSetLimits};
use rds_storage::Value;

fn small_limits() -> LoadLimits {
    LoadLimits {
        list_max_listpack_size: 3,
        hash: HashLimits { max_listpack_entries: 4, max_listpack_value: 8 },
        set: SetLimits { max_intset_entries: 4 },
        zset: ZSetLimits { max_listpack_entries: 4, max_listpack_value: 8 },
    }
}

fn element() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..12),
        any::<i64>().prop_map(|v| v.to_string().into_bytes()),
        (0i64..300).prop_map(|v| v.to_string().into_bytes()),
        (1usize..200, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
        proptest::collection::vec(any::<u8>(), 60..5000),
    ]
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<i32>().prop_map(f64::from),
        any::<f64>().prop_filter("not NaN", |s| !s.is_nan()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        (-1000i32..1000).prop_map(|v| f64::from(v) / 8.0),
    ]
}

fn value(limits: LoadLimits) -> impl Strategy<Value = Value> {
    let elements = || proptest::collection::vec(element(), 1..40);
    prop_oneof![
        element().prop_map(|s| Value::string(&s)),
        (elements(), prop_oneof![Just(-2i64), Just(-1), Just(1), Just(3), Just(0), Just(-5)]).prop_map(
            |(items, fill)| {
                let mut list = List::new(fill);
                items.iter().for_each(|item| list.push(End::Tail, item));
                Value::List(Box::new(list))
            }
        ),
        elements().prop_map(move |items| Value::Set(Set::from_members(&items, &limits.set))),
        proptest::collection::vec((0i64..100).prop_map(|v| v.to_string().into_bytes()), 1..10)
            .prop_map(move |items| Value::Set(Set::from_members(&items, &limits.set))),
        proptest::collection::vec((element(), element()), 1..30).prop_map(move |pairs| {
            let mut hash = Hash::new();
            pairs.iter().for_each(|(f, v)| {
                hash.set(f, v, &limits.hash);
            });
            Value::Hash(hash)
        }),
        proptest::collection::vec((element(), score()), 1..30).prop_map(move |pairs| {
            let mut zset = ZSet::new();
            for (member, score) in &pairs {
                zset.add(member, *score, AddFlags::default(), &limits.zset).unwrap();
            }
            Value::ZSet(Box::new(zset))
        }),
    ]
}

type Dataset = BTreeMap<(u64, Vec<u8>), (Value, Option<i64>)>;

fn dataset(limits: LoadLimits) -> impl Strategy<Value = Dataset> {
    proptest::collection::btree_map(
        (0u64..3, element()),
        (value(limits), proptest::option::of(1_000_000_000_000i64..5_000_000_000_000)),
        0..12,
    )
}

fn encode(data: &Dataset, options: EncodeOptions) -> Vec<u8> {
    let mut encoder = Encoder::new(Vec::new(), options).unwrap();
    encoder.aux_fields(&AuxFields { ctime: 1_700_000_000, used_mem: 1 << 20, ..AuxFields::default() }).unwrap();
    let mut current = None;
    for ((db, key), (value, expire_ms)) in data {
        if current != Some(*db) {
            let keys = data.keys().filter(|(d, _)| d == db).count() as u64;
            encoder.select_db(*db, keys, 0).unwrap();
            current = Some(*db);
        }
        encoder.entry(&EntryRef { key, value, expire_ms: *expire_ms, idle_secs: None, freq: None }).unwrap();
    }
    encoder.finish().unwrap()
}

fn decode(bytes: &[u8], limits: LoadLimits) -> Result<Dataset, RdbError> {
    let mut out = Dataset::new();
    for item in Decoder::new(bytes, limits)? {
        if let Item::Entry(entry) = item? {
            out.insert((entry.db, entry.key.to_vec()), (entry.value, entry.expire_ms));
        }
    }
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn datasets_round_trip(data in dataset(LoadLimits::default()), compression in any::<bool>()) {
        let bytes = encode(&data, EncodeOptions { compression, checksum: true });
        prop_assert_eq!(decode(&bytes, LoadLimits::default()).unwrap(), data);
    }

    #[test]
    fn datasets_with_small_limits_round_trip(data in dataset(small_limits())) {
        let bytes = encode(&data, EncodeOptions::default());
        prop_assert_eq!(decode(&bytes, small_limits()).unwrap(), data.clone());
        // Loading with other limits changes encodings, never contents.
        prop_assert_eq!(decode(&bytes, LoadLimits::default()).unwrap(), data);
    }

    #[test]
    fn dump_payloads_round_trip(value in value(small_limits()), compression in any::<bool>()) {
        let payload = dump_payload_with(&value, compression);
        prop_assert_eq!(restore_payload(&payload).unwrap(), value.clone());
        prop_assert_eq!(decode_payload(&payload, &small_limits()).unwrap(), value);
    }

    #[test]
    fn every_prefix_of_a_file_is_an_error(data in dataset(small_limits())) {
        let bytes = encode(&data, EncodeOptions::default());
        // Every length near the ends, and about 200 spread over the middle.
        let step = (bytes.len() / 200).max(1);
        let lens = (0..bytes.len()).filter(|&len| len < 64 || len + 64 > bytes.len() || len % step == 0);
        for len in lens {
            prop_assert!(decode(&bytes[..len], small_limits()).is_err(), "prefix of {} bytes", len);
        }
    }

    #[test]
    fn flipped_bytes_are_errors(data in dataset(small_limits()), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = encode(&data, EncodeOptions::default());
        let index = at.index(bytes.len());
        bytes[index] ^= 1 << bit;
        prop_assert!(decode(&bytes, small_limits()).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut bytes = b"REDIS0010".to_vec();
        bytes.extend_from_slice(&tail);
        let _ = decode(&bytes, small_limits());
        let _ = decode_payload(&tail, &small_limits());
        let _ = restore_payload(&tail);
    }
}

#[test]
fn headers_are_checked() {
    assert!(matches!(decode(b"REDIS0011\xff", LoadLimits::default()), Err(RdbError::UnsupportedVersion(11))));
    assert!(matches!(decode(b"REDIS0000\xff", LoadLimits::default()), Err(RdbError::UnsupportedVersion(0))));
    assert!(matches!(decode(b"REDIX0010\xff", LoadLimits::default()), Err(RdbError::BadMagic)));
    assert!(matches!(decode(b"RED", LoadLimits::default()), Err(RdbError::BadMagic)));
    // Old versions have no checksum; version 5+ with a zero checksum is accepted.
    assert_eq!(decode(b"REDIS0004\xff", LoadLimits::default()).unwrap(), Dataset::new());
    assert_eq!(decode(b"REDIS0009\xff\0\0\0\0\0\0\0\0", LoadLimits::default()).unwrap(), Dataset::new());
    let error = decode(b"REDIS0009\xff\x01\0\0\0\0\0\0\0", LoadLimits::default()).unwrap_err();
    assert!(matches!(error, RdbError::Checksum { expected: 1, .. }), "{error:?}");
}

#[test]
fn checksum_can_be_disabled_on_both_sides() {
    let mut data = Dataset::new();
    data.insert((0, b"k".to_vec()), (Value::string(b"v"), None));
    let bytes = encode(&data, EncodeOptions { compression: true, checksum: false });
    assert_eq!(&bytes[bytes.len() - 8..], [0; 8]);
    assert_eq!(decode(&bytes, LoadLimits::default()).unwrap(), data);
    let mut bad = encode(&data, EncodeOptions::default());
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let mut decoder = Decoder::new(&bad[..], LoadLimits::default()).unwrap();
    decoder.verify_checksum(false);
    assert_eq!(decoder.filter(|item| matches!(item, Ok(Item::Entry(_)))).count(), 1);
}

#[test]
fn huge_claimed_lengths_do_not_allocate() {
    // A string claiming 2^62 bytes, and a list claiming 2^62 elements, in a tiny file.
    let huge = [0x81, 0x40, 0, 0, 0, 0, 0, 0, 0];
    let mut file = b"REDIS0010\x00\x01k".to_vec();
    file.extend_from_slice(&huge);
    file.extend_from_slice(b"abc");
    assert!(matches!(decode(&file, LoadLimits::default()), Err(RdbError::Truncated { .. })));
    let mut file = b"REDIS0010\x01\x01k".to_vec();
    file.extend_from_slice(&huge);
    assert!(matches!(decode(&file, LoadLimits::default()), Err(RdbError::Truncated { .. })));
    let mut file = b"REDIS0010\x00\x01k\xc3".to_vec();
    file.extend_from_slice(&[0x01, 0x81, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x00]);
    assert!(matches!(decode(&file, LoadLimits::default()), Err(RdbError::Corrupt { .. })));
}
