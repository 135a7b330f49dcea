//! Binary-safe arguments as Redis's C code sees them where it uses C string functions (`strcasecmp`,
//! `strtod`, `%s`): they end at the first NUL byte.

/// The bytes up to the first NUL.
pub fn c_str(bytes: &[u8]) -> &[u8] {
    bytes.iter().position(|&b| b == 0).map_or(bytes, |nul| &bytes[..nul])
}

/// `bytes` as `%s` prints it: up to the first NUL, invalid UTF-8 replaced.
pub fn c_str_lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(c_str(bytes)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_end_at_the_first_nul() {
        assert_eq!(c_str(b"km\0junk"), b"km");
        assert_eq!(c_str(b"plain"), b"plain");
        assert_eq!(c_str(b"\0"), b"");
        assert_eq!(c_str_lossy(b"a\xffb\0c"), "a\u{fffd}b");
    }
}
