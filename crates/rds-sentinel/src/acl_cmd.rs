//! The ACL command on a sentinel, with redis-sentinel 7.0's replies: users ([`crate::acl_users`]),
//! ACL CAT over the sentinel's table, GENPASS, DRYRUN, and the ACL LOG of refused authentications
//! and commands.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rds_commands::Resolved;

use crate::conn::Conn;

/// Entries ACL LOG keeps (Redis's `acllog-max-len` default).
const LOG_MAX_LEN: usize = 128;
/// Similar denials within this window are grouped into one entry (Redis's `ACL_LOG_GROUPING_MAX_TIME_DELTA`).
const LOG_GROUPING_MS: u64 = 60_000;

const NO_ACL_FILE: &[u8] = b"ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

const HELP: &[&str] = &[
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Prints this help.",
];

/// One ACL LOG entry (Redis 7.0's `ACLLogEntry`: no entry ids or update times yet).
#[derive(Debug, Clone)]
struct LogEntry {
    count: u64,
    reason: String,
    object: String,
    username: String,
    created_ms: u64,
    updated_ms: u64,
    client_info: String,
}

/// The ACL LOG, newest first.
#[derive(Debug, Default)]
pub(crate) struct AclLog {
    entries: Mutex<Vec<LogEntry>>,
}

impl AclLog {
    /// Records a refusal: `reason` `auth` (object: AUTH or HELLO as typed) or `command` (object: the
    /// command's full name).
    pub(crate) fn add(&self, reason: &str, object: &str, username: &str, client_info: String) {
        let now = now_ms();
        let mut guard = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entries = &mut *guard;
        if let Some(similar) = entries.iter_mut().find(|e| {
            e.reason == reason && e.object == object && e.username == username && now - e.updated_ms < LOG_GROUPING_MS
        }) {
            similar.count += 1;
            similar.updated_ms = now;
            similar.client_info = client_info;
            return;
        }
        let entry = LogEntry {
            count: 1,
            reason: reason.to_string(),
            object: object.to_string(),
            username: username.to_string(),
            created_ms: now,
            updated_ms: now,
            client_info,
        };
        entries.insert(0, entry);
        entries.truncate(LOG_MAX_LEN);
    }

    fn snapshot(&self) -> Vec<LogEntry> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    fn reset(&self) {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(0)).unwrap_or(0)
}

impl Conn {
    /// ACL <subcommand> (arity already checked against the table).
    pub(crate) fn acl(&mut self, argv: &[Bytes]) {
        let sub = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
        let users = self.shared.options.users.clone();
        match sub.as_str() {
            "whoami" => {
                let user = self.handle.state().user.clone();
                self.out.bulk(user.as_bytes());
            }
            "users" => self.out.bulk_array(users.names().iter()),
            "list" => self.out.bulk_array(users.lines().iter()),
            "getuser" => self.acl_getuser(&argv[2]),
            "setuser" => self.acl_setuser(argv),
            "cat" => self.acl_cat(argv.get(2)),
            "genpass" => self.acl_genpass(argv.get(2)),
            "deluser" => self.acl_deluser(&argv[2..]),
            "dryrun" => self.acl_dryrun(argv),
            "log" => self.acl_log(argv.get(2)),
            "save" | "load" => self.error(NO_ACL_FILE),
            _ => {
                self.out.array(HELP.len());
                for line in HELP {
                    self.out.simple(line);
                }
            }
        }
    }

    fn acl_getuser(&mut self, name: &[u8]) {
        let Some(user) = self.shared.options.users.get(&String::from_utf8_lossy(name)) else {
            return self.out.null();
        };
        self.out.map(6);
        self.out.bulk(b"flags");
        self.out.set(user.flag_names().len());
        for flag in user.flag_names() {
            self.out.bulk(flag.as_bytes());
        }
        self.out.bulk(b"passwords");
        self.out.bulk_array(user.passwords.iter());
        for (field, value) in
            [("commands", user.command_rules()), ("keys", user.key_rules()), ("channels", user.channel_rules())]
        {
            self.out.bulk(field.as_bytes());
            self.out.bulk(value.as_bytes());
        }
        self.out.bulk(b"selectors");
        self.out.array(0);
    }

    /// ACL SETUSER name [rule ...]: all rules or none.
    fn acl_setuser(&mut self, argv: &[Bytes]) {
        let name = String::from_utf8_lossy(&argv[2]).into_owned();
        if name.contains(' ') || name.contains('\0') {
            return self.error(b"ERR Usernames can't contain spaces or null characters");
        }
        let rules: Vec<String> = argv[3..].iter().map(|r| String::from_utf8_lossy(r).into_owned()).collect();
        let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
        match self.shared.options.users.set_user(&name, &rules) {
            Ok(()) => self.out.ok(),
            Err((rule, why)) => {
                let text = format!("ERR Error in ACL SETUSER modifier '{rule}': {}", why.0);
                self.error(text.as_bytes());
            }
        }
    }

