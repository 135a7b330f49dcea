//! SORT's BY and GET patterns (Redis's `lookupKeyByPattern`): `#` is the element itself, the first
//! `*` is replaced by the element to name a string key, and `key->field` after the `*` names a hash
//! field instead.
//!
//! Redis scans patterns as C strings (`strchr`, `strstr`), so a NUL byte hides any `*` or `->` after
//! it, while the prefix, postfix and field are still cut from the full binary pattern.

use rds_storage::cstr::c_str;
use rds_storage::Value;

use crate::ctx::Ctx;

/// A parsed BY or GET pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern<'a> {
    /// `#`: the element itself.
    Element,
    /// No `*`: never names a key (GET replies nil, BY means "don't sort").
    Constant,
    /// `prefix*postfix` or `prefix*postfix->field`.
    Key {
        /// Bytes before the `*`.
        prefix: &'a [u8],
        /// Bytes after the `*` (up to `->` when there is a field).
        postfix: &'a [u8],
        /// The hash field after `->`, when present and non-empty.
        field: Option<&'a [u8]>,
    },
}

impl<'a> Pattern<'a> {
    /// Parses `pattern` with Redis's C-string rules.
    pub fn parse(pattern: &'a [u8]) -> Pattern<'a> {
        let visible = c_str(pattern);
        if visible == b"#" {
            return Pattern::Element;
        }
        let Some(star) = visible.iter().position(|&b| b == b'*') else {
            return Pattern::Constant;
        };
        let after_star = &visible[star + 1..];
        let arrow = after_star.windows(2).position(|w| w == b"->").map(|at| star + 1 + at);
        // "->" only starts a field when something other than the end or a NUL follows it.
        let field_at = arrow.filter(|&at| pattern.get(at + 2).is_some_and(|&b| b != 0));
        match field_at {
            Some(at) => Pattern::Key {
                prefix: &pattern[..star],
                postfix: &pattern[star + 1..at],
                field: Some(&pattern[at + 2..]),
            },
            None => Pattern::Key { prefix: &pattern[..star], postfix: &pattern[star + 1..], field: None },
        }
    }
}

/// Builds the key `pattern` names for `elem` into `key`.
fn build_key(prefix: &[u8], elem: &[u8], postfix: &[u8], key: &mut Vec<u8>) {
    key.clear();
    key.extend_from_slice(prefix);
    key.extend_from_slice(elem);
    key.extend_from_slice(postfix);
}

/// The string, or the hash field, a looked-up value yields; other types yield nothing.
fn resolve<'v>(value: Option<&'v Value>, field: Option<&[u8]>) -> Option<&'v [u8]> {
    match (value?, field) {
        (Value::Hash(hash), Some(field)) => hash.get(field),
        (value, None) => value.as_string(),
        _ => None,
    }
}

/// The value `pattern` yields for `elem` (looked up like a read: lazy expiry, hit/miss stats);
/// `key` is scratch space for the key name.
pub fn lookup_by_pattern<'r>(
    ctx: &'r mut Ctx,
    pattern: &Pattern,
    elem: &'r [u8],
    key: &mut Vec<u8>,
) -> Option<&'r [u8]> {
    match *pattern {
        Pattern::Element => Some(elem),
        Pattern::Constant => None,
        Pattern::Key { prefix, postfix, field } => {
            build_key(prefix, elem, postfix, key);
            resolve(ctx.lookup_read(key), field)
        }
    }
}

/// Writes GET `pattern`'s value for `elem` straight into the reply: a bulk string, or nil.
pub fn reply_get(ctx: &mut Ctx, pattern: &Pattern, elem: &[u8], key: &mut Vec<u8>) {
    match *pattern {
        Pattern::Element => ctx.out().bulk(elem),
        Pattern::Constant => ctx.out().null(),
        Pattern::Key { prefix, postfix, field } => {
            build_key(prefix, elem, postfix, key);
            let (value, out) = ctx.lookup_read_with_out(key);
            match resolve(value, field) {
                Some(bytes) => out.bulk(bytes),
                None => out.null(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn parses_like_redis() {
        assert_eq!(Pattern::parse(b"#"), Pattern::Element);
        assert_eq!(Pattern::parse(b"#\0abc*"), Pattern::Element);
        assert_eq!(Pattern::parse(b"##"), Pattern::Constant);
        assert_eq!(Pattern::parse(b"nosort"), Pattern::Constant);
        assert_eq!(Pattern::parse(b"a\0*"), Pattern::Constant);
        assert_eq!(Pattern::parse(b"w_*"), Pattern::Key { prefix: b"w_", postfix: b"", field: None });
        assert_eq!(Pattern::parse(b"w_*_x*"), Pattern::Key { prefix: b"w_", postfix: b"_x*", field: None });
        assert_eq!(Pattern::parse(b"h_*->f"), Pattern::Key { prefix: b"h_", postfix: b"", field: Some(b"f") });
        assert_eq!(Pattern::parse(b"h_*x->f->g"), Pattern::Key { prefix: b"h_", postfix: b"x", field: Some(b"f->g") });
        assert_eq!(Pattern::parse(b"h_*->"), Pattern::Key { prefix: b"h_", postfix: b"->", field: None });
        assert_eq!(Pattern::parse(b"h->*"), Pattern::Key { prefix: b"h->", postfix: b"", field: None });
        assert_eq!(Pattern::parse(b"h_*->\0f"), Pattern::Key { prefix: b"h_", postfix: b"->\0f", field: None });
        assert_eq!(Pattern::parse(b"h_*\0->f"), Pattern::Key { prefix: b"h_", postfix: b"\0->f", field: None });
        assert_eq!(Pattern::parse(b"h_*->f\0g"), Pattern::Key { prefix: b"h_", postfix: b"", field: Some(b"f\0g") });
    }
}
