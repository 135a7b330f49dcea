//! Redis's glob matcher (`stringmatchlen`): KEYS, SCAN MATCH, PSUBSCRIBE, COMMAND LIST, CONFIG GET,
//! `include` paths, and rds-sentinel's SENTINEL/ACL patterns.
//!
//! Its own crate because both leaves need it and neither may import the other: `rds-storage` must not
//! learn of RESP or config, and `rds-config` (hence rds-sentinel) must not link the keyspace.
//!
//! Iterative: a pattern like `a*a*a*...b` against a long run of `a` takes quadratic time at worst, where a
//! plain recursive matcher takes exponential time (Redis 7.0.9 fixed the same problem, CVE-2022-36021), and
//! a hostile pattern cannot exhaust the stack. Redis's quirks are kept: an empty string matches only an
//! empty pattern, `a-z` ranges may be swapped and take the byte after `-` even when it is `]`, an
//! unterminated class runs to the end of the pattern, `\` escapes inside a class compare case-sensitively,
//! and a pattern that needs more than 1000 nested `*` never matches.

/// True when `text` matches `pattern`; `nocase` folds ASCII case.
pub fn glob_match(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    if text.is_empty() {
        return pattern.is_empty();
    }
    let (mut pi, mut si) = (0usize, 0usize);
    // Where to resume after the last `*`: (pattern index after it, text index it started at).
    let mut star: Option<(usize, usize)> = None;
    // Redis recurses once per `*` group and gives up past 1000 levels.
    let mut nesting = 0usize;
    loop {
        if si == text.len() {
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
            nesting += 1;
            if nesting > MAX_NESTING {
                return false;
            }
            star = Some((pi, si));
            continue;
        }
        if pi < pattern.len() {
            let (matched, next) = match_one(pattern, pi, text[si], nocase);
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

/// Redis caps recursion on `*`; beyond this the pattern is treated as not matching.
const MAX_NESTING: usize = 1000;

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
    use super::glob_match;

    /// Asserts each `(pattern, text, expected match)`.
    fn check(cases: &[(&str, &str, bool)], nocase: bool) {
        for (pattern, text, expected) in cases {
            assert_eq!(glob_match(pattern.as_bytes(), text.as_bytes(), nocase), *expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn matches_like_redis() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "anything", true),
            ("h?llo", "hello", true),
            ("h*llo", "heeeello", true),
            ("h[ae]llo", "hallo", true),
            ("h[^e]llo", "hello", false),
            ("h[a-b]llo", "hbllo", true),
            ("h\\*llo", "h*llo", true),
            ("key:*", "key:", true),
            ("a*b", "acb", true),
            ("a*b", "acbd", false),
            ("", "", true),
            ("?", "", false),
            // Checked against redis-server 7.0.15 (KEYS with a key "" and a key "ab").
            ("*", "", false),
            ("**", "", false),
            ("[a-]b", "ab", false),
            ("a[b", "ab", true),
            ("[", "ab", false),
            ("a\\", "ab", false),
        ];
        check(cases, false);
        assert!(glob_match(b"HELLO", b"hello", true));
    }

    #[test]
    fn nested_stars_take_polynomial_time() {
        // The pattern of Redis's "Regression for pattern matching long nested loops" test.
        let text = "a".repeat(40);
        assert!(!glob_match(b"a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", text.as_bytes(), false));
        let pattern = "*a".repeat(500) + "b";
        assert!(!glob_match(pattern.as_bytes(), "a".repeat(5000).as_bytes(), false));
    }

    #[test]
    fn more_than_1000_nested_stars_never_match() {
        let pattern = "*a".repeat(1001);
        assert!(!glob_match(pattern.as_bytes(), "a".repeat(1001).as_bytes(), false));
        let pattern = "*a".repeat(1000);
        assert!(glob_match(pattern.as_bytes(), "a".repeat(1000).as_bytes(), false));
    }

    // Cases of CONFIG GET patterns (all with nocase, as CONFIG GET matches).
    #[test]
    fn config_get_patterns_match_like_redis() {
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
        check(cases, true);
    }

    #[test]
    fn case_is_kept_without_nocase() {
        assert!(!glob_match(b"PORT", b"port", false));
        assert!(glob_match(b"p*", b"port", false));
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = "*a".repeat(50) + "b";
        let string = "a".repeat(200);
        assert!(!glob_match(pattern.as_bytes(), string.as_bytes(), true));
    }
}
