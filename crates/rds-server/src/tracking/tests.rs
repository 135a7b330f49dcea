use std::collections::BTreeSet;

use bytes::Bytes;

use super::*;

fn bytes(list: &[&str]) -> Vec<Bytes> {
    list.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
}

#[test]
fn prefixes_must_not_overlap_like_redis() {
    let existing: BTreeSet<Bytes> = bytes(&["a"]).into_iter().collect();
    assert_eq!(
        Tracking::prefix_collision(&existing, &bytes(&["ab"])).as_deref(),
        Some("Prefix 'ab' overlaps with an existing prefix 'a'. Prefixes for a single client must not overlap.")
    );
    assert_eq!(
        Tracking::prefix_collision(&BTreeSet::new(), &bytes(&["x", "xy"])).as_deref(),
        Some("Prefix 'x' overlaps with another provided prefix 'xy'. Prefixes for a single client must not overlap.")
    );
    assert_eq!(Tracking::prefix_collision(&existing, &bytes(&["b", "c"])), None);
    // The empty prefix overlaps everything.
    assert!(Tracking::prefix_collision(&existing, &bytes(&[""])).is_some());
}

/// A registry with one RESP3 client tracking in the default mode.
fn tracking_client() -> (Tracking, ClientRegistry, u64) {
    let mut clients = ClientRegistry::default();
    let addr: std::net::SocketAddr = "127.0.0.1:1".parse().expect("address");
    let id = clients.register(addr, addr, 0);
    let mut tracking = Tracking::default();
    let record = clients.get_mut(id).expect("registered");
    record.protocol = Protocol::Resp3;
    tracking.enable(record, TrackingOptions::default());
    (tracking, clients, id)
}

#[test]
fn the_table_limit_invalidates_keys_until_it_holds() {
    let (mut tracking, mut clients, id) = tracking_client();
    let keys = bytes(
        &(0..1000).map(|i| format!("key:{i}")).collect::<Vec<_>>().iter().map(String::as_str).collect::<Vec<_>>(),
    );
    tracking.remember(clients.get(id).expect("registered"), keys.iter());
    assert_eq!((tracking.key_count(), tracking.item_count()), (1000, 1000));
    // The effort grows by 100 keys per run while the table stays over the limit.
    let mut runs = 0;
    while tracking.key_count() > 10 {
        tracking.enforce_limit(&mut clients, 10);
        runs += 1;
    }
    assert_eq!((tracking.key_count(), tracking.item_count(), runs), (10, 10, 4));
    let outbox = &clients.get(id).expect("registered").outbox;
    let pushes =
        outbox.windows(b">2\r\n$10\r\ninvalidate\r\n".len()).filter(|w| w == b">2\r\n$10\r\ninvalidate\r\n").count();
    assert_eq!(pushes, 990);
    tracking.enforce_limit(&mut clients, 0);
    assert_eq!(tracking.key_count(), 10, "0 is no limit");
}

#[test]
fn a_key_is_forgotten_once_invalidated_and_disabled_clients_get_nothing() {
    let (mut tracking, mut clients, id) = tracking_client();
    let keys = bytes(&["a", "b"]);
    tracking.remember(clients.get(id).expect("registered"), keys.iter());
    tracking.remember(clients.get(id).expect("registered"), keys.iter());
    assert_eq!(tracking.item_count(), 2, "a client is listed once per key");
    tracking.invalidate(&mut clients, b"a", true, true);
    tracking.invalidate(&mut clients, b"a", true, true);
    assert_eq!(clients.get(id).expect("registered").outbox.as_ref(), b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n");
    let record = clients.get_mut(id).expect("registered");
    record.outbox.clear();
    tracking.disable(record);
    assert_eq!(tracking.client_count(), 0);
    tracking.invalidate(&mut clients, b"b", true, true);
    assert!(clients.get(id).expect("registered").outbox.is_empty());
    assert_eq!(tracking.key_count(), 0);
}
