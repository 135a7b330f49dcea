//! Tests of config loading: line errors with Redis's exact texts, includes, CLI merging.

use super::*;
use crate::testutil::TempDir;

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// (line, echoed text, reason) of a rejected config.
fn line_error(text: &str) -> (usize, String, String) {
    match Config::from_text(text, "test.conf") {
        Err(ConfigError::Directive { line, text, reason, .. }) => (line, text, reason),
        other => panic!("expected a line error for {text:?}, got {other:?}"),
    }
}

#[test]
fn bad_lines_fail_with_redis_texts() {
    let cases: &[(&str, usize, &str, &str)] = &[
        ("# c\nport \"abc\"\n", 2, "port \"abc\"", "argument couldn't be parsed into an integer"),
        ("port 70000\n", 1, "port 70000", "argument must be between 0 and 65535 inclusive"),
        ("foo bar\n", 1, "foo bar", "Bad directive or wrong number of arguments"),
        ("port\n", 1, "port", "wrong number of arguments"),
        ("port 1 2\n", 1, "port 1 2", "wrong number of arguments"),
        ("slaveof\n", 1, "slaveof", "wrong number of arguments"),
        ("port \"abc\n", 1, "port \"abc", "Unbalanced quotes in configuration line"),
        ("port \"a\"b\n", 1, "port \"a\"b", "Unbalanced quotes in configuration line"),
        ("save 1\n", 1, "save 1", "Invalid save parameters"),
        ("maxmemory -1\n", 1, "maxmemory -1", "argument must be a memory value"),
        ("appendonly maybe\n", 1, "appendonly maybe", "argument must be 'yes' or 'no'"),
        (
            "loglevel foo\n",
            1,
            "loglevel foo",
            "argument(s) must be one of the following: debug, verbose, notice, warning",
        ),
        ("dir /nonexistent-rds\n", 1, "dir /nonexistent-rds", "No such file or directory"),
        ("replicaof host abc\n", 1, "replicaof host abc", "Invalid master port"),
        ("sentinel monitor a b c d\n", 1, "sentinel monitor a b c d", "sentinel directive while not in sentinel mode"),
        ("databases 0\n", 1, "databases 0", "argument must be between 1 and 2147483647 inclusive"),
        (
            "notify-keyspace-events Q\n",
            1,
            "notify-keyspace-events Q",
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        ),
        (
            "client-output-buffer-limit normal 1 2\n",
            1,
            "client-output-buffer-limit normal 1 2",
            "Wrong number of arguments in buffer limit configuration.",
        ),
        ("   PORT    abc   \n", 1, "PORT    abc", "argument couldn't be parsed into an integer"),
        (
            "list-max-ziplist-entries 5\nlua-replicate-commands yes\nport abc\n",
            3,
            "port abc",
            "argument couldn't be parsed into an integer",
        ),
        (
            "list-max-ziplist-entries 5 6\n",
            1,
            "list-max-ziplist-entries 5 6",
            "Bad directive or wrong number of arguments",
        ),
        ("include\n", 1, "include", "Bad directive or wrong number of arguments"),
        ("rename-command a\n", 1, "rename-command a", "Bad directive or wrong number of arguments"),
        ("mod.opt\n", 1, "mod.opt", "Module config specified without value"),
        ("socket-mark-id -1\n", 1, "socket-mark-id -1", "argument must be between 0 and 4294967295 inclusive"),
        (
            "shutdown-on-sigint save nosave\n",
            1,
            "shutdown-on-sigint save nosave",
            "shutdown options SAVE and NOSAVE can't be used simultaneously",
        ),
        ("loglevel notice warning\n", 1, "loglevel notice warning", "wrong number of arguments"),
    ];
    for (text, line, echoed, reason) in cases {
        assert_eq!(line_error(text), (*line, echoed.to_string(), reason.to_string()), "{text:?}");
    }
}

#[test]
fn whole_config_errors_have_no_line() {
    let err = Config::from_text("cluster-enabled yes\nreplicaof h 1\n", "t.conf").unwrap_err();
    assert_eq!(
        err.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode"
    );
    assert_eq!(Config::from_text("mod.opt 1\n", "t.conf").unwrap_err(), ConfigError::ModuleConfigWithoutModule);
    assert!(Config::from_text("loadmodule /x.so\nmod.opt 1\n", "t.conf").is_ok());
}

#[test]
fn files_accept_what_redis_accepts() {
    let text = "# comment\n\n  \t\nSLAVEOF 10.0.0.1 6380\nsave 900 1\nsave 300 10\nmaxmemory 1GB\n\
                hz 1000\nsentinel\nlist-max-ziplist-value 64\nrename-command FLUSHALL \"\"\n\
                user alice on >pw ~* +@all\nslave-read-only no\nbind 127.0.0.1 ::1\nrequirepass \"a b\\x41\"\n";
    let cfg = Config::from_text(text, "t.conf").unwrap();
    assert_eq!(cfg.replica_of(), Some(("10.0.0.1".to_string(), 6380)));
    assert_eq!(cfg.str("slaveof"), "10.0.0.1 6380");
    assert_eq!(cfg.str("save"), "900 1 300 10");
    assert_eq!(cfg.int("maxmemory"), 1 << 30);
    assert_eq!(cfg.int("hz"), 500);
    assert!(!cfg.bool("replica-read-only"));
    assert_eq!(cfg.bind_addrs(), vec!["127.0.0.1", "::1"]);
    assert_eq!(cfg.str("requirepass"), "a bA");
    assert_eq!(cfg.lines("rename-command"), vec![vec!["FLUSHALL".to_string(), String::new()]]);
    assert_eq!(cfg.lines("user").len(), 1);
    assert_eq!(cfg.unsupported_in_use(), vec!["rename-command", "user"]);
    let cfg = Config::from_text("save \"\"\n", "t.conf").unwrap();
    assert!(cfg.save_points().is_empty());
    let cfg = Config::from_text("save 60 1\nsave \"\"\nsave 30 2\n", "t.conf").unwrap();
    assert_eq!(cfg.save_points(), vec![(30, 2)]);
}

