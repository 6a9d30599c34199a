//! The change feed: every commit that changes something, whichever
//! process made it, writes one row to `changes` in its own transaction,
//! with the ids it touched (the text `feed_text` writes, kept as `json`,
//! which keeps it as written); its id is the `ChangeSet`'s. The ids come from
//! the `feed_head` row, taken under its lock in the commit's last
//! statement (sent together with the COMMIT, in one round trip): so they
//! follow commit order without holes, and a reader that sees change `n`
//! sees every change before it. A commit also says `NOTIFY
//! shopfront_changes` with its id. The oldest rows are pruned (the last
//! `kept` stay); a reader further behind is told `Feed::Gap`.

use postgres::SimpleQueryMessage;

use super::codec::literal;
use super::read::Db;
use crate::repo::feed_text::{decode, encode};
use crate::repo::{ChangeSet, Feed, RepoError};

/// A token no other commit has: this process's random number, the time
/// and a count.
pub fn new_token() -> String {
    use std::hash::BuildHasher;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static RANDOM: OnceLock<u64> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let random = *RANDOM.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(std::process::id()));
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{random:016x}-{nanos:x}-{:x}", COUNT.fetch_add(1, Ordering::Relaxed))
}

/// What became of a commit whose answer was lost.
pub enum Outcome {
    /// Saved, as change `id`.
    Saved(u64),
    NotSaved,
    /// Its session did not end in time to tell.
    Unknown,
}

/// Rows the feed keeps by default.
pub const KEPT: u64 = 10_000;
/// The channel commits notify.
pub const CHANNEL: &str = "shopfront_changes";

impl Db<'_> {
    /// Records `set` (not empty) as the newest change, with `token` (unique
    /// to this commit, to find it again should the answer be lost), and
    /// commits the transaction; gives `set` its id.
    pub fn record_and_commit(&mut self, mut set: ChangeSet, kept: u64, token: &str) -> Result<ChangeSet, RepoError> {
        let kept = i64::try_from(kept).unwrap_or(i64::MAX);
        let sql = format!(
            "WITH head AS (UPDATE shopfront.feed_head SET last = last + 1 WHERE id = 1 RETURNING last),
                  added AS (INSERT INTO shopfront.changes (id, ids, token) SELECT last, {}::json, {} FROM head
                            RETURNING id),
                  pruned AS (DELETE FROM shopfront.changes WHERE id <= (SELECT last FROM head) - {kept})
             SELECT id, pg_notify('{CHANNEL}', id::text) FROM added;
             COMMIT",
            literal(&encode(&set)),
            literal(token)
        );
        let replies = self.conn.simple(&sql).map_err(|e| self.fail(e))?;
        let id = replies.iter().find_map(|reply| match reply {
            SimpleQueryMessage::Row(row) => row.get(0).and_then(|id| id.parse::<u64>().ok()),
            _ => None,
        });
        let committed = replies.iter().any(|reply| matches!(reply, SimpleQueryMessage::CommandComplete(_)));
        match id {
            Some(id) if committed => {
                set.id = id;
                Ok(set)
            }
            _ => Err(RepoError::Damaged(format!(
                "{}: the change feed's head row (table feed_head) is missing; restore it with `INSERT INTO \
                 shopfront.feed_head VALUES (1, (SELECT coalesce(max(id), 0) FROM shopfront.changes))`",
                self.target.url
            ))),
        }
    }

    /// Whether the commit that wrote `token` was saved, the session that
    /// sent it (`lost`, whose connection was lost) having ended: waited
    /// for while it finishes a commit, ended by this one while it sits in
    /// its transaction (the COMMIT never reached it).
    pub fn saved(&mut self, token: &str, lost: &super::conn::Session) -> Result<Outcome, RepoError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        // A session not known (a server that did not say): found, or not known.
        let known = lost.pid != 0;
        if known && !self.session_ended(lost, deadline)? {
            return Ok(Outcome::Unknown);
        }
        let row = self
            .conn
            .query_opt("SELECT id FROM shopfront.changes WHERE token = $1", &[&token])
            .map_err(|e| self.fail(e))?;
        Ok(match row {
            Some(row) => Outcome::Saved(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0)),
            None if known => Outcome::NotSaved,
            None => Outcome::Unknown,
        })
    }

    /// Waits until the server process `lost` ends (ending it if it sits in
    /// its transaction), until `deadline`; whether it did.
    fn session_ended(&mut self, lost: &super::conn::Session, deadline: std::time::Instant) -> Result<bool, RepoError> {
        loop {
            let state = self
                .conn
                .query_opt(
                    "SELECT state FROM pg_stat_activity WHERE pid = $1 AND backend_start::text = $2",
                    &[&lost.pid, &lost.started],
                )
                .map_err(|e| self.fail(e))?;
            match state.map(|row| row.get::<_, Option<String>>(0).unwrap_or_default()) {
                None => return Ok(true),
                Some(state) if state.starts_with("idle in transaction") => {
                    self.conn.query("SELECT pg_terminate_backend($1)", &[&lost.pid]).map_err(|e| self.fail(e))?;
                }
                Some(_) => {}
            }
            if std::time::Instant::now() > deadline {
                return Ok(false);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The changes after `after`, in one statement (one snapshot).
    pub fn changes_after(&mut self, after: u64) -> Result<Feed, RepoError> {
        let after_id = i64::try_from(after).unwrap_or(i64::MAX);
        let rows = self
            .conn
            .query(
                "SELECT h.last, c.id, c.ids::text FROM shopfront.feed_head h
                 LEFT JOIN shopfront.changes c ON c.id > $1 AND c.id <= h.last
                 WHERE h.id = 1 ORDER BY c.id",
                &[&after_id],
            )
            .map_err(|e| self.fail(e))?;
        let Some(first) = rows.first() else {
            return Err(RepoError::Damaged(format!(
                "{}: the change feed's head row (table feed_head) is missing",
                self.target.url
            )));
        };
        let last: i64 = first.get(0);
        if last == after_id {
            return Ok(Feed::Changes(vec![]));
        }
        let latest = u64::try_from(last).unwrap_or(0);
        // Behind what is kept, or ahead of the database (restored from a backup).
        if last < after_id || first.get::<_, Option<i64>>(1) != Some(after_id + 1) {
            return Ok(Feed::Gap { latest });
        }
        let mut sets = Vec::with_capacity(rows.len());
        for (expected, row) in (after_id + 1..).zip(&rows) {
            let id: i64 = row.get(1);
            if id != expected {
                return Ok(Feed::Gap { latest });
            }
            let id = u64::try_from(id).unwrap_or(0);
            // A row that cannot be read says "anything may have changed".
            let set =
                row.get::<_, Option<String>>(2).and_then(|text| decode(id, &text)).unwrap_or(ChangeSet::everything(id));
            sets.push(set);
        }
        Ok(Feed::Changes(sets))
    }
}
