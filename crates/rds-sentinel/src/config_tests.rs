#![allow(clippy::unwrap_used)]
use super::*;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rds-sentinel-config-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load_text(tag: &str, text: &str, cli: &[&str]) -> (PathBuf, Result<SentinelConfig, ConfigError>) {
    let dir = temp_dir(tag);
    let path = dir.join("sentinel.conf");
    std::fs::write(&path, text).unwrap();
    let cli: Vec<String> = cli.iter().map(|s| s.to_string()).collect();
    let loaded = SentinelConfig::load(&path, &cli);
    (path, loaded)
}

#[test]
fn loads_sentinel_and_server_directives_with_defaults() {
    let text = "port 23001\nsentinel down-after-milliseconds m 5000\nsentinel monitor m 127.0.0.1 6379 2\n\
                sentinel known-replica m 127.0.0.1 6380\nsentinel known-sentinel m 127.0.0.1 26380 abc\n\
                sentinel known-sentinel m 127.0.0.1 26381\nsentinel config-epoch m 7\nsentinel current-epoch 3\n\
                requirepass secret\n";
    let (_, loaded) = load_text("defaults", text, &["--sentinel", "announce-ip", "1.2.3.4", "--loglevel", "warning"]);
    let config = loaded.unwrap();
    assert_eq!(config.port, 23001);
    assert_eq!(config.options.announce_ip.as_deref(), Some("1.2.3.4"));
    assert_eq!(config.loglevel, "warning");
    assert_eq!(config.requirepass.as_deref(), Some("secret"));
    assert_eq!(config.bind, vec!["*".to_string(), "-::*".to_string()]);
    assert!(!config.protected_mode && config.options.deny_scripts_reconfig);
    let m = config.master("m").unwrap();
    assert_eq!((m.host.as_str(), m.port, m.quorum, m.down_after_ms), ("127.0.0.1", 6379, 2, 5000));
    assert_eq!((m.failover_timeout_ms, m.parallel_syncs), (180_000, 1));
    assert_eq!(m.known_replicas, vec![("127.0.0.1".to_string(), 6380)]);
    assert_eq!(m.known_sentinels, vec![("127.0.0.1".to_string(), 26380, "abc".to_string())]);
    // config-epoch raises current-epoch, as Redis does.
    assert_eq!((m.config_epoch, config.current_epoch), (7, 7));
}

#[test]
fn port_defaults_to_26379() {
    let (_, loaded) = load_text("port", "sentinel monitor m 10.0.0.1 6379 1\n", &[]);
    assert_eq!(loaded.unwrap().port, 26379);
}

#[test]
fn errors_use_redis_texts_and_line_numbers() {
    let cases: &[(&str, usize, &str, &str)] = &[
        ("foo bar\n", 2, "foo bar", "Bad directive or wrong number of arguments"),
        ("sentinel monitor m 127.0.0.1 6379 0\n", 2, "sentinel monitor m 127.0.0.1 6379 0", "Quorum must be 1 or greater."),
        ("sentinel monitor m 127.0.0.1 6379\n", 2, "sentinel monitor m 127.0.0.1 6379", "Unrecognized sentinel configuration statement."),
        ("sentinel down-after-milliseconds nom 100\n", 2, "sentinel down-after-milliseconds nom 100", "No such master with specified name."),
        ("sentinel foo\n", 2, "sentinel foo", "Unrecognized sentinel configuration statement."),
        ("sentinel myid short\n", 2, "sentinel myid short", "Malformed Sentinel id in myid option."),
        ("sentinel resolve-hostnames maybe\n", 2, "sentinel resolve-hostnames maybe", "Please specify yes or no for the resolve-hostnames option."),
        ("sentinel monitor m nonexistent.invalid 6379 2\n", 2, "sentinel monitor m nonexistent.invalid 6379 2", "Can't resolve instance hostname."),
        ("sentinel monitor m 127.0.0.1 99999 2\n", 2, "sentinel monitor m 127.0.0.1 99999 2", "Invalid port number."),
        ("sentinel monitor m 127.0.0.1 1 2\nsentinel monitor m 127.0.0.1 1 2\n", 3, "sentinel monitor m 127.0.0.1 1 2", "Duplicate master name."),
        ("sentinel monitor m 127.0.0.1 1 2\nsentinel failover-timeout m abc\n", 3, "sentinel failover-timeout m abc", "negative or zero time parameter."),
        ("sentinel monitor m 127.0.0.1 1 2\nsentinel master-reboot-down-after-period m -5\n", 3, "sentinel master-reboot-down-after-period m -5", "negative time parameter."),
        ("sentinel monitor m 127.0.0.1 1 2\nsentinel notification-script m /nonexistent\n", 3, "sentinel notification-script m /nonexistent", "Notification script seems non existing or non executable."),
        ("sentinel down-after-milliseconds m 100\nsentinel monitor m 127.0.0.1 6379 2\nsentinel failover-timeout x 5\n", 4, "sentinel failover-timeout x 5", "No such master with specified name."),
        ("port abc\n", 2, "port abc", "argument couldn't be parsed into an integer"),
    ];
    for (i, (body, line, text, reason)) in cases.iter().enumerate() {
        let (_, loaded) = load_text(&format!("err{i}"), &format!("port 23998\n{body}"), &[]);
        let err = loaded.unwrap_err();
        let expected = format!(
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{reason}"
        );
        assert_eq!(err.to_string(), expected, "case {body:?}");
    }
}