#[test]
fn includes_resolve_against_dir_and_glob() {
    let tmp = TempDir::new("include");
    std::fs::create_dir_all(tmp.path().join("conf.d")).unwrap();
    tmp.write("conf.d/a.conf", "port 7001\n");
    tmp.write("conf.d/b.conf", "port 7002\nmaxmemory 1mb\n");
    tmp.write("conf.d/.hidden.conf", "port 1\n");
    let text =
        format!("dir {}\ninclude conf.d/*.conf\ninclude {}/none*.conf\n", tmp.path().display(), tmp.path().display());
    let cfg = Config::from_text(&text, "main.conf").unwrap();
    assert_eq!(cfg.int("port"), 7002);
    assert_eq!(cfg.int("maxmemory"), 1 << 20);
    tmp.write("bad.inc", "port 1\nport abc\n");
    let text = format!("\n\n\ninclude {}\n", tmp.path().join("bad.inc").display());
    let err = Config::from_text(&text, "main.conf").unwrap_err();
    assert!(matches!(&err, ConfigError::Directive { line: 2, file: Some(f), .. } if f.ends_with("bad.inc")), "{err:?}");
    let err = Config::from_text("include /nonexistent-rds.conf\n", "main.conf").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Fatal error, can't open config file '/nonexistent-rds.conf': No such file or directory"
    );
    let looped = tmp.write("loop.conf", &format!("include {}\n", tmp.path().join("loop.conf").display()));
    let err = Config::load(Some(&looped), &[]).unwrap_err();
    assert!(matches!(err, ConfigError::Fatal { .. }), "{err:?}");
}

#[test]
fn cli_pairs_are_appended_after_the_file() {
    let tmp = TempDir::new("cli");
    let path = tmp.write("redis.conf", "port 6000\nsave 60 1\n");
    let args = strings(&["--port", "7000", "--save", "", "--replicaof", "127.0.0.1", "6379"]);
    let cfg = Config::load(Some(&path), &args).unwrap();
    assert_eq!(cfg.int("port"), 7000);
    assert!(cfg.save_points().is_empty());
    assert_eq!(cfg.replica_of(), Some(("127.0.0.1".to_string(), 6379)));
    assert_eq!(cfg.file(), Some(path.as_path()));
    let args = strings(&["--save", "--maxmemory", "2mb", "--bind", "127.0.0.1", "::1"]);
    let cfg = Config::load(Some(&path), &args).unwrap();
    assert!(cfg.save_points().is_empty());
    assert_eq!(cfg.int("maxmemory"), 2 << 20);
    assert_eq!(cfg.str("bind"), "127.0.0.1 ::1");
    let cfg = Config::load(None, &strings(&["--port", "7000"])).unwrap();
    assert_eq!((cfg.int("port"), cfg.file()), (7000, None));
}

#[test]
fn cli_errors_count_lines_like_redis() {
    let tmp = TempDir::new("cli-err");
    let path = tmp.write("ok.conf", "port 0\n");
    let cases: &[(&[&str], usize, &str)] = &[
        (&["--port", "abc"], 3, "port \"abc\""),
        (&["--save", "", "--port", "abc"], 4, "port \"abc\""),
        (&["--replicaof", "127.0.0.1", "abc"], 3, "replicaof \"127.0.0.1\" \"abc\""),
        (&["extra"], 3, "\"extra\""),
    ];
    for (args, line, text) in cases {
        match Config::load(Some(&path), &strings(args)) {
            Err(ConfigError::Directive { line: l, text: t, .. }) => assert_eq!((l, t.as_str()), (*line, *text)),
            other => panic!("{args:?}: {other:?}"),
        }
    }
    match Config::load(None, &strings(&["--port", "0", "--foo"])) {
        Err(ConfigError::Directive { line, text, reason, .. }) => {
            assert_eq!((line, text.as_str(), reason.as_str()), (3, "foo", "Bad directive or wrong number of arguments"))
        }
        other => panic!("{other:?}"),
    }
    let err = Config::load(Some(Path::new("/nonexistent-rds/x.conf")), &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Fatal error, can't open config file '/nonexistent-rds/x.conf': No such file or directory"
    );
}

#[test]
fn logfile_must_be_openable_at_load() {
    let tmp = TempDir::new("logfile");
    let path = tmp.write("r.conf", &format!("dir {}\nlogfile rds.log\n", tmp.path().display()));
    assert!(Config::load(Some(&path), &[]).is_ok());
    assert!(tmp.path().join("rds.log").exists());
    let path = tmp.write("bad.conf", "logfile /nonexistent-rds/x.log\n");
    let err = Config::load(Some(&path), &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory"
    );
}
