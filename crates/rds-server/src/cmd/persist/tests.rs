//! SAVE / BGSAVE / BGREWRITEAOF replies (the flows are tested in `crate::persist::tests`).

use crate::testing::Harness;

#[test]
fn arity_and_transaction_rules_match_redis() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["SAVE", "extra"], "-ERR wrong number of arguments for 'save' command\r\n"),
        (&["BGREWRITEAOF", "x"], "-ERR wrong number of arguments for 'bgrewriteaof' command\r\n"),
        (&["MULTI"], "+OK\r\n"),
        (&["SAVE"], "-ERR Command not allowed inside a transaction\r\n"),
        (&["BGSAVE"], "+QUEUED\r\n"),
        (&["EXEC"], "-EXECABORT Transaction discarded because of previous errors.\r\n"),
        (&["MULTI"], "+OK\r\n"),
        (&["BGSAVE"], "+QUEUED\r\n"),
        (&["BGREWRITEAOF"], "+QUEUED\r\n"),
        (&["EXEC"], "*2\r\n+Background saving scheduled\r\n+Background append only file rewriting scheduled\r\n"),
    ]);
}
