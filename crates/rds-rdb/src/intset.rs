//! Intsets as RDB blobs (type 11): `<u32 LE width: 2, 4 or 8> <u32 LE count> <values, LE, ascending>`.

/// The narrowest width (2, 4 or 8 bytes) that holds every value from `min` to `max`.
pub fn width_for(min: i64, max: i64) -> u32 {
    if i16::try_from(min).is_ok() && i16::try_from(max).is_ok() {
        2
    } else if i32::try_from(min).is_ok() && i32::try_from(max).is_ok() {
        4
    } else {
        8
    }
}

/// An intset blob of `values` (ascending, distinct) at the narrowest width.
pub fn encode(values: &[i64]) -> Vec<u8> {
    let (min, max) = (values.first().copied().unwrap_or(0), values.last().copied().unwrap_or(0));
    let width = width_for(min, max);
    let mut out = Vec::with_capacity(8 + values.len() * width as usize);
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for value in values {
        out.extend_from_slice(&value.to_le_bytes()[..width as usize]);
    }
    out
}

/// The values of an intset blob; checks the width, the size and the strict ascending order.
pub fn decode(blob: &[u8]) -> Result<Vec<i64>, &'static str> {
    let header = blob.get(..8).ok_or("intset shorter than its header")?;
    let width = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err("intset width is invalid");
    }
    let body = &blob[8..];
    if count.checked_mul(width) != Some(body.len()) {
        return Err("intset size does not match its count");
    }
    let mut values = Vec::with_capacity(count);
    for chunk in body.chunks_exact(width) {
        let mut buf = [0u8; 8];
        buf[..width].copy_from_slice(chunk);
        let shift = 64 - 8 * width as u32;
        let value = (i64::from_le_bytes(buf) << shift) >> shift;
        if values.last().is_some_and(|&last| last >= value) {
            return Err("intset is not sorted");
        }
        values.push(value);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_redis_and_round_trips() {
        // SADD iset 1 2 3, from a real redis-server 7.0.15 dump.
        let blob = encode(&[1, 2, 3]);
        assert_eq!(blob, [2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0, 3, 0]);
        assert_eq!(decode(&blob).unwrap(), [1, 2, 3]);
        for values in [vec![-70000, 1, 70000], vec![i64::MIN, 0, i64::MAX], vec![]] {
            assert_eq!(decode(&encode(&values)).unwrap(), values);
        }
    }

    #[test]
    fn rejects_malformed_intsets() {
        assert!(decode(&[3, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(decode(&[2, 0, 0, 0, 2, 0, 0, 0, 1, 0]).is_err());
        assert!(decode(&[2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0]).is_err());
        assert!(decode(&[2, 0, 0]).is_err());
    }
}
