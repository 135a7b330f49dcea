//! The sentinel's ACL users, as Redis 7.0 keeps them: on/off, passwords (SHA-256), command
//! permissions over the sentinel's command table (commands, subcommands and categories), key and
//! channel patterns. ACL SETUSER's rules, the `user` lines of sentinel.conf and `requirepass` all go
//! through [`User::apply`]; ACL LIST and the config rewrite print [`User::describe`].

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use rds_commands::sentinel::{commands, SentinelSpec};
use rds_commands::{acl, flags};

use crate::acl_cmd::{hex, sha256};

/// One ACL user.
#[derive(Debug, Clone, Default)]
pub struct User {
    /// `on` / `off`.
    pub enabled: bool,
    /// `nopass`: any password works.
    pub nopass: bool,
    /// `sanitize-payload` (true) or `skip-sanitize-payload` (false), when given.
    pub sanitize: Option<bool>,
    /// SHA-256 hex digests of the passwords, in the order they were added.
    pub passwords: Vec<String>,
    /// Set by `+@all`: commands added later are allowed too (Redis's reserved command bit).
    pub all_future: bool,
    /// Full names (`ping`, `client|id`) of the table entries the user may run.
    pub allowed: HashSet<&'static str>,
    /// Key patterns (`~pattern`).
    pub keys: Vec<String>,
    /// Channel patterns (`&pattern`).
    pub channels: Vec<String>,
}

/// Why a rule was refused (the text after `Error in ACL SETUSER modifier '<rule>': `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError(pub &'static str);

const SYNTAX: RuleError = RuleError("Syntax error");
const UNKNOWN: RuleError = RuleError("Unknown command or category name in ACL");

fn table() -> &'static [SentinelSpec] {
    commands()
}

