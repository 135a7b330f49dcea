//! Encodings only older Redis versions write (plain lists, string-double sorted sets, zipmaps,
//! ziplists, quicklists of ziplists, second-resolution expires, module aux data): crafted files
//! decode to the expected values, and a real redis-server 7.0.15 loads the same files to the same
//! values (which checks that the crafted bytes are what old Redis versions wrote).

#![allow(clippy::unwrap_used)]

mod common;

use common::{describe, hex};
use rds_rdb::{length, types, ziplist, zipmap, Decoder, Item, LoadLimits, CRC64};
use rds_resp::Frame;
use rds_testkit::client::parse_reply;
use rds_testkit::{require_redis, ServerBuilder, TempDir};

fn string(out: &mut Vec<u8>, s: &[u8]) {
    length::push(out, s.len() as u64);
    out.extend_from_slice(s);
}

fn key(out: &mut Vec<u8>, type_code: u8, name: &str) {
    out.push(type_code);
    string(out, name.as_bytes());
}

/// A v9 file holding every legacy encoding, and the text form each key must read back as.
fn legacy_file() -> (Vec<u8>, Vec<(&'static str, &'static str, String)>) {
    let mut f = b"REDIS0009".to_vec();
    f.extend_from_slice(&[0xfe, 0]);
    key(&mut f, types::LIST, "plain_list");
    length::push(&mut f, 3);
    for s in ["a", "bb", "12"] {
        string(&mut f, s.as_bytes());
    }
    key(&mut f, types::ZSET, "text_zset");
    length::push(&mut f, 3);
    for (member, score) in [("a", &b"1.5"[..]), ("b", &[254][..]), ("c", &[255][..])] {
        string(&mut f, member.as_bytes());
        if score.len() == 1 && score[0] >= 253 {
            f.push(score[0]);
        } else {
            f.push(score.len() as u8);
            f.extend_from_slice(score);
        }
    }
    key(&mut f, types::HASH_ZIPMAP, "zipmap_hash");
    string(&mut f, &zipmap::encode(&[(b"f1", b"v1"), (b"f2", b"2")]));
    key(&mut f, types::LIST_ZIPLIST, "ziplist_list");
    string(&mut f, &ziplist::encode(&["x", "7", "-100000", "yz"]));
    key(&mut f, types::ZSET_ZIPLIST, "ziplist_zset");
    string(&mut f, &ziplist::encode(&["m1", "1", "m2", "2.5"]));
    key(&mut f, types::HASH_ZIPLIST, "ziplist_hash");
    string(&mut f, &ziplist::encode(&["k", "v", "n", "300"]));
    f.push(0xfd); // EXPIRETIME in seconds
    f.extend_from_slice(&2_000_000_000i32.to_le_bytes());
    key(&mut f, types::LIST_QUICKLIST, "quicklist");
    length::push(&mut f, 2);
    string(&mut f, &ziplist::encode(&["1", "2"]));
    string(&mut f, &ziplist::encode(&["three"]));
    f.push(0xff);
    let crc = CRC64.checksum(&f);
    f.extend_from_slice(&crc.to_le_bytes());
    let h = |s: &str| hex(s.as_bytes());
    let expected = vec![
        ("plain_list", "list", [h("a"), h("bb"), h("12")].join(",")),
        ("text_zset", "zset", format!("{}:-inf,{}:1.5,{}:inf", h("c"), h("a"), h("b"))),
        ("zipmap_hash", "hash", format!("{}:{},{}:{}", h("f1"), h("v1"), h("f2"), h("2"))),
        ("ziplist_list", "list", [h("x"), h("7"), h("-100000"), h("yz")].join(",")),
        ("ziplist_zset", "zset", format!("{}:1,{}:2.5", h("m1"), h("m2"))),
        ("ziplist_hash", "hash", format!("{}:{},{}:{}", h("k"), h("v"), h("n"), h("300"))),
        ("quicklist", "list", [h("1"), h("2"), h("three")].join(",")),
    ];
    (f, expected)
}

fn sorted_pairs(text: &str) -> String {
    let mut parts: Vec<&str> = text.split(',').collect();
    parts.sort();
    parts.join(",")
}

#[test]
fn legacy_encodings_decode() {
    let (file, expected) = legacy_file();
    let entries: Vec<_> = Decoder::new(&file[..], LoadLimits::default())
        .unwrap()
        .filter_map(|item| match item.unwrap() {
            Item::Entry(entry) => Some(entry),
            _ => None,
        })
        .collect();
    assert_eq!(entries.len(), expected.len());
    for (entry, (name, kind, text)) in entries.iter().zip(&expected) {
        assert_eq!(entry.key.as_slice(), name.as_bytes());
        let (our_kind, _, our_text) = describe(&entry.value);
        assert_eq!(&our_kind, kind, "{name}");
        if *kind == "hash" {
            assert_eq!(sorted_pairs(&our_text), sorted_pairs(text), "{name}");
        } else {
            assert_eq!(&our_text, text, "{name}");
        }
    }
    assert_eq!(entries[6].expire_ms, Some(2_000_000_000_000));
}

#[test]
fn real_redis_reads_the_crafted_legacy_file_the_same_way() {
    let Some(bins) = require_redis() else { return };
    let dir = TempDir::new("rds-rdb-legacy").unwrap();
    let (file, expected) = legacy_file();
    std::fs::write(dir.path().join("legacy.rdb"), &file).unwrap();
    let dir_arg = dir.path().to_string_lossy().into_owned();
    let server = ServerBuilder::new(&bins.server)
        .args(["--dir", &dir_arg, "--dbfilename", "legacy.rdb", "--save", "", "--appendonly", "no"])
        .spawn()
        .unwrap();
    let mut client = server.client();
    for (name, kind, _) in &expected {
        let reply = parse_reply(&client.try_cmd(&[&b"DUMP"[..], name.as_bytes()]).unwrap()).unwrap();
        let Frame::Bulk(payload) = reply else { panic!("{name}: {reply:?}") };
        let value = rds_rdb::restore_payload(&payload).unwrap();
        let (their_kind, _, their_text) = describe(&value);
        let ours = expected.iter().find(|(n, _, _)| n == name).unwrap();
        assert_eq!(&their_kind, kind);
        assert_eq!(sorted_pairs(&their_text), sorted_pairs(&ours.2), "{name}");
    }
}

#[test]
fn module_aux_data_is_skipped() {
    let mut f = b"REDIS0010".to_vec();
    f.push(0xf7);
    length::push(&mut f, 0x1234_5678_9abc);
    length::push(&mut f, 2); // when_opcode: UINT
    length::push(&mut f, 1); // when: before keys
    length::push(&mut f, 2); // a UINT field
    length::push(&mut f, 99);
    length::push(&mut f, 4); // a DOUBLE field
    f.extend_from_slice(&1.5f64.to_le_bytes());
    length::push(&mut f, 5); // a STRING field
    string(&mut f, b"module data");
    length::push(&mut f, 0); // EOF
    key(&mut f, types::STRING, "k");
    string(&mut f, b"v");
    f.push(0xff);
    f.extend_from_slice(&[0; 8]);
    let items: Vec<Item> = Decoder::new(&f[..], LoadLimits::default()).unwrap().map(Result::unwrap).collect();
    assert_eq!(items[0], Item::ModuleAux { module_id: 0x1234_5678_9abc });
    assert!(matches!(&items[1], Item::Entry(e) if e.key.as_slice() == b"k"));
}
