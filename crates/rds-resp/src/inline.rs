//! Argument splitting with the rules of Redis's `sdssplitargs`, used by inline requests and config files.

/// Splits `line` into arguments; `None` when quotes are unbalanced or a closing quote is not followed by
/// a space.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut pos = 0;
    loop {
        while pos < line.len() && is_space(line[pos]) {
            pos += 1;
        }
        if pos >= line.len() {
            return Some(args);
        }
        let (arg, next) = match line[pos] {
            b'"' => split_double_quoted(line, pos + 1)?,
            b'\'' => split_single_quoted(line, pos + 1)?,
            _ => {
                let end = line[pos..].iter().position(|&b| is_space(b)).map_or(line.len(), |n| pos + n);
                (line[pos..end].to_vec(), end)
            }
        };
        args.push(arg);
        pos = next;
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c | 0)
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// After a closing quote the next byte must be a space or the end of the line.
fn closing_quote_ok(line: &[u8], after: usize) -> bool {
    line.get(after).is_none_or(|&b| is_space(b))
}

fn split_double_quoted(line: &[u8], mut pos: usize) -> Option<(Vec<u8>, usize)> {
    let mut arg = Vec::new();
    loop {
        let byte = *line.get(pos)?;
        match byte {
            b'\\'
                if pos + 3 < line.len()
                    && line[pos + 1] == b'x'
                    && hex_value(line[pos + 2]).is_some()
                    && hex_value(line[pos + 3]).is_some() =>
            {
                let high = hex_value(line[pos + 2])?;
                let low = hex_value(line[pos + 3])?;
                arg.push(high * 16 + low);
                pos += 4;
            }
            b'\\' if pos + 1 < line.len() => {
                arg.push(match line[pos + 1] {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'b' => 0x08,
                    b'a' => 0x07,
                    other => other,
                });
                pos += 2;
            }
            b'"' => {
                return closing_quote_ok(line, pos + 1).then_some((arg, pos + 1));
            }
            other => {
                arg.push(other);
                pos += 1;
            }
        }
    }
}

fn split_single_quoted(line: &[u8], mut pos: usize) -> Option<(Vec<u8>, usize)> {
    let mut arg = Vec::new();
    loop {
        let byte = *line.get(pos)?;
        match byte {
            b'\\' if line.get(pos + 1) == Some(&b'\'') => {
                arg.push(b'\'');
                pos += 2;
            }
            b'\'' => {
                return closing_quote_ok(line, pos + 1).then_some((arg, pos + 1));
            }
            other => {
                arg.push(other);
                pos += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes())
            .map(|args| args.into_iter().map(|a| String::from_utf8_lossy(&a).into_owned()).collect())
    }

    #[test]
    fn splits_like_sdssplitargs() {
        assert_eq!(split("set a b"), Some(vec!["set".into(), "a".into(), "b".into()]));
        assert_eq!(split("  set\t\"a b\"  'c d' "), Some(vec!["set".into(), "a b".into(), "c d".into()]));
        assert_eq!(split(r#""a\x41\n""#), Some(vec!["aA\n".into()]));
        assert_eq!(split(r#""\q""#), Some(vec!["q".into()]));
        assert_eq!(split(r"'it\'s'"), Some(vec!["it's".into()]));
        assert_eq!(split(""), Some(vec![]));
    }

    #[test]
    fn rejects_unbalanced_quotes() {
        assert_eq!(split("set \"a b"), None);
        assert_eq!(split("set 'a"), None);
        assert_eq!(split("\"a\"b"), None);
    }
}
