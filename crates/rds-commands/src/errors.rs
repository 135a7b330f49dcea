//! Redis's error texts for a request that does not resolve to a command, byte-exact with 7.0 and shared
//! by rds-server and rds-sentinel (clients and tests compare them).

/// C's `%.Ns`: stops at a NUL byte and after `max` bytes.
fn c_str(bytes: &[u8], max: usize) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len()).min(max);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// `ERR unknown command '<name>', with args beginning with: '<arg>' ...`: arguments are quoted until 128
/// bytes are used, as Redis's `processCommand` does.
pub fn unknown_command(argv: &[impl AsRef<[u8]>]) -> String {
    let mut args = String::new();
    for arg in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push_str(&format!("'{}' ", c_str(arg.as_ref(), room)));
    }
    let name = argv.first().map(|n| c_str(n.as_ref(), 128)).unwrap_or_default();
    format!("ERR unknown command '{name}', with args beginning with: {args}")
}

/// `ERR unknown subcommand '<sub>'. Try <CONTAINER> HELP.`
pub fn unknown_subcommand(argv: &[impl AsRef<[u8]>]) -> String {
    let container = argv.first().map(|n| c_str(n.as_ref(), usize::MAX).to_uppercase()).unwrap_or_default();
    let sub = argv.get(1).map(|s| c_str(s.as_ref(), 128)).unwrap_or_default();
    format!("ERR unknown subcommand '{sub}'. Try {container} HELP.")
}

/// `ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <container> HELP.`: what a
/// handler replies to a subcommand it does not take in that form.
pub fn subcommand_syntax(sub: &[u8], container: &str) -> String {
    let sub = c_str(sub, 128);
    format!("ERR unknown subcommand or wrong number of arguments for '{sub}'. Try {container} HELP.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_redis() {
        assert_eq!(unknown_command(&["FOO", "bar"]), "ERR unknown command 'FOO', with args beginning with: 'bar' ");
        assert_eq!(unknown_subcommand(&["client", "foo"]), "ERR unknown subcommand 'foo'. Try CLIENT HELP.");
        assert_eq!(
            subcommand_syntax(b"ki\0ll", "CLIENT"),
            "ERR unknown subcommand or wrong number of arguments for 'ki'. Try CLIENT HELP."
        );
    }

    #[test]
    fn arguments_stop_after_128_bytes_and_at_nul() {
        let long = "x".repeat(200);
        let text = unknown_command(&["foo", long.as_str(), "next"]);
        assert_eq!(text, format!("ERR unknown command 'foo', with args beginning with: '{}' ", "x".repeat(128)));
        assert_eq!(unknown_command(&["fo\0o", "a\0b"]), "ERR unknown command 'fo', with args beginning with: 'a' ");
    }
}
