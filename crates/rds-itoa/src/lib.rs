//! Decimal integer formatting into a stack buffer (Redis's `ll2string`): reply headers, integer
//! replies, intset members and RDB strings format integers on hot paths, so this must neither
//! allocate nor go through `fmt`. It lives in its own crate so that rds-resp, rds-storage and
//! rds-rdb share it without depending on each other.

/// "00" to "99", for emitting two digits per division.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal digits of `value` at the end of `buf` and returns them.
#[inline]
pub fn format_u64(value: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    let mut n = value;
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        start -= 2;
        buf[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        start -= 2;
        buf[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        start -= 1;
        buf[start] = b'0' + n as u8;
    }
    &buf[start..]
}

/// Writes the decimal form of `value` (with a leading `-` when negative) into `buf` and returns it.
#[inline]
pub fn format_i64(value: i64, buf: &mut [u8; 20]) -> &[u8] {
    let len = format_u64(value.unsigned_abs(), buf).len();
    let mut start = buf.len() - len;
    if value < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_to_string() {
        let mut values = vec![0, 1, -1, 9, 10, 99, 100, 101, 999, 1000, -1000, i64::MIN, i64::MAX, i64::MIN + 1];
        let mut power = 1i64;
        while let Some(next) = power.checked_mul(10) {
            values.extend([power - 1, power, power + 1, -power, next / 3]);
            power = next;
        }
        for value in values {
            let mut buf = [0u8; 20];
            assert_eq!(format_i64(value, &mut buf), value.to_string().as_bytes(), "{value}");
        }
        let mut buf = [0u8; 20];
        assert_eq!(format_u64(u64::MAX, &mut buf), u64::MAX.to_string().as_bytes());
    }
}