    /// ACL DELUSER name [name ...]: the users' connections are closed, as Redis does.
    fn acl_deluser(&mut self, names: &[Bytes]) {
        if names.iter().any(|name| name.as_ref() == b"default") {
            return self.error(b"ERR The 'default' user cannot be removed");
        }
        let names: Vec<String> = names.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
        let deleted = self.shared.options.users.delete(&names);
        for client in self.shared.clients() {
            if !names.contains(&client.state().user) {
                continue;
            }
            if client.id == self.handle.id {
                self.close = true;
            } else {
                client.kill.notify_one();
            }
        }
        self.out.int(i64::try_from(deleted).unwrap_or(i64::MAX));
    }

    /// ACL CAT: every category, or the commands of one (subcommands as `container|sub`).
    fn acl_cat(&mut self, category: Option<&Bytes>) {
        let Some(category) = category else {
            let names: Vec<&str> = rds_commands::acl::NAMES.iter().map(|(_, name)| *name).collect();
            return self.out.bulk_array(names.iter());
        };
        let Some(bit) = rds_commands::acl::by_name(category) else {
            let text = format!("ERR Unknown category '{}'", String::from_utf8_lossy(category));
            return self.error(text.as_bytes());
        };
        let names: Vec<&str> = rds_commands::sentinel::commands()
            .iter()
            .filter(|spec| spec.acl_bits() & bit != 0)
            .map(|spec| spec.name)
            .collect();
        self.out.bulk_array(names.iter());
    }

    /// ACL GENPASS [bits]: `bits` random bits as hex (256 by default).
    fn acl_genpass(&mut self, bits: Option<&Bytes>) {
        let bits = match bits {
            None => 256,
            Some(arg) => match std::str::from_utf8(arg).ok().and_then(|s| s.parse::<i64>().ok()) {
                Some(bits) if (1..=4096).contains(&bits) => bits,
                Some(_) => {
                    return self.error(b"ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096");
                }
                None => return self.error(b"ERR value is not an integer or out of range"),
            },
        };
        let chars = usize::try_from((bits + 3) / 4).unwrap_or(64);
        self.out.bulk(crate::core::random_hex_string(chars).as_bytes());
    }

    /// ACL DRYRUN user command [arg ...]
    fn acl_dryrun(&mut self, argv: &[Bytes]) {
        let Some(user) = self.shared.options.users.get(&String::from_utf8_lossy(&argv[2])) else {
            let text = format!("ERR User '{}' not found", String::from_utf8_lossy(&argv[2]));
            return self.error(text.as_bytes());
        };
        match rds_commands::sentinel::resolve(&argv[3..]) {
            Resolved::Command(spec) if !user.can_run(spec) => {
                let text = format!("This user has no permissions to run the '{}' command", spec.name);
                self.out.bulk(text.as_bytes());
            }
            Resolved::Command(spec) if user.denied_channel(spec, &argv[3..]).is_some() => {
                let channel = user.denied_channel(spec, &argv[3..]).cloned().unwrap_or_default();
                let text = format!(
                    "This user has no permissions to access the '{}' channel",
                    String::from_utf8_lossy(&channel)
                );
                self.out.bulk(text.as_bytes());
            }
            Resolved::Command(spec) if spec.arity_ok(argv.len() - 3) => self.out.ok(),
            Resolved::Command(spec) => {
                let text = format!("ERR wrong number of arguments for '{}' command", spec.name);
                self.error(text.as_bytes());
            }
            _ => {
                let text = format!("ERR Command '{}' not found", String::from_utf8_lossy(&argv[3]));
                self.error(text.as_bytes());
            }
        }
    }

    /// ACL LOG [count | RESET]
    fn acl_log(&mut self, arg: Option<&Bytes>) {
        let mut count = usize::MAX;
        if let Some(arg) = arg {
            if arg.eq_ignore_ascii_case(b"reset") {
                self.shared.acl_log.reset();
                return self.out.ok();
            }
            match std::str::from_utf8(arg).ok().and_then(|s| s.parse::<i64>().ok()) {
                Some(n) if n >= 0 => count = usize::try_from(n).unwrap_or(usize::MAX),
                _ => return self.error(b"ERR value is not an integer or out of range"),
            }
        }
        let entries = self.shared.acl_log.snapshot();
        let now = now_ms();
        let shown: Vec<&LogEntry> = entries.iter().take(count).collect();
        self.out.array(shown.len());
        for e in shown {
            self.out.map(7);
            self.out.bulk(b"count");
            self.out.int(i64::try_from(e.count).unwrap_or(i64::MAX));
            for (field, value) in [
                ("reason", e.reason.as_str()),
                ("context", "toplevel"),
                ("object", &e.object),
                ("username", &e.username),
            ] {
                self.out.bulk(field.as_bytes());
                self.out.bulk(value.as_bytes());
            }
            self.out.bulk(b"age-seconds");
            self.out.double(now.saturating_sub(e.created_ms) as f64 / 1000.0);
            self.out.bulk(b"client-info");
            self.out.bulk(e.client_info.as_bytes());
        }
    }
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 (FIPS 180-4): the digest ACL shows for passwords.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut message = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, value) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(value);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_known_digests() {
        assert_eq!(hex(&sha256(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // What redis-sentinel 7.0.15 shows in ACL LIST for `requirepass secret`.
        assert_eq!(hex(&sha256(b"secret")), "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b");
        assert_eq!(hex(&sha256(&[b'a'; 200])).len(), 64);
    }
}
