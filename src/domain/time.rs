//! Timestamps as the data files write them: local time `YYYY-MM-DD HH:MM:SS`.
//! The domain never reads the clock; callers pass the current time in.

use std::fmt;

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub NaiveDateTime);

impl Timestamp {
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        NaiveDateTime::parse_from_str(text, TIMESTAMP_FORMAT)
            .map(Timestamp)
            .map_err(|_| format!("expected a time like 2026-02-10 18:12:44, found {text:?}"))
    }

    /// The current local time, to the second.
    pub fn now_local() -> Timestamp {
        let now = chrono::Local::now().naive_local();
        Timestamp::parse(&now.format(TIMESTAMP_FORMAT).to_string()).unwrap_or(Timestamp(now))
    }

    /// `2026-02-10` for compact lists.
    pub fn date(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format(TIMESTAMP_FORMAT))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_file_format() {
        let t = Timestamp::parse("2026-02-10 18:12:44").unwrap();
        assert_eq!(t.to_string(), "2026-02-10 18:12:44");
        assert_eq!(t.date(), "2026-02-10");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2026-02-10 18:12:44\"");
    }

    #[test]
    fn refuses_other_formats() {
        let err = Timestamp::parse("10/02/2026").unwrap_err();
        assert_eq!(err, "expected a time like 2026-02-10 18:12:44, found \"10/02/2026\"");
    }
}
