//! A row's columns as PostgreSQL gives them, with checks (a value a hand
//! edit broke says which column and why, never panics): text (`json`
//! columns, which keep the exact text, are selected as text), `bigint`,
//! `boolean`, `text[]`. What is read on top of them, and how values are
//! written, is `sql_codec`'s, shared with SQLite.

use postgres::Row;
use postgres::types::FromSql;

use crate::repo::sql_codec::{Columns, Read};

/// A row being read; each getter names its column in what it reports.
pub struct Cols<'a>(pub &'a Row);

impl Cols<'_> {
    fn get<'r, T: FromSql<'r>>(&'r self, i: usize, name: &str) -> Read<T> {
        self.0.try_get(i).map_err(|e| format!("{name}: {e}"))
    }
}

impl Columns for Cols<'_> {
    fn opt_text(&self, i: usize, name: &str) -> Read<Option<String>> {
        self.get(i, name)
    }

    fn opt_int(&self, i: usize, name: &str) -> Read<Option<i64>> {
        self.get(i, name)
    }

    fn flag(&self, i: usize, name: &str) -> Read<bool> {
        self.get::<Option<bool>>(i, name)?.ok_or_else(|| format!("{name} is empty (NULL)"))
    }

    /// A `text[]` column.
    fn texts(&self, i: usize, name: &str) -> Read<Vec<String>> {
        Ok(self.get::<Option<Vec<String>>>(i, name)?.unwrap_or_default())
    }
}

/// `text` as an SQL string literal (with `standard_conforming_strings`
/// on, which every connection sets: only quotes are doubled).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
