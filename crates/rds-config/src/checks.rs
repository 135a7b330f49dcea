//! Extra validation of directive values (Redis's `is_valid_fn` callbacks), with Redis's error texts.

/// `activedefrag`: Debian's 7.0.15 (and rds) has no defragmenter, so `yes` is refused.
pub(crate) fn active_defrag_ok(on: bool) -> Result<(), &'static str> {
    if on {
        return Err("Active defragmentation cannot be enabled: it requires a Redis server compiled with \
                    a modified Jemalloc like the one shipped by default with the Redis source distribution");
    }
    Ok(())
}

/// `shutdown-on-sig*`: SAVE and NOSAVE exclude each other.
pub(crate) fn save_xor_nosave(flags: i32) -> Result<(), &'static str> {
    if flags & 1 != 0 && flags & 2 != 0 {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously");
    }
    Ok(())
}

/// Redis `pathIsBaseName`.
pub(crate) fn is_base_name(value: &[u8]) -> bool {
    !value.contains(&b'/') && !value.contains(&b'\\')
}

/// `dbfilename` must be a plain file name.
pub(crate) fn dbfilename_ok(value: &[u8]) -> Result<(), &'static str> {
    if !is_base_name(value) {
        return Err("dbfilename can't be a path, just a filename");
    }
    Ok(())
}

/// `appendfilename` must be a non-empty plain file name.
pub(crate) fn aof_name_ok(value: &[u8]) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("appendfilename can't be empty");
    }
    if !is_base_name(value) {
        return Err("appendfilename can't be a path, just a filename");
    }
    Ok(())
}

/// `appenddirname` must be a non-empty plain directory name.
pub(crate) fn aof_dir_ok(value: &[u8]) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("appenddirname can't be empty");
    }
    if !is_base_name(value) {
        return Err("appenddirname can't be a path, just a dirname");
    }
    Ok(())
}

/// `cluster-announce-hostname`: Redis `isValidAnnouncedHostname`.
pub(crate) fn hostname_ok(value: &[u8]) -> Result<(), &'static str> {
    if value.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if !value.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        return Err("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
    Ok(())
}

/// `proc-title-template`: Redis `validateProcTitleTemplate`: known `{variables}` only, and not blank once expanded (with an
/// empty title and a standalone server).
pub(crate) fn proc_title_ok(value: &[u8]) -> Result<(), &'static str> {
    const INVALID: &str = "template format is invalid or contains unknown variables";
    let mut rest = value;
    let mut visible = false;
    while !rest.is_empty() {
        let Some(open) = rest.iter().position(|&b| b == b'{') else {
            visible |= rest.iter().any(|&b| b != b' ');
            break;
        };
        visible |= rest[..open].iter().any(|&b| b != b' ');
        let after = &rest[open + 1..];
        match after.first() {
            None => return Err(INVALID),
            Some(b'{') => {
                visible = true;
                rest = &after[1..];
                continue;
            }
            Some(_) => {}
        }
        let close = after.iter().position(|&b| b == b'}').ok_or(INVALID)?;
        match &after[..close] {
            b"listen-addr" | b"port" | b"tls-port" => visible = true,
            b"title" | b"server-mode" | b"unixsocket" | b"config-file" => {}
            _ => return Err(INVALID),
        }
        rest = &after[close + 1..];
    }
    if visible {
        Ok(())
    } else {
        Err(INVALID)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_title_templates_validate_like_redis() {
        assert!(proc_title_ok(crate::table::PROC_TITLE.as_bytes()).is_ok());
        assert!(proc_title_ok(b"redis {port}").is_ok());
        assert!(proc_title_ok(b"{{").is_ok());
        assert!(proc_title_ok(b"{foo}").is_err());
        assert!(proc_title_ok(b"").is_err());
        assert!(proc_title_ok(b"{title}").is_err());
        assert!(proc_title_ok(b"x {").is_err());
        assert!(proc_title_ok(b"x {port").is_err());
    }

    #[test]
    fn file_names_must_be_base_names() {
        assert!(dbfilename_ok(b"dump.rdb").is_ok());
        assert!(dbfilename_ok(b"a/b").is_err());
        assert_eq!(aof_name_ok(b""), Err("appendfilename can't be empty"));
        assert_eq!(aof_dir_ok(b"a\\b"), Err("appenddirname can't be a path, just a dirname"));
        assert!(hostname_ok(b"a_b").is_err());
        assert!(hostname_ok(b"node-1.example").is_ok());
    }
}
