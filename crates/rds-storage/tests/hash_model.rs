//! Model test: random operation sequences on [`Hash`] and on an insertion-ordered `Vec` of pairs,
//! compared after each step, with small thresholds so hashes cross from listpack to hashtable.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use rds_storage::hash::{Hash, HashLimits};

#[derive(Debug, Clone)]
enum Op {
    Set(Vec<u8>, Vec<u8>),
    Remove(Vec<u8>),
    Get(Vec<u8>),
    RandomFields(i64),
    RandomField,
    Scan,
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::sample::select(vec![&b"a"[..], b"b", b"c", b"", b"field", b"7"]).prop_map(<[u8]>::to_vec),
        3 => prop::collection::vec(any::<u8>(), 0..12),
        1 => prop::collection::vec(any::<u8>(), 20..100),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (bytes(), bytes()).prop_map(|(f, v)| Op::Set(f, v)),
        3 => bytes().prop_map(Op::Remove),
        2 => bytes().prop_map(Op::Get),
        1 => prop_oneof![-12i64..12, Just(i64::MAX)].prop_map(Op::RandomFields),
        1 => Just(Op::RandomField),
        1 => Just(Op::Scan),
    ]
}

struct Model {
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    converted: bool,
}

impl Model {
    fn map(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.pairs.iter().cloned().collect()
    }
}

fn apply(hash: &mut Hash, model: &mut Model, op: Op, limits: &HashLimits) -> Result<(), TestCaseError> {
    match op {
        Op::Set(field, value) => {
            if field.len() > limits.max_listpack_value || value.len() > limits.max_listpack_value {
                model.converted = true;
            }
            let existing = model.pairs.iter_mut().find(|(f, _)| *f == field);
            let added = existing.is_none();
            match existing {
                Some(pair) => pair.1 = value.clone(),
                None => model.pairs.push((field.clone(), value.clone())),
            }
            if model.pairs.len() > limits.max_listpack_entries {
                model.converted = true;
            }
            prop_assert_eq!(hash.set(&field, &value, limits), added);
        }
        Op::Remove(field) => {
            let at = model.pairs.iter().position(|(f, _)| *f == field);
            if let Some(at) = at {
                model.pairs.remove(at);
            }
            prop_assert_eq!(hash.remove(&field), at.is_some());
        }
        Op::Get(field) => {
            let expected = model.pairs.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_slice());
            prop_assert_eq!(hash.get(&field), expected);
            prop_assert_eq!(hash.contains(&field), expected.is_some());
        }
        Op::RandomFields(count) => {
            let map = model.map();
            let mut seen = Vec::new();
            hash.random_fields(count, |f, v| seen.push((f.to_vec(), v.to_vec())));
            for (f, v) in &seen {
                prop_assert_eq!(map.get(f), Some(v));
            }
            let distinct: BTreeSet<_> = seen.iter().collect();
            if count >= 0 {
                prop_assert_eq!(seen.len(), (count as usize).min(map.len()));
                prop_assert_eq!(distinct.len(), seen.len());
            } else {
                let expected = if map.is_empty() { 0 } else { count.unsigned_abs() as usize };
                prop_assert_eq!(seen.len(), expected);
            }
        }
        Op::RandomField => {
            let map = model.map();
            let picked = hash.random_field().map(|(f, v)| (f.to_vec(), v.to_vec()));
            match picked {
                Some((f, v)) => prop_assert_eq!(map.get(&f), Some(&v)),
                None => prop_assert!(map.is_empty()),
            }
        }
        Op::Scan => {
            let mut seen = BTreeMap::new();
            let mut cursor = 0;
            let mut steps = 0;
            loop {
                cursor = hash.scan(cursor, |f, v| {
                    seen.insert(f.to_vec(), v.to_vec());
                });
                steps += 1;
                if cursor == 0 {
                    break;
                }
            }
            prop_assert_eq!(seen, model.map());
            if !model.converted {
                prop_assert_eq!(steps, 1);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn hash_behaves_like_a_map(
        max_listpack_entries in 0usize..10,
        max_listpack_value in 0usize..16,
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let limits = HashLimits { max_listpack_entries, max_listpack_value };
        let mut hash = Hash::new();
        let mut model = Model { pairs: Vec::new(), converted: false };
        for op in ops {
            apply(&mut hash, &mut model, op, &limits)?;
            prop_assert_eq!(hash.len(), model.pairs.len());
            prop_assert_eq!(hash.is_empty(), model.pairs.is_empty());
            let expected = if model.converted { "hashtable" } else { "listpack" };
            prop_assert_eq!(hash.encoding_name(), expected);
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = hash.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            if model.converted {
                let as_map: BTreeMap<_, _> = pairs.iter().cloned().collect();
                prop_assert_eq!(as_map.len(), pairs.len());
                prop_assert_eq!(as_map, model.map());
            } else {
                // A listpack keeps insertion order, with updates in place.
                prop_assert_eq!(&pairs, &model.pairs);
            }
        }
        prop_assert_eq!(&hash.clone(), &hash);
    }
}
