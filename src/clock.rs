//! The one place that reads the machine's clock. Everything below the
//! loops is handed the time (the domain never reads it); tests pin it.

use crate::domain::Timestamp;

/// The current local time, to the second.
pub fn now() -> Timestamp {
    Timestamp::to_the_second(chrono::Local::now().naive_local())
}

/// Milliseconds since 1970 in UTC: the same instant on every machine,
/// whatever its time zone (what processes sharing data compare).
pub fn unix_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
