//! PSYNC on the master side: whether a replica can continue from its offset, and the reply lines.

use crate::backlog::Backlog;
use crate::id::ReplId;

/// The master's replication identity (PSYNC2 keeps the previous id valid up to an offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    /// `master_replid`.
    pub replid: ReplId,
    /// `master_replid2`: the id of the history we continued from ([`ReplId::NONE`] when unset).
    pub replid2: ReplId,
    /// `second_repl_offset`: the last offset + 1 valid for `replid2` (-1 when unset).
    pub second_replid_offset: i64,
}

impl Ids {
    /// A fresh history: a random id and no previous one.
    pub fn fresh() -> Self {
        Ids { replid: ReplId::random(), replid2: ReplId::NONE, second_replid_offset: -1 }
    }

    /// Promotion / a new history: the current id becomes the previous one, valid up to
    /// `master_repl_offset + 1`, and a new random id takes over (Redis's `shiftReplicationId`).
    pub fn shift(&mut self, master_repl_offset: u64) {
        self.replid2 = self.replid;
        self.second_replid_offset = i64::try_from(master_repl_offset).unwrap_or(i64::MAX).saturating_add(1);
        self.replid = ReplId::random();
    }

    /// Forgets the previous id (Redis's `clearReplicationId2`).
    pub fn clear_second(&mut self) {
        self.replid2 = ReplId::NONE;
        self.second_replid_offset = -1;
    }
}

/// Why a PSYNC becomes a full resynchronisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FullReason {
    /// The replica sent `?` (no history, or it wants a full sync).
    Requested,
    /// The id is neither of ours.
    IdMismatch,
    /// The id is our previous one, but the offset is past where that history ended.
    SecondIdOffset,
    /// No backlog, or it does not hold the offset.
    NoBacklog,
    /// The offset is beyond our own offset.
    OffsetAhead,
}

impl FullReason {
    /// True when Redis counts this as a failed partial attempt (`sync_partial_err`).
    pub fn is_partial_error(&self) -> bool {
        *self != FullReason::Requested
    }
}

/// Decides whether `PSYNC <replid> <offset>` can continue from our backlog (Redis's
/// `masterTryPartialResynchronization`). Ids compare case-insensitively, as Redis does.
pub fn decide(replid: &[u8], offset: i64, ids: &Ids, backlog: Option<&Backlog>) -> Result<(), FullReason> {
    let is_current = replid.eq_ignore_ascii_case(ids.replid.as_bytes());
    let is_previous = replid.eq_ignore_ascii_case(ids.replid2.as_bytes());
    if !is_current && (!is_previous || offset > ids.second_replid_offset) {
        return Err(if replid.first() == Some(&b'?') {
            FullReason::Requested
        } else if is_previous {
            FullReason::SecondIdOffset
        } else {
            FullReason::IdMismatch
        });
    }
    let Some(backlog) = backlog else { return Err(FullReason::NoBacklog) };
    let Ok(offset) = u64::try_from(offset) else { return Err(FullReason::NoBacklog) };
    if offset > backlog.end_offset() + 1 {
        return Err(FullReason::OffsetAhead);
    }
    if !backlog.covers(offset) {
        return Err(FullReason::NoBacklog);
    }
    Ok(())
}

/// `+FULLRESYNC <replid> <offset>\r\n`.
pub fn fullresync_line(replid: &ReplId, offset: u64) -> String {
    format!("+FULLRESYNC {replid} {offset}\r\n")
}

/// `+CONTINUE <replid>\r\n` for a PSYNC2 replica, `+CONTINUE\r\n` for an older one.
pub fn continue_line(replid: &ReplId, psync2: bool) -> String {
    if psync2 {
        format!("+CONTINUE {replid}\r\n")
    } else {
        "+CONTINUE\r\n".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Ids {
        Ids {
            replid: ReplId::parse(&[b'a'; 40]).unwrap(),
            replid2: ReplId::parse(&[b'b'; 40]).unwrap(),
            second_replid_offset: 100,
        }
    }

    #[test]
    fn continues_only_inside_the_backlog_and_history() {
        let mut backlog = Backlog::new(1 << 20, 50);
        backlog.append(&[0u8; 100]);
        let ids = ids();
        assert_eq!(decide(&[b'a'; 40], 51, &ids, Some(&backlog)), Ok(()));
        assert_eq!(decide(&[b'A'; 40], 151, &ids, Some(&backlog)), Ok(()));
        assert_eq!(decide(&[b'a'; 40], 152, &ids, Some(&backlog)), Err(FullReason::OffsetAhead));
        assert_eq!(decide(&[b'a'; 40], 50, &ids, Some(&backlog)), Err(FullReason::NoBacklog));
        assert_eq!(decide(&[b'a'; 40], -5, &ids, Some(&backlog)), Err(FullReason::NoBacklog));
        assert_eq!(decide(&[b'b'; 40], 100, &ids, Some(&backlog)), Ok(()));
        assert_eq!(decide(&[b'b'; 40], 101, &ids, Some(&backlog)), Err(FullReason::SecondIdOffset));
        assert_eq!(decide(&[b'c'; 40], 60, &ids, Some(&backlog)), Err(FullReason::IdMismatch));
        assert_eq!(decide(b"?", -1, &ids, Some(&backlog)), Err(FullReason::Requested));
        assert_eq!(decide(&[b'a'; 40], 60, &ids, None), Err(FullReason::NoBacklog));
        assert!(!FullReason::Requested.is_partial_error());
        assert!(FullReason::IdMismatch.is_partial_error());
    }

    #[test]
    fn shifting_keeps_the_old_id_valid_up_to_the_offset() {
        let mut ids = ids();
        let old = ids.replid;
        ids.shift(1087);
        assert_eq!(ids.replid2, old);
        assert_eq!(ids.second_replid_offset, 1088);
        assert_ne!(ids.replid, old);
        ids.clear_second();
        assert!(ids.replid2.is_none());
        assert_eq!(ids.second_replid_offset, -1);
    }

    #[test]
    fn reply_lines() {
        let id = ReplId::parse(&[b'a'; 40]).unwrap();
        assert_eq!(fullresync_line(&id, 1000), format!("+FULLRESYNC {} 1000\r\n", "a".repeat(40)));
        assert_eq!(continue_line(&id, true), format!("+CONTINUE {}\r\n", "a".repeat(40)));
        assert_eq!(continue_line(&id, false), "+CONTINUE\r\n");
    }
}
