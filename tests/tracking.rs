//! End-to-end tests of client-side caching with redirection (CLIENT TRACKING ... REDIRECT id), which
//! the differential scripts cannot express since they need another connection's id: invalidations
//! as `__redis__:invalidate` messages to a RESP2 subscriber or as pushes to a RESP3 connection, the
//! flush null, a redirect target that goes away (`broken_redirect`, flag R, the RESP3
//! `tracking-redir-broken` push), and tracking state freed with its connection. Each scenario runs
//! against rds-server and the real redis-server, and the transcripts (client ids replaced by
//! `<id>`) must be equal. Every read has a timeout; servers are killed when dropped.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use rds_testkit::diff::on_both;
use rds_testkit::{wait_until, Client};

fn rds() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rds-server"))
}

fn connect(port: u16) -> Client {
    let mut client = Client::connect(port).unwrap();
    client.set_timeout(Duration::from_secs(5)).unwrap();
    client
}

/// The connection's id.
fn id_of(client: &mut Client) -> String {
    client.cmd_str(&["CLIENT", "ID"]).trim_start_matches(':').trim_end().to_string()
}

/// Records a reply with the client id `id` written as `<id>`.
fn record(transcript: &mut Vec<String>, reply: Vec<u8>, id: &str) {
    let text = String::from_utf8_lossy(&reply).into_owned();
    let text = if text == format!(":{id}\r\n") { ":<id>\r\n".to_string() } else { text };
    let text = text
        .replace(&format!("redirect\r\n:{id}\r\n"), "redirect\r\n:<id>\r\n")
        .replace(&format!("tracking-redir-broken\r\n:{id}\r\n"), "tracking-redir-broken\r\n:<id>\r\n");
    transcript.push(text);
}

/// The `flags=` and `redir=` fields of CLIENT INFO.
fn flags_and_redirect(client: &mut Client) -> String {
    let info = client.cmd_str(&["CLIENT", "INFO"]);
    info.split_whitespace()
        .filter(|field| field.starts_with("flags=") || field.starts_with("redir="))
        .collect::<Vec<_>>()
        .join(" ")
}

fn tracking_clients(client: &mut Client) -> String {
    let info = client.cmd_str(&["INFO", "clients"]);
    info.lines().find(|line| line.starts_with("tracking_clients:")).unwrap_or_default().to_string()
}

fn redirect_to_resp2_subscriber(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut tracker = connect(port);
    let mut target = connect(port);
    let mut writer = connect(port);
    let target_id = id_of(&mut target);
    record(&mut t, target.cmd(&["SUBSCRIBE", "__redis__:invalidate"]), &target_id);
    record(&mut t, tracker.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &target_id]), &target_id);
    record(
        &mut t,
        tracker.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &target_id, "REDIRECT", &target_id]),
        &target_id,
    );
    record(&mut t, tracker.cmd(&["CLIENT", "GETREDIR"]), &target_id);
    record(&mut t, tracker.cmd(&["CLIENT", "TRACKINGINFO"]), &target_id);
    t.push(flags_and_redirect(&mut tracker).replace(&target_id, "<id>"));
    record(&mut t, tracker.cmd(&["MGET", "k1", "k2"]), &target_id);
    record(&mut t, writer.cmd(&["SET", "k1", "v"]), &target_id);
    record(&mut t, target.read_raw_reply(), &target_id);
    // The tracker's own write is redirected too (no NOLOOP).
    record(&mut t, tracker.cmd(&["SET", "k2", "x"]), &target_id);
    record(&mut t, target.read_raw_reply(), &target_id);
    // A flush is a null invalidation, in the tracker's protocol.
    record(&mut t, writer.cmd(&["FLUSHALL"]), &target_id);
    record(&mut t, target.read_raw_reply(), &target_id);
    record(&mut t, target.cmd(&["PING"]), &target_id);

    // The target goes away: the redirect is broken, which only a RESP3 tracker is told.
    drop(target);
    assert!(wait_until(Duration::from_secs(5), || !writer
        .cmd_str(&["CLIENT", "LIST"])
        .contains(&format!("id={target_id} "))));
    record(&mut t, tracker.cmd(&["GET", "k1"]), &target_id);
    record(&mut t, writer.cmd(&["SET", "k1", "v2"]), &target_id);
    record(&mut t, tracker.cmd(&["CLIENT", "TRACKINGINFO"]), &target_id);
    t.push(flags_and_redirect(&mut tracker).replace(&target_id, "<id>"));
    let hello = tracker.cmd_str(&["HELLO", "3"]);
    t.push(hello.lines().take(2).collect());
    record(&mut t, tracker.cmd(&["GET", "k1"]), &target_id);
    record(&mut t, writer.cmd(&["SET", "k1", "v3"]), &target_id);
    record(&mut t, tracker.read_raw_reply(), &target_id);
    record(&mut t, tracker.cmd(&["PING"]), &target_id);
    t
}

fn redirect_to_resp3_connection(port: u16) -> Vec<String> {
    let mut t = Vec::new();
    let mut target = connect(port);
    let mut tracker = connect(port);
    let mut writer = connect(port);
    let target_id = id_of(&mut target);
    let hello = target.cmd_str(&["HELLO", "3"]);
    t.push(hello.lines().take(2).collect());
    record(
        &mut t,
        tracker.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &target_id, "BCAST", "PREFIX", "user:"]),
        &target_id,
    );
    record(&mut t, writer.cmd(&["MSET", "user:2", "a", "user:1", "b", "other", "c"]), &target_id);
    record(&mut t, target.read_raw_reply(), &target_id);
    // Not subscribed and RESP2: a redirect to it delivers nothing.
    record(&mut t, target.cmd(&["HELLO", "2"]).get(..1).unwrap_or_default().to_vec(), &target_id);
    record(&mut t, writer.cmd(&["SET", "user:3", "d"]), &target_id);
    record(&mut t, target.cmd(&["PING"]), &target_id);
    t.push(tracking_clients(&mut writer));
    drop(tracker);
    assert!(wait_until(Duration::from_secs(5), || tracking_clients(&mut writer) == "tracking_clients:0"));
    t.push(tracking_clients(&mut writer));
    t
}

#[test]
fn invalidations_redirect_to_a_resp2_subscriber_and_report_a_broken_redirect() {
    on_both(&rds(), redirect_to_resp2_subscriber);
}

#[test]
fn broadcasts_redirect_to_a_resp3_connection_and_tracking_ends_with_the_connection() {
    on_both(&rds(), redirect_to_resp3_connection);
}
