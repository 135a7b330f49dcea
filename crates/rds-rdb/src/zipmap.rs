//! Zipmaps, the hash blobs of very old RDB files (type 9; read only):
//! `<u8 count> (<len> key <len> <u8 free> value <free bytes>)* 0xFF`, where `<len>` is one byte below
//! 254 or 254 followed by a 4-byte little-endian length.

/// A field and its value, borrowed from the blob.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

/// The field/value pairs of a zipmap blob, in order.
pub fn decode(blob: &[u8]) -> Result<Vec<Pair<'_>>, &'static str> {
    const ERR: &str = "zipmap is malformed";
    let mut pos = 1;
    let mut pairs = Vec::new();
    let len_at = |pos: usize| -> Option<(usize, usize)> {
        match *blob.get(pos)? {
            254 => Some((u32::from_le_bytes(blob.get(pos + 1..pos + 5)?.try_into().ok()?) as usize, 5)),
            255 => None,
            b => Some((usize::from(b), 1)),
        }
    };
    loop {
        if blob.get(pos) == Some(&255) {
            return if pos + 1 == blob.len() { Ok(pairs) } else { Err(ERR) };
        }
        let (key_len, used) = len_at(pos).ok_or(ERR)?;
        pos += used;
        let key = blob.get(pos..pos + key_len).ok_or(ERR)?;
        pos += key_len;
        let (value_len, used) = len_at(pos).ok_or(ERR)?;
        pos += used;
        let free = usize::from(*blob.get(pos).ok_or(ERR)?);
        pos += 1;
        let value = blob.get(pos..pos + value_len).ok_or(ERR)?;
        pos += value_len + free;
        pairs.push((key, value));
    }
}

/// A zipmap of `pairs` (for tests).
pub fn encode(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = vec![u8::try_from(pairs.len()).unwrap_or(254).min(254)];
    let push_len = |out: &mut Vec<u8>, len: usize| {
        if len < 254 {
            out.push(len as u8);
        } else {
            out.push(254);
            out.extend_from_slice(&(len as u32).to_le_bytes());
        }
    };
    for (key, value) in pairs {
        push_len(&mut out, key.len());
        out.extend_from_slice(key);
        push_len(&mut out, value.len());
        out.push(0);
        out.extend_from_slice(value);
    }
    out.push(255);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_skips_free_bytes() {
        let long = vec![b'v'; 300];
        let pairs: Vec<(&[u8], &[u8])> = vec![(b"a", b"1"), (b"", b""), (b"k", &long)];
        assert_eq!(decode(&encode(&pairs)).unwrap(), pairs);
        // "foo" => "bar" with 2 free bytes after the value.
        let blob = [1, 3, b'f', b'o', b'o', 3, 2, b'b', b'a', b'r', 0, 0, 255];
        assert_eq!(decode(&blob).unwrap(), vec![(&b"foo"[..], &b"bar"[..])]);
        assert!(decode(&blob[..12]).is_err());
        assert!(decode(&[1, 3, b'f']).is_err());
    }
}
