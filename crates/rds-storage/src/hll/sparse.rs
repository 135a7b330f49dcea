//! Editing the sparse encoding in place, step for step like Redis's `hllSparseSet`, so the same
//! sequence of additions yields the same bytes as real Redis (the run-length code is not canonical:
//! the layout depends on the order registers were set).

use super::{
    decode_op, invalidate_cache, promote_and_set, HllError, SparseOp, HEADER_LEN, SPARSE_VAL_MAX_LEN,
    SPARSE_VAL_MAX_VALUE, SPARSE_ZERO_MAX_LEN,
};

/// Raises register `index` to `count` if lower; promotes to dense when the value cannot be coded
/// (`count` > 32) or the value would outgrow `sparse_max_bytes`. Returns true when it changed.
pub(super) fn set(hll: &mut Vec<u8>, index: usize, count: u8, sparse_max_bytes: usize) -> Result<bool, HllError> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote_and_set(hll, index, count);
    }
    // Step 1: find the opcode covering `index`, its first register, and the opcode before it.
    let mut pos = HEADER_LEN;
    let mut first = 0usize;
    let mut prev = None;
    let (op, op_len) = loop {
        let Some((op, op_len)) = decode_op(hll, pos) else {
            return Err(HllError::Corrupted);
        };
        let span = run_of(op);
        if index < first + span {
            break (op, op_len);
        }
        prev = Some(pos);
        pos += op_len;
        first += span;
    };
    // Step 2: the trivial in-place cases.
    match op {
        SparseOp::Val(value, run) => {
            if value >= count {
                return Ok(false);
            }
            if run == 1 {
                hll[pos] = val_byte(count, 1);
                return Ok(merge_adjacent(hll, prev));
            }
        }
        SparseOp::Zero(1) if op_len == 1 => {
            hll[pos] = val_byte(count, 1);
            return Ok(merge_adjacent(hll, prev));
        }
        SparseOp::Zero(_) => {}
    }
    // Step 3: split the opcode into up to three (at most 5 bytes: XZERO VAL XZERO).
    let last = first + run_of(op) - 1;
    let mut seq = Vec::with_capacity(5);
    match op {
        SparseOp::Zero(_) => {
            if index != first {
                push_zero_run(&mut seq, index - first);
            }
            seq.push(val_byte(count, 1));
            if index != last {
                push_zero_run(&mut seq, last - index);
            }
        }
        SparseOp::Val(value, _) => {
            if index != first {
                seq.push(val_byte(value, index - first));
            }
            seq.push(val_byte(count, 1));
            if index != last {
                seq.push(val_byte(value, last - index));
            }
        }
    }
    if seq.len() > op_len && hll.len() + (seq.len() - op_len) > sparse_max_bytes {
        return promote_and_set(hll, index, count);
    }
    let end = (pos + op_len).min(hll.len());
    hll.splice(pos..end, seq);
    Ok(merge_adjacent(hll, prev))
}

/// Step 4: merges adjacent VAL opcodes of equal value, scanning up to five opcodes from `prev`,
/// then marks the cached cardinality stale. Always returns true (the register was updated).
fn merge_adjacent(hll: &mut Vec<u8>, prev: Option<usize>) -> bool {
    let mut pos = prev.unwrap_or(HEADER_LEN);
    let mut budget = 5;
    while pos < hll.len() && budget > 0 {
        budget -= 1;
        let byte = hll[pos];
        match byte & 0xc0 {
            0x40 => {
                pos += 2;
                continue;
            }
            0x00 => {
                pos += 1;
                continue;
            }
            _ => {}
        }
        if let Some(&next) = hll.get(pos + 1) {
            if next & 0x80 != 0 {
                let (v1, l1) = val_parts(byte);
                let (v2, l2) = val_parts(next);
                if v1 == v2 && l1 + l2 <= SPARSE_VAL_MAX_LEN {
                    hll[pos + 1] = val_byte(v1, l1 + l2);
                    hll.remove(pos);
                    // Retry at the same position to merge with the next opcode too.
                    continue;
                }
            }
        }
        pos += 1;
    }
    invalidate_cache(hll);
    true
}

fn run_of(op: SparseOp) -> usize {
    match op {
        SparseOp::Zero(run) | SparseOp::Val(_, run) => run,
    }
}

fn val_parts(byte: u8) -> (u8, usize) {
    (((byte >> 2) & 0x1f) + 1, usize::from(byte & 3) + 1)
}

/// A VAL opcode; callers keep `value` in 1..=32 and `run` in 1..=4.
fn val_byte(value: u8, run: usize) -> u8 {
    0x80 | ((value.wrapping_sub(1) & 0x1f) << 2) | (run.wrapping_sub(1) & 3) as u8
}

fn push_zero_run(out: &mut Vec<u8>, run: usize) {
    if run > SPARSE_ZERO_MAX_LEN {
        super::push_xzero(out, run);
    } else {
        out.push((run - 1) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{new_sparse, registers, REGISTERS};
    use super::*;

    #[test]
    fn splitting_and_merging_follow_redis_layout() {
        let mut hll = new_sparse();
        assert_eq!(set(&mut hll, 1000, 2, 3000), Ok(true));
        assert_eq!(set(&mut hll, 1020, 3, 3000), Ok(true));
        assert_eq!(set(&mut hll, 1021, 3, 3000), Ok(true));
        // XZERO:1000 VAL:2,1 ZERO:19 VAL:3,2 XZERO:15362, the example in Redis's comments.
        let mut expected = Vec::new();
        super::super::push_xzero(&mut expected, 1000);
        expected.push(val_byte(2, 1));
        expected.push(18);
        expected.push(val_byte(3, 2));
        super::super::push_xzero(&mut expected, 15362);
        assert_eq!(&hll[HEADER_LEN..], &expected[..]);
        assert_eq!(set(&mut hll, 1021, 2, 3000), Ok(false));
        let regs = registers(&hll).expect("valid");
        assert_eq!((regs[1000], regs[1020], regs[1021], regs[1022]), (2, 3, 3, 0));
        assert_eq!(regs.len(), REGISTERS);
    }

    #[test]
    fn promotes_on_large_counts_and_size() {
        let mut hll = new_sparse();
        assert_eq!(set(&mut hll, 5, 40, 3000), Ok(true));
        assert_eq!(hll.len(), super::super::DENSE_LEN);
        let mut small = new_sparse();
        let mut index = 0;
        while small.len() < super::super::DENSE_LEN && index < REGISTERS {
            assert_eq!(set(&mut small, index, 1, 40), Ok(true));
            index += 7;
        }
        assert_eq!(small.len(), super::super::DENSE_LEN);
    }
}