/// The entry and, for a container, its subcommands.
fn with_subcommands(spec: &'static SentinelSpec) -> Vec<&'static str> {
    let mut names = vec![spec.name];
    if spec.has(flags::CONTAINER) {
        names.extend(rds_commands::reply::subcommands(table(), spec).map(|sub| sub.name));
    }
    names
}

impl User {
    /// A user as ACL SETUSER creates it: off, no password, no commands, keys or channels.
    pub fn new() -> User {
        User::default()
    }

    /// The default user of a fresh sentinel: on, every command, key and channel; `requirepass`
    /// as its password, or nopass.
    pub fn default_user(requirepass: Option<&str>) -> User {
        let mut user = User::new();
        for rule in ["on", "~*", "&*", "+@all"] {
            let _ = user.apply(rule);
        }
        let _ = match requirepass {
            Some(pass) => user.apply(&format!(">{pass}")),
            None => user.apply("nopass"),
        };
        user
    }

    /// Applies one ACL rule (Redis's `ACLSetUser`).
    pub fn apply(&mut self, rule: &str) -> Result<(), RuleError> {
        let lower = rule.to_ascii_lowercase();
        match lower.as_str() {
            "on" => self.enabled = true,
            "off" => self.enabled = false,
            "nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            "resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            "sanitize-payload" => self.sanitize = Some(true),
            "skip-sanitize-payload" => self.sanitize = Some(false),
            "allkeys" => self.keys = vec!["*".to_string()],
            "resetkeys" => self.keys.clear(),
            "allchannels" => self.channels = vec!["*".to_string()],
            "resetchannels" => self.channels.clear(),
            "allcommands" => self.set_all(true),
            "nocommands" => self.set_all(false),
            "reset" => {
                for step in ["resetpass", "resetkeys", "resetchannels", "off", "-@all", "sanitize-payload"] {
                    self.apply(step)?;
                }
            }
            _ => return self.apply_argument(rule),
        }
        Ok(())
    }

    fn apply_argument(&mut self, rule: &str) -> Result<(), RuleError> {
        let (first, rest) = rule.split_at(rule.chars().next().map_or(0, char::len_utf8));
        match first {
            ">" => {
                let digest = hex(&sha256(rest.as_bytes()));
                if !self.passwords.contains(&digest) {
                    self.passwords.push(digest);
                }
                self.nopass = false;
            }
            "#" => {
                if rest.len() != 64 || !rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                    return Err(RuleError(
                        "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
                    ));
                }
                if !self.passwords.iter().any(|p| p == rest) {
                    self.passwords.push(rest.to_string());
                }
                self.nopass = false;
            }
            "<" | "!" => {
                let digest = if first == "<" { hex(&sha256(rest.as_bytes())) } else { rest.to_string() };
                let before = self.passwords.len();
                self.passwords.retain(|p| *p != digest);
                if self.passwords.len() == before {
                    return Err(RuleError("The password you are trying to remove from the user does not exist"));
                }
            }
            "~" => {
                if self.keys.iter().any(|k| k == "*") {
                    return Err(RuleError("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"));
                }
                if rest == "*" {
                    self.keys.clear();
                }
                if !self.keys.iter().any(|k| k == rest) {
                    self.keys.push(rest.to_string());
                }
            }
            "&" => {
                if self.channels.iter().any(|c| c == "*") {
                    return Err(RuleError("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"));
                }
                if rest == "*" {
                    self.channels.clear();
                }
                if !self.channels.iter().any(|c| c == rest) {
                    self.channels.push(rest.to_string());
                }
            }
            "+" | "-" => self.apply_command_rule(rest, first == "+")?,
            _ => return Err(SYNTAX),
        }
        Ok(())
    }

    fn set_all(&mut self, allow: bool) {
        self.all_future = allow;
        self.allowed = if allow { table().iter().map(|spec| spec.name).collect() } else { HashSet::new() };
    }

    fn set_names(&mut self, names: &[&'static str], allow: bool) {
        for name in names {
            if allow {
                self.allowed.insert(name);
            } else {
                self.allowed.remove(name);
            }
        }
    }

    /// `+cmd`, `-cmd`, `+cmd|sub`, `+@category`, `-@category`.
    fn apply_command_rule(&mut self, what: &str, allow: bool) -> Result<(), RuleError> {
        if let Some(category) = what.strip_prefix('@') {
            if category.eq_ignore_ascii_case("all") {
                self.set_all(allow);
                return Ok(());
            }
            let bit = acl::by_name(category.as_bytes()).ok_or(UNKNOWN)?;
            let names: Vec<&'static str> =
                table().iter().filter(|spec| spec.acl_bits() & bit != 0).map(|spec| spec.name).collect();
            self.set_names(&names, allow);
            return Ok(());
        }
        let spec = rds_commands::sentinel::lookup(what.as_bytes()).ok_or(UNKNOWN)?;
        // `-cmd|sub` and `+cmd|sub` name one subcommand; a container name covers all of them.
        let names = with_subcommands(spec);
        self.set_names(&names, allow);
        Ok(())
    }

    /// True when the user may run `spec` (commands that need no authentication always are).
    pub fn can_run(&self, spec: &SentinelSpec) -> bool {
        spec.has(flags::NO_AUTH) || self.allowed.contains(spec.name)
    }

    /// True when `password` logs this user in.
    pub fn accepts(&self, password: &[u8]) -> bool {
        self.enabled && (self.nopass || self.passwords.contains(&hex(&sha256(password))))
    }

    /// Flags as ACL GETUSER lists them.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut out = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            out.push("nopass");
        }
        match self.sanitize {
            Some(false) => out.push("skip-sanitize-payload"),
            Some(true) => out.push("sanitize-payload"),
            None => {}
        }
        out
    }

    /// The command rules, described like Redis 7.0 works them out from the permission bitmap: `+@all`
    /// or `-@all`, then greedily the categories that fit best (fewest exceptions, then most
    /// commands), then the single commands and subcommands that differ (by name, where Redis uses
    /// its hash table's order, which changes at every start).
    pub fn command_rules(&self) -> String {
        let additive = !self.all_future;
        let mut rules = vec![if additive { "-@all".to_string() } else { "+@all".to_string() }];
        let mut fake: HashSet<&'static str> =
            if additive { HashSet::new() } else { table().iter().map(|spec| spec.name).collect() };
        // The user's permissions with every chosen category taken out, so a category is chosen for
        // the commands no earlier one covered.
        let mut temp = self.allowed.clone();
        let members = |bit: u32| table().iter().filter(move |spec| spec.acl_bits() & bit != 0).map(|spec| spec.name);
        let mut applied = vec![false; acl::NAMES.len()];
        loop {
            let mut best: Option<usize> = None;
            let (mut min_diff, mut max_same) = (usize::MAX, 0);
            for (j, (bit, _)) in acl::NAMES.iter().enumerate() {
                if applied[j] {
                    continue;
                }
                let on = members(*bit).filter(|name| temp.contains(name)).count();
                let off = members(*bit).count() - on;
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < min_diff || (diff == min_diff && same > max_same)) {
                    (best, min_diff, max_same) = (Some(j), diff, same);
                }
            }
            let Some(j) = best else { break };
            let (bit, name) = acl::NAMES[j];
            for member in members(bit) {
                if additive {
                    fake.insert(member);
                    temp.remove(member);
                } else {
                    fake.remove(member);
                    temp.insert(member);
                }
            }
            rules.push(format!("{}@{name}", if additive { "+" } else { "-" }));
            applied[j] = true;
        }
        let mut top: Vec<&'static SentinelSpec> = rds_commands::reply::top_level(table()).collect();
        top.sort_by_key(|spec| spec.name);
        for spec in top {
            let mut entries = vec![spec];
            let mut subs: Vec<&'static SentinelSpec> = rds_commands::reply::subcommands(table(), spec).collect();
            subs.sort_by_key(|sub| sub.name);
            entries.extend(subs);
            for entry in entries {
                let (mine, theirs) = (self.allowed.contains(entry.name), fake.contains(entry.name));
                if mine == theirs {
                    continue;
                }
                rules.push(format!("{}{}", if mine { "+" } else { "-" }, entry.name));
                for name in with_subcommands(entry) {
                    if mine {
                        fake.insert(name);
                    } else {
                        fake.remove(name);
                    }
                }
            }
        }
        rules.join(" ")
    }

    /// The first channel of a PUBLISH / SUBSCRIBE / PSUBSCRIBE call the user may not use (Redis's
    /// `ACLCheckAllPerm` channel part: patterns must be granted literally, channels match a glob).
    pub fn denied_channel<'a>(&self, spec: &SentinelSpec, argv: &'a [bytes::Bytes]) -> Option<&'a bytes::Bytes> {
        if self.channels.iter().any(|c| c == "*") {
            return None;
        }
        let (channels, is_pattern): (&[bytes::Bytes], bool) = match spec.name {
            "publish" => (argv.get(1..2).unwrap_or_default(), false),
            "subscribe" => (argv.get(1..).unwrap_or_default(), false),
            "psubscribe" => (argv.get(1..).unwrap_or_default(), true),
            _ => return None,
        };
        channels.iter().find(|channel| {
            !self.channels.iter().any(|pattern| {
                if is_pattern {
                    pattern.as_bytes() == channel.as_ref()
                } else {
                    rds_glob::glob_match(pattern.as_bytes(), channel, false)
                }
            })
        })
    }

    /// Key patterns as rules (`~*`), space separated.
    pub fn key_rules(&self) -> String {
        self.keys.iter().map(|k| format!("~{k}")).collect::<Vec<_>>().join(" ")
    }

    /// Channel patterns as rules (`&*`), space separated.
    pub fn channel_rules(&self) -> String {
        self.channels.iter().map(|c| format!("&{c}")).collect::<Vec<_>>().join(" ")
    }

    /// The rules after `user <name>` in ACL LIST and in the config file.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.flag_names().iter().map(|f| f.to_string()).collect();
        parts.extend(self.passwords.iter().map(|p| format!("#{p}")));
        if !self.keys.is_empty() {
            parts.push(self.key_rules());
        }
        parts.push(if self.channels.is_empty() { "resetchannels".to_string() } else { self.channel_rules() });
        parts.push(self.command_rules());
        parts.join(" ")
    }
}

