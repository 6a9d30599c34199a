//! The one place that reads the machine's clock. Everything below the
//! loops is handed the time (the domain never reads it); tests pin it.

use crate::domain::Timestamp;

/// The current local time, to the second.
pub fn now() -> Timestamp {
    Timestamp::to_the_second(chrono::Local::now().naive_local())
}
