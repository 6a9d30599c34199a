//! Failed-login records in the `login_failures` table, shared by every
//! process on the database: read, changed and pruned in one transaction
//! that first takes an advisory lock per key (in a fixed order, so two
//! callers never deadlock) and then the rows themselves (`FOR UPDATE`), so
//! that no two machines interleave on a key, a key without a row yet
//! included. The same rules of forgetting as `LoginBook`; pruning skips
//! rows another transaction holds.

use super::codec::Cols;
use super::read::{Db, damaged_row};
use super::{LOCK_LOGIN, key_hash, lock_class};
use crate::repo::logins::{FORGOTTEN_AFTER_MS, KEPT};
use crate::repo::sql_codec::Columns;
use crate::repo::{LoginFailures, RepoError, sql_rows};

impl Db<'_> {
    /// Runs `update` over the records of `keys`, inside a transaction the
    /// caller began (and commits).
    pub fn login_failures(
        &mut self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<(), RepoError> {
        let mut hashes: Vec<i32> = keys.iter().map(|key| key_hash(key)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        self.conn
            .query(
                "SELECT pg_advisory_xact_lock($1, h) FROM unnest($2::int4[]) AS h",
                &[&lock_class(LOCK_LOGIN), &hashes],
            )
            .map_err(|e| self.fail(e))?;
        let wanted: Vec<&str> = keys.to_vec();
        let rows = self
            .conn
            .query(
                "SELECT key, count, last_ms, last_from FROM shopfront.login_failures WHERE key = ANY($1)
                 ORDER BY key FOR UPDATE",
                &[&wanted],
            )
            .map_err(|e| self.fail(e))?;
        let mut found = Vec::with_capacity(rows.len());
        for row in &rows {
            let c: &dyn Columns = &Cols(row);
            let key: String = c.text(0, "key").map_err(|why| damaged_row(self.target, "login_failures", "?", &why))?;
            let record =
                sql_rows::login_failures(c).map_err(|why| damaged_row(self.target, "login_failures", &key, &why))?;
            found.push((key, record));
        }
        let mut records: Vec<Option<LoginFailures>> =
            keys.iter().map(|key| found.iter().find(|(k, _)| k == key).map(|(_, r)| r.clone())).collect();
        let before = records.clone();
        update(&mut records);
        if records == before {
            return Ok(());
        }
        // The last word on a key given twice wins, as in `LoginBook`.
        let mut put: Vec<(&str, &LoginFailures)> = Vec::new();
        let mut gone: Vec<&str> = Vec::new();
        for (i, (key, record)) in keys.iter().zip(&records).enumerate() {
            if keys[i + 1..].contains(key) {
                continue;
            }
            match record {
                Some(record) => put.push((key, record)),
                None => gone.push(key),
            }
        }
        if !put.is_empty() {
            let names: Vec<&str> = put.iter().map(|(k, _)| *k).collect();
            let counts: Vec<i64> = put.iter().map(|(_, r)| i64::from(r.count)).collect();
            let lasts: Vec<i64> = put.iter().map(|(_, r)| r.last_ms).collect();
            let froms: Vec<&str> = put.iter().map(|(_, r)| r.last_from.as_str()).collect();
            self.conn
                .execute(
                    "INSERT INTO shopfront.login_failures (key, count, last_ms, last_from)
                     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[])
                     ON CONFLICT (key) DO UPDATE SET count = excluded.count, last_ms = excluded.last_ms,
                        last_from = excluded.last_from, recorded_at = now()",
                    &[&names, &counts, &lasts, &froms],
                )
                .map_err(|e| self.fail(e))?;
        }
        if !gone.is_empty() {
            self.conn
                .execute("DELETE FROM shopfront.login_failures WHERE key = ANY($1)", &[&gone])
                .map_err(|e| self.fail(e))?;
        }
        // Records long quiet, then the oldest beyond `KEPT`, go (rows other
        // transactions hold are left for the next time).
        self.conn
            .execute(
                "DELETE FROM shopfront.login_failures WHERE key IN (
                    SELECT key FROM shopfront.login_failures
                    WHERE last_ms <= (SELECT max(last_ms) FROM shopfront.login_failures) - $1
                    FOR UPDATE SKIP LOCKED)",
                &[&FORGOTTEN_AFTER_MS],
            )
            .map_err(|e| self.fail(e))?;
        let added = put.iter().any(|(key, _)| !found.iter().any(|(k, _)| k == key));
        if !added {
            return Ok(());
        }
        let kept = KEPT as i64;
        self.conn
            .execute(
                "DELETE FROM shopfront.login_failures WHERE key IN (
                    SELECT key FROM shopfront.login_failures ORDER BY last_ms DESC, key DESC OFFSET $1
                    FOR UPDATE SKIP LOCKED)",
                &[&kept],
            )
            .map_err(|e| self.fail(e))?;
        Ok(())
    }
}
