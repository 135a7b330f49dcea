//! Property tests for the HyperLogLog functions: the sparse editor agrees with the dense encoding,
//! merges take register-wise maxima, and no input bytes can make them panic.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use rds_storage::hll::{self, Encoding, HllError, DENSE_LEN, HEADER_LEN};

fn elements() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(any::<u32>().prop_map(|n| n.to_string().into_bytes()), 0..400)
}

fn dense_of(elements: &[Vec<u8>]) -> Vec<u8> {
    let mut dense = hll::new_sparse();
    hll::to_dense(&mut dense).unwrap();
    hll::pfadd(&mut dense, elements.iter().map(Vec::as_slice), 0).unwrap();
    dense
}

proptest! {
    #[test]
    fn sparse_and_dense_hold_the_same_registers(elems in elements(), batch in 1usize..50, sparse_max in 16usize..3000) {
        let mut sparse = hll::new_sparse();
        for chunk in elems.chunks(batch) {
            hll::pfadd(&mut sparse, chunk.iter().map(Vec::as_slice), sparse_max).unwrap();
            prop_assert!(sparse.len() <= sparse_max.max(HEADER_LEN + 2) || sparse.len() == DENSE_LEN);
        }
        let mut dense = dense_of(&elems);
        prop_assert_eq!(hll::registers(&sparse).unwrap(), hll::registers(&dense).unwrap());
        let sparse_count = hll::pfcount(&mut sparse).unwrap().cardinality;
        prop_assert_eq!(sparse_count, hll::pfcount(&mut dense).unwrap().cardinality);
        let mut converted = sparse.clone();
        hll::to_dense(&mut converted).unwrap();
        prop_assert_eq!(hll::validate(&converted), Ok(Encoding::Dense));
        prop_assert_eq!(&converted[HEADER_LEN..], &dense[HEADER_LEN..]);
    }

    #[test]
    fn merges_take_register_maxima(a in elements(), b in elements(), dense_a in any::<bool>()) {
        let value_a = if dense_a { dense_of(&a) } else { hll::pfadd_new(a.iter().map(Vec::as_slice), 3000) };
        let value_b = hll::pfadd_new(b.iter().map(Vec::as_slice), 3000);
        let merged = hll::pfmerge(None, [value_a.as_slice(), value_b.as_slice()], 3000).unwrap();
        let expected: Vec<u8> = hll::registers(&value_a).unwrap().iter()
            .zip(hll::registers(&value_b).unwrap())
            .map(|(x, y)| (*x).max(y))
            .collect();
        prop_assert_eq!(hll::registers(&merged).unwrap(), expected);
        prop_assert_eq!(hll::validate(&merged).unwrap() == Encoding::Dense, dense_a);
        let union = hll::pfcount_union([value_a.as_slice(), value_b.as_slice()]).unwrap();
        prop_assert_eq!(hll::pfcount(&mut merged.clone()).unwrap().cardinality, union);
        let all: Vec<Vec<u8>> = a.iter().chain(&b).cloned().collect();
        prop_assert_eq!(hll::registers(&dense_of(&all)).unwrap(), hll::registers(&merged).unwrap());
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..600), encoding in 0u8..3, elems in elements()) {
        let mut value = b"HYLL".to_vec();
        value.push(encoding);
        value.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80]);
        value.extend_from_slice(&body);
        if encoding == 0 {
            value.resize(DENSE_LEN, 0x5a);
        }
        let refs = || elems.iter().map(Vec::as_slice);
        let _ = hll::pfcount(&mut value.clone());
        let _ = hll::pfcount_union([value.as_slice(), value.as_slice()]);
        let _ = hll::pfmerge(Some(&value), [value.as_slice()], 40);
        let _ = hll::pfadd(&mut value.clone(), refs(), 40);
        let _ = hll::registers(&value);
        let result = hll::to_dense(&mut value.clone());
        if encoding == 2 {
            prop_assert_eq!(result, Err(HllError::NotHll));
        }
        let _ = hll::pfcount(&mut body.clone());
    }
}
