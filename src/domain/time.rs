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
        parse_fixed(text)
            .map(Timestamp)
            .ok_or_else(|| format!("expected a time like 2026-02-10 18:12:44, found {text:?}"))
    }

    /// `time` to the second, as the data files keep it.
    pub fn to_the_second(time: chrono::NaiveDateTime) -> Timestamp {
        Timestamp::parse(&time.format(TIMESTAMP_FORMAT).to_string()).unwrap_or(Timestamp(time))
    }

    /// `2026-02-10` for compact lists.
    pub fn date(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }
}

/// `YYYY-MM-DD HH:MM:SS` by hand: chrono's format-string parser costs more
/// than the rest of loading an order.
fn parse_fixed(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?;
    date.and_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)
}

impl fmt::Display for Timestamp {
    /// Digits written by hand: chrono's formatter re-reads its format string
    /// every call, which dominated rewriting 100,000 orders.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::{Datelike, Timelike};
        let mut out = *b"0000-00-00 00:00:00";
        let mut put = |at: usize, width: usize, mut value: u32| {
            for i in (at..at + width).rev() {
                out[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        let year = u32::try_from(self.0.year()).unwrap_or(0).min(9999);
        put(0, 4, year);
        put(5, 2, self.0.month());
        put(8, 2, self.0.day());
        put(11, 2, self.0.hour());
        put(14, 2, self.0.minute());
        put(17, 2, self.0.second());
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
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
        assert!(Timestamp::parse("2026-02-30 10:00:00").is_err());
        assert!(Timestamp::parse("2026-02-10 24:00:00").is_err());
        assert!(Timestamp::parse("2026-02-10T18:12:44").is_err());
        let err = Timestamp::parse("10/02/2026").unwrap_err();
        assert_eq!(err, "expected a time like 2026-02-10 18:12:44, found \"10/02/2026\"");
    }
}