/// Why ACL refused a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The user may not run the command.
    Command,
    /// The user may not use this channel.
    Channel(bytes::Bytes),
}

/// Every user, by name (ACL USERS and LIST list them in name order, as Redis's radix tree does).
#[derive(Debug)]
pub struct AclUsers {
    users: Mutex<BTreeMap<String, User>>,
}

/// Why ACL users could not be loaded from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLineError(pub String);

impl AclUsers {
    /// The default user alone (`requirepass` as its password).
    pub fn new(requirepass: Option<&str>) -> AclUsers {
        let mut users = BTreeMap::new();
        users.insert("default".to_string(), User::default_user(requirepass));
        AclUsers { users: Mutex::new(users) }
    }

    /// The default user plus the configuration's `user <name> <rules...>` lines.
    pub fn from_config(requirepass: Option<&str>, lines: &[Vec<String>]) -> Result<AclUsers, UserLineError> {
        let acl = AclUsers::new(requirepass);
        for line in lines {
            let Some((name, rules)) = line.split_first() else { continue };
            // Like Redis at startup: a declared user starts from `reset` (so a reloaded default user
            // shows `sanitize-payload`, as redis-sentinel's does after reading its own rewrite).
            let rules: Vec<&str> = std::iter::once("reset").chain(rules.iter().map(String::as_str)).collect();
            acl.set_user(name, &rules)
                .map_err(|(rule, e)| UserLineError(format!("Error in user declaration '{rule}': {}", e.0)))?;
        }
        Ok(acl)
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, User>> {
        self.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// ACL SETUSER: applies every rule to a copy and stores it only when all are valid; the error
    /// names the refused rule.
    pub fn set_user(&self, name: &str, rules: &[&str]) -> Result<(), (String, RuleError)> {
        let mut users = self.lock();
        let mut user = users.get(name).cloned().unwrap_or_default();
        for rule in rules {
            user.apply(rule).map_err(|e| (rule.to_string(), e))?;
        }
        users.insert(name.to_string(), user);
        Ok(())
    }

    /// A copy of a user.
    pub fn get(&self, name: &str) -> Option<User> {
        self.lock().get(name).cloned()
    }

    /// Removes users (never `default`); returns how many existed.
    pub fn delete(&self, names: &[String]) -> usize {
        let mut users = self.lock();
        names.iter().filter(|name| users.remove(name.as_str()).is_some()).count()
    }

    /// User names in order.
    pub fn names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// `user <name> <rules>` for every user (ACL LIST, config rewrite).
    pub fn lines(&self) -> Vec<String> {
        self.lock().iter().map(|(name, user)| format!("user {name} {}", user.describe())).collect()
    }

    /// True when `name` exists and `password` logs it in.
    pub fn authenticate(&self, name: &[u8], password: &[u8]) -> bool {
        let name = String::from_utf8_lossy(name);
        self.lock().get(name.as_ref()).is_some_and(|user| user.accepts(password))
    }

    /// True when the default user needs no password (AUTH with one argument is then refused).
    pub fn default_is_nopass(&self) -> bool {
        self.lock().get("default").is_some_and(|user| user.nopass)
    }

    /// Redis's `ACLCheckAllPerm` for user `name` running `argv` (resolved to `spec`).
    pub fn check(&self, name: &str, spec: &SentinelSpec, argv: &[bytes::Bytes]) -> Result<(), Denial> {
        let users = self.lock();
        let Some(user) = users.get(name) else { return Err(Denial::Command) };
        if !user.can_run(spec) {
            return Err(Denial::Command);
        }
        match user.denied_channel(spec, argv) {
            Some(channel) => Err(Denial::Channel(channel.clone())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(rules: &[&str]) -> User {
        let mut user = User::new();
        for rule in rules {
            user.apply(rule).unwrap();
        }
        user
    }

    #[test]
    fn describes_users_like_redis() {
        assert_eq!(User::new().describe(), "off resetchannels -@all");
        assert_eq!(user(&["reset"]).describe(), "off sanitize-payload resetchannels -@all");
        assert_eq!(user(&["+@all", "-@admin"]).command_rules(), "+@all -@admin");
        assert_eq!(user(&["+@fast", "+@slow"]).command_rules(), "-@all +@slow +@fast");
        assert_eq!(
            user(&["+client", "-client|kill"]).command_rules(),
            "-@all +@connection -auth +client -client|kill -command -hello -ping"
        );
        assert_eq!(
            user(&["+@all", "-client", "+client|id"]).command_rules(),
            "+@all -@connection +auth -client +client|id +command +hello +ping"
        );
        assert_eq!(User::default_user(None).describe(), "on nopass ~* &* +@all");
        assert_eq!(
            user(&["on", ">pw", "+@all", "-sentinel|reset", "~*", "&*"]).describe(),
            "on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* &* +@all -sentinel|reset"
        );
        let amy = user(&["on", "nopass", "+ping", "+client|id", "+@pubsub", "-publish"]);
        assert_eq!(amy.command_rules(), "-@all +@pubsub +client|id +ping -publish");
    }

    #[test]
    fn permissions_follow_commands_subcommands_and_categories() {
        let spec = |name: &str| rds_commands::sentinel::lookup(name.as_bytes()).unwrap();
        let amy = user(&["on", "nopass", "+ping", "+client|id", "+@pubsub", "-publish"]);
        assert!(amy.can_run(spec("ping")) && amy.can_run(spec("client|id")) && amy.can_run(spec("subscribe")));
        assert!(!amy.can_run(spec("client|list")) && !amy.can_run(spec("publish")));
        assert!(amy.can_run(spec("auth")), "commands without authentication are always allowed");
        let admin = user(&["+@all", "-client"]);
        assert!(!admin.can_run(spec("client|kill")) && admin.can_run(spec("sentinel|masters")));
        assert_eq!(User::new().apply("+nosuch"), Err(UNKNOWN));
        assert_eq!(User::new().apply("+@nosuch"), Err(UNKNOWN));
        assert_eq!(User::new().apply("foo"), Err(SYNTAX));
        assert!(User::new().apply("#abc").is_err());
    }

    #[test]
    fn passwords_and_users() {
        let acl = AclUsers::new(Some("secret"));
        assert!(acl.authenticate(b"default", b"secret") && !acl.authenticate(b"default", b"x"));
        acl.set_user("bob", &["on", ">pw"]).unwrap();
        assert!(acl.authenticate(b"bob", b"pw"));
        assert_eq!(acl.set_user("bob", &["off", "bad"]).unwrap_err().0, "bad");
        assert!(acl.authenticate(b"bob", b"pw"), "a refused SETUSER changes nothing");
        acl.set_user("bob", &["<pw"]).unwrap();
        assert!(!acl.authenticate(b"bob", b"pw"));
        assert_eq!(acl.names(), vec!["bob", "default"]);
        assert_eq!(acl.delete(&["bob".into(), "zed".into()]), 1);
        let line = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<String>>();
        let loaded = AclUsers::from_config(
            None,
            &[line(&["amy", "on", "nopass", "+ping"]), line(&["default", "on", "nopass", "~*", "&*", "+@all"])],
        )
        .unwrap();
        assert!(loaded.authenticate(b"amy", b"anything"));
        assert_eq!(loaded.lines()[1], "user default on nopass sanitize-payload ~* &* +@all");
        assert!(AclUsers::from_config(None, &[vec!["amy".into(), "bogus".into()]]).is_err());
    }
}
