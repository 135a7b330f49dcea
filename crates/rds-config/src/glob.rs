//! Redis `stringmatchlen` (the CONFIG GET and `include` glob), iterative so that a hostile pattern
//! cannot exhaust the stack.
//!
//! Rules as in Redis: `*`, `?`, `[...]` with `^` negation, `a-z` ranges (ends may be swapped) and `\`
//! escapes (inside classes too, compared case-sensitively); an unterminated class runs to the end of the
//! pattern. Like Redis, an empty string matches only an empty pattern.

/// Whether `string` matches the glob `pattern`; `nocase` folds ASCII case.
pub(crate) fn string_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    if string.is_empty() {
        return pattern.is_empty();
    }
    let (mut pi, mut si) = (0usize, 0usize);
    // Where to resume after the last `*`: (pattern index after it, string index it started at).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if si == string.len() {
            while pattern.get(pi) == Some(&b'*') {
                pi += 1;
            }
            return pi == pattern.len();
        }
        if pattern.get(pi) == Some(&b'*') {
            while pattern.get(pi) == Some(&b'*') {
                pi += 1;
            }
            if pi == pattern.len() {
                return true;
            }
            star = Some((pi, si));
            continue;
        }
        if pi < pattern.len() {
            let (matched, next) = match_one(pattern, pi, string[si], nocase);
            if matched {
                pi = next;
                si += 1;
                continue;
            }
        }
        match star {
            Some((star_pi, star_si)) => {
                star = Some((star_pi, star_si + 1));
                pi = star_pi;
                si = star_si + 1;
            }
            None => return false,
        }
    }
}

fn fold(b: u8, nocase: bool) -> u8 {
    if nocase {
        b.to_ascii_lowercase()
    } else {
        b
    }
}

/// Matches one non-`*` pattern element at `pi` against `c`; returns (matched, index after the element).
fn match_one(pattern: &[u8], pi: usize, c: u8, nocase: bool) -> (bool, usize) {
    match pattern[pi] {
        b'?' => (true, pi + 1),
        b'[' => match_class(pattern, pi + 1, c, nocase),
        b'\\' if pi + 1 < pattern.len() => (fold(pattern[pi + 1], nocase) == fold(c, nocase), pi + 2),
        literal => (fold(literal, nocase) == fold(c, nocase), pi + 1),
    }
}

/// Matches a `[...]` class whose body starts at `pi`; returns (matched, index after the class).
fn match_class(pattern: &[u8], mut pi: usize, c: u8, nocase: bool) -> (bool, usize) {
    let negate = pattern.get(pi) == Some(&b'^');
    if negate {
        pi += 1;
    }
    let mut matched = false;
    loop {
        let remaining = pattern.len().saturating_sub(pi);
        if remaining == 0 {
            break;
        }
        let p = pattern[pi];
        if p == b'\\' && remaining >= 2 {
            pi += 1;
            if pattern[pi] == c {
                matched = true;
            }
        } else if p == b']' {
            break;
        } else if remaining >= 3 && pattern[pi + 1] == b'-' {
            let (mut start, mut end) = (pattern[pi], pattern[pi + 2]);
            if start > end {
                std::mem::swap(&mut start, &mut end);
            }
            let (start, end, c) = (fold(start, nocase), fold(end, nocase), fold(c, nocase));
            if c >= start && c <= end {
                matched = true;
            }
            pi += 2;
        } else if fold(p, nocase) == fold(c, nocase) {
            matched = true;
        }
        pi += 1;
    }
    (matched != negate, (pi + 1).min(pattern.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_redis() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "port", true),
            ("*", "", false),
            ("", "", true),
            ("p*rt", "port", true),
            ("p?rt", "port", true),
            ("p?rt", "prt", false),
            ("[pb]ort", "port", true),
            ("[^pb]ort", "port", false),
            ("[a-z]ort", "port", true),
            ("[z-a]ort", "port", true),
            ("*max*entries*", "hash-max-listpack-entries", true),
            ("*read-only*", "slave-read-only", true),
            ("PORT", "port", true),
            ("bind\\-*", "bind-source-addr", true),
            ("bind\\-*", "bind", false),
            ("a*", "a", true),
            ("a*b", "a", false),
            ("*a", "a", true),
            ("a*?", "a", false),
            ("*o*o*", "foo", true),
            ("*o*o*x", "foo", false),
            ("[ab", "a", true),
            ("[]", "a", false),
            ("\\", "\\", true),
            ("port*", "port", true),
        ];
        for (pattern, string, want) in cases {
            assert_eq!(string_match(pattern.as_bytes(), string.as_bytes(), true), *want, "{pattern} ~ {string}");
        }
    }

    #[test]
    fn case_is_kept_without_nocase() {
        assert!(!string_match(b"PORT", b"port", false));
        assert!(string_match(b"p*", b"port", false));
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = "*a".repeat(50) + "b";
        let string = "a".repeat(200);
        assert!(!string_match(pattern.as_bytes(), string.as_bytes(), true));
    }
}
