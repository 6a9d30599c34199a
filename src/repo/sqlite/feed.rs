//! The change feed: every commit, whichever process made it, writes one row
//! to `changes` in its own transaction, with the ids it touched (the text
//! `feed_text` writes); its row id is the `ChangeSet`'s id. The oldest rows are pruned (the last `kept`
//! stay); a reader further behind than that is told `Feed::Gap`.

use super::read::Db;
use crate::repo::feed_text::{decode, encode};
use crate::repo::{ChangeSet, Feed, RepoError};

/// Rows the feed keeps by default.
pub const KEPT: u64 = 10_000;

impl Db<'_> {
    /// Records `set` (not empty) as the newest change; gives it its id.
    pub fn record(&self, mut set: ChangeSet, kept: u64) -> Result<ChangeSet, RepoError> {
        let mut insert =
            self.conn.prepare_cached("INSERT INTO changes (ids) VALUES (?1) RETURNING id").map_err(|e| self.fail(e))?;
        let id: i64 = insert.query_row([encode(&set)], |row| row.get(0)).map_err(|e| self.fail(e))?;
        let mut prune = self.conn.prepare_cached("DELETE FROM changes WHERE id <= ?1").map_err(|e| self.fail(e))?;
        prune.execute([id.saturating_sub(i64::try_from(kept).unwrap_or(i64::MAX))]).map_err(|e| self.fail(e))?;
        set.id = u64::try_from(id).unwrap_or(0);
        Ok(set)
    }

    /// The changes after `after` (inside the caller's read transaction).
    pub fn changes_after(&self, after: u64) -> Result<Feed, RepoError> {
        let (oldest, newest): (Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached("SELECT (SELECT min(id) FROM changes), (SELECT max(id) FROM changes)")
            .and_then(|mut bounds| bounds.query_row([], |row| Ok((row.get(0)?, row.get(1)?))))
            .map_err(|e| self.fail(e))?;
        let after_id = i64::try_from(after).unwrap_or(i64::MAX);
        let (Some(oldest), Some(newest)) = (oldest, newest) else {
            // No row kept: every change ever made is pruned (or none was made).
            let latest = self.last_change_id()?;
            return Ok(if after_id < latest {
                Feed::Gap { latest: latest.unsigned_abs() }
            } else {
                Feed::Changes(vec![])
            });
        };
        if after_id >= newest {
            return Ok(Feed::Changes(vec![]));
        }
        if after_id.saturating_add(1) < oldest {
            return Ok(Feed::Gap { latest: u64::try_from(newest).unwrap_or(0) });
        }
        let mut since = self
            .conn
            .prepare_cached("SELECT id, ids FROM changes WHERE id > ?1 ORDER BY id")
            .map_err(|e| self.fail(e))?;
        let mut rows = since.query([after_id]).map_err(|e| self.fail(e))?;
        let mut sets = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.fail(e))? {
            let id: i64 = row.get(0).map_err(|e| self.fail(e))?;
            let id = u64::try_from(id).unwrap_or(0);
            // A row that cannot be read says "anything may have changed".
            let set =
                row.get::<_, String>(1).ok().and_then(|text| decode(id, &text)).unwrap_or(ChangeSet::everything(id));
            sets.push(set);
        }
        Ok(Feed::Changes(sets))
    }

    /// The id the last change was given, kept or not.
    fn last_change_id(&self) -> Result<i64, RepoError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'changes'")
            .map_err(|e| self.fail(e))?;
        statement.query_row([], |row| row.get::<_, i64>(0)).map_err(|e| self.fail(e)).map(|id| id.max(0))
    }
}