#[test]
fn lenient_numbers_follow_atoi_like_redis() {
    let text = "sentinel monitor m 127.0.0.1 abc 2\nsentinel parallel-syncs m 3x\nsentinel current-epoch abc\n\
                sentinel announce-port 7\nsentinel known-sentinel m 1.2.3.4 5\nsentinel\n";
    let (_, loaded) = load_text("atoi", text, &[]);
    let config = loaded.unwrap();
    let m = config.master("m").unwrap();
    assert_eq!((m.port, m.parallel_syncs, config.current_epoch, config.options.announce_port), (0, 3, 0, 7));
    assert!(m.known_sentinels.is_empty());
    assert_eq!(atoi("  -12"), -12);
    assert_eq!(atoi("99999999999"), 99_999_999_999_i64 as i32);
    assert_eq!(strtoull("18446744073709551616"), u64::MAX);
}

#[test]
fn missing_or_unwritable_file_messages() {
    assert_eq!(check_config_file(None).unwrap_err(), "Sentinel needs config file on disk to save state. Exiting...");
    let err = check_config_file(Some(Path::new("/nonexistent-dir/s.conf"))).unwrap_err();
    assert_eq!(
        err,
        "Sentinel config file /nonexistent-dir/s.conf is not writable: No such file or directory. Exiting..."
    );
    let (_, loaded) = load_text("missing", "", &[]);
    assert!(loaded.is_ok());
    let err = SentinelConfig::load(Path::new("/nonexistent.conf"), &[]).unwrap_err();
    assert_eq!(err.to_string(), "Fatal error, can't open config file '/nonexistent.conf': No such file or directory");
}

#[test]
fn rewrite_keeps_user_lines_and_places_state_like_redis() {
    // The file and the expected result reproduce what a real redis-sentinel 7.0.15 wrote (it also writes the
    // ACL default user after the server directives; the order of those directives is its hash order).
    let text = "# my comment\nport 23801\nsentinel monitor mymaster 127.0.0.1 23701 2\n\
                sentinel down-after-milliseconds mymaster 5000\n# trailing comment\n";
    let (path, loaded) = load_text("rewrite", text, &[]);
    let mut config = loaded.unwrap();
    config.myid = Some("282d798b7920abb1a1e02ba721515d2479ddcda9".to_string());
    rewrite_file(&path, &config).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    let dir = std::env::current_dir().unwrap().display().to_string();
    let expected = format!(
        "# my comment\nport 23801\nsentinel monitor mymaster 127.0.0.1 23701 2\n\
         sentinel down-after-milliseconds mymaster 5000\n# trailing comment\n\n# Generated by CONFIG REWRITE\n\
         protected-mode no\ndir \"{dir}\"\nlatency-tracking-info-percentiles 50 99 99.9\nuser default on nopass ~* &* +@all\n\
         sentinel myid 282d798b7920abb1a1e02ba721515d2479ddcda9\nsentinel config-epoch mymaster 0\n\
         sentinel leader-epoch mymaster 0\nsentinel current-epoch 0\n"
    );
    assert_eq!(written, expected);
    // Reloading gives the same config back (round trip). A second rewrite keeps every line; like
    // Redis (whose split of the old file leaves an empty last line) the file then ends with a blank
    // line, and further rewrites keep it at one.
    let reloaded = SentinelConfig::load(&path, &[]).unwrap();
    assert_eq!(reloaded.masters, config.masters);
    assert_eq!(reloaded.myid, config.myid);
    for _ in 0..2 {
        rewrite_file(&path, &reloaded).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{expected}\n"));
    }
}

