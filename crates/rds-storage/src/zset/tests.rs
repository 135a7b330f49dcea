use super::*;
use std::collections::HashSet;

const SMALL: ZSetLimits = ZSetLimits { max_listpack_entries: 4, max_listpack_value: 8 };

fn zset(entries: &[(&str, f64)], limits: &ZSetLimits) -> ZSet {
    let mut z = ZSet::new();
    for (member, score) in entries {
        z.add(member.as_bytes(), *score, AddFlags::default(), limits).expect("valid score");
    }
    z
}

fn collect(iter: ZIter<'_>) -> Vec<(String, f64)> {
    iter.map(|(m, s)| (String::from_utf8_lossy(m).into_owned(), s)).collect()
}

fn both_encodings(entries: &[(&str, f64)]) -> [ZSet; 2] {
    let small = zset(entries, &ZSetLimits::default());
    let mut big = ZSet::with_hint(1000, 0, &ZSetLimits::default());
    for (member, score) in entries {
        big.add(member.as_bytes(), *score, AddFlags::default(), &ZSetLimits::default()).expect("valid");
    }
    assert_eq!((small.encoding_name(), big.encoding_name()), ("listpack", "skiplist"));
    [small, big]
}

#[test]
fn zadd_flags_follow_redis() {
    for limits in [ZSetLimits::default(), ZSetLimits { max_listpack_entries: 0, max_listpack_value: 0 }] {
        let mut z = zset(&[("a", 1.0)], &limits);
        let nx_incr = AddFlags { nx: true, incr: true, ..AddFlags::default() };
        let xx = AddFlags { xx: true, ..AddFlags::default() };
        let gt = AddFlags { gt: true, ..AddFlags::default() };
        let lt_incr = AddFlags { lt: true, incr: true, ..AddFlags::default() };
        assert_eq!(z.add(b"a", 5.0, AddFlags::default(), &limits), Ok(AddOutcome::Updated(5.0)));
        assert_eq!(z.add(b"a", 5.0, nx_incr, &limits), Ok(AddOutcome::Skipped));
        assert_eq!(z.add(b"a", 5.0, xx, &limits), Ok(AddOutcome::Unchanged(5.0)));
        assert_eq!(z.add(b"q", 7.0, xx, &limits), Ok(AddOutcome::Skipped));
        assert_eq!(z.add(b"a", 3.0, gt, &limits), Ok(AddOutcome::Skipped));
        assert_eq!(z.add(b"b", 8.0, gt, &limits), Ok(AddOutcome::Added(8.0)));
        assert_eq!(z.add(b"b", 1.0, lt_incr, &limits), Ok(AddOutcome::Skipped));
        assert_eq!(z.add(b"b", -1.0, lt_incr, &limits), Ok(AddOutcome::Updated(7.0)));
        let incr = AddFlags { incr: true, ..AddFlags::default() };
        assert_eq!(z.add(b"c", 2.5, incr, &limits), Ok(AddOutcome::Added(2.5)));
        assert_eq!(z.add(b"inf", f64::INFINITY, incr, &limits), Ok(AddOutcome::Added(f64::INFINITY)));
        assert_eq!(z.add(b"inf", f64::NEG_INFINITY, incr, &limits), Err(ZSetError::NotANumber));
        assert_eq!(z.add(b"x", f64::NAN, AddFlags::default(), &limits), Err(ZSetError::NotANumber));
        assert_eq!(z.score(b"inf"), Some(f64::INFINITY));
        assert_eq!(collect(z.iter()).len(), 4);
        assert_eq!(z.score(b"b"), Some(7.0));
    }
}

