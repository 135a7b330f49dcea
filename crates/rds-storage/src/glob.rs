//! Glob matching with the rules of Redis's `stringmatchlen` (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET).

/// True when `text` matches `pattern`; `nocase` folds ASCII case.
pub fn glob_match(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    match_from(pattern, text, nocase, 0)
}

/// Redis caps recursion on `*`; beyond this the pattern is treated as not matching.
const MAX_NESTING: usize = 1000;

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

fn match_from(mut pattern: &[u8], mut text: &[u8], nocase: bool, nesting: usize) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    while let Some(&p) = pattern.first() {
        match p {
            b'*' => {
                while pattern.len() > 1 && pattern[1] == b'*' {
                    pattern = &pattern[1..];
                }
                if pattern.len() == 1 {
                    return true;
                }
                for start in 0..=text.len() {
                    if match_from(&pattern[1..], &text[start..], nocase, nesting + 1) {
                        return true;
                    }
                }
                return false;
            }
            b'?' => {
                if text.is_empty() {
                    return false;
                }
                text = &text[1..];
            }
            b'[' => {
                let Some((&c, rest_text)) = text.split_first() else { return false };
                let (matched, rest_pattern) = match_class(&pattern[1..], c, nocase);
                if !matched {
                    return false;
                }
                text = rest_text;
                pattern = rest_pattern;
                continue;
            }
            b'\\' if pattern.len() >= 2 => {
                pattern = &pattern[1..];
                let Some((&c, rest)) = text.split_first() else { return false };
                if !eq(pattern[0], c, nocase) {
                    return false;
                }
                text = rest;
            }
            _ => {
                let Some((&c, rest)) = text.split_first() else { return false };
                if !eq(p, c, nocase) {
                    return false;
                }
                text = rest;
            }
        }
        pattern = &pattern[1..];
        if text.is_empty() {
            while pattern.first() == Some(&b'*') {
                pattern = &pattern[1..];
            }
            break;
        }
    }
    pattern.is_empty() && text.is_empty()
}

/// Matches `c` against a `[...]` class whose body starts at `pattern`; returns the pattern after `]`.
fn match_class(mut pattern: &[u8], c: u8, nocase: bool) -> (bool, &[u8]) {
    let negate = pattern.first() == Some(&b'^');
    if negate {
        pattern = &pattern[1..];
    }
    let mut matched = false;
    loop {
        match pattern {
            [] => break,
            [b'\\', escaped, rest @ ..] => {
                if eq(*escaped, c, nocase) {
                    matched = true;
                }
                pattern = rest;
            }
            [b']', rest @ ..] => {
                pattern = rest;
                return (matched != negate, pattern);
            }
            [start, b'-', end, rest @ ..] if *end != b']' || rest.is_empty() => {
                let (mut low, mut high) = (*start, *end);
                if low > high {
                    std::mem::swap(&mut low, &mut high);
                }
                let (c2, low2, high2) = if nocase {
                    (c.to_ascii_lowercase(), low.to_ascii_lowercase(), high.to_ascii_lowercase())
                } else {
                    (c, low, high)
                };
                if c2 >= low2 && c2 <= high2 {
                    matched = true;
                }
                pattern = rest;
            }
            [single, rest @ ..] => {
                if eq(*single, c, nocase) {
                    matched = true;
                }
                pattern = rest;
            }
        }
    }
    // An unterminated class: Redis treats the end of the pattern as closing it.
    (matched != negate, pattern)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

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
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob_match(pattern.as_bytes(), text.as_bytes(), false), *expected, "{pattern} ~ {text}");
        }
        assert!(glob_match(b"HELLO", b"hello", true));
    }
}
