//! Failed-login records in the `login_failures` table: read, changed and
//! pruned in one IMMEDIATE transaction, so that no other process sharing
//! the file interleaves (the same rules of forgetting as `LoginBook`).

use rusqlite::params;

use super::codec::Cols;
use super::error::damaged_row;
use super::read::Db;
use crate::repo::logins::{FORGOTTEN_AFTER_MS, KEPT};
use crate::repo::{LoginFailures, RepoError, sql_rows};

impl Db<'_> {
    /// Runs `update` over the records of `keys`, inside a transaction the
    /// caller began with `BEGIN IMMEDIATE`.
    pub fn login_failures(
        &self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<(), RepoError> {
        let mut records = Vec::with_capacity(keys.len());
        for key in keys {
            records.push(self.login_record(key)?);
        }
        let before = records.clone();
        update(&mut records);
        if records == before {
            return Ok(());
        }
        for (key, record) in keys.iter().zip(&records) {
            match record {
                Some(r) => self.exec_login(
                    "INSERT INTO login_failures (key, count, last_ms, last_from) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key) DO UPDATE SET count = excluded.count, last_ms = excluded.last_ms,
                        last_from = excluded.last_from",
                    params![key, i64::from(r.count), r.last_ms, r.last_from],
                )?,
                None => self.exec_login("DELETE FROM login_failures WHERE key = ?1", params![key])?,
            }
        }
        // Records long quiet, then the oldest beyond `KEPT`, go.
        self.exec_login(
            "DELETE FROM login_failures
             WHERE last_ms <= (SELECT max(last_ms) FROM login_failures) - ?1",
            params![FORGOTTEN_AFTER_MS],
        )?;
        let mut count = self.conn.prepare_cached("SELECT count(*) FROM login_failures").map_err(|e| self.fail(e))?;
        let kept: i64 = count.query_row([], |row| row.get(0)).map_err(|e| self.fail(e))?;
        if kept <= KEPT as i64 {
            return Ok(());
        }
        self.exec_login(
            "DELETE FROM login_failures WHERE key IN
                (SELECT key FROM login_failures ORDER BY last_ms DESC, key DESC LIMIT -1 OFFSET ?1)",
            params![KEPT as i64],
        )
    }

    fn login_record(&self, key: &str) -> Result<Option<LoginFailures>, RepoError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT key, count, last_ms, last_from FROM login_failures WHERE key = ?1")
            .map_err(|e| self.fail(e))?;
        let mut rows = statement.query([key]).map_err(|e| self.fail(e))?;
        let Some(row) = rows.next().map_err(|e| self.fail(e))? else { return Ok(None) };
        sql_rows::login_failures(&Cols(row))
            .map(Some)
            .map_err(|why| damaged_row(self.path, "login_failures", key, &why))
    }

    fn exec_login<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<(), RepoError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        statement.execute(params).map(drop).map_err(|e| self.fail(e))
    }
}
