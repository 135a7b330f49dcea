//! Model test: random operation sequences on [`List`] and on a `VecDeque`, compared after each step,
//! with node limits small enough that splits, merges and multi-node walks happen constantly.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;

use proptest::prelude::*;
use rds_storage::list::{End, List};

#[derive(Debug, Clone)]
enum Op {
    Push(End, Vec<u8>),
    Pop(End),
    Get(i64),
    Set(i64, Vec<u8>),
    Insert(usize, Vec<u8>),
    InsertRelative(Vec<u8>, Vec<u8>, bool),
    Remove(Vec<u8>, i64),
    Positions(Vec<u8>, i64, usize, usize),
    Trim(i64, i64),
    Range(i64, i64),
}

fn item() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::sample::select(vec![&b"a"[..], b"b", b"c", b"", b"12"]).prop_map(<[u8]>::to_vec),
        3 => prop::collection::vec(any::<u8>(), 0..300),
        1 => prop::collection::vec(any::<u8>(), 3000..9000),
    ]
}

fn index() -> impl Strategy<Value = i64> {
    prop_oneof![8 => -25i64..25, 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

fn end() -> impl Strategy<Value = End> {
    prop_oneof![Just(End::Head), Just(End::Tail)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (end(), item()).prop_map(|(e, i)| Op::Push(e, i)),
        3 => end().prop_map(Op::Pop),
        2 => index().prop_map(Op::Get),
        2 => (index(), item()).prop_map(|(i, v)| Op::Set(i, v)),
        2 => (0usize..30, item()).prop_map(|(i, v)| Op::Insert(i, v)),
        2 => (item(), item(), any::<bool>()).prop_map(|(p, v, a)| Op::InsertRelative(p, v, a)),
        2 => (item(), prop_oneof![-3i64..4, Just(i64::MIN)]).prop_map(|(v, c)| Op::Remove(v, c)),
        2 => (item(), prop_oneof![-3i64..4, Just(i64::MIN)], 0usize..4, 0usize..12)
            .prop_map(|(v, r, c, m)| Op::Positions(v, r, c, m)),
        1 => (index(), index()).prop_map(|(s, e)| Op::Trim(s, e)),
        2 => (index(), index()).prop_map(|(s, e)| Op::Range(s, e)),
    ]
}

/// Redis's LRANGE/LTRIM normalisation, written independently in i128.
fn model_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i128;
    let (mut start, mut stop) = (i128::from(start), i128::from(stop));
    if start < 0 {
        start += len;
    }
    if stop < 0 {
        stop += len;
    }
    start = start.max(0);
    if start > stop || start >= len {
        return None;
    }
    Some((start as usize, stop.min(len - 1) as usize))
}

fn model_index(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { i128::from(index) + len as i128 } else { i128::from(index) };
    (0..len as i128).contains(&i).then_some(i as usize)
}

fn model_positions(model: &VecDeque<Vec<u8>>, v: &[u8], rank: i64, count: usize, maxlen: usize) -> Vec<usize> {
    let mut indexes: Vec<usize> = (0..model.len()).collect();
    if rank < 0 {
        indexes.reverse();
    }
    let compared = if maxlen == 0 { usize::MAX } else { maxlen };
    let matches = indexes.into_iter().take(compared).filter(|&i| model[i] == v);
    let skip = usize::try_from(rank.unsigned_abs().saturating_sub(1)).unwrap_or(usize::MAX);
    let wanted = if count == 0 { usize::MAX } else { count };
    matches.skip(skip).take(wanted).collect()
}

fn apply(list: &mut List, model: &mut VecDeque<Vec<u8>>, op: Op) {
    match op {
        Op::Push(End::Head, v) => {
            list.push(End::Head, &v);
            model.push_front(v);
        }
        Op::Push(End::Tail, v) => {
            list.push(End::Tail, &v);
            model.push_back(v);
        }
        Op::Pop(End::Head) => assert_eq!(list.pop(End::Head), model.pop_front()),
        Op::Pop(End::Tail) => assert_eq!(list.pop(End::Tail), model.pop_back()),
        Op::Get(i) => assert_eq!(list.get(i), model_index(i, model.len()).map(|i| &model[i][..])),
        Op::Set(i, v) => {
            let at = model_index(i, model.len());
            assert_eq!(list.set(i, &v), at.is_some());
            if let Some(at) = at {
                model[at] = v;
            }
        }
        Op::Insert(i, v) => {
            assert_eq!(list.insert(i, &v), i <= model.len());
            if i <= model.len() {
                model.insert(i, v);
            }
        }
        Op::InsertRelative(pivot, v, after) => {
            let at = model.iter().position(|x| *x == pivot);
            assert_eq!(list.insert_relative(&pivot, &v, after), at.is_some());
            if let Some(at) = at {
                model.insert(at + usize::from(after), v);
            }
        }
        Op::Remove(v, count) => {
            let mut matches: Vec<usize> = (0..model.len()).filter(|&i| model[i] == v).collect();
            if count < 0 {
                matches.reverse();
            }
            if count != 0 {
                matches.truncate(usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX));
            }
            matches.sort_unstable();
            for &i in matches.iter().rev() {
                model.remove(i);
            }
            assert_eq!(list.remove_matching(&v, count), matches.len());
        }
        Op::Positions(v, rank, count, maxlen) => {
            assert_eq!(list.positions(&v, rank, count, maxlen), model_positions(model, &v, rank, count, maxlen));
        }
        Op::Trim(start, stop) => {
            list.trim(start, stop);
            match model_range(start, stop, model.len()) {
                Some((first, last)) => {
                    model.truncate(last + 1);
                    model.drain(..first);
                }
                None => model.clear(),
            }
        }
        Op::Range(start, stop) => {
            let expected: Vec<&[u8]> = match model_range(start, stop, model.len()) {
                Some((first, last)) => model.range(first..=last).map(Vec::as_slice).collect(),
                None => Vec::new(),
            };
            assert_eq!(list.range(start, stop).collect::<Vec<_>>(), expected);
            let mut reversed: Vec<&[u8]> = list.range(start, stop).rev().collect();
            reversed.reverse();
            assert_eq!(reversed, expected);
            assert_eq!(list.range(start, stop).len(), expected.len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn list_behaves_like_a_deque(
        fill in prop::sample::select(vec![0i64, 1, 2, 3, 5, -1, -2]),
        ops in prop::collection::vec(op(), 1..150),
    ) {
        let mut list = List::new(fill);
        let mut model = VecDeque::new();
        for op in ops {
            apply(&mut list, &mut model, op);
            list.validate().map_err(TestCaseError::fail)?;
            prop_assert_eq!(list.len(), model.len());
            prop_assert!(list.iter().eq(model.iter().map(Vec::as_slice)));
            prop_assert!(list.iter().rev().eq(model.iter().rev().map(Vec::as_slice)));
            prop_assert_eq!(list.encoding_name(), "quicklist");
        }
        let copy = list.clone();
        prop_assert_eq!(&copy, &list);
    }
}
