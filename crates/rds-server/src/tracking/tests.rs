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
