//! Values between the domain and the columns of an SQL store, as both the
//! SQLite and the PostgreSQL stores keep them: money as whole cents, times
//! as their text, unknown fields as a JSON object (NULL when none), lists
//! as JSON (NULL when empty), roles by name. Shared so that the two encode
//! a value alike and say the same of a column they cannot read; how a
//! driver hands over a column's value is each backend's `Columns`.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::domain::extra::{Extra, deserialize_keeping_extra};
use crate::domain::user::Role;
use crate::domain::{AdminChange, Money, Timestamp};
use crate::repo::RepoError;

/// A column's value, or why it cannot be read (naming the column).
pub type Read<T> = Result<T, String>;

/// A row being read, as its backend's driver gives its columns; each
/// getter names its column in what it reports. The checked getters on top
/// (`text`, `money`, `extra`…) are the same for every backend.
pub trait Columns {
    /// Column `i` as text; NULL: `None`.
    fn opt_text(&self, i: usize, name: &str) -> Read<Option<String>>;
    /// Column `i` as a whole number; NULL: `None`.
    fn opt_int(&self, i: usize, name: &str) -> Read<Option<i64>>;
    /// A yes-or-no column.
    fn flag(&self, i: usize, name: &str) -> Read<bool>;
    /// A list of texts (NULL: none).
    fn texts(&self, i: usize, name: &str) -> Read<Vec<String>>;
}

impl dyn Columns + '_ {
    pub fn text(&self, i: usize, name: &str) -> Read<String> {
        self.opt_text(i, name)?.ok_or_else(|| format!("{name} is empty (NULL)"))
    }

    pub fn int(&self, i: usize, name: &str) -> Read<i64> {
        self.opt_int(i, name)?.ok_or_else(|| format!("{name} is empty (NULL)"))
    }

    pub fn count(&self, i: usize, name: &str) -> Read<u32> {
        let n = self.int(i, name)?;
        u32::try_from(n).map_err(|_| format!("{name} is {n}, not a count from 0 to {}", u32::MAX))
    }

    pub fn opt_count(&self, i: usize, name: &str) -> Read<Option<u32>> {
        match self.opt_int(i, name)? {
            None => Ok(None),
            Some(_) => self.count(i, name).map(Some),
        }
    }

    pub fn money(&self, i: usize, name: &str) -> Read<Money> {
        self.opt_money(i, name)?.ok_or_else(|| format!("{name} is empty (NULL)"))
    }

    pub fn opt_money(&self, i: usize, name: &str) -> Read<Option<Money>> {
        match self.opt_int(i, name)? {
            Some(cents) if cents < 0 => Err(format!("{name} is {cents} cents: an amount cannot be negative")),
            cents => Ok(cents.map(Money::from_cents)),
        }
    }

    pub fn timestamp(&self, i: usize, name: &str) -> Read<Timestamp> {
        self.opt_timestamp(i, name)?.ok_or_else(|| format!("{name} is empty (NULL)"))
    }

    pub fn opt_timestamp(&self, i: usize, name: &str) -> Read<Option<Timestamp>> {
        self.opt_text(i, name)?.map(|text| Timestamp::parse(&text).map_err(|e| format!("{name}: {e}"))).transpose()
    }

    /// A column of JSON (read as text).
    pub fn json<T: DeserializeOwned>(&self, i: usize, name: &str) -> Read<Option<T>> {
        self.opt_text(i, name)?
            .map(|text| serde_json::from_str(&text).map_err(|e| format!("{name} is not what it should hold: {e}")))
            .transpose()
    }

    /// Unknown fields (a column of JSON, read as text).
    pub fn extra(&self, i: usize, name: &str) -> Read<Extra> {
        match self.opt_text(i, name)? {
            None => Ok(Extra::default()),
            Some(text) => extra_from_text(&text).map_err(|e| format!("{name} is not a JSON object of fields: {e}")),
        }
    }

    /// A column holding one of `values`' names.
    pub fn choice<T: Copy>(&self, i: usize, name: &str, values: &[(&str, T)]) -> Read<T> {
        let text = self.text(i, name)?;
        values.iter().find(|(shown, _)| *shown == text).map(|(_, value)| *value).ok_or_else(|| {
            format!("{name} is {text:?}, not one of {:?}", values.iter().map(|v| v.0).collect::<Vec<_>>())
        })
    }
}

/// Unknown fields read back from their JSON object.
pub fn extra_from_text(text: &str) -> Result<Extra, String> {
    if !text.trim_start().starts_with('{') {
        return Err("not an object".into());
    }
    /// Knows no field, so every field is kept aside as unknown.
    #[derive(serde::Deserialize)]
    struct Nothing {}
    let mut de = serde_json::Deserializer::from_str(text);
    let (Nothing {}, extra) =
        deserialize_keeping_extra(&mut de, |known| <Nothing as serde::Deserialize>::deserialize(known))
            .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(extra)
}

/// Unknown fields as the `extra` columns keep them: NULL when none.
pub fn extra_text(extra: &Extra) -> Result<Option<String>, RepoError> {
    if extra.is_empty() {
        return Ok(None);
    }
    json_text(extra).map(Some)
}

/// Where a record's `extra` column keeps its change stamp's unknown fields
/// (the stamp's own columns hold only who and when). `changed` is a field
/// the record knows, so it never names one of the record's unknown fields.
pub const STAMP_EXTRA: &str = "changed";

/// A record's unknown fields as its `extra` column keeps them, with those
/// of its change stamp, if any, under `changed`: NULL when none.
pub fn extra_with_stamp_text(extra: &Extra, changed: Option<&AdminChange>) -> Result<Option<String>, RepoError> {
    let Some(stamp) = changed.filter(|stamp| !stamp.extra.is_empty()) else {
        return extra_text(extra);
    };
    let fields = RawValue::from_string(json_text(&stamp.extra)?)
        .map_err(|e| RepoError::Unavailable(format!("Cannot encode a record as JSON: {e}")))?;
    let mut all = extra.clone();
    all.insert(STAMP_EXTRA, fields);
    extra_text(&all)
}

/// Takes a change stamp's unknown fields out of its record's `extra`
/// (read from column `name`), for the stamp read from its columns.
pub fn stamp_extra(extra: &mut Extra, stamp: Option<&AdminChange>, name: &str) -> Read<Extra> {
    match (extra.remove(STAMP_EXTRA), stamp) {
        (None, _) => Ok(Extra::default()),
        (Some(fields), Some(_)) => extra_from_text(fields.get())
            .map_err(|e| format!("{name}'s {STAMP_EXTRA:?} is not a JSON object of fields: {e}")),
        // Written back to a folder it would be a stamp without who or when.
        (Some(_), None) => Err(format!(
            "{name} keeps fields of a change stamp ({STAMP_EXTRA:?}) but changed_by and changed_at are empty"
        )),
    }
}

/// A value as JSON text.
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<String, RepoError> {
    serde_json::to_string(value).map_err(|e| RepoError::Unavailable(format!("Cannot encode a record as JSON: {e}")))
}

/// A list as a JSON column: NULL when empty.
pub fn list_text<T: Serialize>(list: &[T]) -> Result<Option<String>, RepoError> {
    if list.is_empty() {
        return Ok(None);
    }
    json_text(list).map(Some)
}

pub fn cents(money: Money) -> i64 {
    money.cents()
}

pub fn opt_cents(money: Option<Money>) -> Option<i64> {
    money.map(Money::cents)
}

/// The names roles are stored by.
pub const ROLES: [(&str, Role); 2] = [("customer", Role::Customer), ("admin", Role::Admin)];

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Admin => "admin",
    }
}