#[test]
fn negative_zero_reads_back_like_redis() {
    // Redis's listpack stores scores as text and prints -0 as "0"; its skiplist keeps -0.
    let [small, big] = both_encodings(&[("d", -0.0)]);
    assert_eq!(small.score(b"d").map(f64::to_bits), Some(0.0f64.to_bits()));
    assert_eq!(big.score(b"d").map(f64::to_bits), Some((-0.0f64).to_bits()));
    let mut z = zset(&[("x", 0.0)], &ZSetLimits::default());
    let incr = AddFlags { incr: true, ..AddFlags::default() };
    assert_eq!(z.add(b"x", -0.0, incr, &ZSetLimits::default()), Ok(AddOutcome::Unchanged(0.0)));
}

#[test]
fn converts_past_thresholds_and_never_back() {
    let mut z = zset(&[("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0)], &SMALL);
    assert_eq!(z.encoding_name(), "listpack");
    z.add(b"e", 5.0, AddFlags::default(), &SMALL).expect("valid");
    assert_eq!(z.encoding_name(), "skiplist");
    z.remove_range_by_rank(0, -2);
    assert_eq!((z.encoding_name(), z.len()), ("skiplist", 1));
    z.convert_to_listpack_if_needed(&SMALL);
    assert_eq!(z.encoding_name(), "listpack");
    assert_eq!(collect(z.iter()), vec![("e".to_string(), 5.0)]);

    let mut long = zset(&[("a", 1.0)], &SMALL);
    long.add(b"123456789", 0.0, AddFlags::default(), &SMALL).expect("valid");
    assert_eq!(long.encoding_name(), "skiplist");
    long.convert_to_listpack_if_needed(&SMALL);
    assert_eq!(long.encoding_name(), "skiplist");
    // Updating an existing member never converts.
    let mut z = zset(&[("a", 1.0)], &SMALL);
    z.add(b"a", 1e300, AddFlags::default(), &SMALL).expect("valid");
    assert_eq!(z.encoding_name(), "listpack");
}

#[test]
fn small_sets_cost_less_than_redis_listpacks() {
    assert_eq!(std::mem::size_of::<ZSet>(), 24);
    let entries: Vec<(String, f64)> = (0..10).map(|i| (format!("member:{i}"), i as f64)).collect();
    let refs: Vec<(&str, f64)> = entries.iter().map(|(m, s)| (m.as_str(), *s)).collect();
    let z = zset(&refs, &ZSetLimits::default());
    let total = std::mem::size_of::<ZSet>() + z.heap_size();
    assert!(total <= 160, "10 members take {total} bytes");
}

#[test]
fn ranges_agree_across_encodings() {
    let entries = [("a", 1.0), ("b", 2.0), ("c", 2.0), ("d", 3.5), ("e", f64::INFINITY), ("z", f64::NEG_INFINITY)];
    for z in both_encodings(&entries) {
        let names = |iter: ZIter<'_>| collect(iter).into_iter().map(|(m, _)| m).collect::<Vec<_>>().join("");
        assert_eq!(names(z.range_by_rank(0, -1, false)), "zabcde");
        assert_eq!(names(z.range_by_rank(0, 1, true)), "ed");
        assert_eq!(names(z.range_by_rank(-2, i64::MAX, false)), "de");
        assert_eq!(names(z.range_by_rank(i64::MIN, -100, false)), "");
        assert_eq!(z.range_by_rank(1, 3, true).len(), 3);
        let two = ScoreRange::parse(b"2", b"(3.5").expect("valid");
        assert_eq!(names(z.range_by_score(&two, false, Limit::NONE)), "bc");
        assert_eq!(names(z.range_by_score(&two, true, Limit::NONE)), "cb");
        assert_eq!(z.count_by_score(&ScoreRange::ALL), 6);
        assert_eq!(z.count_by_score(&ScoreRange::parse(b"(1", b"+inf").expect("valid")), 4);
        assert_eq!(z.count_by_score(&ScoreRange::parse(b"3", b"1").expect("valid")), 0);
        let all = ScoreRange::ALL;
        assert_eq!(names(z.range_by_score(&all, false, Limit { offset: 1, count: 2 })), "ab");
        assert_eq!(names(z.range_by_score(&all, true, Limit { offset: 1, count: 2 })), "dc");
        assert_eq!(names(z.range_by_score(&all, true, Limit { offset: -1, count: 2 })), "");
        assert_eq!(z.rank(b"c", false), Some((3, 2.0)));
        assert_eq!(z.rank(b"c", true), Some((2, 2.0)));
        assert_eq!(z.rank(b"nope", false), None);
    }
    let same = [("a", 0.0), ("b", 0.0), ("c", 0.0), ("d", 0.0)];
    for mut z in both_encodings(&same) {
        let lex = LexRange::parse(b"(a", b"[c").expect("valid");
        assert_eq!(collect(z.range_by_lex(&lex, true, Limit::NONE)).len(), 2);
        assert_eq!(z.count_by_lex(&LexRange::ALL), 4);
        assert_eq!(z.count_by_lex(&LexRange::parse(b"-", b"(b").expect("valid")), 1);
        assert_eq!(z.remove_range_by_lex(&lex), 2);
        assert_eq!(collect(z.iter()), vec![("a".to_string(), 0.0), ("d".to_string(), 0.0)]);
    }
}

#[test]
fn removals_and_pops() {
    let entries = [("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0), ("e", 5.0)];
    for mut z in both_encodings(&entries) {
        assert!(z.remove(b"c"));
        assert!(!z.remove(b"c"));
        let popped = z.pop(2, true);
        assert_eq!(popped, vec![(CompactBytes::from("e"), 5.0), (CompactBytes::from("d"), 4.0)]);
        assert_eq!(z.pop(10, false).len(), 2);
        assert!(z.is_empty());
        assert!(z.pop(1, false).is_empty());
    }
    for mut z in both_encodings(&entries) {
        assert_eq!(z.remove_range_by_score(&ScoreRange::parse(b"(1", b"4").expect("valid")), 3);
        assert_eq!(z.remove_range_by_rank(5, 10), 0);
        assert_eq!(z.remove_range_by_rank(-1, -1), 1);
        assert_eq!(collect(z.iter()), vec![("a".to_string(), 1.0)]);
    }
}

#[test]
fn random_members_and_scan() {
    let entries: Vec<(String, f64)> = (0..50).map(|i| (format!("m{i}"), i as f64)).collect();
    let refs: Vec<(&str, f64)> = entries.iter().map(|(m, s)| (m.as_str(), *s)).collect();
    let small = zset(&refs, &ZSetLimits { max_listpack_entries: 100, max_listpack_value: 64 });
    let big = zset(&refs, &SMALL);
    for z in [&small, &big] {
        for count in [0, 1, 5, 20, 49, 50, 500] {
            let mut seen = HashSet::new();
            z.random_members(count, true, |m, s| {
                assert_eq!(z.score(m), Some(s));
                assert!(seen.insert(m.to_vec()), "duplicate");
                true
            });
            assert_eq!(seen.len(), count.min(50));
        }
        let mut picks = 0;
        z.random_members(500, false, |m, _| {
            assert!(z.contains(m));
            picks += 1;
            true
        });
        assert_eq!(picks, 500);
        let mut scanned = HashSet::new();
        let mut cursor = 0;
        loop {
            cursor = z.scan(cursor, |m, _| {
                scanned.insert(m.to_vec());
            });
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(scanned.len(), 50);
    }
    assert_eq!(small, big);
    assert_eq!(big.clone(), small.clone());
    assert!(format!("{small:?}").contains("listpack"));
}

#[test]
fn big_sets_keep_dict_chains_short() {
    let mut z = ZSet::new();
    for i in 0..20_000 {
        let member = format!("member:{i}");
        z.add(member.as_bytes(), f64::from(i % 100), AddFlags::default(), &ZSetLimits::default()).expect("valid");
    }
    let Repr::Skiplist(big) = &z.repr else { panic!("expected skiplist") };
    assert!(big.dict.bucket_count() >= big.dict.len() / 2, "{} buckets", big.dict.bucket_count());
    assert_eq!(z.clone(), z);
}
