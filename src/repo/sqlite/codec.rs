//! A row's columns as SQLite gives them, with checks (a value a hand edit
//! broke says which column and why, never panics): text, whole numbers,
//! flags as 0 or 1, lists of texts as JSON arrays. What is read on top of
//! them, and how values are written, is `sql_codec`'s, shared with
//! PostgreSQL.

use rusqlite::Row;
use rusqlite::types::ValueRef;

use crate::repo::sql_codec::{Columns, Read};

/// A row being read; each getter names its column in what it reports.
pub struct Cols<'a, 'r>(pub &'a Row<'r>);

impl Cols<'_, '_> {
    fn value(&self, i: usize, name: &str) -> Read<ValueRef<'_>> {
        self.0.get_ref(i).map_err(|e| format!("{name}: {e}"))
    }
}

impl Columns for Cols<'_, '_> {
    fn opt_text(&self, i: usize, name: &str) -> Read<Option<String>> {
        match self.value(i, name)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map(|text| Some(text.to_string()))
                .map_err(|_| format!("{name} is not valid UTF-8")),
            other => Err(format!("{name} is {}, not text", other.data_type())),
        }
    }

    fn opt_int(&self, i: usize, name: &str) -> Read<Option<i64>> {
        match self.value(i, name)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(n) => Ok(Some(n)),
            other => Err(format!("{name} is {}, not a whole number", other.data_type())),
        }
    }

    fn flag(&self, i: usize, name: &str) -> Read<bool> {
        match (self as &dyn Columns).int(i, name)? {
            0 => Ok(false),
            1 => Ok(true),
            n => Err(format!("{name} is {n}, not 0 or 1")),
        }
    }

    /// A JSON array of texts.
    fn texts(&self, i: usize, name: &str) -> Read<Vec<String>> {
        Ok((self as &dyn Columns).json(i, name)?.unwrap_or_default())
    }
}