#[test]
fn rewrite_updates_in_place_appends_and_blanks_orphans() {
    let dir = temp_dir("orphans");
    let path = dir.join("s.conf");
    std::fs::write(
        &path,
        "sentinel monitor a 127.0.0.1 1 2\n# keep me\nsentinel monitor b 127.0.0.1 2 2\nsentinel auth-pass b secret\n",
    )
    .unwrap();
    let mut config = SentinelConfig::load(&path, &[]).unwrap();
    config.masters.remove(1);
    config.masters[0].quorum = 1;
    config.masters[0].known_replicas.push(("127.0.0.1".to_string(), 7));
    config.masters[0].known_sentinels.push(("127.0.0.1".to_string(), 8, "f".repeat(40)));
    config.current_epoch = 4;
    config.options.announce_ip = Some("10.0.0.1".to_string());
    rewrite_file(&path, &config).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    let dir = std::env::current_dir().unwrap().display().to_string();
    assert_eq!(
        written,
        format!(
            "sentinel monitor a 127.0.0.1 1 1\n# keep me\n\n# Generated by CONFIG REWRITE\n\
             protected-mode no\nport 26379\ndir \"{dir}\"\nlatency-tracking-info-percentiles 50 99 99.9\nuser default on nopass ~* &* +@all\nsentinel config-epoch a 0\n\
             sentinel leader-epoch a 0\nsentinel known-replica a 127.0.0.1 7\n\
             sentinel known-sentinel a 127.0.0.1 8 {}\nsentinel current-epoch 4\nsentinel announce-ip \"10.0.0.1\"\n",
            "f".repeat(40)
        )
    );
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temp file left behind");
}

#[test]
fn rewrite_failure_leaves_the_file_and_no_temp() {
    let dir = temp_dir("fail");
    let path = dir.join("missing-subdir").join("s.conf");
    let config = SentinelConfig::default();
    let err = rewrite_file(&path, &config).unwrap_err();
    assert!(err.to_string().starts_with("ERR Rewriting config file: No such file or directory"), "{err}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn rewrites_of_old_known_slave_lines_and_values_with_spaces_reload() {
    // redis-sentinel 7.0.15 keeps an old `known-slave` line and appends `known-replica` for the same
    // replica, then refuses its own file ("Duplicate hostname and port for replica."), and writes
    // `auth-pass m pa ss` bare, which it cannot reload either. rds rewrites the old line in place and
    // quotes such values (bare words are written bare, like Redis), so the file always reloads.
    let text = "port 23802\nsentinel monitor m 127.0.0.1 23701 2\nsentinel known-slave m 127.0.0.1 23999\n\
                sentinel auth-pass m \"pa ss\"\nsentinel sentinel-pass \"a b\"\n\
                sentinel rename-command m CONFIG \"MY CONFIG\"\nsentinel auth-user m plain\n";
    let (path, loaded) = load_text("spaces", text, &[]);
    let config = loaded.unwrap();
    rewrite_file(&path, &config).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.contains("\nsentinel known-replica m 127.0.0.1 23999\nsentinel auth-pass m \"pa ss\"\n"),
        "{written}"
    );
    assert!(!written.contains("known-slave"), "{written}");
    assert_eq!(written.matches("known-replica").count(), 1, "{written}");
    assert!(written.contains("sentinel sentinel-pass \"a b\"\n"), "{written}");
    assert!(written.contains("sentinel rename-command m CONFIG \"MY CONFIG\"\n"), "{written}");
    assert!(written.contains("sentinel auth-user m plain\n"), "{written}");
    let reloaded = SentinelConfig::load(&path, &[]).unwrap();
    assert_eq!(reloaded.masters, config.masters);
    assert_eq!(reloaded.options.sentinel_pass.as_deref(), Some("a b"));
}
