//! Tests of the bespoke directives.

use super::*;

fn run(which: Special, args: &[&str], origin: Origin) -> Result<String, String> {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    set(which, &default_value(which), &args, origin).map(|v| get(&v))
}

#[test]
fn defaults_print_like_redis() {
    let cases = [
        (Special::Save, "3600 1 300 100 60 10000"),
        (Special::ClientOutputBufferLimit, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
        (Special::OomScoreAdjValues, "0 200 800"),
        (Special::NotifyKeyspaceEvents, ""),
        (Special::Bind, "* -::*"),
        (Special::ReplicaOf, ""),
        (Special::LatencyPercentiles, "50 99 99.9"),
    ];
    for (which, text) in cases {
        assert_eq!(get(&default_value(which)), text, "{which:?}");
    }
}

#[test]
fn specials_parse_like_redis() {
    let set = Origin::Set;
    assert_eq!(run(Special::Save, &[""], set), Ok(String::new()));
    assert_eq!(run(Special::Save, &["100", "+1", "200", "0"], set), Ok("100 1 200 0".into()));
    assert_eq!(run(Special::Save, &["100", "4294967297"], set), Ok("100 1".into()));
    assert_eq!(run(Special::Save, &["0", "1"], set), Err("Invalid save parameters".into()));
    assert_eq!(run(Special::Save, &["", "", ""], set), Err("Invalid save parameters".into()));
    assert_eq!(run(Special::Save, &["900", "1"], Origin::File), Ok("3600 1 300 100 60 10000 900 1".into()));
    assert_eq!(run(Special::Save, &[""], Origin::File), Ok(String::new()));
    assert_eq!(
        run(Special::ClientOutputBufferLimit, &["normal", "1mb", "2mb", "60"], set),
        Ok("normal 1048576 2097152 60 slave 268435456 67108864 60 pubsub 33554432 8388608 60".into())
    );
    assert_eq!(
        run(Special::ClientOutputBufferLimit, &["master", "1", "2", "3"], set),
        Err("Invalid client class specified in buffer limit configuration.".into())
    );
    assert_eq!(
        run(Special::ClientOutputBufferLimit, &["normal", "-1", "0", "0"], set),
        Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into())
    );
    assert_eq!(run(Special::OomScoreAdjValues, &["+1", "", "2"], set), Ok("1 0 2".into()));
    assert_eq!(run(Special::OomScoreAdjValues, &["0", "200"], set), Err(WRONG_ARGS.into()));
    assert_eq!(run(Special::NotifyKeyspaceEvents, &["KEA"], set), Ok("AKE".into()));
    assert_eq!(run(Special::NotifyKeyspaceEvents, &["Exg"], set), Ok("gxE".into()));
    assert_eq!(run(Special::NotifyKeyspaceEvents, &["An"], set), Ok("A".into()));
    assert_eq!(run(Special::NotifyKeyspaceEvents, &["mK"], set), Ok("Km".into()));
    assert!(run(Special::NotifyKeyspaceEvents, &["Q"], set).is_err());
    assert_eq!(run(Special::Bind, &[""], set), Ok(String::new()));
    assert_eq!(run(Special::Bind, &["127.0.0.1", "::1"], set), Ok("127.0.0.1 ::1".into()));
    assert_eq!(run(Special::ReplicaOf, &["NO", "one"], set), Ok(String::new()));
    assert_eq!(run(Special::ReplicaOf, &["h", "6379"], set), Ok("h 6379".into()));
    assert_eq!(run(Special::ReplicaOf, &["h", "abc"], set), Err("Invalid master port".into()));
    assert_eq!(run(Special::LatencyPercentiles, &["1e1", "0.0001", "100.0"], set), Ok("10 0.0001 100".into()));
    assert_eq!(run(Special::LatencyPercentiles, &[""], set), Ok(String::new()));
}

#[test]
fn dir_resolves_against_the_current_dir() {
    let tmp = std::fs::canonicalize(std::env::temp_dir()).unwrap();
    let root = Value::Dir(PathBuf::from("/"));
    let rel = tmp.strip_prefix("/").unwrap().to_string_lossy().into_owned();
    assert_eq!(set_dir(&root, &[rel.as_bytes()]), Ok(Value::Dir(tmp)));
    assert_eq!(set_dir(&root, &[b"/nonexistent-rds-dir"]), Err("No such file or directory".into()));
    assert_eq!(set_dir(&root, &[b""]), Err("No such file or directory".into()));
}
