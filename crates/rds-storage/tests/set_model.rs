//! Model test: random operation sequences on [`Set`] and on a `BTreeSet`, compared after each step,
//! with small thresholds so sets cross from intset to hashtable, plus the set algebra.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use proptest::prelude::*;
use rds_storage::num::parse_i64;
use rds_storage::set::{Set, SetLimits};

#[derive(Debug, Clone)]
enum Op {
    Insert(Vec<u8>),
    Remove(Vec<u8>),
    Contains(Vec<u8>),
    Pop,
    PopMany(usize),
    RandomMembers(i64),
    Scan,
    Algebra(Vec<Vec<u8>>),
}

fn member() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => (-20i64..20).prop_map(|i| i.to_string().into_bytes()),
        2 => prop::sample::select(vec![
            "9223372036854775807", "-9223372036854775808", "40000", "-70000", "5000000000",
            "01", "-0", "+3", "x", "", "3.0",
        ]).prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..30),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => member().prop_map(Op::Insert),
        3 => member().prop_map(Op::Remove),
        2 => member().prop_map(Op::Contains),
        1 => Just(Op::Pop),
        1 => (0usize..8).prop_map(Op::PopMany),
        1 => prop_oneof![-10i64..10, Just(i64::MAX)].prop_map(Op::RandomMembers),
        1 => Just(Op::Scan),
        1 => prop::collection::vec(member(), 0..10).prop_map(Op::Algebra),
    ]
}

struct Model {
    members: BTreeSet<Vec<u8>>,
    converted: bool,
}

fn check_algebra(
    set: &Set,
    model: &BTreeSet<Vec<u8>>,
    other: Vec<Vec<u8>>,
    limits: &SetLimits,
) -> Result<(), TestCaseError> {
    let other_model: BTreeSet<Vec<u8>> = other.into_iter().collect();
    let other = Set::from_members(other_model.iter(), limits);
    let collect = |s: &Set| s.iter().map(|m| m.to_vec()).collect::<BTreeSet<_>>();

    let inter: BTreeSet<Vec<u8>> = Set::intersection(&[set, &other], 0).iter().map(|m| m.to_vec()).collect();
    prop_assert_eq!(&inter, &model.intersection(&other_model).cloned().collect());
    let limited = Set::intersection(&[set, &other, set], 1);
    prop_assert_eq!(limited.len(), inter.len().min(1));

    let union = Set::union(&[set, &other], limits);
    prop_assert_eq!(collect(&union), model.union(&other_model).cloned().collect());
    let diff = Set::difference(&[set, &other], limits);
    prop_assert_eq!(collect(&diff), model.difference(&other_model).cloned().collect());
    let reverse = Set::difference(&[&other, set, &Set::new()], limits);
    prop_assert_eq!(collect(&reverse), other_model.difference(model).cloned().collect());

    // Results are built like SUNIONSTORE's: an intset only when all-integer and small enough.
    for (result, expected) in [(&union, model.union(&other_model).count()), (&diff, diff.len())] {
        let all_ints = result.iter().all(|m| parse_i64(&m).is_some());
        let encoding = if all_ints && expected <= limits.max_intset_entries { "intset" } else { "hashtable" };
        prop_assert_eq!(result.encoding_name(), encoding);
    }
    Ok(())
}

fn apply(set: &mut Set, model: &mut Model, op: Op, limits: &SetLimits) -> Result<(), TestCaseError> {
    match op {
        Op::Insert(m) => {
            let added = model.members.insert(m.clone());
            if parse_i64(&m).is_none() || model.members.len() > limits.max_intset_entries {
                model.converted = true;
            }
            prop_assert_eq!(set.insert(&m, limits), added);
        }
        Op::Remove(m) => prop_assert_eq!(set.remove(&m), model.members.remove(&m)),
        Op::Contains(m) => prop_assert_eq!(set.contains(&m), model.members.contains(&m)),
        Op::Pop => match set.pop_random() {
            Some(m) => prop_assert!(model.members.remove(m.as_slice())),
            None => prop_assert!(model.members.is_empty()),
        },
        Op::PopMany(count) => {
            let popped = set.pop_random_many(count);
            prop_assert_eq!(popped.len(), count.min(model.members.len()));
            for m in popped {
                prop_assert!(model.members.remove(m.as_slice()), "popped twice or never present");
            }
        }
        Op::RandomMembers(count) => {
            let mut seen = Vec::new();
            set.random_members(count, |m| seen.push(m.to_vec()));
            prop_assert!(seen.iter().all(|m| model.members.contains(m)));
            if count >= 0 {
                prop_assert_eq!(seen.len(), (count as usize).min(model.members.len()));
                prop_assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len());
            } else {
                let expected = if model.members.is_empty() { 0 } else { count.unsigned_abs() as usize };
                prop_assert_eq!(seen.len(), expected);
            }
            let one = set.random_member().map(|m| m.to_vec());
            prop_assert_eq!(one.is_none(), model.members.is_empty());
            prop_assert!(one.is_none_or(|m| model.members.contains(&m)));
        }
        Op::Scan => {
            let mut seen = BTreeSet::new();
            let (mut cursor, mut steps) = (0, 0);
            loop {
                cursor = set.scan(cursor, |m| {
                    seen.insert(m.to_vec());
                });
                steps += 1;
                if cursor == 0 {
                    break;
                }
            }
            prop_assert_eq!(&seen, &model.members);
            if !model.converted {
                prop_assert_eq!(steps, 1);
            }
        }
        Op::Algebra(other) => check_algebra(set, &model.members, other, limits)?,
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn set_behaves_like_a_btreeset(
        max_intset_entries in 0usize..12,
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let limits = SetLimits { max_intset_entries };
        let mut set = Set::new();
        let mut model = Model { members: BTreeSet::new(), converted: false };
        for op in ops {
            apply(&mut set, &mut model, op, &limits)?;
            prop_assert_eq!(set.len(), model.members.len());
            let expected = if model.converted { "hashtable" } else { "intset" };
            prop_assert_eq!(set.encoding_name(), expected);
            let members: Vec<Vec<u8>> = set.iter().map(|m| m.to_vec()).collect();
            let as_set: BTreeSet<Vec<u8>> = members.iter().cloned().collect();
            prop_assert_eq!(as_set.len(), members.len());
            prop_assert_eq!(&as_set, &model.members);
            if !model.converted {
                // An intset iterates in ascending numeric order.
                let numbers: Vec<i64> = members.iter().map(|m| parse_i64(m).unwrap()).collect();
                prop_assert!(numbers.windows(2).all(|w| w[0] < w[1]));
            }
        }
        prop_assert_eq!(&set.clone(), &set);
    }
}
